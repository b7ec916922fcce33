import Foundation
import Testing
import HDF5
import TestSupport

@Suite struct HDF5FileTests {
    @Test("Create truncates, createNew refuses an existing file, readWrite modifies, readOnly refuses writes")
    func modes() throws {
        let path = Fixtures.temporaryDirectory("hdf5-modes") + "/modes.h5"
        try HDF5File(path: path, mode: .createNew).writeDataset("first", values: [Int64(1)], shape: [1])
        let exists = #expect(throws: HDF5Error.self) { try HDF5File(path: path, mode: .createNew) }
        #expect(exists?.file == path)

        try HDF5File(path: path, mode: .readWrite).writeDataset("second", values: [Int64(2)], shape: [1])
        #expect(try HDF5File(path: path).memberNames() == ["first", "second"])

        let readOnly = try HDF5File(path: path)
        #expect(readOnly.mode == .readOnly)
        let refused = #expect(throws: HDF5Error.self) { try readOnly.createGroup("third") }
        #expect(refused.map { "\($0)".hasPrefix("\(path): /third: cannot create group") } == true)
        #expect(throws: HDF5Error.self) { try readOnly.setAttribute("a", to: 1) }
        #expect(throws: HDF5Error.self) { try readOnly.dataset("first").write([Int64(5)]) }
        try readOnly.close()

        try HDF5File(path: path, mode: .create).setAttribute("fresh", to: "yes")
        let truncated = try HDF5File(path: path)
        #expect(try truncated.memberNames().isEmpty && truncated.attributeNames() == ["fresh"])
    }

    @Test("close() is final: objects from the file then throw; closing twice is harmless")
    func closing() throws {
        let path = Fixtures.temporaryDirectory("hdf5-close") + "/close.h5"
        let file = try HDF5File(path: path, mode: .create)
        let dataset = try file.writeDataset("x", values: [Float](repeating: 3, count: 4), shape: [4])
        let group = try file.createGroup("g")
        #expect(file.isOpen && dataset.isOpen && group.isOpen)
        try file.close()
        try file.close()
        #expect(!file.isOpen && !dataset.isOpen && !group.isOpen)
        let closed = #expect(throws: HDF5Error.self) { try dataset.read(Float.self) }
        #expect(closed.map { "\($0)" } == "\(path): /x: file is closed")
        #expect(throws: HDF5Error.self) { try file.memberNames() }
        #expect(throws: HDF5Error.self) { try group.setAttribute("a", to: 1) }
        // Closed strongly, so the file is complete on disk and opens again, even for writing.
        let reopened = try HDF5File(path: path, mode: .readWrite)
        #expect(try reopened.dataset("x").read(Float.self).values == [3, 3, 3, 3])
        try dataset.close()
        #expect(throws: HDF5Error.self) { try dataset.read(Float.self) }
    }

    @Test("Read-only opens take no file lock: they succeed while another process holds an exclusive flock",
          .enabled(if: (try? HDF5Tools.locate("flock")) != nil, "needs flock(1) from util-linux"))
    func readOnlyTakesNoLock() throws {
        let path = Fixtures.temporaryDirectory("hdf5-lock") + "/locked.h5"
        try HDF5File(path: path, mode: .create).writeDataset("x", values: [Float(1), 2], shape: [2])
        // flock holds the lock (-o: not passed to the command) until cat sees end of input.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: try HDF5Tools.locate("flock"))
        holder.arguments = ["-x", "-o", path, "-c", "echo locked; exec cat"]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("locked"))

        #expect(try HDF5File(path: path).dataset("x").read(Float.self).values == [1, 2])
        if ProcessInfo.processInfo.environment["HDF5_USE_FILE_LOCKING"] == nil {
            // Writers do lock, so the flock above is real: opening for writing must fail.
            let error = #expect(throws: HDF5Error.self) { try HDF5File(path: path, mode: .readWrite) }
            #expect(error.map { "\($0)".contains("lock") } == true, "\(String(describing: error))")
        }
    }

    @Test("A dataset keeps its file open after the file value is gone")
    func datasetKeepsFileAlive() throws {
        let path = Fixtures.temporaryDirectory("hdf5-alive") + "/alive.h5"
        try HDF5File(path: path, mode: .create).writeDataset("a/b", values: [1, 2, 3] as [Int32], shape: [3])
        #expect(try HDF5File(path: path).dataset("a/b").read(Int32.self).values == [1, 2, 3])
        let group = try HDF5File(path: path).group("a")
        #expect(try group.dataset("b").elementType == .int32)
    }

    @Test("A missing file, a directory, an empty file and a corrupt file throw HDF5Error naming the path")
    func badFiles() throws {
        let directory = Fixtures.temporaryDirectory("hdf5-bad")
        let missing = directory + "/missing.h5"
        let empty = directory + "/empty.h5"
        let corrupt = directory + "/corrupt.h5"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        var random = TestRandom(seed: 99)
        _ = FileManager.default.createFile(atPath: corrupt, contents: Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }))
        // Random bytes after a valid signature: the superblock itself is garbage.
        let truncatedSignature = directory + "/garbage-after-signature.h5"
        _ = FileManager.default.createFile(atPath: truncatedSignature,
                                       contents: Data([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) + Data(repeating: 0xff, count: 600))
        for path in [missing, directory, empty, corrupt, truncatedSignature] {
            for mode in [HDF5File.Mode.readOnly, .readWrite] {
                let error = #expect(throws: HDF5Error.self, "\(path) \(mode)") { try HDF5File(path: path, mode: mode) }
                #expect(error.map { "\($0)".hasPrefix(path + ": cannot open") } == true, "\(String(describing: error))")
            }
        }
        let missingError = #expect(throws: HDF5Error.self) { try HDF5File(path: missing) }
        #expect(missingError.map { "\($0)" == missing + ": cannot open for reading: No such file or directory" } == true,
                "one plain line, no HDF5 trace: \(String(describing: missingError))")
        let directoryError = #expect(throws: HDF5Error.self) { try HDF5File(path: directory) }
        #expect(directoryError.map { "\($0)".contains("it is a directory; name the HDF5 files in it") && !"\($0)".contains("H5FD") } == true,
                "\(String(describing: directoryError))")
        let unwritable = #expect(throws: HDF5Error.self) { try HDF5File(path: directory + "/no/such/dir/x.h5", mode: .create) }
        #expect(unwritable.map { "\($0)".hasPrefix(directory + "/no/such/dir/x.h5: cannot create") } == true)
    }

    @Test("Several threads read hyperslabs of one shared dataset correctly")
    func concurrentReads() async throws {
        let path = Fixtures.temporaryDirectory("hdf5-threads") + "/images.h5"
        let (count, side) = (16, 12)
        let imageSize = side * side * 3
        let pixels = (0..<count * imageSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / imageSize) }
        try HDF5File(path: path, mode: .create).writeDataset(
            "images", values: pixels, shape: [count, side, side, 3], chunkShape: [1, side, side, 3], gzipLevel: 1)
        let dataset = try HDF5File(path: path).dataset("images")
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var image = [UInt8](repeating: 0, count: imageSize)
                    var start = [0, 0, 0, 0]
                    let extent = [1, side, side, 3]
                    var wrong = 0
                    for round in 0..<50 {
                        start[0] = (worker * 7 + round * 3) % count
                        try image.withUnsafeMutableBufferPointer { try dataset.read(into: $0, start: start, count: extent) }
                        if image[...] != pixels[start[0] * imageSize ..< (start[0] + 1) * imageSize] { wrong += 1 }
                        // A private file per worker too: opening and closing concurrently.
                        if round % 10 == 0 { _ = try HDF5File(path: path).dataset("images").shape }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    @Test("HDF5 prints nothing to stderr on failure, even on a thread that never used the library")
    func errorsAreSilencedOnEveryThread() throws {
        let log = Fixtures.temporaryDirectory("hdf5-stderr") + "/stderr.txt"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let saved = dup(STDERR_FILENO)
        let capture = open(log, O_WRONLY)
        #expect(saved >= 0 && capture >= 0)
        fflush(nil)
        dup2(capture, STDERR_FILENO)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            _ = try? HDF5File(path: "/nonexistent/sparnet-missing.h5")
            done.signal()
        }
        thread.start()
        let finished = done.wait(timeout: .now() + 30) == .success
        fflush(nil)
        dup2(saved, STDERR_FILENO)
        close(saved)
        close(capture)
        #expect(finished, "opening a missing file on a new thread took over 30 s")
        let captured = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(!captured.contains("HDF5-DIAG"), "HDF5 printed: \(captured.prefix(300))")
    }

    @Test("The linked library's version and thread safety are those of the HDF5 the package builds against",
          .enabled(if: HDF5Tools.buildSettings != nil, "needs pkg-config and the libhdf5.settings of HDF5's development files"))
    func library() throws {
        let settings = try #require(HDF5Tools.buildSettings)
        #expect(HDF5Library.version == settings["HDF5 Version"])
        // Either answer is handled (see HDF5Library), but it must be the build's.
        #expect((HDF5Library.isThreadSafe ? "yes" : "no") == settings["Threadsafety"])
    }
}
