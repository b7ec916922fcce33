import Testing
import TestSupport
import Verification

/// Tier 3: the generators against the PyTorch golden files, tensor by tensor.
@Suite(.enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder's fixtures/"))
struct SPARNetParityTests {
    @Test("SPARNet generator fixtures match", arguments: ["sparnet_A.h5", "sparnet_B.h5", "sparnet_sn_E.h5"])
    func generatorFixture(_ name: String) throws {
        let report = try verifyReference(path: Fixtures.shared(name)!)
        for line in report.lines {
            print("\(name) \(line.name): max abs \(line.maxAbsoluteError), max rel \(line.maxRelativeError) \(line.passed ? "ok" : "FAIL") \(line.worst ?? "")")
            #expect(line.passed, "\(name) \(line.name): max rel \(line.maxRelativeError) \(line.tolerance), worst \(line.worst ?? "-")")
        }
        #expect(report.passed)
    }
}
