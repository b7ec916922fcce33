/// A TensorBoard `Event` (tensorflow/core/util/event.proto), the record of an event file:
/// field 1 `wall_time` (double), 2 `step` (int64), then one of 3 `file_version` (string),
/// 5 `summary` (a `Summary` of repeated field 1 `value`) or 7 `session_log` (a `SessionLog`,
/// field 1 `status`). Only what training logs is modelled.
public struct Event: Equatable, Sendable {
    /// Seconds since 1970 when the event was written.
    public var wallTime: Double
    /// The global step the event belongs to.
    public var step: Int64
    /// `brain.Event:2` in the first event of a file; nil otherwise.
    public var fileVersion: String?
    /// The summary values (scalars, images); empty for a file-version or session event.
    public var values: [SummaryValue]
    /// A session status; nil otherwise.
    public var sessionStatus: SessionStatus?

    /// `SessionLog.SessionStatus`.
    public enum SessionStatus: Int64, Sendable {
        /// A (re)start: TensorBoard discards what earlier events logged at this step and after,
        /// the records an interrupted run wrote past the checkpoint it resumes from.
        case start = 1
        case stop = 2
        case checkpoint = 3
    }

    /// An event of summary values.
    public init(wallTime: Double, step: Int64, values: [SummaryValue]) {
        self.wallTime = wallTime
        self.step = step
        self.fileVersion = nil
        self.values = values
    }

    /// A session event: `.start` at the first step a (resumed) run will log.
    public init(wallTime: Double, step: Int64, sessionStatus: SessionStatus) {
        self.init(wallTime: wallTime, step: step, values: [])
        self.sessionStatus = sessionStatus
    }

    /// The event that opens every event file (TensorFlow writes the same).
    public init(fileVersionAt wallTime: Double) {
        self.wallTime = wallTime
        self.step = 0
        self.fileVersion = Event.currentFileVersion
        self.values = []
    }

    /// The file version TensorBoard expects.
    public static let currentFileVersion = "brain.Event:2"

    /// The protobuf encoding, fields in number order and proto3 defaults (0) left out, as
    /// protobuf's own serializer writes them.
    public func encoded() -> [UInt8] {
        var writer = ProtobufWriter()
        if wallTime != 0 { writer.append(1, double: wallTime) }
        if step != 0 { writer.append(2, integer: step) }
        if let fileVersion {
            writer.append(3, string: fileVersion)
        } else if let sessionStatus {
            var sessionLog = ProtobufWriter()
            sessionLog.append(1, integer: sessionStatus.rawValue)
            writer.append(7, bytes: sessionLog.bytes)
        } else {
            var summary = ProtobufWriter()
            for value in values { summary.append(1, bytes: value.encoded()) }
            writer.append(5, bytes: summary.bytes)
        }
        return writer.bytes
    }

    /// Decodes an event; fields other than those modelled are skipped.
    /// - Throws: `TensorBoardError` for malformed protobuf.
    public init(decoding bytes: [UInt8]) throws {
        self.init(wallTime: 0, step: 0, values: [])
        for (field, value) in try ProtobufReader.fields(of: bytes) {
            switch field {
            case 1: wallTime = try value.double ?? wrongType("Event.wall_time")
            case 2: step = try value.integer ?? wrongType("Event.step")
            case 3: fileVersion = try value.string ?? wrongType("Event.file_version")
            case 5:
                let summary = try value.bytes ?? wrongType("Event.summary")
                for (summaryField, item) in try ProtobufReader.fields(of: summary) where summaryField == 1 {
                    values.append(try SummaryValue(decoding: item.bytes ?? wrongType("Summary.value")))
                }
            case 7:
                let sessionLog = try value.bytes ?? wrongType("Event.session_log")
                let status = try ProtobufReader.fields(of: sessionLog).first { $0.field == 1 }?.value.integer ?? 0
                sessionStatus = SessionStatus(rawValue: status)
            default: continue
            }
        }
    }
}

func wrongType<T>(_ field: String) throws -> T {
    throw TensorBoardError("protobuf: \(field) has the wrong wire type")
}
