import ArgumentParser
import Collectives
import Configuration
import Foundation
import Kernels
import Training

/// Set by SIGINT/SIGTERM/SIGUSR1; read once per step (a collective decision stops every rank).
nonisolated(unsafe) private var stopSignal: Int32 = 0

/// `sparnet-dist train`: one data-parallel training run; every rank runs the same command.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train SPARNet or SPARNetHD (run under mpirun for several ranks).",
        usage: "sparnet-dist train --config <config> [<options>]",
        discussion: """
            Every rank runs the same command: `mpirun -n 8 sparnet-dist train --config …`. Without \
            mpirun (or with --debug) it is one process. SIGINT, SIGTERM or SIGUSR1 on any rank writes a \
            checkpoint on every rank's agreement and exits 0; --resume auto continues from it.

            Rank 0 writes the run directory: checkpoints, metrics.jsonl, config.yaml, TensorBoard \
            events (log.tensorboard; `tensorboard --logdir DIR`) and sample grids in samples/ \
            (log.images_every_steps); `sparnet-dist report DIR` summarizes it. Launch/local.sh and \
            Launch/cluster.sh wrap mpirun.
            """)

    @OptionGroup var runConfiguration: RunConfigurationOptions
    @Option(help: ArgumentHelp("Training shards (a quoted glob), replacing data.train.", valueName: "glob"))
    var data: String?
    @Option(help: ArgumentHelp("Run directory: checkpoints, metrics.jsonl, config.yaml, TensorBoard events, samples/.",
                               valueName: "dir"))
    var runDir = "runs/latest"
    @Option(help: "Stop after this many steps in total (train.max_steps).") var steps: Int?
    @Option(help: ArgumentHelp("""
        auto: the newest valid checkpoint in the run directory (partial or damaged files are skipped \
        with a warning); or a checkpoint file. Without it the run directory must hold no checkpoint.
        """, valueName: "auto|path"))
    var resume: String?
    @Flag(help: "One process without MPI, non-finite values stop the run.") var debug = false
    @Flag(help: "After every step check that all ranks hold bit-identical parameters.") var checkReplicas = false
    @Option(help: .hidden) var injectFault: String?

    func validate() throws {
        guard runConfiguration.config != nil else { throw ValidationError("Missing expected argument '--config <config>'") }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive, got \(steps)") }
        if let injectFault { _ = try parseFault(injectFault) }
    }

    /// `nan@STEP:RANK` or `error@STEP:RANK` (tests of the fault behaviour).
    private func parseFault(_ text: String) throws -> TrainingSession.Fault {
        let parts = text.split(whereSeparator: { "@:".contains($0) }).map(String.init)
        guard parts.count == 3, let step = Int(parts[1]), let rank = Int(parts[2]), ["nan", "error"].contains(parts[0]) else {
            throw ValidationError("--inject-fault \(text): expected nan@STEP:RANK or error@STEP:RANK")
        }
        return parts[0] == "nan" ? .nonfinite(step: step, rank: rank) : .error(step: step, rank: rank)
    }

    func run() throws {
        var overrides = runConfiguration.overrides
        if let data { overrides.append("data.train=[\"\(data)\"]") }
        if let steps { overrides.append("train.max_steps=\(steps)") }
        if debug { overrides.append("train.on_nonfinite=stop") }
        let configuration: RunConfiguration
        do {
            // Decoded and validated (RunConfiguration.problems()) before anything else runs.
            configuration = try RunConfiguration.load(yamlPath: runConfiguration.config, overrides: overrides)
        } catch {
            // Every rank reads the same file and fails the same way: rank 0 reports it.
            if (MPICommunicator.launcherRank ?? 0) == 0 { printError("error: \(error)") }
            throw ExitCode(2)
        }

        let communicator: any Communicator = !debug && MPICommunicator.isLaunchedByMPI
            ? MPICommunicator(stallTimeout: configuration.distributed.stallTimeoutSeconds) : LocalCommunicator()
        let threads: Int
        switch configuration.distributed.blasThreads {
        case .count(let n): threads = n
        case .auto: threads = max(1, ProcessInfo.processInfo.activeProcessorCount / communicator.localSize)
        }
        BLAS.setThreads(threads)
        printLayout(communicator, threads: threads)

        // SIGUSR1 is what the launchers send (Open MPI forwards it to every rank and, unlike
        // SIGTERM, does not follow it with SIGKILL a second later). Each is unblocked too: a
        // parent that blocked them (children inherit the mask) must not make a stop wait forever.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for stop in [SIGINT, SIGTERM, SIGUSR1] {
            signal(stop) { _ in stopSignal = 1 }
            sigaddset(&stopSignals, stop)
        }
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        let log: (String) -> Void = { message in if communicator.isCoordinator { print(message) } }
        do {
            let resumeMode: TrainingSession.Resume = switch resume {
            case nil: .none
            case "auto": .auto
            case let path?: .path(path)
            }
            let session = try TrainingSession(configuration: configuration, communicator: communicator,
                                              runDirectory: runDir, resume: resumeMode,
                                              buildVersion: SparnetDist.configuration.version, log: log)
            session.checkReplicas = checkReplicas || debug
            session.fault = try injectFault.map(parseFault)
            try session.run { stopSignal != 0 }
            log("finished at step \(session.currentStep); run directory \(runDir)")
        } catch {
            communicator.abort("\(error)")
        }
        communicator.finalize()
    }

    /// Rank 0 prints one line per rank: node, local rank, BLAS threads.
    private func printLayout(_ communicator: any Communicator, threads: Int) {
        let mine = "rank \(communicator.rank): node \(communicator.nodeName), local rank \(communicator.localRank)/\(communicator.localSize), \(threads) BLAS thread(s), \(BLAS.coreName) kernel"
        for rank in 0..<communicator.size {
            let line = communicator.broadcast(rank == communicator.rank ? mine : "", root: rank)
            if communicator.isCoordinator {
                if rank == 0 { print("sparnet-dist \(SparnetDist.configuration.version): \(communicator.size) rank(s)") }
                print("  " + line)
            }
        }
        // Rank 0's kernel speaks for the job: launchers give every rank one environment.
        if communicator.isCoordinator, let warning = BLAS.kernelWarning() { printError(warning) }
    }
}
