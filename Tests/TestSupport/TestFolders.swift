import Foundation
import Imaging
import TestSupport

/// Small folders of generated photos (good, truncated, not images) for the prepare tests.
public enum TestFolders {
    /// An image of seeded random pixels (photos would compress alike; noise tells images apart).
    public static func image(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var random = TestRandom(seed: seed)
        return RGBImage(width: width, height: height, pixels: (0..<width * height * 3).map { _ in UInt8.random(in: 0...255, using: &random) })
    }

    /// Writes `image` to `directory/name`, encoded by the name's extension, cut to its first half
    /// when `truncated`.
    public static func write(_ image: RGBImage, to directory: String, _ name: String, truncated: Bool = false) throws {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let bytes = try image.encoded(as: ImageEncoding(pathExtensionOf: name, jpegQuality: 90)!)
        try Data(truncated ? bytes.prefix(bytes.count / 2) : bytes[...]).write(to: URL(fileURLWithPath: path))
    }

    /// Every file and folder under `directory`, relative, sorted (to prove nothing was left behind).
    public static func contents(_ directory: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}
