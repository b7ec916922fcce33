/// `train:` the optimisation: batch, schedule, losses, Adam. Defaults are the paper's SPARNet
/// (§III-D "Training Details"); sparnethd-ffhq.yaml sets SPARNetHD's.
public struct TrainingSettings: Codable, Hashable, Sendable, SettingsSection {
    /// The global batch: samples per optimizer step over all ranks and accumulation steps
    /// (paper: 64; released train.sh: 32).
    public var batchSize = 64
    /// Passes over the training set (released train.sh `--total_epochs 20`; the paper gives none).
    public var epochs = 20
    /// Stops after this many optimizer steps if that comes before `epochs`.
    public var maxSteps: Int? = nil
    /// Seeds the initial weights, the epoch permutations and every augmentation draw (released
    /// `--seed 123`).
    public var seed = 123
    /// Paper eq. 1: L2 (mean squared error). The released code trains with L1 (`nn.L1Loss`).
    public var pixelLoss = PixelLoss.l2
    /// Adam learning rate of the generator, fixed (paper: 2e-4 for SPARNet, 1e-4 for SPARNetHD).
    public var generatorLearningRate = 2.0e-4
    /// Adam learning rate of the discriminator (paper: 4e-4; unused by SPARNet).
    public var discriminatorLearningRate = 4.0e-4
    /// Adam β1 (paper: 0.9 for SPARNet, 0.5 for SPARNetHD).
    public var beta1 = 0.9
    /// Adam β2 (paper: 0.99).
    public var beta2 = 0.99
    public var lossWeights = LossWeights()
    /// Decay of the generator's exponential moving average kept beside it; nil takes
    /// `defaultEMADecay`. Only SPARNetHD keeps one; SPARNet ignores this.
    public var emaDecay: Double? = nil
    /// The decay SPARNetHD's moving average uses when `emaDecay` is nil: the released
    /// `accumulate(netH, netG, decay=0.999)`, applied every step.
    public static let defaultEMADecay = 0.999
    /// The decay SPARNetHD's moving average uses: `emaDecay`, or `defaultEMADecay` when nil.
    public var effectiveEMADecay: Double { emaDecay ?? Self.defaultEMADecay }
    /// VGG19 weights (HDF5, torchvision key names) for the perceptual loss; needed only when
    /// `lossWeights.perceptual` > 0.
    public var vggWeights: String? = nil
    /// What a step with a NaN or infinite loss or gradient does, agreed by all ranks.
    public var onNonFinite = NonFinitePolicy.skip
    /// Micro-steps per optimizer step: each rank processes batch / (world × this) samples at a
    /// time and sums their gradients. Exact for InstanceNorm; BatchNorm then sees smaller batches.
    public var gradientAccumulation = 1

    public init() {}

    /// Samples each rank processes per micro-step: `batchSize / (worldSize × gradientAccumulation)`.
    public func microBatchSize(worldSize: Int) throws -> Int {
        let parts = worldSize * gradientAccumulation
        guard worldSize > 0, parts > 0, batchSize % parts == 0 else {
            throw ConfigurationError(key: "train.batch_size",
                                     message: "\(batchSize) does not divide into \(worldSize) ranks × \(gradientAccumulation) accumulation steps; use a multiple of \(max(parts, 1))")
        }
        return batchSize / parts
    }

    static var fields: [SettingField<Self>] {
        [.value("batch_size", \.batchSize),
         .value("epochs", \.epochs),
         .optional("max_steps", \.maxSteps),
         .value("seed", \.seed),
         .choice("pixel_loss", \.pixelLoss),
         .value("generator_lr", \.generatorLearningRate),
         .value("discriminator_lr", \.discriminatorLearningRate),
         .custom("betas", decode: { c, key, s in (s.beta1, s.beta2) = try c.pair(key, of: Double.self, as: "[beta1, beta2]") },
                 encode: { c, key, s in try c.encode([s.beta1.encoded, s.beta2.encoded], forKey: key) }),
         .section("loss_weights", \.lossWeights),
         .optional("ema_decay", \.emaDecay),
         .optional("vgg_weights", \.vggWeights),
         .choice("on_nonfinite", \.onNonFinite),
         .value("gradient_accumulation", \.gradientAccumulation)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}

/// The pixel loss between the output and the HR image, averaged over every element.
public enum PixelLoss: String, Hashable, Sendable, CaseIterable, Codable {
    /// Mean absolute error (`nn.L1Loss`; paper eq. 6 for SPARNetHD, the released code for both).
    case l1
    /// Mean squared error (`nn.MSELoss`; paper eq. 1 for SPARNet).
    case l2
}

/// What a step does when its loss or gradients are not finite.
public enum NonFinitePolicy: String, Hashable, Sendable, CaseIterable, Codable {
    /// Drop the step's update on every rank and go on (the step counts; a log line says so).
    case skip
    /// Stop the run with an error naming the step, after the last good checkpoint.
    case stop
}

/// `train.loss_weights:` the λ of paper eq. 12. SPARNet trains with the pixel loss alone
/// (eq. 1); SPARNetHD's paper values are pixel 100, adversarial 1, feature matching 10,
/// perceptual 1 (released `--lambda_pix 100 --lambda_g 1 --lambda_fm 10 --lambda_pcp 1`).
public struct LossWeights: Codable, Hashable, Sendable, SettingsSection {
    /// λ_pix (released SPARNet `--lambda_pix 1.0`).
    public var pixel = 1.0
    /// λ_adv: hinge generator loss, mean over the discriminators.
    public var adversarial = 0.0
    /// λ_fm: discriminator feature matching, mean over the discriminators.
    public var featureMatching = 0.0
    /// λ_pcp: VGG19 perceptual loss.
    public var perceptual = 0.0

    public init() {}

    /// SPARNetHD's weights (paper §III-D).
    public static let sparnetHD: LossWeights = {
        var w = LossWeights()
        w.pixel = 100
        w.adversarial = 1
        w.featureMatching = 10
        w.perceptual = 1
        return w
    }()

    static var fields: [SettingField<Self>] {
        [.value("pixel", \.pixel), .value("adversarial", \.adversarial),
         .value("feature_matching", \.featureMatching), .value("perceptual", \.perceptual)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}
