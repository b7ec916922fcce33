import ArgumentParser
import Foundation
import Kernels
import Tensors

/// `sparnet-dist bench`: measures a workload in this process and prints one JSON line per
/// figure (median, min and max seconds, GFLOP/s, and the sgemm ceiling of the same run).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure kernel throughput against a plain sgemm of the same sizes, in one run.")

    enum Workload: String, ExpressibleByArgument, CaseIterable {
        case conv
    }

    @Option(help: "What to measure: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")).")
    var workload: Workload = .conv

    @Option(help: "Batch size.") var batch = 8
    @Option(help: "Input channels.") var inputChannels = 64
    @Option(help: "Output channels.") var outputChannels = 64
    @Option(help: "Height and width of the input.") var size = 128
    @Option(help: "Kernel size.") var kernelSize = 3
    @Option(help: "Stride (1 or 2).") var stride = 1
    @Option(help: "Timed repetitions after one warm-up.") var repeats = 5
    @Option(help: "OpenBLAS threads (default: as the library starts, usually all cores).") var threads: Int?

    func validate() throws {
        guard batch > 0, inputChannels > 0, outputChannels > 0, size > 0, kernelSize > 0 else {
            throw ValidationError("--batch, --input-channels, --output-channels, --size and --kernel-size must be positive")
        }
        guard stride == 1 || stride == 2 else { throw ValidationError("--stride must be 1 or 2, got \(stride)") }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive, got \(repeats)") }
    }

    func run() throws {
        BLAS.setThreads(threads ?? BLAS.threads)
        let g = Conv2dGeometry(batch: batch, inputChannels: inputChannels, outputChannels: outputChannels,
                               height: size, width: size, kernelSize: kernelSize, stride: stride,
                               padding: kernelSize > 1 ? .reflect(kernelSize / 2) : .none)
        let input = Arena(count: g.inputCount), output = Arena(count: g.outputCount)
        let weight = Arena(count: g.weightCount), bias = Arena(count: outputChannels)
        let inputGradient = Arena(count: g.inputCount), weightGradient = Arena(count: g.weightCount)
        let biasGradient = Arena(count: outputChannels), scratch = Arena(count: max(g.scratchCount, 1))
        var random = SystemRandomNumberGenerator()
        for arena in [input, weight, output] {
            for i in 0..<arena.count { arena.base[i] = Float.random(in: -1...1, using: &random) }
        }
        let common = ["workload": "conv", "geometry": g.description, "blas_core": BLAS.coreName,
                      "blas_threads": String(BLAS.threads)]

        // The ceiling: the same sgemm calls the conv makes, on data already in column form.
        let (m, n, k) = (g.outputChannels, g.columnColumns, g.columnRows)
        let sgemm = measure(repeats) {
            for _ in 0..<g.batch { matrixMultiply(m: m, n: n, k: k, weight.base, scratch.base, into: output.base) }
        }
        report(common.merging(["figure": "sgemm_ceiling", "m": "\(m)", "n": "\(n)", "k": "\(k)"]) { $1 },
               sgemm, flops: g.forwardFlops, ceiling: nil)
        let forward = measure(repeats) {
            conv2dForward(g, input: input.base, weight: weight.base, bias: bias.base,
                          output: output.base, scratch: scratch.base)
        }
        report(common.merging(["figure": "conv_forward"]) { $1 }, forward, flops: g.forwardFlops, ceiling: sgemm)
        let backward = measure(repeats) {
            conv2dBackward(g, input: input.base, weight: weight.base, outputGradient: output.base,
                           inputGradient: inputGradient.base, weightGradient: weightGradient.base,
                           biasGradient: biasGradient.base, scratch: scratch.base)
        }
        // Backward's ceiling: its two sgemm calls per image (weight gradient, column gradient).
        let backwardSgemm = measure(repeats) {
            for _ in 0..<g.batch {
                matrixMultiply(m: m, n: k, k: n, output.base, scratch.base, transposeB: true,
                               into: weightGradient.base, beta: 1)
                matrixMultiply(m: k, n: n, k: m, weight.base, transposeA: true, output.base, into: scratch.base)
            }
        }
        report(common.merging(["figure": "sgemm_ceiling_backward"]) { $1 }, backwardSgemm,
               flops: 2 * g.forwardFlops, ceiling: nil)
        report(common.merging(["figure": "conv_backward"]) { $1 }, backward, flops: 2 * g.forwardFlops,
               ceiling: backwardSgemm)
    }
}

/// Seconds of each of `repeats` runs of `body`, after one untimed warm-up run.
func measure(_ repeats: Int, _ body: () -> Void) -> [Double] {
    body()
    return (0..<repeats).map { _ in
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// Prints one JSON line: the timing summary, GFLOP/s at the median, the fraction of the
/// ceiling's median throughput, and the process's peak resident memory.
func report(_ fields: [String: String], _ seconds: [Double], flops: Double, ceiling: [Double]?) {
    let sorted = seconds.sorted()
    let median = sorted[sorted.count / 2]
    var object: [String: Any] = fields
    object["median_s"] = median
    object["min_s"] = sorted.first!
    object["max_s"] = sorted.last!
    object["repeats"] = seconds.count
    object["gflops"] = flops / median / 1e9
    if let ceiling {
        let ceilingMedian = ceiling.sorted()[ceiling.count / 2]
        object["ceiling_gflops"] = flops / ceilingMedian / 1e9
        object["fraction_of_ceiling"] = ceilingMedian / median
    }
    object["peak_rss_mib"] = peakResidentMiB()
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// Peak resident set size of this process (getrusage's ru_maxrss, KiB on Linux).
func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
