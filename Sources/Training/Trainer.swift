import Checkpoints
import Collectives
import Configuration
import Kernels
import Imaging
import Networks
import Optimizers
import Tensors

/// How one optimizer step went, the same on every rank. The loss values sit in the trainer's
/// `losses`, so a step builds no array.
public struct StepReport: Sendable {
    /// True when some rank saw a non-finite loss or gradient; every update was skipped everywhere.
    public let skipped: Bool
    /// The lowest rank whose own loss was non-finite, when the trainer can tell.
    public let firstNonfiniteRank: Int?
    /// Seconds this rank waited for gradient communication after backward.
    public let communicationWaitSeconds: Double
}

/// One model's data-parallel training step, as `train` and `verify-reference`'s trajectory
/// check both drive it: fill `input` and `target`, `accumulate` each micro-batch (forward and
/// backward; the last one's backward overlaps the gradient allreduce), then `update` (one
/// collective decision on non-finite values, then the optimizers' steps).
public protocol Trainer: AnyObject {
    /// The loss terms in log order (`metrics.jsonl`, TensorBoard, the progress line).
    var lossNames: [String] { get }
    /// The last step's loss terms in `lossNames` order, averaged over ranks, each already
    /// multiplied by its weight.
    var losses: [Double] { get }
    /// This rank's micro-batch input (N, 3, H, W): the low-resolution faces, upsampled.
    var input: UnsafeMutableBufferPointer<Float> { get }
    /// The high-resolution targets (N, 3, H, W) of the micro-batch, in [−1, 1].
    var target: Arena { get }
    /// Forward and backward of the micro-batch in `input` and `target`, micro-batch `index` of
    /// `count` (each weighted 1/count): gradients are zeroed at index 0 and accumulate after.
    func accumulate(microBatch index: Int, of count: Int)
    /// Ends the step the micro-batches began: the sums over ranks, the collective non-finite
    /// decision, and every optimizer's update unless a rank saw a non-finite value.
    func update() -> StepReport
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
}

extension Trainer {
    /// One optimizer step over `microBatches` micro-batches: `load(i)` fills `input` and
    /// `target` with micro-batch i.
    public func step(microBatches: Int = 1, load: (Int) throws -> Void) rethrows -> StepReport {
        precondition(microBatches >= 1, "Trainer.step: \(microBatches) micro-batches")
        for index in 0..<microBatches {
            try load(index)
            accumulate(microBatch: index, of: microBatches)
        }
        return update()
    }

    /// One step on the batch already in `input` and `target`.
    public func step() -> StepReport { step { _ in } }

    /// The last step's loss terms by name.
    public var lossTerms: [(name: String, value: Double)] { Array(zip(lossNames, losses)) }

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

/// The trainer a configuration describes, for this rank's micro-batch of `microBatch` samples.
/// - Parameters:
///   - vggState: VGG19 `features.*` weights for the perceptual loss; nil reads them from
///     `train.vgg_weights` when the perceptual weight is not zero.
///   - convolution: the algorithms the networks' convs may choose among.
public func makeTrainer(_ configuration: RunConfiguration, microBatch: Int, communicator: any Communicator,
                        vggState: [String: HostTensor]? = nil,
                        convolution: ConvolutionOptions = .default) throws -> any Trainer {
    switch configuration.model {
    case .sparnet:
        return try SPARNetTrainer(configuration, batchPerRank: microBatch, communicator: communicator,
                                  convolution: convolution)
    case .sparnethd:
        let train = configuration.train
        var state = vggState
        if state == nil && train.lossWeights.perceptual > 0 {
            state = try WeightsFile.load(train.vggWeights!).tensors   // the validator requires the path
        }
        do {
            return try SPARNetHDTrainer(configuration, batchPerRank: microBatch, vggState: state,
                                        communicator: communicator, convolution: convolution)
        } catch let error as StateMismatchError where vggState == nil {
            // Only the VGG19 state is loaded from a file here.
            throw ConfigurationError(key: "train.vgg_weights",
                                     message: "\(train.vggWeights ?? ""): not the VGG19 weights the perceptual loss needs:\n  \(error.summary())")
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

/// True when every element of `arena` is finite.
func allFinite(_ arena: Arena) -> Bool {
    for i in 0..<arena.count where !arena.base[i].isFinite { return false }
    return true
}
