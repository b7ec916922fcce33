import Foundation
import HDF5
import Testing
import TestSupport

/// What the checkpoint, export and inference tests read back from the files the CLI writes.
enum RunFiles {
    /// Every dataset of an HDF5 file (or of one group of it) by path, converted to Float.
    static func datasets(_ path: String, under root: String = "/") throws -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        func walk(_ group: HDF5Group, _ prefix: String) throws {
            for name in try group.memberNames() {
                switch try group.kind(of: name) {
                case .group: try walk(try group.group(name), prefix + name + "/")
                case .dataset: result[prefix + name] = try group.dataset(name).readConverting(to: Float.self).values
                case .datatype: break
                }
            }
        }
        let file = try HDF5File(path: path)
        try walk(root == "/" ? file : try file.group(root), "")
        return result
    }

    /// The checkpoint names in a run directory, sorted.
    static func checkpoints(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("checkpoint-") }.sorted()
    }

    /// The `.partial-*` temporaries in a run directory.
    static func partials(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".partial-") }.sorted()
    }

    /// `metrics.jsonl` as (step, epoch, loss terms by name) per line.
    static func losses(_ directory: String) throws -> [(step: Int, epoch: Int, terms: [String: Double])] {
        try String(contentsOfFile: directory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            var terms: [String: Double] = [:]
            for (key, value) in object where key.hasPrefix("loss_") { terms[key] = (value as? NSNumber)?.doubleValue }
            return (object["step"] as! Int, object["epoch"] as! Int, terms)
        }
    }

    /// `metrics.jsonl` as one line per step: "step epoch name=value …", names sorted, values
    /// printed exactly (for bitwise comparisons of loss logs).
    static func lossLines(_ directory: String) throws -> [String] {
        try losses(directory).map { line in
            "\(line.step) \(line.epoch) " + line.terms.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    /// Width and height from a PNG's IHDR chunk, or nil if the file is no PNG.
    static func pngSize(_ path: String) -> (width: Int, height: Int)? {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 24,
              data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return nil }
        let bytes = [UInt8](data[16..<24])
        let word = { (i: Int) in bytes[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (word(0), word(4))
    }

    /// The bytes of a file (empty when it is missing).
    static func bytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }
}

/// python3 with h5py and numpy, for the interoperability tests (`make deps` installs them).
enum Python {
    static let hasH5py: Bool = {
        guard let python = Command.locate("python3"),
              let result = try? Command.run(python, ["-c", "import h5py, numpy"]) else { return false }
        return result.status == 0
    }()

    /// Runs `python3 -c script arguments…`.
    static func run(_ script: String, _ arguments: [String] = []) throws -> Command.Result {
        try Command.run(Command.locate("python3")!, ["-c", script] + arguments)
    }
}

/// Briefly trained tiny models and their exported weights, made once through the real CLI.
enum TrainedModels {
    /// The tiny preset (32×32, ×4) after 3 steps of Configs/debug.yaml on the 96 synthetic
    /// faces: the run directory, the final checkpoint and its export.
    static let tiny: (runDirectory: String, checkpoint: String, weights: String) = {
        let directory = Fixtures.temporaryDirectory("tiny-model")
        let result = try! Command.run(Command.sparnetDist, ["train", "--config", TrainCommandTests.debugConfig,
                                                            "--data", TrainCommandTests.data, "--run-dir", directory,
                                                            "--steps", "3", "--set", "checkpoint.every_steps=3", "--debug"])
        precondition(result.status == 0, "\(result)")
        let checkpoint = directory + "/checkpoint-00000003.h5", weights = directory + "/weights.h5"
        let export = try! Command.run(Command.sparnetDist, ["export", "--checkpoint", checkpoint, "--out", weights])
        precondition(export.status == 0, "\(export)")
        return (directory, checkpoint, weights)
    }()

    /// A 32×32 face PNG (`prepare --preview 1` writes the first synthetic face itself).
    static let facePNG: String = {
        let path = Fixtures.temporaryDirectory("face") + "/face.png"
        let result = try! Command.run(Command.sparnetDist, ["prepare", "--preview", "1", "--data", TrainCommandTests.data,
                                                            "--out", path])
        precondition(result.status == 0, "\(result)")
        return path
    }()

    /// 8 synthetic 32×32 faces drawn with another seed than the training set's: held out.
    static let heldOutFaces: String = {
        let path = Fixtures.temporaryDirectory("held-out") + "/faces.h5"
        let result = try! Command.run(Command.sparnetDist, ["prepare", "--synthetic", "8", "--size", "32", "--seed", "99",
                                                            "--out", path])
        precondition(result.status == 0, "\(result)")
        return path
    }()
}
