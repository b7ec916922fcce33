import ArgumentParser
import Collectives
import Configuration
import Foundation
import Kernels
import Networks
import Tensors
import Training

/// What the network workloads build and how their ranks bucket the gradients, from a run
/// configuration: `--config` or, without one, the repository's file for the workload
/// (`Bench.defaultConfigName`), with `--set` applied.
struct BenchModels {
    var generator: SPARNetConfiguration
    var discriminator: DiscriminatorConfiguration
    var pixelLoss: PixelLoss
    var generatorLearningRate: Float
    var discriminatorLearningRate: Float
    var betas: (Float, Float)
    var lossWeights: LossWeights
    var emaDecay: Float
    /// Gradient allreduce bucket size in bytes (`distributed.bucket_mb`).
    var bucketBytes: Int
}

extension Bench.Workload {
    /// The SPARNetHD workloads: their generator preset defaults to sparnetHD.
    var isHD: Bool { [.hdGenerator, .hdDiscriminator, .vgg, .hdStep].contains(self) }
}

extension Bench {
    /// The generator preset the workload runs when no `--config` names one.
    var generatorPreset: String { preset ?? (workload.isHD ? "sparnetHD" : "sparnet") }

    /// The file in Configs/ whose hyperparameters a workload takes when there is no `--config`:
    /// the paper's SPARNet, or SPARNetHD's for the hd-* workloads.
    var defaultConfigName: String { workload.isHD ? "sparnethd-ffhq.yaml" : "sparnet-celeba.yaml" }

    /// `--config`, or the workload's file in the repository's Configs/ with `--preset` in place
    /// of its generator (and the tiny discriminator for the tiny generator); then `--set` and
    /// `--pixel-loss`.
    func models() throws -> BenchModels {
        var overrides = runConfiguration.overrides
        let path: String
        if let config = runConfiguration.config {
            path = config
        } else {
            path = try Self.repositoryConfig(defaultConfigName)
            if let preset {
                overrides.insert("generator={preset: \(preset)}", at: 0)
                if workload.isHD { overrides.insert("discriminator={preset: \(preset == "tiny" ? "tiny" : "sparnetHD")}", at: 1) }
            }
        }
        if let pixelLoss { overrides.append("train.pixel_loss=\(pixelLoss.rawValue)") }
        let run: RunConfiguration
        do {
            run = try RunConfiguration.load(yamlPath: path, overrides: overrides)
        } catch {
            let message = "\(error)"
            throw ValidationError(message.hasPrefix(path) ? message : "--config \(path): \(message)")
        }
        let t = run.train
        return BenchModels(generator: run.generator.architecture,
                           discriminator: run.discriminatorArchitecture
                               ?? DiscriminatorSettings().architecture(imageSize: run.generator.architecture.outputSize),
                           pixelLoss: t.pixelLoss, generatorLearningRate: Float(t.generatorLearningRate),
                           discriminatorLearningRate: Float(t.discriminatorLearningRate),
                           betas: (Float(t.beta1), Float(t.beta2)), lossWeights: t.lossWeights,
                           emaDecay: Float(t.effectiveEMADecay),
                           bucketBytes: Int(run.distributed.bucketMegabytes * 1_048_576))
    }

    /// `Configs/name` of the repository this executable was built in (a directory above it, as
    /// `.build/release/sparnet-dist` is), else of the current directory.
    static func repositoryConfig(_ name: String) throws -> String {
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
        var directories: [URL] = []
        var directory = executable.deletingLastPathComponent()
        while directory.pathComponents.count > 1 {
            directories.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        directories.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        for directory in directories {
            let path = directory.appendingPathComponent("Configs").appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw ValidationError("""
            without --config this workload takes its hyperparameters from Configs/\(name), which is in no directory \
            above \(executable.path) nor in the current directory; pass --config FILE
            """)
    }

    /// The median of the allreduce waits after the warm-up step.
    private func medianWait(_ waits: [Double]) -> Double {
        let timed = waits.dropFirst().sorted()
        return timed[timed.count / 2]
    }

    /// Ranks of this job: MPI's under mpirun (the data-parallel workloads), else one.
    private func makeCommunicator() -> any Communicator {
        MPICommunicator.isLaunchedByMPI ? MPICommunicator() : LocalCommunicator()
    }

    /// Times `body` with a 2048² sgemm after each repetition (the ceiling under the same load)
    /// and prints, on rank 0, one figure: seconds, GFLOP/s of `flops` per repetition (over all
    /// ranks), the ceiling (over all ranks: every rank runs its own sgemm at the same time),
    /// images per second, and `extra`.
    func reportNetwork(_ body: () -> Void, flops: Double, images: Int, communicator: any Communicator = LocalCommunicator(),
                       fields: [String: String] = [:], extra: (Measurement) -> [String: Any] = { _ in [:] }) {
        let square = SquareSgemm(size: 2048)
        let (seconds, ceiling) = measure(repeats, body, alongside: square.run)
        let ranks = Double(communicator.size)
        let ceilingFlops = ranks * square.flops / ceiling.median
        guard communicator.isCoordinator else { return }
        var common = commonFields.merging(fields) { $1 }
        common["figure"] = workload.rawValue
        common["ranks"] = "\(communicator.size)"
        report(common, seconds, flops: ranks * flops, images: communicator.size * images,
               extra: ["sgemm_ceiling_gflops": ceilingFlops / 1e9,
                       "fraction_of_ceiling": ranks * flops / seconds.median / ceilingFlops].merging(extra(seconds)) { $1 })
    }

    /// `generator-forward` and `generator-train`; the latter data-parallel under mpirun
    /// (`--batch` per rank), reporting the share of the step spent waiting for the allreduce.
    func runGenerator() throws {
        let models = try models()
        let fields = ["preset": runConfiguration.config == nil ? generatorPreset : "config"]
        if workload == .generatorForward {
            let network = try SPARNet(models.generator, batch: batch, seed: 1, trainable: false,
                                      convolution: convolution.options)
            fillUniform(network.memory.values(network.input))
            let flops = network.convolutionFlops
            reportNetwork({ network.forward(training: false) }, flops: flops, images: batch,
                          fields: fields.merging(["parameters": "\(network.memory.parameterCount)"]) { $1 }) { _ in
                ["forward_gflop_per_image": flops / Double(batch) / 1e9]
            }
            if profile { reportLayerProfile(network, fields: fields) }
            return
        }
        let communicator = makeCommunicator()
        defer { communicator.finalize() }
        let trainer = try SPARNetTrainer(configuration: models.generator, batchPerRank: batch,
                                         learningRate: models.generatorLearningRate, betas: models.betas,
                                         pixelLoss: models.pixelLoss, synchronizedBatchNorm: false,
                                         bucketBytes: models.bucketBytes, communicator: communicator, seed: 1,
                                         convolution: convolution.options)
        let network = trainer.network
        fillUniform(trainer.target)
        fillUniform(network.memory.values(network.input))
        var waits: [Double] = []
        waits.reserveCapacity(repeats + 1)   // no allocation inside the timed steps
        let flops = network.convolutionFlops
        reportNetwork({ waits.append(trainer.step().communicationWaitSeconds) }, flops: 3 * flops, images: batch,
                      communicator: communicator,
                      fields: fields.merging(["parameters": "\(network.memory.parameterCount)"]) { $1 }) { seconds in
            let wait = medianWait(waits)
            return ["forward_gflop_per_image": flops / Double(batch) / 1e9, "global_batch": communicator.size * batch,
                    "bucket_mb": Double(models.bucketBytes) / 1_048_576,
                    "median_allreduce_wait_s": wait, "allreduce_wait_fraction": wait / seconds.median]
        }
    }

    /// `hd-generator`: forward (training mode), pixel L1 loss, backward; no optimizer.
    func runGeneratorGradient() throws {
        let models = try models()
        let network = try SPARNet(models.generator, batch: batch, seed: 1, convolution: convolution.options)
        let memory = network.memory
        let target = Arena(count: network.output.count)
        fillUniform(target)
        fillUniform(memory.values(network.input))
        let output = network.output
        let flops = network.convolutionFlops
        reportNetwork({
            network.forward(training: true)
            memory.zeroGradients()
            l1LossBackward(input: memory.value(output), target: target.base, count: output.count,
                           weight: 1, inputGradient: memory.gradient(network.output), targetGradient: nil)
            network.backward()
        }, flops: 3 * flops, images: batch, fields: ["preset": runConfiguration.config == nil ? generatorPreset : "config",
                                                     "parameters": "\(memory.parameterCount)"]) { _ in
            ["forward_gflop_per_image": flops / Double(batch) / 1e9]
        }
    }

    /// `hd-discriminator`: forward on one batch, then backward from every scale's hinge score
    /// and feature-matching L1 terms down to the input and the parameters (the generator
    /// update's use; the discriminator's own update backs up from the scores only).
    func runDiscriminator() throws {
        let models = try models()
        let network = try MultiScaleDiscriminator(models.discriminator, batch: batch, seed: 1,
                                                  convolution: convolution.options)
        let memory = network.memory
        fillUniform(memory.values(network.input))
        let features = network.scales.flatMap(\.features)
        let zeros = Arena(count: features.map(\.count).max() ?? 1)
        let flops = network.convolutionFlops
        reportNetwork({
            network.forward(training: true)
            memory.zeroGradients()
            for scale in network.scales {
                generatorHingeLossBackward(count: scale.score.count, weight: 1,
                                           scoresGradient: memory.gradient(scale.score))
                for feature in scale.features {
                    l1LossBackward(input: memory.value(feature), target: zeros.base, count: feature.count,
                                   weight: 1, inputGradient: memory.gradient(feature),
                                   targetGradient: nil)
                }
            }
            network.backward()
        }, flops: 3 * flops, images: batch, fields: ["parameters": "\(memory.parameterCount)"])
    }

    /// `vgg`: the perceptual loss at the generator's output size (random VGG19 weights: the
    /// cost does not depend on them): target and input features, backward to the input.
    func runPerceptual() throws {
        let models = try models()
        let size = models.generator.outputSize
        let loss = PerceptualLoss(batch: batch, height: size, width: size, convolution: convolution.options)
        let input = Arena(count: loss.imageCount), target = Arena(count: loss.imageCount)
        let inputGradient = Arena(count: loss.imageCount)
        fillUniform(input)
        fillUniform(target)
        // Two forwards (target, input) and the input gradient (no weight gradients): 3×.
        let flops = 3 * loss.network.convolutionFlops
        reportNetwork({
            loss.forward(input: input.base, target: target.base)
            loss.backward(inputGradient: inputGradient.base)
        }, flops: flops, images: batch, fields: ["size": "\(size)"])
    }

    /// `hd-step`: one whole SPARNetHD step, data-parallel under mpirun; also seconds per image.
    func runHDStep() throws {
        let models = try models()
        let communicator = makeCommunicator()
        defer { communicator.finalize() }
        let size = models.generator.outputSize
        // Random VGG19 weights in the layout the trainer loads (the cost does not depend on them).
        let vgg = VGG19(batch: 1, height: 32, width: 32, seed: 1)
        let vggState = Dictionary(uniqueKeysWithValues: vgg.memory.exportState().map { ($0.key, $0.tensor) })
        let trainer = try SPARNetHDTrainer(
            generator: models.generator, discriminator: models.discriminator, batchPerRank: batch,
            generatorLearningRate: models.generatorLearningRate, discriminatorLearningRate: models.discriminatorLearningRate,
            betas: models.betas, weights: models.lossWeights, emaDecay: models.emaDecay,
            vggState: models.lossWeights.perceptual > 0 ? vggState : nil, bucketBytes: models.bucketBytes,
            communicator: communicator, seed: 1, convolution: convolution.options)
        fillUniform(trainer.target)
        let input = trainer.input
        var random = SystemRandomNumberGenerator()
        for i in input.indices { input[i] = Float.random(in: -1...1, using: &random) }
        // G forward + backward (3×), D forward on real, detached fake and fake (3×1) and two
        // backwards from the fake copies plus one from real (3×2), VGG two forwards + input
        // gradient (3×).
        let g = trainer.generator.convolutionFlops, d = trainer.discriminatorOnReal.convolutionFlops
        let p = (trainer.perceptual?.network.convolutionFlops ?? 0) * 3
        let flops = 3 * g + 9 * d + p
        var waits: [Double] = []
        waits.reserveCapacity(repeats + 1)   // no allocation inside the timed steps
        reportNetwork({ waits.append(trainer.step().communicationWaitSeconds) }, flops: flops, images: batch,
                      communicator: communicator, fields: ["size": "\(size)"]) { seconds in
            let wait = medianWait(waits)
            return ["seconds_per_image": seconds.median / Double(communicator.size * batch),
                    "global_batch": communicator.size * batch, "generator_parameters": trainer.generator.memory.parameterCount,
                    "discriminator_parameters": trainer.discriminatorOnReal.memory.parameterCount,
                    "bucket_mb": Double(models.bucketBytes) / 1_048_576,
                    "median_allreduce_wait_s": wait, "allreduce_wait_fraction": wait / seconds.median]
        }
    }
}

extension Bench {
    /// The forward of `network` layer by layer: each layer's median over the repetitions,
    /// summed over the layers of one kind (a conv's geometry and path, else the layer's type
    /// and output shape), one JSON line per kind, slowest first. The sum of the medians is
    /// close to, not equal to, the whole forward's median.
    func reportLayerProfile(_ network: some Network, fields: [String: String]) {
        let pass = network.memory.pass(training: false)
        var seconds = Array(repeating: [Double](), count: network.layers.count)
        for repetition in 0...repeats {
            for (index, layer) in network.layers.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                layer.forward(pass)
                // The first run warms up (as `measure` does).
                if repetition > 0 { seconds[index].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            }
        }
        var kinds: [String: (seconds: Double, layers: Int, flops: Double)] = [:]
        for (index, layer) in network.layers.enumerated() {
            var figures = kinds[profileKind(layer), default: (0, 0, 0)]
            figures.seconds += seconds[index].sorted()[repeats / 2]
            figures.layers += 1
            figures.flops += (layer as? any ConvolutionCost)?.forwardFlops ?? 0
            kinds[profileKind(layer)] = figures
        }
        let total = kinds.values.reduce(0) { $0 + $1.seconds }
        for (kind, figures) in kinds.sorted(by: { $0.value.seconds > $1.value.seconds }) {
            var object: [String: Any] = commonFields.merging(fields) { $1 }
            object["figure"] = "layer-profile"
            object["layer"] = kind
            object["layers"] = figures.layers
            object["median_s"] = figures.seconds
            object["share"] = figures.seconds / total
            if figures.flops > 0 { object["gflops"] = figures.flops / figures.seconds / 1e9 }
            printJSONLine(object)
        }
    }

    private func profileKind(_ layer: any Layer) -> String {
        switch layer {
        case let conv as ConvLayer: "\(conv.geometry)"
        case let conv as Convolution: "\(conv.geometry)"
        default: "\(type(of: layer)) → \(layer.featureMaps.last.map { "\($0)" } ?? "")"
        }
    }
}
