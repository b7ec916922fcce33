import Foundation
import Testing
import Datasets
import HDF5
import Imaging
import TestSupport

/// Tier 5: `sparnet-dist prepare` end to end — real photos round-trip into shards, resizing is
/// Pillow-exact, synthetic faces are reproducible, and bad input fails clearly, leaving nothing.
@Suite struct PrepareCommandTests {
    static let photos128 = Fixtures.sharedDirectory.map { $0 + "/data/faces128" }
    static let photos512 = Fixtures.sharedDirectory.map { $0 + "/data/faces512" }
    static var hasPhotos: Bool { photos128.map { FileManager.default.fileExists(atPath: $0) } ?? false }

    func prepare(_ arguments: [String]) throws -> Command.Result {
        try Command.run(Command.sparnetDist, ["prepare"] + arguments)
    }

    /// Every image of the shards matching `pattern`, in order.
    func storedImages(_ pattern: String) throws -> [RGBImage] {
        let dataset = try ImageDataset(patterns: [pattern])
        return try (0..<dataset.count).map { index in
            try RGBImage(width: dataset.width, height: dataset.height) { try dataset.read(index, into: $0) }
        }
    }

    /// Where two images first differ, for a readable failure.
    func difference(_ stored: RGBImage, _ expected: RGBImage) -> String? {
        guard stored.width == expected.width, stored.height == expected.height else {
            return "\(stored.width)×\(stored.height) vs \(expected.width)×\(expected.height)"
        }
        guard let index = stored.pixels.indices.first(where: { stored.pixels[$0] != expected.pixels[$0] }) else { return nil }
        let count = zip(stored.pixels, expected.pixels).filter { $0 != $1 }.count
        return "\(count) bytes differ; first at pixel (\(index / 3 % stored.width), \(index / 3 / stored.width)) channel "
            + "\(index % 3): \(stored.pixels[index]) vs \(expected.pixels[index])"
    }

    // MARK: Real photos

    @Test(.enabled(if: hasPhotos, "needs the shared folder's data/faces128 (real photos, never committed)"))
    func realPhotosRoundTripPixelForPixel() throws {
        let photos = Self.photos128!
        let directory = Fixtures.temporaryDirectory("prepare-faces128")
        let out = directory + "/faces128.h5"
        let result = try prepare(["--images", photos, "--out", out, "--size", "128"])
        #expect(result.status == 0, "\(result)")
        #expect(result.errors.contains("images/s") && result.errors.contains("16/16 images"), "progress line: \(result)")
        let files = try FileManager.default.contentsOfDirectory(atPath: photos).filter { $0.hasSuffix(".png") }.sorted()
        #expect(files.count == 16)

        let file = try HDF5File(path: out)
        #expect(try file.dataset("names").readStrings() == files)
        #expect(try file.stringAttribute("format") == "sparnet-dist/images" && file.int64Attribute("version") == 1)
        #expect(try file.int64Attribute("height") == 128 && file.int64Attribute("width") == 128)
        let images = try file.dataset("images")
        #expect(images.elementType == .uint8 && images.shape == [16, 128, 128, 3] && images.chunkShape == [1, 128, 128, 3])
        for (stored, name) in zip(try storedImages(out), files) {
            let decoded = try RGBImage(contentsOfFile: photos + "/" + name)
            #expect(difference(stored, decoded) == nil, "\(name): \(difference(stored, decoded) ?? "")")
        }

        let header = try Command.run(Command.locate("h5dump")!, ["-H", "-p", out])
        for expected in [#"ATTRIBUTE "format""#, #"ATTRIBUTE "version""#, #"ATTRIBUTE "height""#, #"ATTRIBUTE "width""#,
                         #"DATASET "images""#, "H5T_STD_U8LE", "SIMPLE { ( 16, 128, 128, 3 ) / ( 16, 128, 128, 3 ) }",
                         "CHUNKED ( 1, 128, 128, 3 )", #"DATASET "names""#, "H5T_STRING", "SIMPLE { ( 16 ) / ( 16 ) }"] {
            #expect(header.output.contains(expected), "h5dump -H -p lacks \(expected):\n\(header.output)")
        }
        #expect(TestFolders.contents(directory) == ["faces128.h5"])
    }

    @Test(.enabled(if: hasPhotos, "needs the shared folder's data/faces128"))
    func shardsWithGzipHoldTheSameImages() throws {
        let directory = Fixtures.temporaryDirectory("prepare-shards")
        let result = try prepare(["--images", Self.photos128!, "--out", directory + "/faces.h5", "--shards", "3",
                                  "--gzip", "6", "--threads", "3"])
        #expect(result.status == 0, "\(result)")
        #expect(TestFolders.contents(directory) == ["faces-00000-of-00003.h5", "faces-00001-of-00003.h5", "faces-00002-of-00003.h5"])
        let dataset = try ImageDataset(patterns: [directory + "/faces-*.h5"])
        #expect(dataset.count == 16)
        let shards = try dataset.paths.map { try HDF5File(path: $0).dataset("images") }
        #expect(shards.map { $0.shape[0] } == [5, 5, 6])
        let header = try Command.run(Command.locate("h5dump")!, ["-H", "-p", dataset.paths[0]])
        #expect(header.output.contains("COMPRESSION DEFLATE { LEVEL 6 }"), "\(header.output)")
        let names = try dataset.paths.flatMap { try HDF5File(path: $0).dataset("names").readStrings() }
        for (stored, name) in zip(try storedImages(directory + "/faces-*.h5"), names) {
            #expect(difference(stored, try RGBImage(contentsOfFile: Self.photos128! + "/" + name)) == nil, "\(name)")
        }
    }

    @Test(.enabled(if: hasPhotos, "needs the shared folder's data/faces512"),
          arguments: [("bicubic", ResamplingFilter.bicubic, 128), ("bilinear", .bilinear, 256)])
    func resizingMatchesImagingExactly(name: String, filter: ResamplingFilter, size: Int) throws {
        let photos = Self.photos512!
        let directory = Fixtures.temporaryDirectory("prepare-resize")
        let out = directory + "/faces.h5"
        let result = try prepare(["--images", photos, "--out", out, "--size", "\(size)", "--resize", name])
        #expect(result.status == 0 && result.output.contains("8 resized with \(name)"), "\(result)")
        let names = try HDF5File(path: out).dataset("names").readStrings()
        #expect(names.count == 8)
        for (stored, name) in zip(try storedImages(out), names) {
            let expected = try RGBImage(contentsOfFile: photos + "/" + name).resized(width: size, height: size, filter: filter)
            #expect(difference(stored, expected) == nil, "\(name): \(difference(stored, expected) ?? "")")
        }
    }

    // MARK: Synthetic faces and preview

    /// CelebA's aligned crops are 178×218: by default each becomes its centered square, not a
    /// stretched face; --crop stretch and --face-boxes choose otherwise, each said in a line.
    @Test("Photos that are not square are cropped to their centered square unless asked otherwise")
    func notSquarePhotosAreCroppedByDefault() throws {
        let input = Fixtures.temporaryDirectory("prepare-crop")
        let photo = TestFolders.image(width: 178, height: 218, seed: 3)
        try TestFolders.write(photo, to: input, "000001.png")
        let output = Fixtures.temporaryDirectory("prepare-crop-out")
        let centered = try prepare(["--images", input, "--out", output + "/center.h5", "--size", "32"])
        #expect(centered.status == 0 && centered.output.contains("cropped 1 image(s) to their centered square"), "\(centered)")
        #expect(try storedImages(output + "/center.h5")
                == [photo.cropped(x: 0, y: 20, width: 178, height: 178).resized(width: 32, height: 32, filter: .bicubic)])
        let stretched = try prepare(["--images", input, "--out", output + "/stretch.h5", "--size", "32", "--crop", "stretch"])
        #expect(stretched.status == 0 && stretched.errors.contains("1 image(s) were not square and were stretched"), "\(stretched)")
        #expect(try storedImages(output + "/stretch.h5") == [photo.resized(width: 32, height: 32, filter: .bicubic)])
        let boxes = input + "/../boxes.txt"
        try "1\nimage_id x_1 y_1 width height\n000001.png 40 60 100 120\n".write(toFile: boxes, atomically: true, encoding: .utf8)
        let boxed = try prepare(["--images", input, "--out", output + "/boxes.h5", "--size", "32", "--face-boxes", boxes])
        #expect(boxed.status == 0 && boxed.output.contains("around their face boxes"), "\(boxed)")
        #expect(try storedImages(output + "/boxes.h5")
                == [photo.cropped(x: 30, y: 60, width: 120, height: 120).resized(width: 32, height: 32, filter: .bicubic)])
        try "000001.png 40 60\n".write(toFile: boxes, atomically: true, encoding: .utf8)
        let bad = try prepare(["--images", input, "--out", output + "/bad.h5", "--face-boxes", boxes])
        #expect(bad.status == 1 && bad.errors.contains("boxes.txt:1: expected"), "\(bad)")
        #expect(!FileManager.default.fileExists(atPath: output + "/bad.h5"))
    }

    @Test func syntheticShardsAreReproducible() throws {
        let first = Fixtures.temporaryDirectory("prepare-synthetic"), second = Fixtures.temporaryDirectory("prepare-synthetic")
        for directory in [first, second] {
            let result = try prepare(["--synthetic", "10", "--shards", "3", "--size", "32", "--out", directory + "/synthetic.h5"])
            #expect(result.status == 0, "\(result)")
            #expect(TestFolders.contents(directory) == (0..<3).map { "synthetic-0000\($0)-of-00003.h5" })
        }
        let dataset = try ImageDataset(patterns: [first + "/synthetic-*.h5"])
        #expect(dataset.count == 10 && dataset.height == 32 && dataset.width == 32 && dataset.paths.count == 3)
        let faces = try storedImages(first + "/synthetic-*.h5")
        #expect(try storedImages(second + "/synthetic-*.h5") == faces, "same seed, same pixels")
        #expect(Set(faces).count == 10, "every index draws a different face")
        let library = SyntheticFaces(seed: 1, size: 32)
        #expect(faces.enumerated().allSatisfy { index, face in face == RGBImage(width: 32, height: 32) { library.render(index, into: $0) } })

        let reseeded = Fixtures.temporaryDirectory("prepare-synthetic")
        #expect(try prepare(["--synthetic", "10", "--size", "32", "--seed", "2", "--out", reseeded + "/s.h5"]).status == 0)
        #expect(zip(try storedImages(reseeded + "/s.h5"), faces).allSatisfy { $0 != $1 }, "another seed, other faces")
    }

    @Test func previewIsAGridOfTheFirstImages() throws {
        let directory = Fixtures.temporaryDirectory("prepare-preview")
        #expect(try prepare(["--synthetic", "10", "--shards", "2", "--size", "32", "--out", directory + "/s.h5"]).status == 0)
        let result = try prepare(["--preview", "5", "--data", directory + "/s-*.h5", "--out", directory + "/grid.png"])
        #expect(result.status == 0, "\(result)")
        let grid = try RGBImage(contentsOfFile: directory + "/grid.png")
        // 5 images: 3 columns, 2 rows of 32 px with 4 px of padding around and between.
        #expect(grid.width == 3 * 32 + 4 * 4 && grid.height == 2 * 32 + 3 * 4)
        let faces = try storedImages(directory + "/s-*.h5")
        for (index, (column, row)) in [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1)].enumerated() {
            let cell = RGBImage(width: 32, height: 32) { cell in
                for y in 0..<32 { for x in 0..<32 { for c in 0..<3 {
                    cell[(y * 32 + x) * 3 + c] = grid[x: 4 + column * 36 + x, y: 4 + row * 36 + y, channel: c]
                } } }
            }
            #expect(cell == faces[index], "cell \(column),\(row) shows image \(index)")
        }
        #expect(grid[x: 2 * 36 + 4 + 16, y: 36 + 4 + 16, channel: 0] == 255, "the sixth cell is empty")
        // One image is the image itself, unframed (a face to enhance).
        #expect(try prepare(["--preview", "1", "--data", directory + "/s-*.h5", "--out", directory + "/face.png"]).status == 0)
        #expect(try RGBImage(contentsOfFile: directory + "/face.png") == faces[0])
        #expect(TestFolders.contents(directory).filter { $0.hasSuffix(".png") } == ["face.png", "grid.png"])
    }

    @Test func samplePreviewShowsWhatTrainingSees() throws {
        let directory = Fixtures.temporaryDirectory("prepare-samples")
        #expect(try prepare(["--synthetic", "3", "--size", "64", "--out", directory + "/s.h5"]).status == 0)
        let faces = try storedImages(directory + "/s.h5")
        let sparnet = try prepare(["--preview", "3", "--data", directory + "/s.h5", "--samples", "sparnet",
                                   "--scale-factor", "4", "--out", directory + "/sparnet.png"])
        #expect(sparnet.status == 0 && sparnet.output.contains("HR | LR ×4"), "\(sparnet)")
        // Rows of HR | LR (16 px enlarged ×4) | LR-up, 64 px cells with 4 px of padding.
        let grid = try RGBImage(contentsOfFile: directory + "/sparnet.png")
        #expect(grid.width == 3 * 64 + 4 * 4 && grid.height == 3 * 64 + 4 * 4)
        let hd = try prepare(["--preview", "2", "--data", directory + "/s.h5", "--samples", "sparnethd",
                              "--out", directory + "/hd.png"])
        #expect(hd.status == 0, "\(hd)")
        let hdGrid = try RGBImage(contentsOfFile: directory + "/hd.png")
        #expect(hdGrid.width == 2 * 64 + 3 * 4 && hdGrid.height == 2 * 64 + 3 * 4)
        // The degraded input differs from its HR image.
        let degraded = RGBImage(width: 64, height: 64) { cell in
            for y in 0..<64 { for x in 0..<64 { for c in 0..<3 { cell[(y * 64 + x) * 3 + c] = hdGrid[x: 72 + x, y: 4 + y, channel: c] } } }
        }
        #expect(degraded != faces[0])
    }

    // MARK: Usage

    @Test func helpAndValidation() throws {
        let help = try prepare(["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: sparnet-dist prepare [<options>] --out <path>"), "\(help)")
        for option in ["--images <dir>", "--synthetic <n>", "--preview <n>", "--data <glob>", "--samples <sparnet|sparnethd>",
                       "--scale-factor <scale-factor>", "--size <size>", "--shards <shards>", "--resize <resize>", "--strict",
                       "--gzip <gzip>", "--threads <threads>", "--seed <seed>"] {
            #expect(help.output.contains(option), "\(option)")
        }
        let directory = Fixtures.temporaryDirectory("prepare-usage")
        for (arguments, message) in [
            (["--out", directory + "/x.h5"], "give --images DIR, --synthetic N or --preview N"),
            (["--synthetic", "3", "--images", directory, "--out", directory + "/x.h5"], "only one of --images, --synthetic"),
            (["--synthetic", "3", "--shards", "4", "--out", directory + "/x.h5"], "--shards must be at most"),
            (["--synthetic", "3", "--gzip", "12", "--out", directory + "/x.h5"], "--gzip must be 1…9"),
            (["--synthetic", "3", "--resize", "lanczos", "--out", directory + "/x.h5"], "lanczos"),
            (["--preview", "3", "--out", directory + "/x.png"], "--preview needs --data"),
            (["--preview", "3", "--data", directory + "/x.h5", "--out", directory + "/x.gif"], "--out"),
        ] {
            let result = try prepare(arguments)
            #expect(result.status == 64 && result.errors.contains(message), "\(arguments): \(result)")
        }
        #expect(TestFolders.contents(directory).isEmpty)
    }
}
