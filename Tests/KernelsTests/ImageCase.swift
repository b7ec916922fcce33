import Testing

/// One input size (N, C, H, W) and output size (Ho, Wo) of the resampling and pooling sweeps.
struct ImageCase: Sendable, CustomTestStringConvertible {
    let batch: Int, channels: Int, height: Int, width: Int
    let outputHeight: Int, outputWidth: Int

    init(_ batch: Int, _ channels: Int, _ height: Int, _ width: Int, to outputHeight: Int, _ outputWidth: Int) {
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
        (self.outputHeight, self.outputWidth) = (outputHeight, outputWidth)
    }

    /// Output (2H, 2W).
    static func doubled(_ batch: Int, _ channels: Int, _ height: Int, _ width: Int) -> ImageCase {
        ImageCase(batch, channels, height, width, to: 2 * height, 2 * width)
    }

    /// Output (⌊H/2⌋, ⌊W/2⌋).
    static func halved(_ batch: Int, _ channels: Int, _ height: Int, _ width: Int) -> ImageCase {
        ImageCase(batch, channels, height, width, to: height / 2, width / 2)
    }

    var inputCount: Int { batch * channels * height * width }
    var outputCount: Int { batch * channels * outputHeight * outputWidth }

    var testDescription: String {
        "(\(batch), \(channels), \(height), \(width)) → (\(outputHeight), \(outputWidth))"
    }
}

/// Float kernel vs Double reference for the resampling sums (≤ 16 terms of size ≤ ~2, plus the
/// pre-filled 1 of a gradient): Float rounding stays below ~2e-6 absolute (measured ≤ 7e-7 over
/// these sweeps, the worst at 128×128 → 224×224 backward), so 1e-5 absolute and
/// relative leaves margin while catching any wrong weight or index (errors of order 1e-2 or more).
let resamplingTolerance = 1e-5
