import Foundation
import HDF5
import Imaging
import Testing
import TestSupport
import Verification

/// One PNG variant for the decoder sweep.
struct PNGCase: CustomStringConvertible, Sendable {
    let colorType: TestPNG.ColorType
    let bitDepth: Int
    var transparency = false
    var interlaced = false

    var description: String {
        "\(colorType) \(bitDepth)-bit\(transparency ? " tRNS" : "")\(interlaced ? " Adam7" : "")"
    }

    /// A PNG of this variant with seeded random samples, and the RGB the decoder must give:
    /// low depths scaled to 0…255, 16-bit to the high byte, palettes expanded, alpha dropped.
    func make(width: Int, height: Int, seed: UInt64) -> (file: [UInt8], expected: RGBImage) {
        var random = TestRandom(seed: seed)
        let maximum = colorType == .palette ? min(1 << bitDepth, 200) - 1 : (1 << bitDepth) - 1
        let count = width * height * colorType.channels
        let samples = (0..<count).map { _ in Int.random(in: 0...maximum, using: &random) }
        var png = TestPNG(width: width, height: height, colorType: colorType, bitDepth: bitDepth,
                          samples: samples, interlaced: interlaced)
        if colorType == .palette {
            png.palette = (0...maximum).map { _ in (0..<3).map { _ in UInt8.random(in: 0...255, using: &random) } }
        }
        if transparency {
            switch colorType {
            case .gray: png.transparency = bigEndian32(samples[0]).suffix(2).map { $0 }
            case .rgb: png.transparency = samples[0..<3].flatMap { bigEndian32($0).suffix(2) }
            case .palette: png.transparency = (0...maximum).map { _ in UInt8.random(in: 0...255, using: &random) }
            case .grayAlpha, .rgba: break
            }
        }
        func eightBit(_ value: Int) -> UInt8 {
            bitDepth == 16 ? UInt8(value >> 8) : UInt8(value * 255 / ((1 << bitDepth) - 1))
        }
        let expected = RGBImage(width: width, height: height) { rgb in
            for i in 0..<(width * height) {
                let sample = samples[(i * colorType.channels)...]
                let color: [UInt8]
                switch colorType {
                case .gray, .grayAlpha: color = Array(repeating: eightBit(sample.first!), count: 3)
                case .rgb, .rgba: color = sample.prefix(3).map(eightBit)
                case .palette: color = png.palette[sample.first!]
                }
                for c in 0..<3 { rgb[3 * i + c] = color[c] }
            }
        }
        return (png.bytes, expected)
    }
}

let pngCases: [PNGCase] = [
    PNGCase(colorType: .gray, bitDepth: 1), PNGCase(colorType: .gray, bitDepth: 2),
    PNGCase(colorType: .gray, bitDepth: 4), PNGCase(colorType: .gray, bitDepth: 8),
    PNGCase(colorType: .gray, bitDepth: 16), PNGCase(colorType: .gray, bitDepth: 8, transparency: true),
    PNGCase(colorType: .grayAlpha, bitDepth: 8), PNGCase(colorType: .grayAlpha, bitDepth: 16),
    PNGCase(colorType: .rgb, bitDepth: 8), PNGCase(colorType: .rgb, bitDepth: 16),
    PNGCase(colorType: .rgb, bitDepth: 8, transparency: true), PNGCase(colorType: .rgb, bitDepth: 16, transparency: true),
    PNGCase(colorType: .rgba, bitDepth: 8), PNGCase(colorType: .rgba, bitDepth: 16),
    PNGCase(colorType: .palette, bitDepth: 1), PNGCase(colorType: .palette, bitDepth: 2),
    PNGCase(colorType: .palette, bitDepth: 4), PNGCase(colorType: .palette, bitDepth: 8),
    PNGCase(colorType: .palette, bitDepth: 8, transparency: true),
    PNGCase(colorType: .palette, bitDepth: 2, transparency: true),
    PNGCase(colorType: .gray, bitDepth: 2, interlaced: true), PNGCase(colorType: .rgb, bitDepth: 8, interlaced: true),
    PNGCase(colorType: .rgba, bitDepth: 16, interlaced: true),
    PNGCase(colorType: .palette, bitDepth: 4, transparency: true, interlaced: true),
    PNGCase(colorType: .grayAlpha, bitDepth: 16, interlaced: true),
]

/// Made once with libjpeg (jpeg_set_quality 100, 8×8): gray rows 60, 76, …, 172; and CMYK
/// stored as (200, 100, 50, 180) everywhere, which libjpeg writes with an Adobe marker.
enum TestJPEG {
    static func hexBytes(_ text: String) -> [UInt8] {
        let digits = Array(text.filter(\.isHexDigit))
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    static let grayJPEG = hexBytes("""
        ffd8ffe000104a46494600010100000100010000ffdb00430001010101010101010101010101010101010101010101010101
        010101010101010101010101010101010101010101010101010101010101010101010101010101ffc0000b08000800080101
        1100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000020103030204030505
        04040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a
        25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a8384858687
        88898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2
        e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00f1ff00f826dffcc03feddbff0065afffd9
        """)
    static let cmykJPEG = hexBytes("""
        ffd8ffee000e41646f626500640000000000ffdb004300010101010101010101010101010101010101010101010101010101
        01010101010101010101010101010101010101010101010101010101010101010101010101ffc00014080008000804431100
        4d11005911004b1100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b510000201
        0303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282
        090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778
        797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5
        d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda000e0443004d0059004b00003f00fe902be1fafe63ebf6
        82bfffd9
        """)
}

@Suite struct RGBImageDecodingTests {
    @Test("Every PNG colour type and bit depth decodes to 8-bit RGB", arguments: pngCases)
    func pngVariants(_ variant: PNGCase) throws {
        for (width, height) in [(1, 1), (13, 11), (3, 9)] {
            let (file, expected) = variant.make(width: width, height: height, seed: UInt64(width * 100 + height))
            let image = try RGBImage(decoding: file)
            let differing = image.width == width && image.height == height
                ? zip(image.pixels, expected.pixels).filter { $0 != $1 }.count : -1
            #expect(differing == 0, "\(variant) \(width)×\(height): \(differing) values differ (−1: size)")
        }
    }

    @Test("A gray JPEG decodes with R = G = B")
    func grayJPEG() throws {
        let image = try RGBImage(decoding: TestJPEG.grayJPEG)
        #expect(image.width == 8 && image.height == 8)
        for y in 0..<8 {
            for x in 0..<8 {
                #expect(image[x: x, y: y, channel: 0] == image[x: x, y: y, channel: 1])
                #expect(image[x: x, y: y, channel: 0] == image[x: x, y: y, channel: 2])
                #expect(abs(Int(image[x: x, y: y, channel: 0]) - (60 + 16 * x)) <= 1, "(\(x), \(y))")
            }
        }
    }

    // Adobe-inverted CMYK (200, 100, 50, 180) is C, M, Y, K = 55, 155, 205, 75; Pillow's
    // cmyk2rgb with nk = 255 − K = 180: R = 180 − (55·180 + 128 + …)/255 = 180 − 39 = 141,
    // G = 180 − 109 = 71, B = 180 − 145 = 35.
    @Test("A CMYK JPEG decodes as Pillow converts Adobe CMYK")
    func cmykJPEG() throws {
        let image = try RGBImage(decoding: TestJPEG.cmykJPEG)
        #expect(image == RGBImage(width: 8, height: 8, pixels: [UInt8]([141, 71, 35]).repeated(64)))
    }

    @Test("Missing, unreadable, empty and foreign files give named errors")
    func fileErrors() throws {
        let directory = Fixtures.temporaryDirectory("decode")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = directory + "/missing.png"
        #expect(throws: ImageError(file: missing, .fileNotFound)) { try RGBImage(contentsOfFile: missing) }
        #expect { try RGBImage(contentsOfFile: directory) } throws: { error in
            guard let error = error as? ImageError, case .unreadable = error.reason else { return false }
            return error.file == directory && "\(error)".hasPrefix(directory + ": ")
        }
        let empty = directory + "/empty.png"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: ImageError(file: empty, .truncated)) { try RGBImage(contentsOfFile: empty) }
        let text = directory + "/notes.png"
        _ = FileManager.default.createFile(atPath: text, contents: Data("not an image".utf8))
        #expect { try RGBImage(contentsOfFile: text) } throws: { error in
            guard let error = error as? ImageError, case .unsupportedFormat = error.reason else { return false }
            return error.file == text
        }
    }

    @Test("Truncated PNG and JPEG files are reported as truncated, wherever they are cut")
    func truncated() throws {
        let image = syntheticImage(width: 40, height: 30, seed: 3)
        for encoding in [ImageEncoding.png, .jpeg(quality: 90)] {
            let file = try image.encoded(as: encoding)
            for cut in [2, 5, 20, file.count / 2, file.count - 1] {
                #expect(throws: ImageError(file: "cut", .truncated), "\(encoding) cut at \(cut) of \(file.count)") {
                    try RGBImage(decoding: Array(file.prefix(cut)), name: "cut")
                }
            }
        }
    }

    @Test("Corrupt PNG and JPEG headers are reported as corrupt, with the library's reason")
    func corrupt() throws {
        let image = syntheticImage(width: 16, height: 16, seed: 4)
        var png = try image.encoded(as: .png)
        png[20] ^= 0x40  // inside IHDR's data: its CRC no longer matches
        var jpeg = try image.encoded(as: .jpeg(quality: 90))
        let frame = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg[frame + 5] = 0  // SOF0 height 0
        jpeg[frame + 6] = 0
        for (name, file) in [("png", png), ("jpeg", jpeg)] {
            #expect { try RGBImage(decoding: file, name: name) } throws: { error in
                guard let error = error as? ImageError, case .corrupt(let reason) = error.reason else { return false }
                print("\(name): \(error)")
                return error.file == name && !reason.isEmpty
            }
        }
    }

    @Test("A header beyond the pixel limit is refused before the pixels are allocated")
    func tooLarge() throws {
        var file = PNGCase(colorType: .rgb, bitDepth: 8).make(width: 1, height: 1, seed: 1).file
        // IHDR data starts at byte 16: width, height (big-endian), then its CRC at 29…32.
        file.replaceSubrange(16..<24, with: bigEndian32(10_000) + bigEndian32(9_000))
        file.replaceSubrange(29..<33, with: bigEndian32(Int(crc32(Array(file[12..<29])))))
        #expect(throws: ImageError(file: "big", .tooLarge(width: 10_000, height: 9_000))) {
            try RGBImage(decoding: file, name: "big")
        }
    }

    @Test("Every image of the shared data folder decodes to its documented size",
          .enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder"))
    func sharedData() throws {
        let root = Fixtures.sharedDirectory! + "/data"
        var decoded = 0
        for (folder, side) in [("faces128", 128), ("faces512", 512)] {
            let names = try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)").sorted()
            for name in names where name.hasSuffix(".png") || name.hasSuffix(".jpg") {
                let image = try RGBImage(contentsOfFile: "\(root)/\(folder)/\(name)")
                #expect(image.width == side && image.height == side, "\(folder)/\(name)")
                decoded += 1
            }
        }
        #expect(decoded == 24)
    }

    // The resize fixture's /<i>/hr are Pillow's np.asarray(Image.open(source).convert("RGB")).
    @Test("Decoded shared PNGs equal Pillow's decoding stored in resize.h5",
          .enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder"))
    func pillowDecodingParity() throws {
        let fixture = try ReferenceFixture(path: Fixtures.shared("resize.h5")!)
        let sources = try #require(fixture.config["sources"] as? [String])
        for (index, source) in sources.enumerated() {
            let image = try RGBImage(contentsOfFile: Fixtures.sharedDirectory! + "/data/faces128/" + source)
            let stored = try fixture.file.dataset("\(index)/hr").read(UInt8.self)
            #expect(stored.shape == [image.height, image.width, 3] && stored.values == image.pixels, "\(source)")
        }
    }
}

extension Array {
    /// The array repeated `count` times.
    func repeated(_ count: Int) -> [Element] { (0..<count).flatMap { _ in self } }
}

/// A smooth colour image with a little seeded noise (JPEG-friendly, but not constant).
func syntheticImage(width: Int, height: Int, seed: UInt64, noise: Int = 8) -> RGBImage {
    var random = TestRandom(seed: seed)
    return RGBImage(width: width, height: height) { pixels in
        for y in 0..<height {
            for x in 0..<width {
                let base = [x * 255 / max(width - 1, 1), y * 255 / max(height - 1, 1), (x + y) * 127 / max(width + height - 2, 1)]
                for c in 0..<3 {
                    pixels[(y * width + x) * 3 + c] = UInt8(clamping: base[c] + Int.random(in: -noise...noise, using: &random))
                }
            }
        }
    }
}
