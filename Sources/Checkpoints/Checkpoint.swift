import DurableFiles
import Foundation
import HDF5
import Networks
import Optimizers
import Tensors

/// Where a run stands: enough to continue the same sample sequence on any world size.
public struct RunPosition: Hashable, Sendable, Codable {
    /// Optimizer steps taken (global).
    public var step: Int
    /// The epoch of the next sample.
    public var epoch: Int
    /// The position of the next sample inside that epoch's permutation.
    public var position: Int

    public init(step: Int, epoch: Int, position: Int) {
        self.step = step
        self.epoch = epoch
        self.position = position
    }
}

/// A training checkpoint (DESIGN.md §6): groups `generator`, `generator_ema`, `discriminator`
/// with PyTorch `state_dict` keys, `optimizer/<net>/exp_avg|exp_avg_sq`, and root attributes
/// for the position, seed, world size at save, the resolved configuration (JSON), the format
/// and a `checksum` of all of it (`ContentDigest`). Written by rank 0 to a temporary file,
/// fsynced, renamed, directory fsynced: after a crash at any moment the directory holds the
/// previous checkpoints intact and at most a `.checkpoint-*.partial-*` file, which readers
/// never consider and the next save removes.
public enum Checkpoint {
    public static let formatName = "sparnet-dist/checkpoint"
    /// 2: with the root `checksum` attribute.
    public static let version: Int64 = 2

    /// Test hook: when this environment variable holds a number of seconds, `save` flushes the
    /// half-written temporary file (networks written, optimizers not) and sleeps that long
    /// before finishing, so a test can kill the process in the middle of a checkpoint write.
    public static let testPauseVariable = "SPARNET_TEST_PAUSE_IN_CHECKPOINT_WRITE"

    /// The networks and optimizers one checkpoint holds.
    public struct Contents {
        /// `generator`, `generator_ema`, `discriminator` (those the run has).
        public var networks: [(name: String, state: NetworkState)]
        /// Optimizer of each trained network, by the network's name.
        public var optimizers: [(name: String, optimizer: Adam, layout: Layout)]

        public init(networks: [(name: String, state: NetworkState)],
                    optimizers: [(name: String, optimizer: Adam, layout: Layout)]) {
            self.networks = networks
            self.optimizers = optimizers
        }
    }

    /// File name of the checkpoint after `step` steps.
    public static func fileName(step: Int) -> String {
        let digits = String(step)
        return "checkpoint-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".h5"
    }

    /// The checkpoint of the best held-out PSNR-Y so far (`checkpoint.keep_best`), beside the
    /// newest ones; `--resume auto` and `keep` leave it alone.
    public static let bestFileName = "best.h5"

    /// Writes a checkpoint into `directory` atomically, updates `latest`, and keeps the newest
    /// `keep` checkpoints. With `bestPSNR`, writes `bestFileName` instead, that score in its
    /// attribute `validation_psnr_y`, and leaves `latest` and the others alone. Returns the
    /// checkpoint's path.
    @discardableResult
    public static func save(_ contents: Contents, position: RunPosition, seed: UInt64, worldSize: Int,
                            configurationJSON: String, model: String, to directory: String, keep: Int,
                            bestPSNR: Double? = nil) throws -> String {
        precondition(keep >= 1, "Checkpoint.save: keep \(keep)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + (bestPSNR == nil ? fileName(step: position.step) : bestFileName)
        let temporary = temporaryPath(for: path)
        do {
            let file = try HDF5File(path: temporary, mode: .create)
            for (name, state) in contents.networks {
                try StateFile.write(state, to: try file.createGroup(name))
            }
            try pauseForTests(file: file, path: temporary)
            for (name, optimizer, layout) in contents.optimizers {
                try StateFile.write(optimizer, layout: layout, to: try file.createGroup("optimizer/\(name)"))
            }
            try file.setAttribute("format", to: formatName)
            try file.setAttribute("version", to: version)
            try file.setAttribute("model", to: model)
            try file.setAttribute("step", to: Int64(position.step))
            try file.setAttribute("epoch", to: Int64(position.epoch))
            try file.setAttribute("position", to: Int64(position.position))
            try file.setAttribute("seed", to: Int64(bitPattern: seed))
            try file.setAttribute("world_size", to: Int64(worldSize))
            try file.setAttribute("config", to: configurationJSON)
            if let bestPSNR { try file.setAttribute("validation_psnr_y", to: bestPSNR) }
            try file.setAttribute(checksumAttribute, to: Int64(bitPattern: try ContentDigest.of(file, excluding: checksumAttribute)))
            try file.close()
            try durablyRename(temporary, to: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        guard bestPSNR == nil else { return path }
        try writeLatest(fileName(step: position.step), in: directory)
        try prune(directory, keep: keep)
        return path
    }

    /// A checkpoint opened and validated: its format, its attributes, every group it claims.
    public struct Loaded {
        public let path: String
        public let file: HDF5File
        public let model: String
        public let position: RunPosition
        public let seed: UInt64
        public let worldSize: Int
        public let configurationJSON: String

        /// Loads network `name` into `state` (every key and shape must match).
        public func restore(_ name: String, into state: NetworkState) throws {
            guard try file.contains(name) else { throw HDF5Error(file: path, object: "/\(name)", "missing from the checkpoint") }
            do {
                try state.loadState(try StateFile.read(try file.group(name)))
            } catch let error as StateMismatchError {
                throw HDF5Error(file: path, object: "/\(name)", "does not fit this run's network: " + error.summary())
            }
        }

        /// Restores the optimizer of network `name`.
        public func restore(optimizer: Adam, of name: String, layout: Layout) throws {
            try StateFile.read(into: optimizer, layout: layout, from: try file.group("optimizer/\(name)"), file: path)
        }
    }

    /// Opens `path` and checks it is a complete, undamaged checkpoint of this format: its
    /// format and version, and its content against the stored checksum (this reads the whole
    /// file once).
    public static func load(_ path: String) throws -> Loaded {
        let file = try HDF5File(path: path)
        let format = (try? file.stringAttribute("format")) ?? "(none)"
        guard format == formatName else {
            throw HDF5Error(file: path, "not a checkpoint (format \(format), expected \(formatName))")
        }
        let fileVersion = try file.int64Attribute("version")
        guard fileVersion == version else {
            throw HDF5Error(file: path, "checkpoint version \(fileVersion), this build reads \(version)")
        }
        let stored = try file.int64Attribute(checksumAttribute)
        let actual: UInt64
        do {
            actual = try ContentDigest.of(file, excluding: checksumAttribute)
        } catch {
            throw HDF5Error(file: path, "damaged checkpoint: cannot read it through (\(error))")
        }
        guard UInt64(bitPattern: stored) == actual else {
            throw HDF5Error(file: path, "damaged checkpoint: its content does not match the checksum written with it")
        }
        let position = RunPosition(step: Int(try file.int64Attribute("step")), epoch: Int(try file.int64Attribute("epoch")),
                                   position: Int(try file.int64Attribute("position")))
        return Loaded(path: path, file: file, model: try file.stringAttribute("model"), position: position,
                      seed: UInt64(bitPattern: try file.int64Attribute("seed")),
                      worldSize: Int(try file.int64Attribute("world_size")),
                      configurationJSON: try file.stringAttribute("config"))
    }

    /// The newest checkpoint in `directory` that loads and validates, with a warning for each
    /// newer one that does not (a crash mid-write leaves only a `.partial-*` file, which is
    /// never considered). Nil when there is none.
    public static func newest(in directory: String, warn: (String) -> Void) -> Loaded? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".h5") }
            .sorted(by: >)
        for name in names {
            do {
                return try load(directory + "/" + name)
            } catch {
                warn("skipping \(directory)/\(name): \(error)")
            }
        }
        return nil
    }

    private static func writeLatest(_ name: String, in directory: String) throws {
        try Array((name + "\n").utf8).withUnsafeBytes { try writeDurably($0, to: directory + "/latest") }
    }

    private static let checksumAttribute = "checksum"

    /// Deletes all but the newest `keep` checkpoints, and the temporary files of writes that
    /// never finished (a crashed or killed writer; only rank 0 writes into a run directory).
    private static func prune(_ directory: String, keep: Int) throws {
        let all = try FileManager.default.contentsOfDirectory(atPath: directory)
        let names = all.filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".h5") }.sorted(by: >)
        let abandoned = all.filter { name in
            [".checkpoint-", ".latest.", "." + bestFileName].contains { name.hasPrefix($0) } && name.contains(".partial-")
        }
        for name in names.dropFirst(keep) + abandoned { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
    }

    private static func pauseForTests(file: HDF5File, path: String) throws {
        guard let text = ProcessInfo.processInfo.environment[testPauseVariable], let seconds = Double(text), seconds > 0 else { return }
        try file.flush()
        FileHandle.standardError.write(Data("\(testPauseVariable): pausing \(seconds) s in the write of \(path)\n".utf8))
        Thread.sleep(forTimeInterval: seconds)
    }
}
