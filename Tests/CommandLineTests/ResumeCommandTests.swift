import Foundation
import Testing
import TestSupport

/// Tier 4: `train --resume auto` continues a run exactly, on the same or another world size.
@Suite(.serialized) struct ResumeCommandTests {
    /// 20 synthetic faces: with a global batch of 6 an epoch is 3 steps (2 faces dropped), so
    /// 6 steps cover two epochs and the resumed half starts at epoch 1, position 0.
    static let data: String = {
        let path = Fixtures.temporaryDirectory("resume-data") + "/faces.h5"
        let result = try! Command.run(Command.sparnetDist, ["prepare", "--synthetic", "20", "--size", "32", "--seed", "7",
                                                            "--out", path])
        precondition(result.status == 0, "\(result)")
        return path
    }()

    /// Synchronized BatchNorm makes 1 and 2 ranks the same computation up to float rounding.
    /// A smooth generator (`generator.activation=none`) and one BLAS thread keep that rounding
    /// from growing: with ReLU-type activations any rounding difference (ranks or sgemm's
    /// thread count alike) flips elements at the kink after the first update and then grows
    /// like the run-to-run noise of any float training, which would hide a real resume bug.
    static let common = ["--set", "train.batch_size=6", "--set", "train.epochs=2", "--set", "checkpoint.every_steps=3",
                         "--set", "checkpoint.keep=5", "--set", "distributed.sync_batchnorm=true",
                         "--set", "generator.activation=none", "--set", "distributed.blas_threads=1"]

    /// `train` on `ranks` ranks (1: `--debug`, one process without MPI) in `directory`.
    static func train(ranks: Int, _ directory: String, steps: Int, resume: Bool = false,
                      _ extra: [String] = []) throws -> Command.Result {
        let arguments = ["train", "--config", TrainCommandTests.debugConfig, "--data", data, "--run-dir", directory,
                         "--steps", "\(steps)"] + (resume ? ["--resume", "auto"] : []) + common + extra
        let result = ranks == 1
            ? try Command.run(Command.sparnetDist, arguments + ["--debug"])
            : try Command.mpirun(ranks: ranks, arguments + ["--check-replicas"])
        #expect(result.status == 0, "\(result)")
        if resume { #expect(result.output.contains("resumed from \(directory)/checkpoint-00000003.h5 at step 3 (epoch 1, position 0)"), "\(result)") }
        return result
    }

    /// 3 steps on `first` ranks, then `--resume auto` for 3 more on each of `second`, each
    /// from its own copy of the run directory. Returns the final run directories.
    static func split(first: Int, then second: [Int]) throws -> [String] {
        let start = Fixtures.temporaryDirectory("resume-\(first)") + "/run"
        _ = try train(ranks: first, start, steps: 3)
        return try second.map { ranks in
            let directory = Fixtures.temporaryDirectory("resume-\(first)-\(ranks)") + "/run"
            try FileManager.default.copyItem(atPath: start, toPath: directory)
            let result = try train(ranks: ranks, directory, steps: 6, resume: true)
            if ranks != first { #expect(result.output.contains("resuming on \(ranks) rank(s) a run saved on \(first)"), "\(result)") }
            return directory
        }
    }

    static func straight(ranks: Int) throws -> String {
        let directory = Fixtures.temporaryDirectory("straight-\(ranks)") + "/run"
        _ = try train(ranks: ranks, directory, steps: 6)
        return directory
    }

    /// The worst relative difference of the final checkpoints' generators: parameters where
    /// Adam's first moment exceeds 1e-3 of its largest value (elsewhere a gradient at rounding
    /// level moves its element by ±lr whatever the world size, as in TrainCommandTests), and
    /// BatchNorm's running statistics everywhere; `num_batches_tracked` must be equal.
    static func parameterDifference(_ directory: String, _ reference: String) throws -> Double {
        let path = "/checkpoint-00000006.h5"
        let actual = try RunFiles.datasets(directory + path, under: "generator")
        let expected = try RunFiles.datasets(reference + path, under: "generator")
        let moment = try RunFiles.datasets(reference + path, under: "optimizer/generator/exp_avg")
        let largest = moment.values.flatMap { $0 }.reduce(Float(0)) { max($0, abs($1)) }
        #expect(Set(actual.keys) == Set(expected.keys))
        var difference = 0.0, scale = 0.0
        for (key, values) in expected {
            if key.hasSuffix("num_batches_tracked") {
                #expect(actual[key] == values && values == [6], "\(key): \(actual[key] ?? []) vs \(values)")
                continue
            }
            for (i, (x, y)) in zip(actual[key] ?? [], values).enumerated() where moment[key].map({ abs($0[i]) > 1e-3 * largest }) ?? true {
                difference = max(difference, Double(abs(x - y)))
                scale = max(scale, Double(abs(y)))
            }
        }
        return difference / scale
    }

    /// The loss log step by step: the same steps and epochs, losses within `tolerance` relative.
    static func compareLosses(_ directory: String, _ reference: String, tolerance: Double) throws -> Double {
        let actual = try RunFiles.losses(directory), expected = try RunFiles.losses(reference)
        #expect(actual.map(\.step) == Array(1...6) && expected.map(\.step) == Array(1...6))
        #expect(actual.map(\.epoch) == [0, 0, 0, 1, 1, 1] && expected.map(\.epoch) == actual.map(\.epoch))
        var worst = 0.0
        for (a, e) in zip(actual, expected) {
            let difference = abs(a.terms["loss_pixel"]! - e.terms["loss_pixel"]!) / abs(e.terms["loss_pixel"]!)
            worst = max(worst, difference)
            #expect(difference <= tolerance, "step \(e.step): loss \(a.terms) vs \(e.terms)")
        }
        return worst
    }

    @Test("3 steps on 2 ranks, then 3 on 1 rank (and on 2) continue the 6 steps straight on 2 ranks")
    func resumeFromTwoRanks() throws {
        let reference = try Self.straight(ranks: 2)
        let resumed = try Self.split(first: 2, then: [1, 2])

        let difference = try Self.parameterDifference(resumed[0], reference)
        let losses = try Self.compareLosses(resumed[0], reference, tolerance: 1e-5)
        print("resume 2 → 1 rank vs 6 steps on 2 ranks: parameters max relative difference \(difference), losses \(losses)")
        #expect(difference <= 1e-5)

        // The same world size: every tensor of the checkpoint (generator, Adam moments) and
        // every logged loss identical to the bit.
        let path = "/checkpoint-00000006.h5"
        #expect(try RunFiles.datasets(resumed[1] + path) == RunFiles.datasets(reference + path),
                "2 → 2 ranks must be bitwise identical to 6 steps on 2 ranks")
        #expect(try RunFiles.lossLines(resumed[1]) == RunFiles.lossLines(reference))
    }

    @Test("3 steps on 1 rank, then 3 on 2 ranks continue the 6 steps straight on 1 rank")
    func resumeFromOneRank() throws {
        let reference = try Self.straight(ranks: 1)
        let resumed = try Self.split(first: 1, then: [2])
        let difference = try Self.parameterDifference(resumed[0], reference)
        let losses = try Self.compareLosses(resumed[0], reference, tolerance: 1e-5)
        print("resume 1 → 2 ranks vs 6 steps on 1 rank: parameters max relative difference \(difference), losses \(losses)")
        #expect(difference <= 1e-5)
    }

    @Test("Gradient accumulation: 2 micro-batches of 3 give one batch of 6, and resume bitwise")
    func gradientAccumulationResumes() throws {
        // InstanceNorm: a micro-batch normalizes each sample alone, as the whole batch does.
        let norm = ["--set", "generator.norm=instance"]
        let accumulation = norm + ["--set", "train.gradient_accumulation=2"]
        let whole = Fixtures.temporaryDirectory("accumulation-none") + "/run"
        _ = try Self.train(ranks: 1, whole, steps: 6, norm)
        let straight = Fixtures.temporaryDirectory("accumulation-straight") + "/run"
        _ = try Self.train(ranks: 1, straight, steps: 6, accumulation)
        let split = Fixtures.temporaryDirectory("accumulation-split") + "/run"
        _ = try Self.train(ranks: 1, split, steps: 3, accumulation)
        _ = try Self.train(ranks: 1, split, steps: 6, resume: true, accumulation)

        let difference = try Self.parameterDifference(straight, whole)
        print("gradient accumulation 2 vs one batch of 6: parameters max relative difference \(difference)")
        #expect(difference <= 1e-5)
        _ = try Self.compareLosses(straight, whole, tolerance: 1e-5)
        let path = "/checkpoint-00000006.h5"
        #expect(try RunFiles.datasets(split + path) == RunFiles.datasets(straight + path),
                "with accumulation, 3 + 3 resumed steps must be bitwise identical to 6 straight")
        #expect(try RunFiles.lossLines(split) == RunFiles.lossLines(straight))
    }

    @Test func resumeRefusesAnotherSampleSequenceOrModel() throws {
        let directory = Fixtures.temporaryDirectory("resume-refused") + "/run"
        _ = try Self.train(ranks: 1, directory, steps: 3)
        let checkpoint = directory + "/checkpoint-00000003.h5"
        for (override, key) in [("train.batch_size=4", "train.batch_size"), ("train.seed=9", "train.seed"),
                                ("generator.residual_depth=1", "generator.residual_depth")] {
            let result = try Command.run(Command.sparnetDist, ["train", "--config", TrainCommandTests.debugConfig,
                                                               "--data", Self.data, "--run-dir", directory, "--steps", "6",
                                                               "--resume", "auto", "--debug"] + Self.common + ["--set", override])
            #expect(result.status != 0, "\(override): \(result)")
            #expect(result.errors.contains(checkpoint) && result.errors.contains("saved with \(key) "), "\(override): \(result)")
            #expect(!result.errors.contains("SPARNetConfiguration("), "the keys that differ, not whole structs: \(result)")
            if key == "generator.residual_depth" {
                #expect(result.errors.contains("(this run: 1)"), "\(result)")
            }
        }
        // Starting from scratch over a run's checkpoints would mix two runs.
        let fresh = try Command.run(Command.sparnetDist, ["train", "--config", TrainCommandTests.debugConfig,
                                                          "--data", Self.data, "--run-dir", directory, "--steps", "6",
                                                          "--debug"] + Self.common)
        #expect(fresh.status != 0 && fresh.errors.contains("--resume auto"), "\(fresh)")
        #expect(RunFiles.checkpoints(in: directory) == ["checkpoint-00000003.h5"])
    }
}
