import Networks

extension RunConfiguration {
    /// Throws the first of `problems()`, if any.
    public func validate() throws {
        if let first = problems().first { throw first }
    }

    /// Every value out of its range and every combination the run cannot train with, one line
    /// each in key order; empty when the configuration is valid. Pure: files are not looked at.
    public func problems() -> [ConfigurationError] {
        var list = ProblemList()
        checkModel(&list)
        checkData(&list)
        checkTraining(&list)

        list.require(distributed.bucketMegabytes > 0 && distributed.bucketMegabytes.isFinite, "distributed.bucket_mb",
                     "must be a positive number of MiB, got \(distributed.bucketMegabytes)")
        list.require(distributed.stallTimeoutSeconds >= 0 && distributed.stallTimeoutSeconds.isFinite,
                     "distributed.stall_timeout_s",
                     "must be a number of seconds (0 waits forever), got \(distributed.stallTimeoutSeconds)")
        if case .count(let n) = distributed.blasThreads {
            list.require(n >= 1, "distributed.blas_threads", "must be auto or at least 1, got \(n)")
        }
        list.atLeast(checkpoint.everySteps, 1, "checkpoint.every_steps")
        if let minutes = checkpoint.everyMinutes {
            list.require(minutes > 0 && minutes.isFinite, "checkpoint.every_minutes", "must be a positive number or null, got \(minutes)")
        }
        list.atLeast(checkpoint.keep, 1, "checkpoint.keep")
        list.atLeast(log.everySteps, 1, "log.every_steps")
        list.atLeast(log.imagesEverySteps, 0, "log.images_every_steps")
        return list.problems
    }

    private func checkModel(_ list: inout ProblemList) {
        do { try generator.architecture.validate() } catch let error as ArchitectureError {
            list.add("generator.\(error.argument)", error.message)
        } catch {
            list.add("generator", "\(error)")
        }
        switch (model, discriminator) {
        case (.sparnethd, nil):
            list.add("discriminator", "model sparnethd needs one, e.g. discriminator: {preset: sparnetHD}")
        case (.sparnet, _?):
            list.add("discriminator", "model sparnet trains no discriminator; remove the section or set model: sparnethd")
        default:
            break
        }
        guard let discriminatorArchitecture else { return }
        do { try discriminatorArchitecture.validate() } catch let error as ArchitectureError {
            // DiscriminatorConfiguration names its own fields; these are the file's keys for them.
            let keys = ["scale_count": "discriminator.scales", "layer_count": "discriminator.layers",
                        "base_channels": "discriminator.base_channels", "max_channels": "discriminator.max_channels",
                        "input_height": "generator.output_size", "input_width": "generator.output_size"]
            list.add(keys[error.argument] ?? "discriminator.\(error.argument)", error.message)
        } catch {
            list.add("discriminator", "\(error)")
        }
    }

    private func checkData(_ list: inout ProblemList) {
        list.require(!data.train.isEmpty, "data.train", "must list at least one file glob")
        list.require(!data.train.contains { $0.isEmpty }, "data.train", "contains an empty glob")
        list.require(!data.validation.contains { $0.isEmpty }, "data.validation", "contains an empty glob")
        list.require(data.validationEverySteps >= 1, "data.validation_every_steps",
                     "must be at least 1, got \(data.validationEverySteps)")
        list.require(!checkpoint.keepBest || !data.validation.isEmpty, "checkpoint.keep_best",
                     "needs held-out faces to rank checkpoints by: set data.validation")
        list.atLeast(data.scaleFactor, 1, "data.scale_factor")
        let outputSize = generator.architecture.outputSize
        if data.degrade == nil, data.scaleFactor >= 1 {
            list.require(outputSize % data.scaleFactor == 0, "data.scale_factor",
                         "\(data.scaleFactor) does not divide generator.output_size \(outputSize), so the LR side would not be whole")
        }
        let scale = data.augment.scale
        list.require(scale.lowerBound > 0 && scale.upperBound < 2, "data.augment.scale",
                     "must lie within (0, 2) (a factor s > 1 crops an area of at least 2 − s, as the released Scale), got [\(scale.lowerBound), \(scale.upperBound)]")
        if let degrade = data.degrade {
            let prefix = "data.degrade"
            list.probability(degrade.grayscaleProbability, "\(prefix).grayscale_probability")
            let blur = degrade.blur
            list.probability(blur.probability, "\(prefix).blur.probability")
            let weights = [("gaussian", blur.gaussian.weight), ("average", blur.average.weight),
                           ("median", blur.median.weight), ("motion", blur.motion.weight)]
            for (kind, weight) in weights {
                list.require(weight >= 0 && weight.isFinite, "\(prefix).blur.\(kind).weight", "must be a number ≥ 0, got \(weight)")
            }
            if blur.probability > 0 {
                list.require(weights.contains { $0.1 > 0 }, "\(prefix).blur", "probability is \(blur.probability) but every kind has weight 0")
            }
            // SPARNetHDDegradation draws the kinds in use equally likely, as the released OneOf.
            let used = weights.filter { $0.1 > 0 }
            list.require(used.allSatisfy { $0.1 == used.first?.1 }, "\(prefix).blur",
                         "the blur kinds are drawn equally likely: give the ones in use the same weight (others 0), got \(used.map { "\($0.0) \($0.1)" }.joined(separator: ", "))")
            list.require(blur.gaussian.sigma.lowerBound > 0 && blur.gaussian.sigma.upperBound.isFinite, "\(prefix).blur.gaussian.sigma",
                         "must lie within (0, ∞), got [\(blur.gaussian.sigma.lowerBound), \(blur.gaussian.sigma.upperBound)]")
            for (kind, settings, smallest) in [("average", blur.average, 1), ("median", blur.median, 1), ("motion", blur.motion, 3)] {
                list.require(settings.kernel.lowerBound >= smallest, "\(prefix).blur.\(kind).kernel",
                             "sides must be at least \(smallest), got [\(settings.kernel.lowerBound), \(settings.kernel.upperBound)]")
            }
            let downsample = degrade.downsample
            list.require(downsample.lowerBound > 0 && downsample.upperBound <= 1, "\(prefix).downsample",
                         "must lie within (0, 1] (LR side / HR side), got [\(downsample.lowerBound), \(downsample.upperBound)]")
            list.probability(degrade.noise.probability, "\(prefix).noise.probability")
            list.require(degrade.noise.sigmaMax >= 0 && degrade.noise.sigmaMax.isFinite, "\(prefix).noise.sigma_max",
                         "must be a number ≥ 0 (0–255 scale), got \(degrade.noise.sigmaMax)")
            list.probability(degrade.noise.perChannelProbability, "\(prefix).noise.per_channel_probability")
            list.probability(degrade.jpeg.probability, "\(prefix).jpeg.probability")
            let quality = degrade.jpeg.quality
            list.require(quality.lowerBound >= 1 && quality.upperBound <= 100, "\(prefix).jpeg.quality",
                         "must lie within [1, 100], got [\(quality.lowerBound), \(quality.upperBound)]")
        }
        list.atLeast(data.workers, 1, "data.workers")
    }

    private func checkTraining(_ list: inout ProblemList) {
        list.atLeast(train.batchSize, 1, "train.batch_size")
        list.atLeast(train.gradientAccumulation, 1, "train.gradient_accumulation")
        if train.batchSize >= 1, train.gradientAccumulation >= 1 {
            list.require(train.batchSize % train.gradientAccumulation == 0, "train.batch_size",
                         "\(train.batchSize) is not a multiple of train.gradient_accumulation \(train.gradientAccumulation)")
        }
        if model == .sparnethd {
            list.require(train.gradientAccumulation == 1, "train.gradient_accumulation",
                         "must be 1 for model sparnethd, which alternates G and D every step; got \(train.gradientAccumulation) (raise the number of ranks instead)")
        }
        list.atLeast(train.epochs, 1, "train.epochs")
        if let steps = train.maxSteps { list.atLeast(steps, 1, "train.max_steps") }
        list.atLeast(train.seed, 0, "train.seed")
        for (key, rate) in [("train.generator_lr", train.generatorLearningRate), ("train.discriminator_lr", train.discriminatorLearningRate)] {
            list.require(rate > 0 && rate.isFinite, key, "must be a positive number, got \(rate)")
        }
        list.require([train.beta1, train.beta2].allSatisfy { $0 >= 0 && $0 < 1 }, "train.betas",
                     "each must lie within [0, 1), got [\(train.beta1), \(train.beta2)]")
        let w = train.lossWeights
        let weights = [("pixel", w.pixel), ("adversarial", w.adversarial), ("feature_matching", w.featureMatching), ("perceptual", w.perceptual)]
        for (name, weight) in weights {
            list.require(weight >= 0 && weight.isFinite, "train.loss_weights.\(name)", "must be a number ≥ 0, got \(weight)")
        }
        switch model {
        case .sparnet:
            list.require(w.pixel > 0, "train.loss_weights.pixel", "must be positive: it is model sparnet's only loss (paper eq. 1)")
            for (name, weight) in weights.dropFirst() where weight != 0 {
                list.add("train.loss_weights.\(name)", "must be 0 for model sparnet, which trains with the pixel loss alone; got \(weight) (use model: sparnethd)")
            }
        case .sparnethd:
            list.require(w.adversarial > 0 || w.featureMatching > 0, "train.loss_weights",
                         "adversarial and feature_matching are both 0, so the discriminator would not affect the generator (paper: 1 and 10)")
        }
        if w.perceptual > 0 {
            list.require(!(train.vggWeights ?? "").isEmpty, "train.vgg_weights",
                         "needed for loss_weights.perceptual \(w.perceptual): the VGG19 weights file")
        }
        if let decay = train.emaDecay {
            list.require(decay > 0 && decay < 1, "train.ema_decay", "must lie within (0, 1) or be null, got \(decay)")
        }
    }
}

/// Problems collected in order.
struct ProblemList {
    var problems: [ConfigurationError] = []

    mutating func add(_ key: String, _ message: String) {
        problems.append(ConfigurationError(key: key, message: message))
    }

    mutating func require(_ condition: Bool, _ key: String, _ message: @autoclosure () -> String) {
        if !condition { add(key, message()) }
    }

    mutating func atLeast(_ value: Int, _ minimum: Int, _ key: String) {
        require(value >= minimum, key, "must be at least \(minimum), got \(value)")
    }

    mutating func probability(_ value: Double, _ key: String) {
        require(value >= 0 && value <= 1, key, "must be a probability within [0, 1], got \(value)")
    }
}
