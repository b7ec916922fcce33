import Foundation
import Imaging

/// The stages of the SPARNetHD degradation (paper eq. 14), written after the OpenCV calls
/// the released code reaches through imgaug. Like OpenCV on uint8 images, every stage takes
/// and returns 8-bit pixels: sums run in Float and each stage's result is rounded to the
/// nearest integer (ties to even, as `cvRound`) and clipped to 0…255 once, at its end.
/// Filters at the border read the image mirrored without repeating the edge
/// (`BORDER_REFLECT_101`: …c b | a b c … x y z | y x …), except the median, which repeats
/// the edge pixel (`BORDER_REPLICATE`), as `cv2.medianBlur` does.
///
/// Allocations: each stage allocates its result and one Float image of scratch (a padded
/// copy of the input or the intermediate of a separable pass).
extension RGBImage {
    /// Gaussian blur with standard deviation `sigma` (pixels) on a `kernelSize`² window
    /// (`cv2.GaussianBlur`), separable: a horizontal then a vertical pass in Float, one rounding.
    /// - Parameter kernelSize: odd; nil picks imgaug's size for `sigma`
    ///   (`gaussianKernelSize(sigma:)`).
    public func gaussianBlurred(sigma: Double, kernelSize: Int? = nil) -> RGBImage {
        precondition(sigma > 0, "gaussianBlurred: sigma \(sigma) must be positive")
        let size = kernelSize ?? Self.gaussianKernelSize(sigma: sigma)
        precondition(size > 0 && size % 2 == 1, "gaussianBlurred: kernel size \(size) must be odd")
        let radius = size / 2
        let weights = (0..<size).map { i -> Double in
            let d = Double(i - radius)
            return exp(-d * d / (2 * sigma * sigma))
        }
        let total = weights.reduce(0, +)
        return separablyFiltered(weights: weights.map { Float($0 / total) }, anchor: radius)
    }

    /// imgaug's kernel size for a Gaussian of `sigma` (`_compute_gaussian_blur_ksize`, then
    /// made odd): 3.3σ below σ = 3 (99 % of the weight), 2.9σ below 5, else 2.6σ (95 %),
    /// at least 5.
    public static func gaussianKernelSize(sigma: Double) -> Int {
        let size = Int(max(sigma < 3 ? 3.3 * sigma : sigma < 5 ? 2.9 * sigma : 2.6 * sigma, 5))
        return size % 2 == 0 ? size + 1 : size
    }

    /// The mean over a `kernelSize`² window (`cv2.blur`): for an even size the window reaches
    /// `kernelSize / 2` pixels back and one fewer forward, as OpenCV's default anchor.
    public func boxBlurred(kernelSize: Int) -> RGBImage {
        precondition(kernelSize > 0, "boxBlurred: kernel size \(kernelSize) must be positive")
        guard kernelSize > 1 else { return self }
        return separablyFiltered(weights: Array(repeating: 1 / Float(kernelSize), count: kernelSize),
                                 anchor: kernelSize / 2)
    }

    /// The median over a `kernelSize`² window per channel (`cv2.medianBlur`; odd sizes; the
    /// edge pixel repeats beyond the border). Huang's sliding histogram: per output pixel,
    /// 2·`kernelSize` histogram updates and a short walk of the median.
    public func medianBlurred(kernelSize: Int) -> RGBImage {
        precondition(kernelSize > 0 && kernelSize % 2 == 1, "medianBlurred: kernel size \(kernelSize) must be odd")
        guard kernelSize > 1 else { return self }
        let (w, h, r) = (width, height, kernelSize / 2)
        let half = kernelSize * kernelSize / 2
        return RGBImage(width: w, height: h) { output in
            withUnsafePixels { input in
                let histogram = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
                defer { histogram.deallocate() }
                let pixels = input.baseAddress!, out = output.baseAddress!
                @inline(__always) func value(_ x: Int, _ y: Int, _ c: Int) -> Int {
                    Int(pixels[(min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)) * 3 + c])
                }
                for c in 0..<3 {
                    for y in 0..<h {
                        histogram.initialize(repeating: 0, count: 256)
                        for dy in -r...r {
                            for dx in -r...r { histogram[value(dx, y + dy, c)] += 1 }
                        }
                        // median: `below` values lie under it, and below ≤ half < below + histogram[median].
                        var median = 0, below = 0
                        while below + Int(histogram[median]) <= half {
                            below += Int(histogram[median])
                            median += 1
                        }
                        out[(y * w) * 3 + c] = UInt8(median)
                        for x in 1..<max(w, 1) {
                            for dy in -r...r {
                                let leaving = value(x - r - 1, y + dy, c), entering = value(x + r, y + dy, c)
                                histogram[leaving] -= 1
                                histogram[entering] += 1
                                if leaving < median { below -= 1 }
                                if entering < median { below += 1 }
                            }
                            while below > half {
                                median -= 1
                                below -= Int(histogram[median])
                            }
                            while below + Int(histogram[median]) <= half {
                                below += Int(histogram[median])
                                median += 1
                            }
                            out[(y * w + x) * 3 + c] = UInt8(median)
                        }
                    }
                }
            }
        }
    }

    /// imgaug's motion-blur kernel (`MotionBlur`): a vertical line through the centre of a
    /// `kernelSize`² matrix (even sizes grow by one) with weights rising linearly from
    /// (1 + direction)/2 at the top to (1 − direction)/2 at the bottom, turned clockwise by
    /// `angle` degrees about the centre with bilinear interpolation, normalized to sum 1.
    /// Row-major `size`² weights. (imgaug rotates an 8-bit image of the matrix; we keep Double.)
    public static func motionBlurKernel(kernelSize: Int, angle: Double, direction: Double) -> (size: Int, weights: [Double]) {
        precondition(kernelSize >= 3, "motionBlurKernel: kernel size \(kernelSize) must be at least 3")
        let size = kernelSize % 2 == 0 ? kernelSize + 1 : kernelSize
        let center = Double(size / 2)
        let top = (min(max(direction, -1), 1) + 1) / 2
        // The unrotated line: column `center`, row i weighted linspace(top, 1 − top)[i].
        func line(_ x: Double, _ y: Double) -> Double {
            let (column, row) = (Int(x), Int(y))
            guard x >= 0, y >= 0, column < size, row < size, column == Int(center) else { return 0 }
            return top + (1 - 2 * top) * Double(row) / Double(size - 1)
        }
        func bilinear(_ x: Double, _ y: Double) -> Double {
            let (x0, y0) = (x.rounded(.down), y.rounded(.down))
            let (fx, fy) = (x - x0, y - y0)
            var sum = 0.0
            for (dx, wx) in [(0.0, 1 - fx), (1.0, fx)] where wx > 0 {
                for (dy, wy) in [(0.0, 1 - fy), (1.0, fy)] where wy > 0 {
                    let (px, py) = (x0 + dx, y0 + dy)
                    if px >= 0 && py >= 0 { sum += wx * wy * line(px, py) }
                }
            }
            return sum
        }
        // Clockwise on screen (y down) by θ maps (u, v) to (u cos θ − v sin θ, u sin θ + v cos θ);
        // each output pixel samples the line at the inverse rotation of its offset.
        let theta = angle * Double.pi / 180
        let (c, s) = (cos(theta), sin(theta))
        var weights = [Double](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let (u, v) = (Double(x) - center, Double(y) - center)
                weights[y * size + x] = bilinear(center + u * c + v * s, center - u * s + v * c)
            }
        }
        let total = weights.reduce(0, +)
        precondition(total > 0, "motionBlurKernel: empty kernel for size \(size), direction \(direction)")
        return (size, weights.map { $0 / total })
    }

    /// Motion blur (`cv2.filter2D` with `motionBlurKernel`, a correlation anchored at the
    /// kernel centre). Only the kernel's nonzero taps are summed.
    public func motionBlurred(kernelSize: Int, angle: Double, direction: Double) -> RGBImage {
        let kernel = Self.motionBlurKernel(kernelSize: kernelSize, angle: angle, direction: direction)
        let radius = kernel.size / 2
        var taps: [(dx: Int, dy: Int, weight: Float)] = []
        for y in 0..<kernel.size {
            for x in 0..<kernel.size where kernel.weights[y * kernel.size + x] != 0 {
                taps.append((x - radius, y - radius, Float(kernel.weights[y * kernel.size + x])))
            }
        }
        return correlated(taps: taps, radius: radius)
    }

    /// Gray with R = G = B = OpenCV's `RGB2GRAY` luma, in its fixed point:
    /// (4899·R + 9617·G + 1868·B + 2¹³) >> 14 (BT.601 weights 0.299, 0.587, 0.114), which
    /// imgaug's `Grayscale(alpha=1.0)` copies to the three channels.
    public func grayscaled() -> RGBImage {
        RGBImage(width: width, height: height) { output in
            withUnsafePixels { input in
                for i in stride(from: 0, to: input.count, by: 3) {
                    let luma = (4899 * Int(input[i]) + 9617 * Int(input[i + 1]) + 1868 * Int(input[i + 2]) + 8192) >> 14
                    output[i] = UInt8(luma)
                    output[i + 1] = UInt8(luma)
                    output[i + 2] = UInt8(luma)
                }
            }
        }
    }

    /// Additive white Gaussian noise of standard deviation `sigma` (in 0…255 levels), drawn
    /// from `random` pixel by pixel in row-major order — one value per channel when
    /// `perChannel`, else one value per pixel added to all three channels (imgaug's
    /// `AdditiveGaussianNoise`) — rounded to the nearest level and clipped.
    public func addingGaussianNoise(sigma: Double, perChannel: Bool, random: inout SampleRandom) -> RGBImage {
        precondition(sigma >= 0, "addingGaussianNoise: sigma \(sigma) is negative")
        var result = self
        result.withUnsafeMutablePixels { pixels in
            for i in stride(from: 0, to: pixels.count, by: 3) {
                let shared = perChannel ? 0 : sigma * random.normal()
                for c in 0..<3 {
                    let noise = perChannel ? sigma * random.normal() : shared
                    let value = (Double(pixels[i + c]) + noise).rounded(.toNearestOrEven)
                    pixels[i + c] = UInt8(min(max(value, 0), 255))
                }
            }
        }
        return result
    }

    /// The image after a JPEG round trip at `quality` (libjpeg through `Imaging`, Pillow's
    /// defaults: 4:2:0 chroma, islow DCT), as imgaug's `JpegCompression` saves with Pillow and
    /// reads back.
    public func jpegCompressed(quality: Int) throws -> RGBImage {
        try RGBImage(decoding: encoded(as: .jpeg(quality: quality)), name: "<JPEG round trip at quality \(quality)>")
    }

    /// Nearest-neighbour resampling as `cv2.resize(…, INTER_NEAREST)`: output pixel x takes
    /// input ⌊x · inputWidth / outputWidth⌋ (the same per row).
    public func resizedNearest(width outputWidth: Int, height outputHeight: Int) -> RGBImage {
        precondition(outputWidth > 0 && outputHeight > 0, "resizedNearest: output \(outputWidth)×\(outputHeight)")
        let scaleX = Double(width) / Double(outputWidth), scaleY = Double(height) / Double(outputHeight)
        let columns = (0..<outputWidth).map { min(Int((Double($0) * scaleX).rounded(.down)), width - 1) }
        return RGBImage(width: outputWidth, height: outputHeight) { output in
            withUnsafePixels { input in
                for y in 0..<outputHeight {
                    let sourceRow = input.baseAddress! + min(Int((Double(y) * scaleY).rounded(.down)), height - 1) * width * 3
                    let target = output.baseAddress! + y * outputWidth * 3
                    for x in 0..<outputWidth {
                        let from = sourceRow + columns[x] * 3
                        target[x * 3] = from[0]
                        target[x * 3 + 1] = from[1]
                        target[x * 3 + 2] = from[2]
                    }
                }
            }
        }
    }

    /// Area resampling as `cv2.resize(…, INTER_AREA)` when shrinking: each output pixel is
    /// the mean of the input area it covers, partly covered input pixels weighted by the
    /// covered fraction; separable, one rounding at the end.
    public func resizedArea(width outputWidth: Int, height outputHeight: Int) -> RGBImage {
        precondition(outputWidth > 0 && outputHeight > 0, "resizedArea: output \(outputWidth)×\(outputHeight)")
        // For each output index: (first input index, weights over the covered inputs).
        func coverage(_ input: Int, _ output: Int) -> [(first: Int, weights: [Float])] {
            let scale = Double(input) / Double(output)
            return (0..<output).map { o in
                let start = Double(o) * scale, end = min(Double(o + 1) * scale, Double(input))
                let first = Int(start.rounded(.down)), last = min(Int(end.rounded(.up)), input)
                let weights = (first..<last).map { i in
                    Float((min(end, Double(i + 1)) - max(start, Double(i))) / (end - start))
                }
                return (first, weights)
            }
        }
        let columns = coverage(width, outputWidth), rows = coverage(height, outputHeight)
        let (w, ow) = (width, outputWidth)
        // Horizontal pass into Float rows (H, Wo, 3), then vertical.
        var horizontal = [Float](repeating: 0, count: height * ow * 3)
        withUnsafePixels { input in
            for y in 0..<height {
                let row = input.baseAddress! + y * w * 3
                for x in 0..<ow {
                    var sum: (Float, Float, Float) = (0, 0, 0)
                    for (j, weight) in columns[x].weights.enumerated() {
                        let pixel = row + (columns[x].first + j) * 3
                        sum.0 += weight * Float(pixel[0])
                        sum.1 += weight * Float(pixel[1])
                        sum.2 += weight * Float(pixel[2])
                    }
                    let target = (y * ow + x) * 3
                    horizontal[target] = sum.0
                    horizontal[target + 1] = sum.1
                    horizontal[target + 2] = sum.2
                }
            }
        }
        let stride = ow * 3
        return RGBImage(width: outputWidth, height: outputHeight) { output in
            var sums = [Float](repeating: 0, count: stride)
            for y in 0..<outputHeight {
                for i in 0..<stride { sums[i] = 0 }
                for (j, weight) in rows[y].weights.enumerated() {
                    let base = (rows[y].first + j) * stride
                    for i in 0..<stride { sums[i] += weight * horizontal[base + i] }
                }
                for i in 0..<stride { output[y * stride + i] = roundedLevel(sums[i]) }
            }
        }
    }

    // input (H, W, 3) uint8  output (H, W, 3) uint8: out(x) = Σ_k weights[k] · in(x + k − anchor)
    // along rows, then the same along columns, BORDER_REFLECT_101, one rounding at the end.
    private func separablyFiltered(weights: [Float], anchor: Int) -> RGBImage {
        let (w, h, k) = (width, height, weights.count)
        let before = anchor, after = k - 1 - anchor
        let paddedWidth = w + before + after, stride = w * 3
        var horizontal = [Float](repeating: 0, count: h * stride)
        var padded = [Float](repeating: 0, count: paddedWidth * 3)
        withUnsafePixels { input in
            weights.withUnsafeBufferPointer { kernel in
                horizontal.withUnsafeMutableBufferPointer { horizontal in
                    padded.withUnsafeMutableBufferPointer { padded in
                        for y in 0..<h {
                            let row = input.baseAddress! + y * stride
                            for px in 0..<paddedWidth {
                                let source = row + reflect101(px - before, w) * 3
                                padded[px * 3] = Float(source[0])
                                padded[px * 3 + 1] = Float(source[1])
                                padded[px * 3 + 2] = Float(source[2])
                            }
                            let out = horizontal.baseAddress! + y * stride
                            out.initialize(repeating: 0, count: stride)
                            for tap in 0..<k {
                                let weight = kernel[tap], source = padded.baseAddress! + tap * 3
                                for i in 0..<stride { out[i] += weight * source[i] }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h) { output in
            var sums = [Float](repeating: 0, count: stride)
            horizontal.withUnsafeBufferPointer { horizontal in
                for y in 0..<h {
                    for i in 0..<stride { sums[i] = 0 }
                    for tap in 0..<k {
                        let weight = weights[tap], source = horizontal.baseAddress! + reflect101(y + tap - before, h) * stride
                        for i in 0..<stride { sums[i] += weight * source[i] }
                    }
                    for i in 0..<stride { output[y * stride + i] = roundedLevel(sums[i]) }
                }
            }
        }
    }

    // input (H, W, 3) uint8  output (H, W, 3) uint8: out(x, y) = Σ weight · in(x + dx, y + dy),
    // BORDER_REFLECT_101, over an input padded once by `radius` on every side.
    private func correlated(taps: [(dx: Int, dy: Int, weight: Float)], radius: Int) -> RGBImage {
        let (w, h) = (width, height)
        let paddedWidth = w + 2 * radius, paddedStride = paddedWidth * 3, stride = w * 3
        var padded = [Float](repeating: 0, count: (h + 2 * radius) * paddedStride)
        withUnsafePixels { input in
            for py in 0..<(h + 2 * radius) {
                let row = input.baseAddress! + reflect101(py - radius, h) * stride
                for px in 0..<paddedWidth {
                    let source = row + reflect101(px - radius, w) * 3, target = py * paddedStride + px * 3
                    padded[target] = Float(source[0])
                    padded[target + 1] = Float(source[1])
                    padded[target + 2] = Float(source[2])
                }
            }
        }
        return RGBImage(width: w, height: h) { output in
            var sums = [Float](repeating: 0, count: stride)
            padded.withUnsafeBufferPointer { padded in
                for y in 0..<h {
                    for i in 0..<stride { sums[i] = 0 }
                    for tap in taps {
                        let source = padded.baseAddress! + (y + radius + tap.dy) * paddedStride + (radius + tap.dx) * 3
                        for i in 0..<stride { sums[i] += tap.weight * source[i] }
                    }
                    for i in 0..<stride { output[y * stride + i] = roundedLevel(sums[i]) }
                }
            }
        }
    }
}

/// Index `i` of an axis of `n` samples mirrored without repeating the edge (OpenCV's
/// `BORDER_REFLECT_101`), for any `i`.
@inline(__always)
func reflect101(_ i: Int, _ n: Int) -> Int {
    guard n > 1 else { return 0 }
    let period = 2 * n - 2
    let m = abs(i) % period
    return m < n ? m : period - m
}

/// A Float sum as an 8-bit level: rounded to nearest (ties to even, as `cvRound`), clipped.
@inline(__always)
func roundedLevel(_ value: Float) -> UInt8 {
    UInt8(min(max(value.rounded(.toNearestOrEven), 0), 255))
}
