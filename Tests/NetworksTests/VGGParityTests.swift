import Testing
import TestSupport
import Verification

/// Tier 3: the VGG19 perceptual loss against the PyTorch golden file, group by group.
@Suite(.enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder's fixtures/"))
struct VGGParityTests {
    /// `input_grad` misses `1e-3 · max|g_ref|` (1.97e-3) through the reference's own float32
    /// rounding at a ReLU kink: conv2_1's pre-activation at (channel 47, y 72, x 23) of the
    /// 112×112 map is +1.74e-7 in a float64 recomputation; PyTorch's float32 conv put it at or
    /// below zero, so its ReLU dropped that element's gradient. Flipping that one mask in the
    /// float64 recomputation reproduces PyTorch at the worst pixel (image (20, 6)) to 3e-10;
    /// against float64 our gradient is within 5.3e-4 · max|g|. So that line is informational,
    /// bounded here, and the gradient's relative L2 norm decides.
    @Test("VGG19 perceptual-loss fixture matches")
    func perceptualLossFixture() throws {
        let name = "vgg.h5"
        let report = try verifyReference(path: Fixtures.shared(name)!)
        for line in report.lines {
            print("\(name) \(line.name): max abs \(line.maxAbsoluteError), max rel \(line.maxRelativeError) \(line.passed ? "ok" : "FAIL") \(line.worst ?? "")")
            let message: Comment = "\(name) \(line.name): max rel \(line.maxRelativeError) \(line.tolerance), worst \(line.worst ?? "-")"
            if line.informational {
                #expect(line.name == "input_grad" && line.maxRelativeError < 3e-3, message)
            } else {
                #expect(line.passed, message)
            }
        }
        #expect(report.passed)
        #expect(report.lines.count == 8)
        #expect(report.unsupported == nil)
    }
}
