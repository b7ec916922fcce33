import Foundation
import Testing
import TestSupport

/// Tier 5: one job per run directory. A second `train` on a directory a live job holds is
/// refused naming the holder; once that job is gone (killed, so it released nothing itself)
/// the directory is free again.
@Suite struct RunDirectoryLockTests {
    @Test func secondJobIsRefusedUntilTheFirstIsGone() throws {
        let directory = Fixtures.temporaryDirectory("lock")
        let run = directory + "/run"
        let common = ["train", "--config", TrainCommandTests.debugConfig, "--data", TrainCommandTests.data,
                      "--run-dir", run, "--debug"]
        let first = Process()
        first.executableURL = URL(fileURLWithPath: Command.sparnetDist)
        first.arguments = common + ["--steps", "1000000"]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() } }

        // The first job is training once its metrics have a line: it holds the lock by then.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, first.isRunning,
              ((try? String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)) ?? "").isEmpty {
            usleep(100_000)
        }
        #expect(first.isRunning)
        let lock = try String(contentsOfFile: run + "/.lock", encoding: .utf8)
        #expect(lock.hasPrefix("pid \(first.processIdentifier) on "), "\(lock)")

        let refused = try Command.run(Command.sparnetDist, common + ["--steps", "4", "--resume", "auto"])
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.errors.contains("the run directory \(run) is in use by another job (pid \(first.processIdentifier) on "),
                "\(refused)")
        #expect(first.isRunning, "the refused job left the running one alone")

        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let resumed = try Command.run(Command.sparnetDist, common + ["--steps", "6", "--resume", "auto"], timeout: 120)
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.output.contains("resumed from") || resumed.output.contains("starting from scratch"), "\(resumed)")
    }
}
