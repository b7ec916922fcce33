import Networks
import Testing
import TestSupport

/// The paper's ablation variants (§IV-C): the Baseline without attention branches
/// (`attention: none`) and SPARNet-V_N, the last N Face Attention Units with theirs
/// (`attention_units: N`). Both are the full network with some hourglasses left out.
@Suite struct AttentionVariantTests {
    /// The tiny preset: 2 down steps, 3 residual units, 2 up steps (7 units).
    static func tiny(_ attention: AttentionKind = .spatial2d, units: Int? = nil) -> SPARNetConfiguration {
        var c = SPARNetConfiguration.tiny
        c.attention = attention
        c.attentionUnits = units
        return c
    }

    /// The Face Attention Units' keys in forward order, as the network names its blocks.
    static let units = ["encoder.1", "encoder.2", "res_layers.0", "res_layers.1", "res_layers.2", "decoder.0", "decoder.1"]

    static func keys(_ c: SPARNetConfiguration) throws -> Set<String> {
        Set(try SPARNet.describe(c).state.map(\.key))
    }

    @Test("The Baseline is SPARNet without any att_func: every other parameter and buffer the same")
    func baselineDropsEveryAttentionBranch() throws {
        let full = try Self.keys(Self.tiny()), baseline = try Self.keys(Self.tiny(.none))
        #expect(baseline == full.filter { !$0.contains(".att_func.") })
        #expect(full.contains { $0.contains(".att_func.") })
        #expect(try SPARNet(Self.tiny(.none), batch: 1, trainable: false).attentionMaps.isEmpty)
        // V0 is the Baseline.
        #expect(try Self.keys(Self.tiny(units: 0)) == baseline)
    }

    @Test("SPARNet-V_N keeps the attention of the last N units", arguments: [1, 3, 7])
    func lastUnitsKeepTheirAttention(_ n: Int) throws {
        let network = try SPARNet(Self.tiny(units: n), batch: 1, trainable: false)
        #expect(network.attentionMaps.map(\.block) == Array(Self.units.suffix(n)))
        let attended = try Self.keys(Self.tiny(units: n)).filter { $0.contains(".att_func.") }
        #expect(Set(attended.map { $0.components(separatedBy: ".att_func.")[0] }) == Set(Self.units.suffix(n)))
    }

    @Test func attentionUnitsBeyondTheNetworkAreRejected() {
        #expect(throws: ArchitectureError.self) { try Self.tiny(units: 8).validate() }
        #expect(throws: ArchitectureError.self) { try Self.tiny(units: -1).validate() }
 var message = ""
        do { try Self.tiny(units: 8).validate() } catch { message = "\(error)" }
        #expect(message == "invalid architecture: attention_units: must be 0…7 (the Face Attention Units of this architecture), got 8")
    }

    /// The Baseline's backward, end to end, against central differences of its forward (float32,
    /// so a smooth network: InstanceNorm and no activation kinks, and a tolerance at float
    /// rounding of a sum over the 32×32×3 output).
    @Test func baselineGradientsMatchCentralDifferences() throws {
        var c = Self.tiny(.none)
        (c.norm, c.activation) = (.instance, .none)
        let network = try SPARNet(c, batch: 2, seed: 3)
        let memory = network.memory
        var random = TestRandom(seed: 11)
        let input = random.uniform(network.input.count).floats
        let outputGradient = random.uniform(network.output.count).floats
        func loss() -> Double {
            memory.copy(input, into: network.input)
            network.forward(training: true)
            let output = memory.values(network.output)
            return zip(output, outputGradient).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = loss()
        memory.zeroGradients()
        memory.gradient(network.output).update(from: outputGradient, count: outputGradient.count)
        network.backward()
        let parameters = memory.parameters.base, gradients = memory.parameterGradients.base
        let count = memory.parameters.count
        var worst = 0.0, largest = 0.0
        for index in (0..<24).map({ $0 * (count - 1) / 23 }) {
            let original = parameters[index], step: Float = 1e-2
            parameters[index] = original + step
            let plus = loss()
            parameters[index] = original - step
            let minus = loss()
            parameters[index] = original
            let numeric = (plus - minus) / Double(2 * step)
            worst = max(worst, abs(numeric - Double(gradients[index])))
            largest = max(largest, abs(numeric))
        }
        print("Baseline: worst |numeric − analytic| \(worst) of max |g| \(largest) over 24 parameters")
        #expect(largest > 0 && worst <= 1e-2 * largest)
    }
}
