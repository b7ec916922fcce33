import ArgumentParser
import Foundation
import Training
import Verification

/// `sparnet-dist verify-reference FILE.h5 …`: recomputes golden files written by the PyTorch
/// reference and reports the largest errors per group.
struct VerifyReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-reference",
        abstract: "Recompute PyTorch golden files with this engine and compare, group by group.",
        usage: "sparnet-dist verify-reference [<options>] <files> ...",
        discussion: """
            Each FILE's `config` attribute says what it holds (SPARNet generator, multi-scale \
            discriminator, VGG perceptual loss, resize, metrics). Prints one line per group with \
            the largest absolute and relative error and the tolerance. Exit status: 0 when every \
            group of every file is within tolerance, 1 otherwise, 2 when a file cannot be read.
            """)

    @Argument(help: "Golden HDF5 files (e.g. ../shared/fixtures/*.h5).")
    var files: [String]

    /// The kernel switches of `bench`: a precision question answered per algorithm.
    @OptionGroup var convolution: ConvolutionFlags

    /// Tests of the trajectory check: train SPARNetHD trajectories with one deliberate
    /// departure from the reference's order, which the check must name.
    @Option(name: .customLong("deviate"), help: .hidden)
    var deviations: [TrajectoryDeviation] = []

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one golden file") }
    }

    func run() throws {
        var failed = false, unreadable = false
        for path in files {
            let report: ParityReport
            do {
                report = try verifyReference(path: path, convolution: convolution.options,
                                             deviations: SPARNetHDTrainer.Deviations(deviations.map(\.option)))
            } catch {
                printError("\(path): cannot verify: \(error)")
                unreadable = true
                continue
            }
            print("\(path) [\(report.kind)]")
            if let unsupported = report.unsupported {
                print("  UNSUPPORTED  \(unsupported)")
            }
            for line in report.lines {
                let verdict = line.passed ? "ok  " : line.informational ? "info" : "FAIL"
                let worst = line.worst.map { "  worst \($0)" } ?? ""
                print("  \(verdict) \(line.name.padding(toLength: 44, withPad: " ", startingAt: 0)) "
                      + "max abs \(format(line.maxAbsoluteError))  max rel \(format(line.maxRelativeError))  "
                      + "(\(line.tolerance))\(worst)")
            }
            print("  \(report.passed ? "PASS" : "FAIL")")
            failed = failed || !report.passed
        }
        if unreadable { throw ExitCode(2) }
        if failed { throw ExitCode(1) }
    }
}

/// `1.23e-06`-style formatting for error figures.
func format(_ value: Double) -> String { String(format: "%.2e", value) }

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A `--deviate` value: one departure from the reference's SPARNetHD step.
enum TrajectoryDeviation: String, ExpressibleByArgument, CaseIterable {
    case discriminatorFirst = "discriminator-first"
    case onePowerIterationPerStep = "one-power-iteration-per-step"
    case averageAfterUpdate = "average-after-update"

    var option: SPARNetHDTrainer.Deviations {
        switch self {
        case .discriminatorFirst: .discriminatorFirst
        case .onePowerIterationPerStep: .onePowerIterationPerStep
        case .averageAfterUpdate: .averageAfterUpdate
        }
    }
}
