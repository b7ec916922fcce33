/// TFRecord framing, the container of TensorBoard event files: each record is
/// `uint64 length | uint32 masked CRC-32C of those 8 bytes | data | uint32 masked CRC-32C of data`,
/// all little-endian.
public enum TFRecord {
    /// Bytes a record adds around its data.
    public static let overhead = 16

    /// `data` framed as one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        let length = littleEndianBytes(UInt64(data.count))
        var record = length
        record.reserveCapacity(data.count + overhead)
        record += littleEndianBytes(CRC32C.maskedChecksum(length))
        record += data
        record += littleEndianBytes(CRC32C.maskedChecksum(data))
        return record
    }

    /// The data of every record in `bytes`, after checking both CRCs of each.
    /// - Throws: `TensorBoardError` naming `name`, the record's index and byte offset, for a
    ///   truncated record or a CRC mismatch.
    public static func records(in bytes: [UInt8], name: String = "<memory>") throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            let location = "record \(records.count) at byte \(offset)"
            guard bytes.count - offset >= 12 else {
                throw TensorBoardError("\(name): \(location): \(bytes.count - offset) bytes, a truncated header")
            }
            let lengthBytes = bytes[offset..<offset + 8]
            let length = Int(littleEndianInteger(lengthBytes, as: UInt64.self))
            let lengthCRC = littleEndianInteger(bytes[offset + 8..<offset + 12], as: UInt32.self)
            guard lengthCRC == CRC32C.maskedChecksum(lengthBytes) else {
                throw TensorBoardError("\(name): \(location): the length's CRC does not match")
            }
            let start = offset + 12
            guard length <= bytes.count - start - 4 else {
                throw TensorBoardError("\(name): \(location): \(length) bytes of data announced, \(max(bytes.count - start - 4, 0)) present")
            }
            let data = Array(bytes[start..<start + length])
            let dataCRC = littleEndianInteger(bytes[start + length..<start + length + 4], as: UInt32.self)
            guard dataCRC == CRC32C.maskedChecksum(data) else {
                throw TensorBoardError("\(name): \(location): the data's CRC does not match")
            }
            records.append(data)
            offset = start + length + 4
        }
        return records
    }
}

func littleEndianBytes<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
    (0..<Integer.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}

func littleEndianInteger<Integer: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as: Integer.Type) -> Integer {
    bytes.reversed().reduce(Integer.zero) { ($0 << 8) | Integer($1) }
}
