import Networks
import Tensors
import Testing
import TestSupport

/// The lifetime plan of activations in memory without gradients: no two activations alive at
/// once share memory, the input, output and attention maps live the whole pass, a network
/// computes exactly what it computes with one place per activation, and memory with gradients
/// keeps the activation layout as it is.
@Suite struct ActivationPlanTests {
    @Test("No two activations alive at the same step share memory; input, output and attention maps span the pass")
    func packingKeepsLiveActivationsApart() throws {
        let configurations = GradientPlanTests.generators + [("sparnet", .sparnet)]
        for (name, configuration) in configurations {
            let network = try SPARNet(configuration, batch: 2, trainable: false)
            let memory = network.memory
            let plan = memory.activationPlan
            let collisions = GradientPlanTests.collisions(plan.activations.map { ($0.key, $0.slot, $0.lifetime) },
                                                          elementCount: plan.elementCount)
            #expect(collisions.isEmpty, "\(name): \(collisions.prefix(3))")
            let wholePass = -1...network.layers.count
            let exposed = Set(plan.activations.filter { $0.lifetime == wholePass }.map(\.key))
            let expected = Set(([network.input, network.output] + network.attentionMaps.map(\.map))
                .map { memory.activationLayout.entries[$0.index].key })
            #expect(exposed == expected, "\(name): \(exposed.symmetricDifference(expected))")
            #expect(plan.activations.allSatisfy { wholePass.contains($0.lifetime.lowerBound)
                                                  && wholePass.contains($0.lifetime.upperBound) })
            #expect(plan.peakLiveCount <= plan.elementCount)
            // The point of the plan: a forward needs a small part of the training activations.
            #expect(plan.elementCount * 3 < memory.activationLayout.elementCount,
                    "\(name): \(plan.elementCount) of \(memory.activationLayout.elementCount) floats")
        }
    }

    @Test("With gradients every activation keeps its layout slot for the whole step")
    func trainingMemoryKeepsTheLayout() throws {
        for (name, configuration) in GradientPlanTests.generators {
            let network = try SPARNet(configuration, batch: 2)
            let memory = network.memory
            #expect(memory.activationPlan.activations.map(\.slot) == memory.activationLayout.entries.map(\.slot), "\(name)")
            #expect(memory.activationPlan.elementCount == memory.activationLayout.elementCount, "\(name)")
        }
        let discriminator = try MultiScaleDiscriminator(.tiny, batch: 2).memory
        #expect(discriminator.activationPlan.activations.map(\.slot) == discriminator.activationLayout.entries.map(\.slot))
        let vgg = VGG19(batch: 1, height: 32, width: 32).memory
        #expect(vgg.activationPlan.activations.map(\.slot) == vgg.activationLayout.entries.map(\.slot))
    }

    @Test("Reading an activation that shares memory after an inference forward is a precondition failure")
    func readingAnUnexposedActivationTraps() async throws {
        let training = try SPARNet(.tiny, batch: 1)
        #expect(training.memory.values(training.blockOutputs[0].map).count == training.blockOutputs[0].map.count)
        await #expect(processExitsWith: .failure) {
            let network = try SPARNet(.tiny, batch: 1, trainable: false)
            _ = network.memory.value(network.blockOutputs[0].map)
        }
    }

    /// Outputs and attention maps of two inference forwards (different inputs: nothing stale
    /// may leak from the first), on memory laid out as `activationMemory` says, or with gradients.
    static func infer(_ configuration: SPARNetConfiguration, memory activationMemory: ActivationMemory?)
        throws -> [[Float]] {
        let network = try SPARNet(configuration, batch: 2, seed: 3, trainable: activationMemory == nil,
                                  activationMemory: activationMemory ?? .byLifetime)
        var random = TestRandom(seed: 5)
        var results: [[Float]] = []
        for _ in 0..<2 {
            network.memory.copy(random.uniform(network.input.count).floats, into: network.input)
            network.forward(training: false)
            results.append(Array(network.memory.values(network.output)))
            results += network.attentionMaps.map { Array(network.memory.values($0.map)) }
        }
        return results
    }

    @Test("A generator's inference on planned memory equals one place per activation and the training layout, bit for bit",
          arguments: 0..<GradientPlanTests.generators.count)
    func inferenceMatchesOnePerMap(_ index: Int) throws {
        let configuration = GradientPlanTests.generators[index].configuration
        let planned = try Self.infer(configuration, memory: .byLifetime)
        #expect(planned == (try Self.infer(configuration, memory: .onePerMap)))
        #expect(planned == (try Self.infer(configuration, memory: nil)))
        #expect(planned.count > 2 && planned.allSatisfy { $0.contains { $0 != 0 } })
        #expect(planned[0] != planned[planned.count / 2], "the two inputs gave the same output")
    }
}
