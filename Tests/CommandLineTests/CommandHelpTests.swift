import Foundation
import Testing
import TestSupport

/// Tier 5: every command's help is complete, and a usage mistake or a bad configuration value is
/// one `error:` line (no usage dump, no stack trace) with a non-zero exit status.
@Suite struct CommandHelpTests {
    /// Each subcommand with the options and arguments its help must list.
    static let subcommands: [(name: String, entries: [String])] = [
        ("train", ["--config <config>", "--data <glob>", "--run-dir <dir>", "--steps <steps>", "--resume <auto|path>",
                   "--set <key=value>", "--debug", "--check-replicas"]),
        ("prepare", ["--images <dir>", "--synthetic <n>", "--preview <n>", "--data <glob>", "--out <path>", "--size <size>",
                     "--shards <shards>", "--resize <resize>", "--strict", "--gzip <gzip>", "--threads <threads>", "--seed <seed>"]),
        ("export", ["--checkpoint <checkpoint>", "--out <out>", "--ema/--no-ema"]),
        ("enhance", ["--weights <weights>", "--input <input>", "--output <output>", "--attention <attention>", "--save-input"]),
        ("eval", ["--weights <weights>", "--data <data>", "--scale <scale>", "--limit <limit>", "--json <json>", "--per-image"]),
        ("report", ["<run-dir>", "--plot <path>", "--y-scale <y-scale>", "--no-plot"]),
        ("describe", ["--preset <preset>", "--activation <activation>", "--norm <norm>", "--batch <batch>", "--keys"]),
        ("verify-reference", ["<files>"]),
        ("bench", ["--workload <workload>", "--preset <preset>", "--batch <batch>", "--repeats <repeats>", "--threads <threads>"]),
        ("collectives-check", ["--count <count>", "--abort-rank <abort-rank>", "--stall-timeout <stall-timeout>", "--stall-rank <stall-rank>"]),
    ]

    /// The entries of the ARGUMENTS and OPTIONS sections of a help text, each with its help:
    /// ArgumentParser starts help text at column 26, on the entry's line when the entry fits
    /// before it, else on the next line, and continues it on lines indented to that column.
    static func entries(_ help: String) -> [(entry: String, help: String)] {
        let column = 26
        var entries: [(entry: String, help: String)] = []
        var inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init) {
            let text = String(line)
            if text == "ARGUMENTS:" || text == "OPTIONS:" { inSection = true; continue }
            if line.isEmpty || line[0] != " " { inSection = false; continue }
            guard inSection else { continue }
            if line.count > column && line[..<column].allSatisfy({ $0 == " " }), !entries.isEmpty {
                entries[entries.count - 1].help += " " + String(line[column...])
            } else if line.count > column && line[column - 1] == " " {
                entries.append((String(line[2..<column - 1]).trimmingCharacters(in: .whitespaces), String(line[column...])))
            } else {
                entries.append((text.trimmingCharacters(in: .whitespaces), ""))
            }
        }
        return entries
    }

    @Test func topLevelHelpListsEverySubcommandWithWhatItDoes() throws {
        let result = try Command.run(Command.sparnetDist, ["--help"])
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("USAGE: sparnet-dist <subcommand>"), "\(result)")
        let listed = result.output.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        for (name, _) in Self.subcommands {
            let line = listed.split(separator: "\n").first { $0.hasPrefix("  \(name) ") }
            #expect(line.map { $0.dropFirst(name.count + 2).trimmingCharacters(in: .whitespaces).count > 10 } == true,
                    "\(name) has no abstract: \(result.output)")
        }
        #expect(try Command.run(Command.sparnetDist, ["--version"]).output == "0.1.0\n")
    }

    @Test(arguments: subcommands.map(\.name))
    func subcommandHelpIsComplete(_ name: String) throws {
        let result = try Command.run(Command.sparnetDist, [name, "--help"])
        #expect(result.status == 0 && result.errors.isEmpty, "\(result)")
        let help = result.output
        #expect(help.hasPrefix("OVERVIEW: ") && help.contains("\nUSAGE: sparnet-dist \(name)"), "\(help)")
        let entries = Self.entries(help)
        let expected = Self.subcommands.first { $0.name == name }!.entries
        for entry in expected {
            #expect(entries.contains { $0.entry == entry }, "\(name): \(entry) missing from\n\(help)")
        }
        for (entry, text) in entries {
            #expect(text.count >= 8, "\(name): \(entry) has no help text")
        }
        // Every option of the usage line is listed with its help.
        let usage = help.split(separator: "\n").first { $0.hasPrefix("USAGE: ") } ?? ""
        for flag in usage.split(separator: " ").map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) })
            where flag.hasPrefix("--") {
            #expect(entries.contains { $0.entry.hasPrefix(flag) || $0.entry.contains("/" + flag) }, "\(name): \(flag) of the usage line is not listed")
        }
        #expect(!help.contains("inject-fault"), "hidden test options stay hidden")
        #expect(try Command.run(Command.sparnetDist, ["help", name]).output == help, "`help \(name)` prints the same")
    }

    /// At 80 columns every line of the help fits, and the prose (overview, discussion, each
    /// entry's help) has single spaces between words: a multi-line string literal that lost its
    /// trailing backslashes shows up as runs of spaces where the line breaks were.
    @Test(arguments: subcommands.map(\.name))
    func subcommandHelpFitsEightyColumnsWithoutRunsOfSpaces(_ name: String) throws {
        let result = try Command.run(Command.sparnetDist, [name, "--help"], environment: ["COLUMNS": "80"])
        #expect(result.status == 0, "\(result)")
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            #expect(line.count <= 80, "\(name): \(line.count) columns: \(line)")
        }
        let overview = lines.prefix { !$0.hasPrefix("USAGE: ") }
        #expect(!overview.isEmpty && overview.count < lines.count, "\(name): no overview before the usage line")
        let prose = overview.map { $0.trimmingCharacters(in: .whitespaces) } + Self.entries(result.output).map(\.help)
        for text in prose {
            #expect(!text.contains("   "), "\(name): a run of spaces in \"\(text)\"")
        }
    }

    /// A usage mistake: exit 64, one line naming the mistake and where the help is.
    @Test(arguments: [
        (["train", "--config", "Configs/debug.yaml", "--bogus"], "error: Unknown option '--bogus' (see 'sparnet-dist train --help')"),
        (["train"], "error: Missing expected argument '--config <config>' (see 'sparnet-dist train --help')"),
        (["prepare", "--synthetic", "many", "--out", "x.h5"], "error: The value 'many' is invalid for '--synthetic <n>' (see 'sparnet-dist prepare --help')"),
        (["report"], "error: Missing expected argument '<run-dir>' (see 'sparnet-dist report --help')"),
        (["report", "/", "--y-scale", "cubic"], "error: The value 'cubic' is invalid for '--y-scale <y-scale>'"),
        (["retrain"], "error: Unexpected argument 'retrain' (see 'sparnet-dist --help')"),
        (["describe", "--preset", "huge"], "error: --preset huge is not one of sparnet, sparnetHD, tiny (see 'sparnet-dist describe --help')"),
    ])
    func usageMistakeIsOneLine(_ arguments: [String], _ message: String) throws {
        let result = try Command.run(Command.sparnetDist, arguments, directory: Fixtures.repositoryRoot.path)
        #expect(result.status == 64, "\(result)")
        #expect(result.errors.hasPrefix(message) && result.errors.split(separator: "\n").count == 1, "\(result)")
        #expect(result.output.isEmpty, "\(result)")
    }

    /// Every subcommand's usage mistake names that subcommand's help (the name from its
    /// configuration's `commandName`).
    @Test(arguments: subcommands.map(\.name))
    func usageMistakePointsToTheSubcommandsHelp(_ name: String) throws {
        let result = try Command.run(Command.sparnetDist, [name, "--no-such-option"])
        #expect(result.status == 64, "\(result)")
        // A missing required option may be named first; either way the line ends with the help.
        #expect(result.errors.hasPrefix("error: ") && result.errors.hasSuffix(" (see 'sparnet-dist \(name) --help')\n")
                && result.errors.split(separator: "\n").count == 1, "\(result)")
    }

    /// A bad configuration value or file: exit 2, one line naming the key (or file) and what is allowed.
    @Test(arguments: [
        ("train.batch_size=many", "--set train.batch_size: expected an integer"),
        ("model=gan", "--set model: \"gan\" is not one of sparnet, sparnethd"),
        ("log.every_steps=0", "--set log.every_steps: must be at least 1, got 0"),
        ("generator.norm=group", "--set generator.norm: \"group\" is not one of batch, instance, none"),
        ("train.lr=1", "--set train.lr: unknown key; train allows batch_size"),
    ])
    func badConfigurationValueIsOneLine(_ override: String, _ message: String) throws {
        let result = try Command.run(Command.sparnetDist, ["train", "--config", ShortRun.debugConfig, "--set", override])
        #expect(result.status == 2, "\(result)")
        #expect(result.errors.hasPrefix("error: " + message) && result.errors.split(separator: "\n").count == 1, "\(result)")
    }

    @Test func missingFilesAreOneLineNamingThem() throws {
        let directory = Fixtures.temporaryDirectory("missing")
        for (arguments, message) in [
            (["train", "--config", directory + "/nope.yaml"], "error: \(directory)/nope.yaml: cannot read the configuration file (no such file)"),
            (["export", "--checkpoint", directory + "/nope.h5", "--out", directory + "/w.h5"], "error: \(directory)/nope.h5: cannot open for reading"),
            (["enhance", "--weights", directory + "/nope.h5", "--input", directory, "--output", directory + "/o"], "error: \(directory)/nope.h5: cannot open for reading"),
        ] {
            let result = try Command.run(Command.sparnetDist, arguments)
            #expect(result.status != 0 && result.errors.hasPrefix(message) && result.errors.split(separator: "\n").count == 1, "\(result)")
        }
    }
}
