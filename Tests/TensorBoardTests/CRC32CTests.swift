import TensorBoard
import Testing

@Suite struct CRC32CTests {
    /// RFC 3720 (iSCSI) appendix B.4 test vectors, and the common check value.
    static let vectors: [([UInt8], UInt32)] = [
        (Array("123456789".utf8), 0xE306_9283),
        (Array(repeating: 0, count: 32), 0x8A91_36AA),
        (Array(repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
        ([], 0),
    ]

    @Test(arguments: vectors)
    func knownVectors(_ bytes: [UInt8], _ expected: UInt32) {
        #expect(CRC32C.checksum(bytes) == expected)
    }

    @Test func maskingIsTensorFlows() {
        // The empty record from tensorboard's RecordWriter stores both masked CRCs.
        #expect(CRC32C.maskedChecksum([UInt8](repeating: 0, count: 8)) == 0x0798_0329)
        #expect(CRC32C.maskedChecksum([]) == 0xA282_EAD8)
    }
}
