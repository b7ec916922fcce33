import Foundation
import TensorBoard
import Testing
import TestSupport

@Suite struct EventFileWriterTests {
    @Test func fileIsNamedAndFramedAsTensorFlowWritesIt() throws {
        let directory = Fixtures.temporaryDirectory("events") + "/run"
        let time = Date(timeIntervalSince1970: 1_700_000_000.5)
        let writer = try EventFileWriter(directory: directory, time: time, host: "node7")
        #expect(writer.path == directory + "/events.out.tfevents.1700000000.node7")
        try writer.addScalars([("loss/pixel", 0.125), ("wait/data_fraction", 0)], step: 7,
                              time: Date(timeIntervalSince1970: 1_700_000_001.25))
        try writer.addImages([("samples", EventTests.image.values[0].image!)], step: 300,
                             time: Date(timeIntervalSince1970: 1_700_000_002))
        try writer.flush()
        let bytes = [UInt8](FileManager.default.contents(atPath: writer.path)!)
        #expect(bytes == TFRecord.frame(Golden.fileVersionEvent) + Golden.scalarRecord + TFRecord.frame(Golden.imageEvent))
        #expect(try EventFileReader.events(atPath: writer.path)
                == [Event(fileVersionAt: 1_700_000_000.5), EventTests.scalars, EventTests.image])
        #expect(EventFileReader.eventFiles(in: directory) == [writer.path])

        // A second writer in the same second gets its own file; the first is untouched.
        let second = try EventFileWriter(directory: directory, time: time, host: "node7")
        #expect(second.path == writer.path + ".1")
        #expect([UInt8](FileManager.default.contents(atPath: writer.path)!) == bytes)
    }

    @Test func readerNamesTheFileAndRecordOfACorruption() throws {
        let directory = Fixtures.temporaryDirectory("events-corrupt")
        let writer = try EventFileWriter(directory: directory, host: "h")
        try writer.addScalars([("loss/pixel", 1)], step: 1)
        var bytes = [UInt8](FileManager.default.contents(atPath: writer.path)!)
        bytes[bytes.count - 6] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: writer.path))
        let error = #expect(throws: TensorBoardError.self) { try EventFileReader.events(atPath: writer.path) }
        #expect(error?.description.hasPrefix(writer.path + ": record 1") == true, "\(String(describing: error))")
    }
}
