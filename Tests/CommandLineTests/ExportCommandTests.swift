import Foundation
import HDF5
import Testing
import TestSupport

/// Tier 5: `export` → weights file → `enhance`, and the weights format's interoperability
/// (h5py, Tools/convert_weights.py, the reference model's `state_dict` keys).
@Suite(.serialized) struct ExportCommandTests {
    static func enhance(_ weights: String, _ input: String, _ output: String, _ extra: [String] = []) throws -> Command.Result {
        try Command.run(Command.sparnetDist, ["enhance", "--weights", weights, "--input", input, "--output", output] + extra)
    }

    @Test("--out onto the checkpoint itself (or a link to it) or a FIFO is refused before anything is written")
    func outputThatMustNotBeReplacedIsRefused() throws {
        let model = TrainedModels.tiny
        let directory = Fixtures.temporaryDirectory("export-refused")
        let copy = directory + "/checkpoint.h5", link = directory + "/link.h5"
        try FileManager.default.copyItem(atPath: model.checkpoint, toPath: copy)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: copy)
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        let before = RunFiles.bytes(copy)
        for (out, phrase) in [(copy, "is the checkpoint itself"), (link, "is the checkpoint itself"),
                              (fifo, "is a FIFO")] {
            let result = try Command.run(Command.sparnetDist, ["export", "--checkpoint", copy, "--out", out])
            #expect(result.status != 0 && result.errors.contains("--out \(out)") && result.errors.contains(phrase), "\(result)")
        }
        #expect(RunFiles.bytes(copy) == before)
        var status = stat()
        #expect(stat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "the FIFO is still a FIFO")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["checkpoint.h5", "fifo", "link.h5"])
    }

    @Test("The README's and export --help's load_state_dict one-liner runs on an exported file, 0-d num_batches_tracked included",
          .enabled(if: Python.hasH5py, "needs python3 with h5py and numpy (make deps installs them)"))
    func documentedOneLinerLoadsTheWeights() throws {
        let readme = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let help = try Command.run(Command.sparnetDist, ["export", "--help"], environment: ["COLUMNS": "400"]).output
        func oneLiner(_ text: String) -> String? {
            text.range(of: #"net\.load_state_dict\(\{k: [^`\n]*\.items\(\)\}\)"#, options: .regularExpression).map { String(text[$0]) }
        }
        let line = try #require(oneLiner(readme))
        #expect(oneLiner(help)?.replacingOccurrences(of: "PATH", with: "path") == line, "export --help: \(help)")
        // torch itself is not needed: its from_numpy refuses what is not an ndarray, as this does.
        let script = """
            import sys, types, h5py, numpy as np
            torch = types.SimpleNamespace()
            def from_numpy(a):
                if not isinstance(a, np.ndarray): raise TypeError("expected np.ndarray (got %s)" % type(a).__name__)
                return a
            torch.from_numpy = from_numpy
            class Net:
                def load_state_dict(self, state): self.state = state
            net, path = Net(), sys.argv[1]
            exec(sys.argv[2])
            keys = set(h5py.File(path)["weights"].keys())
            assert set(net.state) == keys, "keys differ"
            assert any(v.shape == () for v in net.state.values()), "no 0-d tensor was exercised"
            print("loaded", len(net.state))
            """
        let result = try Python.run(script, [TrainedModels.tiny.weights, line])
        #expect(result.status == 0 && result.output.contains("loaded "), "\(line): \(result)")
    }

    @Test func exportedWeightsEnhanceDeterministically() throws {
        let model = TrainedModels.tiny
        let directory = Fixtures.temporaryDirectory("export-enhance")
        for name in ["first.png", "second.png"] {
            let result = try Self.enhance(model.weights, TrainedModels.facePNG, directory + "/" + name)
            #expect(result.status == 0, "\(result)")
        }
        let first = RunFiles.bytes(directory + "/first.png")
        #expect(RunFiles.pngSize(TrainedModels.facePNG)! == (32, 32), "prepare --preview 1 writes the face itself")
        #expect(RunFiles.pngSize(directory + "/first.png")! == (32, 32), "the tiny model's output size")
        #expect(!first.isEmpty && first == RunFiles.bytes(directory + "/second.png"), "same weights, same PNG bytes")

        // The weights file holds the checkpoint's generator verbatim, with the run's configuration.
        let weights = try RunFiles.datasets(model.weights, under: "weights")
        #expect(weights == (try RunFiles.datasets(model.checkpoint, under: "generator")))
        let file = try HDF5File(path: model.weights)
        #expect(try file.stringAttribute("format") == "sparnet-dist/weights")
        #expect(try file.stringAttribute("model") == "sparnet" && file.stringAttribute("network") == "generator")
        #expect(try file.stringAttribute("config") == HDF5File(path: model.checkpoint).stringAttribute("config"))
    }

    @Test(.enabled(if: Python.hasH5py, "needs python3 with h5py and numpy (make deps installs them)"))
    func weightsConvertedByTheToolReproduceEnhanceBitForBit() throws {
        let model = TrainedModels.tiny
        let directory = Fixtures.temporaryDirectory("export-convert")
        // A state dict as numpy arrays (what torch's state_dict becomes), through the tool.
        let npz = try Python.run("""
            import sys, h5py, numpy
            with h5py.File(sys.argv[1], "r") as f:
                numpy.savez(sys.argv[2], **{k: v[()] for k, v in f["weights"].items()})
            """, [model.weights, directory + "/state.npz"])
        #expect(npz.status == 0, "\(npz)")
        let tool = Fixtures.repositoryRoot.appendingPathComponent("Tools/convert_weights.py").path
        let converted = directory + "/converted.h5"
        let conversion = try Command.run(Command.locate("python3")!, [tool, directory + "/state.npz", converted, "--model", "sparnet",
                                                                     "--set", "generator.preset=tiny", "--set", "data.scale_factor=4"])
        #expect(conversion.status == 0, "\(conversion)")
        #expect(try RunFiles.datasets(converted, under: "weights") == RunFiles.datasets(model.weights, under: "weights"))

        let exported = directory + "/exported.png", fromTool = directory + "/converted.png"
        #expect(try Self.enhance(model.weights, TrainedModels.facePNG, exported).status == 0)
        let result = try Self.enhance(converted, TrainedModels.facePNG, fromTool)
        #expect(result.status == 0, "\(result)")
        #expect(!RunFiles.bytes(exported).isEmpty && RunFiles.bytes(fromTool) == RunFiles.bytes(exported),
                "converted weights must reproduce the exported weights' output bit for bit")
    }

    /// Fixture A's generator (fixtures/README.md) through `--set generator.*`.
    static let fixtureAGenerator = ["min_channels=8", "max_channels=16", "input_size=32", "output_size=32",
                                    "min_feature_size=8", "residual_depth=1", "norm=batch", "activation=leakyrelu",
                                    "attention=2d", "bottleneck_size=32"].flatMap { ["--set", "generator." + $0] }

    @Test(.enabled(if: Fixtures.shared("sparnet_A.h5").map { FileManager.default.fileExists(atPath: $0) } ?? false,
                   "needs the shared folder's fixtures/sparnet_A.h5"))
    func exportedKeysAreTheReferenceModelsStateDictKeys() throws {
        let directory = Fixtures.temporaryDirectory("export-keys") + "/run"
        let train = try Command.run(Command.sparnetDist, ["train", "--config", TrainCommandTests.debugConfig,
                                                          "--data", TrainCommandTests.data, "--run-dir", directory,
                                                          "--steps", "2", "--set", "checkpoint.every_steps=2", "--debug"]
                                    + Self.fixtureAGenerator)
        #expect(train.status == 0, "\(train)")
        let weights = directory + "/weights.h5"
        let export = try Command.run(Command.sparnetDist, ["export", "--checkpoint", directory + "/checkpoint-00000002.h5",
                                                           "--out", weights])
        #expect(export.status == 0, "\(export)")

        // Key for key, shape for shape and type for type the reference's state_dict.
        func entries(_ path: String) throws -> [String: String] {
            let group = try HDF5File(path: path).group("weights")
            var entries: [String: String] = [:]
            for key in try group.memberNames() {
                let dataset = try group.dataset(key)
                entries[key] = "\(dataset.elementType) \(dataset.shape)"
            }
            return entries
        }
        let ours = try entries(weights), reference = try entries(Fixtures.shared("sparnet_A.h5")!)
        print("exported \(ours.count) tensors; the reference state_dict (fixture A) has \(reference.count)")
        #expect(Set(ours.keys).symmetricDifference(reference.keys).isEmpty,
                "only ours: \(Set(ours.keys).subtracting(reference.keys).sorted()); only the reference's: \(Set(reference.keys).subtracting(ours.keys).sorted())")
        #expect(ours == reference)

        if Python.hasH5py {
            // DESIGN.md §6's one line, as a user types it.
            let oneLine = try Python.run("""
                import sys, h5py; w = {k: v[()] for k, v in h5py.File(sys.argv[1], "r")["weights"].items()}; \
                print(len(w), sorted({str(v.dtype) for v in w.values()}))
                """, [weights])
            #expect(oneLine.status == 0, "\(oneLine)")
            #expect(oneLine.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(reference.count) ['float32', 'int64']", "\(oneLine)")
        }
    }
}
