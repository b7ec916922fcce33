import Testing
import Networks

/// Parameter counts of the reference models (`sum(p.numel() for p in net.parameters())` on the
/// released code), the first proof that the architecture is the same.
@Suite struct ParameterCountTests {
    @Test func sparnetPaperPreset() throws {
        #expect(try SPARNet.describe(.sparnet).parameterCount == 10_518_867)
        var prelu = SPARNetConfiguration.sparnet
        prelu.activation = .prelu
        #expect(try SPARNet.describe(prelu).parameterCount == 10_531_411)
    }

    @Test func sparnetHDGenerator() throws {
        #expect(try SPARNet.describe(.sparnetHD).parameterCount == 85_793_412)
    }
}

extension ParameterCountTests {
    /// SPARNetHD's `MultiScaleDiscriminator(3, n_layers=4, norm_type='in', num_D=3)`.
    @Test func sparnetHDDiscriminators() throws {
        #expect(try MultiScaleDiscriminator.describe(.sparnetHD).parameterCount == 11_750_403)
    }
}

/// torchvision's `vgg19().features` (the perceptual loss's VGG19): 16 convs with bias.
@Suite struct VGG19ParameterCountTests {
    @Test func vgg19Features() {
        let description = VGG19.describe()
        #expect(description.parameterCount == 20_024_384)
        #expect(description.bufferCount == 0)
        #expect(description.state.count == 32)
        #expect(description.state.first?.key == "features.0.weight")
        #expect(description.state.first?.shape == [64, 3, 3, 3])
        #expect(description.state.last?.key == "features.34.bias")
        #expect(description.state.map { Int($0.key.split(separator: ".")[1])! }
                    == [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34].flatMap { [$0, $0] })
    }
}
