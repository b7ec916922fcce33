import Foundation
import HDF5
import Testing
import TestSupport

/// Tier 5: `enhance` on real photos and `eval` (PSNR/SSIM on Y of SR and of bicubic).
@Suite(.serialized) struct EnhanceEvalCommandTests {
    static let faces128: String? = Fixtures.sharedDirectory.map { $0 + "/data/faces128" }
        .flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }

    /// The tiny generator at 128×128, ×8 (the paper's SPARNet setting, scaled down in
    /// channels), after 3 steps on 16 synthetic 128×128 faces.
    static let tiny128: String = {
        let directory = Fixtures.temporaryDirectory("tiny128")
        let data = directory + "/faces128.h5"
        let prepare = try! Command.run(Command.sparnetDist, ["prepare", "--synthetic", "16", "--size", "128", "--out", data])
        precondition(prepare.status == 0, "\(prepare)")
        let run = directory + "/run"
        let train = try! Command.run(Command.sparnetDist, ["train", "--config", TrainCommandTests.debugConfig, "--data", data,
                                                           "--run-dir", run, "--steps", "3", "--set", "checkpoint.every_steps=3",
                                                           "--set", "generator.input_size=128", "--set", "generator.output_size=128",
                                                           "--set", "data.scale_factor=8", "--debug"])
        precondition(train.status == 0, "\(train)")
        let weights = directory + "/weights.h5"
        let export = try! Command.run(Command.sparnetDist, ["export", "--checkpoint", run + "/checkpoint-00000003.h5", "--out", weights])
        precondition(export.status == 0, "\(export)")
        return weights
    }()

    /// PSNR on Y (DESIGN.md §8) of two 8-bit RGB images (H, W, 3), the naive way.
    static func psnrY(_ test: ArraySlice<UInt8>, _ reference: ArraySlice<UInt8>) -> Double {
        func luma(_ pixels: ArraySlice<UInt8>) -> [Double] {
            stride(from: pixels.startIndex, to: pixels.endIndex, by: 3).map { i in
                16 + (65.481 * Double(pixels[i]) + 128.553 * Double(pixels[i + 1]) + 24.966 * Double(pixels[i + 2])) / 255
            }
        }
        let a = luma(test), b = luma(reference)
        let mse = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(a.count)
        return 10 * log10(255 * 255 / mse)
    }

    /// The images of a shard file written by `prepare`, with their names.
    static func shard(_ path: String) throws -> (images: [UInt8], names: [String], count: Int) {
        let file = try HDF5File(path: path)
        let images = try file.dataset("images").read(UInt8.self)
        return (images.values, try file.dataset("names").readStrings(), images.shape[0])
    }

    @Test(.enabled(if: faces128 != nil, "needs the shared folder's data/faces128 (real photos, never committed)"))
    func enhanceAndEvalOnRealFaces() throws {
        let faces = Self.faces128!
        let sources = try FileManager.default.contentsOfDirectory(atPath: faces).filter { $0.hasSuffix(".png") }.sorted()
        let directory = Fixtures.temporaryDirectory("faces128")
        let output = directory + "/sr", attention = directory + "/attention"
        let enhance = try Command.run(Command.sparnetDist, ["enhance", "--weights", Self.tiny128, "--input", faces,
                                                            "--output", output, "--attention", attention, "--save-input"])
        #expect(enhance.status == 0, "\(enhance)")
        #expect(enhance.output.contains("wrote \(sources.count) images to \(output)"), "\(enhance)")
        for source in sources {
            let stem = (source as NSString).deletingPathExtension
            #expect(RunFiles.pngSize(output + "/" + source).map { $0 == (128, 128) } == true, "\(source)")
            #expect(RunFiles.pngSize(output + "/" + stem + "-input.png").map { $0 == (128, 128) } == true, "\(source)")
        }
        // One heat map per Face Attention Unit and face, at the unit's feature size.
        let maps = try FileManager.default.contentsOfDirectory(atPath: attention).sorted()
        let first = (sources[0] as NSString).deletingPathExtension
        let blocks = maps.filter { $0.hasPrefix(first + "-") }
        print("attention maps of \(first): \(blocks.map { "\($0) \(RunFiles.pngSize(attention + "/" + $0)!)" })")
        #expect(!blocks.isEmpty && maps.count == blocks.count * sources.count, "\(maps)")
        let sizes = Set(blocks.compactMap { RunFiles.pngSize(attention + "/" + $0)?.width })
        #expect(sizes.contains(128) && sizes.isSubset(of: [8, 16, 32, 64, 128]), "\(sizes)")

        // eval on the same photos (as a shard), ×8: the table, and JSON whose per-image PSNRs
        // are those of the PNGs enhance wrote (the same bicubic ×8 input and model).
        let hr = directory + "/hr.h5", sr = directory + "/sr.h5", bicubic = directory + "/bicubic.h5"
        let results = directory + "/results", inputs = directory + "/inputs"
        for folder in [results, inputs] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for source in sources {
            let stem = (source as NSString).deletingPathExtension
            try FileManager.default.copyItem(atPath: output + "/" + source, toPath: results + "/" + source)
            try FileManager.default.copyItem(atPath: output + "/" + stem + "-input.png", toPath: inputs + "/" + source)
        }
        for (folder, shardPath) in [(faces, hr), (results, sr), (inputs, bicubic)] {
            let prepare = try Command.run(Command.sparnetDist, ["prepare", "--images", folder, "--size", "128", "--out", shardPath])
            #expect(prepare.status == 0, "\(prepare)")
        }

        let json = directory + "/eval.json"
        let eval = try Command.run(Command.sparnetDist, ["eval", "--weights", Self.tiny128, "--data", hr, "--json", json, "--per-image"])
        #expect(eval.status == 0, "\(eval)")
        print(eval.output)
        #expect(eval.output.contains("SR (model)") && eval.output.contains("bicubic ×8 ") && eval.output.contains("\(sources.count) image(s)"),
                "\(eval)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        let rows = summary["per_image"] as! [[String: Double]]
        #expect(rows.count == sources.count && summary["scale"] as? Int == 8)
        let (hrImages, names, count) = try Self.shard(hr)
        let (srImages, srNames, _) = try Self.shard(sr), (bicubicImages, bicubicNames, _) = try Self.shard(bicubic)
        #expect(names == sources && srNames == sources && bicubicNames == sources)
        let plane = 128 * 128 * 3
        var worst = 0.0
        for (index, row) in rows.enumerated() where index < count {
            let range = index * plane ..< (index + 1) * plane
            let srPSNR = Self.psnrY(srImages[range], hrImages[range]), bicubicPSNR = Self.psnrY(bicubicImages[range], hrImages[range])
            worst = max(worst, abs(srPSNR - row["psnr_y"]!), abs(bicubicPSNR - row["bicubic_psnr_y"]!))
        }
        print("eval's per-image PSNR-Y vs PSNR-Y of enhance's PNGs: max difference \(worst) dB")
        #expect(worst < 1e-9)
    }

    @Test func evalOnHeldOutSyntheticFaces() throws {
        let directory = Fixtures.temporaryDirectory("eval")
        let json = directory + "/eval.json"
        let result = try Command.run(Command.sparnetDist, ["eval", "--weights", TrainedModels.tiny.weights,
                                                           "--data", TrainedModels.heldOutFaces, "--json", json])
        #expect(result.status == 0, "\(result)")
        print(result.output)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("SR (model)") } && lines.contains { $0.hasPrefix("bicubic ×4") }, "\(result)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        let mean = summary["mean"] as! [String: Double], rows = summary["per_image"] as! [[String: Double]]
        #expect(summary["images"] as? Int == 8 && rows.count == 8 && summary["scale"] as? Int == 4)
        for key in ["psnr_y", "ssim_y", "bicubic_psnr_y", "bicubic_ssim_y"] {
            let average = rows.map { $0[key]! }.reduce(0, +) / Double(rows.count)
            #expect(abs(average - mean[key]!) < 1e-9, "\(key)")
        }
        #expect(rows.allSatisfy { $0["bicubic_psnr_y"]! > 15 && $0["bicubic_psnr_y"]! < 60 && $0["psnr_y"]!.isFinite })
        #expect(rows.allSatisfy { (0...1).contains($0["ssim_y"]!) && (0...1).contains($0["bicubic_ssim_y"]!) })
        // The table prints the JSON's means.
        #expect(result.output.contains(String(format: "%8.3f     %.4f", mean["psnr_y"]!, mean["ssim_y"]!)), "\(result)")

        // --scale must divide the model size; a dataset of another size is refused.
        let badScale = try Command.run(Command.sparnetDist, ["eval", "--weights", TrainedModels.tiny.weights,
                                                             "--data", TrainedModels.heldOutFaces, "--scale", "5"])
        #expect(badScale.status != 0 && badScale.errors.contains("--scale 5"), "\(badScale)")
    }
}
