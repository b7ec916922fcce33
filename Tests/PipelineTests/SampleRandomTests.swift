import Datasets
import Testing

@Suite struct SampleRandomTests {
    private func draws(_ random: SampleRandom, _ count: Int = 8) -> [UInt64] {
        var random = random
        return (0..<count).map { _ in random.nextBits() }
    }

    @Test func sameKeySameStreamAndEveryKeyPartMatters() {
        let base = SampleRandom(seed: 42, epoch: 3, sample: 1000)
        #expect(draws(base) == draws(SampleRandom(seed: 42, epoch: 3, sample: 1000)))
        for other in [SampleRandom(seed: 43, epoch: 3, sample: 1000), SampleRandom(seed: 42, epoch: 4, sample: 1000),
                      SampleRandom(seed: 42, epoch: 3, sample: 1001), SampleRandom(seed: 42, epoch: 1000, sample: 3)] {
            #expect(draws(base) != draws(other))
        }
    }

    @Test func integersCoverTheirRangeOnly() {
        var random = SampleRandom(seed: 1, epoch: 0, sample: 0)
        var counts = [Int](repeating: 0, count: 13)
        for _ in 0..<13_000 {
            let value = random.integer(in: 3...15)
            #expect((3...15).contains(value))
            counts[value - 3] += 1
        }
        // 1000 expected per value; 5 standard deviations ≈ 150.
        #expect(counts.allSatisfy { abs($0 - 1000) < 150 }, "\(counts)")
        #expect(random.integer(in: 7...7) == 7)
    }

    @Test func uniformChanceAndNormalHaveTheirMoments() {
        var random = SampleRandom(seed: 2, epoch: 5, sample: 9)
        let n = 100_000
        var inRange = true, hits = 0, sum = 0.0, sumSquares = 0.0
        for _ in 0..<n {
            let u = random.uniform(in: 3...15)
            inRange = inRange && u >= 3 && u < 15
            if random.chance(0.3) { hits += 1 }
            let z = random.normal()
            sum += z
            sumSquares += z * z
        }
        #expect(inRange)
        // Standard errors: chance √(0.21/n) ≈ 0.0015, mean 1/√n ≈ 0.003, variance √(2/n) ≈ 0.0045.
        #expect(abs(Double(hits) / Double(n) - 0.3) < 0.008)
        #expect(abs(sum / Double(n)) < 0.015)
        #expect(abs(sumSquares / Double(n) - 1) < 0.025)
    }
}
