import Foundation
import TestSupport

/// One short real run shared by the report, progress and launch tests, made once: 64 synthetic
/// 32×32 training faces and 24 held-out ones (another seed), 12 steps of Configs/debug.yaml in
/// one process with a record every 2 steps, TensorBoard events, sample grids every 6 steps,
/// checkpoints every 4 steps (2 kept) and the last checkpoint exported.
struct ShortRun: Sendable {
    let directory: String
    let trainingData: String
    let heldOutData: String
    let runDirectory: String
    let weights: String
    let trainingOutput: String

    static let debugConfig = Fixtures.repositoryRoot.appendingPathComponent("Configs/debug.yaml").path
    static let steps = 12

    static let shared: ShortRun = {
        let directory = Fixtures.temporaryDirectory("short-run")
        func run(_ arguments: [String]) -> Command.Result {
            let result = try! Command.run(Command.sparnetDist, arguments)
            precondition(result.status == 0, "\(arguments): \(result)")
            return result
        }
        _ = run(["prepare", "--synthetic", "64", "--size", "32", "--out", directory + "/train.h5"])
        _ = run(["prepare", "--synthetic", "24", "--size", "32", "--seed", "2", "--out", directory + "/heldout.h5"])
        let training = run(["train", "--config", debugConfig, "--data", directory + "/train.h5", "--run-dir", directory + "/run",
                            "--debug", "--steps", "\(steps)", "--set", "log.every_steps=2", "--set", "log.tensorboard=true",
                            "--set", "log.images_every_steps=6", "--set", "checkpoint.every_steps=4", "--set", "checkpoint.keep=2"])
        _ = run(["export", "--checkpoint", directory + "/run/checkpoint-00000012.h5", "--out", directory + "/weights.h5"])
        return ShortRun(directory: directory, trainingData: directory + "/train.h5", heldOutData: directory + "/heldout.h5",
                        runDirectory: directory + "/run", weights: directory + "/weights.h5", trainingOutput: training.output)
    }()
}
