import Testing
import TestSupport

/// Tier 4: the collectives on real `mpirun` ranks, through `sparnet-dist collectives-check`.
@Suite(.serialized) struct MPICommunicatorTests {
    @Test("Allreduce, broadcast and barrier agree on every rank", arguments: [1, 2, 3])
    func collectivesAgree(ranks: Int) throws {
        let result = try Command.mpirun(ranks: ranks, ["collectives-check", "--count", "300007"])
        #expect(result.status == 0, "\(result)")
        for rank in 0..<ranks {
            #expect(result.output.contains("rank \(rank)/\(ranks) local \(rank)/\(ranks)"), "\(result)")
        }
        #expect(!result.output.contains("FAILED"), "\(result)")
    }

    @Test func singleProcessWithoutMPI() throws {
        let result = try Command.run(Command.sparnetDist, ["collectives-check", "--count", "1000"])
        #expect(result.status == 0 && result.output.contains("rank 0/1 local 0/1"), "\(result)")
    }

    @Test("A rank that aborts ends every rank promptly, naming itself")
    func abortEndsTheJob() throws {
        let result = try Command.mpirun(ranks: 3, ["collectives-check", "--count", "1000", "--abort-rank", "2"],
                                        timeout: 60)
        #expect(!result.timedOut && result.status != 0, "\(result)")
        #expect(result.seconds < 30, "\(result)")
        #expect(result.errors.contains("rank 2 of 3") && result.errors.contains("abort requested"), "\(result)")
    }

    @Test("A rank that stops answering ends the job after the stall timeout, with one line naming it")
    func stallEndsTheJobWithBlame() throws {
        let result = try Command.mpirun(ranks: 3, ["collectives-check", "--count", "1000", "--stall-timeout", "2",
                                                   "--stall-rank", "1"], timeout: 60)
        #expect(!result.timedOut && result.status != 0, "\(result)")
        #expect(result.seconds < 20, "\(result)")
        let blame = result.errors.split(separator: "\n").filter { $0.contains("error: stall:") }
        #expect(blame.count == 1, "\(result)")
        #expect(blame.first?.contains("rank 1 on") == true && blame.first?.contains("stopped answering") == true
                && blame.first?.contains("in a barrier") == true, "\(result)")
        // Half way, one warning names the rank that does not answer, and the wait goes on.
        let warnings = result.errors.split(separator: "\n").filter { $0.hasPrefix("warning: stall:") }
        #expect(warnings.count == 1 && warnings[0].contains("has waited 1.") && warnings[0].contains("no answer from rank 1 on"),
                "\(result)")
        #expect(result.errors.range(of: "warning: stall:").map { $0.lowerBound < result.errors.range(of: "error: stall:")!.lowerBound } == true,
                "the warning comes first: \(result)")
    }
}
