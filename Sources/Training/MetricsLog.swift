import Foundation

/// `metrics.jsonl` in the run directory: one JSON object per logged step (rank 0 only).
final class MetricsLog {
    private let handle: FileHandle
    private let path: String

    /// Opens the log for appending; with `keepingStepsUpTo` (a resumed run) first drops every
    /// line of a later step, which a crash after the last checkpoint left behind.
    init(directory: String, keepingStepsUpTo lastKept: Int? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/metrics.jsonl"
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        if let lastKept, let data = FileManager.default.contents(atPath: path) {
            let lines = data.split(separator: 0x0A)
            let kept = lines.filter { line in
                let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
                return (object?["step"] as? Int).map { $0 <= lastKept } ?? false
            }
            if kept.count != lines.count {
                var text = Data()
                for line in kept { text.append(contentsOf: line); text.append(0x0A) }
                try text.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainingError("\(path): cannot open for appending")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// The largest value of `key` in the records written so far.
    func largest(_ key: String) -> Double? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return data.split(separator: 0x0A).compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])?[key] as? Double
        }.max()
    }

    func append(step: Int, epoch: Int, terms: [(name: String, value: Double)],
                learningRates: [(name: String, value: Double)], imagesPerSecond: Double,
                dataWaitFraction: Double, communicationWaitFraction: Double) throws {
        var object: [String: Any] = ["step": step, "epoch": epoch, "images_per_s": imagesPerSecond,
                                     "data_wait": dataWaitFraction, "communication_wait": communicationWaitFraction,
                                     "time": Date().timeIntervalSince1970]
        for (name, value) in terms { object["loss_" + name] = value.isFinite ? value : nil }
        for (name, value) in learningRates { object["learning_rate_" + name] = value }
        try write(object)
    }

    /// A record of other values of a step (the held-out scores); non-finite ones are left out.
    func append(step: Int, fields: [(name: String, value: Double)]) throws {
        var object: [String: Any] = ["step": step, "time": Date().timeIntervalSince1970]
        for (name, value) in fields where value.isFinite { object[name] = value }
        try write(object)
    }

    private func write(_ object: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        data.append(0x0A)
        handle.write(data)
    }
}
