import Foundation
import Testing
import TestSupport

/// The launchers of `Launch/` in their local form, on this machine's cores: `local.sh 2` and
/// `cluster.sh` with a hostfile of `localhost slots=2`. They run the binary under test
/// (SPARNET_DIST) and add `--allow-run-as-root` themselves when run as root.
@Suite(.serialized) struct LaunchScriptTests {
    static let environment = ["SPARNET_DIST": Command.sparnetDist]

    static func checkTwoRankRun(_ result: Command.Result, _ runDirectory: String) {
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("sparnet-dist 0.1.0: 2 rank(s)") && result.output.contains("rank 1: node"), "\(result)")
        #expect(result.output.contains("finished at step 3"), "\(result)")
        #expect(FileManager.default.fileExists(atPath: runDirectory + "/checkpoint-00000003.h5"), "\(result)")
        #expect(!result.errors.contains("could not find environment variable"), "mpirun warned: \(result)")
    }

    @Test func localRunsTwoRanks() throws {
        let runDirectory = Fixtures.temporaryDirectory("launch-local") + "/run"
        let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/local.sh").path
        let result = try Command.run(script, ["2", ShortRun.debugConfig, "--data", ShortRun.shared.trainingData,
                                              "--run-dir", runDirectory, "--steps", "3"],
                                     environment: Self.environment, timeout: 180)
        Self.checkTwoRankRun(result, runDirectory)
    }

    @Test func clusterRunsTheRanksOfAHostfile() throws {
        let directory = Fixtures.temporaryDirectory("launch-cluster")
        try "# this machine only\nlocalhost slots=2\n".write(toFile: directory + "/hostfile", atomically: true, encoding: .utf8)
        let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/cluster.sh").path
        let result = try Command.run(script, [directory + "/hostfile", ShortRun.debugConfig, "--data", ShortRun.shared.trainingData,
                                              "--run-dir", directory + "/run", "--steps", "3"],
                                     environment: Self.environment, timeout: 180)
        Self.checkTwoRankRun(result, directory + "/run")
    }

    @Test func scriptsExplainTheirUsage() throws {
        for (name, usage) in [("local.sh", "usage: "), ("cluster.sh", "usage: ")] {
            let script = Fixtures.repositoryRoot.appendingPathComponent("Launch/" + name).path
            let result = try Command.run(script, [], environment: Self.environment)
            #expect(result.status == 2 && result.errors.contains(usage), "\(name): \(result)")
        }
        let missing = try Command.run(Fixtures.repositoryRoot.appendingPathComponent("Launch/local.sh").path,
                                      ["2", "/nonexistent.yaml"], environment: Self.environment)
        #expect(missing.status == 2 && missing.errors.contains("config /nonexistent.yaml not found"), "\(missing)")
    }
}
