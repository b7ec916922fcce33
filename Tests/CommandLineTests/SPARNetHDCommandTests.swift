import Foundation
import HDF5
import Testing
import TestSupport

/// Tier 5: `train` for SPARNetHD end to end on a tiny 64×64 configuration, its exact resume,
/// and `export`'s moving-average default.
@Suite(.serialized) struct SPARNetHDCommandTests {
    /// 8 synthetic 64×64 faces and a tiny SPARNetHD: the tiny generator at 64 with
    /// InstanceNorm and spectral norm, the tiny three-scale discriminator, the eq. 14
    /// degradation with small kernels, perceptual weight 0 (VGG19 at 224 would take seconds a
    /// step), an EMA decay of 0.5 so that the average visibly differs from the generator.
    static let setup: (config: String, data: String) = {
        let directory = Fixtures.temporaryDirectory("hd-setup")
        let data = directory + "/faces64.h5"
        let prepare = try! Command.run(Command.sparnetDist, ["prepare", "--synthetic", "8", "--size", "64", "--out", data])
        precondition(prepare.status == 0, "\(prepare)")
        let config = directory + "/tiny-hd.yaml"
        try! """
            model: sparnethd
            generator: {preset: tiny, input_size: 64, output_size: 64, min_feature_size: 16, residual_depth: 0,
                        norm: instance, spectral_norm: true}
            discriminator: {preset: tiny}
            data:
              train: ["\(data)"]
              augment: {flip: false, scale: [1.0, 1.0], rotate90: false}
              degrade:
                grayscale_probability: 0.3
                blur:
                  probability: 0.5
                  gaussian: {weight: 1, sigma: [1, 3]}
                  average: {weight: 1, kernel: [3, 5]}
                  median: {weight: 1, kernel: [3, 5]}
                  motion: {weight: 1, kernel: [5, 7]}
                downsample: [0.125, 0.5]
                noise: {probability: 0.2, sigma_max: 10, per_channel_probability: 0.5}
                jpeg: {probability: 0.7, quality: [30, 60]}
              workers: 1
            train:
              batch_size: 2
              epochs: 10
              max_steps: 4
              seed: 5
              pixel_loss: l1
              loss_weights: {pixel: 100, adversarial: 1, feature_matching: 10, perceptual: 0}
              ema_decay: 0.5
              gradient_accumulation: 1
            distributed: {blas_threads: 1}
            checkpoint: {every_steps: 2, keep: 3}
            log: {every_steps: 1, tensorboard: false}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, data)
    }()

    static func train(_ directory: String, ranks: Int = 1, _ extra: [String]) throws -> Command.Result {
        let arguments = ["train", "--config", setup.config, "--run-dir", directory] + extra
        return ranks == 1 ? try Command.run(Command.sparnetDist, arguments + ["--debug"])
            : try Command.mpirun(ranks: ranks, arguments + ["--check-replicas"])
    }

    @Test func trainsOnOneAndTwoRanksAndResumesBitwise() throws {
        let straight = Fixtures.temporaryDirectory("hd-straight") + "/run"
        let result = try Self.train(straight, ["--steps", "4"])
        #expect(result.status == 0, "\(result)")
        let losses = try RunFiles.losses(straight)
        #expect(losses.map(\.step) == [1, 2, 3, 4])
        for line in losses {
            #expect(Set(line.terms.keys) == ["loss_pixel", "loss_perceptual", "loss_feature_matching", "loss_adversarial", "loss_discriminator"])
            #expect(line.terms.values.allSatisfy { $0.isFinite }, "\(line)")
        }

        // Generator, moving average, discriminator, both Adam states and every spectral-norm
        // vector continue exactly from a checkpoint.
        let split = Fixtures.temporaryDirectory("hd-split") + "/run"
        #expect(try Self.train(split, ["--steps", "2"]).status == 0)
        let resumed = try Self.train(split, ["--steps", "4", "--resume", "auto"])
        #expect(resumed.status == 0 && resumed.output.contains("resumed from"), "\(resumed)")
        let path = "/checkpoint-00000004.h5"
        let all = try RunFiles.datasets(straight + path)
        #expect(Set(all.keys.map { String($0.split(separator: "/")[0]) }) == ["generator", "generator_ema", "discriminator", "optimizer"])
        #expect(all.keys.contains { $0.hasPrefix("discriminator/") && $0.hasSuffix("weight_u") })
        #expect(try RunFiles.datasets(split + path) == all, "SPARNetHD: 2 + 2 resumed steps must be bitwise identical to 4")
        #expect(try RunFiles.lossLines(split) == RunFiles.lossLines(straight))

        let ranks = try Self.train(Fixtures.temporaryDirectory("hd-ranks") + "/run", ranks: 2, ["--steps", "2"])
        #expect(ranks.status == 0 && ranks.output.contains("finished at step 2"), "\(ranks)")
    }

    /// Two G/D steps on 2 ranks against one process with the same global batch. Smooth networks
    /// (no activation kinks) and one BLAS thread, as TrainCommandTests.threeStepsMatchOneProcess
    /// explains; parameters compared where Adam's first moment exceeds 1e-3 of its largest value.
    /// The hinge loss keeps a kink at ±1: a patch score within rounding of it is counted active
    /// in one run and not in the other, which changes D's score bias gradient by 1/48 and, through
    /// Adam, that bias by up to ±lr (measured: 1.7e-4 of max|w| at lr 4e-4, one element). A D
    /// learning rate of 1e-5 bounds that effect below the tolerance; everything else is unchanged.
    @Test func twoRanksMatchOneProcess() throws {
        let smooth = ["--steps", "2", "--set", "generator.activation=none", "--set", "discriminator.activation=none",
                      "--set", "checkpoint.every_steps=2", "--set", "train.discriminator_lr=1e-5"]
        let one = Fixtures.temporaryDirectory("hd-eq-1") + "/run", two = Fixtures.temporaryDirectory("hd-eq-2") + "/run"
        #expect(try Self.train(one, smooth).status == 0)
        let result = try Self.train(two, ranks: 2, smooth)
        #expect(result.status == 0, "\(result)")
        let a = try RunFiles.datasets(two + "/checkpoint-00000002.h5"), b = try RunFiles.datasets(one + "/checkpoint-00000002.h5")
        for network in ["generator", "discriminator"] {
            let moments = b.filter { $0.key.hasPrefix("optimizer/\(network)/exp_avg/") }
            let largest = moments.values.flatMap { $0 }.reduce(Float(0)) { max($0, abs($1)) }
            var difference = 0.0, scale = 0.0
            for (key, reference) in b where key.hasPrefix(network + "/") && !key.hasSuffix("weight_u") && !key.hasSuffix("weight_v") {
                let moment = moments["optimizer/\(network)/exp_avg/" + key.dropFirst(network.count + 1)]
                for (i, (x, y)) in zip(a[key]!, reference).enumerated() where moment.map({ abs($0[i]) > 1e-3 * largest }) ?? true {
                    difference = max(difference, Double(abs(x - y)))
                    scale = max(scale, Double(abs(y)))
                }
            }
            print("SPARNetHD \(network): 2 ranks vs one process after 2 steps, max relative difference \(difference / scale)")
            #expect(difference / scale <= 1e-4, "\(network)")
        }
    }

    @Test func exportWritesTheMovingAverageByDefault() throws {
        let directory = Fixtures.temporaryDirectory("hd-export") + "/run"
        #expect(try Self.train(directory, ["--steps", "2"]).status == 0)
        let checkpoint = directory + "/checkpoint-00000002.h5"
        let average = directory + "/average.h5", trained = directory + "/trained.h5", explicit = directory + "/explicit.h5"
        for (out, flags) in [(average, [String]()), (trained, ["--no-ema"]), (explicit, ["--ema"])] {
            let result = try Command.run(Command.sparnetDist, ["export", "--checkpoint", checkpoint, "--out", out] + flags)
            #expect(result.status == 0, "\(result)")
        }
        let averageWeights = try RunFiles.datasets(average, under: "weights")
        #expect(averageWeights == (try RunFiles.datasets(checkpoint, under: "generator_ema")))
        #expect(try RunFiles.datasets(trained, under: "weights") == RunFiles.datasets(checkpoint, under: "generator"))
        #expect(try RunFiles.datasets(explicit, under: "weights") == averageWeights)
        #expect(try averageWeights != RunFiles.datasets(trained, under: "weights"), "the average lags the trained generator")
        #expect(try HDF5File(path: average).stringAttribute("network") == "generator_ema")
        #expect(try HDF5File(path: trained).stringAttribute("network") == "generator")

        // A SPARNet checkpoint has no average: --ema is an error naming the file.
        let tiny = try Command.run(Command.sparnetDist, ["export", "--checkpoint", TrainedModels.tiny.checkpoint, "--ema",
                                                         "--out", directory + "/none.h5"])
        #expect(tiny.status != 0 && tiny.errors.contains(TrainedModels.tiny.checkpoint), "\(tiny)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/none.h5"))

        // The SPARNetHD weights enhance a face of any size at the model's 64×64.
        let output = directory + "/face.png"
        let enhance = try Command.run(Command.sparnetDist, ["enhance", "--weights", average, "--input", TrainedModels.facePNG,
                                                            "--output", output])
        #expect(enhance.status == 0, "\(enhance)")
        #expect(RunFiles.pngSize(output)! == (64, 64))
    }

    @Test func wrongVGGWeightsAreAClearError() throws {
        let result = try Self.train(Fixtures.temporaryDirectory("hd-vgg") + "/run",
                                    ["--steps", "1", "--set", "train.loss_weights.perceptual=1",
                                     "--set", "train.vgg_weights=\(TrainedModels.tiny.weights)"])
        #expect(result.status != 0, "\(result)")
        #expect(result.errors.contains("train.vgg_weights") && result.errors.contains(TrainedModels.tiny.weights)
                && result.errors.contains("not the VGG19 weights"), "\(result)")
    }
}
