import Foundation
import Testing
import Datasets
import HDF5
import Imaging
import TestSupport

/// `ImageFolder`: which files count as photos and in what order, and `writeShards` through the
/// library (threads change nothing; strict stops at the first bad photo in path order).
@Suite struct ImageFolderTests {
    @Test func listsPhotosRecursivelyInByteOrder() throws {
        let input = Fixtures.temporaryDirectory("folder-list")
        let image = TestFolders.image(width: 4, height: 4, seed: 1)
        for name in ["b.PNG", "a/z.jpeg", "a/y.JPG", "B.png", "a-b.png", "c/d/e.png", ".hidden.png", "._x.jpg", ".git/x.png"] {
            try TestFolders.write(image, to: input, name)
        }
        try Data("notes".utf8).write(to: URL(fileURLWithPath: input + "/notes.txt"))
        // A link back up the tree is followed once, never in a loop; a linked file counts.
        try FileManager.default.createSymbolicLink(atPath: input + "/c/d/loop", withDestinationPath: "../..")
        try FileManager.default.createSymbolicLink(atPath: input + "/link.png", withDestinationPath: input + "/b.PNG")
        let folder = try ImageFolder(directory: input)
        #expect(folder.files == ["B.png", "a-b.png", "a/y.JPG", "a/z.jpeg", "b.PNG", "c/d/e.png", "link.png"])
        #expect(folder.path(2) == input + "/a/y.JPG")
        #expect(try ImageFolder(directory: input + "/").path(0) == input + "/B.png")

        let file = input + "/notes.txt"
        let notAFolder = #expect(throws: DatasetError.self) { try ImageFolder(directory: file) }
        #expect(notAFolder?.description == "\(file): not a folder")
    }

    /// Five photos of other sizes and shapes, one truncated.
    func mixedFolder() throws -> String {
        let input = Fixtures.temporaryDirectory("folder-write")
        try TestFolders.write(TestFolders.image(width: 40, height: 40, seed: 1), to: input, "1.png")
        try TestFolders.write(TestFolders.image(width: 20, height: 30, seed: 2), to: input, "2.jpg")
        try TestFolders.write(TestFolders.image(width: 16, height: 16, seed: 3), to: input, "3.png", truncated: true)
        try TestFolders.write(TestFolders.image(width: 16, height: 16, seed: 4), to: input, "4.png")
        try TestFolders.write(TestFolders.image(width: 9, height: 9, seed: 5), to: input, "5.jpeg")
        return input
    }

    @Test(arguments: [1, 2, 5])
    func writeShardsResizesSkipsAndKeepsOrder(threads: Int) throws {
        let folder = try ImageFolder(directory: try mixedFolder())
        let output = Fixtures.temporaryDirectory("folder-out")
        var progress: [Int] = []
        let report = try folder.writeShards(to: output + "/set.h5", size: 16, shards: 2, filter: .bilinear,
                                            threads: threads, progress: { progress.append($0) })
        #expect(progress == Array(1...5))
        #expect(report.written == 4 && report.resized == 3 && report.notSquare == 1)
        #expect(report.skipped == [ImageError(file: folder.path(2), .truncated)])
        #expect(report.paths == [output + "/set-00000-of-00002.h5", output + "/set-00001-of-00002.h5"])
        let names = try report.paths.map { try HDF5File(path: $0).dataset("names").readStrings() }
        #expect(names == [["1.png", "2.jpg"], ["4.png", "5.jpeg"]])
        let dataset = try ImageDataset(paths: report.paths)
        #expect(dataset.count == 4)
        for (index, name) in names.joined().enumerated() {
            let stored = try RGBImage(width: 16, height: 16) { try dataset.read(index, into: $0) }
            let expected = try RGBImage(contentsOfFile: folder.directory + "/" + name).resized(width: 16, height: 16, filter: .bilinear)
            #expect(stored == expected, "\(name)")
        }
    }

    @Test(arguments: [1, 3])
    func strictStopsAtTheFirstBadPhotoLeavingNothing(threads: Int) throws {
        let folder = try ImageFolder(directory: try mixedFolder())
        let output = Fixtures.temporaryDirectory("folder-strict")
        let error = #expect(throws: ImageError.self) {
            try folder.writeShards(to: output + "/set.h5", size: 16, strict: true, threads: threads)
        }
        #expect(error == ImageError(file: folder.path(2), .truncated))
        #expect(TestFolders.contents(output).isEmpty)
    }
}
