import Kernels
import Tensors

/// The feature extractor of SPARNetHD's perceptual loss: the reference's `PCPFeat(model='vgg')`
/// (models/loss.py), i.e. `PCPFeat.preprocess` followed by torchvision's `vgg19().features`
/// cut into the slices `features[0:3]`, `[3:8]`, `[8:17]`, `[17:26]`, `[26:35]`, whose outputs
/// are the five feature maps.
///
/// Preprocessing: x ∈ [−1, 1] → (x + 1)/2 → ImageNet normalisation → bilinear resize to
/// 224×224 (align_corners False) when the width is below 224.
///
/// torchvision's `features` are 16 convs 3×3 (zero padding 1, bias), each followed by an
/// in-place ReLU, and 2×2 max-pools after conv1_2, conv2_2, conv3_4, conv4_4 and conv5_4. Only
/// modules 0–34 belong to a slice: the final ReLU (35) and pool (36) never run and are not
/// built. Because the ReLUs are in place, the ReLU that starts the next slice overwrites a
/// slice's output before the loss reads it: features 0–3 are relu1_2, relu2_2, relu3_4,
/// relu4_4 (post-ReLU), feature 4 is conv5_4 before its ReLU. Each conv and its in-place ReLU
/// are one `Convolution` layer here, so the feature maps are those layers' outputs.
///
/// Keys are torchvision's: `features.<i>.weight`, `features.<i>.bias` for the conv indices
/// i = 0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34 (20,024,384 parameters).
public final class VGG19 {
    /// torchvision's `cfgs["E"]`: output channels of each conv, 0 for a max-pool.
    static let plan = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0]
    /// Where the reference's slices of `features` end (exclusive): feature s is the output of
    /// module `sliceEnds[s] − 1`.
    public static let sliceEnds = [3, 8, 17, 26, 35]
    /// What each feature map holds when the loss reads it.
    public static let featureNames = ["relu1_2", "relu2_2", "relu3_4", "relu4_4", "conv5_4"]
    /// `PCPFeat.preprocess` resizes inputs narrower than this to this size.
    public static let resizeSize = 224

    /// Images per forward.
    public let batch: Int
    /// Every layer in forward order.
    public let layers: [any Layer]
    /// Parameters (frozen in the perceptual loss), activations and their gradients, scratch.
    public let memory: NetworkMemory
    /// The image (N, 3, H, W) in [−1, 1].
    public let input: FeatureMap
    /// The normalised (and resized) image the first conv sees.
    public let preprocessed: FeatureMap
    /// The five feature maps, in order (see `featureNames`).
    public let features: [FeatureMap]
    private let convolutions: [Convolution]

    /// Builds the network for `batch` images of `height`×`width`, with torchvision's VGG
    /// initialisation drawn from `seed`; load real weights with `memory.loadState`.
    /// `convolution`: the algorithms its convs may choose among.
    public init(batch: Int, height: Int, width: Int, seed: UInt64 = 0, convolution: ConvolutionOptions = .default) {
        self.batch = batch
        let builder = NetworkBuilder(batch: batch, convolution: convolution)
        (input, preprocessed, features) = Self.build(height: height, width: width, in: builder)
        layers = builder.layers
        convolutions = layers.compactMap { $0 as? Convolution }
        memory = builder.makeMemory(seed: seed)
    }

    /// The `state_dict` (keys, shapes, parameter count) and arena sizes for one image of
    /// `height`×`width`, without allocating the network.
    public static func describe(height: Int = resizeSize, width: Int = resizeSize) -> NetworkDescription {
        let builder = NetworkBuilder(batch: 1)
        _ = build(height: height, width: width, in: builder)
        return NetworkDescription(builder)
    }

    private static func build(height: Int, width: Int, in builder: NetworkBuilder)
        -> (input: FeatureMap, preprocessed: FeatureMap, features: [FeatureMap]) {
        let input = builder.inputMap(channels: 3, height: height, width: width)
        var x = builder.add(ImageNetNormalization(builder, "normalized", input: input)).output
        if width < resizeSize {
            x = builder.add(BilinearResize(builder, "resized", input: x, height: resizeSize, width: resizeSize)).output
        }
        let preprocessed = x
        precondition(x.height >= 16 && x.width >= 16,
                     "VGG19: a \(x.height)×\(x.width) preprocessed input is smaller than the 16×16 its four pools need")
        let end = sliceEnds.last!
        var features: [FeatureMap] = []
        var index = 0
        builder.scoped("features") {
            for channels in plan where index < end {
                if channels == 0 {
                    x = builder.add(MaxPool2x2(builder, "\(index)", input: x)).output
                    index += 1
                    continue
                }
                // The ReLU at index + 1 runs (in place) only when it belongs to a slice. The
                // forward on F(2×2) Winograd only: with F(4×4)'s rounding, sixteen ReLU layers'
                // masks flip often enough that the input gradient's distance to PyTorch's (the
                // perceptual loss's gradient for the generator) grew from 7.9·10⁻⁴ to 2.2·10⁻³
                // of its L2 norm. The input gradient takes F(4×4): it flips no mask.
                x = builder.add(Convolution(builder, "\(index)", input: x, outputChannels: channels,
                                            relu: index + 1 < end, largeForwardTiles: false)).output
                if sliceEnds.contains(index + 1) { features.append(x) }
                index += 2
            }
        }
        precondition(features.count == sliceEnds.count, "VGG19: \(features.count) feature maps built")
        for feature in features { builder.exposeGradient(feature) }
        return (input, preprocessed, features)
    }

    /// Runs every layer forward; reads `input`, overwrites every activation.
    public func forward() {
        let pass = memory.pass(training: false)
        for layer in layers { layer.forward(pass) }
    }

    /// Runs every layer backward from the gradients at `features` (zero them first with
    /// `memory.zeroActivationGradients()`, then write them); accumulates into the gradient of `input` and, only
    /// when `parameterGradients` is true, into the parameter gradients (the perceptual loss
    /// keeps VGG frozen and skips them, which halves the backward's cost).
    public func backward(parameterGradients: Bool = false) {
        for convolution in convolutions { convolution.computesParameterGradients = parameterGradients }
        let pass = memory.pass(training: false)
        for index in layers.indices.reversed() {
            memory.zeroGradients(beforeBackwardOf: index)
            layers[index].backward(pass)
        }
    }
}
