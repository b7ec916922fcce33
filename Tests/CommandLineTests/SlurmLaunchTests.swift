import Foundation
import Testing
import TestSupport

enum SlurmAvailability {
    /// Root (the daemons run as root here) and the daemons and client commands installed.
    static let canRun: Bool = getuid() == 0
        && ["munged", "slurmctld", "slurmd"].allSatisfy {
            Command.locate($0) != nil || FileManager.default.isExecutableFile(atPath: "/usr/sbin/" + $0)
        }
        && ["sbatch", "scancel", "scontrol"].allSatisfy { Command.locate($0) != nil }
}

/// `Launch/slurm.sbatch` on a real one-node SLURM that the test starts (`Launch/slurm-local.sh`)
/// and stops: the signal SLURM sends before a time limit (SIGUSR1 to the batch shell, as
/// `scancel --batch --signal=USR1` sends it) stops every rank with a checkpoint, the job
/// requeues itself and continues from that checkpoint, and ends COMPLETED with exit 0.
@Suite(.serialized, .enabled(if: SlurmAvailability.canRun, "needs root, slurm-wlm and munge (make deps installs them)"))
struct SlurmLaunchTests {
    /// Polls `condition` every 0.2 s for at most `seconds`.
    static func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(200_000)
        }
        return condition()
    }

    @Test("The time-limit signal checkpoints every rank, the job requeues itself, continues, and completes")
    func timeLimitSignalCheckpointsAndRequeues() throws {
        let directory = Fixtures.temporaryDirectory("slurm")
        let cluster = directory + "/cluster", run = directory + "/run", log = directory + "/job.log"
        let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/slurm-local.sh").path
        let port = 20_000 + Int.random(in: 0..<20_000) * 2
        // The daemons, and the jobs they start, inherit the signal mask: none blocked.
        let up = try Command.runUnblocked(script, ["up", cluster], environment: ["SPARNET_SLURM_PORT": "\(port)"], timeout: 60)
        defer { _ = try? Command.run(script, ["down", cluster], timeout: 60) }
        try #require(up.status == 0, "\(up)")
        let slurm = ["SLURM_CONF": cluster + "/slurm.conf"]
        func scontrol(_ arguments: [String]) -> String {
            (try? Command.run(Command.locate("scontrol")!, arguments, environment: slurm, timeout: 30))?.output ?? ""
        }
        func jobLog() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        let sbatchScript = Fixtures.repositoryRoot.appendingPathComponent("Launch/slurm.sbatch").path
        #expect(try String(contentsOfFile: sbatchScript, encoding: .utf8).contains("#SBATCH --signal=B:USR1@"),
                "the time limit's signal is the one tested here")
        let submitted = try Command.run(Command.locate("sbatch")!, [
            "--parsable", "--ntasks=2", "--cpus-per-task=1", "--output=" + log, sbatchScript, ShortRun.debugConfig,
            "--data", ShortRun.shared.trainingData, "--run-dir", run, "--steps", "100000",
            "--set", "train.epochs=100000", "--set", "checkpoint.every_steps=100000",
        ], environment: slurm.merging(["SPARNET_DIST": Command.sparnetDist, "SPARNET_MAX_REQUEUES": "1"]) { $1 },
           directory: Fixtures.repositoryRoot.path, timeout: 30)
        try #require(submitted.status == 0, "\(submitted)")
        let job = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Command.run(Command.locate("scancel")!, [job], environment: slurm, timeout: 30) }
        func signalBatchShell() throws {
            let sent = try Command.run(Command.locate("scancel")!, ["--batch", "--signal=USR1", job], environment: slurm,
                                       timeout: 30)
            #expect(sent.status == 0, "\(sent)")
        }

        // First start: train a few steps, then the signal.
        try #require(Self.eventually(within: 90) { jobLog().contains("step 5/") }, "the job did not train: \(jobLog())")
        try signalBatchShell()
        try #require(Self.eventually(within: 90) { jobLog().contains("requeueing job \(job)") }, "\(jobLog())")
        let firstStop = jobLog().components(separatedBy: "stop requested at step ").dropFirst().first?
            .prefix { $0.isNumber } ?? "?"
        // SLURM holds a requeued job two minutes before it may start again; the test does not wait
        // them out (the update takes once the job is pending again).
        try #require(Self.eventually(within: 60) {
            _ = scontrol(["update", "jobid=\(job)", "StartTime=now"])
            return !scontrol(["show", "job", job]).contains("JobState=PENDING") && jobLog().contains("start 1")
        }, "\(scontrol(["show", "job", job]))")
        try #require(Self.eventually(within: 90) {
            jobLog().contains("resumed from \(run)/checkpoint-\(String(repeating: "0", count: 8 - firstStop.count))\(firstStop).h5 at step \(firstStop)")
        }, "\(jobLog())")

        // Second start: its stop is the last (SPARNET_MAX_REQUEUES=1), and the job completes.
        let resumedAt = jobLog().count
        try #require(Self.eventually(within: 90) { jobLog().dropFirst(resumedAt).contains("step ") }, "\(jobLog())")
        try signalBatchShell()
        #expect(Self.eventually(within: 90) { scontrol(["show", "job", job]).contains("JobState=COMPLETED") },
                "\(scontrol(["show", "job", job])) \(jobLog())")
        let final = scontrol(["show", "job", job])
        #expect(final.contains("ExitCode=0:0") && final.contains("Restarts=1"), "\(final)")
        let text = jobLog()
        #expect(text.components(separatedBy: "stop requested at step").count == 3, "\(text)")
        #expect(text.components(separatedBy: "requeueing job").count == 2, "one requeue only: \(text)")
        #expect(text.contains("slurm.sbatch: job \(job), start 1"), "\(text)")
        let checkpoints = RunFiles.checkpoints(in: run)
        #expect(checkpoints.count == 1 && RunFiles.partials(in: run).isEmpty, "\(checkpoints)")
    }
}
