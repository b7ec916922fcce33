import Foundation
import Testing
import TestSupport

/// A cluster of hosts made of network namespaces (`Launch/netns-cluster.sh`) for one test: its
/// own name, so two runs never share one, and removed by `down` whatever the test did. Jobs
/// start on host 1 through `Launch/cluster.sh` and its hostfile, Open MPI's daemons reach the
/// other hosts through the script's agent, and ranks talk over TCP only.
struct NamespaceCluster {
    let name: String
    let hostfile: String

    static let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/netns-cluster.sh").path
    static let launcher = Fixtures.repositoryRoot.appendingPathComponent("Launch/cluster.sh").path

    /// Whether this machine can make namespace hosts: root, `ip`, and `ip netns add` working
    /// (a container may forbid it).
    static let available: Bool = {
        guard getuid() == 0, let ip = Command.locate("ip") else { return false }
        let probe = "sparnet-probe-\(getpid())"
        defer { _ = try? Command.run(ip, ["netns", "delete", probe], timeout: 10) }
        return (try? Command.run(ip, ["netns", "add", probe], timeout: 10))?.status == 0
    }()
    static let unavailable: Comment = "needs root and iproute2 (`ip netns`) to make hosts of network namespaces"

    init(hosts: Int, slots: Int) throws {
        name = String(format: "mh%06x", UInt32.random(in: 0..<0x100_0000))
        let result = try Command.run(Self.script, ["up", name, "\(hosts)", "\(slots)"], timeout: 60)
        guard result.status == 0 else {
            _ = try? Command.run(Self.script, ["down", name], timeout: 60)
            throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "netns-cluster.sh up failed: \(result)"])
        }
        hostfile = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func down() { _ = try? Command.run(Self.script, ["down", name], timeout: 60) }

    /// `Launch/cluster.sh HOSTFILE CONFIG train-options…` on host 1, the binary under test on
    /// every host. Python clears the signal mask the test threads block, as a login shell would.
    func train(_ config: String, _ options: [String], timeout: Double = 180) throws -> Command.Result {
        try Command.runUnblocked(Self.script, ["exec", name, "1", Self.launcher, hostfile, config] + options,
                                 environment: ["SPARNET_DIST": Command.sparnetDist], timeout: timeout)
    }

    func link(host: Int, up: Bool) throws {
        let result = try Command.run(Self.script, ["link", name, "\(host)", up ? "up" : "down"], timeout: 30)
        #expect(result.status == 0, "\(result)")
    }

    func hostName(_ host: Int) -> String { "\(name)-\(host)" }

    /// The network namespace (host) a process runs in.
    static func host(of pid: Int32) -> String? {
        (try? Command.run(Command.locate("ip") ?? "/usr/sbin/ip", ["netns", "identify", "\(pid)"], timeout: 10))?
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Issue 22: training across hosts that talk TCP only, on one machine. The equivalence with one
/// process, resume on another number of hosts, and the end of a job that loses a host or a
/// rank: within the stall timeout and a bounded margin, with one line of blame and a checkpoint
/// `--resume auto` continues from.
@Suite(.serialized, .enabled(if: NamespaceCluster.available, NamespaceCluster.unavailable))
struct MultiHostTests {
    /// 48 synthetic 32×32 faces: with the global batch of 12 an epoch is 4 steps.
    static let data: String = {
        let path = Fixtures.temporaryDirectory("multihost-data") + "/faces.h5"
        let result = try! Command.run(Command.sparnetDist, ["prepare", "--synthetic", "48", "--size", "32", "--seed", "5",
                                                            "--out", path])
        precondition(result.status == 0, "\(result)")
        return path
    }()
    static let config = TrainCommandTests.debugConfig

    /// A global batch 1, 3 and 4 ranks divide; a smooth generator and one BLAS thread, so that
    /// rank counts differ by rounding only (TrainCommandTests explains why).
    static let equivalence = ["--set", "train.batch_size=12", "--set", "train.epochs=100", "--set", "checkpoint.every_steps=3",
                              "--set", "checkpoint.keep=5", "--set", "generator.norm=instance",
                              "--set", "generator.activation=none", "--set", "distributed.blas_threads=1"]

    static func checkpoint(_ directory: String, _ step: Int) -> String {
        directory + "/" + String(format: "checkpoint-%08d.h5", step)
    }

    /// max relative difference of two checkpoints' generators where Adam's first moment of the
    /// reference exceeds 1e-3 of its largest value (the rule of TrainCommandTests).
    static func difference(_ actual: String, _ reference: String) throws -> Double {
        let moment = try TrainCommandTests.tensors(reference, "optimizer/generator/exp_avg")
        let largest = moment.values.flatMap { $0 }.reduce(Float(0)) { max($0, abs($1)) }
        return TrainCommandTests.relativeDifference(try TrainCommandTests.tensors(actual), try TrainCommandTests.tensors(reference)) { key, i in
            moment[key].map { abs($0[i]) > 1e-3 * largest } ?? true
        }
    }

    @Test("2 hosts × 2 ranks train as one process; 3 hosts × 1 rank resume that run and still match it")
    func hostsMatchOneProcessAndResumeElsewhere() throws {
        let reference = Fixtures.temporaryDirectory("multihost-one") + "/run"
        let one = try Command.run(Command.sparnetDist, ["train", "--config", Self.config, "--data", Self.data, "--run-dir", reference,
                                                        "--steps", "6", "--debug"] + Self.equivalence)
        #expect(one.status == 0, "\(one)")

        let run = Fixtures.temporaryDirectory("multihost-2x2") + "/run"
        let four = try NamespaceCluster(hosts: 2, slots: 2)
        defer { four.down() }
        let first = try four.train(Self.config, ["--data", Self.data, "--run-dir", run, "--steps", "3", "--check-replicas"] + Self.equivalence)
        four.down()
        #expect(first.status == 0, "\(first)")
        #expect(first.output.contains("4 rank(s)") && first.output.contains("\(four.hostName(2))"), "ranks on both hosts: \(first)")
        let afterThree = try Self.difference(Self.checkpoint(run, 3), Self.checkpoint(reference, 3))
        print("2 hosts × 2 ranks, 3 steps vs one process: max relative difference \(afterThree)")
        #expect(afterThree <= 1e-4)

        let three = try NamespaceCluster(hosts: 3, slots: 1)
        defer { three.down() }
        let resumed = try three.train(Self.config, ["--data", Self.data, "--run-dir", run, "--steps", "6", "--resume", "auto",
                                                    "--check-replicas"] + Self.equivalence)
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.output.contains("resuming on 3 rank(s) a run saved on 4"), "\(resumed)")
        #expect(resumed.output.contains("resumed from \(Self.checkpoint(run, 3)) at step 3"), "\(resumed)")
        let afterSix = try Self.difference(Self.checkpoint(run, 6), Self.checkpoint(reference, 6))
        print("then 3 hosts × 1 rank, steps 4–6 vs one process: max relative difference \(afterSix)")
        #expect(afterSix <= 1e-4)
    }

    /// What a fault does to a running job on two hosts of one rank each, seen from outside:
    /// once the first checkpoint exists, `inject` runs; then the ranks are watched until none is
    /// left (pgrep sees the processes of every namespace: they share this PID namespace).
    final class FaultWatch: @unchecked Sendable {
        private let lock = NSLock()
        private var injectedAt: Date?
        private var ranksGoneAt: Date?
        var injected: Date? { lock.withLock { injectedAt } }
        var ranksGone: Date? { lock.withLock { ranksGoneAt } }

        func watch(runDirectory: String, inject: @escaping @Sendable () throws -> Void) -> Thread {
            Thread {
                let deadline = Date().addingTimeInterval(300)
                while Date() < deadline, !Thread.current.isCancelled {
                    usleep(50_000)
                    if self.injected == nil {
                        guard !RunFiles.checkpoints(in: runDirectory).isEmpty,
                              TrainCommandTests.rankProcesses(runDirectory: runDirectory).count == 2 else { continue }
                        try? inject()
                        self.lock.withLock { self.injectedAt = Date() }
                    } else if TrainCommandTests.rankProcesses(runDirectory: runDirectory).isEmpty {
                        self.lock.withLock { self.ranksGoneAt = Date() }
                        return
                    }
                }
            }
        }
    }

    static let stallTimeout = 3.0
    /// The watchdog's grace period for that timeout (half of it, clamped to 1–10 s).
    static let grace = min(max(stallTimeout / 2, 1), 10)

    /// Trains on a fresh 2 × 1 cluster with `inject` applied mid-run; checks the blame line,
    /// that every rank and the launcher ended in bounded time, and that `--resume auto`
    /// continues from the newest checkpoint.
    static func faultEndsTheJob(blamed host: Int, _ inject: @escaping @Sendable (NamespaceCluster, String) throws -> Void) throws {
        let cluster = try NamespaceCluster(hosts: 2, slots: 1)
        defer { cluster.down() }
        let run = Fixtures.temporaryDirectory("multihost-fault") + "/run"
        let watch = FaultWatch()
        let watcher = watch.watch(runDirectory: run) { try inject(cluster, run) }
        watcher.start()
        defer { watcher.cancel() }
        let result = try cluster.train(config, ["--data", data, "--run-dir", run, "--steps", "100000",
                                                "--set", "train.epochs=100000", "--set", "checkpoint.every_steps=10",
                                                "--set", "checkpoint.keep=2", "--set", "log.every_steps=10",
                                                "--set", "distributed.blas_threads=1",
                                                "--set", "distributed.stall_timeout_s=\(Int(stallTimeout))"], timeout: 240)
        let ended = Date()
        #expect(!result.timedOut && result.status != 0, "\(result)")
        guard let injected = watch.injected else {
            Issue.record("the fault was never injected: \(result)")
            return
        }
        // mpirun waits for the cut-off host's daemon, or for the stopped rank (SIGKILL comes
        // after the launcher's odls_base_sigkill_timeout of 600 s): the watcher that rank 0
        // leaves kills it 2 graces + 10 s after the ranks' deadline, and the daemons then kill
        // what is left. A stopped rank is continued and sent TERM by its daemon once mpirun is
        // gone: stopped in a wait, it finds the wait past its deadline and ends within grace +
        // 3 s; stopped in compute, it begins a wait afresh, which its watchdog (or, should MPI
        // hang with its peers gone, the last resort) ends within timeout + 2 graces + 10 s.
        // A step of the tiny network and the polling add well under 5 s.
        let margin = 5.0, daemons = stallTimeout + 2 * grace + 10 + margin
        let launcherBound = stallTimeout + 2 * grace + 10 + margin
        for _ in 0..<Int(daemons * 20) where watch.ranksGone == nil { usleep(50_000) }
        let left = TrainCommandTests.rankProcesses(runDirectory: run).map { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "\(pid) gone"
        }
        let ranksGone = watch.ranksGone.map { $0.timeIntervalSince(injected) } ?? .infinity
        let launcherGone = ended.timeIntervalSince(injected)
        print("fault on host \(host): every rank gone \(String(format: "%.1f", ranksGone)) s and the launcher "
              + "\(String(format: "%.1f", launcherGone)) s after it (stall timeout \(Int(stallTimeout)) s)")
        #expect(ranksGone <= launcherBound + daemons, "ranks left: \(left) \(result)")
        #expect(launcherGone <= launcherBound, "\(result)")
        let blame = result.errors.split(separator: "\n").filter { $0.hasPrefix("error: stall:") }
        #expect(blame.count >= 1 && blame[0].hasPrefix("error: stall: rank 1 on \(cluster.hostName(host)) stopped answering"),
                "\(result)")
        #expect(blame.first?.contains("distributed.stall_timeout_s = \(Int(stallTimeout))") == true, "\(result)")
        #expect(result.errors.contains("error: stall: mpirun (pid "), "the watcher says why it kills mpirun: \(result)")
        let warning = result.errors.split(separator: "\n").first { $0.hasPrefix("warning: stall:") }
        #expect(warning?.hasPrefix("warning: stall: rank 0 on \(cluster.hostName(1)) has waited") == true
                && warning?.contains("no answer from rank 1 on \(cluster.hostName(host))") == true, "\(result)")
        cluster.down()

        // The newest checkpoint is whole: one process resumes from it and trains 10 more steps.
        let newest = try #require(RunFiles.checkpoints(in: run).last, "\(result)")
        let step = Int(newest.dropFirst("checkpoint-".count).prefix(8))!
        let resumed = try Command.run(Command.sparnetDist, ["train", "--config", config, "--data", data, "--run-dir", run,
                                                            "--debug", "--resume", "auto", "--steps", "\(step + 10)",
                                                            "--set", "train.epochs=100000", "--set", "checkpoint.every_steps=10"])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.output.contains("resumed from \(run)/\(newest) at step \(step)"), "\(resumed)")
    }

    @Test("A host whose link goes down mid-run: every rank and mpirun end in bounded time, with blame, and the run resumes")
    func partitionEndsTheJobWithBlame() throws {
        try Self.faultEndsTheJob(blamed: 2) { cluster, _ in try cluster.link(host: 2, up: false) }
    }

    @Test("A rank that stops (SIGSTOP) mid-run: the job ends in bounded time, with blame, and the run resumes")
    func stoppedRankEndsTheJobWithBlame() throws {
        try Self.faultEndsTheJob(blamed: 2) { cluster, run in
            for pid in TrainCommandTests.rankProcesses(runDirectory: run) where NamespaceCluster.host(of: pid) == cluster.hostName(2) {
                kill(pid, SIGSTOP)
            }
        }
    }
}
