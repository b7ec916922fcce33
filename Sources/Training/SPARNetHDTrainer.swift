import Checkpoints
import Collectives
import Configuration
import Kernels
import Networks
import Optimizers
import Tensors

/// One data-parallel SPARNetHD step in the released code's order (models/sparnethd_model.py):
/// G forward; D on HR (with features), on SR detached, on SR (with features); VGG features;
/// EMA update (H ← decay·H + (1 − decay)·G over the whole state, before G steps); G loss
/// (λpix·L1 + λpcp·PCP + λfm·FM + λg·hinge) → G gradients averaged over ranks → G Adam; then
/// D's hinge loss from the same forward → D gradients averaged → D Adam.
public final class SPARNetHDTrainer: Trainer {
    public let generator: SPARNet
    /// The exponential moving average of the generator (the reference's netH).
    public let averageGenerator: NetworkState
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
    /// D's buffers (spectral-norm u, v) after its first forward, for `.onePowerIterationPerStep`.
    private let discriminatorBufferSnapshot: Arena
    /// The five loss terms and a non-finite flag, summed over ranks each step.
    private let totals = UnsafeMutablePointer<Double>.allocate(capacity: 6)

    /// Departures from the released code's order, one at a time, so the trajectory check can
    /// show it notices each (`verify-reference` tests); empty for training.
    public struct Deviations: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// D's Adam step before G's losses: G's adversarial and feature-matching terms come
        /// from a second forward of the updated D.
        public static let discriminatorFirst = Deviations(rawValue: 1)
        /// D's spectral-norm u and v advance once a step (its first forward) instead of once
        /// per forward.
        public static let onePowerIterationPerStep = Deviations(rawValue: 2)
        /// The EMA generator follows G's weights after G's update instead of before it.
        public static let averageAfterUpdate = Deviations(rawValue: 4)
    }
    public var deviations: Deviations = []

    public let lossNames = ["pixel", "perceptual", "feature_matching", "adversarial", "discriminator"]
    public private(set) var losses = [Double](repeating: 0, count: 5)

    /// - Parameters:
    ///   - vggState: VGG19 `features.*` weights (from the file the configuration names); nil
    ///     when the perceptual weight is zero.
    ///   - convolution: the algorithms the convs of G, D and VGG19 may choose among.
    public init(generator generatorConfiguration: SPARNetConfiguration,
                discriminator discriminatorConfiguration: DiscriminatorConfiguration,
                batchPerRank: Int, generatorLearningRate: Float, discriminatorLearningRate: Float,
                betas: (Float, Float), weights: LossWeights, emaDecay: Float,
                vggState: [String: HostTensor]?, bucketBytes: Int,
                communicator: any Communicator, seed: UInt64, convolution: ConvolutionOptions = .default) throws {
        let size = generatorConfiguration.outputSize
        guard discriminatorConfiguration.inputHeight == size && discriminatorConfiguration.inputWidth == size else {
            throw ArchitectureError(argument: "discriminator.input_size",
                                    message: "\(discriminatorConfiguration.inputHeight)×\(discriminatorConfiguration.inputWidth) differs from the generator's output \(size)×\(size)")
        }
        generator = try SPARNet(generatorConfiguration, batch: batchPerRank, seed: seed, convolution: convolution)
        // netH starts as a copy of netG (the reference's deepcopy); saved and exported, never
        // run here: a state without a workspace.
        averageGenerator = NetworkState(copying: generator.memory.state)
        discriminatorOnReal = try MultiScaleDiscriminator(discriminatorConfiguration, batch: batchPerRank, seed: seed &+ 1,
                                                          convolution: convolution)
        discriminatorOnFake = try MultiScaleDiscriminator(discriminatorConfiguration, batch: batchPerRank,
                                                          state: discriminatorOnReal.memory.state,
                                                          convolution: convolution)
        discriminatorForGenerator = try MultiScaleDiscriminator(discriminatorConfiguration, batch: batchPerRank,
                                                                state: discriminatorOnReal.memory.state,
                                                                convolution: convolution)
        if let vggState {
            let perceptual = PerceptualLoss(batch: batchPerRank, height: size, width: size, convolution: convolution)
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
        discriminatorBufferSnapshot = Arena(count: discriminatorOnReal.memory.buffers.count)
        for memory in [generator.memory, discriminatorOnReal.memory] {
            communicator.broadcast(memory.parameters.base, byteCount: memory.parameters.count * 4, root: 0)
            communicator.broadcast(memory.buffers.base, byteCount: memory.buffers.count * 4, root: 0)
        }
        // netH is a copy of netG as broadcast (the reference's deepcopy).
        _ = averageGenerator.parameters.buffer.update(fromContentsOf: generator.memory.parameters.buffer)
        _ = averageGenerator.buffers.buffer.update(fromContentsOf: generator.memory.buffers.buffer)
    }

    /// The run's trainer: `generator`, `discriminator`, `train` and `distributed` of a
    /// validated configuration (which has a discriminator section), with the VGG19 weights of
    /// the perceptual loss.
    public convenience init(_ configuration: RunConfiguration, batchPerRank: Int, vggState: [String: HostTensor]?,
                            communicator: any Communicator, convolution: ConvolutionOptions = .default) throws {
        let train = configuration.train
        try self.init(generator: configuration.generator.architecture, discriminator: configuration.discriminatorArchitecture!,
                      batchPerRank: batchPerRank, generatorLearningRate: Float(train.generatorLearningRate),
                      discriminatorLearningRate: Float(train.discriminatorLearningRate),
                      betas: (Float(train.beta1), Float(train.beta2)), weights: train.lossWeights,
                      emaDecay: Float(train.effectiveEMADecay), vggState: vggState,
                      bucketBytes: Int(configuration.distributed.bucketMegabytes * 1_048_576),
                      communicator: communicator, seed: UInt64(train.seed), convolution: convolution)
    }

    deinit { totals.deallocate() }

    /// This rank's generator input (N, 3, size, size): the degraded faces, upsampled.
    public var input: UnsafeMutableBufferPointer<Float> { generator.memory.values(generator.input) }

    /// The whole forward and both backwards (G's, then D's from the same forward); SPARNetHD
    /// alternates G and D every step, so a step is one micro-batch.
    public func accumulate(microBatch index: Int, of count: Int) {
        precondition(index == 0 && count == 1, "SPARNetHD: gradient accumulation is not supported")
        let sr = generator.memory.value(generator.output)
        generator.forward(training: true)
        discriminate(discriminatorOnReal, target.base)
        let oncePerStep = deviations.contains(.onePowerIterationPerStep)
        if oncePerStep { discriminatorBufferSnapshot.buffer.update(fromContentsOf: discriminatorOnReal.memory.buffers.buffer) }
        discriminate(discriminatorOnFake, sr)
        discriminate(discriminatorForGenerator, sr)
        if oncePerStep { _ = discriminatorOnReal.memory.buffers.buffer.update(fromContentsOf: discriminatorBufferSnapshot.buffer) }
        totals[1] = (perceptual?.forward(input: sr, target: target.base) ?? 0) * weights.perceptual
        if !deviations.contains(.averageAfterUpdate) { updateAverage() }
        if deviations.contains(.discriminatorFirst) {
            totals[4] = discriminatorBackward()
            let d = discriminatorOnReal.memory
            discriminatorOptimizer.step(parameters: d.parameters, gradients: d.parameterGradients)
            discriminate(discriminatorForGenerator, sr)
            generatorBackward()
        } else {
            generatorBackward()
            totals[4] = discriminatorBackward()
        }
    }

    /// One small allreduce (the loss terms and who saw non-finite values), then G's Adam step
    /// and D's, unless someone did.
    public func update() -> StepReport {
        let g = generator.memory, d = discriminatorOnReal.memory
        var finite = true
        for i in 0..<5 where !totals[i].isFinite { finite = false }
        finite = finite && allFinite(g.parameterGradients) && allFinite(d.parameterGradients)
        totals[5] = finite ? 0 : 1
        communicator.allReduceSum(totals, count: 6)
        let skipped = totals[5] > 0
        if !skipped {
            generatorOptimizer.step(parameters: g.parameters, gradients: g.parameterGradients)
            if !deviations.contains(.discriminatorFirst) {
                discriminatorOptimizer.step(parameters: d.parameters, gradients: d.parameterGradients)
            }
        }
        if deviations.contains(.averageAfterUpdate) { updateAverage() }
        for i in 0..<5 { losses[i] = totals[i] / Double(communicator.size) }
        return StepReport(skipped: skipped, firstNonfiniteRank: nil,
                          communicationWaitSeconds: generatorReducer.lastWaitSeconds + discriminatorReducer.lastWaitSeconds)
    }

    /// One discriminator forward (training: one power iteration of every spectral norm) on `images`.
    private func discriminate(_ network: MultiScaleDiscriminator, _ images: UnsafePointer<Float>) {
        network.memory.value(network.input).update(from: images, count: generator.output.count)
        network.forward(training: true)
    }

    /// H ← decay·H + (1 − decay)·G over the whole state (the reference's `accumulate`, before
    /// G steps), then the power iteration H's own training-mode forward makes in the reference
    /// (`ema_img_SR = netH(img_LR)`, an output only shown, so only its u, v updates matter).
    private func updateAverage() {
        let g = generator.memory, h = averageGenerator
        updateExponentialMovingAverage(h.parameters, toward: g.parameters, decay: emaDecay)
        updateExponentialMovingAverage(h.buffers, toward: g.buffers, decay: emaDecay)
        generator.advanceSpectralNorms(of: h)
    }

    /// G's losses (pixel, perceptual, feature matching, adversarial) into `totals[0...3]`: every
    /// term's gradient lands on SR, then one backward through G, its gradients reduced as they
    /// are final.
    private func generatorBackward() {
        let g = generator.memory
        let sr = g.value(generator.output), srGradient = g.gradient(generator.output)
        let count = generator.output.count
        let scales = Float(discriminatorOnReal.scales.count)
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
        Kernels.accumulate(UnsafePointer(fake.inputGradient.baseAddress!), into: srGradient, count: count)
        generatorReducer.begin()
        generator.backward { generatorReducer.parametersFinal(from: $0) }
        generatorReducer.finish()
        (totals[0], totals[2], totals[3]) = (pixelLoss, featureMatching, adversarial)
    }

    /// D's hinge loss on real and detached fake, from the same forward, and its gradients
    /// reduced; the D gradients G's backward left behind are discarded (the reference's
    /// zero_grad). Returns the loss.
    private func discriminatorBackward() -> Double {
        let real = discriminatorOnReal, fake = discriminatorOnFake
        let scales = Float(real.scales.count)
        real.memory.zeroGradients()
        fake.memory.zeroActivationGradients()
        var loss = 0.0
        let weight = 0.5 / scales
        for (fakeScale, realScale) in zip(fake.scales, real.scales) {
            let fakeScores = fake.memory.value(fakeScale.score)
            let realScores = real.memory.value(realScale.score)
            loss += (discriminatorHingeLossForward(scores: fakeScores, count: fakeScale.score.count, target: .fake)
                + discriminatorHingeLossForward(scores: realScores, count: realScale.score.count, target: .real)) * Double(weight)
            discriminatorHingeLossBackward(scores: fakeScores, count: fakeScale.score.count, target: .fake, weight: weight,
                                           scoresGradient: fake.memory.gradient(fakeScale.score))
            discriminatorHingeLossBackward(scores: realScores, count: realScale.score.count, target: .real, weight: weight,
                                           scoresGradient: real.memory.gradient(realScale.score))
        }
        fake.backward()
        discriminatorReducer.begin()
        real.backward { discriminatorReducer.parametersFinal(from: $0) }   // gradients final only after both
        discriminatorReducer.finish()
        return loss
    }

    public func checkpointContents() -> Checkpoint.Contents {
        let g = generator.memory, d = discriminatorOnReal.memory
        return Checkpoint.Contents(
            networks: [("generator", g.state), ("generator_ema", averageGenerator), ("discriminator", d.state)],
            optimizers: [("generator", generatorOptimizer, g.parameterLayout),
                         ("discriminator", discriminatorOptimizer, d.parameterLayout)])
    }

    public func restore(from checkpoint: Checkpoint.Loaded) throws {
        let g = generator.memory, d = discriminatorOnReal.memory
        try checkpoint.restore("generator", into: g.state)
        try checkpoint.restore("generator_ema", into: averageGenerator)
        try checkpoint.restore("discriminator", into: d.state)
        try checkpoint.restore(optimizer: generatorOptimizer, of: "generator", layout: g.parameterLayout)
        try checkpoint.restore(optimizer: discriminatorOptimizer, of: "discriminator", layout: d.parameterLayout)
    }

    public func parameterHash() -> UInt64 {
        fnv1a([generator.memory.parameters, discriminatorOnReal.memory.parameters])
    }

    public func firstNonfiniteActivation() -> String? {
        generator.memory.firstNonfiniteActivation().map { "generator " + $0 }
            ?? discriminatorOnReal.memory.firstNonfiniteActivation().map { "discriminator " + $0 }
    }

    public var learningRates: [(name: String, value: Double)] {
        [("generator", Double(generatorOptimizer.learningRate)),
         ("discriminator", Double(discriminatorOptimizer.learningRate))]
    }
}
