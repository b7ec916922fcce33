import Foundation
import Testing
import TestSupport

/// Tier 5: checkpoints survive a process killed mid-write, and damaged checkpoints are refused
/// by name: `--resume` never starts from garbage.
@Suite(.serialized) struct CheckpointSafetyTests {
    static let every = ["--set", "checkpoint.every_steps=3", "--set", "checkpoint.keep=5", "--set", "train.batch_size=4"]

    /// `train --debug` (one process) in `directory`.
    static func train(_ directory: String, steps: Int, resume: String? = nil,
                      environment: [String: String] = [:]) throws -> Command.Result {
        try Command.run(Command.sparnetDist, ["train", "--config", TrainCommandTests.debugConfig, "--data", TrainCommandTests.data,
                                              "--run-dir", directory, "--steps", "\(steps)", "--debug"]
                        + (resume.map { ["--resume", $0] } ?? []) + every, environment: environment)
    }

    /// 6 steps straight: what any correct resume must reproduce bit for bit.
    static let straight: String = {
        let directory = Fixtures.temporaryDirectory("safety-straight") + "/run"
        let result = try! train(directory, steps: 6)
        precondition(result.status == 0, "\(result)")
        return directory
    }()

    /// A run directory holding checkpoints 3 and 6 of the straight run's configuration.
    static func twoCheckpoints() throws -> String {
        let directory = Fixtures.temporaryDirectory("safety") + "/run"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["checkpoint-00000003.h5", "checkpoint-00000006.h5", "metrics.jsonl"] {
            try FileManager.default.copyItem(atPath: straight + "/" + name, toPath: directory + "/" + name)
        }
        return directory
    }

    /// Overwrites 64 bytes at 60% of the file (raw tensor data: HDF5 itself checks none of it).
    static func corrupt(_ path: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size * 6 / 10)
        let original = try handle.read(upToCount: 64) ?? Data()
        try handle.seek(toOffset: size * 6 / 10)
        handle.write(Data(original.map { $0 ^ 0x5A }))
        try handle.close()
    }

    static func truncate(_ path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
    }

    static func sameCheckpoint(_ directory: String, asStraightAt step: Int) throws -> Bool {
        let name = String(format: "/checkpoint-%08d.h5", step)
        return try RunFiles.datasets(directory + name) == RunFiles.datasets(straight + name)
    }

    @Test func processKilledWhileWritingACheckpointLeavesThePreviousOne() throws {
        let directory = Fixtures.temporaryDirectory("safety-kill") + "/run"
        #expect(try Self.train(directory, steps: 3).status == 0)

        // Resume for 3 more steps; the checkpoint at step 6 pauses half-written (test hook),
        // and the process is killed with SIGKILL during that pause.
        let seen = Seen()
        let killer = Thread {
            for _ in 0..<600 where !Thread.current.isCancelled {
                usleep(100_000)
                // The file being written, under whatever name the writer gives it.
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                guard let written = names.first(where: { $0.contains("checkpoint-00000006.h5") }),
                      let size = try? FileManager.default.attributesOfItem(atPath: directory + "/" + written)[.size] as? Int,
                      size > 0 else { continue }
                usleep(1_000_000)   // well inside the 60 s pause, after the flush
                let pids = (try? Command.run("/usr/bin/pgrep", ["-f", "run-dir \(directory) "]))?.output
                    .split(separator: "\n").compactMap { Int32($0) } ?? []
                seen.names = RunFiles.partials(in: directory)
                for pid in pids { kill(pid, SIGKILL) }
                return
            }
        }
        killer.start()
        let killed = try Self.train(directory, steps: 6, resume: "auto",
                                    environment: ["SPARNET_TEST_PAUSE_IN_CHECKPOINT_WRITE": "60"])
        #expect(killed.status != 0 && !killed.timedOut && killed.seconds < 50, "\(killed)")
        #expect(killed.errors.contains("SPARNET_TEST_PAUSE_IN_CHECKPOINT_WRITE: pausing"), "\(killed)")
        killer.cancel()
        let killedAfterSeeing = seen.names
        #expect(killedAfterSeeing.count == 1, "one temporary file, killed in mid-write: \(killedAfterSeeing)")

        // The directory: the previous checkpoint and `latest` intact, the partial file beside them.
        #expect(RunFiles.checkpoints(in: directory) == ["checkpoint-00000003.h5"])
        #expect(RunFiles.partials(in: directory) == killedAfterSeeing)
        #expect(try String(contentsOfFile: directory + "/latest", encoding: .utf8) == "checkpoint-00000003.h5\n")
        #expect(try Self.sameCheckpoint(directory, asStraightAt: 3))
        let export = try Command.run(Command.sparnetDist, ["export", "--checkpoint", directory + "/checkpoint-00000003.h5",
                                                           "--out", directory + "/../weights.h5"])
        #expect(export.status == 0, "the previous checkpoint validates and loads: \(export)")
        // The partial file is no checkpoint: named explicitly it is refused, naming it.
        if let name = killedAfterSeeing.first {
            let partial = directory + "/" + name
            let refused = try Self.train(Fixtures.temporaryDirectory("safety-partial") + "/run", steps: 6, resume: partial)
            #expect(refused.status != 0 && refused.errors.contains(partial), "\(refused)")
        }

        // --resume auto ignores the partial file (no warning, no crash), starts from step 3,
        // and ends where the uninterrupted run ends, with one loss line per step.
        let resumed = try Self.train(directory, steps: 6, resume: "auto")
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.output.contains("resumed from \(directory)/checkpoint-00000003.h5 at step 3"), "\(resumed)")
        #expect(!resumed.output.contains("warning"), "\(resumed)")
        #expect(try Self.sameCheckpoint(directory, asStraightAt: 6))
        #expect(try RunFiles.lossLines(directory) == RunFiles.lossLines(Self.straight))
        #expect(RunFiles.partials(in: directory).isEmpty, "the next save removes abandoned temporaries")
    }

    /// The partial files the killer saw (written by its thread before the kill, read after).
    final class Seen: @unchecked Sendable { var names: [String] = [] }

    @Test(arguments: ["corrupted", "truncated"])
    func damagedCheckpointIsRefusedNamingIt(_ damage: String) throws {
        let source = try Self.twoCheckpoints()
        let damaged = Fixtures.temporaryDirectory("safety-damaged") + "/checkpoint-00000006.h5"
        try FileManager.default.copyItem(atPath: source + "/checkpoint-00000006.h5", toPath: damaged)
        try damage == "corrupted" ? Self.corrupt(damaged) : Self.truncate(damaged)

        let run = Fixtures.temporaryDirectory("safety-resume-damaged") + "/run"
        let result = try Self.train(run, steps: 9, resume: damaged)
        print("\(damage) checkpoint, --resume PATH: \(result.errors.split(separator: "\n").first ?? "")")
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.errors.contains(damaged), "\(result)")
        #expect(RunFiles.checkpoints(in: run).isEmpty, "no step may run from a damaged checkpoint")

        let weights = Fixtures.temporaryDirectory("safety-export") + "/weights.h5"
        let export = try Command.run(Command.sparnetDist, ["export", "--checkpoint", damaged, "--out", weights])
        #expect(export.status != 0 && export.errors.contains(damaged), "\(export)")
        #expect(!FileManager.default.fileExists(atPath: weights))
    }

    @Test func resumeAutoSkipsADamagedNewestCheckpointWithAWarning() throws {
        let directory = try Self.twoCheckpoints()
        try Self.corrupt(directory + "/checkpoint-00000006.h5")
        let result = try Self.train(directory, steps: 6, resume: "auto")
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("warning: skipping \(directory)/checkpoint-00000006.h5") && result.output.contains("damaged"), "\(result)")
        #expect(result.output.contains("resumed from \(directory)/checkpoint-00000003.h5 at step 3"), "\(result)")
        #expect(try Self.sameCheckpoint(directory, asStraightAt: 6), "the damaged checkpoint is replaced by the re-run one")
    }

    @Test func resumeAutoRefusesToStartOverWhenNoCheckpointIsUsable() throws {
        let directory = try Self.twoCheckpoints()
        try Self.corrupt(directory + "/checkpoint-00000006.h5")
        try Self.truncate(directory + "/checkpoint-00000003.h5")
        let result = try Self.train(directory, steps: 6, resume: "auto")
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.output.contains("warning: skipping \(directory)/checkpoint-00000006.h5")
                && result.output.contains("warning: skipping \(directory)/checkpoint-00000003.h5"), "\(result)")
        #expect(result.errors.contains("none of the 2 checkpoint(s) in \(directory) is usable"), "\(result)")
        #expect(RunFiles.checkpoints(in: directory) == ["checkpoint-00000003.h5", "checkpoint-00000006.h5"])
    }
}
