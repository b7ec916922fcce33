/// Splits a protocol-buffer message into its fields (number and raw value), enough to decode
/// the event messages back; unknown fields are kept, so a reader can skip them.
struct ProtobufReader {
    /// One field as it appears on the wire.
    enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited([UInt8])
        case fixed32(UInt32)
    }

    /// The fields of `bytes` in order.
    static func fields(of bytes: [UInt8]) throws -> [(field: Int, value: Value)] {
        var fields: [(field: Int, value: Value)] = []
        var offset = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < bytes.count, shift < 64 else { throw TensorBoardError("protobuf: a truncated or overlong varint at byte \(offset)") }
                let byte = bytes[offset]
                offset += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - offset else {
                throw TensorBoardError("protobuf: \(count) bytes needed at byte \(offset) of \(bytes.count)")
            }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        while offset < bytes.count {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((field, .varint(try varint())))
            case 1: fields.append((field, .fixed64(littleEndianInteger(try take(8), as: UInt64.self))))
            case 2: fields.append((field, .lengthDelimited(Array(try take(Int(try varint()))))))
            case 5: fields.append((field, .fixed32(littleEndianInteger(try take(4), as: UInt32.self))))
            default: throw TensorBoardError("protobuf: wire type \(key & 7) of field \(field) is not supported")
            }
        }
        return fields
    }
}

extension ProtobufReader.Value {
    var integer: Int64? { if case .varint(let v) = self { Int64(bitPattern: v) } else { nil } }
    var double: Double? { if case .fixed64(let v) = self { Double(bitPattern: v) } else { nil } }
    var float: Float? { if case .fixed32(let v) = self { Float(bitPattern: v) } else { nil } }
    var bytes: [UInt8]? { if case .lengthDelimited(let v) = self { v } else { nil } }
    var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
}
