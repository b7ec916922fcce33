import Foundation

/// Appends events to a new `events.out.tfevents.<seconds>.<host>` file in a run directory, the
/// file `tensorboard --logdir` reads (TFRecord framing, `Event` protobufs, a file-version
/// event first). Each event is written with one `write` call as it comes, so TensorBoard sees
/// it at once and a crash loses at most the event being written.
public final class EventFileWriter {
    /// The event file's path.
    public let path: String
    private let handle: FileHandle

    /// Creates the directory if needed and a new event file in it.
    /// - Parameter time: the creation time in the name and first event (default: now).
    /// - Throws: `TensorBoardError` naming the path when it cannot be created.
    public init(directory: String, time: Date = Date(), host: String = ProcessInfo.processInfo.hostName) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let seconds = Int(time.timeIntervalSince1970)
        var path = "\(directory)/events.out.tfevents.\(seconds).\(host)"
        // A second writer within the same second (a quick resume) gets its own file.
        var suffix = 1
        while FileManager.default.fileExists(atPath: path) {
            path = "\(directory)/events.out.tfevents.\(seconds).\(host).\(suffix)"
            suffix += 1
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw TensorBoardError("\(path): cannot create the event file")
        }
        self.path = path
        self.handle = handle
        try write(Event(fileVersionAt: time.timeIntervalSince1970))
    }

    deinit { try? handle.close() }

    /// Appends one event.
    public func write(_ event: Event) throws {
        do {
            try handle.write(contentsOf: TFRecord.frame(event.encoded()))
        } catch {
            throw TensorBoardError("\(path): \(error.localizedDescription)")
        }
    }

    /// Appends one event holding scalars `values` (tag, value) at `step`.
    public func addScalars(_ values: [(tag: String, value: Double)], step: Int, time: Date = Date()) throws {
        try write(Event(wallTime: time.timeIntervalSince1970, step: Int64(step),
                        values: values.map { .scalar($0.tag, Float($0.value)) }))
    }

    /// Appends one event holding encoded images (tag, image) at `step`.
    public func addImages(_ images: [(tag: String, image: SummaryValue.Image)], step: Int, time: Date = Date()) throws {
        try write(Event(wallTime: time.timeIntervalSince1970, step: Int64(step),
                        values: images.map { .image($0.tag, $0.image) }))
    }

    /// Appends a session-start event at `step`, the first step this run will log: TensorBoard
    /// then drops what an earlier, interrupted run logged at that step and after.
    public func addSessionStart(step: Int, time: Date = Date()) throws {
        try write(Event(wallTime: time.timeIntervalSince1970, step: Int64(step), sessionStatus: .start))
    }

    /// Forces written events to the disk.
    public func flush() throws {
        try handle.synchronize()
    }
}
