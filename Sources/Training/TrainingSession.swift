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
    private let trainer: any Trainer
    /// This rank's loader; with `data.feed: coordinator` only rank 0 has one, for the whole batch.
    private let loader: BatchLoader?
    /// With `data.feed: coordinator`: rank 0's whole micro-step batch (input, then target).
    private let coordinatorBatch: (input: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>)?
    private let sampleFloatCount: Int
    private let order: EpochOrder
    private var step: Int
    private let lastStep: Int
    private let runLog: RunLog?
    private let validation: Validation?
    /// The best held-out PSNR-Y so far (rank 0, for `checkpoint.keep_best`), the log's on resume.
    private var bestPSNR = -Double.infinity
    private var lastCheckpointTime = Date()
    /// Rank 0's hold on the run directory, for the session's lifetime.
    private let runDirectoryLock: RunDirectoryLock?

    /// Prepares everything (data, networks, optimizer state, loader) and, with `resume`,
    /// restores a checkpoint. Throws configuration, data and checkpoint errors before any step.
    public init(configuration: RunConfiguration, communicator: any Communicator, runDirectory: String,
                resume: Resume, buildVersion: String, log: @escaping (String) -> Void) throws {
        try configuration.validate()
        // Before anything reads or writes the directory: two jobs on one run directory mix
        // their checkpoints and logs.
        runDirectoryLock = communicator.rank == 0 ? try RunDirectoryLock(directory: runDirectory) : nil
        self.configuration = configuration
        self.communicator = communicator
        self.runDirectory = runDirectory
        self.log = log
        let world = communicator.size, rank = communicator.rank
        let train = configuration.train
        let microBatch = try train.microBatchSize(worldSize: world)

        let (dataset, count, height, width) = try Self.openDataset(configuration, communicator: communicator,
                                                                    buildVersion: buildVersion, log: log)

        // The sample order advances by micro-batches: with accumulation K, one optimizer step
        // consumes K consecutive micro-steps of batch_size / K samples over all ranks.
        let microStepBatch = train.batchSize / train.gradientAccumulation
        order = try EpochOrder(count: count, globalBatch: microStepBatch, seed: UInt64(train.seed))
        let trainer = try makeTrainer(configuration, microBatch: microBatch, communicator: communicator)
        self.trainer = trainer

        let resumed = try Self.checkpointToResume(resume, in: runDirectory, communicator: communicator, log: log)
        var startStep = 0
        if let checkpoint = resumed {
            try Self.checkCompatible(checkpoint, with: configuration, order: order)
            try trainer.restore(from: checkpoint)
            startStep = checkpoint.position.step
            if checkpoint.worldSize != world {
                log("resuming on \(world) rank(s) a run saved on \(checkpoint.worldSize)")
            }
            log("resumed from \(checkpoint.path) at step \(startStep) (epoch \(checkpoint.position.epoch), position \(checkpoint.position.position))")
        }
        step = startStep
        let stepsInEpochs = train.epochs * order.stepsPerEpoch / train.gradientAccumulation
        lastStep = min(train.maxSteps ?? stepsInEpochs, stepsInEpochs)

        let transform: any SampleTransform = try Self.transform(for: configuration, size: height)
        sampleFloatCount = 3 * height * width
        // With `data.feed: coordinator` rank 0 prepares every rank's samples (data only it can
        // see) and scatters them.
        let ownShare = configuration.data.feed == .shards
        loader = ownShare || rank == 0
            ? try BatchLoader(dataset: dataset!, transform: transform, order: order, rank: ownShare ? rank : 0,
                              worldSize: ownShare ? world : 1, globalBatch: microStepBatch,
                              startStep: startStep * train.gradientAccumulation,
                              workers: configuration.data.workers, queueDepth: 2)
            : nil
        validation = try Validation(configuration.data, size: height, rank: rank, ranks: world)
        let floats = ownShare || rank != 0 ? 1 : microStepBatch * sampleFloatCount
        coordinatorBatch = ownShare ? nil : (.allocate(capacity: floats), .allocate(capacity: floats))
        // The log keeps only the steps the run continues from: past the checkpoint (steps a
        // crash lost) or, starting from scratch, a dead run's lines, so it reads as one run.
        runLog = rank == 0 ? try RunLog(directory: runDirectory, tensorboard: configuration.log.tensorboard,
                                        startStep: startStep, keepingStepsUpTo: resumed?.position.step ?? 0) : nil
        if rank == 0 {
            try configuration.resolvedYAML().write(toFile: runDirectory + "/config.yaml", atomically: true, encoding: .utf8)
        }
        if let events = runLog?.eventFilePath { log("TensorBoard events: \(events)") }
        bestPSNR = runLog?.bestValidationPSNR ?? -.infinity
    }

    /// Runs steps until `lastStep`, a stop request (SIGINT/SIGTERM on any rank) or an error;
    /// writes a final checkpoint on a normal end and on a stop request.
    public func run(stopRequested: () -> Bool) throws {
        var window = ProgressWindow()
        while step < lastStep {
            communicator.beginStep(step + 1)
            // Collective decision: any rank asked to stop → all stop after a checkpoint.
            if communicator.allReduceMax(stopRequested() ? 1 : 0) > 0 {
                log("stop requested at step \(step): writing a checkpoint")
                try saveCheckpoint()
                return
            }
            let (report, dataWait) = try trainOneStep()
            step += 1
            if checkReplicas { try checkReplicasAgree() }
            if report.skipped { try handleNonfinite(report) }
            window.add(dataWait: dataWait, communicationWait: report.communicationWaitSeconds)
            if step % configuration.log.everySteps == 0 || step == lastStep, communicator.isCoordinator {
                try logProgress(&window)
            }
            let imagesEvery = configuration.log.imagesEverySteps
            if let runLog, imagesEvery > 0, step % imagesEvery == 0 || step == lastStep {
                log("samples \(try runLog.recordImages(step: step, of: trainer))")
            }
            if let validation, step % validation.everySteps == 0 || step == lastStep { try validate(validation) }
            if isCheckpointDue() { try saveCheckpoint() }
        }
    }

    /// Scores the generator on the held-out faces (on every rank) and logs the means.
    private func validate(_ validation: Validation) throws {
        let scores = try validation.score(trainer.generator, communicator: communicator)
        guard communicator.isCoordinator else { return }
        log(String(format: "validation at step %d: PSNR-Y %.3f dB  SSIM-Y %.4f  (bicubic %.3f dB  %.4f), %d held-out faces in %.1f s",
                   step, scores.psnrY, scores.ssimY, scores.bicubicPSNRY, scores.bicubicSSIMY, scores.images, scores.seconds))
        try runLog?.recordValidation(step: step, scores)
        if configuration.checkpoint.keepBest, scores.psnrY > bestPSNR {
            bestPSNR = scores.psnrY
            log("best held-out PSNR-Y so far: checkpoint \(try writeCheckpoint(bestPSNR: scores.psnrY))")
        }
    }

    /// One optimizer step on the next batch; returns its report and the seconds spent waiting
    /// for data.
    private func trainOneStep() throws -> (StepReport, dataWait: Double) {
        if fault == .error(step: step, rank: communicator.rank) {
            throw TrainingError("injected failure at step \(step)")
        }
        let injectNaN = fault == .nonfinite(step: step, rank: communicator.rank)
        let input = trainer.input.baseAddress!, target = trainer.target.base
        var waited = 0.0
        let report = try trainer.step(microBatches: configuration.train.gradientAccumulation) { _ in
            waited += try nextBatch(input: input, target: target)
            if injectNaN { input[0] = .nan }
        }
        return (report, waited)
    }

    /// Aborts naming the step unless every rank holds bit-identical parameters.
    private func checkReplicasAgree() throws {
        let hash = Double(trainer.parameterHash() >> 12)   // 52 bits: exact in a Double
        if communicator.allReduceMax(hash) != -communicator.allReduceMax(-hash) {
            throw TrainingError("step \(step): ranks hold different parameters")
        }
    }

    /// Logs a skipped update, or stops the run when `train.on_nonfinite` says so.
    private func handleNonfinite(_ report: StepReport) throws {
        var seen = report.firstNonfiniteRank.map { "first seen in rank \($0)'s loss" } ?? "in the averaged gradients"
        if checkReplicas, let layer = trainer.firstNonfiniteActivation() {
            seen += "; on rank \(communicator.rank) the first non-finite activation is \(layer)"
        }
        switch configuration.train.onNonFinite {
        case .skip:
            log("step \(step): non-finite loss or gradient (\(seen)); update skipped on all ranks")
        case .stop:
            throw TrainingError("step \(step): non-finite loss or gradient (\(seen); train.on_nonfinite: stop); the last checkpoint is intact")
        }
    }

    /// The progress line and the metrics of the steps since the last one.
    private func logProgress(_ window: inout ProgressWindow) throws {
        let train = configuration.train
        // The epoch of the samples this step took (its first micro-batch's).
        let epoch = order.location(ofStep: (step - 1) * train.gradientAccumulation).epoch
        let elapsed = window.elapsedSeconds
        let imagesPerSecond = Double(train.batchSize) * Double(window.steps) / elapsed
        let eta = Double(lastStep - step) * elapsed / Double(window.steps)
        let terms = trainer.lossTerms.map { "\($0.name) \(String(format: "%.5f", $0.value))" }.joined(separator: "  ")
        log("step \(step)/\(lastStep)  epoch \(epoch)  \(terms)  "
            + "\(String(format: "%.1f", imagesPerSecond)) img/s (\(String(format: "%.1f", imagesPerSecond / Double(communicator.size)))/rank)  "
            + "data wait \(percent(window.dataWait, elapsed))  comm wait \(percent(window.communicationWait, elapsed))  "
            + "ETA \(duration(eta))")
        try runLog?.record(step: step, epoch: epoch, terms: trainer.lossTerms,
                           learningRates: trainer.learningRates, imagesPerSecond: imagesPerSecond,
                           dataWaitFraction: window.dataWait / elapsed,
                           communicationWaitFraction: window.communicationWait / elapsed)
        window = ProgressWindow()
    }

    /// Every `checkpoint.every_steps`, at the end, and every `every_minutes` as rank 0's clock
    /// decides for everyone.
    private func isCheckpointDue() -> Bool {
        let minutes = configuration.checkpoint.everyMinutes.map { Date().timeIntervalSince(lastCheckpointTime) >= $0 * 60 } ?? false
        let timeToSave = communicator.allReduceMax(communicator.isCoordinator && minutes ? 1 : 0) > 0
        return step % configuration.checkpoint.everySteps == 0 || timeToSave || step == lastStep
    }

    /// The global step reached.
    public var currentStep: Int { step }

    deinit {
        coordinatorBatch?.input.deallocate()
        coordinatorBatch?.target.deallocate()
    }

    /// Fills this rank's micro-batch; returns the seconds spent waiting for data.
    private func nextBatch(input: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>) throws -> Double {
        guard let coordinatorBatch else { return try loader!.next(lowResolution: input, highResolution: target).waitSeconds }
        let start = DispatchTime.now().uptimeNanoseconds
        if let loader { _ = try loader.next(lowResolution: coordinatorBatch.input, highResolution: coordinatorBatch.target) }
        let part = configuration.train.batchSize / configuration.train.gradientAccumulation / communicator.size * sampleFloatCount
        let isRoot = communicator.isCoordinator
        communicator.scatter(isRoot ? UnsafePointer(coordinatorBatch.input) : nil, part: input, count: part, root: 0)
        communicator.scatter(isRoot ? UnsafePointer(coordinatorBatch.target) : nil, part: target, count: part, root: 0)
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func saveCheckpoint() throws {
        lastCheckpointTime = Date()
        guard communicator.isCoordinator else { return }
        log("checkpoint \(try writeCheckpoint())")
    }

    /// Rank 0 writes the checkpoint of this step (with `bestPSNR`: `best.h5`); returns its path.
    private func writeCheckpoint(bestPSNR: Double? = nil) throws -> String {
        let location = order.location(ofStep: step * configuration.train.gradientAccumulation)
        let path = try Checkpoint.save(trainer.checkpointContents(),
                                       position: RunPosition(step: step, epoch: location.epoch, position: location.position),
                                       seed: UInt64(configuration.train.seed), worldSize: communicator.size,
                                       configurationJSON: try configuration.resolvedJSON(),
                                       model: configuration.model.rawValue, to: runDirectory,
                                       keep: configuration.checkpoint.keep, bestPSNR: bestPSNR)
        return path
    }

    /// The training shards, as every rank sees them: each rank opens them itself and the
    /// coordinator's view must be everyone's; with `data.feed: coordinator` only rank 0 opens
    /// them and tells the others their size. Also checks that every rank runs the same build
    /// and configuration.
    private static func openDataset(_ configuration: RunConfiguration, communicator: any Communicator,
                                    buildVersion: String, log: (String) -> Void) throws
        -> (dataset: ImageDataset?, count: Int, height: Int, width: Int) {
        let readsShards = configuration.data.feed == .shards || communicator.rank == 0
        let dataset = readsShards ? try ImageDataset(patterns: configuration.data.train) : nil
        let resolved = try configuration.resolvedJSON()
        let manifest = communicator.broadcast(dataset?.manifest ?? "", root: 0)
        try agree(on: [("build", buildVersion), ("configuration", resolved),
                       ("dataset", configuration.data.feed == .shards ? dataset!.manifest : manifest)],
                  communicator: communicator)
        var shape = [Int64(dataset?.count ?? 0), Int64(dataset?.height ?? 0), Int64(dataset?.width ?? 0)]
        shape.withUnsafeMutableBytes { communicator.broadcast($0.baseAddress!, byteCount: $0.count, root: 0) }
        log("data: \(manifest)")
        return (dataset, Int(shape[0]), Int(shape[1]), Int(shape[2]))
    }

    /// The checkpoint to continue from, the same on every rank; refuses a run directory that
    /// holds checkpoints when `resume` is `.none`.
    private static func checkpointToResume(_ resume: Resume, in runDirectory: String, communicator: any Communicator,
                                           log: (String) -> Void) throws -> Checkpoint.Loaded? {
        let resumed = try checkpoint(for: resume, in: runDirectory, log: log)
        if resume == .none, communicator.rank == 0, let existing = checkpointNames(in: runDirectory).first {
            throw TrainingError("the run directory \(runDirectory) already holds checkpoints (\(existing)); continue it with --resume auto, or choose another --run-dir")
        }
        // Every rank reads the checkpoint itself: all must have found the same one.
        try agree(on: [("checkpoint to resume from", resumed.map { "\($0.path) at step \($0.position.step)" } ?? "none")],
                  communicator: communicator)
        return resumed
    }

    /// The checkpoint `resume` asks for, validated.
    private static func checkpoint(for resume: Resume, in directory: String,
                                   log: (String) -> Void) throws -> Checkpoint.Loaded? {
        switch resume {
        case .none: return nil
        case .path(let path): return try Checkpoint.load(path)
        case .auto:
            let newest = Checkpoint.newest(in: directory) { log("warning: \($0)") }
            if newest == nil {
                let names = checkpointNames(in: directory)
                guard names.isEmpty else {
                    throw TrainingError("--resume auto: none of the \(names.count) checkpoint(s) in \(directory) is usable (see the warnings); move them away to start from scratch")
                }
                log("no checkpoint in \(directory): starting from scratch")
            }
            return newest
        }
    }

    /// The checkpoint file names in `directory`, newest first.
    private static func checkpointNames(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".h5") }.sorted(by: >)
    }

    /// Refuses a checkpoint this configuration cannot continue exactly: another model or
    /// architecture, or another sample sequence (global batch, accumulation, seed). Learning
    /// rates, loss weights, `max_steps` and the world size may change.
    private static func checkCompatible(_ checkpoint: Checkpoint.Loaded, with configuration: RunConfiguration,
                                        order: EpochOrder) throws {
        let saved: RunConfiguration
        do {
            saved = try RunConfiguration(yaml: checkpoint.configurationJSON)
        } catch {
            throw TrainingError("\(checkpoint.path): its stored configuration does not decode: \(error)")
        }
        let train = configuration.train
        // The architectures by key (their preset names aside: a name is not a difference).
        var pairs = sectionDifferences("generator", saved.generator, configuration.generator)
        switch (saved.discriminator, configuration.discriminator) {
        case let (before?, now?): pairs += sectionDifferences("discriminator", before, now)
        case (nil, nil): break
        case (let before, let now): pairs.append(("discriminator", before == nil ? "none" : "a section", now == nil ? "none" : "a section"))
        }
        pairs = [("model", checkpoint.model, configuration.model.rawValue)] + pairs + [
            ("train.batch_size", "\(saved.train.batchSize)", "\(train.batchSize)"),
            ("train.gradient_accumulation", "\(saved.train.gradientAccumulation)", "\(train.gradientAccumulation)"),
            ("train.seed", "\(checkpoint.seed)", "\(train.seed)"),
        ]
        let differing = pairs.filter { $0.saved != $0.current }
        if !differing.isEmpty {
            let list = differing.map { "\($0.key) \($0.saved) (this run: \($0.current))" }.joined(separator: ", ")
            throw TrainingError("\(checkpoint.path) cannot be resumed with this configuration: it was saved with \(list); resume with the saved value\(differing.count > 1 ? "s" : "")")
        }
        let position = checkpoint.position
        let expected = order.location(ofStep: position.step * train.gradientAccumulation)
        guard expected == EpochLocation(epoch: position.epoch, position: position.position) else {
            throw TrainingError("\(checkpoint.path): step \(position.step) was saved at epoch \(position.epoch) position \(position.position), but this dataset (\(order.count) samples) puts it at \(expected); resume with the same training data")
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
            return SPARNetHDDegradation(size: size, settings: degrade)
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

/// The steps since the last progress line: their count, start and waits.
private struct ProgressWindow {
    let start = DispatchTime.now().uptimeNanoseconds
    var steps = 0
    var dataWait = 0.0
    var communicationWait = 0.0

    mutating func add(dataWait: Double, communicationWait: Double) {
        steps += 1
        self.dataWait += dataWait
        self.communicationWait += communicationWait
    }

    var elapsedSeconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

/// The keys of a configuration section whose values differ between `saved` and `current`
/// (`generator.residual_depth`, …), its preset's name aside.
private func sectionDifferences<Section: Encodable>(_ name: String, _ saved: Section, _ current: Section)
    -> [(key: String, saved: String, current: String)] {
    func fields(_ section: Section) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(section),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { value in
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        }
    }
    let (before, now) = (fields(saved), fields(current))
    return Set(before.keys).union(now.keys).subtracting(["preset"]).sorted().compactMap { key in
        before[key] == now[key] ? nil : ("\(name).\(key)", before[key] ?? "none", now[key] ?? "none")
    }
}

private func percent(_ part: Double, _ whole: Double) -> String { String(format: "%.1f%%", 100 * part / max(whole, 1e-9)) }

private func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
}
