/// One flat, 64-byte-aligned Float buffer holding many tensors, addressed through `Slot`s.
///
/// Parameters, gradients and optimizer moments of a network each live in one arena with the
/// same `Layout`, so an optimizer step is one loop and a gradient allreduce is one call.
/// Memory is zero-initialised and freed when the arena is released.
public final class Arena: @unchecked Sendable {
    /// Number of Floats in the arena.
    public let count: Int
    /// Start of the storage; valid for the arena's lifetime.
    public let base: UnsafeMutablePointer<Float>

    /// Allocates `count` zeroed Floats.
    public init(count: Int) {
        precondition(count >= 0, "Arena: negative count \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    /// An arena sized for every slot of `layout`.
    public convenience init(_ layout: Layout) { self.init(count: layout.elementCount) }

    deinit { base.deallocate() }

    /// Pointer to the first element of `slot`.
    @inlinable
    public func pointer(_ slot: Slot) -> UnsafeMutablePointer<Float> {
        precondition(slot.end <= count, "Arena: slot \(slot) outside an arena of \(count)")
        return base + slot.offset
    }

    /// The elements of `slot` as a buffer.
    @inlinable
    public subscript(slot: Slot) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer(slot), count: slot.count)
    }

    /// The whole arena as a buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }

    /// Sets every element to zero (gradients are zeroed once per step, then accumulated).
    public func zero() { base.update(repeating: 0, count: count) }

    /// Sets the elements of `slot` to zero.
    public func zero(_ slot: Slot) { pointer(slot).update(repeating: 0, count: slot.count) }

    /// Copies `values` into `slot`; the counts must match.
    public func copy(_ values: some Collection<Float>, into slot: Slot) {
        precondition(values.count == slot.count, "Arena.copy: \(values.count) values into a slot of \(slot.count)")
        _ = self[slot].initialize(from: values)
    }

    /// The elements of `slot` as a new array (for tests and I/O, never inside a step).
    public func array(_ slot: Slot) -> [Float] { Array(self[slot]) }
}
