import Foundation

/// A small seeded generator (SplitMix64) so every test draws the same numbers on every run.
public struct TestRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0xD1B5_4A32_D192_ED03 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` values uniform in `range`.
    public mutating func uniform(_ count: Int, in range: ClosedRange<Double> = -1...1) -> [Double] {
        (0..<count).map { _ in Double.random(in: range, using: &self) }
    }

    /// `count` standard-normal values (Box–Muller).
    public mutating func normal(_ count: Int, mean: Double = 0, standardDeviation: Double = 1) -> [Double] {
        (0..<count).map { _ in
            let u1 = Double.random(in: Double.ulpOfOne...1, using: &self)
            let u2 = Double.random(in: 0...1, using: &self)
            return mean + standardDeviation * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
    }
}

extension Array where Element == Double {
    /// The values rounded to Float, for feeding a Float kernel the reference's exact inputs.
    public var floats: [Float] { map(Float.init) }
}

extension Array where Element == Float {
    /// The values widened to Double, for feeding the reference a kernel's exact inputs.
    public var doubles: [Double] { map(Double.init) }
}
