/// The resampling filters of `RGBImage.resized(width:height:filter:)`, as Pillow defines them
/// (src/libImaging/Resample.c). When downscaling, the filter is stretched by the scale
/// factor (support × scale), which antialiases; when upscaling it is used as is.
public enum ResamplingFilter: Sendable, CaseIterable {
    /// Triangle filter, support 1 (Pillow `Image.BILINEAR`).
    case bilinear
    /// Keys cubic convolution with a = −0.5, support 2 (Pillow `Image.BICUBIC`).
    case bicubic

    /// Half-width of the filter at scale 1, in input pixels.
    var support: Double {
        switch self {
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    /// The filter at `x` (input pixels at scale 1), with Pillow's operation order so the
    /// Double results are bit-identical.
    func weight(_ x: Double) -> Double {
        let x = x < 0 ? -x : x
        switch self {
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}

/// Pillow's per-axis resampling coefficients for 8-bit images (`precompute_coeffs` followed
/// by `normalize_coeffs_8bpc`): for each output index, the first input index, the number of
/// inputs, and weights normalized to sum 1 then rounded to fixed point with
/// `precisionBits` fractional bits (half away from zero).
struct ResamplingCoefficients {
    /// Pillow's PRECISION_BITS = 32 − 8 − 2: two bits of headroom for negative lobes and sums over 1.
    static let precisionBits = 22

    /// Stride of `weights` per output index: 2·ceil(support·filterScale) + 1.
    let kernelSize: Int
    let starts: [Int]
    let counts: [Int]
    /// `outputSize × kernelSize` fixed-point weights; entries past `counts[i]` are 0.
    let weights: [Int32]

    /// Coefficients for resampling the whole axis `0..<inputSize` to `outputSize` samples.
    init(inputSize: Int, outputSize: Int, filter: ResamplingFilter) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1 / filterScale
        let one = Double(1 << Self.precisionBits)
        var starts = [Int](repeating: 0, count: outputSize)
        var counts = [Int](repeating: 0, count: outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * kernelSize)
        var row = [Double](repeating: 0, count: kernelSize)
        for i in 0..<outputSize {
            let center = (Double(i) + 0.5) * scale
            // Int(_:) truncates toward zero, like C's (int) cast.
            let first = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inputSize) - first
            var total = 0.0
            for j in 0..<count {
                let w = filter.weight((Double(j + first) - center + 0.5) * inverseFilterScale)
                row[j] = w
                total += w
            }
            for j in 0..<count {
                let w = total != 0 ? row[j] / total : row[j]
                weights[i * kernelSize + j] = Int32(w < 0 ? -0.5 + w * one : 0.5 + w * one)
            }
            starts[i] = first
            counts[i] = count
        }
        self.kernelSize = kernelSize
        self.starts = starts
        self.counts = counts
        self.weights = weights
    }
}
