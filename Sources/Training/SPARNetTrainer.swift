import Collectives
import Configuration
import Dispatch
import Kernels
import Networks
import Optimizers
import Tensors

/// What one training step measured, the same on every rank.
public struct StepResult: Sendable {
    /// The pixel loss averaged over every rank's batch (the global batch's loss).
    public let loss: Double
    /// True when some rank saw a non-finite loss or gradient; the update was skipped everywhere.
    public let skipped: Bool
    /// How many ranks saw non-finite values in their own loss or in the averaged gradients.
    public let nonfiniteRanks: Int
    /// The lowest rank whose own loss was non-finite (nil when every loss was finite).
    public let firstNonfiniteRank: Int?
    /// Seconds of the step (forward, backward, communication, update) on this rank.
    public let seconds: Double
    /// Seconds this rank waited for gradient communication after backward.
    public let communicationWaitSeconds: Double
}

/// One data-parallel SPARNet step per call (DESIGN.md §5): every rank runs the generator on its
/// part of the global batch, gradients are averaged in buckets that overlap backward, and
/// every rank applies the same Adam update, so parameters stay identical across ranks.
public final class SPARNetTrainer {
    public let network: SPARNet
    public let optimizer: Adam
    public let pixelLoss: PixelLoss
    private let communicator: any Communicator
    private let reducer: GradientReducer
    private let synchronizedBatchNorm: Bool
    /// High-resolution targets of this rank's batch (N, 3, output, output) in [−1, 1].
    public let target: Arena

    /// - Parameters:
    ///   - batchPerRank: this rank's share of the global batch.
    ///   - seed: parameter initialization; rank 0's parameters are then broadcast to all.
    public init(configuration: SPARNetConfiguration, batchPerRank: Int, learningRate: Float,
                betas: (Float, Float), pixelLoss: PixelLoss, synchronizedBatchNorm: Bool,
                bucketBytes: Int, communicator: any Communicator, seed: UInt64) throws {
        network = try SPARNet(configuration, batch: batchPerRank, seed: seed)
        optimizer = Adam(parameterCount: network.memory.parameters.count, learningRate: learningRate,
                         beta1: betas.0, beta2: betas.1)
        self.pixelLoss = pixelLoss
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

    /// This rank's network input (N, 3, input, input): the upsampled low-resolution faces.
    public var input: UnsafeMutableBufferPointer<Float> { network.memory.values(network.input) }

    /// Copies rank 0's parameters and buffers to every rank.
    public func broadcastState() {
        let memory = network.memory
        communicator.broadcast(memory.parameters.base, byteCount: memory.parameters.count * 4, root: 0)
        communicator.broadcast(memory.buffers.base, byteCount: memory.buffers.count * 4, root: 0)
    }

    /// One step on the batch in `input` and `target`.
    public func step() -> StepResult {
        step(microBatches: 1) { _ in }     // a single micro-batch, already loaded
    }

    /// One step over `microBatches` micro-batches (gradient accumulation): `load(i)` fills
    /// `input` and `target` with micro-batch i; their gradients are averaged (each micro-batch's
    /// loss weighted 1/K) before one allreduce and one update.
    public func step(microBatches: Int, load: (Int) throws -> Void) rethrows -> StepResult {
        precondition(microBatches >= 1, "SPARNetTrainer.step: \(microBatches) micro-batches")
        let start = DispatchTime.now().uptimeNanoseconds
        let memory = network.memory
        if !synchronizedBatchNorm && communicator.size > 1 && memory.buffers.count > 0 {
            // Per-rank BatchNorm: running statistics follow rank 0, as DDP's broadcast_buffers.
            communicator.broadcast(memory.buffers.base, byteCount: memory.buffers.count * 4, root: 0)
        }
        let output = memory.value(network.output)
        let outputGradient = memory.gradient(network.output)
        let count = network.output.count
        let weight = 1 / Float(microBatches)
        var loss = 0.0
        memory.zeroParameterGradients()
        for micro in 0..<microBatches {
            try load(micro)
            network.forward(training: true)
            memory.zeroActivationGradients()
            switch pixelLoss {
            case .l1:
                loss += l1LossForward(input: output, target: target.base, count: count) * Double(weight)
                l1LossBackward(input: output, target: target.base, count: count, weight: weight,
                               inputGradient: outputGradient, targetGradient: nil)
            case .l2:
                loss += mseLossForward(input: output, target: target.base, count: count) * Double(weight)
                mseLossBackward(input: output, target: target.base, count: count, weight: weight,
                                inputGradient: outputGradient, targetGradient: nil)
            }
            if micro < microBatches - 1 { network.backward() }
        }
        reducer.begin()
        network.backward { reducer.parametersFinal(from: $0) }
        reducer.finish()

        // One small allreduce decides for everyone: the mean loss and who saw non-finite values.
        let gradients = memory.parameterGradients
        var finite = loss.isFinite
        if finite {
            for i in 0..<gradients.count where !gradients.base[i].isFinite { finite = false; break }
        }
        var totals: (Double, Double) = (loss, finite ? 0 : 1)
        withUnsafeMutablePointer(to: &totals) {
            $0.withMemoryRebound(to: Double.self, capacity: 2) { communicator.allReduceSum($0, count: 2) }
        }
        let nonfiniteRanks = Int(totals.1)
        var firstNonfiniteRank: Int?
        if nonfiniteRanks > 0 {
            // Which rank's own loss went bad: gradients averaged over ranks are bad everywhere.
            let size = communicator.size
            let score = communicator.allReduceMax(loss.isFinite ? 0 : Double(size - communicator.rank))
            firstNonfiniteRank = score > 0 ? size - Int(score) : nil
        }
        if nonfiniteRanks == 0 {
            optimizer.step(parameters: memory.parameters, gradients: gradients)
        }
        return StepResult(loss: totals.0 / Double(communicator.size), skipped: nonfiniteRanks > 0,
                          nonfiniteRanks: nonfiniteRanks, firstNonfiniteRank: firstNonfiniteRank,
                          seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                          communicationWaitSeconds: reducer.lastWaitSeconds)
    }
}
