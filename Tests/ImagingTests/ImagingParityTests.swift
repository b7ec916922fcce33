import Testing
import TestSupport
import Verification

/// Tier 3: Pillow's resize and scikit-image's metrics against the shared golden files.
@Suite(.enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder's fixtures/"))
struct ImagingParityTests {
    @Test("Resize and metrics fixtures match", arguments: ["resize.h5", "metrics.h5"])
    func fixture(_ name: String) throws {
        let report = try verifyReference(path: Fixtures.shared(name)!)
        for line in report.lines {
            print("\(name) \(line.name): max abs \(line.maxAbsoluteError) \(line.tolerance) "
                  + "\(line.passed ? "ok" : "FAIL") \(line.worst ?? "")")
            #expect(line.passed, "\(name) \(line.name): \(line.tolerance), worst \(line.worst ?? "-")")
        }
        #expect(report.passed, "\(report.unsupported ?? "")")
    }
}
