import ArgumentParser
import Foundation

/// The `sparnet-dist` command line (DESIGN.md §7).
@main
struct SparnetDist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparnet-dist",
        abstract: "Data-parallel SPARNet / SPARNetHD face super-resolution training on BLAS and MPI.",
        discussion: "Every command prints its own help: sparnet-dist help <subcommand> (or <subcommand> --help).",
        version: "0.1.0",
        subcommands: [Train.self, Prepare.self, Export.self, Enhance.self, Eval.self, Report.self, Describe.self,
                      VerifyReferenceCommand.self, Bench.self, CollectivesCheck.self])

    /// Parses and runs the command. A usage mistake (unknown flag, bad or missing value) or a
    /// failure is one `error:` line on standard error, not the usage text; help and version
    /// requests, and exit codes a command chose, go through ArgumentParser unchanged.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code != .success, !(error is ExitCode) else { exit(withError: error) }
            var message = message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            if code == .validationFailure {
                // Parsing and validate(): one line, with where to look.
                message = message.split(separator: "\n").joined(separator: "; ") + " (see '\(helpCommand()) --help')"
            }
            printError("error: " + message)
            Foundation.exit(code.rawValue)
        }
    }

    /// `sparnet-dist SUBCOMMAND` for the subcommand on the command line, else `sparnet-dist`.
    private static func helpCommand() -> String {
        let names = configuration.subcommands.compactMap { $0.configuration.commandName }
        let subcommand = CommandLine.arguments.dropFirst().first { names.contains($0) }
        return ["sparnet-dist", subcommand].compactMap { $0 }.joined(separator: " ")
    }
}
