import Foundation
import Testing
import TestSupport

/// Tier 5: `sparnet-dist verify-reference` and `describe` end to end.
@Suite struct VerifyReferenceCommandTests {
    @Test(.enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder's fixtures/"))
    func passingFixturesExitZero() throws {
        let files = ["sparnet_A.h5", "msd_sn_F.h5"].map { Fixtures.shared($0)! }
        let result = try Command.run(Command.sparnetDist, ["verify-reference"] + files)
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("train/grads (111 tensors)") && result.output.components(separatedBy: "PASS").count == 3,
                "\(result)")
    }

    @Test("--conv-path and the other kernel switches reach every network the check builds",
          .enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder's fixtures/"))
    func convolutionSwitches() throws {
        let files = ["sparnet_A.h5", "msd_sn_F.h5"].map { Fixtures.shared($0)! }
        let fast = try Command.run(Command.sparnetDist, ["verify-reference"] + files)
        let plain = try Command.run(Command.sparnetDist, ["verify-reference", "--conv-path", "im2col", "--no-strided-winograd",
                                                          "--no-one-channel-direct"] + files)
        #expect(plain.status == 0 && plain.output.components(separatedBy: "PASS").count == 3, "\(plain)")
        // Other sums, other last bits: the errors printed differ.
        #expect(plain.output != fast.output, "\(plain)")
        let bad = try Command.run(Command.sparnetDist, ["verify-reference", "--conv-path", "fft"] + files)
        #expect(bad.status != 0 && bad.errors.contains("--conv-path"), "\(bad)")
    }

    @Test(.enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder's fixtures/"))
    func trainingTrajectoriesPass() throws {
        let files = ["trajectory_sparnet_S1.h5", "trajectory_sparnethd_HD1.h5"].map { Fixtures.shared($0)! }
        let result = try Command.run(Command.sparnetDist, ["verify-reference"] + files)
        #expect(result.status == 0, "\(result)")
        for group in ["first_step/SR", "losses at step 0 (5 terms)", "after_first/H parameters", "losses/D (steps 1–4)",
                      "final/D buffers", "losses/Pix (steps 1–7)"] {
            #expect(result.output.contains(group), "\(group): \(result)")
        }
        #expect(result.output.components(separatedBy: "PASS").count == 3, "\(result)")
    }

    @Test func unreadableFileExitsTwoNamingIt() throws {
        let directory = Fixtures.temporaryDirectory("verify")
        let corrupt = directory + "/corrupt.h5"
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: corrupt))
        let missing = directory + "/missing.h5"
        for path in [corrupt, missing] {
            let result = try Command.run(Command.sparnetDist, ["verify-reference", path])
            #expect(result.status == 2, "\(result)")
            #expect(result.errors.contains(path), "\(result)")
        }
    }

    @Test func fileWithoutAConfigIsUnreadable() throws {
        // A real HDF5 file that is no golden file: its missing `config` attribute is named.
        let result = try Command.run(Command.sparnetDist, ["verify-reference", Fixtures.path("msd_D_resample.h5")])
        #expect(result.status == 2 && result.errors.contains("config"), "\(result)")
    }

    @Test func describePrintsTheReferenceParameterCounts() throws {
        let paper = try Command.run(Command.sparnetDist, ["describe", "--preset", "sparnet"])
        #expect(paper.status == 0 && paper.output.contains("10,518,867 parameters"), "\(paper)")
        let prelu = try Command.run(Command.sparnetDist, ["describe", "--activation", "prelu"])
        #expect(prelu.output.contains("10,531,411 parameters"), "\(prelu)")
        let hd = try Command.run(Command.sparnetDist, ["describe", "--preset", "sparnetHD"])
        for count in ["85,793,412", "11,750,403", "20,024,384"] {
            #expect(hd.output.contains(count), "\(hd)")
        }
        let bad = try Command.run(Command.sparnetDist, ["describe", "--preset", "huge"])
        #expect(bad.status != 0 && bad.errors.contains("--preset huge"), "\(bad)")
    }
}
