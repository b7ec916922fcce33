import Checkpoints
import Foundation
import HDF5
import Networks
import Optimizers
import Tensors
import Testing
import TestSupport

@Suite struct CheckpointTests {
    /// A tiny BatchNorm SPARNet after one Adam step, so moments, running statistics and
    /// `num_batches_tracked` are all non-trivial.
    static func trainedNetwork(seed: UInt64) throws -> (SPARNet, Adam) {
        var configuration = SPARNetConfiguration.tiny
        configuration.residualDepth = 0
        let network = try SPARNet(configuration, batch: 2, seed: seed)
        var random = TestRandom(seed: seed)
        network.memory.copy(random.uniform(network.input.count).floats, into: network.input)
        network.forward(training: true)
        network.memory.zeroGradients()
        network.memory.gradient(network.output).update(from: random.uniform(network.output.count).floats,
                                                      count: network.output.count)
        network.backward()
        let adam = Adam(parameterCount: network.memory.parameters.count, learningRate: 1e-3)
        adam.step(parameters: network.memory.parameters, gradients: network.memory.parameterGradients)
        return (network, adam)
    }

    @discardableResult
    static func save(_ network: SPARNet, _ adam: Adam, step: Int, to directory: String, keep: Int = 3) throws -> String {
        try Checkpoint.save(.init(networks: [("generator", network.memory.state)],
                                  optimizers: [("generator", adam, network.memory.parameterLayout)]),
                            position: RunPosition(step: step, epoch: 2, position: 40), seed: 77, worldSize: 2,
                            configurationJSON: #"{"model":"sparnet"}"#, model: "sparnet", to: directory, keep: keep)
    }

    @Test func roundTripRestoresEveryTensorExactly() throws {
        let directory = Fixtures.temporaryDirectory("checkpoint")
        let (network, adam) = try Self.trainedNetwork(seed: 1)
        let path = try Self.save(network, adam, step: 12, to: directory)
        #expect(path.hasSuffix("checkpoint-00000012.h5"))
        #expect(try String(contentsOfFile: directory + "/latest", encoding: .utf8) == "checkpoint-00000012.h5\n")

        let loaded = try Checkpoint.load(path)
        #expect(loaded.position == RunPosition(step: 12, epoch: 2, position: 40))
        #expect(loaded.seed == 77 && loaded.worldSize == 2 && loaded.model == "sparnet")
        let (other, otherAdam) = try Self.trainedNetwork(seed: 2)
        try loaded.restore("generator", into: other.memory.state)
        try loaded.restore(optimizer: otherAdam, of: "generator", layout: other.memory.parameterLayout)
        let all = { (arena: Arena) in arena.array(.init(offset: 0, count: arena.count)) }
        #expect(all(other.memory.parameters) == all(network.memory.parameters))
        #expect(all(other.memory.buffers) == all(network.memory.buffers))
        #expect(all(otherAdam.firstMoment) == all(adam.firstMoment) && all(otherAdam.secondMoment) == all(adam.secondMoment))
        #expect(otherAdam.stepCount == 1)
        // num_batches_tracked is stored as int64, as PyTorch has it.
        let file = try HDF5File(path: path)
        let tracked = try file.dataset("generator/encoder.1.conv1.norm.norm.num_batches_tracked")
        let trackedValue = try tracked.readScalar(Int64.self)
        #expect(tracked.elementType == .int64 && trackedValue == 1)
    }

    @Test func keepsTheNewestAndIgnoresPartialAndCorruptFiles() throws {
        let directory = Fixtures.temporaryDirectory("checkpoint-keep")
        let (network, adam) = try Self.trainedNetwork(seed: 3)
        for step in [10, 20, 30, 40] { try Self.save(network, adam, step: step, to: directory, keep: 2) }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["checkpoint-00000030.h5", "checkpoint-00000040.h5", "latest"])

        // A newer checkpoint that is corrupt, and a crash's leftover partial file.
        try Data(repeating: 0, count: 100).write(to: URL(fileURLWithPath: directory + "/checkpoint-00000050.h5"))
        try Data(repeating: 1, count: 100).write(to: URL(fileURLWithPath: directory + "/.checkpoint-00000060.h5.partial-1-2"))
        var warnings: [String] = []
        let newest = Checkpoint.newest(in: directory) { warnings.append($0) }
        #expect(newest?.position.step == 40)
        #expect(warnings.count == 1 && warnings[0].contains("checkpoint-00000050.h5"), "\(warnings)")
    }

    @Test func mismatchedAndTruncatedCheckpointsAreRejectedNamingTheFile() throws {
        let directory = Fixtures.temporaryDirectory("checkpoint-bad")
        let (network, adam) = try Self.trainedNetwork(seed: 4)
        let path = try Self.save(network, adam, step: 5, to: directory)
        // Another architecture: the error names the file and lists the missing keys.
        let other = try SPARNet(.tiny, batch: 1)
        #expect { try Checkpoint.load(path).restore("generator", into: other.memory.state) } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("missing key")
        }
        // Truncated to half its size.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let truncated = directory + "/truncated.h5"
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
        #expect { _ = try Checkpoint.load(truncated).restore("generator", into: network.memory.state) } throws: { error in
            "\(error)".contains(truncated)
        }
        // Not a checkpoint at all.
        #expect { _ = try Checkpoint.load(Fixtures.path("adam_A.h5")) } throws: { error in
            "\(error)".contains("not a checkpoint")
        }
    }

    @Test func aChangedValueOrAttributeIsDetectedByTheChecksum() throws {
        let directory = Fixtures.temporaryDirectory("checkpoint-checksum")
        let (network, adam) = try Self.trainedNetwork(seed: 5)
        let path = try Self.save(network, adam, step: 7, to: directory)
        _ = try Checkpoint.load(path)
        let key = "generator/encoder.1.conv1.conv2d.weight"

        // One element one ulp off: a stray write HDF5 itself would never notice.
        let tensorChanged = directory + "/tensor.h5"
        try FileManager.default.copyItem(atPath: path, toPath: tensorChanged)
        do {
            let file = try HDF5File(path: tensorChanged, mode: .readWrite)
            let dataset = try file.dataset(key)
            var values = try dataset.read(Float.self).values
            values[3] = values[3].nextUp
            try dataset.write(values)
            try file.close()
        }
        // The step attribute rewritten: the run would resume at the wrong place.
        let attributeChanged = directory + "/attribute.h5"
        try FileManager.default.copyItem(atPath: path, toPath: attributeChanged)
        do {
            let file = try HDF5File(path: attributeChanged, mode: .readWrite)
            try file.setAttribute("step", to: Int64(8))
            try file.close()
        }
        // An extra tensor added.
        let tensorAdded = directory + "/added.h5"
        try FileManager.default.copyItem(atPath: path, toPath: tensorAdded)
        do {
            let file = try HDF5File(path: tensorAdded, mode: .readWrite)
            let values = try file.dataset(key).read(Float.self)
            try file.writeDataset(key + "_moved", values: values.values, shape: values.shape)
            try file.close()
        }
        for damaged in [tensorChanged, attributeChanged, tensorAdded] {
            #expect { _ = try Checkpoint.load(damaged) } throws: { error in
                "\(error)".contains(damaged) && "\(error)".contains("damaged checkpoint")
            }
        }
    }

    @Test func aSaveRemovesTheTemporariesOfWritesThatNeverFinished() throws {
        let directory = Fixtures.temporaryDirectory("checkpoint-abandoned")
        let (network, adam) = try Self.trainedNetwork(seed: 6)
        try Self.save(network, adam, step: 1, to: directory)
        let abandoned = [".checkpoint-00000002.h5.partial-99-1", ".latest.partial-99-2"]
        for name in abandoned { try Data([1, 2, 3]).write(to: URL(fileURLWithPath: directory + "/" + name)) }
        #expect(Checkpoint.newest(in: directory) { Issue.record("unexpected warning \($0)") }?.position.step == 1)
        try Self.save(network, adam, step: 2, to: directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["checkpoint-00000001.h5", "checkpoint-00000002.h5", "latest"])
    }
}
