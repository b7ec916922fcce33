import Checkpoints
import Configuration
import Imaging
import Networks
import Tensors

/// A trained generator loaded from a weights file, super-resolving faces one at a time
/// (DESIGN.md §1: weights → enhance / eval).
public final class Enhancer {
    public let configuration: RunConfiguration
    public let architecture: SPARNetConfiguration
    public let network: SPARNet
    /// Side of the low-resolution face the model was trained on (input / scale factor);
    /// nil for SPARNetHD, which takes a degraded face at full size.
    public let lowResolutionSize: Int?

    /// Loads `weights` (an export of this tool, or converted reference weights).
    public init(weights path: String) throws {
        let contents = try WeightsFile.load(path)
        guard contents.model == "sparnet" || contents.model == "sparnethd" else {
            throw WeightsError("\(path): holds \(contents.model) weights, not a SPARNet or SPARNetHD generator (a VGG19 file serves train.vgg_weights)")
        }
        do {
            configuration = try RunConfiguration(yaml: contents.configurationJSON, file: path)
        } catch {
            throw WeightsError("\(path): its config attribute is not a run configuration: \(error)")
        }
        architecture = configuration.generator.architecture
        network = try SPARNet(architecture, batch: 1, trainable: false)
        do {
            try network.memory.loadState(contents.tensors)
        } catch let error as StateMismatchError {
            throw WeightsError("\(path): the weights do not fit the \(configuration.model.rawValue) generator its config describes:\n  \(error.summary())")
        }
        // A diverged run's weights would give a white face and a PSNR without meaning.
        if let bad = network.memory.exportState().first(where: { !$0.tensor.values.allSatisfy(\.isFinite) }) {
            throw WeightsError("\(path): \(bad.key) holds non-finite values (NaN or infinity): the run that wrote these weights diverged; export an earlier checkpoint")
        }
        lowResolutionSize = configuration.model == .sparnet && configuration.data.degrade == nil
            ? architecture.inputSize / configuration.data.scaleFactor : nil
    }

    /// The model's input for `face`: SPARNet resizes it to the low resolution and back up with
    /// Pillow bicubic (the training pipeline's LR-up); SPARNetHD resizes it to its size.
    public func input(for face: RGBImage) -> RGBImage {
        let size = architecture.inputSize
        guard let low = lowResolutionSize else { return face.resized(width: size, height: size) }
        return face.resized(width: low, height: low).resized(width: size, height: size)
    }

    /// Super-resolves a model input made by `input(for:)`.
    public func enhance(input: RGBImage) -> RGBImage {
        precondition(input.width == architecture.inputSize && input.height == architecture.inputSize,
                     "Enhancer: a \(input.width)×\(input.height) input for a \(architecture.inputSize) model")
        input.writeNormalizedPlanes(into: network.memory.value(network.input))
        network.forward(training: false)
        return image(from: network.output)
    }

    /// The attention maps of the last `enhance`, by block key, as heat maps (map values
    /// 0…1 → levels 0…255; 3D attention is averaged over channels).
    public func attentionMaps() -> [(block: String, image: RGBImage)] {
        network.attentionMaps.map { block, map in
            (block, RGBImage(heatMapOf: network.memory.value(map), channels: map.channels, width: map.width, height: map.height))
        }
    }

    /// A (1, 3, H, W) map in [−1, 1] as an 8-bit image ((x + 1)·127.5, rounded, clipped).
    private func image(from map: FeatureMap) -> RGBImage {
        RGBImage(normalizedPlanes: network.memory.value(map), width: map.width, height: map.height)
    }
}

/// Weights that cannot serve this model.
public struct WeightsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
