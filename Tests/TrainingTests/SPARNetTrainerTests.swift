import Collectives
import Configuration
import Networks
import Testing
import TestSupport
import Training

@Suite struct SPARNetTrainerTests {
    static func tinyTrainer(pixelLoss: PixelLoss = .l1) throws -> SPARNetTrainer {
        var configuration = SPARNetConfiguration.tiny
        configuration.residualDepth = 0
        let trainer = try SPARNetTrainer(configuration: configuration, batchPerRank: 2, learningRate: 2e-3,
                                         betas: (0.9, 0.99), pixelLoss: pixelLoss, synchronizedBatchNorm: false,
                                         bucketBytes: 64 << 10, communicator: LocalCommunicator(), seed: 7)
        var random = TestRandom(seed: 3)
        let targets = random.uniform(trainer.target.count, in: -0.5...0.5).floats
        trainer.target.copy(targets, into: .init(offset: 0, count: trainer.target.count))
        let input = trainer.input
        for i in input.indices { input[i] = targets[i] * 0.8 }   // a blurred-looking input
        return trainer
    }

    @Test("Training steps reduce the pixel loss", arguments: [PixelLoss.l1, .l2])
    func lossDecreases(_ pixelLoss: PixelLoss) throws {
        let trainer = try Self.tinyTrainer(pixelLoss: pixelLoss)
        let firstReport = trainer.step()
        let first = trainer.losses[0]
        var lastReport = firstReport
        for _ in 0..<15 { lastReport = trainer.step() }
        let last = trainer.losses[0]
        #expect(!firstReport.skipped && !lastReport.skipped)
        #expect(last < 0.75 * first, "loss \(first) → \(last)")
        print("\(pixelLoss) loss over 16 steps: \(first) → \(last)")
        #expect(trainer.optimizer.stepCount == 16)
    }

    @Test func nonfiniteInputSkipsTheUpdate() throws {
        let trainer = try Self.tinyTrainer()
        _ = trainer.step()
        let before = trainer.network.memory.parameters.array(.init(offset: 0, count: 64))
        trainer.input[5] = .nan
        let result = trainer.step()
        #expect(result.skipped && result.firstNonfiniteRank == 0 && !trainer.losses[0].isFinite)
        #expect(trainer.network.memory.parameters.array(.init(offset: 0, count: 64)) == before)
        #expect(trainer.optimizer.stepCount == 1)
    }
}
