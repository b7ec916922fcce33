import HDF5

/// A 64-bit FNV-1a digest of everything an HDF5 file holds, walked in a fixed order: for each
/// group and dataset (members sorted by name) its path, attributes, and for a dataset its
/// element type, shape and every byte of its values.
///
/// HDF5 checks no raw data, so a checkpoint damaged after it was written (a failing disk, a
/// partial copy, a stray write) would otherwise load as garbage weights. `Checkpoint.save`
/// stores this digest as the root attribute `checksum`; `Checkpoint.load` recomputes it and
/// refuses a file whose content differs.
struct ContentDigest {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    /// The digest of `file`, leaving out the root attribute `excluded` (where it is stored).
    static func of(_ file: HDF5File, excluding excluded: String) throws -> UInt64 {
        var digest = ContentDigest()
        try digest.add(group: file, excluding: excluded)
        return digest.value
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var hash = value
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        value = hash
    }

    mutating func add(_ text: String) {
        var text = text + "\n"
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    private mutating func add(group: HDF5Group, excluding excluded: String?) throws {
        add("group \(group.path)")
        try add(attributesOf: group, excluding: excluded)
        for name in try group.memberNames().sorted() {
            switch try group.kind(of: name) {
            case .group:
                try add(group: try group.group(name), excluding: nil)
            case .dataset:
                let dataset = try group.dataset(name)
                add("dataset \(dataset.path) \(dataset.elementType) \(dataset.shape)")
                try add(attributesOf: dataset, excluding: nil)
                switch dataset.elementType {
                case .float32: try dataset.read(Float.self).values.withUnsafeBytes { add($0) }
                case .int64: try dataset.read(Int64.self).values.withUnsafeBytes { add($0) }
                default: try dataset.readConverting(to: Double.self).values.withUnsafeBytes { add($0) }
                }
            case .datatype:
                add("datatype \(name)")
            }
        }
    }

    private mutating func add(attributesOf object: HDF5Object, excluding excluded: String?) throws {
        for name in try object.attributeNames() where name != excluded {
            let type = try object.attributeType(name)
            switch type {
            case .string: add("@\(name) = \(try object.stringAttribute(name))")
            case .float32, .float64: add("@\(name) = \(try object.doubleAttribute(name).bitPattern)")
            case let type where type.isNumeric: add("@\(name) = \(try object.int64Attribute(name))")
            default: add("@\(name) : \(type)")
            }
        }
    }
}
