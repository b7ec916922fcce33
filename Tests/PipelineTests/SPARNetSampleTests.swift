import Datasets
import Imaging
import Testing

@Suite struct SPARNetSampleTests {
    /// A 3×2 image whose pixel (x, y) channel c is 100·y + 10·x + c.
    private let small: RGBImage = {
        var pixels: [UInt8] = []
        for y in 0..<2 {
            for x in 0..<3 {
                for c in 0..<3 { pixels.append(UInt8(100 * y + 10 * x + c)) }
            }
        }
        return RGBImage(width: 3, height: 2, pixels: pixels)
    }()

    private func code(_ image: RGBImage, _ x: Int, _ y: Int) -> Int { Int(image[x: x, y: y, channel: 0]) }

    @Test func geometricOperationsMovePixelsAsPillow() {
        let flipped = small.flippedHorizontally()
        #expect((0..<3).map { code(flipped, $0, 0) } == [20, 10, 0])
        // Counterclockwise quarter turn: the top-right pixel becomes the top-left one.
        let turned = small.rotated(quarterTurns: 1)
        #expect(turned.width == 2 && turned.height == 3)
        #expect([code(turned, 0, 0), code(turned, 1, 0), code(turned, 0, 2), code(turned, 1, 2)] == [20, 120, 0, 100])
        let halfTurn = small.rotated(quarterTurns: 2)
        #expect([code(halfTurn, 0, 0), code(halfTurn, 2, 0), code(halfTurn, 2, 1)] == [120, 100, 0])
        #expect(small.rotated(quarterTurns: 3) == small.rotated(quarterTurns: -1))
        #expect(small.rotated(quarterTurns: 1).rotated(quarterTurns: 3) == small)
        #expect(small.flippedHorizontally().flippedHorizontally() == small)
        let crop = small.cropped(x: 1, y: 1, width: 2, height: 1)
        #expect(crop.width == 2 && crop.height == 1 && code(crop, 0, 0) == 110 && code(crop, 1, 0) == 120)
        #expect(crop[x: 1, y: 0, channel: 2] == 122)
    }

    @Test func lowResolutionIsSixteenAndLowResolutionUpIsPillowBicubicTwice() throws {
        let transform = try SPARNetSample()
        let face = syntheticFace(3, size: 128)
        for sample in 0..<6 {
            var random = SampleRandom(seed: 9, epoch: 1, sample: sample)
            let images = try transform.images(from: face, random: &random)
            #expect(images.lowResolution.width == 16 && images.lowResolution.height == 16)
            let expectedLow = images.highResolution.resized(width: 16, height: 16, filter: .bicubic)
            #expect(images.lowResolution == expectedLow)
            #expect(images.lowResolutionUp == expectedLow.resized(width: 128, height: 128, filter: .bicubic))
            var again = SampleRandom(seed: 9, epoch: 1, sample: sample)
            #expect(try transform.augmented(face, random: &again) == images.highResolution)
        }
    }

    @Test func eachAugmentationDoesWhatItsSettingSays() throws {
        let face = syntheticFace(5, size: 64)
        var none = SPARNetAugmentation()
        none.flipProbability = 0
        none.scaleRange = 1...1
        var random = SampleRandom(seed: 1, epoch: 0, sample: 0)
        #expect(try SPARNetSample(size: 64, settings: none).augmented(face, random: &random) == face)

        var flip = none
        flip.flipProbability = 1
        #expect(try SPARNetSample(size: 64, settings: flip).augmented(face, random: &random) == face.flippedHorizontally())

        var rotate = none
        rotate.rotationProbability = 1
        var turns = Set<Int>()
        for sample in 0..<30 {
            var random = SampleRandom(seed: 1, epoch: 0, sample: sample)
            let turned = try SPARNetSample(size: 64, settings: rotate).augmented(face, random: &random)
            let match = (1...3).first { face.rotated(quarterTurns: $0) == turned }
            #expect(match != nil)
            if let match { turns.insert(match) }
        }
        #expect(turns == [1, 2, 3])

        // Factors above 1 + 1/size always crop a window of area ≥ 0.7 and zoom it back to size.
        var zoom = none
        zoom.scaleRange = 1.2...1.3
        for sample in 0..<10 {
            var random = SampleRandom(seed: 1, epoch: 0, sample: sample)
            let zoomed = try SPARNetSample(size: 64, settings: zoom).augmented(face, random: &random)
            #expect(zoomed.width == 64 && zoomed.height == 64 && zoomed != face)
        }
    }

    @Test func defaultAugmentationMixesUnchangedFlippedAndZoomedFaces() throws {
        let transform = try SPARNetSample(size: 64)
        let face = syntheticFace(8, size: 64)
        var unchanged = 0, flipped = 0, other = 0
        for sample in 0..<200 {
            var random = SampleRandom(seed: 3, epoch: 2, sample: sample)
            let image = try transform.augmented(face, random: &random)
            if image == face { unchanged += 1 } else if image == face.flippedHorizontally() { flipped += 1 } else { other += 1 }
        }
        // Factors below 1 + 1/64 (5 % of 1…1.3) leave the size alone: ~5 samples each way.
        #expect(unchanged > 0 && flipped > 0 && other > 170, "\(unchanged) \(flipped) \(other)")
    }

    @Test func writeGivesNormalizedChannelPlanes() throws {
        let transform = try SPARNetSample(size: 32)
        let face = syntheticFace(1, size: 32)
        let low = FloatBuffer(3 * 32 * 32), high = FloatBuffer(3 * 32 * 32)
        var random = SampleRandom(seed: 4, epoch: 0, sample: 1)
        try transform.write(face, random: &random, lowResolutionUp: low.pointer, highResolution: high.pointer)
        var again = SampleRandom(seed: 4, epoch: 0, sample: 1)
        let images = try transform.images(from: face, random: &again)
        for (buffer, image) in [(low, images.lowResolutionUp), (high, images.highResolution)] {
            let values = buffer.values
            var matches = true
            for c in 0..<3 {
                for y in 0..<32 {
                    for x in 0..<32 {
                        // torchvision: ToTensor divides by 255 in float32, Normalize subtracts 0.5 and divides by 0.5.
                        let expected = (Float(image[x: x, y: y, channel: c]) / 255 - 0.5) / 0.5
                        matches = matches && values[(c * 32 + y) * 32 + x] == expected
                    }
                }
            }
            #expect(matches)
        }
        let extremes = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 255, 255, 255])
        let planes = FloatBuffer(6)
        extremes.writeNormalizedPlanes(into: planes.pointer)
        #expect(planes.values == [-1, 1, -1, 1, -1, 1])
    }

    @Test func invalidSettingsAndSizesAreRejected() throws {
        var settings = SPARNetAugmentation()
        settings.scaleFactor = 7
        #expect(throws: DatasetError.self) { try SPARNetSample(size: 128, settings: settings) }
        settings = SPARNetAugmentation()
        settings.flipProbability = 1.5
        #expect(throws: DatasetError.self) { try SPARNetSample(size: 128, settings: settings) }
        var random = SampleRandom(seed: 0, epoch: 0, sample: 0)
        #expect(throws: DatasetError.self) { try SPARNetSample(size: 128).images(from: syntheticFace(0, size: 64), random: &random) }
    }
}
