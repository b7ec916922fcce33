import Foundation
import Imaging
import Testing
import TestSupport

/// SSIM straight from its definition: a full 11×11 window of products of the 1-D Gaussian
/// weights at every pixel, reflected indices, population statistics, the mean over pixels at
/// least 5 from every border.
func referenceSSIM(_ a: [Double], _ b: [Double], width: Int, height: Int) -> Double {
    let sigma = 1.5, radius = 5
    var g = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
    let total = g.reduce(0, +)
    g = g.map { $0 / total }
    func reflect(_ i: Int, _ n: Int) -> Int { i < 0 ? -i - 1 : i >= n ? 2 * n - 1 - i : i }
    let c1: Double = 2.55 * 2.55, c2: Double = 7.65 * 7.65
    var sum = 0.0, count = 0
    for y in radius..<(height - radius) {
        for x in radius..<(width - radius) {
            var ma = 0.0, mb = 0.0, maa = 0.0, mbb = 0.0, mab = 0.0
            for dy in -radius...radius {
                for dx in -radius...radius {
                    let w = g[dy + radius] * g[dx + radius]
                    let i = reflect(y + dy, height) * width + reflect(x + dx, width)
                    ma += w * a[i]; mb += w * b[i]
                    maa += w * a[i] * a[i]; mbb += w * b[i] * b[i]; mab += w * a[i] * b[i]
                }
            }
            let va = maa - ma * ma, vb = mbb - mb * mb, vab = mab - ma * mb
            sum += (2 * ma * mb + c1) * (2 * vab + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
            count += 1
        }
    }
    return sum / Double(count)
}

@Suite struct ImageMetricsTests {
    @Test("Y of black, white, pure red and gray, by hand")
    func luma() {
        let image = RGBImage(width: 4, height: 1, pixels: [0, 0, 0, 255, 255, 255, 255, 0, 0, 100, 100, 100])
        let y = ImageMetrics.luma(image)
        // 16 + 0; 16 + 219; 16 + 65.481; 16 + 219·100/255.
        let expected = [16, 235, 81.481, 16 + 21900.0 / 255]
        #expect(compare(y, expected, atol: 1e-12, rtol: 0).passed, "\(y)")
    }

    // Adding 1 to every channel moves Y by (65.481 + 128.553 + 24.966)/255 = 219/255 everywhere,
    // so PSNR = 20·log10(255 / (219/255)) = 49.4527249205558 dB.
    @Test("PSNR of a uniform offset, by hand; +∞ for equal images")
    func psnr() {
        let reference = RGBImage(width: 12, height: 12, pixels: syntheticImage(width: 12, height: 12, seed: 7).pixels.map { min($0, 254) })
        let test = RGBImage(width: 12, height: 12, pixels: reference.pixels.map { $0 + 1 })
        #expect(abs(ImageMetrics.psnrY(test, reference: reference) - 49.4527249205558) < 1e-10)
        #expect(ImageMetrics.psnrY(reference, reference: reference) == .infinity)
    }

    // Constant images have zero (co)variances, so SSIM = (2·μa·μb + C1)/(μa² + μb² + C1)
    // with C1 = (0.01·255)², μ = Y of the constant.
    @Test("SSIM of constant images, by hand; 1 for equal images")
    func ssimConstant() {
        let a = RGBImage(width: 16, height: 13, pixels: [UInt8](repeating: 100, count: 16 * 13 * 3))
        let b = RGBImage(width: 16, height: 13, pixels: [UInt8](repeating: 110, count: 16 * 13 * 3))
        let ya = 16 + 21900.0 / 255, yb = 16 + 24090.0 / 255, c1 = 2.55 * 2.55
        let expected = (2 * ya * yb + c1) / (ya * ya + yb * yb + c1)
        #expect(abs(ImageMetrics.ssimY(a, reference: b) - expected) < 1e-12)
        let noisy = syntheticImage(width: 20, height: 15, seed: 8, noise: 30)
        #expect(abs(ImageMetrics.ssimY(noisy, reference: noisy) - 1) < 1e-12)
    }

    @Test("SSIM matches the direct 11×11-window definition", arguments: [(11, 11), (23, 17), (40, 12)])
    func ssimReference(_ size: (Int, Int)) {
        let (width, height) = size
        let a = syntheticImage(width: width, height: height, seed: 9, noise: 50)
        let b = syntheticImage(width: width, height: height, seed: 10, noise: 50)
        let ours = ImageMetrics.ssimY(a, reference: b)
        let reference = referenceSSIM(ImageMetrics.luma(b), ImageMetrics.luma(a), width: width, height: height)
        #expect(abs(ours - reference) < 1e-12, "\(width)×\(height): \(ours) vs \(reference)")
        #expect(abs(ImageMetrics.ssimY(b, reference: a) - ours) < 1e-12, "symmetric")
    }
}
