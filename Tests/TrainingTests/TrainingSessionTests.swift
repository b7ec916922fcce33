import Collectives
import Configuration
import Datasets
import Foundation
import Testing
import TestSupport
import Training

/// The session in process, on one rank: steps, logs, checkpoints, resume and the stop request.
@Suite struct TrainingSessionTests {
    /// The quick start's tiny generator on 24 synthetic faces, batch 8, `maxSteps` steps.
    static func configuration(data: String, maxSteps: Int) throws -> RunConfiguration {
        try RunConfiguration.load(yamlPath: nil, overrides: [
            "generator.preset=tiny", "data.train=[\"\(data)\"]", "data.scale_factor=4", "data.workers=1",
            "train.batch_size=8", "train.max_steps=\(maxSteps)", "train.epochs=100",
            "checkpoint.every_steps=2", "checkpoint.keep=5", "log.every_steps=1", "log.images_every_steps=0",
            "log.tensorboard=false",
        ])
    }

    final class LineBox: @unchecked Sendable { var lines: [String] = [] }

    /// A fresh directory holding 24 synthetic faces (`data`) and an empty run directory (`run`).
    static func runDirectoryWithData(_ label: String) throws -> (directory: String, data: String, run: String) {
        let directory = Fixtures.temporaryDirectory(label)
        let data = directory + "/synthetic.h5"
        try SyntheticFaces(seed: 1, size: 32).writeShards(to: data, count: 24, threads: 1)
        let run = directory + "/run"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        return (directory, data, run)
    }

    /// A session on `run` of `maxSteps` steps over `data`, its log lines going to `log`.
    static func session(data: String, run: String, maxSteps: Int, resume: TrainingSession.Resume,
                        log: @escaping (String) -> Void = { _ in }) throws -> TrainingSession {
        try TrainingSession(configuration: try configuration(data: data, maxSteps: maxSteps),
                            communicator: LocalCommunicator(), runDirectory: run, resume: resume,
                            buildVersion: "test", log: log)
    }

    @Test("Steps log every term and checkpoint; --resume auto continues from the newest; a stop request checkpoints at once")
    func stepsCheckpointsResumeAndStop() throws {
        let (directory, data, run) = try Self.runDirectoryWithData("session")
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let log = LineBox()
        do {   // the session (and its hold on the run directory) ends with this scope
            let first = try Self.session(data: data, run: run, maxSteps: 4, resume: .none) { log.lines.append($0) }
            try first.run { false }
            #expect(first.currentStep == 4)
            let names = try FileManager.default.contentsOfDirectory(atPath: run)
            #expect(names.contains("checkpoint-00000002.h5") && names.contains("checkpoint-00000004.h5"), "\(names)")
            let metrics = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            #expect(metrics.count == 4 && metrics.allSatisfy { $0.contains("\"loss_pixel\"") }, "\(metrics)")
            #expect(log.lines.contains { $0.hasPrefix("step 4/4") && $0.contains("pixel ") }, "\(log.lines)")

            // While it lives, a second session on its directory is refused, naming the holder.
            #expect {
                _ = try Self.session(data: data, run: run, maxSteps: 6, resume: .auto)
            } throws: { "\($0)".contains("is in use by another job (pid \(getpid()) on ") }
        }

        // A new session on the same directory without --resume is refused, naming the way on.
        #expect {
            _ = try Self.session(data: data, run: run, maxSteps: 6, resume: .none)
        } throws: { "\($0)".contains("already holds checkpoints") }

        let resumedLog = LineBox()
        let resumed = try Self.session(data: data, run: run, maxSteps: 6, resume: .auto) { resumedLog.lines.append($0) }
        #expect(resumed.currentStep == 4)
        #expect(resumedLog.lines.contains { $0.contains("resumed from") && $0.contains("checkpoint-00000004.h5") },
                "\(resumedLog.lines)")
        var asked = 0
        try resumed.run { asked += 1; return asked > 1 }   // one more step, then a stop request
        #expect(resumed.currentStep == 5)
        #expect(resumedLog.lines.contains("stop requested at step 5: writing a checkpoint"), "\(resumedLog.lines)")
        #expect(FileManager.default.fileExists(atPath: run + "/checkpoint-00000005.h5"))
    }

    @Test("Starting from scratch drops a dead run's metrics lines: the log holds only the steps this run made")
    func startingFromScratchKeepsTheLogConsistent() throws {
        let (directory, data, run) = try Self.runDirectoryWithData("session-scratch")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A run that died before its first checkpoint left these.
        try "{\"step\":1,\"time\":1}\n{\"step\":7,\"time\":2}\n".write(toFile: run + "/metrics.jsonl", atomically: true, encoding: .utf8)
        let session = try Self.session(data: data, run: run, maxSteps: 2, resume: .auto)
        try session.run { false }
        let steps = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["step"] as? Int
        }
        #expect(steps == [1, 2], "\(steps)")
    }
}
