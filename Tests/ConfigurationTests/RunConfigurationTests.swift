import Foundation
import Networks
import Testing
import TestSupport
import Configuration
import Datasets

/// The files in Configs/, found from the repository root.
let configurationFiles: [String] = {
    let directory = Fixtures.repositoryRoot.appendingPathComponent("Configs")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
}()

@Suite struct RunConfigurationTests {
    @Test func configsDirectoryHasTheFourFiles() {
        let names = configurationFiles.map { URL(fileURLWithPath: $0).lastPathComponent }
        #expect(Set(["sparnet-celeba.yaml", "sparnethd-ffhq.yaml", "quickstart.yaml", "debug.yaml"]).isSubset(of: Set(names)))
    }

    @Test(arguments: configurationFiles)
    func everyConfigLoadsAndValidates(path: String) throws {
        let configuration = try RunConfiguration.load(yamlPath: path)
        #expect(configuration.problems().isEmpty)
    }

    @Test(arguments: configurationFiles)
    func resolvedYAMLAndJSONReadBackEqual(path: String) throws {
        let configuration = try RunConfiguration.load(yamlPath: path)
        #expect(try RunConfiguration(yaml: configuration.resolvedYAML()) == configuration)
        #expect(try RunConfiguration(yaml: configuration.resolvedJSON()) == configuration)
        // The JSON form also decodes with Foundation's decoder, as a checkpoint reader would.
        let data = Data(try configuration.resolvedJSON().utf8)
        #expect(try JSONDecoder().decode(RunConfiguration.self, from: data) == configuration)
    }

    @Test func roundTripKeepsUnusualValues() throws {
        var configuration = RunConfiguration()
        configuration.generator = GeneratorSettings(preset: "tiny")!
        configuration.generator.architecture.activation = .prelu
        configuration.generator.architecture.attention = .spatial3d
        configuration.data.train = ["a/x-*.h5", "b/y 1.h5", "1e5", "null", "auto"]
        configuration.data.degrade = DegradationSettings()
        configuration.data.degrade!.blur.motion.weight = 0
        configuration.data.degrade!.noise.sigmaMax = 0.1 + 0.2
        configuration.train.generatorLearningRate = 1.0e-5
        configuration.train.beta1 = 0.1 + 0.2
        configuration.train.maxSteps = 7
        configuration.train.vggWeights = "weights/vgg 19.h5"
        configuration.distributed.blasThreads = .count(3)
        configuration.checkpoint.everyMinutes = 2.5
        let yaml = try configuration.resolvedYAML()
        #expect(try RunConfiguration(yaml: yaml) == configuration, "\(yaml)")
        #expect(try RunConfiguration(yaml: configuration.resolvedJSON()) == configuration)
        #expect(yaml.contains("generator_lr: 1e-05"), "numbers are written in their shortest form")
    }

    @Test func resolvedYAMLListsEveryKeyInDesignOrder() throws {
        let yaml = try RunConfiguration().resolvedYAML()
        let topLevel = yaml.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map { $0.split(separator: ":")[0] }
        #expect(topLevel == ["model", "generator", "discriminator", "data", "train", "distributed", "checkpoint", "log"])
        for key in ["max_steps: null", "ema_decay: null", "betas: [0.9, 0.99]", "blas_threads: auto", "scale: [1.0, 1.3]"] {
            #expect(yaml.contains(key), "\(key) in\n\(yaml)")
        }
    }

    @Test func emptyFileGivesThePapersSPARNet() throws {
        let configuration = try RunConfiguration(yaml: "")
        #expect(configuration == RunConfiguration())
        #expect(configuration.model == .sparnet)
        #expect(configuration.generator.architecture == .sparnet)
        #expect(configuration.discriminator == nil)
        #expect(configuration.data.scaleFactor == 8)
        #expect(configuration.data.degrade == nil)
        #expect(configuration.data.augment == AugmentationSettings())
        #expect(configuration.data.augment.flip && configuration.data.augment.rotate90)
        #expect(configuration.data.augment.scale == 1.0...1.3)
        #expect(configuration.train.batchSize == 64)
        #expect(configuration.train.generatorLearningRate == 2.0e-4)
        #expect(configuration.train.beta1 == 0.9 && configuration.train.beta2 == 0.99)
        #expect(configuration.train.pixelLoss == .l2)
        #expect(configuration.train.lossWeights == LossWeights())
        #expect(try RunConfiguration.load(yamlPath: nil) == configuration)
    }

    @Test func sparnetCelebAIsThePapersSetup() throws {
        let configuration = try RunConfiguration.load(yamlPath: configPath("sparnet-celeba.yaml"))
        #expect(configuration.model == .sparnet)
        #expect(configuration.generator.architecture == .sparnet)
        #expect(configuration.data.scaleFactor == 8)
        #expect(configuration.data.augment == AugmentationSettings())
        #expect(configuration.train.batchSize == 64)
        #expect(configuration.train.generatorLearningRate == 2.0e-4)
        #expect(configuration.train.beta1 == 0.9 && configuration.train.beta2 == 0.99)
        #expect(configuration.train.pixelLoss == .l2)
        #expect(configuration.train.lossWeights == LossWeights())
    }

    @Test func sparnetHDFFHQIsThePapersSetup() throws {
        let configuration = try RunConfiguration.load(yamlPath: configPath("sparnethd-ffhq.yaml"))
        #expect(configuration.model == .sparnethd)
        #expect(configuration.generator.architecture == .sparnetHD)
        #expect(configuration.discriminatorArchitecture == DiscriminatorConfiguration.sparnetHD)
        #expect(configuration.train.batchSize == 2)
        #expect(configuration.train.generatorLearningRate == 1.0e-4)
        #expect(configuration.train.discriminatorLearningRate == 4.0e-4)
        #expect(configuration.train.beta1 == 0.5 && configuration.train.beta2 == 0.99)
        #expect(configuration.train.pixelLoss == .l1)
        #expect(configuration.train.lossWeights == .sparnetHD)
        #expect(configuration.train.emaDecay == 0.999)
        #expect(configuration.data.augment == .none)
        #expect(configuration.data.degrade == DegradationSettings(), "the file spells out the defaults")
        let degrade = try #require(configuration.data.degrade)
        #expect(degrade.grayscaleProbability == 0.3)
        #expect(degrade.downsample == (16.0 / 512)...(128.0 / 512))
        #expect(degrade.blur.motion.kernel == 5...25)
        #expect(degrade.noise.sigmaMax == 0.1 * 255)
    }

    @Test func quickstartAndDebugUseTheTinyGenerator() throws {
        for name in ["quickstart.yaml", "debug.yaml"] {
            let configuration = try RunConfiguration.load(yamlPath: configPath(name))
            #expect(configuration.generator.architecture == .tiny, "\(name)")
            #expect(configuration.data.train == ["data/synthetic-*.h5"], "\(name)")
            #expect((configuration.train.maxSteps ?? .max) <= 500, "\(name)")
        }
    }

    @Test func aSectionMayGiveOnlySomeKeys() throws {
        let generator = try RunConfiguration(yaml: "generator: {preset: tiny, attention: 3d}")
        var tiny = SPARNetConfiguration.tiny
        tiny.attention = .spatial3d
        #expect(generator.generator.architecture == tiny, "the preset's fields, then the file's")
        #expect(generator.generator.preset == "tiny")

        let yaml = """
        model: sparnethd
        discriminator: {layers: 3}
        data:
          degrade:
            blur: {motion: {weight: 0}}
        train: {loss_weights: {adversarial: 1}}
        """
        let configuration = try RunConfiguration(yaml: yaml)
        var discriminator = DiscriminatorSettings()
        discriminator.architecture.layerCount = 3
        #expect(configuration.discriminator == discriminator)
        #expect(configuration.discriminatorArchitecture?.inputHeight == 128, "sized for the generator's output")
        var blur = BlurSettings()
        blur.motion.weight = 0
        #expect(configuration.data.degrade?.blur == blur, "the motion kernel keeps its own default [5, 25]")
        #expect(configuration.train.lossWeights.pixel == 1)
        #expect(configuration.train.lossWeights.adversarial == 1)
        #expect(configuration.train.batchSize == 64)
    }

    @Test func nullSectionsAndOptionals() throws {
        let configuration = try RunConfiguration(yaml: "train:\ndata: {degrade: null}\ncheckpoint: {every_minutes: ~}\n")
        #expect(configuration == RunConfiguration())
        let single = try RunConfiguration(yaml: "data: {train: data/one-*.h5}")
        #expect(single.data.train == ["data/one-*.h5"], "one glob may be written as a string")
    }

    @Test func overridesSetNestedValuesAndLists() throws {
        let configuration = try RunConfiguration.load(yamlPath: configPath("sparnet-celeba.yaml"), overrides: [
            "train.betas=[0.5, 0.999]",
            "train.batch_size=32",
            "train.loss_weights.pixel=2.5",
            "data.train=[\"data/a-*.h5\", data/b.h5]",
            "data.augment.scale=[1.0, 1.1]",
            "generator.attention=3d",
            "distributed.blas_threads=2",
            "train.max_steps=1000",
            "train.max_steps=null",
            "log.tensorboard=false",
        ])
        #expect(configuration.train.beta1 == 0.5 && configuration.train.beta2 == 0.999)
        #expect(configuration.train.batchSize == 32)
        #expect(configuration.train.lossWeights.pixel == 2.5)
        #expect(configuration.data.train == ["data/a-*.h5", "data/b.h5"])
        #expect(configuration.data.augment.scale == 1.0...1.1)
        #expect(configuration.data.augment.flip, "the rest of the section stays")
        #expect(configuration.generator.architecture.attention == .spatial3d)
        #expect(configuration.generator.architecture.residualDepth == 10)
        #expect(configuration.distributed.blasThreads == .count(2))
        #expect(configuration.train.maxSteps == nil, "the last override wins; null clears")
        #expect(configuration.log.tensorboard == false)
    }

    @Test func overridesCreateMissingSections() throws {
        let configuration = try RunConfiguration(yaml: "", overrides: [
            "model=sparnethd", "discriminator.preset=tiny", "discriminator.scales=2", "generator.preset=tiny",
            "data.degrade.noise.probability=0.5", "train.loss_weights={pixel: 100, adversarial: 1}",
        ])
        var discriminator = try #require(DiscriminatorSettings(preset: "tiny"))
        discriminator.architecture.scaleCount = 2
        #expect(configuration.discriminator == discriminator)
        var degrade = DegradationSettings()
        degrade.noise.probability = 0.5
        #expect(configuration.data.degrade == degrade)
        #expect(configuration.train.lossWeights.pixel == 100 && configuration.train.lossWeights.adversarial == 1)
    }

    @Test func microBatchDividesTheGlobalBatch() throws {
        var train = TrainingSettings()
        train.batchSize = 64
        train.gradientAccumulation = 2
        #expect(try train.microBatchSize(worldSize: 4) == 8)
        #expect(try train.microBatchSize(worldSize: 1) == 32)
        #expect(throws: ConfigurationError.self) { try train.microBatchSize(worldSize: 3) }
        do {
            _ = try train.microBatchSize(worldSize: 3)
        } catch let error as ConfigurationError {
            #expect(error.description == "train.batch_size: 64 does not divide into 3 ranks × 2 accumulation steps; use a multiple of 6")
        }
    }
}

func configPath(_ name: String) -> String {
    Fixtures.repositoryRoot.appendingPathComponent("Configs").appendingPathComponent(name).path
}
