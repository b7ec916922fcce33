import Foundation
import Testing
import HDF5
import TestSupport

/// Every dataset under `group`, by absolute path, reached by walking the member names.
func datasetPaths(in group: HDF5Group) throws -> [String] {
    var paths: [String] = []
    for name in try group.memberNames() {
        switch try group.kind(of: name) {
        case .group: paths += try datasetPaths(in: try group.group(name))
        case .dataset: paths.append(group.path == "/" ? "/" + name : group.path + "/" + name)
        case .datatype: break
        }
    }
    return paths
}

/// Reads `dataset` with the Swift type of its declared element type; returns the number of
/// values read and whether they are all finite.
func readDeclared(_ dataset: HDF5Dataset) throws -> (count: Int, finite: Bool) {
    switch dataset.elementType {
    case .float32: let v = try dataset.read(Float.self).values; return (v.count, v.allSatisfy(\.isFinite))
    case .float64: let v = try dataset.read(Double.self).values; return (v.count, v.allSatisfy(\.isFinite))
    case .int64: return (try dataset.read(Int64.self).values.count, true)
    case .int32: return (try dataset.read(Int32.self).values.count, true)
    case .uint8: return (try dataset.read(UInt8.self).values.count, true)
    case .string: return (try dataset.readStrings().count, true)
    default: throw HDF5Error(file: dataset.filePath, object: dataset.path, "unexpected element type \(dataset.elementType)")
    }
}

let sharedFixtureNames: [String] = {
    guard let directory = Fixtures.sharedDirectory.map({ $0 + "/fixtures" }),
          let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    return names.filter { $0.hasSuffix(".h5") }.sorted()
}()

@Suite struct HDF5FixtureTests {
    @Test("Every shared fixture: walk all groups, read every dataset as its declared type, every root attribute as a string",
          .enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder (../shared or $SPARNET_SHARED) with fixtures/"),
          arguments: sharedFixtureNames)
    func readsEverySharedFixture(name: String) throws {
        let path = Fixtures.shared(name)!
        let file = try HDF5File(path: path)
        let paths = try datasetPaths(in: file)
        #expect(!paths.isEmpty)
        var counts: [HDF5ElementType: Int] = [:]
        for datasetPath in paths {
            let dataset = try file.dataset(datasetPath)
            let (count, finite) = try readDeclared(dataset)
            #expect(count == dataset.elementCount, "\(name) \(datasetPath)")
            #expect(finite, "\(name) \(datasetPath) holds NaN or infinity")
            counts[dataset.elementType, default: 0] += 1
        }
        let attributes = try file.attributeNames()
        #expect(attributes.contains("kind") && attributes.contains("config"), "\(name): \(attributes)")
        for attribute in attributes {
            #expect(try !file.stringAttribute(attribute).isEmpty, "\(name) root attribute \(attribute)")
        }
        let config = try file.stringAttribute("config")
        #expect((try? JSONSerialization.jsonObject(with: Data(config.utf8))) != nil, "\(name) config is JSON: \(config)")
        print("\(name): \(paths.count) datasets \(counts.map { "\($0.key) \($0.value)" }.sorted()), attributes \(attributes)")
    }

    @Test("Known shapes, types and values of the shared fixtures (values as h5dump prints them)",
          .enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder (../shared or $SPARNET_SHARED) with fixtures/"))
    func knownSharedValues() throws {
        let sparnet = try HDF5File(path: Fixtures.shared("sparnet_A.h5")!)
        let input = try sparnet.dataset("input").expect(type: .float32, shape: [2, 3, 32, 32]).read(Float.self)
        #expect(compare(Array(input.values.prefix(4)), [-0.209124, -0.681289, 0.712547, -0.673794], atol: 5e-7, rtol: 0).passed)
        #expect(try sparnet.stringAttribute("kind") == "SPARNet generator")
        let tracked = try sparnet.group("weights").memberNames().filter { $0.hasSuffix("num_batches_tracked") }
        #expect(!tracked.isEmpty)
        for key in tracked {
            #expect(try sparnet.dataset("weights/" + key).expect(type: .int64, rank: 0).readScalar(Int64.self) >= 0)
        }
        #expect(try sparnet.dataset("train/loss_l1").expect(type: .float32, rank: 0).readScalar(Float.self) > 0)

        let discriminator = try HDF5File(path: Fixtures.shared("msd_D.h5")!)
        #expect(try discriminator.stringAttribute("kind") == "MultiScaleDiscriminator")
        #expect(try discriminator.dataset("downsampled_input/2").shape == [2, 3, 16, 16])

        let metrics = try HDF5File(path: Fixtures.shared("metrics.h5")!)
        #expect(try metrics.memberNames() == ["0", "1", "2", "3"])
        for index in 0..<4 {
            let sample = try metrics.group(String(index))
            for image in ["reference", "test"] {
                try sample.dataset(image).expect(type: .uint8, shape: [128, 128, 3])
            }
            #expect(try sample.dataset("psnr_y").expect(type: .float64, rank: 0).readScalar(Double.self) > 10)
            #expect(try (0...1).contains(sample.dataset("ssim_y").readScalar(Double.self)))
        }
        #expect(try abs(metrics.dataset("0/psnr_y").readScalar(Double.self) - 24.8617114) < 1e-7)
        #expect(try Array(metrics.dataset("0/test").read(UInt8.self).values.prefix(3)) == [1, 1, 1])
    }

    @Test("Shared fixture values equal h5dump's, element for element",
          .enabled(if: Fixtures.sharedDirectory != nil, "needs the shared folder (../shared or $SPARNET_SHARED) with fixtures/"),
          arguments: [("sparnet_A.h5", "/train/output"), ("msd_D.h5", "/downsampled_input/1"), ("resize.h5", "/2/down37"),
                      ("metrics.h5", "/3/ssim_y"), ("vgg.h5", "/loss_terms")])
    func agreesWithH5dump(name: String, datasetPath: String) throws {
        let path = Fixtures.shared(name)!
        let dataset = try HDF5File(path: path).dataset(datasetPath)
        let ours: [Double]
        switch dataset.elementType {
        case .uint8: ours = try dataset.read(UInt8.self).values.map(Double.init)
        case .float64: ours = try dataset.read(Double.self).values
        default: ours = try dataset.read(Float.self).values.map(Double.init)
        }
        let dumped = try HDF5Tools.datasetValues(path, datasetPath, format: "%.17g").compactMap(Double.init)
        #expect(ours == dumped, "\(name) \(datasetPath)")
    }

    @Test("The committed extracts read, and equal their source when the shared folder is present")
    func committedExtracts() throws {
        let adam = try HDF5File(path: Fixtures.path("adam_A.h5"))
        #expect(try adam.memberNames() == ["adam", "train", "weights"])
        let gradients = try adam.group("train/grads").memberNames()
        #expect(try gradients == adam.group("adam/weights_after_1_step").memberNames())
        #expect(gradients.count == 60 && gradients.allSatisfy { !$0.contains(".att_func.") })
        let weights = try adam.group("weights")
        #expect(try Set(gradients).isSubset(of: weights.memberNames()))
        #expect(try weights.dataset("encoder.0.conv2d.weight").expect(type: .float32, rank: 4).shape == [8, 3, 3, 3])
        #expect(try weights.dataset("encoder.1.conv1.norm.norm.num_batches_tracked").expect(type: .int64, rank: 0)
                .readScalar(Int64.self) == 0)
        for key in gradients {
            let weight = try weights.dataset(key), gradient = try adam.dataset("train/grads/" + key)
            let stepped = try adam.dataset("adam/weights_after_1_step/" + key)
            #expect(weight.shape == gradient.shape && weight.shape == stepped.shape, "\(key)")
            // One Adam step from zero state moves each weight by about lr = 2e-4 (or not at all).
            let before = try weight.read(Float.self).values, after = try stepped.read(Float.self).values
            #expect(zip(before, after).allSatisfy { abs($0 - $1) <= 2.1e-4 }, "\(key)")
        }

        let resample = try HDF5File(path: Fixtures.path("msd_D_resample.h5"))
        #expect(try datasetPaths(in: resample) == ["/downsampled_input/0", "/downsampled_input/1", "/downsampled_input/2", "/input"])
        #expect(try resample.dataset("input").read(Float.self) == resample.dataset("downsampled_input/0").read(Float.self))

        guard Fixtures.sharedDirectory != nil else { return }
        let source = try HDF5File(path: Fixtures.shared("sparnet_A.h5")!)
        for key in gradients.prefix(10) {
            #expect(try source.dataset("train/grads/" + key).read(Float.self) == adam.dataset("train/grads/" + key).read(Float.self))
        }
        let discriminator = try HDF5File(path: Fixtures.shared("msd_D.h5")!)
        #expect(try discriminator.dataset("downsampled_input/2").read(Float.self) == resample.dataset("downsampled_input/2").read(Float.self))
    }

    @Test("Bad requests on a real file: wrong dtype, wrong rank, missing dataset, missing attribute")
    func badRequestsOnRealFile() throws {
        let path = Fixtures.path("msd_D_resample.h5")
        let file = try HDF5File(path: path)
        let wrongType = #expect(throws: HDF5Error.self) { try file.dataset("input").read(UInt8.self) }
        #expect(wrongType.map { "\($0)" } == "\(path): /input: holds float32 elements, not uint8 (readConverting(to:) converts explicitly)")
        let wrongRank = #expect(throws: HDF5Error.self) { try file.dataset("input").expect(type: .float32, rank: 3) }
        #expect(wrongRank.map { "\($0)" } == "\(path): /input: expected float32 of rank 3, found float32 of shape [2, 3, 64, 64]")
        let missing = #expect(throws: HDF5Error.self) { try file.dataset("downsampled_input/3") }
        #expect(missing.map { "\($0)".hasPrefix("\(path): /downsampled_input/3: ") } == true)
        let attribute = #expect(throws: HDF5Error.self) { try file.stringAttribute("kind") }
        #expect(attribute.map { "\($0)" } == "\(path): / attribute \"kind\": no such attribute")
        let readOnly = #expect(throws: HDF5Error.self) { try file.createGroup("new") }
        #expect(readOnly?.file == path)
    }
}
