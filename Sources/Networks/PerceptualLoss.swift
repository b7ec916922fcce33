import Kernels
import Tensors

/// SPARNetHD's perceptual loss, the reference's `PCPLoss` on `PCPFeat` features
/// (models/loss.py): Σ_s w_s · mean |φ_s(x) − φ_s(y)| over the five VGG19 feature maps φ_s
/// (see `VGG19`), w_s = 1, with the target's features detached (no gradient reaches y).
///
/// Design: one `VGG19` runs twice per step — the target y first, whose five feature maps are
/// copied into an arena of their own, then the input x, whose activations stay in the network
/// for the backward. So one set of activations serves both images and the only extra memory
/// is the target's feature maps (6.1M floats per image at 224×224); everything is allocated
/// once, in `init`. VGG19's weights are frozen: backward computes no parameter gradients.
public final class PerceptualLoss {
    /// The reference's `PCPLoss.weights`, one per feature map.
    public static let featureWeights: [Float] = [1, 1, 1, 1, 1]

    /// The feature extractor; after `forward` its activations are the input's.
    public let network: VGG19
    /// The loss of the last `forward`.
    public private(set) var value: Double = 0
    /// The five unweighted L1 terms of the last `forward`, mean |φ_s(x) − φ_s(y)|.
    public private(set) var terms: [Double]
    private let targetFeatures: Arena
    private let targetSlots: [Slot]

    /// A loss for `batch` images of `height`×`width` in [−1, 1]. Load VGG19's weights with
    /// `network.memory.loadState` before the first `forward`.
    /// `convolution`: the algorithms VGG19's convs may choose among.
    public init(batch: Int, height: Int, width: Int, convolution: ConvolutionOptions = .default) {
        network = VGG19(batch: batch, height: height, width: width, convolution: convolution)
        var layout = Layout()
        targetSlots = network.features.enumerated().map { layout.register("target.\($0.offset)", shape: $0.element.shape) }
        targetFeatures = Arena(layout)
        terms = Array(repeating: 0, count: network.features.count)
    }

    /// Floats of one input (and of one target): N·3·H·W.
    public var imageCount: Int { network.input.count }

    /// Computes the features of `target`, then of `input`, and returns the loss (also kept in
    /// `value`, its terms in `terms`).
    ///
    /// input (N, 3, H, W)  target (N, 3, H, W), both in [−1, 1].
    @discardableResult
    public func forward(input: UnsafePointer<Float>, target: UnsafePointer<Float>) -> Double {
        let memory = network.memory
        let image = memory.value(network.input)
        image.update(from: target, count: imageCount)
        network.forward()
        for (map, slot) in zip(network.features, targetSlots) {
            targetFeatures.pointer(slot).update(from: memory.value(map), count: map.count)
        }
        image.update(from: input, count: imageCount)
        network.forward()
        value = 0
        for (s, (map, slot)) in zip(network.features, targetSlots).enumerated() {
            terms[s] = l1LossForward(input: memory.value(map), target: targetFeatures.pointer(slot),
                                     count: map.count)
            value += Double(Self.featureWeights[s]) * terms[s]
        }
        return value
    }

    /// Backward of the last `forward` scaled by `weight` (the loss's λ); accumulates (`+=`)
    /// `weight · dLoss/dInput` into `inputGradient` (N, 3, H, W). Leaves the parameter
    /// gradients untouched.
    public func backward(weight: Float = 1, inputGradient: UnsafeMutablePointer<Float>) {
        let memory = network.memory
        memory.zeroActivationGradients()
        for (s, (map, slot)) in zip(network.features, targetSlots).enumerated() {
            l1LossBackward(input: memory.value(map), target: targetFeatures.pointer(slot),
                           count: map.count, weight: weight * Self.featureWeights[s],
                           inputGradient: memory.gradient(map), targetGradient: nil)
        }
        network.backward(parameterGradients: false)
        accumulate(memory.gradient(network.input), into: inputGradient, count: imageCount)
    }

    /// The target's feature map `index` (shape `network.features[index].shape`) as the last
    /// `forward` computed it.
    public func targetFeature(_ index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(targetFeatures[targetSlots[index]])
    }
}
