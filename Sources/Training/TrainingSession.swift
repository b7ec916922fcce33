import Checkpoints
import Collectives
import Configuration
import Datasets
import Dispatch
import Foundation
import Kernels
import Networks
import Optimizers
import Tensors

/// One `sparnet-dist train` run on one rank (DESIGN.md §5): every rank runs the same session;
/// rank 0 is the coordinator that checks everyone agrees, logs and writes checkpoints.
public final class TrainingSession {
    /// How to start.
    public enum Resume: Equatable, Sendable {
        /// From scratch.
        case none
        /// From the newest valid checkpoint in the run directory, or from scratch if none.
        case auto
        /// From this checkpoint file.
        case path(String)
    }

    /// A failure injected for tests of the fault behaviour (a hidden `train` option).
    public enum Fault: Equatable, Sendable {
        /// A NaN in rank `rank`'s input at step `step` (0-based).
        case nonfinite(step: Int, rank: Int)
        /// Rank `rank` fails with an error at step `step`.
        case error(step: Int, rank: Int)
    }

    public let configuration: RunConfiguration
    public let communicator: any Communicator
    /// Injected failure, for tests.
    public var fault: Fault?
    /// After every step, check that every rank holds bit-identical parameters (one small
    /// allreduce of a hash); a mismatch aborts naming the step.
    public var checkReplicas = false
    public let runDirectory: String
    private let log: (String) -> Void
    private let trainer: any StepRunner
    private let loader: BatchLoader
    private let order: EpochOrder
    private var step: Int
    private let lastStep: Int
    private let runLog: RunLog?
    private var lastCheckpointTime = Date()

    /// Prepares everything (data, networks, optimizer state, loader) and, with `resume`,
    /// restores a checkpoint. Throws configuration, data and checkpoint errors before any step.
    public init(configuration: RunConfiguration, communicator: any Communicator, runDirectory: String,
                resume: Resume, buildVersion: String, log: @escaping (String) -> Void) throws {
        try configuration.validate()
        self.configuration = configuration
        self.communicator = communicator
        self.runDirectory = runDirectory
        self.log = log
        let world = communicator.size, rank = communicator.rank
        let train = configuration.train
        guard configuration.model == .sparnet || train.gradientAccumulation == 1 else {
            throw ConfigurationError(key: "train.gradient_accumulation",
                                     message: "SPARNetHD alternates G and D every step; accumulation \(train.gradientAccumulation) is not supported, raise the number of ranks instead")
        }
        let microBatch = try train.microBatchSize(worldSize: world)

        // Every rank opens the shards itself; the coordinator's view must be everyone's.
        let dataset = try ImageDataset(patterns: configuration.data.train)
        let resolved = try configuration.resolvedJSON()
        try Self.agree(on: [("build", buildVersion), ("configuration", resolved), ("dataset", dataset.manifest)],
                       communicator: communicator)

        order = try EpochOrder(count: dataset.count, globalBatch: train.batchSize, seed: UInt64(train.seed))
        let runner: any StepRunner
        switch configuration.model {
        case .sparnet:
            runner = try SPARNetStepRunner(configuration: configuration, microBatch: microBatch, communicator: communicator)
        case .sparnethd:
            runner = try SPARNetHDStepRunner(configuration: configuration, batch: microBatch, communicator: communicator)
        }
        trainer = runner

        var startStep = 0
        if let checkpoint = try Self.checkpoint(for: resume, in: runDirectory, log: log) {
            try runner.restore(from: checkpoint)
            startStep = checkpoint.position.step
            if checkpoint.worldSize != world {
                log("resuming on \(world) rank(s) a run saved on \(checkpoint.worldSize)")
            }
            log("resumed from \(checkpoint.path) at step \(startStep) (epoch \(checkpoint.position.epoch), position \(checkpoint.position.position))")
        }
        step = startStep
        let stepsInEpochs = train.epochs * order.stepsPerEpoch
        lastStep = min(train.maxSteps ?? stepsInEpochs, stepsInEpochs)

        let transform: any SampleTransform = try Self.transform(for: configuration, size: dataset.height)
        loader = try BatchLoader(dataset: dataset, transform: transform, order: order, rank: rank, worldSize: world,
                                 globalBatch: train.batchSize, startStep: startStep * train.gradientAccumulation,
                                 workers: configuration.data.workers, queueDepth: 2)
        runLog = rank == 0 ? try RunLog(directory: runDirectory, tensorboard: configuration.log.tensorboard,
                                              startStep: startStep) : nil
        if rank == 0 {
            try configuration.resolvedYAML().write(toFile: runDirectory + "/config.yaml", atomically: true, encoding: .utf8)
        }
        if let events = runLog?.eventFilePath { log("TensorBoard events: \(events)") }
    }

    /// Runs steps until `lastStep`, a stop request (SIGINT/SIGTERM on any rank) or an error;
    /// writes a final checkpoint on a normal end and on a stop request.
    public func run(stopRequested: () -> Bool) throws {
        let train = configuration.train
        let imagesPerStep = Double(train.batchSize)
        var windowStart = DispatchTime.now().uptimeNanoseconds, windowSteps = 0
        var dataWait = 0.0, communicationWait = 0.0, compute = 0.0
        while step < lastStep {
            // Collective decision: any rank asked to stop → all stop after a checkpoint.
            if communicator.allReduceMax(stopRequested() ? 1 : 0) > 0 {
                log("stop requested at step \(step): writing a checkpoint")
                try saveCheckpoint()
                return
            }
            var waited = 0.0
            let injectNaN = fault == .nonfinite(step: step, rank: communicator.rank)
            if fault == .error(step: step, rank: communicator.rank) {
                throw TrainingError("injected failure at step \(step)")
            }
            let result = try trainer.step(microBatches: train.gradientAccumulation) { [loader] low, high in
                let info = try loader.next(lowResolution: low, highResolution: high)
                waited += info.waitSeconds
                if injectNaN { low[0] = .nan }
            }
            step += 1
            if checkReplicas {
                let hash = Double(trainer.parameterHash() >> 12)   // 52 bits: exact in a Double
                if communicator.allReduceMax(hash) != -communicator.allReduceMax(-hash) {
                    throw TrainingError("step \(step): ranks hold different parameters")
                }
            }
            windowSteps += 1
            dataWait += waited
            communicationWait += result.communicationWaitSeconds
            compute += result.seconds
            if result.skipped {
                let seen = result.firstNonfiniteRank.map { "first seen in rank \($0)'s loss" } ?? "in the averaged gradients"
                switch train.onNonFinite {
                case .skip:
                    log("step \(step): non-finite loss or gradient (\(seen)); update skipped on all ranks")
                case .stop:
                    throw TrainingError("step \(step): non-finite loss or gradient (\(seen); train.on_nonfinite: stop); the last checkpoint is intact")
                }
            }
            let location = order.location(ofStep: step * train.gradientAccumulation)
            if step % configuration.log.everySteps == 0 || step == lastStep, communicator.isCoordinator {
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - windowStart) / 1e9
                let imagesPerSecond = imagesPerStep * Double(windowSteps) / elapsed
                let eta = Double(lastStep - step) * elapsed / Double(windowSteps)
                let terms = result.terms.map { "\($0.name) \(String(format: "%.5f", $0.value))" }.joined(separator: "  ")
                log("step \(step)/\(lastStep)  epoch \(location.epoch)  \(terms)  "
                    + "\(String(format: "%.1f", imagesPerSecond)) img/s (\(String(format: "%.1f", imagesPerSecond / Double(communicator.size)))/rank)  "
                    + "data wait \(percent(dataWait, elapsed))  comm wait \(percent(communicationWait, elapsed))  "
                    + "ETA \(duration(eta))")
                try runLog?.record(step: step, epoch: location.epoch, terms: result.terms,
                                   learningRates: trainer.learningRates, imagesPerSecond: imagesPerSecond,
                                   dataWaitFraction: dataWait / elapsed, communicationWaitFraction: communicationWait / elapsed)
                windowStart = DispatchTime.now().uptimeNanoseconds
                windowSteps = 0
                (dataWait, communicationWait, compute) = (0, 0, 0)
            }
            let imagesEvery = configuration.log.imagesEverySteps
            if let runLog, imagesEvery > 0, step % imagesEvery == 0 || step == lastStep {
                log("samples \(try runLog.recordImages(step: step, of: trainer))")
            }
            let minutes = configuration.checkpoint.everyMinutes.map { Date().timeIntervalSince(lastCheckpointTime) >= $0 * 60 } ?? false
            // The time-based trigger is decided by rank 0 for everyone.
            let timeToSave = communicator.allReduceMax(communicator.isCoordinator && minutes ? 1 : 0) > 0
            if step % configuration.checkpoint.everySteps == 0 || timeToSave || step == lastStep {
                try saveCheckpoint()
            }
        }
    }

    /// The global step reached.
    public var currentStep: Int { step }

    private func saveCheckpoint() throws {
        lastCheckpointTime = Date()
        guard communicator.isCoordinator else { return }
        let location = order.location(ofStep: step * configuration.train.gradientAccumulation)
        let path = try Checkpoint.save(trainer.checkpointContents(),
                                       position: RunPosition(step: step, epoch: location.epoch, position: location.position),
                                       seed: UInt64(configuration.train.seed), worldSize: communicator.size,
                                       configurationJSON: try configuration.resolvedJSON(),
                                       model: configuration.model.rawValue, to: runDirectory,
                                       keep: configuration.checkpoint.keep)
        log("checkpoint \(path)")
    }

    /// The checkpoint `resume` asks for, validated.
    private static func checkpoint(for resume: Resume, in directory: String,
                                   log: (String) -> Void) throws -> Checkpoint.Loaded? {
        switch resume {
        case .none: return nil
        case .path(let path): return try Checkpoint.load(path)
        case .auto:
            let newest = Checkpoint.newest(in: directory) { log("warning: \($0)") }
            if newest == nil { log("no checkpoint in \(directory): starting from scratch") }
            return newest
        }
    }

    /// Aborts the job unless every rank holds the coordinator's value of every item.
    private static func agree(on items: [(name: String, value: String)], communicator: any Communicator) throws {
        for (name, value) in items {
            let coordinators = communicator.broadcast(value, root: 0)
            let differs = coordinators != value
            if communicator.allReduceMax(differs ? 1 : 0) > 0 {
                if differs {
                    communicator.abort("this rank's \(name) differs from rank 0's:\n  rank 0: \(coordinators.prefix(400))\n  here:   \(value.prefix(400))")
                }
                communicator.barrier()   // the abort of the differing rank ends this one
            }
        }
    }

    private static func transform(for configuration: RunConfiguration, size: Int) throws -> any SampleTransform {
        let expected = configuration.generator.architecture.outputSize
        guard size == expected else {
            throw DatasetError("the dataset holds \(size)×\(size) images, the generator works at \(expected)×\(expected) (generator.output_size)")
        }
        if let degrade = configuration.data.degrade {
            return try SPARNetHDDegradation(size: size, settings: Datasets.DegradationSettings(degrade, size: size))
        }
        var augmentation = SPARNetAugmentation()
        let augment = configuration.data.augment
        augmentation.flipProbability = augment.flip ? 0.5 : 0
        augmentation.scaleRange = augment.scale
        augmentation.rotationProbability = augment.rotate90 ? 0.5 : 0
        augmentation.scaleFactor = configuration.data.scaleFactor
        return try SPARNetSample(size: size, settings: augmentation)
    }
}

private func percent(_ part: Double, _ whole: Double) -> String { String(format: "%.1f%%", 100 * part / max(whole, 1e-9)) }

private func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
}
