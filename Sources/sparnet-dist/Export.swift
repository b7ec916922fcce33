import ArgumentParser
import Checkpoints
import DurableFiles

/// `sparnet-dist export`: a checkpoint's generator as inference weights with PyTorch keys.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's generator as a weights file (PyTorch state_dict keys, h5py-readable).",
        usage: "sparnet-dist export --checkpoint <checkpoint> --out <out> [<options>]",
        discussion: """
            Load into the reference model with: \
            net.load_state_dict({k: torch.from_numpy(np.asarray(v[()])) for k, v in h5py.File(PATH)["weights"].items()})
            """)

    @Option(help: "A checkpoint written by train.") var checkpoint: String
    @Option(help: "Output weights file.") var out: String
    @Flag(inversion: .prefixedNo,
          help: "Export the moving-average generator (SPARNetHD's default); --no-ema for the trained one.")
    var ema: Bool?

    func validate() throws {
        guard !isSameFile(out, checkpoint) else {
            throw ValidationError("--out \(out) is the checkpoint itself: the weights file would replace it; choose another path")
        }
        do { try requireReplaceableFile(out) } catch let error as DurableFileError {
            throw ValidationError("--out \(error)")
        }
    }

    func run() throws {
        let loaded = try Checkpoint.load(checkpoint)
        let hasAverage = try loaded.file.contains("generator_ema")
        let useAverage = ema ?? hasAverage
        if useAverage && !hasAverage {
            throw ValidationError("\(checkpoint) holds no moving-average generator (only SPARNetHD runs keep one)")
        }
        let network = useAverage ? "generator_ema" : "generator"
        try WeightsFile.export(loaded, network: network, to: out)
        print("wrote \(network) of \(checkpoint) (step \(loaded.position.step)) to \(out)")
    }
}
