import Foundation
import HDF5

/// Writes a dataset as `shards` image shards named by `ImageShardFormat.shardPath`, which appear
/// together or not at all.
///
/// Items `0..<capacity` (the files of a folder in order, or synthetic faces) are split into
/// contiguous ranges, one per shard (`capacity·k/shards ..< capacity·(k+1)/shards`); shard k
/// holds the items of its range that were written, in order. Items may be skipped (an
/// unreadable photo): that shard is then smaller, its `/images` shrunk to what it holds, so the
/// images can be written in order as they are decoded, without knowing the final count.
///
/// Every shard is finished and fsynced under a temporary name; `commit()` renames them into
/// place only once all are complete. If a rename fails, the shards already renamed by this
/// writer are removed again: a failed run leaves no shard under a final name, since a partial
/// set would pass silently as a smaller dataset to a glob such as `NAME-*.h5`. (An earlier
/// dataset under the same names, being replaced, is then gone too.) A writer released without
/// `commit()` removes its temporary files and any output directory it created.
public final class ImageShardSetWriter {
    /// The output path the shard names derive from, e.g. `data/faces.h5`.
    public let output: String
    /// The final shard paths, in order.
    public let paths: [String]
    /// Items the shards have room for.
    public let capacity: Int
    public let height: Int
    public let width: Int
    private let gzipLevel: Int?
    private var writers: [ImageShardWriter?]
    private var kept: [Int]
    private var current = 0
    private var lastItem = -1
    private var createdDirectories: [String] = []
    private var done = false

    /// Prepares `shards` shards for `capacity` items of `height`×`width`, creating the output
    /// directory if needed and the first shard's temporary file, so an unwritable output fails
    /// here, before any work.
    /// - Throws: `DatasetError` naming `output` when it cannot be written.
    public init(output: String, capacity: Int, shards: Int, height: Int, width: Int, gzipLevel: Int? = nil) throws {
        guard capacity > 0, (1...capacity).contains(shards) else {
            throw DatasetError("\(output): cannot split \(capacity) images into \(shards) shards")
        }
        self.output = output
        self.capacity = capacity
        self.height = height
        self.width = width
        self.gzipLevel = gzipLevel
        paths = (0..<shards).map { ImageShardFormat.shardPath(output, index: $0, count: shards) }
        writers = Array(repeating: nil, count: shards)
        kept = Array(repeating: 0, count: shards)
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw DatasetError("cannot write \(path): it is a directory")
            }
        }
        try createOutputDirectory()
        try openShard(0)
    }

    deinit { discard() }

    /// The shard that item `item` belongs to.
    public func shard(ofItem item: Int) -> Int {
        precondition((0..<capacity).contains(item), "ImageShardSetWriter: item \(item) of \(capacity)")
        var shard = current
        while item >= range(of: shard).upperBound { shard += 1 }
        return shard
    }

    /// The items shard `shard` holds when none is skipped.
    public func range(of shard: Int) -> Range<Int> {
        capacity * shard / paths.count ..< capacity * (shard + 1) / paths.count
    }

    /// Writes item `item` (interleaved RGB, height·width·3 bytes) with its name for `/names`.
    /// Items must come in increasing order; the ones never written are skipped.
    public func write(_ pixels: UnsafeBufferPointer<UInt8>, item: Int, name: String? = nil) throws {
        precondition(!done, "ImageShardSetWriter: \(output) is already committed or discarded")
        precondition(item > lastItem, "ImageShardSetWriter: item \(item) after item \(lastItem)")
        let shard = shard(ofItem: item)
        while current < shard {
            try finishShard(current)
            current += 1
        }
        if writers[shard] == nil { try openShard(shard) }
        try naming(shard) { try writers[shard]!.write(pixels, at: kept[shard], name: name) }
        kept[shard] += 1
        lastItem = item
    }

    /// Finishes the remaining shards and renames every shard into place; returns their paths.
    /// - Throws: `DatasetError` when a shard would hold no image (every item of its range was
    ///   skipped), or the error of the failed step; nothing is left under a final name then.
    @discardableResult
    public func commit() throws -> [String] {
        precondition(!done, "ImageShardSetWriter: \(output) is already committed or discarded")
        while current < paths.count {
            try finishShard(current)
            current += 1
        }
        for (index, writer) in writers.enumerated() {
            do {
                try naming(index) { try writer!.publish() }
            } catch {
                for path in paths[..<index] { unlink(path) }
                discard()
                throw error
            }
        }
        done = true
        return paths
    }

    /// Removes every temporary file and the output directories this writer created (when
    /// empty); the final names are untouched. Called when the writer is released uncommitted.
    public func discard() {
        guard !done else { return }
        done = true
        for writer in writers { writer?.discard() }
        for directory in createdDirectories.reversed() { rmdir(directory) }
    }

    private func openShard(_ shard: Int) throws {
        do {
            writers[shard] = try ImageShardWriter(path: paths[shard], count: range(of: shard).count,
                                                  height: height, width: width, gzipLevel: gzipLevel)
        } catch {
            throw DatasetError("cannot write \(paths[shard]): \(error)")
        }
    }

    private func finishShard(_ shard: Int) throws {
        guard kept[shard] > 0, let writer = writers[shard] else {
            let items = range(of: shard)
            throw DatasetError("\(paths[shard]) would hold no images: all \(items.count) of its items "
                               + "(\(items.lowerBound)..<\(items.upperBound)) were skipped; use fewer shards")
        }
        try naming(shard) { try writer.finish(count: kept[shard]) }
    }

    /// Runs `body`, reporting an HDF5 failure under the shard's final name (the user's
    /// --out), not the temporary file's.
    private func naming(_ shard: Int, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as HDF5Error {
            throw DatasetError("cannot write \(paths[shard]): \(error.object.map { "\($0): " } ?? "")\(error.message)")
        }
    }

    /// Creates the directory of `output` and its missing parents, remembering them for
    /// `discard()`; fails clearly when a parent is a file.
    private func createOutputDirectory() throws {
        var missing: [String] = []
        var directory = (output as NSString).deletingLastPathComponent
        while !directory.isEmpty && directory != "/" {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw DatasetError("cannot write \(output): \(directory) is not a directory")
                }
                break
            }
            missing.append(directory)
            directory = (directory as NSString).deletingLastPathComponent
        }
        for directory in missing.reversed() {
            guard mkdir(directory, 0o777) == 0 || errno == EEXIST else {
                let reason = String(cString: strerror(errno))
                discard()
                throw DatasetError("cannot write \(output): cannot create the directory \(directory): \(reason)")
            }
            createdDirectories.append(directory)
        }
    }
}
