import Foundation
import HDF5
import Testing
import TestSupport

/// Tiers 4 and 5: `sparnet-dist train` end to end, in one process and on real `mpirun` ranks.
@Suite(.serialized) struct TrainCommandTests {
    /// A folder with 96 synthetic 32×32 faces, made once through the real `prepare`.
    static let data: String = {
        let directory = Fixtures.temporaryDirectory("train-data")
        let result = try! Command.run(Command.sparnetDist, ["prepare", "--synthetic", "96", "--size", "32",
                                                            "--out", directory + "/faces.h5"])
        precondition(result.status == 0, "\(result)")
        return directory + "/faces.h5"
    }()
    static let debugConfig = Fixtures.repositoryRoot.appendingPathComponent("Configs/debug.yaml").path
    static let quickstartConfig = Fixtures.repositoryRoot.appendingPathComponent("Configs/quickstart.yaml").path

    /// Runs `train` on `ranks` ranks (0: `--debug`, one process) and returns the result.
    static func train(ranks: Int, runDirectory: String, _ extra: [String]) throws -> Command.Result {
        let arguments = ["train", "--config", debugConfig, "--data", data, "--run-dir", runDirectory] + extra
        return ranks == 0
            ? try Command.run(Command.sparnetDist, arguments + ["--debug"])
            : try Command.mpirun(ranks: ranks, arguments + ["--check-replicas"])
    }

    /// The ranks of a `train` job on `runDirectory`, not its `mpirun` (whose command line names the
    /// directory too, and whose pid is not always the lowest: pids wrap around).
    static func rankProcesses(runDirectory: String) -> [Int32] {
        let pattern = "^[^ ]*sparnet-dist train .*--run-dir \(runDirectory)( |$)"
        return (try? Command.run("/usr/bin/pgrep", ["-f", pattern]))?.output
            .split(separator: "\n").compactMap { Int32($0) } ?? []
    }

    /// Every tensor of group `group` of a checkpoint, by key.
    static func tensors(_ path: String, _ group: String = "generator") throws -> [String: [Float]] {
        let group = try HDF5File(path: path).group(group)
        var tensors: [String: [Float]] = [:]
        for key in try group.memberNames() { tensors[key] = try group.dataset(key).readConverting(to: Float.self).values }
        return tensors
    }

    /// max |a − b| / max |b| over the elements `include` admits (all by default), running
    /// statistics excluded.
    static func relativeDifference(_ a: [String: [Float]], _ b: [String: [Float]],
                                   include: (String, Int) -> Bool = { _, _ in true }) -> Double {
        var difference = 0.0, scale = 0.0
        for (key, values) in b where !key.contains("running_") && !key.hasSuffix("num_batches_tracked") {
            for (i, (x, y)) in zip(a[key]!, values).enumerated() where include(key, i) {
                difference = max(difference, Double(abs(x - y)))
                scale = max(scale, Double(abs(y)))
            }
        }
        return difference / scale
    }

    /// Trains on one process (`--debug`), 2 and 3 ranks, with a global batch all divide, and
    /// returns the three final checkpoints.
    static func trainOnOneTwoThreeRanks(steps: Int, _ extra: [String]) throws -> [String] {
        // One BLAS thread everywhere: the thread count changes sgemm's summation order, which
        // is a difference of its own (measured: ~3e-3·max|g| after a ReLU kink flips).
        let common = ["--steps", "\(steps)", "--set", "train.batch_size=6", "--set", "checkpoint.every_steps=\(steps)",
                      "--set", "distributed.blas_threads=1"] + extra
        return try [0, 2, 3].map { ranks in
            let directory = Fixtures.temporaryDirectory("train-ranks-\(ranks)")
            let result = try Self.train(ranks: ranks, runDirectory: directory, common)
            #expect(result.status == 0, "\(result)")
            return directory + "/" + String(format: "checkpoint-%08d.h5", steps)
        }
    }

    @Test("One step on 2 and 3 ranks averages the gradient of one process (Adam's first moment)",
          arguments: [["--set", "distributed.sync_batchnorm=true"], ["--set", "generator.norm=instance"]])
    func firstStepGradientsMatchOneProcess(_ normalization: [String]) throws {
        // No activation kinks: ranks see other batch widths, so sgemm's summation order (which
        // OpenBLAS's kernels tie to a product's width) differs, and a pre-activation rounded to
        // the other side of a ReLU kink moves its gradient by far more than rounding.
        let checkpoints = try Self.trainOnOneTwoThreeRanks(steps: 1, normalization + ["--set", "generator.activation=none"])
        let reference = try Self.tensors(checkpoints[0], "optimizer/generator/exp_avg")
        for (ranks, checkpoint) in zip([2, 3], checkpoints.dropFirst()) {
            let difference = Self.relativeDifference(try Self.tensors(checkpoint, "optimizer/generator/exp_avg"), reference)
            print("\(normalization.last!): step 1 gradient, \(ranks) ranks vs one process, max relative difference \(difference)")
            #expect(difference <= 1e-5, "\(ranks) ranks: \(difference)")
        }
    }

    /// Three steps with a smooth generator (no activation kinks): float differences stay at
    /// rounding level, so parameters must agree. (With ReLU-type activations, any rounding
    /// difference — ranks or BLAS threads alike — flips elements at the kink after the first
    /// update and then grows like the run-to-run noise of any float training.)
    @Test("3 steps on 2 and 3 ranks give the weights of one process with the same global batch",
          arguments: [["--set", "distributed.sync_batchnorm=true"], ["--set", "generator.norm=instance"]])
    func threeStepsMatchOneProcess(_ normalization: [String]) throws {
        let checkpoints = try Self.trainOnOneTwoThreeRanks(steps: 3, normalization + ["--set", "generator.activation=none"])
        let reference = try Self.tensors(checkpoints[0])
        let moment = try Self.tensors(checkpoints[0], "optimizer/generator/exp_avg")
        let largest = moment.values.flatMap { $0 }.reduce(Float(0)) { max($0, abs($1)) }
        for (ranks, checkpoint) in zip([2, 3], checkpoints.dropFirst()) {
            // Adam divides each gradient by its own size: an element whose gradient is at
            // rounding level moves by ±lr whatever the rank count. Parameters are compared
            // where the first moment exceeds 1e-3 of its largest value (the golden files' rule).
            let difference = Self.relativeDifference(try Self.tensors(checkpoint), reference) { key, i in
                moment[key].map { abs($0[i]) > 1e-3 * largest } ?? true
            }
            print("\(normalization.last!): 3 steps, \(ranks) ranks vs one process, max relative difference \(difference)")
            #expect(difference <= 1e-4, "\(ranks) ranks: \(difference)")
        }
    }

    /// Whether this CPU runs AVX2 code (`/proc/cpuinfo`).
    static let hasAVX2 = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").contains(" avx2")

    @Test("OpenBLAS's Prescott fallback on an AVX2 CPU is one warning line naming the fix; a native kernel gets none",
          .enabled(if: hasAVX2, "needs an AVX2 CPU"))
    func fallbackKernelIsWarned() throws {
        // The environment of these two runs only: the warning is about OPENBLAS_CORETYPE.
        for (core, warned) in [("Prescott", true), ("Haswell", false)] {
            let result = try Command.run(Command.sparnetDist, ["train", "--config", Self.debugConfig, "--data", Self.data,
                                                               "--run-dir", Fixtures.temporaryDirectory("train-core"),
                                                               "--debug", "--steps", "1"],
                                         environment: ["OPENBLAS_CORETYPE": core])
            #expect(result.status == 0, "\(result)")
            #expect(result.output.contains("\(core) kernel"), "\(result)")
            #expect(result.errors.contains("warning: OpenBLAS runs its generic Prescott") == warned, "\(core): \(result)")
        }
    }

    @Test("The paper's ablation variants train: the Baseline (attention: none) and SPARNet-V1 (attention_units: 1)",
          arguments: [("generator.attention=none", [String]()), ("generator.attention_units=1", ["decoder.1"])])
    func ablationVariantsTrain(_ setting: String, _ attended: [String]) throws {
        let directory = Fixtures.temporaryDirectory("train-variant")
        let result = try Self.train(ranks: 0, runDirectory: directory, ["--steps", "2", "--set", "checkpoint.every_steps=2",
                                                                       "--set", setting])
        #expect(result.status == 0, "\(result)")
        let keys = try Self.tensors(directory + "/checkpoint-00000002.h5").keys
        let blocks = Set(keys.filter { $0.contains(".att_func.") }.map { $0.components(separatedBy: ".att_func.")[0] })
        #expect(blocks == Set(attended), "\(blocks)")
        #expect(keys.contains("decoder.1.conv2.conv2d.weight") && keys.contains("res_layers.0.conv1.conv2d.weight"))
        // The resolved configuration names the variant, so export and enhance rebuild it.
        let resolved = try String(contentsOfFile: directory + "/config.yaml", encoding: .utf8)
        #expect(resolved.contains(setting.hasSuffix("none") ? "attention: none" : "attention_units: 1"), "\(resolved)")
    }

    @Test func gradientAccumulationMatchesTheWholeBatch() throws {
        // Batch 4 in one pass vs 2 micro-batches of 2 (InstanceNorm: no cross-sample statistics),
        // one step: the averaged gradient (Adam's first moment) agrees to rounding (the conv
        // kernels tile by batch, so the summation order differs; with activation kinks, a
        // pre-activation rounded across one would amplify that, as the rank comparisons explain).
        let common = ["--steps", "1", "--set", "checkpoint.every_steps=1", "--set", "generator.norm=instance",
                      "--set", "generator.activation=none",
                      "--set", "train.batch_size=4", "--set", "distributed.blas_threads=1"]
        let whole = Fixtures.temporaryDirectory("train-whole"), split = Fixtures.temporaryDirectory("train-accumulated")
        #expect(try Self.train(ranks: 0, runDirectory: whole, common).status == 0)
        let accumulated = try Self.train(ranks: 0, runDirectory: split, common + ["--set", "train.gradient_accumulation=2"])
        #expect(accumulated.status == 0, "\(accumulated)")
        let reference = try Self.tensors(whole + "/checkpoint-00000001.h5", "optimizer/generator/exp_avg")
        let difference = Self.relativeDifference(try Self.tensors(split + "/checkpoint-00000001.h5", "optimizer/generator/exp_avg"),
                                                 reference)
        print("gradient accumulation 2 × 2 vs batch 4, step 1 gradient: max relative difference \(difference)")
        #expect(difference <= 1e-5, "\(difference)")
    }

    @Test func coordinatorFeedGivesTheSameRunAsShardReads() throws {
        let common = ["--steps", "2", "--set", "checkpoint.every_steps=2", "--set", "train.batch_size=6"]
        let shards = Fixtures.temporaryDirectory("train-feed-shards"), scattered = Fixtures.temporaryDirectory("train-feed-coordinator")
        #expect(try Self.train(ranks: 3, runDirectory: shards, common).status == 0)
        let result = try Self.train(ranks: 3, runDirectory: scattered, common + ["--set", "data.feed=coordinator"])
        #expect(result.status == 0, "\(result)")
        #expect(try Self.tensors(scattered + "/checkpoint-00000002.h5") == Self.tensors(shards + "/checkpoint-00000002.h5"))
    }

    @Test func resumingContinuesExactly() throws {
        let straight = Fixtures.temporaryDirectory("train-straight")
        let split = Fixtures.temporaryDirectory("train-split")
        let every = ["--set", "checkpoint.every_steps=3", "--set", "train.batch_size=4"]
        #expect(try Self.train(ranks: 0, runDirectory: straight, ["--steps", "6"] + every).status == 0)
        #expect(try Self.train(ranks: 0, runDirectory: split, ["--steps", "3"] + every).status == 0)
        let resumed = try Self.train(ranks: 0, runDirectory: split, ["--steps", "6", "--resume", "auto"] + every)
        #expect(resumed.status == 0 && resumed.output.contains("resumed from"), "\(resumed)")
        #expect(try Self.tensors(split + "/checkpoint-00000006.h5") == Self.tensors(straight + "/checkpoint-00000006.h5"),
                "6 steps straight and 3 + 3 resumed must be bitwise identical")
        let losses = { (directory: String) in
            try String(contentsOfFile: directory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
                .compactMap { line -> String? in
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                    return "\(object["step"]!):\(object["loss_pixel"]!)"
                }
        }
        #expect(try losses(split) == losses(straight))
    }

    @Test func nonfiniteStepIsSkippedEverywhereAndTrainingGoesOn() throws {
        let directory = Fixtures.temporaryDirectory("train-nan")
        let result = try Self.train(ranks: 2, runDirectory: directory,
                                    ["--steps", "5", "--set", "train.on_nonfinite=skip", "--inject-fault", "nan@2:1"])
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("step 3: non-finite loss or gradient (first seen in rank 1's loss); update skipped on all ranks"),
                "\(result)")
        #expect(result.output.contains("finished at step 5"), "\(result)")
    }

    @Test func debugStopsAtTheFirstNonfiniteValueNamingWhereItAppeared() throws {
        let result = try Self.train(ranks: 0, runDirectory: Fixtures.temporaryDirectory("train-debug-nan"),
                                    ["--steps", "3", "--inject-fault", "nan@1:0"])
        #expect(result.status != 0, "\(result)")
        #expect(result.errors.contains("step 2: non-finite") && result.errors.contains("the first non-finite activation is input"),
                "\(result)")
    }

    @Test func aFailingRankEndsTheJobNamingItself() throws {
        let result = try Self.train(ranks: 3, runDirectory: Fixtures.temporaryDirectory("train-error"),
                                    ["--steps", "5", "--set", "train.batch_size=6", "--inject-fault", "error@2:1"])
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.errors.contains("rank 1 of 3") && result.errors.contains("injected failure at step 2"), "\(result)")
    }

    @Test func aKilledRankEndsEveryRankPromptly() throws {
        let directory = Fixtures.temporaryDirectory("train-kill")
        let marker = directory + "/run"
        // A long run; kill one rank once training is under way.
        let killer = Thread {
            for _ in 0..<300 {
                usleep(100_000)
                guard FileManager.default.fileExists(atPath: marker + "/config.yaml") else { continue }
                usleep(500_000)
                if let victim = Self.rankProcesses(runDirectory: marker).last { kill(victim, SIGKILL) }
                return
            }
        }
        killer.start()
        let result = try Self.train(ranks: 2, runDirectory: marker, ["--steps", "100000", "--set", "checkpoint.every_steps=100000"])
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.seconds < 60, "\(result)")
    }

    @Test func stopSignalWritesACheckpointOnEveryRanksAgreement() throws {
        let directory = Fixtures.temporaryDirectory("train-term") + "/run"
        let stopper = Thread {
            for _ in 0..<300 {
                usleep(100_000)
                guard FileManager.default.fileExists(atPath: directory + "/config.yaml") else { continue }
                usleep(500_000)
                // SIGTERM one rank only: the stop is agreed collectively.
                if let rank = Self.rankProcesses(runDirectory: directory).last { kill(rank, SIGTERM) }
                return
            }
        }
        stopper.start()
        let result = try Self.train(ranks: 2, runDirectory: directory, ["--steps", "100000", "--set", "checkpoint.every_steps=100000"])
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("stop requested"), "\(result)")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("checkpoint-") }
        #expect(checkpoints.count == 1, "\(checkpoints)")
    }

    @Test func twoRanksReduceTheQuickstartLoss() throws {
        let directory = Fixtures.temporaryDirectory("train-quickstart")
        let result = try Command.mpirun(ranks: 2, ["train", "--config", Self.quickstartConfig, "--data", Self.data,
                                                   "--run-dir", directory, "--steps", "80"])
        #expect(result.status == 0, "\(result)")
        let losses = try String(contentsOfFile: directory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["loss_pixel"] as! Double
        }
        print("quickstart on 2 ranks, pixel loss every 10 steps: \(losses)")
        #expect(losses.count == 8)
        #expect(losses.last! < 0.6 * losses.first!, "\(losses)")
    }

    @Test func ranksWithADifferentConfigurationAbortNamingIt() throws {
        let directory = Fixtures.temporaryDirectory("train-disagree")
        let base = ["train", "--config", Self.debugConfig, "--data", Self.data, "--run-dir", directory]
        let result = try Command.mpirun(programs: [base, base + ["--set", "train.seed=5"]])
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.errors.contains("rank 1 of 2") && result.errors.contains("configuration differs from rank 0"), "\(result)")
    }

    @Test func badConfigurationIsOneClearLine() throws {
        let result = try Command.run(Command.sparnetDist, ["train", "--config", Self.debugConfig, "--set", "train.batch_sise=3"])
        #expect(result.status == 2, "\(result)")
        #expect(result.errors.contains("train.batch_sise: unknown key"), "\(result)")
        #expect(result.errors.split(separator: "\n").count == 1, "\(result)")
        let indivisible = try Self.train(ranks: 2, runDirectory: Fixtures.temporaryDirectory("train-indivisible"),
                                         ["--set", "train.batch_size=5"])
        #expect(indivisible.status != 0 && indivisible.errors.contains("train.batch_size"), "\(indivisible)")
        // Under mpirun every rank reads the same file; the error is reported once, by rank 0.
        let everyRank = try Command.mpirun(ranks: 2, ["train", "--config", Self.debugConfig, "--set", "train.batch_sise=3"])
        #expect(everyRank.status != 0 && !everyRank.timedOut, "\(everyRank)")
        #expect(everyRank.errors.components(separatedBy: "train.batch_sise: unknown key").count == 2, "\(everyRank)")
    }
}
