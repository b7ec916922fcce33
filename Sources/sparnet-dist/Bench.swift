import ArgumentParser
import Collectives
import Configuration
import Datasets
import Foundation
import Kernels
import Networks
import Tensors
import Training

/// `sparnet-dist bench`: measures a workload in this process and prints one JSON line per
/// figure (median, min and max seconds over the repetitions, throughput, peak memory, heap
/// allocations per repetition; for the conv, the sgemm ceiling of the same sizes, for the
/// generator, a large square sgemm, measured in the same run).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a workload; one JSON line per figure.",
        usage: "sparnet-dist bench [<options>]",
        discussion: """
            The network workloads build the generator, discriminator, pixel loss, loss weights, \
            learning rates and gradient bucket size (distributed.bucket_mb; generator-train and \
            hd-step under mpirun) of --config (with --set), or without it of the repository's \
            Configs/sparnet-celeba.yaml (Configs/sparnethd-ffhq.yaml for the hd-* workloads) with \
            --preset as the generator. --batch stays the batch per process. VGG19 runs on random \
            weights (the cost does not depend on them), so train.vgg_weights is not read.
            """)

    enum Workload: String, ExpressibleByArgument, CaseIterable {
        /// One conv layer forward and backward against sgemm of the same sizes.
        case conv
        /// The generator preset's inference forward (no gradient memory).
        case generatorForward = "generator-forward"
        /// The generator preset's training step (`SPARNetTrainer.step` on one process): forward,
        /// pixel loss, backward, Adam.
        case generatorTrain = "generator-train"
        /// The generator's forward and backward (pixel L1 loss, no optimizer); SPARNetHD's
        /// generator unless `--preset` or `--config` names another.
        case hdGenerator = "hd-generator"
        /// The multi-scale discriminator's forward and backward to its input, every scale's
        /// score and features carrying a gradient (as the generator's update sees it).
        case hdDiscriminator = "hd-discriminator"
        /// The VGG19 perceptual loss at the generator's output size: target and input
        /// features, the L1 terms, backward to the input.
        case vgg
        /// One whole SPARNetHD step (`SPARNetHDTrainer.step`): G, D on real, detached fake and
        /// fake, VGG, EMA, both backwards and both Adam updates; under mpirun every rank's.
        case hdStep = "hd-step"
        /// The batch loader on synthetic shards: SPARNet 128² samples, or SPARNetHD 512²
        /// degraded samples with `--preset sparnetHD` or `--degrade`, for 1…`--workers` threads.
        case loader
    }

    @Option(help: "What to measure: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")).")
    var workload: Workload = .conv
    @OptionGroup var runConfiguration: RunConfigurationOptions
    @Option(help: "Generator preset when no --config: \(SPARNetConfiguration.presets.keys.sorted().joined(separator: ", ")) (default: sparnet, sparnetHD for the hd-* workloads).")
    var preset: String?
    @Option(help: "Batch size.") var batch = 8
    @Option(help: "Conv: input channels.") var inputChannels = 64
    @Option(help: "Conv: output channels.") var outputChannels = 64
    @Option(help: "Conv: height and width of the input.") var size = 128
    @Option(help: "Conv: kernel size.") var kernelSize = 3
    @Option(help: "Conv: stride (1 or 2).") var stride = 1
    @Option(help: "Conv: floats of im2col matrix per tile.") var tileFloats = Conv2dGeometry.defaultTileFloats
    @Option(help: "Conv: output pixels per tile at least.") var minimumTileColumns = Conv2dGeometry.defaultMinimumTileColumns
    @OptionGroup var convolution: ConvolutionFlags
    @Flag(help: "generator-forward: also time every layer and print one line per kind of layer (its share of the forward, slowest first).")
    var profile = false
    @Option(help: "Timed repetitions after one warm-up.") var repeats = 5
    @Option(help: "OpenBLAS threads (default: as the library starts, usually all cores).") var threads: Int?
    @Option(help: "Loader: the most worker threads to measure (each count from 1 up).") var workers = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Loader: SPARNetHD's degradation at 512² (as --preset sparnetHD).") var degrade = false
    @Option(help: "The pixel loss, l1 or l2, replacing train.pixel_loss (the paper's SPARNet: l2, SPARNetHD: l1).")
    var pixelLoss: PixelLoss?
    @Flag(inversion: .prefixedNo,
          help: "Count heap allocations per repetition (re-executes once with glibc's \(AllocationCounter.hookLibrary) preloaded).")
    var countAllocations = true

    func validate() throws {
        guard batch > 0, inputChannels > 0, outputChannels > 0, size > 0, kernelSize > 0 else {
            throw ValidationError("--batch, --input-channels, --output-channels, --size and --kernel-size must be positive")
        }
        guard tileFloats > 0, minimumTileColumns > 0 else {
            throw ValidationError("--tile-floats and --minimum-tile-columns must be positive")
        }
        guard stride == 1 || stride == 2 else { throw ValidationError("--stride must be 1 or 2, got \(stride)") }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive, got \(repeats)") }
        if let preset, SPARNetConfiguration.presets[preset] == nil {
            throw ValidationError("--preset \(preset) is not one of \(SPARNetConfiguration.presets.keys.sorted().joined(separator: ", "))")
        }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        guard workers > 0 else { throw ValidationError("--workers must be positive, got \(workers)") }
        guard !profile || workload == .generatorForward else {
            throw ValidationError("--profile times the layers of --workload generator-forward only, not \(workload.rawValue)")
        }
    }

    func run() throws {
        if countAllocations {
            AllocationCounter.reexecuteWithHooks()
            allocationCounting = AllocationCounter.install()
            if !allocationCounting {
                FileHandle.standardError.write(Data("bench: \(AllocationCounter.hookLibrary) is not available; allocations are not counted\n".utf8))
            }
        }
        BLAS.setThreads(threads ?? BLAS.threads)
        switch workload {
        case .conv: runConv()
        case .generatorForward, .generatorTrain: try runGenerator()
        case .hdGenerator: try runGeneratorGradient()
        case .hdDiscriminator: try runDiscriminator()
        case .vgg: try runPerceptual()
        case .hdStep: try runHDStep()
        case .loader: try runLoader()
        }
    }

    var commonFields: [String: String] {
        convolution.fields.merging(["workload": workload.rawValue, "batch": "\(batch)", "blas_core": BLAS.coreName,
                                    "blas_threads": String(BLAS.threads)]) { $1 }
    }

    private func runConv() {
        let g = Conv2dGeometry(batch: batch, inputChannels: inputChannels, outputChannels: outputChannels,
                               height: size, width: size, kernelSize: kernelSize, stride: stride,
                               padding: kernelSize > 1 ? .reflect(kernelSize / 2) : .none, tileFloats: tileFloats,
                               minimumTileColumns: minimumTileColumns, options: convolution.options)
        let input = Arena(count: g.inputCount), output = Arena(count: g.outputCount)
        let weight = Arena(count: g.weightCount), bias = Arena(count: outputChannels)
        let inputGradient = Arena(count: g.inputCount), weightGradient = Arena(count: g.weightCount)
        let biasGradient = Arena(count: outputChannels), scratch = Arena(count: max(g.scratchCount, 1))
        // One image's whole im2col matrix, for the ceiling's sgemm calls.
        let columns = Arena(count: g.columnRows * g.columnColumns)
        for arena in [input, weight, output] { fillUniform(arena) }
        let common = commonFields.merging(["geometry": g.description, "rows_per_tile": "\(g.rowsPerTile)"]) { $1 }

        // The ceiling: the same sgemm calls the conv makes, on data already in column form.
        let (m, n, k) = (g.outputChannels, g.columnColumns, g.columnRows)
        let sgemm = measure(repeats) {
            for _ in 0..<g.batch { matrixMultiply(m: m, n: n, k: k, weight.base, columns.base, into: output.base) }
        }
        report(common.merging(["figure": "sgemm_ceiling", "m": "\(m)", "n": "\(n)", "k": "\(k)"]) { $1 },
               sgemm, flops: g.forwardFlops)
        let forward = measure(repeats) {
            conv2dForward(g, input: input.base, weight: weight.base, bias: bias.base,
                          output: output.base, scratch: scratch.base)
        }
        report(common.merging(["figure": "conv_forward"]) { $1 }, forward, flops: g.forwardFlops, ceiling: sgemm)
        // Backward's ceiling: its two sgemm calls per image (weight gradient, column gradient).
        let backwardSgemm = measure(repeats) {
            for _ in 0..<g.batch {
                matrixMultiply(m: m, n: k, k: n, output.base, columns.base, transposeB: true,
                               into: weightGradient.base, beta: 1)
                matrixMultiply(m: k, n: n, k: m, weight.base, transposeA: true, output.base, into: columns.base)
            }
        }
        report(common.merging(["figure": "sgemm_ceiling_backward"]) { $1 }, backwardSgemm, flops: 2 * g.forwardFlops)
        let backward = measure(repeats) {
            conv2dBackward(g, input: input.base, weight: weight.base, outputGradient: output.base,
                           inputGradient: inputGradient.base, weightGradient: weightGradient.base,
                           biasGradient: biasGradient.base, scratch: scratch.base)
        }
        report(common.merging(["figure": "conv_backward"]) { $1 }, backward, flops: 2 * g.forwardFlops,
               ceiling: backwardSgemm)
        // The two halves alone: where the backward's time goes.
        let weightOnly = measure(repeats) {
            conv2dBackward(g, input: input.base, weight: weight.base, outputGradient: output.base,
                           inputGradient: nil, weightGradient: weightGradient.base, biasGradient: nil,
                           scratch: scratch.base)
        }
        report(common.merging(["figure": "conv_backward_weight"]) { $1 }, weightOnly, flops: g.forwardFlops,
               ceiling: sgemm)
        let inputOnly = measure(repeats) {
            conv2dBackward(g, input: input.base, weight: weight.base, outputGradient: output.base,
                           inputGradient: inputGradient.base, weightGradient: nil, biasGradient: nil,
                           scratch: scratch.base)
        }
        report(common.merging(["figure": "conv_backward_input"]) { $1 }, inputOnly, flops: g.forwardFlops,
               ceiling: sgemm)
    }
}

/// The sgemm ceiling of the whole-network figures: one large square product, timed after
/// each repetition of the workload so both see the same machine load.
final class SquareSgemm {
    let size: Int
    private let a: Arena, b: Arena, c: Arena

    init(size: Int) {
        self.size = size
        (a, b, c) = (Arena(count: size * size), Arena(count: size * size), Arena(count: size * size))
        fillUniform(a)
        fillUniform(b)
    }

    var flops: Double { 2 * Double(size) * Double(size) * Double(size) }

    func run() { matrixMultiply(m: size, n: size, k: size, a.base, b.base, into: c.base) }
}

extension PixelLoss: ExpressibleByArgument {}

extension Bench {
    /// Samples per second the loader delivers to a consumer that only calls `next`, for each
    /// worker count; per worker it is the rate one core sustains.
    private func runLoader() throws {
        let degraded = degrade || generatorPreset == "sparnetHD"
        let size = degraded ? 512 : 128
        let transform: any SampleTransform = degraded ? SPARNetHDDegradation(size: size) : try SPARNetSample(size: size)
        // Enough distinct faces that samples are not all cached decodes of one image.
        let count = max(batch, degraded ? 8 : 64)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sparnet-bench-loader-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/faces.h5"
        let writer = try ImageShardWriter(path: path, count: count, height: size, width: size)
        let faces = SyntheticFaces(seed: 1, size: size)
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for i in 0..<count {
            pixels.withUnsafeMutableBufferPointer { faces.render(i, into: $0) }
            try pixels.withUnsafeBufferPointer { try writer.write($0, at: i) }
        }
        try writer.commit()
        let dataset = try ImageDataset(paths: [path])
        let order = try EpochOrder(count: count, globalBatch: batch, seed: 1)
        let samplesPerRepeat = max(16, batch)
        let steps = (samplesPerRepeat + batch - 1) / batch
        let input = Arena(count: batch * 3 * size * size), target = Arena(count: batch * 3 * size * size)
        for workerCount in 1...workers {
            let loader = try BatchLoader(dataset: dataset, transform: transform, order: order, rank: 0, worldSize: 1,
                                         globalBatch: batch, workers: workerCount, queueDepth: 2)
            var failure: Error?
            let seconds = measure(repeats) {
                for _ in 0..<steps where failure == nil {
                    do { _ = try loader.next(lowResolution: input.base, highResolution: target.base) } catch { failure = error }
                }
            }.seconds
            if let failure { throw failure }
            let median = seconds.sorted()[seconds.count / 2]
            let rate = Double(steps * batch) / median
            let object: [String: Any] = [
                "workload": "loader", "figure": degraded ? "sparnethd_degraded_512" : "sparnet_128",
                "batch": batch, "workers": workerCount, "samples_per_s": rate, "samples_per_s_per_worker": rate / Double(workerCount),
                "ms_per_sample_per_worker": 1000 * Double(workerCount) / rate, "median_s": median, "min_s": seconds.min()!,
                "max_s": seconds.max()!, "repeats": seconds.count, "samples_per_repeat": steps * batch,
                "cores": ProcessInfo.processInfo.activeProcessorCount, "peak_rss_mib": peakResidentMiB(),
            ]
            printJSONLine(object)
        }
    }
}

/// Uniform values in [−1, 1] across an arena.
func fillUniform(_ arena: Arena) { fillUniform(arena.buffer) }

/// Uniform values in [−1, 1] across `values`.
func fillUniform(_ values: UnsafeMutableBufferPointer<Float>) {
    var random = SeededRandom(seed: UInt64(values.count))
    for i in values.indices { values[i] = Float.random(in: -1...1, using: &random) }
}

/// Whether `AllocationCounter` is counting (bench installed the hooks).
nonisolated(unsafe) private var allocationCounting = false

/// Timings of `repeats` runs of one body, with the heap allocations of each run when counted.
struct Measurement {
    var seconds: [Double] = []
    /// CPU seconds of the process (user + system, every thread) per run: on a shared machine,
    /// what the run cost whatever share of the cores it got.
    var cpuSeconds: [Double] = []
    var allocations: [Int] = []
    var allocatedBytes: [Int] = []

    var median: Double { seconds.sorted()[seconds.count / 2] }
}

/// Each of `repeats` runs of `body`, after one untimed warm-up run.
func measure(_ repeats: Int, _ body: () -> Void) -> Measurement {
    measure(repeats, body, alongside: nil).body
}

/// Each of `repeats` runs of `body` after one untimed warm-up run, each run followed by a
/// timed run of `companion` (a ceiling measured under the same load).
func measure(_ repeats: Int, _ body: () -> Void, alongside companion: (() -> Void)?)
    -> (body: Measurement, companion: Measurement) {
    body()
    companion?()
    var result = (body: Measurement(), companion: Measurement())
    func timed(_ run: () -> Void, into measurement: inout Measurement) {
        let before = AllocationCounter.totals
        let cpuStart = processCPUSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        run()
        let end = DispatchTime.now().uptimeNanoseconds
        let cpuEnd = processCPUSeconds()
        let after = AllocationCounter.totals
        measurement.seconds.append(Double(end - start) / 1e9)
        measurement.cpuSeconds.append(cpuEnd - cpuStart)
        measurement.allocations.append(after.count - before.count)
        measurement.allocatedBytes.append(after.bytes - before.bytes)
    }
    for _ in 0..<repeats {
        timed(body, into: &result.body)
        if let companion { timed(companion, into: &result.companion) }
    }
    return result
}

/// Prints one JSON line: the timing summary, throughput at the median (GFLOP/s and the
/// fraction of the ceiling's median throughput when given, images/s when given), heap
/// allocations per run (the largest over the runs, when counted), and the process's peak
/// resident memory.
func report(_ fields: [String: String], _ measurement: Measurement, flops: Double? = nil,
            ceiling: Measurement? = nil, images: Int? = nil, extra: [String: Any] = [:]) {
    let sorted = measurement.seconds.sorted()
    let median = measurement.median
    var object: [String: Any] = fields
    object["median_s"] = median
    object["min_s"] = sorted.first!
    object["max_s"] = sorted.last!
    object["repeats"] = sorted.count
    if !measurement.cpuSeconds.isEmpty { object["median_cpu_s"] = measurement.cpuSeconds.sorted()[sorted.count / 2] }
    if let flops { object["gflops"] = flops / median / 1e9 }
    if let images { object["images_per_s"] = Double(images) / median }
    if let ceiling, let flops {
        object["ceiling_gflops"] = flops / ceiling.median / 1e9
        object["fraction_of_ceiling"] = ceiling.median / median
    }
    if allocationCounting {
        object["allocations_per_run"] = measurement.allocations.max()!
        object["allocated_bytes_per_run"] = measurement.allocatedBytes.max()!
    }
    object["peak_rss_mib"] = peakResidentMiB()
    object.merge(extra) { $1 }
    printJSONLine(object)
}

/// Prints `object` as one JSON line, keys sorted.
func printJSONLine(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// User plus system CPU seconds of this process so far, every thread.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Peak resident set size of this process (getrusage's ru_maxrss, KiB on Linux).
func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
