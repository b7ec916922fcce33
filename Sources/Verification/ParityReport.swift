import HDF5

/// One compared tensor (or group of tensors) of a golden file.
public struct ParityLine: Sendable {
    /// What was compared, e.g. `train/output` or `train/grads (111 tensors)`.
    public let name: String
    public let maxAbsoluteError: Double
    /// Largest error relative to the reference tensor's largest magnitude.
    public let maxRelativeError: Double
    /// The rule applied, e.g. `≤ 2e-05·max|ref|`.
    public let tolerance: String
    public let passed: Bool
    /// For grouped lines: the tensor with the largest relative error.
    public let worst: String?
    /// Reported but not judged: the rule is known not to hold for a reason the line's
    /// `tolerance` text states, and another line decides.
    public var informational = false
}

/// The result of recomputing one golden file with our engine.
public struct ParityReport: Sendable {
    public let file: String
    /// The fixture's `config.kind` (`sparnet`, `msd`, `vgg`, …).
    public let kind: String
    public var lines: [ParityLine] = []
    /// Set when the file's kind is not implemented; the report then fails.
    public var unsupported: String?

    public init(file: String, kind: String) {
        self.file = file
        self.kind = kind
    }

    public var passed: Bool {
        unsupported == nil && !lines.isEmpty && lines.allSatisfy { $0.passed || $0.informational }
    }

    /// Compares `actual` with `expected` under `|a − e| ≤ tolerance · max|expected|` and records a line.
    @discardableResult
    public mutating func compare(_ name: String, _ actual: [Float], _ expected: [Float],
                                 relativeToMax tolerance: Double) -> Bool {
        let line = Self.line(name, [(name, actual, expected)], relativeToMax: tolerance, globalScale: false)
        lines.append(line)
        return line.passed
    }

    /// Compares many tensors as one line. With `globalScale` the tolerance is relative to the
    /// largest magnitude over all of them (the fixtures' rule for gradients); otherwise each
    /// tensor is judged against its own largest magnitude.
    @discardableResult
    public mutating func compareAll(_ name: String, _ tensors: [(key: String, actual: [Float], expected: [Float])],
                                    relativeToMax tolerance: Double, globalScale: Bool) -> Bool {
        let line = Self.line(name, tensors, relativeToMax: tolerance, globalScale: globalScale)
        lines.append(line)
        return line.passed
    }

    private static func line(_ name: String, _ tensors: [(key: String, actual: [Float], expected: [Float])],
                             relativeToMax tolerance: Double, globalScale: Bool) -> ParityLine {
        func scale(_ values: [Float]) -> Double { values.reduce(0.0) { max($0, abs(Double($1))) } }
        let global = tensors.reduce(0.0) { max($0, scale($1.expected)) }
        var maxAbs = 0.0, maxRel = 0.0, passed = true, worst: String?
        for (key, actual, expected) in tensors {
            guard actual.count == expected.count else {
                return ParityLine(name: name, maxAbsoluteError: .infinity, maxRelativeError: .infinity,
                                  tolerance: "sizes differ", passed: false,
                                  worst: "\(key): \(actual.count) vs \(expected.count) elements")
            }
            let reference = max(globalScale ? global : scale(expected), 1e-30)
            var error = 0.0
            for i in actual.indices {
                let e = abs(Double(actual[i]) - Double(expected[i]))
                error = e.isNaN ? .infinity : max(error, e)
            }
            let relative = error / reference
            if relative > maxRel || worst == nil { worst = key }
            maxAbs = max(maxAbs, error)
            maxRel = max(maxRel, relative)
            if relative > tolerance { passed = false }
        }
        return ParityLine(name: name, maxAbsoluteError: maxAbs, maxRelativeError: maxRel,
                          tolerance: "≤ \(tolerance)·max|ref|\(globalScale ? " (over the set)" : "")",
                          passed: passed, worst: tensors.count > 1 ? worst : nil)
    }
}

/// Tolerances for the golden files (fixtures/README.md): our Float results and PyTorch's each
/// agree with a float64 recomputation to about 2e-6 relative, so forward tensors are held to
/// 2e-5 of the reference's magnitude and gradients to the README's 1e-3 · max|g_ref|.
public enum ParityTolerance {
    public static let forward = 2e-5
    public static let gradient = 1e-3
}
