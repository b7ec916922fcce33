import Foundation
import Testing
import TestSupport

/// `sparnet-dist bench` end to end: its JSON lines, and the allocation count it measures
/// (DESIGN.md §3: a steady-state step allocates nothing).
@Suite struct BenchCommandTests {
    /// Runs `bench` with `arguments` and returns its JSON lines.
    static func bench(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Command.run(Command.sparnetDist, ["bench"] + arguments, timeout: 300)
        #expect(result.status == 0, "\(result)")
        return try result.output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    @Test("A steady-state training step and an inference forward allocate nothing, on two threads",
          arguments: ["generator-train", "generator-forward"])
    func stepsAllocateNothing(_ workload: String) throws {
        let lines = try Self.bench(["--workload", workload, "--preset", "tiny", "--batch", "3", "--repeats", "2",
                                    "--threads", "2"])
        let figure = try #require(lines.first)
        let allocations = try #require(figure["allocations_per_run"] as? Int,
                                       "no allocation count: is glibc's libc_malloc_debug.so.0 installed? \(figure)")
        #expect(allocations == 0, "\(figure)")
        #expect(figure["blas_threads"] as? String == "2")
        #expect((figure["fraction_of_ceiling"] as? Double ?? 0) > 0)
    }

    @Test("The conv workload reports its sgemm ceiling and the conv's fraction of it")
    func convFigures() throws {
        let lines = try Self.bench(["--workload", "conv", "--batch", "1", "--input-channels", "8", "--output-channels", "8",
                                    "--size", "32", "--repeats", "1"])
        #expect(lines.map { $0["figure"] as? String } == ["sgemm_ceiling", "conv_forward", "sgemm_ceiling_backward", "conv_backward"])
        for line in lines where (line["figure"] as? String)?.hasPrefix("conv") == true {
            #expect((line["fraction_of_ceiling"] as? Double ?? 0) > 0, "\(line)")
        }
    }
}
