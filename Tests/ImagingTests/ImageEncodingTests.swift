import Foundation
import Imaging
import Testing
import TestSupport

/// RGB PSNR in dB (all three channels, data range 255).
func rgbPSNR(_ a: RGBImage, _ b: RGBImage) -> Double {
    ImageMetrics.psnr(a.pixels.map(Double.init), b.pixels.map(Double.init), dataRange: 255)
}

/// The names in `directory`, sorted.
func listing(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

@Suite struct ImageEncodingTests {
    @Test("PNG round trips are exact", arguments: [(1, 1), (7, 5), (64, 33), (130, 3)])
    func pngRoundTrip(_ size: (Int, Int)) throws {
        var random = TestRandom(seed: 20)
        let image = RGBImage(width: size.0, height: size.1,
                             pixels: (0..<(size.0 * size.1 * 3)).map { _ in UInt8.random(in: 0...255, using: &random) })
        let bytes = try image.encoded(as: .png)
        #expect(Array(bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(try RGBImage(decoding: bytes) == image)
    }

    // Measured with libjpeg-turbo 2.1.5 on this 96×80 smooth image with ±8 per-channel noise
    // (4:2:0 subsampling drops the chroma noise, hence the plateau): 36.2 dB at quality 100,
    // 34.9 at 95, 34.2 at 75, 32.6 at 25, 22.8 at 1. The bounds leave about 2 dB of margin.
    @Test("JPEG round trips stay within a PSNR bound that falls with quality",
          arguments: [(100, 34.0), (95, 33.0), (75, 32.0), (25, 30.5), (1, 20.0)])
    func jpegRoundTrip(_ setting: (quality: Int, minimumPSNR: Double)) throws {
        let image = syntheticImage(width: 96, height: 80, seed: 21)
        let bytes = try image.encoded(as: .jpeg(quality: setting.quality))
        #expect(Array(bytes.prefix(3)) == [0xFF, 0xD8, 0xFF])
        let decoded = try RGBImage(decoding: bytes)
        #expect(decoded.width == 96 && decoded.height == 80)
        let psnr = rgbPSNR(decoded, image)
        print("JPEG quality \(setting.quality): \(bytes.count) bytes, PSNR \(psnr) dB")
        #expect(psnr >= setting.minimumPSNR, "quality \(setting.quality): \(psnr) dB")
    }

    @Test("JPEG quality outside 1…100 is refused")
    func jpegQualityRange() {
        let image = syntheticImage(width: 8, height: 8, seed: 22)
        for quality in [0, 101, -5] {
            #expect(throws: ImageError(file: "<memory>", .invalidArgument("JPEG quality \(quality) is not in 1…100"))) {
                try image.encoded(as: .jpeg(quality: quality))
            }
        }
    }

    @Test("Writing creates the file whole, replaces an old one, and leaves no temporary file")
    func atomicWrite() throws {
        let directory = Fixtures.temporaryDirectory("encode")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = syntheticImage(width: 20, height: 10, seed: 23), second = syntheticImage(width: 5, height: 7, seed: 24)
        let path = directory + "/out.png"
        try first.write(to: path, as: .png)
        #expect(try RGBImage(contentsOfFile: path) == first)
        try second.write(to: path, as: .png)
        #expect(try RGBImage(contentsOfFile: path) == second)
        try second.write(to: directory + "/out.jpg", as: .jpeg(quality: 90))
        #expect(try RGBImage(contentsOfFile: directory + "/out.jpg").width == 5)
        #expect(listing(directory) == ["out.jpg", "out.png"])
    }

    @Test("A failed write names the file and leaves the old file and the directory untouched")
    func failedWrite() throws {
        let directory = Fixtures.temporaryDirectory("encode")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = syntheticImage(width: 6, height: 6, seed: 25)
        let path = directory + "/keep.jpg"
        try image.write(to: path, as: .png)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        #expect(throws: ImageError.self) { try image.write(to: path, as: .jpeg(quality: 0)) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)

        let nowhere = directory + "/missing/out.png"
        #expect { try image.write(to: nowhere, as: .png) } throws: { error in
            guard let error = error as? ImageError, case .writeFailed = error.reason else { return false }
            return error.file == nowhere
        }
        // A directory where the file should go: the rename fails after the data was written.
        try FileManager.default.createDirectory(atPath: directory + "/taken.png", withIntermediateDirectories: false)
        #expect { try image.write(to: directory + "/taken.png", as: .png) } throws: { error in
            guard let error = error as? ImageError, case .writeFailed(let reason) = error.reason else { return false }
            return error.file == directory + "/taken.png" && reason.contains("rename")
        }
        #expect(listing(directory) == ["keep.jpg", "taken.png"])
    }

    @Test("The encoding is inferred from a file name's extension")
    func encodingFromExtension() {
        #expect(ImageEncoding(pathExtensionOf: "a/b/face.PNG") == .png)
        #expect(ImageEncoding(pathExtensionOf: "face.jpeg") == .jpeg(quality: 75))
        #expect(ImageEncoding(pathExtensionOf: "x.jpg", jpegQuality: 90) == .jpeg(quality: 90))
        #expect(ImageEncoding(pathExtensionOf: "face.webp") == nil)
        #expect(ImageEncoding(pathExtensionOf: "dir.png/face") == nil)
    }
}
