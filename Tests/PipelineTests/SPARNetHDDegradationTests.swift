import Datasets
import Foundation
import Imaging
import Testing

/// Each stage against its definition, then the composed degradation.
@Suite struct SPARNetHDDegradationTests {
    // Float sums of at most ~40 taps of values ≤ 255 are within 1e-3 of the Double sum, so a
    // stage rounding once is within 0.5 + 1e-3 of the exact value.
    private let roundingTolerance = 0.5 + 1e-3

    private func constant(_ value: UInt8, size: Int = 24) -> RGBImage {
        RGBImage(width: size, height: size, pixels: [UInt8](repeating: value, count: size * size * 3))
    }

    private func impulse(size: Int) -> RGBImage {
        var image = constant(0, size: size)
        for c in 0..<3 { image[x: size / 2, y: size / 2, channel: c] = 255 }
        return image
    }

    private func mean(_ image: RGBImage) -> Double { Double(image.pixels.reduce(0) { $0 + Int($1) }) / Double(image.pixels.count) }

    @Test(arguments: [(0.8, 5), (2.0, 7), (3.0, 9), (6.5, 17)])
    func gaussianBlurMatchesTheDenseDefinition(sigma: Double, size: Int) {
        #expect(RGBImage.gaussianKernelSize(sigma: sigma) == size)
        let image = noiseImage(width: 23, height: 19, seed: 3)
        let reference = DegradationReference.correlate(image, kernel: DegradationReference.gaussianKernel(sigma: sigma, size: size),
                                                       anchorX: size / 2, anchorY: size / 2)
        let error = levelError(image.gaussianBlurred(sigma: sigma), reference)
        #expect(error.maximum <= roundingTolerance && error.exact > 0.999, "\(error)")
    }

    @Test func gaussianBlurKeepsConstantsAndTheMeanAndSpreadsAnImpulseAsTheKernel() {
        #expect(constant(137).gaussianBlurred(sigma: 4) == constant(137))
        // Mirrored borders do not conserve the sum exactly; on a noise image the mean moves < 0.5 level.
        let noise = noiseImage(width: 64, height: 64, seed: 4)
        let blurred = noise.gaussianBlurred(sigma: 3)
        #expect(abs(mean(blurred) - mean(noise)) < 0.5)
        // The impulse response is 255 × the separable kernel, rounded once.
        let response = impulse(size: 41).gaussianBlurred(sigma: 3)
        let taps = (0..<9).map { exp(-pow(Double($0 - 4), 2) / 18) }
        let total = taps.reduce(0, +)
        var worst = 0.0
        for dy in -4...4 {
            for dx in -4...4 {
                let expected = 255 * taps[dx + 4] * taps[dy + 4] / (total * total)
                worst = max(worst, abs(Double(response[x: 20 + dx, y: 20 + dy, channel: 1]) - expected))
            }
        }
        #expect(worst <= roundingTolerance)
        #expect(response[x: 20 + 5, y: 20, channel: 0] == 0)
        #expect(imgaugGaussianSizes == [5, 5, 7, 9, 11, 13, 19, 39])
    }

    /// imgaug's kernel sizes for σ = 1, 1.5, 2, 3, 4, 5, 7, 15 (3.3σ, 2.9σ, 2.6σ, ≥ 5, odd).
    private var imgaugGaussianSizes: [Int] { [1, 1.5, 2, 3, 4, 5, 7, 15].map { RGBImage.gaussianKernelSize(sigma: $0) } }

    @Test(arguments: [2, 3, 4, 7, 15])
    func averageBlurMatchesTheDenseDefinition(size: Int) {
        let image = noiseImage(width: 17, height: 13, seed: UInt64(size))
        let kernel = [[Double]](repeating: [Double](repeating: 1 / Double(size * size), count: size), count: size)
        let reference = DegradationReference.correlate(image, kernel: kernel, anchorX: size / 2, anchorY: size / 2)
        let error = levelError(image.boxBlurred(kernelSize: size), reference)
        #expect(error.maximum <= roundingTolerance && error.exact > 0.99, "\(error)")
        #expect(constant(201).boxBlurred(kernelSize: size) == constant(201))
    }

    @Test(arguments: [3, 5, 7, 15])
    func medianBlurIsTheMedianOfEachWindow(size: Int) {
        for (width, height) in [(19, 14), (5, 4)] {
            let image = noiseImage(width: width, height: height, seed: UInt64(size * 31 + width))
            let same = image.medianBlurred(kernelSize: size).pixels == DegradationReference.median(image, size: size)
            #expect(same, "median \(size) of a \(width)×\(height) image")
        }
        // A median removes an isolated impulse entirely.
        #expect(impulse(size: 21).medianBlurred(kernelSize: size) == constant(0, size: 21))
    }

    @Test(arguments: [0.0, 30.0, 45.0, 90.0, 135.0, 200.0])
    func motionBlurOfAnImpulseIsALineAtTheAngle(angle: Double) {
        let size = 15, radius = 7
        let response = impulse(size: 41).motionBlurred(kernelSize: size, angle: angle, direction: 0)
        // Clockwise from vertical on screen (y down): the line runs along (−sin θ, cos θ).
        let theta = angle * Double.pi / 180
        let direction = (x: -sin(theta), y: cos(theta))
        var farthest = 0.0, worstOffLine = 0.0, total = 0
        for y in 0..<41 {
            for x in 0..<41 where response[x: x, y: y, channel: 0] > 0 {
                let (u, v) = (Double(x - 20), Double(y - 20))
                worstOffLine = max(worstOffLine, abs(u * direction.y - v * direction.x))
                farthest = max(farthest, abs(u * direction.x + v * direction.y))
                total += Int(response[x: x, y: y, channel: 0])
            }
        }
        // Bilinear rotation spreads the line by less than one pixel; it reaches the kernel's ends.
        #expect(worstOffLine < 1.0, "off the line by \(worstOffLine)")
        #expect(farthest >= Double(radius) - 1, "reaches \(farthest)")
        // The weights sum to 1: 255 is spread with at most 0.5 rounding per touched pixel.
        #expect(abs(total - 255) <= 20, "total \(total)")
    }

    @Test func motionBlurKernelFollowsImgaug() {
        // Angle 0, direction 0: the vertical centre column, uniform.
        let straight = RGBImage.motionBlurKernel(kernelSize: 6, angle: 0, direction: 0)
        #expect(straight.size == 7)
        for y in 0..<7 {
            for x in 0..<7 { #expect(abs(straight.weights[y * 7 + x] - (x == 3 ? 1.0 / 7 : 0)) < 1e-12) }
        }
        // Direction 1 puts the weight at the top, falling linearly to 0 at the bottom.
        let forward = RGBImage.motionBlurKernel(kernelSize: 5, angle: 0, direction: 1)
        // A quarter turn clockwise moves the top to the right.
        let turned = RGBImage.motionBlurKernel(kernelSize: 5, angle: 90, direction: 1)
        for i in 0..<5 {
            let expected = Double(4 - i) / 10
            #expect(abs(forward.weights[i * 5 + 2] - expected) < 1e-12)
            #expect(abs(turned.weights[2 * 5 + (4 - i)] - expected) < 1e-12)
        }
        // The filter is the dense correlation with that kernel.
        let image = noiseImage(width: 21, height: 18, seed: 8)
        let kernel = RGBImage.motionBlurKernel(kernelSize: 9, angle: 33, direction: -0.4)
        let rows = (0..<9).map { Array(kernel.weights[($0 * 9)..<($0 * 9 + 9)]) }
        let error = levelError(image.motionBlurred(kernelSize: 9, angle: 33, direction: -0.4),
                               DegradationReference.correlate(image, kernel: rows, anchorX: 4, anchorY: 4))
        #expect(error.maximum <= roundingTolerance && error.exact > 0.99, "\(error)")
    }

    @Test func grayscaleHasEqualChannelsWithOpenCVLuma() {
        let image = noiseImage(width: 16, height: 16, seed: 5)
        let gray = image.grayscaled()
        var equal = true, luma = true
        for y in 0..<16 {
            for x in 0..<16 {
                let (r, g, b) = (Double(image[x: x, y: y, channel: 0]), Double(image[x: x, y: y, channel: 1]),
                                 Double(image[x: x, y: y, channel: 2]))
                let value = gray[x: x, y: y, channel: 0]
                equal = equal && gray[x: x, y: y, channel: 1] == value && gray[x: x, y: y, channel: 2] == value
                // The 14-bit weights differ from BT.601 by < 3e-5 each: < 0.02 level at 255.
                luma = luma && abs(Double(value) - (0.299 * r + 0.587 * g + 0.114 * b)) <= 0.52
            }
        }
        #expect(equal && luma)
        #expect(constant(77).grayscaled() == constant(77))
    }

    @Test func noiseHasItsSigmaAndIsSharedOrPerChannel() {
        let gray = constant(128, size: 64)
        var random = SampleRandom(seed: 1, epoch: 0, sample: 0)
        #expect(gray.addingGaussianNoise(sigma: 0, perChannel: true, random: &random) == gray)
        var perChannelRandom = SampleRandom(seed: 1, epoch: 0, sample: 1)
        let perChannel = gray.addingGaussianNoise(sigma: 10, perChannel: true, random: &perChannelRandom)
        let deviations = perChannel.pixels.map { Double($0) - 128 }
        let variance = deviations.map { $0 * $0 }.reduce(0, +) / Double(deviations.count)
        // 12288 values: rounding adds 1/12 to the variance; the standard error is ~1.3.
        #expect(abs(variance - 100 - 1.0 / 12) < 5, "variance \(variance)")
        #expect(abs(deviations.reduce(0, +) / Double(deviations.count)) < 0.3)
        #expect(perChannel.grayscaled() != perChannel)
        var sharedRandom = SampleRandom(seed: 1, epoch: 0, sample: 1)
        let shared = gray.addingGaussianNoise(sigma: 10, perChannel: false, random: &sharedRandom)
        #expect(shared.grayscaled() == shared, "one value per pixel keeps R = G = B")
        var again = SampleRandom(seed: 1, epoch: 0, sample: 1)
        #expect(gray.addingGaussianNoise(sigma: 10, perChannel: true, random: &again) == perChannel)
    }

    @Test func jpegChangesTheImageDeterministicallyMoreAtLowQuality() throws {
        let face = syntheticFace(2, size: 64)
        func error(_ image: RGBImage) -> Int { zip(image.pixels, face.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) }
        let coarse = try face.jpegCompressed(quality: 10), fine = try face.jpegCompressed(quality: 90)
        #expect(coarse != face && fine != face)
        #expect(try face.jpegCompressed(quality: 10) == coarse)
        #expect(error(coarse) > 2 * error(fine), "\(error(coarse)) vs \(error(fine))")
        #expect(throws: ImageError.self) { try face.jpegCompressed(quality: 0) }
    }

    @Test func nearestAndAreaResizeAsOpenCV() {
        let image = noiseImage(width: 8, height: 6, seed: 9)
        let nearest = image.resizedNearest(width: 3, height: 4)
        // x: ⌊x·8/3⌋ = 0, 2, 5; y: ⌊y·6/4⌋ = 0, 1, 3, 4.
        for (y, sy) in [0, 1, 3, 4].enumerated() {
            for (x, sx) in [0, 2, 5].enumerated() { #expect(nearest[x: x, y: y, channel: 2] == image[x: sx, y: sy, channel: 2]) }
        }
        // Area by an integer factor is the block mean; by 8/3 partial pixels count by their coverage.
        let area = image.resizedArea(width: 4, height: 3)
        let third = image.resizedArea(width: 3, height: 6)
        for c in 0..<3 {
            for y in 0..<3 {
                for x in 0..<4 {
                    let sum = [(0, 0), (1, 0), (0, 1), (1, 1)].map { Int(image[x: 2 * x + $0.0, y: 2 * y + $0.1, channel: c]) }.reduce(0, +)
                    #expect(Double(area[x: x, y: y, channel: c]) == (Double(sum) / 4).rounded(.toNearestOrEven))
                }
            }
            let value = (0..<3).map { Double(image[x: $0, y: 2, channel: c]) }
            let middle = Double(image[x: 2, y: 2, channel: c]) / 3 + Double(image[x: 3, y: 2, channel: c]) + Double(image[x: 4, y: 2, channel: c]) + Double(image[x: 5, y: 2, channel: c]) / 3
            #expect(abs(Double(third[x: 0, y: 2, channel: c]) - (value[0] + value[1] + (2.0 / 3) * value[2]) * 3 / 8) <= roundingTolerance)
            #expect(abs(Double(third[x: 1, y: 2, channel: c]) - middle * 3 / 8) <= roundingTolerance)
        }
    }

    /// A 64² face and settings scaled to it (LR sides 4…16).
    private func smallDegradation(downsamplings: [SPARNetHDDegradation.Downsampling] = SPARNetHDDegradation.Downsampling.allCases,
                                  _ change: (inout DegradationSettings) -> Void = { _ in }) -> SPARNetHDDegradation {
        var settings = DegradationSettings()
        settings.downsample = (4.0 / 64)...(16.0 / 64)
        change(&settings)
        let degradation = SPARNetHDDegradation(size: 64, settings: settings, downsamplings: downsamplings)
        #expect(degradation.lowResolutionSizes == 4...16)
        return degradation
    }

    @Test func sameKeySameSampleOtherKeysOtherSamples() throws {
        let transform = smallDegradation { $0.blur.probability = 1; $0.noise.probability = 1; $0.jpeg.probability = 1 }
        let face = syntheticFace(4, size: 64)
        var samples: [SampleImages] = []
        for sample in 0..<12 {
            var first = SampleRandom(seed: 5, epoch: 1, sample: sample), second = SampleRandom(seed: 5, epoch: 1, sample: sample)
            let images = try transform.images(from: face, random: &first)
            #expect(try transform.images(from: face, random: &second) == images)
            #expect(images.lowResolutionUp.width == 64 && (4...16).contains(images.lowResolution.width))
            samples.append(images)
        }
        #expect(Set(samples.map(\.lowResolutionUp)).count == samples.count)
    }

    @Test func withoutRandomStagesTheDegradationIsResizeDownAndUp() throws {
        let transform = smallDegradation(downsamplings: [.bicubic]) {
            $0.grayscaleProbability = 0; $0.blur.probability = 0; $0.noise.probability = 0; $0.jpeg.probability = 0
        }
        let face = syntheticFace(6, size: 64)
        var random = SampleRandom(seed: 2, epoch: 0, sample: 3)
        let images = try transform.images(from: face, random: &random)
        let side = images.lowResolution.width
        #expect(images.highResolution == face)
        #expect(images.lowResolution == face.resized(width: side, height: side, filter: .bicubic))
        #expect(images.lowResolutionUp == images.lowResolution.resized(width: 64, height: 64, filter: .bicubic))
    }

    @Test func grayscaleReachesTheTargetWithItsProbability() throws {
        let transform = smallDegradation { $0.blur.probability = 0; $0.jpeg.probability = 0; $0.noise.probability = 0 }
        let face = syntheticFace(9, size: 64)
        var gray = 0
        for sample in 0..<300 {
            var random = SampleRandom(seed: 8, epoch: 0, sample: sample)
            let images = try transform.images(from: face, random: &random)
            if images.highResolution == face.grayscaled() {
                gray += 1
                #expect(images.lowResolution.grayscaled() == images.lowResolution)
            } else {
                #expect(images.highResolution == face)
            }
        }
        // 90 expected; the standard deviation is √(300·0.21) ≈ 8.
        #expect(abs(gray - 90) < 32, "\(gray) of 300 gray")
    }

    @Test func lowResolutionSidesAreTheDownsampleFractionsOfTheSide() {
        #expect(DegradationSettings().lowResolutionSizes(size: 512) == 16...128, "paper: s in [16/512, 128/512]")
        #expect(DegradationSettings.releasedCode.lowResolutionSizes(size: 512) == 32...127, "released randint(32, 128)")
        #expect(DegradationSettings.releasedCode.jpeg.quality == 36...90 && DegradationSettings().jpeg.quality == 17...41)
        #expect(DegradationSettings().lowResolutionSizes(size: 8) == 1...2, "never below one pixel")
        var settings = DegradationSettings()
        settings.blur.average.weight = 0
        #expect(settings.blur.kindsInUse == [.gaussian, .median, .motion])
    }
}
