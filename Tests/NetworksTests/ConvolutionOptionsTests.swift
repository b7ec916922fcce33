import Kernels
import Networks
import Testing
import TestSupport

/// The algorithms a network's convs take are the builder's options, per network, with no
/// process-wide switch: two networks built side by side run two paths.
@Suite struct ConvolutionOptionsTests {
    static func geometries(_ network: SPARNet) -> [Conv2dGeometry] {
        network.layers.compactMap { ($0 as? ConvLayer)?.geometry }
    }

    @Test("Networks built side by side take the paths their options allow, and agree")
    func optionsChooseThePathsPerNetwork() throws {
        let fast = try SPARNet(.tiny, batch: 2, seed: 3)
        let plain = try SPARNet(.tiny, batch: 2, seed: 3, convolution: .im2col)
        let fastGeometries = Self.geometries(fast), plainGeometries = Self.geometries(plain)
        #expect(fastGeometries.contains(where: \.usesWinograd) && fastGeometries.contains(where: \.usesShiftedRows)
                && fastGeometries.contains(where: \.usesOneChannelDirect))
        #expect(plainGeometries.allSatisfy {
            !$0.usesWinograd && !$0.usesShiftedRows && !$0.usesStridedWinograd && !$0.usesOneChannelDirect
        })
        #expect(plainGeometries.allSatisfy { $0.options == .im2col } && fastGeometries.allSatisfy { $0.options == .default })

        var random = TestRandom(seed: 9)
        let input = random.uniform(fast.input.count).floats
        for network in [fast, plain] {
            network.memory.copy(input, into: network.input)
            network.forward(training: true)
        }
        let a = Array(fast.memory.values(fast.output)), b = Array(plain.memory.values(plain.output))
        let scale = b.map(abs).max()!
        #expect(a != b)   // other sums
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * scale })
    }
}
