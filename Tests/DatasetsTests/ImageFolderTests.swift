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
        #expect(report.written == 4 && report.resized == 3 && report.cropped == 1 && report.stretched == 0)
        #expect(report.skipped == [ImageError(file: folder.path(2), .truncated)])
        #expect(report.paths == [output + "/set-00000-of-00002.h5", output + "/set-00001-of-00002.h5"])
        let names = try report.paths.map { try HDF5File(path: $0).dataset("names").readStrings() }
        #expect(names == [["1.png", "2.jpg"], ["4.png", "5.jpeg"]])
        let dataset = try ImageDataset(paths: report.paths)
        #expect(dataset.count == 4)
        for (index, name) in names.joined().enumerated() {
            let stored = try RGBImage(width: 16, height: 16) { try dataset.read(index, into: $0) }
            var photo = try RGBImage(contentsOfFile: folder.directory + "/" + name)
            if photo.width != photo.height {   // 2.jpg, 20×30: its centered 20×20
                photo = photo.cropped(x: 0, y: 5, width: 20, height: 20)
            }
            #expect(stored == photo.resized(width: 16, height: 16, filter: .bilinear), "\(name)")
        }
    }

    @Test("Photos that are not square: centered square, stretched, or the square around a listed face box")
    func squareCrops() throws {
        let input = Fixtures.temporaryDirectory("folder-crops")
        let tall = TestFolders.image(width: 20, height: 30, seed: 7), wide = TestFolders.image(width: 40, height: 24, seed: 8)
        try TestFolders.write(tall, to: input, "tall.png")
        try TestFolders.write(wide, to: input + "/sub", "wide.png")
        let folder = try ImageFolder(directory: input)
        func written(_ crop: SquareCrop) throws -> (ImageFolderReport, [RGBImage]) {
            let output = Fixtures.temporaryDirectory("folder-crops-out") + "/set.h5"
            let report = try folder.writeShards(to: output, size: 12, crop: crop)
            let dataset = try ImageDataset(paths: report.paths)
            return (report, try (0..<2).map { index in try RGBImage(width: 12, height: 12) { try dataset.read(index, into: $0) } })
        }
        let (centered, centerImages) = try written(.center)
        #expect(centered.cropped == 2 && centered.stretched == 0)
        // Sorted by path: sub/wide.png, then tall.png.
        #expect(centerImages == [wide.cropped(x: 8, y: 0, width: 24, height: 24).resized(width: 12, height: 12, filter: .bicubic),
                                 tall.cropped(x: 0, y: 5, width: 20, height: 20).resized(width: 12, height: 12, filter: .bicubic)])
        let (stretched, stretchImages) = try written(.stretch)
        #expect(stretched.cropped == 0 && stretched.stretched == 2)
        #expect(stretchImages[1] == tall.resized(width: 12, height: 12, filter: .bicubic))
        // A box near the left edge: its 16×16 square, shifted inside the photo; tall.png has no box.
        let boxes = ["wide.png": FaceBox(x: 2, y: 4, width: 10, height: 16)]
        let (boxed, boxImages) = try written(.faceBoxes(boxes))
        #expect(boxed.cropped == 2)
        #expect(boxImages == [wide.cropped(x: 0, y: 4, width: 16, height: 16).resized(width: 12, height: 12, filter: .bicubic),
                              centerImages[1]])
    }

    @Test("A face-box list: CelebA's count and header lines are skipped, a bad line is named")
    func faceBoxList() throws {
        let directory = Fixtures.temporaryDirectory("face-boxes")
        let good = directory + "/list_bbox_celeba.txt", bad = directory + "/bad.txt"
        try "2\nimage_id x_1 y_1 width height\n000001.jpg    95  71 226 313\n000002.jpg 72 94 221 306\n"
            .write(toFile: good, atomically: true, encoding: .utf8)
        #expect(try FaceBox.list(contentsOfFile: good) == ["000001.jpg": FaceBox(x: 95, y: 71, width: 226, height: 313),
                                                           "000002.jpg": FaceBox(x: 72, y: 94, width: 221, height: 306)])
        try "000001.jpg 95 71 226\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let error = #expect(throws: DatasetError.self) { try FaceBox.list(contentsOfFile: bad) }
        #expect(error?.description.contains(bad + ":1: expected") == true, "\(String(describing: error))")
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
