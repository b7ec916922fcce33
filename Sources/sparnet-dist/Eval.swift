import ArgumentParser
import Datasets
import Foundation
import Imaging
import Inference

/// `sparnet-dist eval`: PSNR/SSIM on Y (DESIGN.md §8) of the model and of bicubic upsampling.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "PSNR and SSIM on Y of super-resolved faces and of the bicubic baseline.",
        usage: "sparnet-dist eval --weights <weights> --data <data> [<options>]",
        discussion: """
            Each HR image is downsampled by the scale factor and upsampled back with Pillow's \
            bicubic (the bicubic baseline and the model's input), then super-resolved. Prints a \
            table (per image with --per-image) and writes JSON with --json.
            """)

    @Option(help: "Weights file from export.") var weights: String
    @Option(help: "Image shards (glob) of HR faces at the model's size.") var data: String
    @Option(help: "Scale factor (default: the model's training scale factor).") var scale: Int?
    @Option(help: "Evaluate at most this many images.") var limit: Int?
    @Option(help: "Also write the results as JSON to this file.") var json: String?
    @Flag(help: "Print one line per image.") var perImage = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }

    func run() throws {
        let enhancer = try Enhancer(weights: weights)
        let size = enhancer.architecture.inputSize
        let factor = scale ?? enhancer.configuration.data.scaleFactor
        guard factor > 0, size % factor == 0 else {
            throw ValidationError("--scale \(factor) must divide the model size \(size)")
        }
        let dataset = try ImageDataset(patterns: [data])
        guard dataset.height == size && dataset.width == size else {
            throw ValidationError("--data holds \(dataset.height)×\(dataset.width) images; the model works at \(size)×\(size)")
        }
        let count = min(limit ?? dataset.count, dataset.count)
        var rows: [[String: Double]] = []
        let progress = ProgressLine("eval", total: count)
        for index in 0..<count {
            let hr = try RGBImage(width: size, height: size) { try dataset.read(index, into: $0) }
            let bicubic = hr.resized(width: size / factor, height: size / factor).resized(width: size, height: size)
            let sr = enhancer.enhance(input: bicubic)
            rows.append(["index": Double(index),
                         "psnr_y": ImageMetrics.psnrY(sr, reference: hr), "ssim_y": ImageMetrics.ssimY(sr, reference: hr),
                         "bicubic_psnr_y": ImageMetrics.psnrY(bicubic, reference: hr),
                         "bicubic_ssim_y": ImageMetrics.ssimY(bicubic, reference: hr)])
            progress.update(index + 1)
        }
        func mean(_ key: String) -> Double { rows.map { $0[key]! }.reduce(0, +) / Double(rows.count) }
        if perImage {
            for row in rows {
                print(String(format: "image %5d  SR %7.3f dB %.4f   bicubic %7.3f dB %.4f", Int(row["index"]!),
                             row["psnr_y"]!, row["ssim_y"]!, row["bicubic_psnr_y"]!, row["bicubic_ssim_y"]!))
            }
        }
        print("               PSNR-Y (dB)   SSIM-Y")
        print(String(format: "SR (model)      %8.3f     %.4f", mean("psnr_y"), mean("ssim_y")))
        print(String(format: "bicubic ×%-2d     %8.3f     %.4f", factor, mean("bicubic_psnr_y"), mean("bicubic_ssim_y")))
        print("\(rows.count) image(s) of \(data), scale ×\(factor)")
        if let json {
            let summary: [String: Any] = [
                "weights": weights, "data": data, "scale": factor, "images": rows.count,
                "mean": ["psnr_y": mean("psnr_y"), "ssim_y": mean("ssim_y"),
                         "bicubic_psnr_y": mean("bicubic_psnr_y"), "bicubic_ssim_y": mean("bicubic_ssim_y")],
                "per_image": rows]
            let bytes = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            try bytes.write(to: URL(fileURLWithPath: json), options: .atomic)
        }
    }
}
