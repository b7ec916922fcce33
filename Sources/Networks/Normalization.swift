import Kernels
import Tensors

/// A normalization over one feature map: the reference's `NormLayer`, whose module holds the
/// PyTorch module as `.norm` (keys `<scope>.norm.weight`, `.bias`, and for BatchNorm
/// `.running_mean`, `.running_var`, `.num_batches_tracked`). With a fused `activation` (the
/// ReLU or LeakyReLU that follows it in the reference, which has no parameters) its output is
/// the activated map, and the norm's own output is never stored.
final class Normalization: Layer {
    let kind: NormKind
    let activation: FusedActivation
    let input: FeatureMap
    let output: FeatureMap
    private let weight: Slot
    private let bias: Slot
    private var runningMean = Slot(offset: 0, count: 0)
    private var runningVariance = Slot(offset: 0, count: 0)
    private var batchesTracked = Slot(offset: 0, count: 0)
    /// Batch mean and 1/std per channel (BatchNorm) or per (n, c) (InstanceNorm).
    private let savedMean: SavedValues
    private let savedInverseStd: SavedValues

    /// Registers `<name>.norm.*` under the builder's scope; `kind` must not be `.none`.
    init(_ builder: NetworkBuilder, _ name: String, kind: NormKind, input: FeatureMap,
         activation: FusedActivation = .identity) {
        precondition(kind != .none, "Normalization: kind none has no layer")
        self.kind = kind
        self.activation = activation
        self.input = input
        let c = input.channels
        (weight, bias) = builder.scoped(name) {
            builder.scoped("norm") {
                let initial: Initializer = kind == .batch ? .normal(mean: 1, standardDeviation: 0.02) : .constant(1)
                return (builder.parameter("weight", shape: [c], initializer: initial),
                        builder.parameter("bias", shape: [c], initializer: .constant(0)))
            }
        }
        let statistics = kind == .batch ? c : input.batch * c
        if kind == .batch {
            builder.requireStatisticsScratch(channels: c)
            let buffers = builder.scoped(name) {
                builder.scoped("norm") {
                    (builder.buffer("running_mean", shape: [c], initializer: .constant(0)),
                     builder.buffer("running_var", shape: [c], initializer: .constant(1)),
                     builder.buffer("num_batches_tracked", shape: [], initializer: .constant(0), elementType: .int64))
                }
            }
            (runningMean, runningVariance, batchesTracked) = buffers
        }
        savedMean = builder.saved("\(name).mean", count: statistics)
        savedInverseStd = builder.saved("\(name).inverse_std", count: statistics)
        output = builder.scoped(name) { builder.featureMap(channels: c, height: input.height, width: input.width) }
    }

    var featureMaps: [FeatureMap] { [input, output] }

    func forward(_ pass: Pass) {
        let (n, c, p) = (input.batch, input.channels, input.plane)
        switch kind {
        case .batch where pass.training && pass.replicaStatistics != nil:
            // Synchronized: Σx, Σx² and the element count summed over every replica.
            let sums = pass.statisticsScratch
            batchNorm2dForwardSums(batch: n, channels: c, plane: p, input: pass.value(input), sums: sums)
            sums[2 * c] = Double(n * p)
            pass.replicaStatistics!.sum(sums, count: 2 * c + 1)
            batchNorm2dForwardFromSums(batch: n, channels: c, plane: p, sums: sums, count: Int(sums[2 * c]),
                                       input: pass.value(input), weight: pass.parameter(weight),
                                       bias: pass.parameter(bias), runningMean: pass.buffer(runningMean),
                                       runningVariance: pass.buffer(runningVariance), output: pass.value(output),
                                       savedMean: pass.saved(savedMean), savedInverseStd: pass.saved(savedInverseStd),
                                       activation: activation)
            pass.buffer(batchesTracked).pointee += 1
        case .batch where pass.training:
            batchNorm2dTrainingForward(batch: n, channels: c, plane: p, input: pass.value(input),
                                       weight: pass.parameter(weight), bias: pass.parameter(bias),
                                       runningMean: pass.buffer(runningMean), runningVariance: pass.buffer(runningVariance),
                                       output: pass.value(output), savedMean: pass.saved(savedMean),
                                       savedInverseStd: pass.saved(savedInverseStd), activation: activation)
            pass.buffer(batchesTracked).pointee += 1
        case .batch:
            batchNorm2dEvalForward(batch: n, channels: c, plane: p, input: pass.value(input),
                                   weight: pass.parameter(weight), bias: pass.parameter(bias),
                                   runningMean: pass.buffer(runningMean), runningVariance: pass.buffer(runningVariance),
                                   output: pass.value(output), activation: activation)
        case .instance:
            instanceNorm2dForward(batch: n, channels: c, plane: p, input: pass.value(input),
                                  weight: pass.parameter(weight), bias: pass.parameter(bias),
                                  output: pass.value(output), savedMean: pass.saved(savedMean),
                                  savedInverseStd: pass.saved(savedInverseStd), activation: activation)
        case .none:
            preconditionFailure("Normalization: kind none has no layer")
        }
    }

    func backward(_ pass: Pass) {
        let (n, c, p) = (input.batch, input.channels, input.plane)
        switch kind {
        case .batch where pass.training && pass.replicaStatistics != nil:
            // Synchronized: Σdy and Σdy·xHat summed over every replica; γ, β gradients stay
            // local and are averaged with the other parameter gradients.
            let sums = pass.statisticsScratch
            batchNorm2dBackwardSums(batch: n, channels: c, plane: p, input: pass.value(input),
                                    outputGradient: pass.gradient(output), savedMean: pass.saved(savedMean),
                                    savedInverseStd: pass.saved(savedInverseStd), weightGradient: pass.gradient(weight),
                                    biasGradient: pass.gradient(bias), sums: sums,
                                    activation: activation, output: pass.value(output))
            sums[2 * c] = Double(n * p)
            pass.replicaStatistics!.sum(sums, count: 2 * c + 1)
            batchNorm2dBackwardFromSums(batch: n, channels: c, plane: p, sums: sums, count: Int(sums[2 * c]),
                                        input: pass.value(input), weight: pass.parameter(weight),
                                        outputGradient: pass.gradient(output), savedMean: pass.saved(savedMean),
                                        savedInverseStd: pass.saved(savedInverseStd), inputGradient: pass.gradient(input),
                                        activation: activation, output: pass.value(output))
        case .batch where pass.training:
            batchNorm2dTrainingBackward(batch: n, channels: c, plane: p, input: pass.value(input),
                                        weight: pass.parameter(weight), outputGradient: pass.gradient(output),
                                        savedMean: pass.saved(savedMean), savedInverseStd: pass.saved(savedInverseStd),
                                        inputGradient: pass.gradient(input), weightGradient: pass.gradient(weight),
                                        biasGradient: pass.gradient(bias), activation: activation,
                                        output: pass.value(output))
        case .batch:
            batchNorm2dEvalBackward(batch: n, channels: c, plane: p, input: pass.value(input),
                                    weight: pass.parameter(weight), runningMean: pass.buffer(runningMean),
                                    runningVariance: pass.buffer(runningVariance), outputGradient: pass.gradient(output),
                                    inputGradient: pass.gradient(input), weightGradient: pass.gradient(weight),
                                    biasGradient: pass.gradient(bias), activation: activation, output: pass.value(output))
        case .instance:
            instanceNorm2dBackward(batch: n, channels: c, plane: p, input: pass.value(input),
                                   weight: pass.parameter(weight), outputGradient: pass.gradient(output),
                                   savedMean: pass.saved(savedMean), savedInverseStd: pass.saved(savedInverseStd),
                                   inputGradient: pass.gradient(input), weightGradient: pass.gradient(weight),
                                   biasGradient: pass.gradient(bias), activation: activation, output: pass.value(output))
        case .none:
            preconditionFailure("Normalization: kind none has no layer")
        }
    }
}
