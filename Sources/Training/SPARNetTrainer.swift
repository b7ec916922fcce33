import Checkpoints
import Collectives
import Configuration
import Kernels
import Networks
import Optimizers
import Tensors

/// One data-parallel SPARNet step per call (DESIGN.md §5): every rank runs the generator on its
/// part of the global batch, gradients are averaged in buckets that overlap backward, and
/// every rank applies the same Adam update, so parameters stay identical across ranks.
public final class SPARNetTrainer: Trainer {
    public let network: SPARNet
    public let optimizer: Adam
    public let pixelLoss: PixelLoss
    /// λ_pix: the pixel loss's weight (the released `--lambda_pix`, 1 by default).
    public let pixelWeight: Float
    private let communicator: any Communicator
    private let reducer: GradientReducer
    private let synchronizedBatchNorm: Bool
    /// High-resolution targets of this rank's batch (N, 3, output, output) in [−1, 1].
    public let target: Arena

    /// - Parameters:
    ///   - batchPerRank: this rank's share of the global batch.
    ///   - seed: parameter initialization; rank 0's parameters are then broadcast to all.
    ///   - convolution: the algorithms the generator's convs may choose among.
    public init(configuration: SPARNetConfiguration, batchPerRank: Int, learningRate: Float,
                betas: (Float, Float), pixelLoss: PixelLoss, pixelWeight: Float = 1, synchronizedBatchNorm: Bool,
                bucketBytes: Int, communicator: any Communicator, seed: UInt64,
                convolution: ConvolutionOptions = .default) throws {
        network = try SPARNet(configuration, batch: batchPerRank, seed: seed, convolution: convolution)
        optimizer = Adam(parameterCount: network.memory.parameters.count, learningRate: learningRate,
                         beta1: betas.0, beta2: betas.1)
        self.pixelLoss = pixelLoss
        self.pixelWeight = pixelWeight
        self.communicator = communicator
        self.synchronizedBatchNorm = synchronizedBatchNorm
        reducer = GradientReducer(communicator: communicator, gradients: network.memory.parameterGradients,
                                  bucketBytes: bucketBytes)
        target = Arena(count: network.output.count)
        if synchronizedBatchNorm && communicator.size > 1 {
            network.memory.replicaStatistics = CommunicatorStatistics(communicator)
        }
        broadcastState()
    }

    /// The run's trainer: `generator`, `train` and `distributed` of the configuration.
    public convenience init(_ configuration: RunConfiguration, batchPerRank: Int, communicator: any Communicator,
                            convolution: ConvolutionOptions = .default) throws {
        let train = configuration.train
        try self.init(configuration: configuration.generator.architecture, batchPerRank: batchPerRank,
                      learningRate: Float(train.generatorLearningRate), betas: (Float(train.beta1), Float(train.beta2)),
                      pixelLoss: train.pixelLoss, pixelWeight: Float(train.lossWeights.pixel),
                      synchronizedBatchNorm: configuration.distributed.syncBatchNorm,
                      bucketBytes: Int(configuration.distributed.bucketMegabytes * 1_048_576),
                      communicator: communicator, seed: UInt64(train.seed), convolution: convolution)
    }

    public let lossNames = ["pixel"]
    public private(set) var losses = [0.0]
    /// The weighted pixel loss summed over this rank's micro-batches so far.
    private var rankLoss = 0.0

    /// This rank's network input (N, 3, input, input): the upsampled low-resolution faces.
    public var input: UnsafeMutableBufferPointer<Float> { network.memory.values(network.input) }

    /// Copies rank 0's parameters and buffers to every rank.
    public func broadcastState() {
        let memory = network.memory
        communicator.broadcast(memory.parameters.base, byteCount: memory.parameters.count * 4, root: 0)
        communicator.broadcast(memory.buffers.base, byteCount: memory.buffers.count * 4, root: 0)
    }

    /// Forward, pixel loss and backward of micro-batch `index` of `count`; the last one's
    /// backward hands finished gradient buckets to the allreduce while it runs.
    public func accumulate(microBatch index: Int, of count: Int) {
        precondition(index >= 0 && index < count, "SPARNetTrainer.accumulate: micro-batch \(index) of \(count)")
        let memory = network.memory
        if index == 0 {
            if !synchronizedBatchNorm && communicator.size > 1 && memory.buffers.count > 0 {
                // Per-rank BatchNorm: running statistics follow rank 0, as DDP's broadcast_buffers.
                communicator.broadcast(memory.buffers.base, byteCount: memory.buffers.count * 4, root: 0)
            }
            memory.zeroParameterGradients()
            rankLoss = 0
        }
        let output = memory.value(network.output)
        let outputGradient = memory.gradient(network.output)
        let elements = network.output.count
        let weight = pixelWeight / Float(count)
        network.forward(training: true)
        memory.zeroActivationGradients()
        switch pixelLoss {
        case .l1:
            rankLoss += l1LossForward(input: output, target: target.base, count: elements) * Double(weight)
            l1LossBackward(input: output, target: target.base, count: elements, weight: weight,
                           inputGradient: outputGradient, targetGradient: nil)
        case .l2:
            rankLoss += mseLossForward(input: output, target: target.base, count: elements) * Double(weight)
            mseLossBackward(input: output, target: target.base, count: elements, weight: weight,
                            inputGradient: outputGradient, targetGradient: nil)
        }
        if index < count - 1 {
            network.backward()
        } else {
            reducer.begin()
            network.backward { reducer.parametersFinal(from: $0) }
            reducer.finish()
        }
    }

    /// One small allreduce decides for everyone (the mean loss and who saw non-finite
    /// values), then Adam steps unless someone did.
    public func update() -> StepReport {
        let memory = network.memory
        let gradients = memory.parameterGradients
        let finite = rankLoss.isFinite && allFinite(gradients)
        var totals: (Double, Double) = (rankLoss, finite ? 0 : 1)
        withUnsafeMutablePointer(to: &totals) {
            $0.withMemoryRebound(to: Double.self, capacity: 2) { communicator.allReduceSum($0, count: 2) }
        }
        let skipped = totals.1 > 0
        var firstNonfiniteRank: Int?
        if skipped {
            // Which rank's own loss went bad: gradients averaged over ranks are bad everywhere.
            let size = communicator.size
            let score = communicator.allReduceMax(rankLoss.isFinite ? 0 : Double(size - communicator.rank))
            firstNonfiniteRank = score > 0 ? size - Int(score) : nil
        } else {
            optimizer.step(parameters: memory.parameters, gradients: gradients)
        }
        losses[0] = totals.0 / Double(communicator.size)
        return StepReport(skipped: skipped, firstNonfiniteRank: firstNonfiniteRank,
                          communicationWaitSeconds: reducer.lastWaitSeconds)
    }

    public func checkpointContents() -> Checkpoint.Contents {
        let memory = network.memory
        return Checkpoint.Contents(networks: [("generator", memory.state)],
                                   optimizers: [("generator", optimizer, memory.parameterLayout)])
    }

    public func restore(from checkpoint: Checkpoint.Loaded) throws {
        let memory = network.memory
        try checkpoint.restore("generator", into: memory.state)
        try checkpoint.restore(optimizer: optimizer, of: "generator", layout: memory.parameterLayout)
    }

    public func parameterHash() -> UInt64 { fnv1a([network.memory.parameters]) }
    public func firstNonfiniteActivation() -> String? { network.memory.firstNonfiniteActivation() }
    public var learningRates: [(name: String, value: Double)] { [("generator", Double(optimizer.learningRate))] }
    public var generator: SPARNet { network }
}
