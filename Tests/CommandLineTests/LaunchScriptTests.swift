import Foundation
import Testing
import TestSupport

/// The launchers of `Launch/` in their local form, on this machine's cores: `local.sh 2` and
/// `cluster.sh` with a hostfile of `localhost slots=2`. They run the binary under test
/// (SPARNET_DIST) and add `--allow-run-as-root` themselves when run as root.
@Suite(.serialized) struct LaunchScriptTests {
    static let environment = ["SPARNET_DIST": Command.sparnetDist]

    static func checkTwoRankRun(_ result: Command.Result, _ runDirectory: String) {
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("sparnet-dist 0.1.0: 2 rank(s)") && result.output.contains("rank 1: node"), "\(result)")
        #expect(result.output.contains("finished at step 3"), "\(result)")
        #expect(FileManager.default.fileExists(atPath: runDirectory + "/checkpoint-00000003.h5"), "\(result)")
        #expect(!result.errors.contains("could not find environment variable"), "mpirun warned: \(result)")
    }

    @Test func localRunsTwoRanks() throws {
        let runDirectory = Fixtures.temporaryDirectory("launch-local") + "/run"
        let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/local.sh").path
        let result = try Command.run(script, ["2", ShortRun.debugConfig, "--data", ShortRun.shared.trainingData,
                                              "--run-dir", runDirectory, "--steps", "3"],
                                     environment: Self.environment, timeout: 180)
        Self.checkTwoRankRun(result, runDirectory)
    }

    @Test func clusterRunsTheRanksOfAHostfile() throws {
        let directory = Fixtures.temporaryDirectory("launch-cluster")
        try "# this machine only\nlocalhost slots=2\n".write(toFile: directory + "/hostfile", atomically: true, encoding: .utf8)
        let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/cluster.sh").path
        let result = try Command.run(script, [directory + "/hostfile", ShortRun.debugConfig, "--data", ShortRun.shared.trainingData,
                                              "--run-dir", directory + "/run", "--steps", "3"],
                                     environment: Self.environment, timeout: 180)
        Self.checkTwoRankRun(result, directory + "/run")
    }

    /// Open MPI forwards a TERM to mpirun to the ranks and kills them a second later; the
    /// launcher turns its own TERM into one SIGUSR1 to every rank instead. The checkpoint write
    /// is held 8 s by the test hook: it survives, and the launcher exits 0.
    @Test("SIGTERM to the launcher: every rank writes its checkpoint however long it takes, exit 0")
    func terminatedLauncherCheckpointsAndExitsZero() throws {
        let runDirectory = Fixtures.temporaryDirectory("launch-stop") + "/run"
        let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/local.sh").path
        let signaller = Thread {
            for _ in 0..<1800 where !Thread.current.isCancelled {
                usleep(100_000)
                // After the first logged step: the session is past its setup on every rank.
                guard let metrics = try? String(contentsOfFile: runDirectory + "/metrics.jsonl", encoding: .utf8),
                      metrics.contains("\"step\"") else { continue }
                let pids = (try? Command.run("/usr/bin/pgrep", ["-f", "Launch/local.sh 2 .*--run-dir \(runDirectory) "]))?
                    .output.split(separator: "\n").compactMap { Int32($0) } ?? []
                for pid in pids { kill(pid, SIGTERM) }
                return
            }
        }
        signaller.start()
        defer { signaller.cancel() }
        defer {
            // mpirun runs in a session of its own: should the launcher time out and be killed, its job is ended here.
            _ = try? Command.run("/usr/bin/pkill", ["-KILL", "-f", "run-dir \(runDirectory) "])
        }
        let result = try Command.runUnblocked(script, ["2", ShortRun.debugConfig, "--data", ShortRun.shared.trainingData,
                                              "--run-dir", runDirectory, "--steps", "100000", "--set", "train.epochs=100000",
                                              "--set", "checkpoint.every_steps=100000"],
                                     environment: Self.environment.merging(["SPARNET_TEST_PAUSE_IN_CHECKPOINT_WRITE": "8"]) { $1 },
                                     timeout: 240)
        #expect(result.status == 0 && !result.timedOut, "\(result)")
        #expect(result.errors.contains("launcher: stop requested"), "\(result)")
        #expect(result.output.contains("stop requested at step"), "\(result)")
        #expect(result.errors.contains("SPARNET_TEST_PAUSE_IN_CHECKPOINT_WRITE: pausing 8"), "\(result)")
        let checkpoints = RunFiles.checkpoints(in: runDirectory)
        #expect(checkpoints.count == 1 && RunFiles.partials(in: runDirectory).isEmpty, "\(checkpoints) \(result)")
        if let checkpoint = checkpoints.first {
            let export = try Command.run(Command.sparnetDist, ["export", "--checkpoint", runDirectory + "/" + checkpoint,
                                                               "--out", runDirectory + "/../weights.h5"])
            #expect(export.status == 0, "the checkpoint written during the stop validates: \(export)")
        }
    }

    @Test func scriptsExplainTheirUsage() throws {
        for (name, usage) in [("local.sh", "usage: "), ("cluster.sh", "usage: ")] {
            let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/" + name).path
            let result = try Command.run(script, [], environment: Self.environment)
            #expect(result.status == 2 && result.errors.contains(usage), "\(name): \(result)")
        }
        let missing = try Command.run(Fixtures.repositoryRoot.appendingPathComponent("Launch/local.sh").path,
                                      ["2", "/nonexistent.yaml"], environment: Self.environment)
        #expect(missing.status == 2 && missing.errors.contains("config /nonexistent.yaml not found"), "\(missing)")
    }
}
