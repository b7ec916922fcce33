import Foundation
import Testing
import TestSupport
import Configuration

/// A configuration that must be rejected, and the one line that says why.
struct RejectedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let yaml: String
    var overrides: [String] = []
    let expected: String
    var testDescription: String { name }
}

let trainKeys = "batch_size, epochs, max_steps, seed, pixel_loss, generator_lr, discriminator_lr, betas, loss_weights, ema_decay, vgg_weights, on_nonfinite, gradient_accumulation"

let rejectedCases: [RejectedCase] = [
    // Unknown keys, at every depth, in the file and in --set.
    RejectedCase(name: "unknown top-level key", yaml: "modle: sparnet",
                 expected: "x.yaml: modle: unknown key (did you mean model?); the top level allows model, generator, discriminator, data, train, distributed, checkpoint, log"),
    RejectedCase(name: "unknown nested key", yaml: "train: {batchsize: 32}",
                 expected: "x.yaml: train.batchsize: unknown key (did you mean batch_size?); train allows \(trainKeys)"),
    RejectedCase(name: "unknown deeply nested key", yaml: "data: {degrade: {blur: {motion: {kernal: [5, 9]}}}}",
                 expected: "x.yaml: data.degrade.blur.motion.kernal: unknown key (did you mean kernel?); data.degrade.blur.motion allows weight, kernel"),
    RejectedCase(name: "unknown key without a close match", yaml: "log: {colour: true}",
                 expected: "x.yaml: log.colour: unknown key; log allows every_steps, images_every_steps, tensorboard"),
    RejectedCase(name: "short unknown key gets no far-fetched suggestion", yaml: "lr: 0.1",
                 expected: "x.yaml: lr: unknown key; the top level allows model, generator, discriminator, data, train, distributed, checkpoint, log"),
    RejectedCase(name: "unknown key in --set", yaml: "", overrides: ["train.learning_rate=1e-3"],
                 expected: "--set train.learning_rate: unknown key; train allows \(trainKeys)"),
    RejectedCase(name: "unknown nested key in --set", yaml: "", overrides: ["train.loss_weights.gan=1"],
                 expected: "--set train.loss_weights.gan: unknown key; train.loss_weights allows pixel, adversarial, feature_matching, perceptual"),

    // Wrong types.
    RejectedCase(name: "string for an integer", yaml: "train: {batch_size: lots}",
                 expected: "x.yaml: train.batch_size: expected an integer, got \"lots\""),
    RejectedCase(name: "fraction for an integer", yaml: "train: {epochs: 2.5}",
                 expected: "x.yaml: train.epochs: expected an integer, got \"2.5\""),
    RejectedCase(name: "string for a number", yaml: "train: {generator_lr: fast}",
                 expected: "x.yaml: train.generator_lr: expected a number, got \"fast\""),
    RejectedCase(name: "list for a flag", yaml: "data: {augment: {flip: [true]}}",
                 expected: "x.yaml: data.augment.flip: expected true or false, got [true]"),
    RejectedCase(name: "one beta", yaml: "train: {betas: [0.5]}",
                 expected: "x.yaml: train.betas: expected a list [beta1, beta2] of two numbers, got [0.5]"),
    RejectedCase(name: "range the wrong way round", yaml: "data: {augment: {scale: [1.3, 1.0]}}",
                 expected: "x.yaml: data.augment.scale: expected [low, high] with low ≤ high, got [1.3, 1.0]"),
    RejectedCase(name: "scalar for a section", yaml: "checkpoint: 5",
                 expected: "x.yaml: checkpoint: expected a mapping with keys every_steps, every_minutes, keep, keep_best, got \"5\""),
    RejectedCase(name: "wrong type in --set", yaml: "", overrides: ["train.seed=abc"],
                 expected: "--set train.seed: expected an integer, got \"abc\""),
    RejectedCase(name: "word for blas_threads", yaml: "distributed: {blas_threads: many}",
                 expected: "x.yaml: distributed.blas_threads: expected auto or a thread count, got \"many\""),

    // Enumerations list what they allow.
    RejectedCase(name: "bad model", yaml: "model: sparnet-hd",
                 expected: "x.yaml: model: \"sparnet-hd\" is not one of sparnet, sparnethd"),
    RejectedCase(name: "bad norm", yaml: "generator: {norm: group}",
                 expected: "x.yaml: generator.norm: \"group\" is not one of batch, instance, none"),
    RejectedCase(name: "bad attention in --set", yaml: "", overrides: ["generator.attention=4d"],
                 expected: "--set generator.attention: \"4d\" is not one of 2d, 3d, none"),
    RejectedCase(name: "bad preset", yaml: "generator: {preset: huge}",
                 expected: "x.yaml: generator.preset: \"huge\" is not one of sparnet, sparnetHD, tiny"),
    RejectedCase(name: "bad pixel loss", yaml: "train: {pixel_loss: l3}",
                 expected: "x.yaml: train.pixel_loss: \"l3\" is not one of l1, l2"),
    RejectedCase(name: "list for an enumeration", yaml: "data: {feed: [shards]}",
                 expected: "x.yaml: data.feed: expected one of shards, coordinator, got [shards]"),

    // Out of range.
    RejectedCase(name: "zero batch", yaml: "train: {batch_size: 0}",
                 expected: "x.yaml: train.batch_size: must be at least 1, got 0"),
    RejectedCase(name: "negative learning rate", yaml: "train: {generator_lr: -1e-4}",
                 expected: "x.yaml: train.generator_lr: must be a positive number, got -0.0001"),
    RejectedCase(name: "beta of 1 in --set", yaml: "", overrides: ["train.betas=[0.5, 1.0]"],
                 expected: "--set train.betas: each must lie within [0, 1), got [0.5, 1.0]"),
    RejectedCase(name: "keep zero", yaml: "checkpoint: {keep: 0}",
                 expected: "x.yaml: checkpoint.keep: must be at least 1, got 0"),
    RejectedCase(name: "probability above 1", yaml: "data: {degrade: {noise: {probability: 1.5}}}",
                 expected: "x.yaml: data.degrade.noise.probability: must be a probability within [0, 1], got 1.5"),
    RejectedCase(name: "JPEG quality above 100", yaml: "data: {degrade: {jpeg: {quality: [50, 120]}}}",
                 expected: "x.yaml: data.degrade.jpeg.quality: must lie within [1, 100], got [50, 120]"),
    RejectedCase(name: "EMA decay of 1", yaml: "train: {ema_decay: 1.0}",
                 expected: "x.yaml: train.ema_decay: must lie within (0, 1) or be null, got 1.0"),
    RejectedCase(name: "not a number", yaml: "train: {discriminator_lr: .nan}",
                 expected: "x.yaml: train.discriminator_lr: must be a positive number, got nan"),

    // Combinations.
    RejectedCase(name: "sparnethd without a discriminator", yaml: "model: sparnethd\ntrain: {loss_weights: {adversarial: 1}}",
                 expected: "x.yaml: discriminator: model sparnethd needs one, e.g. discriminator: {preset: sparnetHD}"),
    RejectedCase(name: "sparnet with a discriminator", yaml: "discriminator: {}",
                 expected: "x.yaml: discriminator: model sparnet trains no discriminator; remove the section or set model: sparnethd"),
    RejectedCase(name: "perceptual loss without VGG weights", yaml: "model: sparnethd\ngenerator: {preset: sparnetHD}\ndiscriminator: {}\ntrain: {loss_weights: {adversarial: 1, perceptual: 1}}",
                 expected: "x.yaml: train.vgg_weights: needed for loss_weights.perceptual 1.0: the VGG19 weights file"),
    RejectedCase(name: "sparnethd whose discriminator cannot act", yaml: "model: sparnethd\ngenerator: {preset: sparnetHD}\ndiscriminator: {}",
                 expected: "x.yaml: train.loss_weights: adversarial and feature_matching are both 0, so the discriminator would not affect the generator (paper: 1 and 10)"),
    RejectedCase(name: "adversarial loss on sparnet", yaml: "", overrides: ["train.loss_weights.adversarial=1"],
                 expected: "--set train.loss_weights.adversarial: must be 0 for model sparnet, which trains with the pixel loss alone; got 1.0 (use model: sparnethd)"),
    RejectedCase(name: "scale factor that does not divide", yaml: "data: {scale_factor: 3}",
                 expected: "x.yaml: data.scale_factor: 3 does not divide generator.output_size 128, so the LR side would not be whole"),
    RejectedCase(name: "batch not a multiple of accumulation", yaml: "train: {batch_size: 10, gradient_accumulation: 4}",
                 expected: "x.yaml: train.batch_size: 10 is not a multiple of train.gradient_accumulation 4"),
    // Checks the training loop made itself before they moved here (one validator).
    RejectedCase(name: "sparnethd with gradient accumulation", yaml: "model: sparnethd\ngenerator: {preset: sparnetHD}\ndiscriminator: {}\ntrain: {loss_weights: {adversarial: 1}, batch_size: 4, gradient_accumulation: 2}",
                 expected: "x.yaml: train.gradient_accumulation: must be 1 for model sparnethd, which alternates G and D every step; got 2 (raise the number of ranks instead)"),
    RejectedCase(name: "blur kinds of unequal weight", yaml: "data: {degrade: {blur: {motion: {weight: 2}}}}",
                 expected: "x.yaml: data.degrade.blur: the blur kinds are drawn equally likely: give the ones in use the same weight (others 0), got gaussian 1.0, average 1.0, median 1.0, motion 2.0"),
    RejectedCase(name: "gaussian sigma of 0", yaml: "data: {degrade: {blur: {gaussian: {sigma: [0, 3]}}}}",
                 expected: "x.yaml: data.degrade.blur.gaussian.sigma: must lie within (0, ∞), got [0.0, 3.0]"),
    RejectedCase(name: "JPEG quality out of range", yaml: "data: {degrade: {jpeg: {quality: [0, 50]}}}",
                 expected: "x.yaml: data.degrade.jpeg.quality: must lie within [1, 100], got [0, 50]"),
    RejectedCase(name: "blur probability below 0", yaml: "data: {degrade: {blur: {probability: -0.1}}}",
                 expected: "x.yaml: data.degrade.blur.probability: must be a probability within [0, 1], got -0.1"),
    RejectedCase(name: "LR side above the HR side", yaml: "data: {degrade: {downsample: [0.5, 1.5]}}",
                 expected: "x.yaml: data.degrade.downsample: must lie within (0, 1] (LR side / HR side), got [0.5, 1.5]"),
    RejectedCase(name: "generator architecture", yaml: "generator: {input_size: 96}",
                 expected: "x.yaml: generator.input_size: 96 is not a power-of-two multiple of min_feature_size 16"),
    RejectedCase(name: "discriminator too deep for its input", yaml: "model: sparnethd\ndiscriminator: {}\ntrain: {loss_weights: {adversarial: 1}}",
                 expected: "x.yaml: discriminator.scales: scale 2 sees a height of 32, which 4 stride-2 layers reduce to 2, below the 3 the unpadded 3×3 score conv needs; use fewer scales (at most 2) or a larger input"),

    // Malformed --set and YAML.
    RejectedCase(name: "--set without =", yaml: "", overrides: ["train.batch_size"],
                 expected: "--set: \"train.batch_size\": expected key=value, e.g. train.betas=[0.5, 0.99]"),
    RejectedCase(name: "--set with an empty key", yaml: "", overrides: ["=3"],
                 expected: "--set: \"=3\": the key must be dot-separated names, e.g. train.batch_size=32"),
    RejectedCase(name: "--set with an empty name", yaml: "", overrides: ["train..seed=3"],
                 expected: "--set: \"train..seed=3\": the key must be dot-separated names, e.g. train.batch_size=32"),
    RejectedCase(name: "--set without a value", yaml: "", overrides: ["train.seed="],
                 expected: "--set train.seed: no value after \"=\" (write null to clear an optional value)"),
    RejectedCase(name: "--set with an unclosed list", yaml: "", overrides: ["train.betas=[0.5, 0.99"],
                 expected: "--set train.betas: the value [0.5, 0.99 is not valid YAML (2:1: error: parser: while parsing a flow sequence in line 1, column 1); quote it, e.g. train.betas='[0.5, 0.99'"),
    RejectedCase(name: "--set below a value", yaml: "train: {seed: 1}", overrides: ["train.seed.low=3"],
                 expected: "--set train.seed: holds a value, not a section, so train.seed.low cannot be set"),
    RejectedCase(name: "file that is not YAML", yaml: "train: [1, 2",
                 expected: "x.yaml: not valid YAML: 2:1: error: parser: while parsing a flow sequence in line 1, column 8"),
    RejectedCase(name: "duplicate key", yaml: "train:\n  seed: 1\n  seed: 2\n",
                 expected: "x.yaml: not valid YAML: Parser: expected all keys to be unique but found the following duplicated key(s): 'seed'."),
    RejectedCase(name: "a list as a key", yaml: "train:\n  ? [a, b]\n  : 1\n",
                 expected: "x.yaml: train: keys must be plain names, found a list used as a key"),
]

@Suite struct ConfigurationErrorTests {
    @Test(arguments: rejectedCases)
    func rejectedWithOneLineNamingTheKey(_ rejected: RejectedCase) {
        do {
            let configuration = try RunConfiguration(yaml: rejected.yaml, overrides: rejected.overrides, file: "x.yaml")
            Issue.record("accepted: \(configuration)")
        } catch let error as ConfigurationError {
            #expect(error.description == rejected.expected)
            #expect(!error.description.contains("\n"), "one line")
        } catch {
            Issue.record("not a ConfigurationError: \(error)")
        }
    }

    @Test func loadNamesTheFile() throws {
        let directory = Fixtures.temporaryDirectory("configuration")
        let path = directory + "/bad.yaml"
        try "train:\n  batch_size: -4\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError(key: "train.batch_size", message: "must be at least 1, got -4", origin: .file(path))) {
            try RunConfiguration.load(yamlPath: path)
        }
        #expect(throws: ConfigurationError.self) { try RunConfiguration.load(yamlPath: directory + "/missing.yaml") }
        do {
            _ = try RunConfiguration.load(yamlPath: directory + "/missing.yaml")
        } catch let error as ConfigurationError {
            #expect(error.description.hasPrefix("\(directory)/missing.yaml: cannot read the configuration file"))
        }
    }

    @Test("A file with no key (empty, comments only) is refused: a mistake, not a request for every default")
    func emptyFileIsRefused() throws {
        let directory = Fixtures.temporaryDirectory("configuration-empty")
        for (name, text) in [("empty.yaml", ""), ("comments.yaml", "# nothing yet\n\n"), ("null.yaml", "~\n")] {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: ConfigurationError(key: "", message: "the configuration file is empty (no key is set); give a configuration such as Configs/quickstart.yaml",
                                               origin: .file(path))) {
                try RunConfiguration.load(yamlPath: path)
            }
        }
        let one = directory + "/one.yaml"
        try "model: sparnet\n".write(toFile: one, atomically: true, encoding: .utf8)
        #expect(try RunConfiguration.load(yamlPath: one).model == .sparnet)
    }

    @Test func problemsListsEveryProblemInKeyOrder() {
        var configuration = RunConfiguration()
        configuration.train.batchSize = 0
        configuration.checkpoint.keep = 0
        configuration.train.beta1 = -0.1
        #expect(configuration.problems().map(\.description) == [
            "train.batch_size: must be at least 1, got 0",
            "train.betas: each must lie within [0, 1), got [-0.1, 0.99]",
            "checkpoint.keep: must be at least 1, got 0",
        ])
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }

    @Test func aValueFromTheFileIsNotBlamedOnAnUnrelatedOverride() {
        #expect(throws: ConfigurationError(key: "train.seed", message: "must be at least 0, got -1", origin: .file("x.yaml"))) {
            try RunConfiguration(yaml: "train: {seed: -1}", overrides: ["train.batch_size=8"], file: "x.yaml")
        }
    }
}
