import Testing
import Networks
import TestSupport
import Verification

/// Tier 3: the multi-scale discriminators against the PyTorch golden files, tensor by tensor.
@Suite(.enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder's fixtures/"))
struct DiscriminatorParityTests {
    @Test("multi-scale discriminator fixtures match", arguments: ["msd_D.h5", "msd_sn_F.h5"])
    func discriminatorFixture(_ name: String) throws {
        let report = try verifyReference(path: Fixtures.shared(name)!)
        for line in report.lines {
            print("\(name) \(line.name): max abs \(line.maxAbsoluteError), max rel \(line.maxRelativeError) \(line.passed ? "ok" : "FAIL") \(line.worst ?? "")")
            #expect(line.passed, "\(name) \(line.name): max rel \(line.maxRelativeError) \(line.tolerance), worst \(line.worst ?? "-")")
        }
        #expect(report.unsupported == nil)
        #expect(report.passed)
    }
}

/// Architectures the reference cannot run are rejected before anything is allocated, the
/// error naming the argument at fault.
@Suite struct DiscriminatorConfigurationTests {
    /// (change, argument the error must name)
    static let invalid: [(String, String)] = [
        ("scales", "scale_count"), ("layers", "layer_count"), ("zero layers", "layer_count"),
        ("channels", "max_channels"), ("height", "input_height"),
    ]

    @Test("invalid configurations are rejected naming the argument", arguments: invalid)
    func rejected(_ change: String, _ argument: String) {
        var c = DiscriminatorConfiguration.tiny     // 64×64, 2 layers, 3 scales
        switch change {
        case "scales": c.scaleCount = 5              // scale 4 sees 4×4 → 1×1 after two layers
        case "layers": c.layerCount = 5              // 64 → 2 after five layers
        case "zero layers": c.layerCount = 0
        case "channels": c.maxChannels = 4
        default: c.inputHeight = 2
        }
        do {
            _ = try MultiScaleDiscriminator.describe(c)
            Issue.record("\(change): accepted \(c)")
        } catch let error as ArchitectureError {
            #expect(error.argument == argument, "\(change): \(error)")
            #expect(error.description.contains(argument))
        } catch {
            Issue.record("\(change): unexpected \(error)")
        }
    }

    @Test func smallestValidArchitecturesAreAccepted() throws {
        var c = DiscriminatorConfiguration.tiny
        c.scaleCount = 4                             // scale 3 sees 8×8: 8 → 4 → 2
        #expect(throws: ArchitectureError.self) { try MultiScaleDiscriminator.describe(c) }
        c.inputHeight = 96                           // 96, 48, 24, 12 → 3 after two layers
        c.inputWidth = 96
        #expect(try MultiScaleDiscriminator.describe(c).parameterCount > 0)
        c.inputHeight = 5                            // non-square, odd: 5 → 3 → 2
        #expect(throws: ArchitectureError.self) { try MultiScaleDiscriminator.describe(c) }
    }
}
