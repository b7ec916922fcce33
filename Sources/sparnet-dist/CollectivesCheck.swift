import ArgumentParser
import Collectives
import Foundation

/// `sparnet-dist collectives-check`: exercises every collective of this job's communicator
/// and checks the results (run under `mpirun` to test a real MPI installation or a cluster's
/// fabric). Exits non-zero on any mismatch.
struct CollectivesCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collectives-check",
        abstract: "Check allreduce, broadcast and abort across the ranks of this job.",
        usage: "sparnet-dist collectives-check [<options>]")

    @Option(help: "Floats per allreduce (a gradient-arena-sized buffer tests the fabric).")
    var count = 1_000_003
    @Option(help: "This rank aborts the job after the checks (tests that every rank then ends).")
    var abortRank: Int?
    @Option(help: "Seconds a rank may wait in one collective before the job ends with blame (0: no limit).")
    var stallTimeout = 0.0
    @Option(help: "This rank stops answering after the checks, sleeping outside MPI (tests the stall timeout).")
    var stallRank: Int?

    func run() throws {
        let communicator: Communicator = MPICommunicator.isLaunchedByMPI
            ? MPICommunicator(stallTimeout: stallTimeout) : LocalCommunicator()
        let (rank, size) = (communicator.rank, communicator.size)
        var failures: [String] = []

        // Mean of rank-dependent values: element i of rank r holds r + i mod 7.
        let values = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { values.deallocate() }
        for i in 0..<count { values[i] = Float(rank + i % 7) }
        communicator.allReduceMean(values, count: count)
        let meanOfRanks = Float(size - 1) / 2
        if let bad = (0..<count).first(where: { values[$0] != meanOfRanks + Float($0 % 7) }) {
            failures.append("allReduceMean element \(bad): \(values[bad])")
        }
        for i in 0..<count { values[i] = Float(rank * 2) }
        var pending = communicator.startAllReduceMean(values, count: count)
        communicator.poll(&pending)
        communicator.wait(&pending)
        if values[count - 1] != Float(size - 1) { failures.append("startAllReduceMean: \(values[count - 1])") }

        // Buckets in flight together, as backward starts them: sizes that do not divide by the
        // ranks, smaller than the ranks, and empty; polled out of order, waited in reverse,
        // twice over the same buffers (the rings are restarted).
        let bucketCounts = [count / 3, 1, 0, 7, count - count / 3 - 8]
        let starts = bucketCounts.indices.map { bucketCounts[..<$0].reduce(0, +) }
        for round in 0..<2 {
            for i in 0..<count { values[i] = Float(rank * 3 + round + i % 5) }
            var buckets = bucketCounts.indices.map {
                communicator.startAllReduceMean(values + starts[$0], count: bucketCounts[$0])
            }
            for index in buckets.indices.reversed() { communicator.poll(&buckets[index]) }
            for index in buckets.indices.reversed() { communicator.wait(&buckets[index]) }
            let expected = { (i: Int) in Float(size - 1) * 3 / 2 + Float(round + i % 5) }
            if let bad = (0..<count).first(where: { values[$0] != expected($0) }) {
                failures.append("buckets, round \(round), element \(bad): \(values[bad]), not \(expected(bad))")
            }
        }

        let sums = communicator.allReduceSum([1, Double(rank)])
        if sums != [Double(size), Double(size * (size - 1) / 2)] { failures.append("allReduceSum: \(sums)") }
        if communicator.allReduceMax(Double(rank)) != Double(size - 1) { failures.append("allReduceMax") }
        let message = communicator.broadcast(rank == 0 ? "manifest from rank 0 ✓" : "", root: 0)
        if message != "manifest from rank 0 ✓" { failures.append("broadcast: \(message)") }
        let root = size - 1, part = 5
        let whole = (0..<(part * size)).map(Float.init)
        var mine = [Float](repeating: -1, count: part)
        whole.withUnsafeBufferPointer { whole in
            communicator.scatter(rank == root ? UnsafePointer(whole.baseAddress!) : nil, part: &mine, count: part, root: root)
        }
        if mine != (0..<part).map({ Float(rank * part + $0) }) { failures.append("scatter: \(mine)") }
        communicator.barrier()

        print("rank \(rank)/\(size) local \(communicator.localRank)/\(communicator.localSize) on \(communicator.nodeName): "
              + (failures.isEmpty ? "ok" : "FAILED " + failures.joined(separator: "; ")))
        if let abortRank, abortRank == rank {
            communicator.abort("abort requested by --abort-rank \(abortRank)")
        }
        if let stallRank, stallRank == rank {
            sleep(3600)
        }
        if abortRank != nil || stallRank != nil {
            communicator.barrier()     // the other ranks wait here until the abort ends them
        }
        communicator.finalize()
        if !failures.isEmpty { throw ExitCode.failure }
    }
}
