#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The evaluation metrics of DESIGN.md §8: PSNR and SSIM on the Y channel of YCbCr, computed
/// in Double from 8-bit RGB without rounding Y.
///
/// SSIM is scikit-image 0.26's `structural_similarity(im1, im2, gaussian_weights=True,
/// sigma=1.5, use_sample_covariance=False, data_range=255)` (K1 = 0.01, K2 = 0.03):
/// local means, variances and covariance by `scipy.ndimage.gaussian_filter` (truncate 3.5 →
/// radius int(3.5σ + 0.5) = 5, an 11-tap kernel exp(−x²/2σ²) normalized to sum 1, applied
/// along rows-axis 0 then axis 1, mode "reflect" = half-sample symmetric `d c b a | a b c d`)
/// on the whole image; population (co)variances `E[xy] − E[x]E[y]`; the SSIM map is then
/// cropped by (11 − 1)/2 = 5 pixels on each side and averaged. The crop equals the filter
/// radius, so no window of a kept pixel reaches past the border and the padding mode cannot
/// change the result; "reflect" is implemented anyway so the filtered maps match scipy's.
public enum ImageMetrics {
    /// Y of YCbCr (ITU-R BT.601 studio range) per pixel, (H, W) row-major:
    /// `Y = 16 + (65.481·R + 128.553·G + 24.966·B) / 255`.
    public static func luma(_ image: RGBImage) -> [Double] {
        image.withUnsafePixels { pixels in
            (0..<image.width * image.height).map { (i: Int) -> Double in
                let r = Double(pixels[3 * i]), g = Double(pixels[3 * i + 1]), b = Double(pixels[3 * i + 2])
                let weighted: Double = 65.481 * r + 128.553 * g + 24.966 * b
                return 16 + weighted / 255
            }
        }
    }

    /// PSNR in dB between the Y channels, `10·log10(255² / MSE)`; +∞ when they are equal.
    public static func psnrY(_ test: RGBImage, reference: RGBImage) -> Double {
        precondition(test.width == reference.width && test.height == reference.height,
                     "psnrY: test \(test.width)×\(test.height) vs reference \(reference.width)×\(reference.height)")
        return psnr(luma(test), luma(reference), dataRange: 255)
    }

    /// Mean SSIM between the Y channels (see the type's summary); both at least 11×11.
    public static func ssimY(_ test: RGBImage, reference: RGBImage) -> Double {
        precondition(test.width == reference.width && test.height == reference.height,
                     "ssimY: test \(test.width)×\(test.height) vs reference \(reference.width)×\(reference.height)")
        return ssim(luma(test), luma(reference), width: test.width, height: test.height, dataRange: 255)
    }

    /// PSNR in dB of two equally long signals: `10·log10(dataRange² / mean((a − b)²))`.
    public static func psnr(_ a: [Double], _ b: [Double], dataRange: Double) -> Double {
        precondition(a.count == b.count && !a.isEmpty, "psnr: \(a.count) vs \(b.count) values")
        var sum = 0.0
        for i in a.indices { sum += (a[i] - b[i]) * (a[i] - b[i]) }
        return 10 * log10(dataRange * dataRange / (sum / Double(a.count)))
    }

    /// Mean SSIM of two (H, W) planes as scikit-image computes it with Gaussian weights
    /// (`sigma`, truncate 3.5), population covariance and `dataRange`.
    public static func ssim(_ a: [Double], _ b: [Double], width: Int, height: Int,
                            dataRange: Double, sigma: Double = 1.5) -> Double {
        let kernel = gaussianKernel(sigma: sigma, truncate: 3.5)
        let windowSize = kernel.count
        precondition(a.count == width * height && b.count == width * height,
                     "ssim: \(a.count) and \(b.count) values for \(width)×\(height)")
        precondition(width >= windowSize && height >= windowSize,
                     "ssim: \(width)×\(height) is smaller than the \(windowSize)×\(windowSize) window")
        let count = width * height
        var aa = [Double](repeating: 0, count: count), bb = aa, ab = aa
        for i in 0..<count {
            aa[i] = a[i] * a[i]
            bb[i] = b[i] * b[i]
            ab[i] = a[i] * b[i]
        }
        let meanA = gaussianFilter(a, width: width, height: height, kernel: kernel)
        let meanB = gaussianFilter(b, width: width, height: height, kernel: kernel)
        let meanAA = gaussianFilter(aa, width: width, height: height, kernel: kernel)
        let meanBB = gaussianFilter(bb, width: width, height: height, kernel: kernel)
        let meanAB = gaussianFilter(ab, width: width, height: height, kernel: kernel)
        let c1 = (0.01 * dataRange) * (0.01 * dataRange)
        let c2 = (0.03 * dataRange) * (0.03 * dataRange)
        let pad = (windowSize - 1) / 2
        var total = 0.0
        for y in pad..<(height - pad) {
            for x in pad..<(width - pad) {
                let i = y * width + x
                let ux = meanA[i], uy = meanB[i]
                let vx = meanAA[i] - ux * ux
                let vy = meanBB[i] - uy * uy
                let vxy = meanAB[i] - ux * uy
                let numerator = (2 * ux * uy + c1) * (2 * vxy + c2)
                let denominator = (ux * ux + uy * uy + c1) * (vx + vy + c2)
                total += numerator / denominator
            }
        }
        return total / Double((height - 2 * pad) * (width - 2 * pad))
    }

    /// scipy's `_gaussian_kernel1d(sigma, 0, radius)` with radius `int(truncate·sigma + 0.5)`.
    static func gaussianKernel(sigma: Double, truncate: Double) -> [Double] {
        let radius = Int(truncate * sigma + 0.5)
        let weights = (-radius...radius).map { exp(-0.5 / (sigma * sigma) * Double($0 * $0)) }
        let sum = weights.reduce(0, +)
        return weights.map { $0 / sum }
    }

    /// `scipy.ndimage.gaussian_filter(plane, mode="reflect")` with a precomputed odd kernel:
    /// a 1-D correlation along axis 0 (down the columns), then along axis 1.
    // plane (H, W)  result (H, W)
    static func gaussianFilter(_ plane: [Double], width: Int, height: Int, kernel: [Double]) -> [Double] {
        let radius = kernel.count / 2
        func reflect(_ i: Int, _ n: Int) -> Int {
            let period = 2 * n
            let m = ((i % period) + period) % period
            return m < n ? m : period - 1 - m
        }
        var columns = [Double](repeating: 0, count: plane.count)
        for y in 0..<height {
            for t in 0..<kernel.count {
                let source = reflect(y + t - radius, height) * width
                let weight = kernel[t]
                for x in 0..<width { columns[y * width + x] += weight * plane[source + x] }
            }
        }
        var result = [Double](repeating: 0, count: plane.count)
        let sources = (0..<(width + 2 * radius)).map { reflect($0 - radius, width) }
        for y in 0..<height {
            let row = y * width
            for x in 0..<width {
                var sum = 0.0
                for t in 0..<kernel.count { sum += kernel[t] * columns[row + sources[x + t]] }
                result[row + x] = sum
            }
        }
        return result
    }
}
