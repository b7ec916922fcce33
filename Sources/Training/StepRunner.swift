import Checkpoints
import Collectives
import Configuration
import Imaging
import Networks
import Optimizers
import Tensors

/// What one step of either model measured.
struct RunStepResult {
    /// Loss terms in log order: the pixel loss for SPARNet; pixel, perceptual, feature
    /// matching, adversarial and discriminator for SPARNetHD.
    let values: [Double]
    let names: [String]
    let skipped: Bool
    /// The lowest rank whose own loss was non-finite, when known.
    let firstNonfiniteRank: Int?
    let communicationWaitSeconds: Double

    var terms: [(name: String, value: Double)] { Array(zip(names, values)) }
}

/// A model's training step as the session drives it.
protocol StepRunner: AnyObject {
    /// One optimizer step; `load(input, target)` fills one micro-batch.
    func step(microBatches: Int,
              load: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> Void) throws -> RunStepResult
    /// The networks and optimizers a checkpoint holds.
    func checkpointContents() -> Checkpoint.Contents
    /// Restores networks and optimizers from a checkpoint.
    func restore(from checkpoint: Checkpoint.Loaded) throws
    /// A hash of every trained parameter (FNV-1a over the bytes), to compare replicas.
    func parameterHash() -> UInt64
    /// Where the last step's forward first produced a non-finite value, if it did.
    func firstNonfiniteActivation() -> String?
    /// The learning rate of each optimizer, by network name.
    var learningRates: [(name: String, value: Double)] { get }
    /// The generator; after a step its input, output and attention maps hold this rank's last
    /// micro-batch.
    var generator: SPARNet { get }
    /// The high-resolution targets (N, 3, H, W) of the last micro-batch.
    var target: Arena { get }
}

extension StepRunner {
    /// Sample `index` of this rank's last micro-batch as 8-bit images: the generator's input
    /// (LR-up), its output (SR) and the target (HR).
    func sampleImages(_ index: Int) -> (input: RGBImage, output: RGBImage, target: RGBImage) {
        let network = generator, memory = generator.memory
        precondition(index < network.batch, "sampleImages: sample \(index) of a batch of \(network.batch)")
        func image(_ base: UnsafePointer<Float>, _ map: FeatureMap) -> RGBImage {
            RGBImage(normalizedPlanes: base + index * map.channels * map.plane, width: map.width, height: map.height)
        }
        return (image(memory.value(network.input), network.input),
                image(memory.value(network.output), network.output),
                image(target.base, network.output))
    }

    /// The attention map of every Face Attention Unit for sample `index` of the last
    /// micro-batch, by block key, as heat maps.
    func attentionImages(_ index: Int) -> [(block: String, image: RGBImage)] {
        generator.attentionMaps.map { block, map in
            (block, RGBImage(heatMapOf: generator.memory.value(map) + index * map.channels * map.plane,
                             channels: map.channels, width: map.width, height: map.height))
        }
    }
}

/// FNV-1a over the bytes of the given arenas.
func fnv1a(_ arenas: [Arena]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for arena in arenas {
        let bytes = UnsafeRawBufferPointer(start: arena.base, count: arena.count * 4)
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }
    return hash
}

/// SPARNet: the generator and its optimizer.
final class SPARNetStepRunner: StepRunner {
    let trainer: SPARNetTrainer
    private static let names = ["pixel"]

    init(configuration: RunConfiguration, microBatch: Int, communicator: any Communicator) throws {
        let train = configuration.train
        trainer = try SPARNetTrainer(configuration: configuration.generator.architecture, batchPerRank: microBatch,
                                     learningRate: Float(train.generatorLearningRate),
                                     betas: (Float(train.beta1), Float(train.beta2)), pixelLoss: train.pixelLoss,
                                     synchronizedBatchNorm: configuration.distributed.syncBatchNorm,
                                     bucketBytes: Int(configuration.distributed.bucketMegabytes * 1_048_576),
                                     communicator: communicator, seed: UInt64(train.seed))
    }

    func step(microBatches: Int,
              load: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> Void) throws -> RunStepResult {
        let input = trainer.input.baseAddress!, target = trainer.target.base
        let result = try trainer.step(microBatches: microBatches) { _ in try load(input, target) }
        return RunStepResult(values: [result.loss], names: Self.names, skipped: result.skipped,
                             firstNonfiniteRank: result.firstNonfiniteRank,
                             communicationWaitSeconds: result.communicationWaitSeconds)
    }

    func checkpointContents() -> Checkpoint.Contents {
        let memory = trainer.network.memory
        return Checkpoint.Contents(networks: [("generator", memory)],
                                   optimizers: [("generator", trainer.optimizer, memory.parameterLayout)])
    }

    func parameterHash() -> UInt64 { fnv1a([trainer.network.memory.parameters]) }

    func firstNonfiniteActivation() -> String? { trainer.network.memory.firstNonfiniteActivation() }
    var learningRates: [(name: String, value: Double)] { [("generator", Double(trainer.optimizer.learningRate))] }
    var generator: SPARNet { trainer.network }
    var target: Arena { trainer.target }

    func restore(from checkpoint: Checkpoint.Loaded) throws {
        let memory = trainer.network.memory
        try checkpoint.restore("generator", into: memory)
        try checkpoint.restore(optimizer: trainer.optimizer, of: "generator", layout: memory.parameterLayout)
    }
}

/// SPARNetHD: generator, its average, discriminator and both optimizers.
final class SPARNetHDStepRunner: StepRunner {
    let trainer: SPARNetHDTrainer
    private static let names = ["pixel", "perceptual", "feature_matching", "adversarial", "discriminator"]

    init(configuration: RunConfiguration, batch: Int, communicator: any Communicator) throws {
        let train = configuration.train
        guard let discriminator = configuration.discriminatorArchitecture else {
            throw ConfigurationError(key: "discriminator", message: "SPARNetHD needs a discriminator section")
        }
        var vggState: [String: HostTensor]?
        if train.lossWeights.perceptual > 0 {
            guard let path = train.vggWeights else {
                throw ConfigurationError(key: "train.vgg_weights", message: "a perceptual loss needs VGG19 weights")
            }
            vggState = try WeightsFile.load(path).tensors
        }
        do {
            trainer = try SPARNetHDTrainer(generator: configuration.generator.architecture, discriminator: discriminator,
                                           batchPerRank: batch, generatorLearningRate: Float(train.generatorLearningRate),
                                           discriminatorLearningRate: Float(train.discriminatorLearningRate),
                                           betas: (Float(train.beta1), Float(train.beta2)), weights: train.lossWeights,
                                           emaDecay: Float(train.effectiveEMADecay), vggState: vggState,
                                           bucketBytes: Int(configuration.distributed.bucketMegabytes * 1_048_576),
                                           communicator: communicator, seed: UInt64(train.seed))
        } catch let error as StateMismatchError {
            // Only the VGG19 state is loaded from a file here.
            throw ConfigurationError(key: "train.vgg_weights",
                                     message: "\(train.vggWeights ?? ""): not the VGG19 weights the perceptual loss needs:\n  \(error.summary())")
        }
    }

    func step(microBatches: Int,
              load: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> Void) throws -> RunStepResult {
        precondition(microBatches == 1, "SPARNetHD: gradient accumulation is not supported")
        try load(trainer.input.baseAddress!, trainer.target.base)
        let r = trainer.step()
        return RunStepResult(values: [r.pixel, r.perceptual, r.featureMatching, r.adversarial, r.discriminator],
                             names: Self.names, skipped: r.skipped, firstNonfiniteRank: nil,
                             communicationWaitSeconds: r.communicationWaitSeconds)
    }

    func checkpointContents() -> Checkpoint.Contents {
        let g = trainer.generator.memory, d = trainer.discriminatorOnReal.memory
        return Checkpoint.Contents(
            networks: [("generator", g), ("generator_ema", trainer.averageGenerator.memory), ("discriminator", d)],
            optimizers: [("generator", trainer.generatorOptimizer, g.parameterLayout),
                         ("discriminator", trainer.discriminatorOptimizer, d.parameterLayout)])
    }

    func parameterHash() -> UInt64 {
        fnv1a([trainer.generator.memory.parameters, trainer.discriminatorOnReal.memory.parameters])
    }

    func firstNonfiniteActivation() -> String? {
        trainer.generator.memory.firstNonfiniteActivation().map { "generator " + $0 }
            ?? trainer.discriminatorOnReal.memory.firstNonfiniteActivation().map { "discriminator " + $0 }
    }
    var learningRates: [(name: String, value: Double)] {
        [("generator", Double(trainer.generatorOptimizer.learningRate)),
         ("discriminator", Double(trainer.discriminatorOptimizer.learningRate))]
    }
    var generator: SPARNet { trainer.generator }
    var target: Arena { trainer.target }

    func restore(from checkpoint: Checkpoint.Loaded) throws {
        let g = trainer.generator.memory, d = trainer.discriminatorOnReal.memory
        try checkpoint.restore("generator", into: g)
        try checkpoint.restore("generator_ema", into: trainer.averageGenerator.memory)
        try checkpoint.restore("discriminator", into: d)
        try checkpoint.restore(optimizer: trainer.generatorOptimizer, of: "generator", layout: g.parameterLayout)
        try checkpoint.restore(optimizer: trainer.discriminatorOptimizer, of: "discriminator", layout: d.parameterLayout)
    }
}
