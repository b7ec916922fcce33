import Foundation

/// The random numbers of one sample, or of one epoch's order: a SplitMix64 stream whose start
/// is a hash of (seed, epoch, sample index) — never a stream shared between samples — so a
/// sample's augmentation and degradation are the same whatever the number of ranks, worker
/// threads or the point a run resumed from (DESIGN.md §5).
///
/// Every draw is defined here bit for bit (no standard-library `random(in:)`, whose algorithm
/// may change between toolchains), so a sample is reproducible across builds too.
public struct SampleRandom: Sendable {
    private var state: UInt64
    private var spareNormal: Double?

    /// Key domains, so a sample's stream never coincides with an epoch order's.
    enum Domain: UInt64 {
        case sample = 0x5341_4D50_4C45_0001
        case epochOrder = 0x4F52_4445_5200_0002
    }

    /// The generator of sample `sample` (its index in the dataset) in epoch `epoch`.
    public init(seed: UInt64, epoch: Int, sample: Int) {
        self.init(domain: .sample, seed: seed, epoch: epoch, index: sample)
    }

    init(domain: Domain, seed: UInt64, epoch: Int, index: Int) {
        // Chained finalizers: for a fixed prefix each step is a bijection of the next key.
        var key = Self.mix(domain.rawValue)
        key = Self.mix(key ^ seed)
        key = Self.mix(key ^ UInt64(bitPattern: Int64(epoch)))
        key = Self.mix(key ^ UInt64(bitPattern: Int64(index)))
        state = key
    }

    /// SplitMix64's output function (Stafford's mix 13), a bijection on 64 bits.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func nextBits() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), a multiple of 2⁻⁵³.
    public mutating func uniform() -> Double {
        Double(nextBits() >> 11) * 0x1p-53
    }

    /// Uniform in `range` (the upper bound itself has probability 0 unless the range is a point).
    public mutating func uniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
    }

    /// Uniform over the integers of `range`, unbiased (Lemire's multiply-shift with rejection).
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        guard span != 0 else { return range.lowerBound &+ Int(bitPattern: UInt(nextBits())) }
        var product = nextBits().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold { product = nextBits().multipliedFullWidth(by: span) }
        }
        return range.lowerBound + Int(product.high)
    }

    /// True with probability `probability` (one uniform draw, compared with `<`).
    public mutating func chance(_ probability: Double) -> Bool {
        uniform() < probability
    }

    /// A standard normal value (Box–Muller in Double; the second value of each pair is kept
    /// for the next call).
    public mutating func normal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        // 1 − u is in (0, 1], so the logarithm is finite.
        let radius = (-2 * log(1 - uniform())).squareRoot()
        let angle = 2 * Double.pi * uniform()
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }
}
