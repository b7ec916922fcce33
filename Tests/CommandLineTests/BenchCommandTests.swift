import Foundation
import Testing
import TestSupport

/// `sparnet-dist bench` end to end: its JSON lines, and the allocation count it measures
/// (DESIGN.md §3: a steady-state step allocates nothing).
@Suite struct BenchCommandTests {
    /// Runs `bench` with `arguments` and returns its JSON lines.
    static func bench(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Command.run(Command.sparnetDist, ["bench"] + arguments, timeout: 300)
        #expect(result.status == 0, "\(result)")
        return try result.output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    /// Runs `bench` with `arguments` on 2 MPI ranks and returns the JSON lines (rank 0's).
    static func benchOnTwoRanks(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Command.mpirun(ranks: 2, ["bench"] + arguments + ["--threads", "1"], timeout: 300)
        #expect(result.status == 0, "\(result)")
        return result.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test("A steady-state training step and an inference forward allocate nothing, on two threads",
          arguments: ["generator-train", "generator-forward"])
    func stepsAllocateNothing(_ workload: String) throws {
        let lines = try Self.bench(["--workload", workload, "--preset", "tiny", "--batch", "3", "--repeats", "2",
                                    "--threads", "2"])
        let figure = try #require(lines.first)
        let allocations = try #require(figure["allocations_per_run"] as? Int,
                                       "no allocation count: is glibc's libc_malloc_debug.so.0 installed? \(figure)")
        #expect(allocations == 0, "\(figure)")
        #expect(figure["blas_threads"] as? String == "2")
        #expect((figure["fraction_of_ceiling"] as? Double ?? 0) > 0)
    }

    @Test("The conv workload reports its sgemm ceiling and the conv's fraction of it, on each conv path, allocating nothing",
          arguments: ["winograd", "shifted-rows", "im2col"])
    func convFigures(_ path: String) throws {
        let lines = try Self.bench(["--workload", "conv", "--batch", "2", "--input-channels", "8", "--output-channels", "16",
                                    "--size", "32", "--repeats", "1", "--conv-path", path, "--threads", "2"])
        #expect(lines.map { $0["figure"] as? String } == ["sgemm_ceiling", "conv_forward", "sgemm_ceiling_backward",
                                                          "conv_backward", "conv_backward_weight", "conv_backward_input"])
        for line in lines {
            #expect(line["conv_path"] as? String == path)
            #expect(line["allocations_per_run"] as? Int == 0, "\(line)")
            if (line["figure"] as? String)?.hasPrefix("conv") == true {
                #expect((line["fraction_of_ceiling"] as? Double ?? 0) > 0, "\(line)")
            }
        }
        let geometry = try #require(lines.first?["geometry"] as? String)
        #expect(geometry.contains("winograd") == (path == "winograd") && geometry.contains("shifted rows") == (path != "im2col"))
        #expect(geometry.contains("F(4×4)") == (path == "winograd"), "\(geometry)")
    }

    @Test("--no-large-winograd-tiles keeps a 32² conv on F(2×2) and says so")
    func smallWinogradTiles() throws {
        let lines = try Self.bench(["--workload", "conv", "--batch", "2", "--input-channels", "8", "--output-channels", "16",
                                    "--size", "32", "--repeats", "1", "--no-large-winograd-tiles", "--threads", "2",
                                    "--no-count-allocations"])
        let first = try #require(lines.first)
        #expect(first["large_winograd_tiles"] as? String == "false")
        #expect((first["geometry"] as? String)?.contains("winograd F(2×2)") == true, "\(first)")
    }

    @Test("--profile splits the forward by kind of layer: every layer counted once, shares summing to one, slowest first")
    func layerProfile() throws {
        let lines = try Self.bench(["--workload", "generator-forward", "--preset", "tiny", "--batch", "2", "--repeats", "3",
                                    "--profile", "--threads", "2", "--no-count-allocations"])
        let forward = try #require(lines.first)
        #expect(forward["figure"] as? String == "generator-forward")
        let kinds = lines.dropFirst()
        #expect(!kinds.isEmpty && kinds.allSatisfy { $0["figure"] as? String == "layer-profile" })
        let seconds = kinds.map { $0["median_s"] as? Double ?? -1 }
        #expect(seconds == seconds.sorted(by: >) && seconds.allSatisfy { $0 > 0 })
        let shares = kinds.map { $0["share"] as? Double ?? 0 }
        #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
        let layers = kinds.map { $0["layers"] as? Int ?? 0 }.reduce(0, +)
        #expect(layers > 10, "\(lines)")
        // Convs carry their geometry and a rate; the other layers their type and output shape.
        let convs = kinds.filter { ($0["layer"] as? String)?.hasPrefix("conv ") == true }
        #expect(!convs.isEmpty && convs.allSatisfy { ($0["gflops"] as? Double ?? 0) > 0 }, "\(convs)")
        #expect(kinds.contains { ($0["layer"] as? String)?.hasPrefix("SpatialAttention → (2, ") == true }, "\(kinds)")

        let other = try Command.run(Command.sparnetDist, ["bench", "--workload", "vgg", "--profile"])
        #expect(other.status != 0 && other.errors.contains("--profile") && other.errors.contains("vgg"), "\(other)")
    }

    /// A tiny SPARNetHD (the tiny generator at 64², the tiny discriminator, every loss on,
    /// VGG19 at its 224² resize) for the hd-* workloads.
    static let tinyHDConfig: String = {
        let path = Fixtures.temporaryDirectory("bench-hd") + "/tiny-hd.yaml"
        try! """
            model: sparnethd
            generator: {preset: tiny, input_size: 64, output_size: 64, min_feature_size: 16, residual_depth: 0,
                        norm: instance, spectral_norm: true}
            discriminator: {preset: tiny}
            train: {loss_weights: {pixel: 100, adversarial: 1, feature_matching: 10, perceptual: 1},
                    vgg_weights: not-read-by-bench.h5}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    @Test("Each SPARNetHD workload reports GFLOP/s against the ceiling and allocates nothing",
          arguments: ["hd-generator", "hd-discriminator", "vgg", "hd-step"])
    func hdWorkloads(_ workload: String) throws {
        let lines = try Self.bench(["--workload", workload, "--config", Self.tinyHDConfig, "--batch", "2", "--repeats", "2"])
        let figure = try #require(lines.first)
        #expect(lines.count == 1)
        #expect(figure["figure"] as? String == workload)
        #expect(figure["allocations_per_run"] as? Int == 0, "\(figure)")
        let fraction = try #require(figure["fraction_of_ceiling"] as? Double, "\(figure)")
        // GFLOP/s count the direct convolution's multiply-adds (as PyTorch's FLOP counts do); the
        // Winograd convs do 2.25× fewer, so the fraction can pass 1.
        #expect(fraction > 0 && fraction < 3, "\(figure)")
        #expect((figure["gflops"] as? Double ?? 0) > 0)
        if workload == "hd-step" {
            #expect((figure["seconds_per_image"] as? Double ?? 0) > 0, "\(figure)")
        }
    }

    @Test("Under mpirun the training step runs on every rank and reports the allreduce wait")
    func distributedTrainStep() throws {
        let lines = try Self.benchOnTwoRanks(["--workload", "generator-train", "--preset", "tiny", "--batch", "2",
                                              "--repeats", "2"])
        #expect(lines.count == 1, "rank 0 alone prints: \(lines)")
        let figure = try #require(lines.first)
        #expect(figure["ranks"] as? String == "2" && figure["global_batch"] as? Int == 4, "\(figure)")
        let wait = try #require(figure["allreduce_wait_fraction"] as? Double, "\(figure)")
        #expect(wait >= 0 && wait < 1, "\(figure)")
        // The gradient buckets are rings restarted on the same buffers and the loss is summed by
        // point-to-point messages: Open MPI's collectives would allocate every step.
        #expect(figure["allocations_per_run"] as? Int == 0, "\(figure)")
    }

    @Test("Under mpirun a SPARNetHD step (G and D allreduces, every loss) allocates nothing either")
    func distributedHDStep() throws {
        let lines = try Self.benchOnTwoRanks(["--workload", "hd-step", "--config", Self.tinyHDConfig, "--batch", "1",
                                              "--repeats", "2"])
        let figure = try #require(lines.first)
        #expect(figure["ranks"] as? String == "2" && figure["global_batch"] as? Int == 2, "\(figure)")
        #expect(figure["allocations_per_run"] as? Int == 0, "\(figure)")
    }

    @Test("Without --config the workload reads the repository's Configs file, and --set changes it")
    func presetsComeFromConfigs() throws {
        let arguments = ["--workload", "generator-forward", "--preset", "tiny", "--batch", "1", "--repeats", "1",
                         "--threads", "1", "--no-count-allocations"]
        let plain = try #require(try Self.bench(arguments).first)
        let shallower = try #require(try Self.bench(arguments + ["--set", "generator.residual_depth=1"]).first)
        let (all, fewer) = (try #require(plain["parameters"] as? String), try #require(shallower["parameters"] as? String))
        #expect(Int(fewer)! < Int(all)!, "\(plain) \(shallower)")

        // A copy of the executable outside the repository finds no Configs/ and says what to do.
        let directory = Fixtures.temporaryDirectory("bench-no-configs")
        let copy = directory + "/sparnet-dist"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: Command.sparnetDist, toPath: copy)
        let result = try Command.run(copy, ["bench"] + arguments, directory: directory)
        #expect(result.status == 64, "\(result)")
        #expect(result.errors.hasPrefix("error: without --config this workload takes its hyperparameters from Configs/sparnet-celeba.yaml")
                && result.errors.contains("pass --config FILE") && result.errors.split(separator: "\n").count == 1, "\(result)")
    }

    @Test("A configuration that does not load is named with its problem")
    func badConfiguration() throws {
        let result = try Command.run(Command.sparnetDist, ["bench", "--workload", "hd-step", "--config", "/nonexistent.yaml"])
        #expect(result.status != 0)
        #expect(result.errors.contains("/nonexistent.yaml"), "\(result)")
    }
}
