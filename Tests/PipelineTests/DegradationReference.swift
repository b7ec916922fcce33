import Foundation
import Imaging

/// Naive Double definitions of the degradation filters, straight from OpenCV's documentation:
/// a dense 2-D correlation with the border rule, or a sort of each window.
enum DegradationReference {
    /// OpenCV's BORDER_REFLECT_101 written as repeated mirroring (…c b | a b c | b a…).
    static func reflect(_ i: Int, _ n: Int) -> Int {
        var i = i
        while i < 0 || i >= n {
            if i < 0 { i = -i }
            if i >= n { i = 2 * (n - 1) - i }
        }
        return i
    }

    /// Σ kernel[ky][kx] · image(x + kx − anchorX, y + ky − anchorY) per channel, BORDER_REFLECT_101, unrounded.
    static func correlate(_ image: RGBImage, kernel: [[Double]], anchorX: Int, anchorY: Int) -> [Double] {
        var output = [Double](repeating: 0, count: image.width * image.height * 3)
        for y in 0..<image.height {
            for x in 0..<image.width {
                for c in 0..<3 {
                    var sum = 0.0
                    for (ky, row) in kernel.enumerated() {
                        for (kx, weight) in row.enumerated() {
                            let sx = reflect(x + kx - anchorX, image.width), sy = reflect(y + ky - anchorY, image.height)
                            sum += weight * Double(image[x: sx, y: sy, channel: c])
                        }
                    }
                    output[(y * image.width + x) * 3 + c] = sum
                }
            }
        }
        return output
    }

    /// The Gaussian's 2-D kernel: outer product of normalized exp(−d²/2σ²) over `size` taps.
    static func gaussianKernel(sigma: Double, size: Int) -> [[Double]] {
        let taps = (0..<size).map { exp(-pow(Double($0 - size / 2), 2) / (2 * sigma * sigma)) }
        let total = taps.reduce(0, +)
        return taps.map { a in taps.map { b in a * b / (total * total) } }
    }

    /// The median of each `size`² window per channel, the edge pixel repeated beyond the border.
    static func median(_ image: RGBImage, size: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: image.width * image.height * 3)
        let r = size / 2
        for y in 0..<image.height {
            for x in 0..<image.width {
                for c in 0..<3 {
                    var window: [UInt8] = []
                    for dy in -r...r {
                        for dx in -r...r {
                            window.append(image[x: min(max(x + dx, 0), image.width - 1),
                                                y: min(max(y + dy, 0), image.height - 1), channel: c])
                        }
                    }
                    output[(y * image.width + x) * 3 + c] = window.sorted()[window.count / 2]
                }
            }
        }
        return output
    }
}

/// The largest |a − b| over the pixels of `image` against unrounded reference values, and
/// the fraction of pixels equal to the reference rounded to nearest (ties to even, as cvRound).
func levelError(_ image: RGBImage, _ reference: [Double]) -> (maximum: Double, exact: Double) {
    var maximum = 0.0, exact = 0
    for (value, expected) in zip(image.pixels, reference) {
        maximum = max(maximum, abs(Double(value) - expected))
        if Double(value) == min(max(expected.rounded(.toNearestOrEven), 0), 255) { exact += 1 }
    }
    return (maximum, Double(exact) / Double(reference.count))
}
