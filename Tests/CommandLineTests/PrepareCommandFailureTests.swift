import Foundation
import Testing
import Datasets
import HDF5
import Imaging
import TestSupport

/// Tier 5: bad input to `sparnet-dist prepare` — each a clear message naming the file or
/// option, a non-zero exit, and no file left in the output directory.
@Suite struct PrepareCommandFailureTests {
    func prepare(_ arguments: [String]) throws -> Command.Result {
        try Command.run(Command.sparnetDist, ["prepare"] + arguments)
    }

    /// Runs `prepare --images input --out <fresh dir>/out.h5 extra`, expecting a failure whose
    /// message contains every one of `messages`, and an output directory left empty.
    func expectFailure(images input: String, _ extra: [String] = [], messages: [String],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let output = Fixtures.temporaryDirectory("prepare-out")
        let result = try prepare(["--images", input, "--out", output + "/out.h5"] + extra)
        #expect(result.status == 1, "\(result)", sourceLocation: sourceLocation)
        for message in messages {
            #expect(result.errors.contains(message), "stderr lacks \(message): \(result)", sourceLocation: sourceLocation)
        }
        #expect(TestFolders.contents(output).isEmpty, "left behind", sourceLocation: sourceLocation)
    }

    /// Whether this process may mount a tmpfs in a mount namespace of its own (root, and a
    /// kernel or container that allows it): how a test gets a full disk without filling one.
    static let canMountSmallDisk: Bool = {
        guard getuid() == 0, let unshare = Command.locate("unshare") else { return false }
        let probe = try? Command.run(unshare, ["--mount", "--propagation", "private", "/bin/sh", "-c",
                                               "mount -t tmpfs -o size=64k tmpfs \"$1\"", "sh",
                                               Fixtures.temporaryDirectory("mount-probe")], timeout: 20)
        return probe?.status == 0
    }()

    @Test("A full disk is one line with the system's words, naming the file, and leaves nothing behind",
          .enabled(if: canMountSmallDisk, "needs root and unshare --mount to mount a 256 KiB tmpfs"))
    func fullDisk() throws {
        let directory = Fixtures.temporaryDirectory("prepare-full-disk")
        // 64 faces of 64² are 768 KiB: the write runs out of room.
        let script = "mount -t tmpfs -o size=256k tmpfs \"$1\" || exit 99; \"$2\" prepare --synthetic 64 --size 64 "
            + "--out \"$1/faces.h5\"; status=$?; echo left:; ls -A \"$1\"; exit $status"
        let result = try Command.run(Command.locate("unshare")!, ["--mount", "--propagation", "private", "/bin/sh", "-c",
                                                                   script, "sh", directory, Command.sparnetDist],
                                     timeout: 60)
        #expect(result.status == 1, "\(result)")
        let errors = result.errors.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 1 && errors[0].contains("No space left on device (errno 28)")
                && errors[0].contains("cannot write \(directory)/faces.h5: "), "\(result)")
        #expect(!result.errors.contains("file descriptor"), "the HDF5 driver's record is not the message: \(result)")
        let left = result.output.components(separatedBy: "left:\n").last ?? "?"
        #expect(result.output.contains("left:") && left.isEmpty, "left behind on the full disk: \(left)")
    }

    @Test("--out onto a FIFO is refused and leaves it as it was")
    func outputThatMustNotBeReplaced() throws {
        let directory = Fixtures.temporaryDirectory("prepare-special-out")
        let fifo = directory + "/fifo.h5"
        #expect(mkfifo(fifo, 0o644) == 0)
        for (out, phrase) in [(fifo, "is a FIFO")] {
            let result = try prepare(["--synthetic", "4", "--size", "32", "--out", out])
            #expect(result.status != 0 && result.errors.contains("--out \(out)") && result.errors.contains(phrase), "\(result)")
        }
        var status = stat()
        #expect(stat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "the FIFO is still a FIFO")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["fifo.h5"])
    }

    @Test func emptyFolder() throws {
        let input = Fixtures.temporaryDirectory("prepare-empty")
        try expectFailure(images: input, messages: [input, "no PNG or JPEG images", "it is empty"])
        try expectFailure(images: input + "/missing", messages: [input + "/missing: no such folder"])
    }

    @Test func folderWithoutImages() throws {
        let input = Fixtures.temporaryDirectory("prepare-no-images")
        for name in ["notes.txt", "data.csv", "sub/readme.md", ".hidden.png"] {
            try FileManager.default.createDirectory(atPath: (input + "/" + name as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data("not an image".utf8).write(to: URL(fileURLWithPath: input + "/" + name))
        }
        try expectFailure(images: input, messages: [input, "no PNG or JPEG images", "3 other file(s)", "data.csv"])
    }

    @Test func imageNamedFilesThatAreNotImages() throws {
        let input = Fixtures.temporaryDirectory("prepare-fake")
        for name in ["a.png", "b.JPG"] { try Data("text, not pixels".utf8).write(to: URL(fileURLWithPath: input + "/" + name)) }
        for strict in [false, true] {
            try expectFailure(images: input, strict ? ["--strict"] : [],
                              messages: strict ? [input + "/a.png: unsupported format", "--strict"]
                                  : ["none of its 2 images could be read", input + "/a.png", input + "/b.JPG"])
        }
    }

    /// Two good photos and one cut in half.
    func folderWithTruncated(_ kind: String) throws -> (input: String, bad: String, good: [RGBImage]) {
        let input = Fixtures.temporaryDirectory("prepare-truncated-\(kind)")
        let good = [TestFolders.image(width: 16, height: 16, seed: 1), TestFolders.image(width: 16, height: 16, seed: 2)]
        try TestFolders.write(good[0], to: input, "a.png")
        try TestFolders.write(TestFolders.image(width: 16, height: 16, seed: 3), to: input, "b." + kind, truncated: true)
        try TestFolders.write(good[1], to: input, "sub/c.png")
        return (input, input + "/b." + kind, good)
    }

    @Test(arguments: ["png", "jpg"])
    func truncatedImageIsFatalWithStrict(kind: String) throws {
        let (input, bad, _) = try folderWithTruncated(kind)
        try expectFailure(images: input, ["--size", "16", "--strict"], messages: [bad + ": truncated file", "--strict"])
    }

    @Test(arguments: ["png", "jpg"])
    func truncatedImageIsSkippedWithAWarning(kind: String) throws {
        let (input, bad, good) = try folderWithTruncated(kind)
        let output = Fixtures.temporaryDirectory("prepare-out")
        let result = try prepare(["--images", input, "--out", output + "/out.h5", "--size", "16"])
        #expect(result.status == 0, "\(result)")
        #expect(result.errors.contains("warning: skipped 1 unreadable image(s) of 3") && result.errors.contains(bad + ": truncated file"),
                "\(result)")
        #expect(result.output.contains("wrote 2 images"), "\(result)")
        #expect(try HDF5File(path: output + "/out.h5").dataset("names").readStrings() == ["a.png", "sub/c.png"])
        let dataset = try ImageDataset(paths: [output + "/out.h5"])
        let stored = try (0..<dataset.count).map { index in try RGBImage(width: 16, height: 16) { try dataset.read(index, into: $0) } }
        #expect(stored == good)
        #expect(TestFolders.contents(output) == ["out.h5"])
    }

    @Test func shardLeftEmptyBySkippedImagesIsAnError() throws {
        // Shard 0 of 2 would hold items 0..<1, the truncated "a.jpg" alone.
        let input = Fixtures.temporaryDirectory("prepare-empty-shard")
        try TestFolders.write(TestFolders.image(width: 8, height: 8, seed: 1), to: input, "a.jpg", truncated: true)
        for (index, name) in ["b.png", "c.png"].enumerated() {
            try TestFolders.write(TestFolders.image(width: 8, height: 8, seed: UInt64(index)), to: input, name)
        }
        try expectFailure(images: input, ["--size", "8", "--shards", "2"],
                          messages: ["out-00000-of-00002.h5 would hold no images", "use fewer shards"])
        try expectFailure(images: input, ["--size", "8", "--shards", "4"], messages: ["3 images cannot fill 4 shards"])
    }

    @Test func unwritableOutputPath() throws {
        let input = Fixtures.temporaryDirectory("prepare-input")
        try TestFolders.write(TestFolders.image(width: 8, height: 8, seed: 1), to: input, "a.png")
        // Tests run as root, which permissions do not stop: a parent that is a regular file does.
        let output = Fixtures.temporaryDirectory("prepare-out")
        try Data("a file".utf8).write(to: URL(fileURLWithPath: output + "/file"))
        try FileManager.default.createDirectory(atPath: output + "/directory.h5", withIntermediateDirectories: false)
        let cases: [([String], String)] = [
            (["--images", input, "--out", output + "/file/out.h5"], "cannot write \(output)/file/out.h5: \(output)/file is not a directory"),
            (["--images", input, "--out", output + "/file/sub/out.h5", "--size", "8"], "cannot write \(output)/file/sub/out.h5"),
            (["--synthetic", "2", "--shards", "2", "--out", output + "/file/s.h5"], "cannot write \(output)/file/s.h5"),
            (["--images", input, "--out", output + "/directory.h5"], "cannot write \(output)/directory.h5: it is a directory"),
            (["--preview", "1", "--data", output + "/none-*.h5", "--out", output + "/g.png"], "no file matches \(output)/none-*.h5"),
        ]
        for (arguments, message) in cases {
            let result = try prepare(arguments)
            #expect(result.status == 1 && result.errors.contains(message), "\(arguments): \(result)")
            #expect(TestFolders.contents(output) == ["directory.h5", "file"], "\(arguments) left files behind")
        }
    }

    @Test func previewOfBadShardsNamesTheFile() throws {
        let directory = Fixtures.temporaryDirectory("prepare-bad-shard")
        let bad = try BadShards.write(in: directory)
        for (path, message) in bad {
            let result = try prepare(["--preview", "1", "--data", path, "--out", directory + "/grid.png"])
            #expect(result.status == 1 && result.errors.contains(path) && result.errors.contains(message), "\(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/grid.png"))
    }
}
