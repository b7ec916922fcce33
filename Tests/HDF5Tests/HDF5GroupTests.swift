import Testing
import HDF5
import TestSupport

@Suite struct HDF5GroupTests {
    /// A file with /optimizer/generator/{exp_avg, exp_avg_sq} groups, datasets in them, and
    /// root members created out of name order.
    func makeFile() throws -> (path: String, file: HDF5File) {
        let path = Fixtures.temporaryDirectory("hdf5-groups") + "/groups.h5"
        let file = try HDF5File(path: path, mode: .create)
        for name in ["weights", "c10", "b", "c2", "a"] { try file.createGroup(name) }
        let state = try file.createGroup("optimizer/generator/exp_avg")
        try state.writeDataset("encoder.0.conv2d.weight", values: [Float](repeating: 1, count: 6), shape: [2, 3])
        try file.writeDataset("/optimizer/generator/exp_avg_sq/encoder.0.conv2d.weight", values: [Float](repeating: 2, count: 6), shape: [2, 3])
        return (path, file)
    }

    @Test("Groups open by relative and absolute path; intermediate groups are created")
    func openAndCreate() throws {
        let (path, file) = try makeFile()
        let generator = try file.group("optimizer/generator")
        #expect(generator.path == "/optimizer/generator" && generator.filePath == path)
        #expect(try generator.memberNames() == ["exp_avg", "exp_avg_sq"])
        let average = try generator.group("exp_avg")
        #expect(average.path == "/optimizer/generator/exp_avg")
        #expect(try average.dataset("encoder.0.conv2d.weight").read(Float.self).values == [Float](repeating: 1, count: 6))
        #expect(try average.dataset("/optimizer/generator/exp_avg_sq/encoder.0.conv2d.weight").path
                == "/optimizer/generator/exp_avg_sq/encoder.0.conv2d.weight")
        #expect(try file.group("/").path == "/" && file.group(".").memberNames() == file.memberNames())
        let existing = #expect(throws: HDF5Error.self) { try file.createGroup("optimizer/generator") }
        #expect(existing?.object == "/optimizer/generator")
    }

    @Test("Member names come sorted by name in byte order")
    func memberNamesSorted() throws {
        let (_, file) = try makeFile()
        #expect(try file.memberNames() == ["a", "b", "c10", "c2", "optimizer", "weights"])
        #expect(try file.group("weights").memberNames().isEmpty)
    }

    @Test("contains and kind(of:) tell groups from datasets and missing paths")
    func existenceAndKind() throws {
        let (path, file) = try makeFile()
        let weight = "optimizer/generator/exp_avg/encoder.0.conv2d.weight"
        #expect(try file.contains("optimizer") && file.contains(weight) && file.contains("/" + weight))
        #expect(try !file.contains("missing") && !file.contains("missing/deeper") && !file.contains(weight + "/below"))
        #expect(try file.kind(of: "optimizer/generator") == .group)
        #expect(try file.kind(of: weight) == .dataset)
        #expect(try file.group("optimizer").kind(of: "generator/exp_avg") == .group)
        let missing = #expect(throws: HDF5Error.self) { try file.kind(of: "optimizer/discriminator") }
        #expect(missing.map { "\($0)" } == "\(path): /optimizer/discriminator: does not exist")
    }

    @Test("Opening the wrong kind or a missing path throws, naming file and path")
    func wrongKind() throws {
        let (path, file) = try makeFile()
        let notGroup = #expect(throws: HDF5Error.self) { try file.group("optimizer/generator/exp_avg/encoder.0.conv2d.weight") }
        #expect(notGroup.map { "\($0)" } == "\(path): /optimizer/generator/exp_avg/encoder.0.conv2d.weight: is a dataset, not a group")
        let notDataset = #expect(throws: HDF5Error.self) { try file.dataset("optimizer/generator") }
        #expect(notDataset.map { "\($0)".hasSuffix("is a group, not a dataset") } == true)
        let missing = #expect(throws: HDF5Error.self) { try file.group("optimizer").dataset("discriminator/x") }
        #expect(missing.map { "\($0)".hasPrefix("\(path): /optimizer/discriminator/x:") } == true)
        #expect(throws: HDF5Error.self) { try file.dataset("") }
    }
}
