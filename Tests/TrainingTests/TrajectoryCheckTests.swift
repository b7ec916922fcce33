import Testing
import TestSupport
import Training
import Verification

/// The trajectory check fails when it should: each departure from the released SPARNetHD
/// step, made one at a time through the trainer `train` uses, is named by the group it breaks.
@Suite struct TrajectoryCheckTests {
    static let file = Fixtures.shared("trajectory_sparnethd_HD1.h5")

    @Test(.enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder's fixtures/"),
          arguments: [
              // D's update before G's losses changes G's adversarial term of step 0 itself.
              (SPARNetHDTrainer.Deviations.discriminatorFirst, "losses at step 0"),
              // D's u, v after step 0 hold one power iteration instead of three.
              (.onePowerIterationPerStep, "after_first/D buffers"),
              // The average taken from G after its update moves H by (1 − decay)·lr: 2e-6 of a
              // 0.05 weight, 16× the float32 rounding of the average itself (7e-9).
              (.averageAfterUpdate, "after_first/H parameters"),
          ])
    func eachDeviationIsNamed(_ deviation: SPARNetHDTrainer.Deviations, group: String) throws {
        let report = try verifyReference(path: Self.file!, deviations: deviation)
        let failed = report.lines.filter { !$0.passed && !$0.informational }.map(\.name)
        #expect(!report.passed)
        #expect(failed.contains { $0.hasPrefix(group) }, "failed: \(failed)")
    }
}
