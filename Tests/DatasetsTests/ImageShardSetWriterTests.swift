import DurableFiles
import Foundation
import Testing
import Datasets
import HDF5
import TestSupport

/// `ImageShardSetWriter`: items split into shards by range, skipped items shrink their shard,
/// and shards appear under their final names all together at commit, or never.
@Suite struct ImageShardSetWriterTests {
    func pixels(_ item: Int) -> [UInt8] { [UInt8](repeating: UInt8(item * 10), count: 4 * 4 * 3) }

    @Test func skippedItemsShrinkTheirShard() throws {
        let directory = Fixtures.temporaryDirectory("shard-set")
        let writer = try ImageShardSetWriter(output: directory + "/set.h5", capacity: 7, shards: 3, height: 4, width: 4)
        #expect((0..<3).map { writer.range(of: $0) } == [0..<2, 2..<4, 4..<7])
        #expect((0..<7).map { writer.shard(ofItem: $0) } == [0, 0, 1, 1, 2, 2, 2])
        let kept = [0, 2, 3, 4, 6]
        for item in kept { try pixels(item).withUnsafeBufferPointer { try writer.write($0, item: item, name: "item\(item)") } }
        #expect(TestFolders.contents(directory).allSatisfy { $0.contains(".partial-") }, "nothing final before commit")
        let paths = try writer.commit()
        #expect(paths == (0..<3).map { directory + "/set-0000\($0)-of-00003.h5" })
        #expect(TestFolders.contents(directory) == paths.map { ($0 as NSString).lastPathComponent })
        let dataset = try ImageDataset(paths: paths)
        #expect(dataset.count == 5)
        for (index, item) in kept.enumerated() {
            var stored = [UInt8](repeating: 0, count: 48)
            try stored.withUnsafeMutableBufferPointer { try dataset.read(index, into: $0) }
            #expect(stored == pixels(item))
        }
        let names = try paths.map { try HDF5File(path: $0).dataset("names").readStrings() }
        #expect(names == [["item0"], ["item2", "item3"], ["item4", "item6"]])
    }

    @Test func anEmptyShardFailsTheCommitLeavingNothing() throws {
        let directory = Fixtures.temporaryDirectory("shard-set-empty")
        let output = directory + "/new/sub/set.h5"
        let writer = try ImageShardSetWriter(output: output, capacity: 4, shards: 2, height: 4, width: 4)
        #expect(FileManager.default.fileExists(atPath: directory + "/new/sub"))
        try pixels(0).withUnsafeBufferPointer { try writer.write($0, item: 1) }
        let error = #expect(throws: DatasetError.self) { try writer.commit() }
        #expect(error?.description.contains("\(directory)/new/sub/set-00001-of-00002.h5 would hold no images") == true)
        writer.discard()
        #expect(TestFolders.contents(directory).isEmpty, "temporary files and the created directories are gone")
    }

    @Test func releasingAnUncommittedWriterLeavesNothing() throws {
        let directory = Fixtures.temporaryDirectory("shard-set-release")
        do {
            let writer = try ImageShardSetWriter(output: directory + "/set.h5", capacity: 3, shards: 3, height: 4, width: 4)
            for item in 0..<3 { try pixels(item).withUnsafeBufferPointer { try writer.write($0, item: item) } }
            #expect(TestFolders.contents(directory).count == 3)
        }
        #expect(TestFolders.contents(directory).isEmpty)
    }

    @Test func aFailedPublishRemovesTheShardsAlreadyRenamed() throws {
        let directory = Fixtures.temporaryDirectory("shard-set-publish")
        let writer = try ImageShardSetWriter(output: directory + "/set.h5", capacity: 2, shards: 2, height: 4, width: 4)
        for item in 0..<2 { try pixels(item).withUnsafeBufferPointer { try writer.write($0, item: item) } }
        // A directory appearing under the second shard's name makes its rename fail.
        try FileManager.default.createDirectory(atPath: directory + "/set-00001-of-00002.h5/blocker", withIntermediateDirectories: true)
        let error = #expect(throws: DurableFileError.self) { try writer.commit() }
        #expect(error?.path == directory + "/set-00001-of-00002.h5", "\(String(describing: error))")
        #expect(TestFolders.contents(directory) == ["set-00001-of-00002.h5", "set-00001-of-00002.h5/blocker"],
                "the first shard was renamed, then removed again")
    }
}
