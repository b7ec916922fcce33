import Collectives
import Configuration
import Foundation
import HDF5
import Kernels
import Networks
import Tensors
import Training

/// Recomputes a training trajectory (`trajectory_sparnet_*.h5`, `trajectory_sparnethd_*.h5`):
/// the released `SPARNetModel` / `SPARNetHDModel` run T steps of `set_input`, `forward`,
/// `optimize_parameters` on the file's batches; we load `init/` into the trainer `train` builds
/// from the same configuration and run the same T steps through it (`Trainer.step`), with the
/// batches as the data (no augmentation, no degradation). Compared: step 0's output and losses
/// (tight: nothing has moved yet), the state after step 0 (tight up to Adam's sign flips), every
/// later step's losses and the final states (against the file's `noise_floor`).
func verifyTrajectory(_ fixture: ReferenceFixture, convolution: ConvolutionOptions = .default,
                      deviations: SPARNetHDTrainer.Deviations = []) throws -> ParityReport {
    var report = ParityReport(file: fixture.path, kind: fixture.kind)
    let hd = fixture.kind == "sparnethd-trajectory"
    let file = fixture.path
    let configuration = try trajectoryConfiguration(fixture, hd: hd)
    let floor = try TrajectoryNoiseFloor(fixture)
    let lowResolution = try fixture.tensor("batches/LR"), highResolution = try fixture.tensor("batches/HR")
    let steps = lowResolution.shape[0], batch = lowResolution.shape[1]
    guard highResolution.shape == lowResolution.shape, lowResolution.shape.rank == 5 else {
        throw HDF5Error(file: file, object: "/batches", "LR \(lowResolution.shape) and HR \(highResolution.shape) are not both [steps, batch, 3, size, size]")
    }
    let trainer: any Trainer
    if hd {
        let hdTrainer = try SPARNetHDTrainer(configuration, batchPerRank: batch, vggState: VGGFixtureWeights.state(),
                                             communicator: LocalCommunicator(), convolution: convolution)
        hdTrainer.deviations = deviations
        trainer = hdTrainer
    } else {
        trainer = try makeTrainer(configuration, microBatch: batch, communicator: LocalCommunicator(),
                                  convolution: convolution)
    }
    let networks = trajectoryNetworks(trainer)
    for (name, memory) in networks {
        do {
            try memory.loadState(try fixture.tensors(inGroup: "init/\(name)"))
        } catch let error as StateMismatchError {
            throw HDF5Error(file: file, object: "/init/\(name)", "does not fit the network:\n  \(error.summary())")
        }
    }
    let sampleCount = lowResolution.values.count / steps
    guard trainer.input.count == sampleCount, trainer.target.count == sampleCount else {
        throw HDF5Error(file: file, object: "/batches/LR", "holds \(sampleCount) values a step, the network takes \(trainer.input.count)")
    }

    let names = trajectoryLossNames(hd: hd)
    var losses = [[Double]](repeating: [], count: names.count)
    for step in 0..<steps {
        lowResolution.values.withUnsafeBufferPointer {
            trainer.input.baseAddress!.update(from: $0.baseAddress! + step * sampleCount, count: sampleCount)
        }
        highResolution.values.withUnsafeBufferPointer {
            trainer.target.base.update(from: $0.baseAddress! + step * sampleCount, count: sampleCount)
        }
        _ = trainer.step()
        let ours = Dictionary(uniqueKeysWithValues: trainer.lossTerms)
        for (index, name) in names.enumerated() { losses[index].append(ours[name.ours]!) }
        if step == 0 {
            let generator = trainer.generator
            report.compare("first_step/SR", Array(generator.memory.values(generator.output)),
                           try fixture.floats("first_step/SR"), relativeToMax: ParityTolerance.forward)
            var first: [(key: String, actual: [Float], expected: [Float])] = []
            for (index, name) in names.enumerated() {
                first.append((name.reference, [Float(losses[index][0])], [Float(try fixture.doubles("losses/\(name.reference)")[0])]))
            }
            report.compareAll("losses at step 0 (\(names.count) terms)", first,
                              relativeToMax: ParityTolerance.forward, globalScale: false)
            for (name, memory) in networks {
                let rule: StateRule = name == "H" ? .tight(relative: emaTolerance)
                    : .firstAdamStep(learningRate: name == "D" ? configuration.train.discriminatorLearningRate
                                                               : configuration.train.generatorLearningRate)
                try compareState(&report, "after_first/\(name)", memory, fixture, parameters: rule)
            }
        }
    }
    for (index, name) in names.enumerated() where steps > 1 {
        let expected = try fixture.doubles("losses/\(name.reference)")
        guard expected.count == steps else {
            throw HDF5Error(file: file, object: "/losses/\(name.reference)", "holds \(expected.count) steps, the batches \(steps)")
        }
        report.compare("losses/\(name.reference) (steps 1–\(steps - 1))", losses[index].dropFirst().map { Float($0) },
                       expected.dropFirst().map { Float($0) }, relativeToMax: noiseFloorMultiplier * floor.lossesRelative)
    }
    for (name, memory) in networks {
        try compareState(&report, "final/\(name)", memory, fixture,
                         parameters: .final(absolute: noiseFloorMultiplier * floor.weightsAbsolute,
                                            relative: min(1, noiseFloorMultiplier * floor.weightsRelative)))
    }
    return report
}

/// The loss names of a trajectory: the reference's `loss_<name>` and ours.
private func trajectoryLossNames(hd: Bool) -> [(reference: String, ours: String)] {
    hd ? [("Pix", "pixel"), ("PCP", "perceptual"), ("FM", "feature_matching"), ("G", "adversarial"), ("D", "discriminator")]
       : [("Pix", "pixel")]
}

/// The networks whose state the file records, by its names: G, and D and H for SPARNetHD.
private func trajectoryNetworks(_ trainer: any Trainer) -> [(name: String, state: NetworkState)] {
    guard let hd = trainer as? SPARNetHDTrainer else { return [("G", trainer.generator.memory.state)] }
    return [("G", hd.generator.memory.state), ("D", hd.discriminatorOnReal.memory.state), ("H", hd.averageGenerator)]
}

/// The run configuration the reference's options describe.
private func trajectoryConfiguration(_ fixture: ReferenceFixture, hd: Bool) throws -> RunConfiguration {
    var configuration = RunConfiguration()
    configuration.model = hd ? .sparnethd : .sparnet
    var generator = try SPARNetConfiguration(fixture: fixture, section: "generator")
    // define_network(..., use_norm='spectral_norm') leaves weight_orig/weight_u/weight_v keys.
    func spectral(_ net: String) throws -> Bool {
        try fixture.file.group("init/\(net)").memberNames().contains { $0.hasSuffix(".weight_orig") }
    }
    generator.spectralNorm = try spectral("G")
    configuration.generator.architecture = generator
    var train = configuration.train
    let betas = fixture.config["betas"] as? [Double] ?? []
    guard betas.count == 2 else { throw HDF5Error(file: fixture.path, object: "config.betas", "is not two numbers") }
    (train.beta1, train.beta2) = (betas[0], betas[1])
    train.pixelLoss = .l1
    if hd {
        let image = Shape([1, 3, generator.outputSize, generator.outputSize])
        let d = try DiscriminatorConfiguration(fixture: fixture, section: "discriminator", inputShape: image)
        var settings = DiscriminatorSettings()
        settings.architecture = d
        settings.architecture.spectralNorm = try spectral("D")
        configuration.discriminator = settings
        train.generatorLearningRate = try fixture.number("g_lr")
        train.discriminatorLearningRate = try fixture.number("d_lr")
        train.emaDecay = try fixture.number("ema_decay")
        train.lossWeights = LossWeights()
        train.lossWeights.pixel = try fixture.number("lambda_pix")
        train.lossWeights.perceptual = try fixture.number("lambda_pcp")
        train.lossWeights.featureMatching = try fixture.number("lambda_fm")
        train.lossWeights.adversarial = try fixture.number("lambda_g")
        if let mode = fixture.config["gan_mode"] as? String, mode != "hinge" {
            throw HDF5Error(file: fixture.path, object: "config.gan_mode", "\"\(mode)\": only the released hinge loss is implemented")
        }
    } else {
        train.generatorLearningRate = try fixture.number("lr")
        train.lossWeights.pixel = try fixture.number("lambda_pix")
    }
    configuration.train = train
    return configuration
}

/// How far the same trajectory moves in PyTorch when only its thread count changes (the file's
/// `noise_floor`, after the last step).
private struct TrajectoryNoiseFloor {
    /// The largest change of any parameter.
    let weightsAbsolute: Double
    /// The largest change of a tensor relative to its largest magnitude.
    let weightsRelative: Double
    /// The largest relative change of a loss.
    let lossesRelative: Double

    init(_ fixture: ReferenceFixture) throws {
        let text = try fixture.file.stringAttribute("noise_floor")
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HDF5Error(file: fixture.path, object: "/ attribute \"noise_floor\"", "is not a JSON object")
        }
        func number(_ key: String) throws -> Double {
            guard let value = object[key] as? NSNumber else {
                throw HDF5Error(file: fixture.path, object: "noise_floor.\(key)", "missing or not a number")
            }
            return value.doubleValue
        }
        weightsAbsolute = try number("weights_abs")
        weightsRelative = try number("weights_rel_to_tensor_max")
        lossesRelative = try number("losses_rel")
    }
}

/// The EMA generator after step 0 is decay·H₀ + (1 − decay)·G₀ of two loaded states: float32
/// rounds it to about an ulp of the tensor's largest magnitude (2⁻²³ relative); 4 ulp. Taking
/// the average after G's update instead moves it by (1 − decay)·lr, 2e-6 of a 0.05 weight.
private let emaTolerance = 4.0 / 8_388_608

/// How the state of one network is judged against `<group>/`.
private enum StateRule {
    /// After step 0 of a trained network: Adam's first step is lr·g/(|g| + ε), within ±lr of
    /// zero whatever g is, so an element whose gradient is rounding noise may land anywhere
    /// within 2·lr of the reference; only a few may (those differing by more than 1e-4 of their
    /// tensor's largest magnitude, `flipFraction`), and none by more than 2·lr.
    case firstAdamStep(learningRate: Double)
    /// A state nothing has drifted in (buffers after step 0; the EMA generator after step 0, an
    /// average of two loaded states): within `relative` of each tensor's largest magnitude.
    case tight(relative: Double)
    /// After the last step: parameters within `absolute`; every element within `relative` of
    /// its tensor's largest magnitude.
    case final(absolute: Double, relative: Double)
}

/// The share of a trained network's elements allowed past 1e-4 of their tensor's largest
/// magnitude after the first step: those whose reference gradient is below our gradients'
/// rounding (≈ 1e-5 of max|g| on the per-network fixtures). Measured on the shared files:
/// 0.005–0.022 %.
private let flipFraction = 1e-3

/// Multiplier of the file's `noise_floor` for what drifts (later losses, final states). The
/// floor is PyTorch against itself with one more thread, which changes few reduction orders;
/// an independent float32 engine changes every rounding, and measured on the shared files
/// it lands at 0.8–14× the floor. 25× leaves room for other seeds; the orderings are
/// checked by the tight lines of step 0, not by these.
private let noiseFloorMultiplier = 25.0

/// One line for the parameters of `memory` and one for its buffers, judged by `rule`
/// (buffers after step 0 always tightly).
private func compareState(_ report: inout ParityReport, _ group: String, _ memory: NetworkState,
                          _ fixture: ReferenceFixture, parameters parameterRule: StateRule) throws {
    let expected = try fixture.tensors(inGroup: group)
    let parameterKeys = Set(memory.parameterLayout.entries.map(\.key))
    var parameters: [(String, [Float], [Float])] = [], buffers: [(String, [Float], [Float])] = []
    for entry in memory.exportState() {
        guard let reference = expected[entry.key] else {
            throw HDF5Error(file: fixture.path, object: "/\(group)/\(entry.key)", "is missing")
        }
        guard reference.values.count == entry.tensor.values.count else {
            throw HDF5Error(file: fixture.path, object: "/\(group)/\(entry.key)",
                            "has \(reference.values.count) elements, the network's \(entry.tensor.values.count)")
        }
        let item = (entry.key, entry.tensor.values, reference.values)
        if parameterKeys.contains(entry.key) { parameters.append(item) } else { buffers.append(item) }
    }
    let bufferRule: StateRule
    switch parameterRule {
    case .final: bufferRule = parameterRule
    default: bufferRule = .tight(relative: ParityTolerance.forward)
    }
    for (label, items, rule) in [("parameters", parameters, parameterRule), ("buffers", buffers, bufferRule)]
    where !items.isEmpty {
        var maxAbs = 0.0, maxRel = 0.0, beyond = 0, total = 0, worst = ""
        for (key, ours, theirs) in items {
            let scale = max(theirs.reduce(0.0) { max($0, abs(Double($1))) }, 1e-30)
            var tensorMax = 0.0
            for i in ours.indices {
                let e = abs(Double(ours[i]) - Double(theirs[i]))
                let error = e.isNaN ? .infinity : e
                tensorMax = max(tensorMax, error)
                if error > 1e-4 * scale { beyond += 1 }
            }
            maxAbs = max(maxAbs, tensorMax)
            if tensorMax / scale > maxRel || worst.isEmpty { (maxRel, worst) = (tensorMax / scale, key) }
            total += ours.count
        }
        let fraction = Double(beyond) / Double(max(total, 1))
        let name = "\(group) \(label) (\(items.count) tensors)"
        let line: ParityLine
        switch rule {
        case .firstAdamStep(let learningRate):
            line = ParityLine(name: name, maxAbsoluteError: maxAbs, maxRelativeError: fraction,
                              tolerance: "rel = share past 1e-4·max|t|: ≤ \(flipFraction), abs ≤ 2·lr = \(2 * learningRate)",
                              passed: fraction <= flipFraction && maxAbs <= 2 * learningRate * (1 + 1e-3), worst: worst)
        case .tight(let relative):
            line = ParityLine(name: name, maxAbsoluteError: maxAbs, maxRelativeError: maxRel,
                              tolerance: "≤ \(relative)·max|t|", passed: maxRel <= relative, worst: worst)
        case .final(let absolute, let relative):
            let judged = label == "parameters"
            line = ParityLine(name: name, maxAbsoluteError: maxAbs, maxRelativeError: maxRel,
                              tolerance: judged ? String(format: "abs ≤ %.2e, ≤ %.3g·max|t|", absolute, relative)
                                                : String(format: "≤ %.3g·max|t|", relative),
                              passed: (!judged || maxAbs <= absolute) && maxRel <= relative, worst: worst)
        }
        report.lines.append(line)
    }
}
