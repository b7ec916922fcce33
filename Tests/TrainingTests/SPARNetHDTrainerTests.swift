import Collectives
import Configuration
import Networks
import Testing
import TestSupport
import Training
import Verification

@Suite struct SPARNetHDTrainerTests {
    /// A 64×64 SPARNetHD: the tiny generator with InstanceNorm and spectral norm, the tiny
    /// three-scale discriminator, and VGG19 with the golden file's formula weights.
    static func tinyTrainer() throws -> SPARNetHDTrainer {
        var generator = SPARNetConfiguration.tiny
        (generator.inputSize, generator.outputSize, generator.minFeatureSize) = (64, 64, 16)
        (generator.norm, generator.spectralNorm, generator.residualDepth) = (.instance, true, 0)
        let trainer = try SPARNetHDTrainer(
            generator: generator, discriminator: .tiny, batchPerRank: 1, generatorLearningRate: 1e-4,
            discriminatorLearningRate: 4e-4, betas: (0.5, 0.99), weights: .sparnetHD, emaDecay: 0.999,
            vggState: VGGFixtureWeights.state(), bucketBytes: 1 << 20, communicator: LocalCommunicator(), seed: 5)
        var random = TestRandom(seed: 9)
        let target = random.uniform(trainer.target.count, in: -0.8...0.8).floats
        trainer.target.copy(target, into: .init(offset: 0, count: target.count))
        for i in trainer.input.indices { trainer.input[i] = target[i] * 0.5 }
        return trainer
    }

    @Test func stepsUpdateGeneratorDiscriminatorAndAverage() throws {
        let trainer = try Self.tinyTrainer()
        let g = trainer.generator.memory, d = trainer.discriminatorOnReal.memory
        let g0 = g.parameters.array(.init(offset: 0, count: g.parameters.count))
        let d0 = d.parameters.array(.init(offset: 0, count: d.parameters.count))
        var losses: [[String: Double]] = []
        for _ in 0..<3 {
            #expect(!trainer.step().skipped)
            losses.append(Dictionary(uniqueKeysWithValues: trainer.lossTerms))
        }
        for terms in losses {
            #expect(terms.count == 5 && terms.values.allSatisfy(\.isFinite))
            for name in ["pixel", "perceptual", "feature_matching", "discriminator"] { #expect(terms[name]! > 0, "\(name)") }
        }
        // The D hinge loss of an untrained D is near 1 (scores near 0: 0.5·(1 + 1) per scale).
        #expect(abs(losses[0]["discriminator"]! - 1) < 0.2, "\(losses[0])")
        #expect(trainer.generatorOptimizer.stepCount == 3 && trainer.discriminatorOptimizer.stepCount == 3)
        let g3 = g.parameters.array(.init(offset: 0, count: g.parameters.count))
        let d3 = d.parameters.array(.init(offset: 0, count: d.parameters.count))
        #expect(g3 != g0 && d3 != d0)
        // The average moved 0.1% of the way per step: still close to the initial weights.
        let h = trainer.averageGenerator.parameters.array(.init(offset: 0, count: g.parameters.count))
        var fromStart = 0.0, fromCurrent = 0.0
        for i in h.indices {
            fromStart = max(fromStart, Double(abs(h[i] - g0[i])))
            fromCurrent = max(fromCurrent, Double(abs(h[i] - g3[i])))
        }
        #expect(fromStart < fromCurrent, "EMA distance to the start \(fromStart), to the current weights \(fromCurrent)")
    }
}
