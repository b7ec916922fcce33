import ArgumentParser

/// The `sparnet-dist` command line (DESIGN.md §7).
@main
struct SparnetDist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparnet-dist",
        abstract: "Data-parallel SPARNet / SPARNetHD face super-resolution training on BLAS and MPI.",
        version: "0.1.0",
        subcommands: [Train.self, Prepare.self, Export.self, Enhance.self, Eval.self, Describe.self, VerifyReferenceCommand.self, Bench.self, CollectivesCheck.self])
}
