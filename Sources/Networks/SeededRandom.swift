import Foundation

/// SplitMix64 with Box–Muller normals: the deterministic source of initial weights (and of
/// the benchmarks' inputs, where the system generator's getrandom calls took most of a short run).
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    private var spareNormal: Float?

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal sample.
    mutating func nextNormal() -> Float {
        if let spare = spareNormal { spareNormal = nil; return spare }
        let u1 = Double(next() >> 11 | 1) * 0x1p-53, u2 = Double(next() >> 11) * 0x1p-53
        let radius = (-2 * log(u1)).squareRoot(), angle = 2 * Double.pi * u2
        spareNormal = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }
}
