import Foundation
import HDF5
import Testing
import TestSupport

/// Tier 5: bad input to `enhance`, `eval` and `export` is a clear error naming the file, a
/// non-zero exit, and leaves every output as it was.
@Suite(.serialized) struct InferenceInputErrorTests {
    static let sentinel = Data("an earlier result that must survive\n".utf8)

    /// A copy of weights file `source` with `change` applied to each float tensor (nil drops
    /// it), its attributes as given.
    static func weightsVariant(_ name: String, model: String = "sparnet",
                               change: (String, [Float], [Int]) -> (values: [Float], shape: [Int])?) throws -> String {
        let path = Fixtures.temporaryDirectory("weights-variant") + "/" + name
        let source = try HDF5File(path: TrainedModels.tiny.weights)
        let file = try HDF5File(path: path, mode: .create)
        let weights = try file.createGroup("weights")
        let group = try source.group("weights")
        for key in try group.memberNames() {
            let dataset = try group.dataset(key)
            if dataset.elementType == .int64 {
                let array = try dataset.read(Int64.self)
                try weights.writeDataset(key, values: array.values, shape: array.shape)
            } else if let (values, shape) = change(key, try dataset.read(Float.self).values, dataset.shape) {
                try weights.writeDataset(key, values: values, shape: shape)
            }
        }
        for attribute in ["format", "network", "config"] { try file.setAttribute(attribute, to: try source.stringAttribute(attribute)) }
        try file.setAttribute("model", to: model)
        try file.close()
        return path
    }

    /// A weights file of another model: VGG19's first convolution, as Tools/convert_weights.py
    /// --model vgg19 writes it (for train.vgg_weights).
    static func vggWeights() throws -> String {
        let path = Fixtures.temporaryDirectory("vgg-weights") + "/vgg19.h5"
        let file = try HDF5File(path: path, mode: .create)
        try file.writeDataset("weights/features.0.weight", values: [Float](repeating: 0.01, count: 64 * 27), shape: [64, 3, 3, 3])
        try file.writeDataset("weights/features.0.bias", values: [Float](repeating: 0, count: 64), shape: [64])
        try file.setAttribute("format", to: "sparnet-dist/weights")
        try file.setAttribute("model", to: "vgg19")
        try file.setAttribute("network", to: "generator")
        try file.setAttribute("config", to: #"{"model": "sparnet"}"#)
        try file.close()
        return path
    }

    /// Runs `sparnet-dist arguments` expecting a failure that names `file` (and `mentions`),
    /// with `output` (made to hold the sentinel first) left as it was.
    static func expectFailure(_ arguments: [String], naming file: String, mentions: String? = nil,
                              output: String) throws {
        try sentinel.write(to: URL(fileURLWithPath: output))
        let result = try Command.run(Command.sparnetDist, arguments)
        print("\(arguments[0]) → exit \(result.status): \(result.errors.split(separator: "\n").prefix(3).joined(separator: " / "))")
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.errors.contains(file), "the error must name \(file): \(result)")
        if let mentions { #expect(result.errors.contains(mentions), "\(result)") }
        #expect(result.errors.split(separator: "\n").count <= 4, "a short message: \(result)")
        #expect(RunFiles.bytes(output) == sentinel, "\(output) must be untouched")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (output as NSString).deletingLastPathComponent)
            .filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func weightsOfTheWrongKindAreRefused() throws {
        let output = Fixtures.temporaryDirectory("bad-weights") + "/out.png"
        let enhance = { (weights: String) in ["enhance", "--weights", weights, "--input", TrainedModels.facePNG, "--output", output] }
        let vgg = try Self.vggWeights()
        try Self.expectFailure(enhance(vgg), naming: vgg, mentions: "vgg19", output: output)
        let checkpoint = TrainedModels.tiny.checkpoint
        try Self.expectFailure(enhance(checkpoint), naming: checkpoint, mentions: "export", output: output)
        try Self.expectFailure(enhance(TrainedModels.facePNG), naming: TrainedModels.facePNG, output: output)
        let missing = Fixtures.temporaryDirectory("bad-weights") + "/missing.h5"
        try Self.expectFailure(enhance(missing), naming: missing, output: output)
    }

    @Test func missingKeysAndShapeMismatchesAreNamed() throws {
        let output = Fixtures.temporaryDirectory("bad-keys") + "/out.png"
        let key = "encoder.1.conv1.conv2d.weight"
        let dropped = try Self.weightsVariant("missing-key.h5") { name, values, shape in name == key ? nil : (values, shape) }
        let reshaped = try Self.weightsVariant("shape.h5") { name, values, shape in
            name == key ? (Array(values.prefix(values.count / 2)), [shape[0], shape[1] / 2] + shape.dropFirst(2)) : (values, shape)
        }
        try Self.expectFailure(["enhance", "--weights", dropped, "--input", TrainedModels.facePNG, "--output", output],
                               naming: dropped, mentions: "1 missing key(s): \(key)", output: output)
        try Self.expectFailure(["enhance", "--weights", reshaped, "--input", TrainedModels.facePNG, "--output", output],
                               naming: reshaped, mentions: key, output: output)
        let json = Fixtures.temporaryDirectory("bad-keys") + "/eval.json"
        try Self.expectFailure(["eval", "--weights", reshaped, "--data", TrainedModels.heldOutFaces, "--json", json],
                               naming: reshaped, mentions: key, output: json)
    }

    @Test("Weights holding a NaN are refused by enhance and eval, naming the tensor; eval --limit 0 is refused")
    func nonfiniteWeightsAreRefused() throws {
        let key = "encoder.1.conv1.conv2d.weight"
        let diverged = try Self.weightsVariant("diverged.h5") { name, values, shape in
            (name == key ? [Float.nan] + values.dropFirst() : values, shape)
        }
        let directory = Fixtures.temporaryDirectory("nonfinite")
        try Self.expectFailure(["enhance", "--weights", diverged, "--input", TrainedModels.facePNG, "--output", directory + "/out.png"],
                               naming: diverged, mentions: "\(key) holds non-finite values", output: directory + "/out.png")
        try Self.expectFailure(["eval", "--weights", diverged, "--data", TrainedModels.heldOutFaces, "--json", directory + "/eval.json"],
                               naming: diverged, mentions: "\(key) holds non-finite values", output: directory + "/eval.json")
        let none = try Command.run(Command.sparnetDist, ["eval", "--weights", TrainedModels.tiny.weights,
                                                         "--data", TrainedModels.heldOutFaces, "--limit", "0"])
        #expect(none.status != 0 && none.errors.contains("--limit must be at least 1, got 0"), "\(none)")
    }

    @Test func anUndecodableImageFailsBeforeAnythingIsWritten() throws {
        let directory = Fixtures.temporaryDirectory("bad-image")
        let faces = directory + "/faces", outputs = directory + "/out"
        try FileManager.default.createDirectory(atPath: faces, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        let face = RunFiles.bytes(TrainedModels.facePNG)
        try face.write(to: URL(fileURLWithPath: faces + "/a.png"))
        try face.prefix(face.count / 2).write(to: URL(fileURLWithPath: faces + "/b.png"))   // truncated
        try face.write(to: URL(fileURLWithPath: faces + "/c.png"))

        // One file: the error names it; the existing output stays.
        try Self.expectFailure(["enhance", "--weights", TrainedModels.tiny.weights, "--input", faces + "/b.png",
                                "--output", outputs + "/b.png"], naming: faces + "/b.png", output: outputs + "/b.png")
        // A folder: no output at all, not even the good faces before the bad one.
        try Self.sentinel.write(to: URL(fileURLWithPath: outputs + "/c.png"))
        try Self.expectFailure(["enhance", "--weights", TrainedModels.tiny.weights, "--input", faces, "--output", outputs,
                                "--attention", directory + "/attention"], naming: faces + "/b.png", output: outputs + "/a.png")
        #expect(RunFiles.bytes(outputs + "/c.png") == Self.sentinel)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs).sorted() == ["a.png", "b.png", "c.png"])
        #expect(!FileManager.default.fileExists(atPath: directory + "/attention"))
        // Not an image at all.
        let text = directory + "/notes.png"
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: text))
        try Self.expectFailure(["enhance", "--weights", TrainedModels.tiny.weights, "--input", text, "--output", outputs + "/n.png"],
                               naming: text, output: outputs + "/n.png")
    }

    @Test func aFailedExportLeavesTheExistingWeights() throws {
        let directory = Fixtures.temporaryDirectory("bad-export")
        let truncated = directory + "/checkpoint-00000003.h5"
        let data = RunFiles.bytes(TrainedModels.tiny.checkpoint)
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: truncated))
        try Self.expectFailure(["export", "--checkpoint", truncated, "--out", directory + "/weights.h5"],
                               naming: truncated, output: directory + "/weights.h5")
        // Weights are not a checkpoint.
        try Self.expectFailure(["export", "--checkpoint", TrainedModels.tiny.weights, "--out", directory + "/weights.h5"],
                               naming: TrainedModels.tiny.weights, mentions: "not a checkpoint", output: directory + "/weights.h5")
    }
}
