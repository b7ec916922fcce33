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
