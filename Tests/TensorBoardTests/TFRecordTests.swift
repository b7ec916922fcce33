import TensorBoard
import Testing

@Suite struct TFRecordTests {
    @Test func framingMatchesTensorBoardsRecordWriter() {
        #expect(TFRecord.frame(Golden.scalarEvent) == Golden.scalarRecord)
        #expect(TFRecord.frame([]) == Golden.emptyRecord)
    }

    @Test func recordsReadBackInOrder() throws {
        let stream = TFRecord.frame(Golden.fileVersionEvent) + Golden.scalarRecord + TFRecord.frame([]) + TFRecord.frame(Golden.imageEvent)
        #expect(try TFRecord.records(in: stream) == [Golden.fileVersionEvent, Golden.scalarEvent, [], Golden.imageEvent])
    }

    @Test func everyCorruptionIsFoundAndLocated() throws {
        let first = TFRecord.frame(Golden.fileVersionEvent)
        let stream = first + Golden.scalarRecord
        let offset = first.count
        // A flipped bit in each part of the second record: length, length CRC, data, data CRC.
        let cases: [(index: Int, message: String)] = [(offset + 1, "length's CRC"), (offset + 9, "length's CRC"),
                                                      (offset + 20, "data's CRC"), (stream.count - 2, "data's CRC")]
        for (index, message) in cases {
            var corrupt = stream
            corrupt[index] ^= 0x10
            let error = #expect(throws: TensorBoardError.self) { try TFRecord.records(in: corrupt, name: "f") }
            #expect(error?.description.contains("f: record 1 at byte \(offset)") == true, "\(String(describing: error))")
            #expect(error?.description.contains(message) == true, "byte \(index): \(String(describing: error))")
        }
        let truncated = #expect(throws: TensorBoardError.self) { try TFRecord.records(in: Array(stream.dropLast(3))) }
        #expect(truncated?.description.contains("record 1") == true)
    }
}
