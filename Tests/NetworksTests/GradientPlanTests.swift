import Networks
import Tensors
import Testing
import TestSupport

/// The lifetime plan of activation gradients: no two gradients alive at once share memory,
/// and a network trained on the planned memory computes exactly what it computes with one
/// gradient per map for the whole step.
@Suite struct GradientPlanTests {
    /// SPARNet tiny as the tests train it, and a variant through every other layer kind:
    /// spectral norm, InstanceNorm, PReLU, 3D attention.
    static let generators: [(name: String, configuration: SPARNetConfiguration)] = {
        var variant = SPARNetConfiguration.tiny
        variant.norm = .instance
        variant.activation = .prelu
        variant.attention = .spatial3d
        variant.spectralNorm = true
        return [("tiny", .tiny), ("tiny, spectral norm, InstanceNorm, PReLU, 3D attention", variant)]
    }()

    /// Planned entries (gradients or activations) whose lifetimes overlap, named, when their
    /// ranges of the arena overlap too.
    static func collisions(_ entries: [(key: String, slot: Slot, lifetime: ClosedRange<Int>)],
                           elementCount: Int) -> [String] {
        var found: [String] = []
        for (i, a) in entries.enumerated() {
            #expect(a.slot.end <= elementCount, "\(a.key) ends outside the arena")
            for b in entries[(i + 1)...] where a.lifetime.overlaps(b.lifetime) {
                if a.slot.offset < b.slot.end && b.slot.offset < a.slot.end {
                    found.append("\(a.key) \(a.slot) \(a.lifetime) and \(b.key) \(b.slot) \(b.lifetime)")
                }
            }
        }
        return found
    }

    @Test("No two gradients alive at the same step share memory; exposed ones span the step")
    func packingKeepsLiveGradientsApart() throws {
        var plans: [(String, GradientPlan, activationCount: Int, exposedCount: Int)] = []
        for (name, configuration) in Self.generators {
            let network = try SPARNet(configuration, batch: 2)
            plans.append((name, network.memory.gradientPlan!, network.memory.activationPlan.elementCount, 2))
        }
        let sparnet = try SPARNet(.sparnet, batch: 1)
        plans.append(("sparnet", sparnet.memory.gradientPlan!, sparnet.memory.activationPlan.elementCount, 2))
        let discriminator = try MultiScaleDiscriminator(.tiny, batch: 2)
        let discriminatorExposed = 1 + discriminator.scales.reduce(0) { $0 + 1 + $1.features.count }
        plans.append(("discriminator tiny", discriminator.memory.gradientPlan!, discriminator.memory.activationPlan.elementCount,
                      discriminatorExposed))
        let vgg = VGG19(batch: 1, height: 32, width: 32)
        plans.append(("VGG19 32×32", vgg.memory.gradientPlan!, vgg.memory.activationPlan.elementCount, 1 + vgg.features.count))

        for (name, plan, activationCount, exposedCount) in plans {
            let collisions = Self.collisions(plan.gradients.map { ($0.key, $0.slot, $0.lifetime) },
                                             elementCount: plan.elementCount)
            #expect(collisions.isEmpty, "\(name): \(collisions.prefix(3))")
            let wholeStep = plan.gradients.filter { $0.lifetime.lowerBound == -1 }
            #expect(wholeStep.count == exposedCount, "\(name): \(wholeStep.map(\.key))")
            #expect(wholeStep.allSatisfy { $0.lifetime.upperBound == plan.gradients.map(\.lifetime.upperBound).max() })
            #expect(plan.elementCount < activationCount, "\(name): \(plan.elementCount) of \(activationCount)")
        }
        // The point of the plan: SPARNet's gradients take a small part of its activations' size.
        let sparnetPlan = sparnet.memory.gradientPlan!
        #expect(sparnetPlan.elementCount * 4 < sparnet.memory.activationPlan.elementCount,
                "sparnet: \(sparnetPlan.elementCount) gradient floats for \(sparnet.memory.activationPlan.elementCount) activations")
    }

    /// Parameter gradients, input gradient and buffers after one training forward and backward.
    static func trainGenerator(_ configuration: SPARNetConfiguration, memory gradientMemory: GradientMemory)
        throws -> (parameterGradients: [Float], inputGradient: [Float], buffers: [Float]) {
        let network = try SPARNet(configuration, batch: 2, seed: 3, gradientMemory: gradientMemory)
        var random = TestRandom(seed: 5)
        let memory = network.memory
        memory.copy(random.uniform(network.input.count).floats, into: network.input)
        network.forward(training: true)
        memory.zeroGradients()
        memory.gradient(network.output).update(from: random.uniform(network.output.count).floats,
                                               count: network.output.count)
        network.backward()
        return (Array(memory.parameterGradients.buffer),
                Array(UnsafeBufferPointer(start: memory.gradient(network.input), count: network.input.count)),
                Array(memory.buffers.buffer))
    }

    @Test("A generator's gradients on planned memory equal one gradient per map, bit for bit",
          arguments: 0..<generators.count)
    func generatorGradientsMatchOnePerMap(_ index: Int) throws {
        let configuration = Self.generators[index].configuration
        let planned = try Self.trainGenerator(configuration, memory: .byLifetime)
        let reference = try Self.trainGenerator(configuration, memory: .onePerMap)
        #expect(planned.parameterGradients == reference.parameterGradients)
        #expect(planned.inputGradient == reference.inputGradient)
        #expect(planned.buffers == reference.buffers)
        #expect(planned.parameterGradients.contains { $0 != 0 } && planned.inputGradient.contains { $0 != 0 })
    }

    /// The discriminator's parameter and input gradients from its scores' and features' gradients,
    /// as SPARNetHD trains the generator through it; run twice to check nothing stale is left.
    static func trainDiscriminator(memory gradientMemory: GradientMemory) throws -> [[Float]] {
        let network = try MultiScaleDiscriminator(.tiny, batch: 2, seed: 4, gradientMemory: gradientMemory)
        var random = TestRandom(seed: 6)
        let memory = network.memory
        var results: [[Float]] = []
        for _ in 0..<2 {
            memory.copy(random.uniform(network.input.count).floats, into: network.input)
            network.forward(training: true)
            memory.zeroGradients()
            for scale in network.scales {
                for map in scale.features + [scale.score] {
                    memory.gradient(map).update(from: random.uniform(map.count).floats, count: map.count)
                }
            }
            network.backward()
            results += [Array(memory.parameterGradients.buffer), Array(network.inputGradient)]
        }
        return results
    }

    @Test("The discriminator's gradients on planned memory equal one gradient per map, bit for bit")
    func discriminatorGradientsMatchOnePerMap() throws {
        let planned = try Self.trainDiscriminator(memory: .byLifetime)
        let reference = try Self.trainDiscriminator(memory: .onePerMap)
        #expect(planned == reference)
        #expect(planned.allSatisfy { $0.contains { $0 != 0 } })
    }
}
