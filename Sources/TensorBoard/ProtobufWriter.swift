/// The few protocol-buffer encodings event files need (proto3 wire format): varints, 32- and
/// 64-bit little-endian fields and length-delimited bytes. Fields are appended in the order
/// written; callers write them in field-number order, as protobuf serializers do.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// Wire types of the encoding.
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func appendKey(_ field: Int, _ wireType: WireType) {
        appendVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// An int32/int64 field (negative values take ten bytes, as protobuf's two's complement).
    mutating func append(_ field: Int, integer value: Int64) {
        appendKey(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `double` field.
    mutating func append(_ field: Int, double value: Double) {
        appendKey(field, .fixed64)
        bytes += littleEndianBytes(value.bitPattern)
    }

    /// A `float` field.
    mutating func append(_ field: Int, float value: Float) {
        appendKey(field, .fixed32)
        bytes += littleEndianBytes(value.bitPattern)
    }

    /// A `bytes` field, or an embedded message's encoding.
    mutating func append(_ field: Int, bytes value: [UInt8]) {
        appendKey(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    /// A `string` field (UTF-8).
    mutating func append(_ field: Int, string value: String) {
        append(field, bytes: Array(value.utf8))
    }
}
