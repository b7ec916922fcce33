import TensorBoard
import Testing

@Suite struct EventTests {
    static let scalars = Event(wallTime: 1_700_000_001.25, step: 7,
                               values: [.scalar("loss/pixel", 0.125), .scalar("wait/data_fraction", 0)])
    static let image = Event(wallTime: 1_700_000_002, step: 300, values: [
        .image("samples", SummaryValue.Image(width: 3, height: 2, encoded: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])),
    ])

    @Test func encodingIsByteForByteProtobufs() {
        #expect(Event(fileVersionAt: 1_700_000_000.5).encoded() == Golden.fileVersionEvent)
        #expect(Self.scalars.encoded() == Golden.scalarEvent)   // a zero scalar is still written (oneof)
        #expect(Self.image.encoded() == Golden.imageEvent)      // step 300: a two-byte varint
        #expect(Event(wallTime: 1_700_000_003, step: 401, sessionStatus: .start).encoded() == Golden.sessionStartEvent)
    }

    @Test func decodingProtobufsEncodingGivesTheEvents() throws {
        let version = try Event(decoding: Golden.fileVersionEvent)
        #expect(version.fileVersion == "brain.Event:2" && version.wallTime == 1_700_000_000.5 && version.step == 0)
        #expect(try Event(decoding: Golden.scalarEvent) == Self.scalars)
        #expect(try Event(decoding: Golden.imageEvent) == Self.image)
        #expect(try Event(decoding: Golden.sessionStartEvent) == Event(wallTime: 1_700_000_003, step: 401, sessionStatus: .start))
    }

    @Test func largeAndNegativeStepsRoundTrip() throws {
        for step: Int64 in [0, 1, 127, 128, 16_384, 1 << 40, -1, .max, .min] {
            let event = Event(wallTime: 1, step: step, values: [.scalar("x", -.infinity)])
            #expect(try Event(decoding: event.encoded()) == event, "step \(step)")
        }
    }

    @Test func unknownFieldsAreSkipped() throws {
        // Event.source_metadata (field 10, a message) and Summary.Value.metadata (field 9) around the
        // modelled fields, as newer writers add them.
        let metadata: [UInt8] = [0x52, 0x02, 0x0A, 0x00]
        let value: [UInt8] = [0x0A, 0x01, 0x61, 0x4A, 0x00, 0x15, 0x00, 0x00, 0x80, 0x3F]   // tag "a", metadata {}, 1.0
        let summary: [UInt8] = [0x0A, UInt8(value.count)] + value
        let bytes: [UInt8] = [0x10, 0x05] + metadata + [0x2A, UInt8(summary.count)] + summary
        #expect(try Event(decoding: bytes) == Event(wallTime: 0, step: 5, values: [.scalar("a", 1)]))
    }

    @Test func malformedProtobufIsAnError() {
        #expect(throws: TensorBoardError.self) { try Event(decoding: [0x0A, 0x05, 0x01]) }   // 5 bytes announced, 1 there
        #expect(throws: TensorBoardError.self) { try Event(decoding: [0x10, 0x80]) }         // unfinished varint
        #expect(throws: TensorBoardError.self) { try Event(decoding: [0x0B]) }               // wire type 3 (groups)
    }
}
