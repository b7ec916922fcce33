import Testing
import HDF5
import TestSupport

@Suite struct HDF5ObjectAttributesTests {
    @Test("String, Int64 and Double attributes round-trip on files, groups and datasets")
    func roundTrip() throws {
        let path = Fixtures.temporaryDirectory("hdf5-attributes") + "/attributes.h5"
        let config = #"{"model": {"min_ch": 8, "max_ch": 16}, "seed": 123}"#
        do {
            let file = try HDF5File(path: path, mode: .create)
            try file.setAttribute("format", to: "sparnet-dist/images")
            try file.setAttribute("version", to: 1)
            try file.setAttribute("config", to: config)
            try file.setAttribute("empty", to: "")
            try file.setAttribute("learning_rate", to: 2e-4)
            let group = try file.createGroup("optimizer")
            try group.setAttribute("step", to: Int64.min)
            let dataset = try group.writeDataset("loss", values: [Float(0.5)], shape: [])
            try dataset.setAttribute("unit", to: "mean |y - t|")
            try dataset.setAttribute("scale", to: -Double.infinity)
        }
        let file = try HDF5File(path: path)
        #expect(try file.attributeNames() == ["config", "empty", "format", "learning_rate", "version"])
        #expect(try file.stringAttribute("format") == "sparnet-dist/images")
        #expect(try file.stringAttribute("config") == config)
        #expect(try file.stringAttribute("empty") == "")
        #expect(try file.int64Attribute("version") == 1)
        #expect(try file.doubleAttribute("learning_rate") == 2e-4)
        #expect(try file.doubleAttribute("version") == 1, "integers read as Double")
        #expect(try file.attributeType("version") == .int64 && file.attributeType("format") == .string)
        #expect(try file.hasAttribute("format") && !file.hasAttribute("missing"))
        #expect(try file.group("optimizer").int64Attribute("step") == Int64.min)
        let loss = try file.dataset("optimizer/loss")
        #expect(try loss.stringAttribute("unit") == "mean |y - t|")
        #expect(try loss.doubleAttribute("scale") == -.infinity)
        #expect(try loss.attributeNames() == ["scale", "unit"])
    }

    @Test("Written attributes are what h5dump shows: fixed-length NULLPAD ASCII, int64, float64, variable-length")
    func h5dumpAgrees() throws {
        let path = Fixtures.temporaryDirectory("hdf5-attributes-dump") + "/attributes.h5"
        do {
            let file = try HDF5File(path: path, mode: .create)
            try file.setAttribute("kind", to: "MultiScaleDiscriminator")
            try file.setAttribute("height", to: 128)
            try file.writeDataset("w", values: [Float](repeating: 0, count: 2), shape: [2]).setAttribute("gain", to: 0.02)
            try file.setAttribute("note", to: "variable length", variableLength: true)
        }
        let kind = try HDF5Tools.attribute(path, objectPath: "/", "kind")
        #expect(kind.contains("STRSIZE 23;") && kind.contains("H5T_STR_NULLPAD") && kind.contains("H5T_CSET_ASCII"), "\(kind)")
        #expect(kind.contains("DATASPACE  SCALAR") && HDF5Tools.dataBlock(kind).contains("\"MultiScaleDiscriminator\""), "\(kind)")
        let height = try HDF5Tools.attribute(path, objectPath: "/", "height")
        #expect(height.contains("DATATYPE  H5T_STD_I64LE") && HDF5Tools.dataBlock(height).contains("128"), "\(height)")
        let gain = try HDF5Tools.attribute(path, objectPath: "/w", "gain")
        #expect(gain.contains("DATATYPE  H5T_IEEE_F64LE") && HDF5Tools.dataBlock(gain).contains("0.02"), "\(gain)")
        let note = try HDF5Tools.attribute(path, objectPath: "/", "note")
        #expect(note.contains("STRSIZE H5T_VARIABLE;") && HDF5Tools.dataBlock(note).contains("\"variable length\""), "\(note)")
        #expect(try HDF5File(path: path).stringAttribute("note") == "variable length")
    }

    @Test("Setting an attribute again replaces it, even with another type")
    func replace() throws {
        let path = Fixtures.temporaryDirectory("hdf5-attributes-replace") + "/a.h5"
        let file = try HDF5File(path: path, mode: .create)
        try file.setAttribute("step", to: 10)
        try file.setAttribute("step", to: 11)
        #expect(try file.int64Attribute("step") == 11)
        try file.setAttribute("step", to: "eleven")
        #expect(try file.stringAttribute("step") == "eleven" && file.attributeNames() == ["step"])
        try file.setAttribute("step", to: "a much longer string than before", variableLength: true)
        #expect(try file.stringAttribute("step") == "a much longer string than before")
    }

    @Test("Missing attributes and wrong attribute types throw, naming file, object and attribute")
    func badAttributes() throws {
        let path = Fixtures.temporaryDirectory("hdf5-attributes-bad") + "/a.h5"
        let file = try HDF5File(path: path, mode: .create)
        try file.setAttribute("format", to: "sparnet-dist/weights")
        try file.setAttribute("version", to: 2)
        let group = try file.createGroup("weights")
        let missing = #expect(throws: HDF5Error.self) { try group.stringAttribute("model") }
        #expect(missing.map { "\($0)" } == "\(path): /weights attribute \"model\": no such attribute")
        let notString = #expect(throws: HDF5Error.self) { try file.stringAttribute("version") }
        #expect(notString.map { "\($0)" } == "\(path): / attribute \"version\": holds int64, not a string")
        let notNumber = #expect(throws: HDF5Error.self) { try file.int64Attribute("format") }
        #expect(notNumber.map { "\($0)".contains("attribute \"format\": holds string, not int64") } == true)
        #expect(throws: HDF5Error.self) { try file.doubleAttribute("format") }
        try file.setAttribute("rate", to: 0.5)
        #expect(throws: HDF5Error.self) { try file.int64Attribute("rate") }
    }
}
