import ArgumentParser
import Kernels

/// The convolution algorithms a command's networks may take, for A/B comparisons of speed
/// (`bench`) and precision (`verify-reference`) in one build.
struct ConvolutionFlags: ParsableArguments {
    /// How 3×3 stride-1 convs run.
    enum Path: String, CaseIterable, ExpressibleByArgument {
        /// Winograd forward and backward where it suits the shape (the default).
        case winograd
        /// Shifted rows forward and backward.
        case shiftedRows = "shifted-rows"
        /// im2col forward and backward, as every other conv.
        case im2col
    }

    @Option(help: "How 3×3 stride-1 convs run: \(Path.allCases.map(\.rawValue).joined(separator: ", ")).")
    var convPath = Path.winograd
    @Flag(inversion: .prefixedNo,
          help: "Run 3×3 stride-1 convs with one output channel (the attention maps) on their direct kernels.")
    var oneChannelDirect = true
    @Flag(inversion: .prefixedNo,
          help: "Let Winograd convs on maps large enough take F(4×4, 3×3) tiles (else all take F(2×2, 3×3)).")
    var largeWinogradTiles = true
    @Flag(inversion: .prefixedNo,
          help: "Run 3×3 stride-2 convs with outputs at least 21 wide on Winograd F(4×4) tiles of 9×9 patches (else im2col).")
    var stridedWinograd = true

    var options: ConvolutionOptions {
        ConvolutionOptions(shiftedRows: convPath != .im2col, winograd: convPath == .winograd,
                           largeWinogradTiles: largeWinogradTiles, stridedWinograd: stridedWinograd,
                           oneChannelDirect: oneChannelDirect)
    }

    /// The flags as a bench record's fields.
    var fields: [String: String] {
        ["conv_path": convPath.rawValue, "one_channel_direct": "\(oneChannelDirect)",
         "large_winograd_tiles": "\(largeWinogradTiles)", "strided_winograd": "\(stridedWinograd)"]
    }
}
