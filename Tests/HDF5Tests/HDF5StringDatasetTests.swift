import Foundation
import Testing
import HDF5
import TestSupport

/// `HDF5Group.writeStrings`: string datasets (an image shard's `/names`) that our reader and
/// h5dump read back, fixed-length and variable-length, ASCII and UTF-8.
@Suite struct HDF5StringDatasetTests {
    func makeFile(_ label: String) throws -> (path: String, file: HDF5File) {
        let path = Fixtures.temporaryDirectory("hdf5-strings-\(label)") + "/strings.h5"
        return (path, try HDF5File(path: path, mode: .create))
    }

    @Test("Fixed-length ASCII strings: NULLPAD as wide as the longest, read back by us and by h5dump")
    func fixedLengthASCII() throws {
        let (path, file) = try makeFile("fixed")
        let names = ["celeba/000001.jpg", "", "ffhq/12345.png", "a"]
        let dataset = try file.writeStrings("names", names)
        #expect(dataset.elementType == .string && dataset.shape == [4] && dataset.path == "/names")
        try file.close()
        #expect(try HDF5File(path: path).dataset("names").readStrings() == names)
        let header = try HDF5Tools.datasetHeader(path, "/names")
        for expected in ["STRSIZE 17;", "H5T_STR_NULLPAD", "H5T_CSET_ASCII", "SIMPLE { ( 4 ) / ( 4 ) }"] {
            #expect(header.contains(expected), "\(expected) in\n\(header)")
        }
        let dump = try HDF5Tools.run("h5dump", ["-y", "-w", "0", "-d", "/names", path])
        #expect(dump.contains(#""celeba/000001.jpg""#) && dump.contains(#""ffhq/12345.png\000\000\000""#), "\(dump)")
    }

    @Test("Variable-length strings, as h5py writes Python str", arguments: [false, true])
    func variableLength(utf8: Bool) throws {
        let (path, file) = try makeFile("variable")
        let names = utf8 ? ["café/é.png", "日本/顔.jpg", "plain.png"] : ["x.png", "", "longer/name.jpeg"]
        try file.writeStrings("names", names, variableLength: true)
        try file.close()
        #expect(try HDF5File(path: path).dataset("names").readStrings() == names)
        let header = try HDF5Tools.datasetHeader(path, "/names")
        #expect(header.contains("STRSIZE H5T_VARIABLE;") && header.contains(utf8 ? "H5T_CSET_UTF8" : "H5T_CSET_ASCII"), "\(header)")
        let dump = try HDF5Tools.run("h5dump", ["-y", "-w", "0", "-d", "/names", path])
        #expect(dump.contains(#""longer/name.jpeg""#) || utf8, "\(dump)")
    }

    @Test("Fixed-length UTF-8: the width counts bytes, not characters")
    func fixedLengthUTF8() throws {
        let (path, file) = try makeFile("utf8")
        let names = ["café/é.png", "日本/顔.jpg"]
        try file.writeStrings("names", names)
        try file.close()
        #expect(try HDF5File(path: path).dataset("names").readStrings() == names)
        let header = try HDF5Tools.datasetHeader(path, "/names")
        #expect(header.contains("STRSIZE \("日本/顔.jpg".utf8.count);") && header.contains("H5T_CSET_UTF8"), "\(header)")
    }

    @Test("No strings, nested paths, and refusals that leave nothing behind")
    func edgesAndErrors() throws {
        let (path, file) = try makeFile("edges")
        for variableLength in [false, true] {
            let name = variableLength ? "empty/variable" : "empty/fixed"
            #expect(try file.writeStrings(name, [], variableLength: variableLength).shape == [0])
            #expect(try file.dataset(name).readStrings() == [])
        }
        let nul = #expect(throws: HDF5Error.self) { try file.writeStrings("bad", ["fine", "a\u{0}b"]) }
        #expect(nul?.file == path && nul?.object == "/bad" && nul?.message.contains("string 1") == true, "\(String(describing: nul))")
        #expect(try !file.contains("bad"))
        try file.writeStrings("names", ["a"])
        let duplicate = #expect(throws: HDF5Error.self) { try file.writeStrings("names", ["b"]) }
        #expect(duplicate?.object == "/names")
        #expect(try file.dataset("names").readStrings() == ["a"])
        #expect(try file.memberNames() == ["empty", "names"])
    }
}
