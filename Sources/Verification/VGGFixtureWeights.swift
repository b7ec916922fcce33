import Networks
import Tensors

/// The VGG19 weights of the `vgg.h5` golden file, which stores a formula (its root attribute
/// `weights`) instead of 80 MB of tensors. For conv ordinal c = 0…15 in torchvision index order
/// (`features.0`, `.2`, `.5`, …), with I input channels:
/// weight flat index j (OIHW, C order) = u(2c, j) · √(6 / (9I)); bias j = u(2c + 1, j) · 0.01;
/// u(L, j) = h(L, j) / 2³² · 2 − 1 in Double, each product rounded once to Float; h is a
/// 32-bit integer hash with wrapping arithmetic.
public enum VGGFixtureWeights {
    /// Every `state_dict` tensor of `VGG19` by key, as the fixture's formula defines it.
    public static func state() -> [String: HostTensor] {
        var tensors: [String: HostTensor] = [:]
        var ordinal = 0
        for entry in VGG19.describe().state {
            let count = entry.shape.elementCount
            let values: [Float]
            if entry.key.hasSuffix(".weight") {
                let scale = (6 / Double(9 * entry.shape[1])).squareRoot()
                values = (0..<count).map { Float(uniform(stream: 2 * ordinal, index: $0) * scale) }
            } else {
                precondition(entry.key.hasSuffix(".bias"), "VGGFixtureWeights: unexpected key \(entry.key)")
                values = (0..<count).map { Float(uniform(stream: 2 * ordinal + 1, index: $0) * 0.01) }
                ordinal += 1
            }
            tensors[entry.key] = HostTensor(shape: entry.shape, values: values)
        }
        return tensors
    }

    /// u(L, j) ∈ [−1, 1): the hash mapped to Double.
    static func uniform(stream: Int, index: Int) -> Double {
        Double(hash(stream: stream, index: index)) / 4_294_967_296 * 2 - 1
    }

    /// h(L, j): x = j·0x9E3779B1 + (L + 1)·0x85EBCA77, then xorshift-multiply rounds, mod 2³².
    static func hash(stream: Int, index: Int) -> UInt32 {
        var x = UInt32(truncatingIfNeeded: index) &* 0x9E37_79B1 &+ UInt32(truncatingIfNeeded: stream + 1) &* 0x85EB_CA77
        x ^= x >> 15
        x = x &* 0x2C1B_3C6D
        x ^= x >> 12
        x = x &* 0x297A_2D39
        x ^= x >> 15
        return x
    }
}
