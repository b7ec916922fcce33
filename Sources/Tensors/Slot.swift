/// A contiguous range of an `Arena`: where one tensor lives.
///
/// Layers hold slots, not arrays, so nothing is allocated per step and a whole network's
/// parameters stay one buffer (one allreduce, one optimizer loop).
public struct Slot: Hashable, Sendable, CustomStringConvertible {
    /// Index of the first element in the arena.
    public let offset: Int
    /// Number of elements.
    public let count: Int

    public init(offset: Int, count: Int) {
        precondition(offset >= 0 && count >= 0, "Slot: invalid offset \(offset) or count \(count)")
        self.offset = offset
        self.count = count
    }

    /// One past the last element.
    public var end: Int { offset + count }

    /// The sub-range `[start, start + count)` of this slot.
    public func slice(from start: Int, count: Int) -> Slot {
        precondition(start >= 0 && count >= 0 && start + count <= self.count,
                     "Slot.slice: [\(start), \(start + count)) outside a slot of \(self.count)")
        return Slot(offset: offset + start, count: count)
    }

    public var description: String { "[\(offset), \(end))" }
}
