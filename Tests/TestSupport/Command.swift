import Foundation

/// Runs programs from tests: the project's own binary (under `mpirun` too) and system tools.
public enum Command {
    /// What a finished process left.
    public struct Result: CustomStringConvertible {
        public let status: Int32
        public let output: String
        public let errors: String
        public let seconds: Double
        public let timedOut: Bool

        public var description: String {
            "exit \(status)\(timedOut ? " (killed after timeout)" : "") in \(String(format: "%.1f", seconds)) s\n"
                + "stdout:\n\(output)\nstderr:\n\(errors)"
        }
    }

    /// The directory holding the built products of this test run (`.build/<configuration>`),
    /// where the `sparnet-dist` executable is.
    public static let productsDirectory: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // On Linux the runner is `.build/<config>/<Package>PackageTests.xctest`; elsewhere it
        // may sit inside a bundle.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("sparnet-dist").path),
              directory.pathComponents.count > 2 {
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }()

    /// The built `sparnet-dist` executable.
    public static var sparnetDist: String { productsDirectory.appendingPathComponent("sparnet-dist").path }

    /// The full path of `name` on PATH, or nil.
    public static func locate(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable` with `arguments`, killing it (and its process group) after `timeout`
    /// seconds. Output goes through files, so a chatty program never blocks on a full pipe.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           directory: String? = nil, timeout: Double = 120) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sparnet-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("stdout"), errorURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        let start = Date()
        try process.run()
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(start) > timeout {
                timedOut = true
                kill(-process.processIdentifier, SIGKILL)
                process.terminate()
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      output: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
                      errors: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "",
                      seconds: Date().timeIntervalSince(start), timedOut: timedOut)
    }

    /// `run`, with no signal blocked in the child. The threads of this test process that spawn
    /// block TERM, USR1 and others, and children inherit that mask, where a shell started from a
    /// terminal or a scheduler blocks nothing: a test of what a signal does starts its program
    /// through python3, which clears the mask and executes it.
    public static func runUnblocked(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                                    directory: String? = nil, timeout: Double = 120) throws -> Result {
        let unblock = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
        return try run(locate("python3") ?? "/usr/bin/python3", ["-c", unblock, executable] + arguments,
                       environment: environment, directory: directory, timeout: timeout)
    }

    /// Runs one job whose ranks run different `sparnet-dist` command lines (mpirun's MPMD form
    /// `-n 1 A : -n 1 B`), one rank each.
    public static func mpirun(programs: [[String]], timeout: Double = 120) throws -> Result {
        guard let mpirun = locate("mpirun") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "mpirun not found; install openmpi-bin"])
        }
        let arguments = programs.enumerated().flatMap { index, program in
            (index > 0 ? [":"] : []) + ["-n", "1", sparnetDist] + program
        }
        return try run(mpirun, arguments, environment: mpiEnvironment, timeout: timeout)
    }

    static let mpiEnvironment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                                 "OMPI_MCA_rmaps_base_oversubscribe": "1"]

    /// Runs `sparnet-dist` on `ranks` MPI ranks with `mpirun` (allowing root and oversubscription,
    /// as on a 2-core test machine).
    public static func mpirun(ranks: Int, _ arguments: [String], environment: [String: String] = [:],
                              timeout: Double = 120) throws -> Result {
        guard let mpirun = locate("mpirun") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "mpirun not found; install openmpi-bin"])
        }
        let environment = environment.merging(mpiEnvironment) { $1 }
        return try run(mpirun, ["-n", "\(ranks)", sparnetDist] + arguments, environment: environment, timeout: timeout)
    }
}
