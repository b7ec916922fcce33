import Foundation
import Imaging

/// A folder of PNG and JPEG photos to turn into image shards (`sparnet-dist prepare --images`).
///
/// Files are found recursively (following symbolic links, each directory once), by extension
/// `.png`, `.jpg` or `.jpeg` in any case; names starting with a dot (`.DS_Store`, macOS `._x.jpg`
/// resource forks) are ignored. They are sorted by path in byte order, as Python's `sorted()`
/// sorts, so image i is the same file on every machine.
public struct ImageFolder: Sendable {
    /// The folder as given.
    public let directory: String
    /// The photos' paths relative to `directory`, sorted: what `/names` stores.
    public let files: [String]

    /// Lists the photos under `directory`.
    /// - Throws: `DatasetError` naming the folder when it is missing, not a folder, unreadable,
    ///   or holds no PNG or JPEG file.
    public init(directory: String) throws {
        self.directory = directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw DatasetError("\(directory): no such folder")
        }
        guard isDirectory.boolValue else { throw DatasetError("\(directory): not a folder") }
        var images: [String] = [], others: [String] = []
        var visited = Set<[UInt64]>()
        try Self.walk(directory, relative: "", images: &images, others: &others, visited: &visited)
        guard !images.isEmpty else {
            let found = others.isEmpty ? "it is empty"
                : "it holds \(others.count) other file(s), e.g. \(others.sorted().prefix(3).joined(separator: ", "))"
            throw DatasetError("\(directory): no PNG or JPEG images (.png, .jpg, .jpeg) found; \(found)")
        }
        files = images.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The full path of photo `index`.
    public func path(_ index: Int) -> String {
        directory.hasSuffix("/") ? directory + files[index] : directory + "/" + files[index]
    }

    private static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    private static func walk(_ directory: String, relative: String, images: inout [String], others: inout [String],
                             visited: inout Set<[UInt64]>) throws {
        var status = stat()
        guard stat(directory, &status) == 0 else {
            throw DatasetError("\(directory): cannot read the folder: \(String(cString: strerror(errno)))")
        }
        guard visited.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted else { return }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DatasetError("\(directory): cannot read the folder: \(error.localizedDescription)")
        }
        for name in entries where !name.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try walk(path, relative: relativePath, images: &images, others: &others, visited: &visited)
            } else if extensions.contains((name as NSString).pathExtension.lowercased()) {
                images.append(relativePath)
            } else {
                others.append(relativePath)
            }
        }
    }
}

/// What `ImageFolder.writeShards` did.
public struct ImageFolderReport: Sendable {
    /// The shard files written.
    public let paths: [String]
    /// Images written.
    public let written: Int
    /// The photos skipped as unreadable, each error naming its file (empty with `strict`).
    public let skipped: [ImageError]
    /// Photos that were resized (the others already had the output size).
    public let resized: Int
    /// Photos that were not square and were cropped to a square (`SquareCrop`).
    public let cropped: Int
    /// Photos that were not square and were stretched to one (`SquareCrop.stretch`).
    public let stretched: Int
}

extension ImageFolder {
    /// Decodes every photo to RGB, makes it square as `crop` says, resizes it to `size`×`size`
    /// (Pillow-exact; skipped when it already has that size) and writes them in order into `shards` shards of `output` with
    /// their relative paths as `/names`. Decoding and resizing run on `threads` threads, at most
    /// a few images ahead of the writer, so memory stays bounded whatever the folder's size.
    ///
    /// - Parameters:
    ///   - strict: stop at the first unreadable photo (in path order) instead of skipping it.
    ///   - progress: called on the calling thread with the number of photos handled so far.
    /// - Throws: the `ImageError` of the first unreadable photo with `strict`; `DatasetError`
    ///   when no photo is readable, a shard would be empty, or the output cannot be written.
    ///   Nothing is left under a final name or a temporary name after an error.
    public func writeShards(to output: String, size: Int, shards: Int = 1, filter: ResamplingFilter = .bicubic,
                            crop: SquareCrop = .center, strict: Bool = false, gzipLevel: Int? = nil,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            progress: (Int) -> Void = { _ in }) throws -> ImageFolderReport {
        precondition(size > 0, "ImageFolder.writeShards: size \(size)")
        guard shards <= files.count else {
            throw DatasetError("\(directory): \(files.count) images cannot fill \(shards) shards")
        }
        let writer = try ImageShardSetWriter(output: output, capacity: files.count, shards: shards,
                                             height: size, width: size, gzipLevel: gzipLevel)
        defer { writer.discard() }
        var skipped: [ImageError] = [], resized = 0, cropped = 0, stretched = 0
        let threads = max(1, threads)
        try forEachInOrder(count: files.count, threads: threads, window: 4 * threads, transform: { index in
            loadImage(index, size: size, filter: filter, crop: crop)
        }, consume: { index, loaded in
            switch loaded {
            case .success(let image):
                if image.resized { resized += 1 }
                if image.cropped { cropped += 1 }
                if image.stretched { stretched += 1 }
                try image.image.withUnsafePixels { try writer.write($0, item: index, name: files[index]) }
            case .failure(let error):
                if strict { throw error }
                skipped.append(error)
            }
            progress(index + 1)
        })
        guard skipped.count < files.count else {
            throw DatasetError("\(directory): none of its \(files.count) images could be read:\n"
                               + skipped.map { "  \($0)" }.joined(separator: "\n"))
        }
        let paths = try writer.commit()
        return ImageFolderReport(paths: paths, written: files.count - skipped.count, skipped: skipped,
                                 resized: resized, cropped: cropped, stretched: stretched)
    }

    private struct LoadedImage: Sendable {
        let image: RGBImage
        let resized: Bool
        let cropped: Bool
        let stretched: Bool
    }

    private func loadImage(_ index: Int, size: Int, filter: ResamplingFilter,
                           crop: SquareCrop) -> Result<LoadedImage, ImageError> {
        var image: RGBImage
        do {
            image = try RGBImage(contentsOfFile: path(index))
        } catch let error as ImageError {
            return .failure(error)
        } catch {
            return .failure(ImageError(file: path(index), .unreadable("\(error)")))
        }
        let square = image.width == image.height
        var cropped = false
        if let window = crop.window(width: image.width, height: image.height, name: files[index]),
           window.side != image.width || window.side != image.height {
            image = image.cropped(x: window.x, y: window.y, width: window.side, height: window.side)
            cropped = true
        }
        let same = image.width == size && image.height == size
        return .success(LoadedImage(image: same ? image : image.resized(width: size, height: size, filter: filter),
                                    resized: !same, cropped: cropped, stretched: !square && !cropped))
    }
}
