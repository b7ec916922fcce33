/// Named slots handed out in registration order: the map between a network's flat arenas and
/// its PyTorch `state_dict` keys.
///
/// Registering in the reference's `state_dict` order makes loading a weight file a loop over
/// names and makes the arena order match PyTorch's parameter order.
public struct Layout: Sendable {
    /// One registered tensor.
    public struct Entry: Sendable {
        public let key: String
        public let shape: Shape
        public let slot: Slot
    }

    /// Entries in registration order.
    public private(set) var entries: [Entry] = []
    private var indexByKey: [String: Int] = [:]

    /// Elements are aligned to this many floats (64 bytes) so every slot starts on a cache line.
    public static let alignment = 16

    /// `offset` rounded up to `alignment`.
    public static func aligned(_ offset: Int) -> Int { (offset + alignment - 1) / alignment * alignment }

    public init() {}

    /// Total number of elements an arena for this layout needs.
    public private(set) var elementCount = 0

    /// Reserves a slot for `key` with `shape`; keys must be unique.
    @discardableResult
    public mutating func register(_ key: String, shape: Shape) -> Slot {
        precondition(indexByKey[key] == nil, "Layout: key \"\(key)\" registered twice")
        let offset = Layout.aligned(elementCount)
        let slot = Slot(offset: offset, count: shape.elementCount)
        indexByKey[key] = entries.count
        entries.append(Entry(key: key, shape: shape, slot: slot))
        elementCount = slot.end
        return slot
    }

    /// The entry registered under `key`, if any.
    public subscript(key: String) -> Entry? {
        indexByKey[key].map { entries[$0] }
    }

    /// Registered keys in registration order.
    public var keys: [String] { entries.map(\.key) }
}
