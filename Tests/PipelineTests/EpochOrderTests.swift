import Datasets
import Testing

@Suite struct EpochOrderTests {
    @Test(arguments: [(1, 1), (10, 3), (179, 64), (1000, 8)])
    func eachEpochIsAPermutation(count: Int, batch: Int) throws {
        let order = try EpochOrder(count: count, globalBatch: batch, seed: 11)
        for epoch in 0..<3 {
            let permutation = order.permutation(epoch: epoch)
            #expect(permutation.sorted() == Array(0..<count))
            #expect(permutation == order.permutation(epoch: epoch))
        }
    }

    @Test func epochsAndSeedsGiveDifferentOrders() throws {
        let order = try EpochOrder(count: 100, globalBatch: 10, seed: 11)
        #expect(order.permutation(epoch: 0) != order.permutation(epoch: 1))
        #expect(order.permutation(epoch: 1) != order.permutation(epoch: 2))
        #expect(order.permutation(epoch: 0) != (try EpochOrder(count: 100, globalBatch: 10, seed: 12)).permutation(epoch: 0))
    }

    @Test(arguments: [1, 2, 4, 8])
    func ranksPartitionTheGlobalBatch(worldSize: Int) throws {
        let order = try EpochOrder(count: 37, globalBatch: 8, seed: 5)
        for step in [0, 1, 3, 4, 5, 13] {
            let parts = (0..<worldSize).map { order.samples(step: step, rank: $0, worldSize: worldSize) }
            #expect(parts.allSatisfy { $0.count == 8 / worldSize })
            #expect(Array(parts.joined()) == order.samples(step: step))
        }
    }

    @Test func stepsWalkTheEpochsDroppingTheRemainder() throws {
        let order = try EpochOrder(count: 37, globalBatch: 8, seed: 5)
        #expect(order.stepsPerEpoch == 4 && order.droppedPerEpoch == 5)
        for epoch in 0..<3 {
            let visited = (0..<4).flatMap { order.samples(step: epoch * 4 + $0) }
            #expect(visited == Array(order.permutation(epoch: epoch).prefix(32)))
        }
        #expect(order.location(ofStep: 0) == EpochLocation(epoch: 0, position: 0))
        #expect(order.location(ofStep: 3) == EpochLocation(epoch: 0, position: 24))
        #expect(order.location(ofStep: 4) == EpochLocation(epoch: 1, position: 0))
        #expect(order.location(ofStep: 9) == EpochLocation(epoch: 2, position: 8))
    }

    @Test func resumingFromASavedLocationContinuesTheSameSequence() throws {
        let order = try EpochOrder(count: 37, globalBatch: 8, seed: 5)
        let uninterrupted = (0..<14).map { order.samples(step: $0, rank: 1, worldSize: 2) }
        for stop in [1, 4, 7, 11] {
            // A run saves where its next step starts; a new process rebuilds the order and resumes.
            let saved = order.location(ofStep: stop)
            let rebuilt = try EpochOrder(count: 37, globalBatch: 8, seed: 5)
            let resumedStep = try rebuilt.step(at: saved)
            #expect(resumedStep == stop)
            let resumed = (resumedStep..<14).map { rebuilt.samples(step: $0, rank: 1, worldSize: 2) }
            #expect(Array(uninterrupted[stop...]) == resumed)
        }
        // The end of an epoch's last whole batch is the next epoch's start.
        #expect(try order.step(at: EpochLocation(epoch: 1, position: 32)) == 8)
    }

    @Test func invalidOrdersAndLocationsAreRejected() throws {
        #expect(throws: DatasetError.self) { try EpochOrder(count: 5, globalBatch: 8, seed: 0) }
        #expect(throws: DatasetError.self) { try EpochOrder(count: 5, globalBatch: 0, seed: 0) }
        let order = try EpochOrder(count: 37, globalBatch: 8, seed: 5)
        #expect(throws: DatasetError.self) { try order.step(at: EpochLocation(epoch: 0, position: 4)) }
        #expect(throws: DatasetError.self) { try order.step(at: EpochLocation(epoch: 0, position: 40)) }
        #expect(throws: DatasetError.self) { try order.step(at: EpochLocation(epoch: -1, position: 0)) }
    }
}
