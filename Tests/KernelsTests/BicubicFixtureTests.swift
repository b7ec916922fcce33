import HDF5
import Kernels
import Testing
import TestSupport

/// The bicubic ×0.5 kernel against what PyTorch's `interpolate(scale_factor=0.5,
/// mode='bicubic', align_corners=False)` gave the multi-scale discriminator (`msd_D.h5`).
@Suite struct BicubicFixtureTests {
    @Test func reproducesTheDiscriminatorsDownsampledInputs() throws {
        let file = try HDF5File(path: Fixtures.path("msd_D_resample.h5"))
        var current = try file.dataset("input").read(Float.self)
        for k in 1...2 {
            let expected = try file.dataset("downsampled_input/\(k)").read(Float.self)
            let (n, c, h, w) = (current.shape[0], current.shape[1], current.shape[2], current.shape[3])
            #expect(expected.shape == [n, c, h / 2, w / 2])
            var output = [Float](repeating: .nan, count: n * c * (h / 2) * (w / 2))
            bicubicDownsample2xForward(input: current.values, output: &output, batch: n, channels: c, height: h, width: w)
            let result = compare(output, expected.values, atol: 1e-5, rtol: 0, name: "downsampled_input/\(k)")
            print("bicubic ×0.5: \(result)")
            #expect(result.passed, "\(result)")
            current = HDF5Array(shape: expected.shape, values: output)
        }
    }
}
