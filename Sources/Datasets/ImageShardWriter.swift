import DurableFiles
import Foundation
import HDF5

/// Writes one image shard under a temporary name and renames it into place only when every
/// image is written, so a crash or an error never leaves a partial shard under the real name.
///
/// `commit()` does both steps; a set of shards that must appear together calls `finish()` on
/// each, then `publish()` on each (see `ImageShardSetWriter`).
public final class ImageShardWriter {
    /// The final path.
    public let path: String
    /// Images the shard has room for; `finish(count:)` may keep fewer.
    public let count: Int
    public let height: Int
    public let width: Int
    /// Where the shard is written until it is published: `<path>.partial-<pid>`.
    public let temporaryPath: String
    private var file: HDF5File?
    private var images: HDF5Dataset?
    private var written: [Bool]
    private var names: [String?]
    private var state = State.writing

    private enum State { case writing, finished, published, discarded }

    /// Creates `<path>.partial-<pid>` holding space for `count` images of `height`×`width`.
    public init(path: String, count: Int, height: Int, width: Int, gzipLevel: Int? = nil) throws {
        precondition(count > 0 && height > 0 && width > 0, "ImageShardWriter: empty shard \(count)×\(height)×\(width)")
        self.path = path
        self.count = count
        self.height = height
        self.width = width
        temporaryPath = DurableFiles.temporaryPath(for: path)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw HDF5Error(file: path, "cannot create the output directory \(directory): \(error.localizedDescription)")
            }
        }
        let file = try HDF5File(path: temporaryPath, mode: .create)
        self.file = file
        images = try file.createDataset(ImageShardFormat.imagesDataset, elementType: .uint8,
                                        shape: [count, height, width, 3], chunkShape: [1, height, width, 3],
                                        gzipLevel: gzipLevel)
        written = Array(repeating: false, count: count)
        names = Array(repeating: nil, count: count)
    }

    deinit { discard() }

    /// Writes image `index` from interleaved RGB bytes (height·width·3), with its name for
    /// `/names` (written only when every kept image has one).
    public func write(_ pixels: UnsafeBufferPointer<UInt8>, at index: Int, name: String? = nil) throws {
        precondition(pixels.count == height * width * 3, "ImageShardWriter: \(pixels.count) bytes for a \(height)×\(width) image")
        precondition((0..<count).contains(index), "ImageShardWriter: image \(index) of \(count)")
        precondition(state == .writing, "ImageShardWriter: \(path) is already finished")
        try images!.write(from: pixels, start: [index, 0, 0, 0], count: [1, height, width, 3])
        written[index] = true
        names[index] = name
    }

    /// Keeps the first `count` images (default: all; fewer shrinks `/images`), writes `/names`
    /// and the format attributes, closes and fsyncs the temporary file. It is not yet visible
    /// under `path`: `publish()` does that.
    public func finish(count kept: Int? = nil) throws {
        guard state == .writing, let file else { return }
        let kept = kept ?? count
        precondition((1...count).contains(kept), "ImageShardWriter: keeping \(kept) of \(count) images")
        if let missing = written[..<kept].firstIndex(of: false) {
            throw HDF5Error(file: path, "image \(missing) of \(kept) was never written")
        }
        try images?.close()
        images = nil
        if kept < count {
            try file.resizeDataset(ImageShardFormat.imagesDataset, to: [kept, height, width, 3])
        }
        let keptNames = names[..<kept].compactMap { $0 }
        if keptNames.count == kept {
            try file.writeStrings(ImageShardFormat.namesDataset, keptNames)
        }
        try file.setAttribute("format", to: ImageShardFormat.formatName)
        try file.setAttribute("version", to: ImageShardFormat.version)
        try file.setAttribute("height", to: Int64(height))
        try file.setAttribute("width", to: Int64(width))
        try file.close()
        self.file = nil
        try syncToDisk(temporaryPath)
        state = .finished
    }

    /// Renames the finished shard into place (atomic on one file system) and fsyncs the directory.
    public func publish() throws {
        precondition(state == .finished, "ImageShardWriter: publish \(path) after finish()")
        try durablyRename(temporaryPath, to: path, alreadySynced: true)
        state = .published
    }

    /// `finish()` then `publish()`: the whole shard appears under `path`, or nothing does.
    public func commit() throws {
        try finish()
        try publish()
    }

    /// Removes the temporary file unless the shard was published; the real name is untouched.
    public func discard() {
        guard state == .writing || state == .finished else { return }
        images = nil
        try? file?.close()
        file = nil
        try? FileManager.default.removeItem(atPath: temporaryPath)
        state = .discarded
    }
}
