import Collectives
import Configuration
import Dispatch
import Kernels
import Networks
import Optimizers
import Tensors

/// What one SPARNetHD step measured, averaged over ranks.
public struct HDStepResult: Sendable {
    public let pixel: Double
    public let perceptual: Double
    public let featureMatching: Double
    public let adversarial: Double
    public let discriminator: Double
    /// True when some rank saw non-finite values; both updates were skipped everywhere.
    public let skipped: Bool
    public let seconds: Double
    public let communicationWaitSeconds: Double
}

/// One data-parallel SPARNetHD step in the released code's order (models/sparnethd_model.py):
/// G forward; D on HR (with features), on SR detached, on SR (with features); VGG features;
/// EMA update (H ← decay·H + (1 − decay)·G over the whole state, before G steps); G loss
/// (λpix·L1 + λpcp·PCP + λfm·FM + λg·hinge) → G gradients averaged over ranks → G Adam; then
/// D's hinge loss from the same forward → D gradients averaged → D Adam.
public final class SPARNetHDTrainer {
    public let generator: SPARNet
    /// The exponential moving average of the generator (the reference's netH).
    public let averageGenerator: SPARNet
    /// One discriminator (its parameters) applied to HR, to SR detached and to SR.
    public let discriminatorOnReal: MultiScaleDiscriminator
    private let discriminatorOnFake: MultiScaleDiscriminator
    private let discriminatorForGenerator: MultiScaleDiscriminator
    /// The VGG19 perceptual loss, when its weight is not zero.
    public let perceptual: PerceptualLoss?
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    public let weights: LossWeights
    public let emaDecay: Float
    private let communicator: any Communicator
    private let generatorReducer: GradientReducer
    private let discriminatorReducer: GradientReducer
    /// High-resolution targets of this rank's batch (N, 3, size, size) in [−1, 1].
    public let target: Arena
    /// The five loss terms and a non-finite flag, summed over ranks each step.
    private let totals = UnsafeMutablePointer<Double>.allocate(capacity: 6)

    /// - Parameters:
    ///   - vggState: VGG19 `features.*` weights (from the file the configuration names); nil
    ///     when the perceptual weight is zero.
    public init(generator generatorConfiguration: SPARNetConfiguration,
                discriminator discriminatorConfiguration: DiscriminatorConfiguration,
                batchPerRank: Int, generatorLearningRate: Float, discriminatorLearningRate: Float,
                betas: (Float, Float), weights: LossWeights, emaDecay: Float,
                vggState: [String: HostTensor]?, bucketBytes: Int,
                communicator: any Communicator, seed: UInt64) throws {
        let size = generatorConfiguration.outputSize
        guard discriminatorConfiguration.inputHeight == size && discriminatorConfiguration.inputWidth == size else {
            throw ArchitectureError(argument: "discriminator.input_size",
                                    message: "\(discriminatorConfiguration.inputHeight)×\(discriminatorConfiguration.inputWidth) differs from the generator's output \(size)×\(size)")
        }
        generator = try SPARNet(generatorConfiguration, batch: batchPerRank, seed: seed)
        // Saved and exported, never run here: its state alone, no activations or scratch.
        averageGenerator = try SPARNet(generatorConfiguration, batch: batchPerRank, seed: seed, trainable: false,
                                       activationMemory: .stateOnly)
        discriminatorOnReal = try MultiScaleDiscriminator(discriminatorConfiguration, batch: batchPerRank, seed: seed &+ 1)
        discriminatorOnFake = try MultiScaleDiscriminator(discriminatorConfiguration, batch: batchPerRank,
                                                          sharingStateWith: discriminatorOnReal)
        discriminatorForGenerator = try MultiScaleDiscriminator(discriminatorConfiguration, batch: batchPerRank,
                                                                sharingStateWith: discriminatorOnReal)
        if let vggState {
            let perceptual = PerceptualLoss(batch: batchPerRank, height: size, width: size)
            try perceptual.network.memory.loadState(vggState)
            self.perceptual = perceptual
        } else {
            perceptual = nil
        }
        generatorOptimizer = Adam(parameterCount: generator.memory.parameters.count, learningRate: generatorLearningRate,
                                  beta1: betas.0, beta2: betas.1)
        discriminatorOptimizer = Adam(parameterCount: discriminatorOnReal.memory.parameters.count,
                                      learningRate: discriminatorLearningRate, beta1: betas.0, beta2: betas.1)
        self.weights = weights
        self.emaDecay = emaDecay
        self.communicator = communicator
        generatorReducer = GradientReducer(communicator: communicator, gradients: generator.memory.parameterGradients,
                                           bucketBytes: bucketBytes)
        discriminatorReducer = GradientReducer(communicator: communicator,
                                               gradients: discriminatorOnReal.memory.parameterGradients,
                                               bucketBytes: bucketBytes)
        target = Arena(count: generator.output.count)
        for memory in [generator.memory, discriminatorOnReal.memory] {
            communicator.broadcast(memory.parameters.base, byteCount: memory.parameters.count * 4, root: 0)
            communicator.broadcast(memory.buffers.base, byteCount: memory.buffers.count * 4, root: 0)
        }
        // netH starts as a copy of netG (the reference's deepcopy).
        _ = averageGenerator.memory.parameters.buffer.update(fromContentsOf: generator.memory.parameters.buffer)
        _ = averageGenerator.memory.buffers.buffer.update(fromContentsOf: generator.memory.buffers.buffer)
    }

    deinit { totals.deallocate() }

    /// This rank's generator input (N, 3, size, size): the degraded faces, upsampled.
    public var input: UnsafeMutableBufferPointer<Float> { generator.memory.values(generator.input) }

    public func step() -> HDStepResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let g = generator.memory
        let sr = g.value(generator.output), srGradient = g.gradient(generator.output)
        let count = generator.output.count
        let scales = Float(discriminatorOnReal.scales.count)

        generator.forward(training: true)
        func discriminate(_ network: MultiScaleDiscriminator, _ images: UnsafePointer<Float>) {
            network.memory.value(network.input).update(from: images, count: count)
            network.forward(training: true)
        }
        discriminate(discriminatorOnReal, target.base)
        discriminate(discriminatorOnFake, sr)
        discriminate(discriminatorForGenerator, sr)
        let perceptualLoss = (perceptual?.forward(input: sr, target: target.base) ?? 0) * weights.perceptual
        updateExponentialMovingAverage(averageGenerator.memory.parameters, toward: g.parameters, decay: emaDecay)
        updateExponentialMovingAverage(averageGenerator.memory.buffers, toward: g.buffers, decay: emaDecay)

        // Generator: every loss term's gradient lands on SR, then one backward through G.
        g.zeroGradients()
        let pixelLoss = l1LossForward(input: sr, target: target.base, count: count) * weights.pixel
        l1LossBackward(input: sr, target: target.base, count: count, weight: Float(weights.pixel),
                       inputGradient: srGradient, targetGradient: nil)
        perceptual?.backward(weight: Float(weights.perceptual), inputGradient: srGradient)
        let fake = discriminatorForGenerator, real = discriminatorOnReal
        fake.memory.zeroActivationGradients()
        var featureMatching = 0.0, adversarial = 0.0
        let fmWeight = Float(weights.featureMatching) / scales, advWeight = Float(weights.adversarial) / scales
        for (fakeScale, realScale) in zip(fake.scales, real.scales) {
            for (fakeFeature, realFeature) in zip(fakeScale.features, realScale.features) {
                let f = fake.memory.value(fakeFeature), r = real.memory.value(realFeature)
                featureMatching += l1LossForward(input: f, target: r, count: fakeFeature.count) * Double(fmWeight)
                l1LossBackward(input: f, target: r, count: fakeFeature.count, weight: fmWeight,
                               inputGradient: fake.memory.gradient(fakeFeature), targetGradient: nil)
            }
            let scores = fake.memory.value(fakeScale.score)
            adversarial += generatorHingeLossForward(scores: scores, count: fakeScale.score.count) * Double(advWeight)
            generatorHingeLossBackward(count: fakeScale.score.count, weight: advWeight,
                                       scoresGradient: fake.memory.gradient(fakeScale.score))
        }
        fake.backward()
        accumulate(UnsafePointer(fake.inputGradient.baseAddress!), into: srGradient, count: count)
        generatorReducer.begin()
        generator.backward { generatorReducer.parametersFinal(from: $0) }
        generatorReducer.finish()

        // Discriminator: hinge on real and detached fake, from the same forward; the D
        // gradients G's backward left behind are discarded (the reference's zero_grad).
        real.memory.zeroGradients()
        discriminatorOnFake.memory.zeroActivationGradients()
        var discriminatorLoss = 0.0
        let dWeight = 0.5 / scales
        for (fakeScale, realScale) in zip(discriminatorOnFake.scales, real.scales) {
            let fakeScores = discriminatorOnFake.memory.value(fakeScale.score)
            let realScores = real.memory.value(realScale.score)
            discriminatorLoss += (discriminatorHingeLossForward(scores: fakeScores, count: fakeScale.score.count, target: .fake)
                + discriminatorHingeLossForward(scores: realScores, count: realScale.score.count, target: .real)) * Double(dWeight)
            discriminatorHingeLossBackward(scores: fakeScores, count: fakeScale.score.count, target: .fake, weight: dWeight,
                                           scoresGradient: discriminatorOnFake.memory.gradient(fakeScale.score))
            discriminatorHingeLossBackward(scores: realScores, count: realScale.score.count, target: .real, weight: dWeight,
                                           scoresGradient: real.memory.gradient(realScale.score))
        }
        discriminatorOnFake.backward()
        discriminatorReducer.begin()
        real.backward { discriminatorReducer.parametersFinal(from: $0) }   // gradients final only after both
        discriminatorReducer.finish()

        // One small allreduce: loss terms and who saw non-finite values; then both updates.
        let totals = self.totals
        (totals[0], totals[1], totals[2], totals[3], totals[4]) =
            (pixelLoss, perceptualLoss, featureMatching, adversarial, discriminatorLoss)
        var finite = true
        for i in 0..<5 where !totals[i].isFinite { finite = false }
        finite = finite && allFinite(g.parameterGradients) && allFinite(real.memory.parameterGradients)
        totals[5] = finite ? 0 : 1
        communicator.allReduceSum(totals, count: 6)
        let skipped = totals[5] > 0
        if !skipped {
            generatorOptimizer.step(parameters: g.parameters, gradients: g.parameterGradients)
            discriminatorOptimizer.step(parameters: real.memory.parameters, gradients: real.memory.parameterGradients)
        }
        let ranks = Double(communicator.size)
        return HDStepResult(pixel: totals[0] / ranks, perceptual: totals[1] / ranks, featureMatching: totals[2] / ranks,
                            adversarial: totals[3] / ranks, discriminator: totals[4] / ranks, skipped: skipped,
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                            communicationWaitSeconds: generatorReducer.lastWaitSeconds + discriminatorReducer.lastWaitSeconds)
    }
}

/// True when every element of `arena` is finite.
func allFinite(_ arena: Arena) -> Bool {
    for i in 0..<arena.count where !arena.base[i].isFinite { return false }
    return true
}
