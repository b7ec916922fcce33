import Foundation
import HDF5
import Testing
import TestSupport

/// `data.validation`: held-out faces scored during training, exactly as `eval` scores the
/// exported model, sharded over the ranks, logged to metrics.jsonl and shown by `report`.
@Suite(.serialized) struct ValidationCommandTests {
    static func train(ranks: Int, _ directory: String) throws -> Command.Result {
        let arguments = ["train", "--config", ShortRun.debugConfig, "--data", ShortRun.shared.trainingData,
                         "--run-dir", directory, "--steps", "4", "--set", "checkpoint.every_steps=4",
                         "--set", "data.validation=[\"\(ShortRun.shared.heldOutData)\"]",
                         "--set", "data.validation_every_steps=2", "--set", "distributed.blas_threads=1",
                         "--set", "checkpoint.keep_best=true", "--set", "checkpoint.keep=1"]
        return ranks == 1 ? try Command.run(Command.sparnetDist, arguments + ["--debug"])
                          : try Command.mpirun(ranks: ranks, arguments)
    }

    /// The `validation_*` records of a run, by step.
    static func validations(_ directory: String) throws -> [Int: [String: Double]] {
        var records: [Int: [String: Double]] = [:]
        for line in try String(contentsOfFile: directory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard object.keys.contains(where: { $0.hasPrefix("validation_") }) else { continue }
            records[object["step"] as! Int] = object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        }
        return records
    }

    @Test("Every 2 steps the held-out faces are scored as eval scores the exported checkpoint")
    func validationScoresAsEval() throws {
        let directory = Fixtures.temporaryDirectory("validation-one") + "/run"
        let result = try Self.train(ranks: 1, directory)
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("validation at step 2: PSNR-Y") && result.output.contains("24 held-out faces"), "\(result)")
        let records = try Self.validations(directory)
        #expect(records.keys.sorted() == [2, 4], "\(records)")
        let last = try #require(records[4])
        #expect(last["validation_images"] == 24)

        // best.h5 holds the step of the best PSNR-Y, beside the newest checkpoint.
        let best = records.max { $0.value["validation_psnr_y"]! < $1.value["validation_psnr_y"]! }!
        #expect(result.output.contains("best held-out PSNR-Y so far: checkpoint \(directory)/best.h5"), "\(result)")
        #expect(RunFiles.checkpoints(in: directory) == ["checkpoint-00000004.h5"])
        let bestFile = try HDF5File(path: directory + "/best.h5")
        #expect(try bestFile.int64Attribute("step") == Int64(best.key))
        #expect(try bestFile.doubleAttribute("validation_psnr_y") == best.value["validation_psnr_y"])
        #expect(try String(contentsOfFile: directory + "/latest", encoding: .utf8) == "checkpoint-00000004.h5\n")

        let weights = directory + "/../weights.h5"
        #expect(try Command.run(Command.sparnetDist, ["export", "--checkpoint", directory + "/checkpoint-00000004.h5",
                                                      "--out", weights]).status == 0)
        let json = directory + "/../eval.json"
        let eval = try Command.run(Command.sparnetDist, ["eval", "--weights", weights, "--data", ShortRun.shared.heldOutData,
                                                         "--json", json])
        #expect(eval.status == 0, "\(eval)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        let mean = summary["mean"] as! [String: Double]
        // The same faces, the same bicubic: identical; the same generator in another batch
        // size (eval runs one face at a time): float rounding apart.
        #expect(last["validation_bicubic_psnr_y"] == mean["bicubic_psnr_y"] && last["validation_bicubic_ssim_y"] == mean["bicubic_ssim_y"])
        #expect(abs(last["validation_psnr_y"]! - mean["psnr_y"]!) < 1e-3, "\(last) vs \(mean)")
        #expect(abs(last["validation_ssim_y"]! - mean["ssim_y"]!) < 1e-5, "\(last) vs \(mean)")

        let report = try Command.run(Command.sparnetDist, ["report", directory])
        #expect(report.status == 0 && report.output.contains("held-out (validation)") && report.output.contains("bicubic PSNR-Y dB"),
                "\(report)")
        #expect(FileManager.default.fileExists(atPath: directory + "/validation.svg"), "\(report)")
    }

    @Test("On 2 ranks each scores its share and the means cover every held-out face")
    func validationIsShardedOverRanks() throws {
        let directory = Fixtures.temporaryDirectory("validation-two") + "/run"
        let result = try Self.train(ranks: 2, directory)
        #expect(result.status == 0, "\(result)")
        let records = try Self.validations(directory)
        #expect(records.keys.sorted() == [2, 4] && records[4]?["validation_images"] == 24, "\(records)")
        // The bicubic baseline does not depend on the model: the sum of the two shares is the
        // mean of one process over all faces, to the rounding of the sum's order.
        let single = Fixtures.temporaryDirectory("validation-single") + "/run"
        #expect(try Self.train(ranks: 1, single).status == 0)
        let reference = try Self.validations(single)
        for key in ["validation_bicubic_psnr_y", "validation_bicubic_ssim_y"] {
            #expect(abs(records[4]![key]! - reference[4]![key]!) < 1e-9, "\(key): \(records) vs \(reference)")
        }
    }

    @Test func keepingTheBestNeedsHeldOutFaces() throws {
        let result = try Command.run(Command.sparnetDist, ["train", "--config", ShortRun.debugConfig, "--data",
                                                           ShortRun.shared.trainingData, "--run-dir",
                                                           Fixtures.temporaryDirectory("validation-best") + "/run",
                                                           "--debug", "--steps", "1", "--set", "checkpoint.keep_best=true"])
        #expect(result.status != 0)
        #expect(result.errors.contains("checkpoint.keep_best") && result.errors.contains("set data.validation"), "\(result)")
    }

    @Test func validationShardsOfAnotherSizeAreRejected() throws {
        let directory = Fixtures.temporaryDirectory("validation-size")
        let other = directory + "/faces64.h5"
        #expect(try Command.run(Command.sparnetDist, ["prepare", "--synthetic", "4", "--size", "64", "--out", other]).status == 0)
        let result = try Command.run(Command.sparnetDist, ["train", "--config", ShortRun.debugConfig, "--data",
                                                           ShortRun.shared.trainingData, "--run-dir", directory + "/run",
                                                           "--debug", "--steps", "1", "--set", "data.validation=\(other)"])
        #expect(result.status != 0)
        #expect(result.errors.contains("data.validation") && result.errors.contains("holds 64×64 faces; the generator works at 32×32"),
                "\(result)")
    }
}
