import Foundation
import HDF5

/// A dataset of face images stored in one or more HDF5 shards, concatenated in sorted path
/// order and validated up front; random access by global index, safe from several threads
/// (the HDF5 wrapper serializes library calls) and from every MPI rank (files are opened
/// read-only without locks; set `HDF5_USE_FILE_LOCKING=FALSE` for old HDF5 on NFS).
public final class ImageDataset: @unchecked Sendable {
    /// The shard files in the order their images are numbered.
    public let paths: [String]
    public let height: Int
    public let width: Int
    /// Images in all shards.
    public let count: Int
    private let shards: [HDF5Dataset]
    /// First global index of each shard.
    private let firstIndices: [Int]

    /// Opens every file matching each pattern (shell globs; a plain path is a pattern too).
    public convenience init(patterns: [String]) throws {
        var paths: [String] = []
        for pattern in patterns {
            let matches = expandGlob(pattern)
            guard !matches.isEmpty else {
                throw DatasetError("no file matches \(pattern)")
            }
            paths += matches
        }
        try self.init(paths: Array(Set(paths)).sorted())
    }

    /// Opens the given shard files in this order, checking format, element type, rank, image
    /// size and counts; every error names the file.
    public init(paths: [String]) throws {
        guard !paths.isEmpty else { throw DatasetError("no image shards given") }
        var shards: [HDF5Dataset] = [], firstIndices: [Int] = []
        var size: (Int, Int)?
        var total = 0
        for path in paths {
            let file = try HDF5File(path: path)
            let format = (try? file.stringAttribute("format")) ?? "(none)"
            guard format == ImageShardFormat.formatName else {
                throw DatasetError("\(path): not an image shard (format attribute \(format), expected \(ImageShardFormat.formatName))")
            }
            let version = try file.int64Attribute("version")
            guard version == ImageShardFormat.version else {
                throw DatasetError("\(path): image-shard version \(version), this build reads \(ImageShardFormat.version)")
            }
            guard try file.contains(ImageShardFormat.imagesDataset) else {
                throw DatasetError("\(path): missing the /\(ImageShardFormat.imagesDataset) dataset")
            }
            let images = try file.dataset(ImageShardFormat.imagesDataset).expect(type: .uint8, shape: [nil, nil, nil, 3])
            let (n, h, w) = (images.shape[0], images.shape[1], images.shape[2])
            let attributes = (Int(try file.int64Attribute("height")), Int(try file.int64Attribute("width")))
            guard attributes == (h, w) else {
                throw DatasetError("\(path): /images is \(h)×\(w) but the height/width attributes say \(attributes.0)×\(attributes.1)")
            }
            if let size, size != (h, w) {
                throw DatasetError("\(path): images are \(h)×\(w), the shards before hold \(size.0)×\(size.1)")
            }
            guard n > 0 else { throw DatasetError("\(path): holds no images") }
            size = (h, w)
            shards.append(images)
            firstIndices.append(total)
            total += n
        }
        self.paths = paths
        self.shards = shards
        self.firstIndices = firstIndices
        (height, width) = size!
        count = total
    }

    /// Bytes of one image (height·width·3).
    public var imageByteCount: Int { height * width * 3 }

    /// Reads image `index` (interleaved RGB, height·width·3 bytes) into `pixels`; an index
    /// outside 0..<count throws a `DatasetError` naming the index and the shards.
    public func read(_ index: Int, into pixels: UnsafeMutableBufferPointer<UInt8>) throws {
        guard (0..<count).contains(index) else {
            throw DatasetError("\(paths.joined(separator: ", ")): no image \(index), the dataset holds \(count) (indices 0…\(count - 1))")
        }
        precondition(pixels.count == imageByteCount, "ImageDataset: buffer of \(pixels.count) for \(imageByteCount) bytes")
        var shard = firstIndices.count - 1
        while firstIndices[shard] > index { shard -= 1 }
        try shards[shard].read(into: pixels, start: [index - firstIndices[shard], 0, 0, 0],
                               count: [1, height, width, 3])
    }

    /// A short description for logs and the coordinator's manifest.
    public var manifest: String {
        "\(count) images of \(height)×\(width) in \(paths.count) shard(s): " + paths.joined(separator: ", ")
    }
}

/// A dataset that cannot be used, with the reason naming the file or pattern.
public struct DatasetError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Paths matching a shell glob, sorted (a pattern without wildcards matches itself if it exists).
func expandGlob(_ pattern: String) -> [String] {
    var result = glob_t()
    defer { globfree(&result) }
    guard glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
}
