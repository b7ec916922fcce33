/// The result of comparing computed values with reference values element by element,
/// `|actual − expected| ≤ atol + rtol·|expected|`. Its description names the worst element,
/// so a failing test says where and by how much.
public struct Comparison: CustomStringConvertible, Sendable {
    public let name: String
    public let count: Int
    /// Elements outside the tolerance.
    public let failures: Int
    /// Index (flat, C order) of the element with the largest excess over its tolerance.
    public let worstIndex: Int
    public let worstActual: Double
    public let worstExpected: Double
    public let maxAbsoluteError: Double
    /// Largest |a − e| / max(|e|, tiny) over all elements.
    public let maxRelativeError: Double
    public let sizeMismatch: Bool

    public var passed: Bool { failures == 0 && !sizeMismatch }

    public var description: String {
        if sizeMismatch { return "\(name): size mismatch" }
        let verdict = passed ? "ok" : "\(failures)/\(count) outside tolerance"
        return "\(name): \(verdict); max abs \(maxAbsoluteError), max rel \(maxRelativeError); "
            + "worst [\(worstIndex)] got \(worstActual) expected \(worstExpected)"
    }
}

/// Compares `actual` with `expected`; see `Comparison`.
public func compare<A: BinaryFloatingPoint, E: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [E], atol: Double, rtol: Double, name: String = "values"
) -> Comparison {
    guard actual.count == expected.count else {
        return Comparison(name: "\(name) (\(actual.count) vs \(expected.count) elements)", count: 0,
                          failures: 0, worstIndex: 0, worstActual: 0, worstExpected: 0,
                          maxAbsoluteError: .infinity, maxRelativeError: .infinity, sizeMismatch: true)
    }
    var failures = 0, worst = 0, worstExcess = -Double.infinity
    var maxAbs = 0.0, maxRel = 0.0
    for i in actual.indices {
        let a = Double(actual[i]), e = Double(expected[i])
        let error = abs(a - e)
        let excess = a.isFinite ? error - (atol + rtol * abs(e)) : .infinity
        if excess > 0 || !a.isFinite { failures += 1 }
        if excess > worstExcess { worstExcess = excess; worst = i }
        maxAbs = max(maxAbs, error)
        maxRel = max(maxRel, error / max(abs(e), 1e-30))
    }
    return Comparison(name: name, count: actual.count, failures: failures, worstIndex: worst,
                      worstActual: actual.isEmpty ? 0 : Double(actual[worst]),
                      worstExpected: expected.isEmpty ? 0 : Double(expected[worst]),
                      maxAbsoluteError: maxAbs, maxRelativeError: maxRel, sizeMismatch: false)
}

/// Compares with a tolerance relative to the largest reference magnitude:
/// `|a − e| ≤ relativeToMax · max|expected|` (the fixtures' rule for gradients).
public func compareRelativeToMax<A: BinaryFloatingPoint, E: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [E], relativeToMax: Double, floor: Double = 1e-12, name: String = "values"
) -> Comparison {
    let scale = expected.reduce(0.0) { max($0, abs(Double($1))) }
    return compare(actual, expected, atol: max(relativeToMax * scale, floor), rtol: 0, name: name)
}
