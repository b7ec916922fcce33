import Testing
import Training

/// How `GradientReducer` tiles a gradient arena into allreduce buckets (the reductions
/// themselves run under mpirun in the distributed equivalence tests).
@Suite struct GradientReducerTests {
    /// (start, end) of each bucket, from the arena's end toward its start.
    static func buckets(count: Int, bucketBytes: Int) -> [(start: Int, end: Int)] {
        let starts = GradientReducer.bucketStarts(count: count, bucketBytes: bucketBytes)
        return starts.indices.map { (starts[$0], $0 == 0 ? count : starts[$0 - 1]) }
    }

    @Test("Full buckets from the arena's end, then halves of what is left down to a small last bucket")
    func sparnetArena() {
        // SPARNet's 10,518,867 parameters (40.1 MiB) in 25 MiB buckets: one full bucket, the
        // 15.1 MiB left halved until at most 2 MiB remain, that taken whole.
        let buckets = Self.buckets(count: 10_518_867, bucketBytes: 25 << 20)
        #expect(buckets.map { $0.end - $0.start } == [6_553_600, 1_982_634, 991_317, 495_658, 495_658])
        #expect(buckets.first?.end == 10_518_867 && buckets.last?.start == 0)
        #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.start == $1.end })
    }

    @Test("Arenas within one bucket, or buckets below the smallest size, tile as before",
          arguments: [(count: 1_000, bucketBytes: 25 << 20), (count: 1_000, bucketBytes: 400), (count: 1, bucketBytes: 4)])
    func smallArenas(_ count: Int, _ bucketBytes: Int) {
        let buckets = Self.buckets(count: count, bucketBytes: bucketBytes)
        let largest = max(bucketBytes / 4, 1)
        #expect(buckets.first?.end == count && buckets.last?.start == 0)
        #expect(buckets.allSatisfy { $0.end > $0.start && $0.end - $0.start <= largest })
        #expect(buckets.count == (count + largest - 1) / largest, "\(buckets)")
    }
}
