import ArgumentParser
import Networks

/// `sparnet-dist describe`: the architecture of a generator preset without allocating it —
/// parameter and buffer counts, and the memory a batch would take.
struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Print parameter counts and memory of a network preset without building it.",
        usage: "sparnet-dist describe [<options>]")

    @Option(help: "Generator preset: \(SPARNetConfiguration.presets.keys.sorted().joined(separator: ", ")).")
    var preset = "sparnet"
    @Option(help: "Override the activation: \(ActivationKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var activation: ActivationKind?
    @Option(help: "Override the normalization: \(NormKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var norm: NormKind?
    @Option(help: "Batch size for the memory estimate.") var batch = 1
    @Flag(help: "List every state_dict key with its shape.") var keys = false

    func validate() throws {
        guard SPARNetConfiguration.presets[preset] != nil else {
            throw ValidationError("--preset \(preset) is not one of \(SPARNetConfiguration.presets.keys.sorted().joined(separator: ", "))")
        }
        guard batch > 0 else { throw ValidationError("--batch must be positive, got \(batch)") }
    }

    func run() throws {
        var configuration = SPARNetConfiguration.presets[preset]!
        if let activation { configuration.activation = activation }
        if let norm { configuration.norm = norm }
        let description = try SPARNet.describe(configuration, batch: batch)
        print("generator \(preset): \(grouped(description.parameterCount)) parameters, "
              + "\(grouped(description.bufferCount)) buffer values")
        let mib = { (floats: Int) in String(format: "%.1f MiB", Double(floats) * 4 / 1_048_576) }
        print("  batch \(batch): activations \(mib(description.activationCount)) "
              + "(\(mib(description.inferenceActivationCount)) in inference), "
              + "their gradients in training \(mib(description.gradientCount)) "
              + "(at most \(mib(description.peakLiveGradientCount)) alive at once), scratch \(mib(description.scratchCount))")
        if keys { printKeys(description) }
        guard preset == "sparnetHD" else { return }
        // SPARNetHD also trains its multi-scale discriminator through a frozen VGG19.
        let discriminator = try MultiScaleDiscriminator.describe(.sparnetHD)
        print("discriminator (3 scales × 4 layers, InstanceNorm, spectral norm): "
              + "\(grouped(discriminator.parameterCount)) parameters")
        if keys { printKeys(discriminator) }
        let vgg = VGG19.describe()
        print("VGG19 features (perceptual loss, frozen): \(grouped(vgg.parameterCount)) parameters")
        if keys { printKeys(vgg) }
    }

    private func printKeys(_ description: NetworkDescription) {
        for entry in description.state { print("  \(entry.key) \(entry.shape)\(entry.kind == .buffer ? " (buffer)" : "")") }
    }
}

extension ActivationKind: ExpressibleByArgument {}
extension NormKind: ExpressibleByArgument {}

/// 10518867 → "10,518,867".
func grouped(_ n: Int) -> String {
    let digits = String(n)
    var result = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { result += "," }
        result.append(ch)
    }
    return result
}
