import ArgumentParser
import Foundation
import Imaging
import Inference

/// `sparnet-dist enhance`: super-resolve a face image or a folder of them.
struct Enhance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enhance",
        abstract: "Super-resolve faces with exported weights; writes PNGs.",
        usage: "sparnet-dist enhance --weights <weights> --input <input>\n--output <output> [<options>]",
        discussion: """
            SPARNet: a face of any size is resized to the model's low resolution and back up \
            (Pillow bicubic), as in training, then super-resolved. SPARNetHD: an aligned face is \
            resized to 512. With --attention DIR the attention maps of every Face Attention Unit \
            are written as heat maps.
            """)

    @Option(help: "Weights file from export.") var weights: String
    @Option(help: "A PNG/JPEG face, or a folder of them.") var input: String
    @Option(help: "Output PNG (for a file input) or folder (for a folder input).") var output: String
    @Option(help: "Also write attention heat maps into this folder.") var attention: String?
    @Flag(help: "Also write the model input (the LR-up image) beside each output.") var saveInput = false

    func run() throws {
        let enhancer = try Enhancer(weights: weights)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw ValidationError("--input \(input) does not exist")
        }
        let jobs: [(source: String, destination: String)]
        if isDirectory.boolValue {
            let files = try imageFiles(in: input)
            guard !files.isEmpty else { throw ValidationError("--input \(input) holds no PNG or JPEG image") }
            jobs = files.map { ($0, output + "/" + (($0 as NSString).lastPathComponent as NSString).deletingPathExtension + ".png") }
            var sources: [String: String] = [:]
            for job in jobs {
                if let other = sources.updateValue(job.source, forKey: job.destination) {
                    throw ValidationError("\(other) and \(job.source) would both be written to \(job.destination)")
                }
            }
        } else {
            jobs = [(input, output)]
        }
        var outputIsDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &outputIsDirectory), outputIsDirectory.boolValue != isDirectory.boolValue {
            throw ValidationError("--output \(output) is \(outputIsDirectory.boolValue ? "a folder" : "a file"); a \(isDirectory.boolValue ? "folder" : "file") input needs \(isDirectory.boolValue ? "a folder" : "a file")")
        }
        // Every input must decode before anything is written: a bad image fails the command
        // with the outputs (and any earlier results under those names) untouched.
        for job in jobs { _ = try RGBImage(contentsOfFile: job.source) }
        if isDirectory.boolValue { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }
        if let attention { try FileManager.default.createDirectory(atPath: attention, withIntermediateDirectories: true) }
        let progress = ProgressLine("enhance", total: jobs.count)
        for (index, job) in jobs.enumerated() {
            let face = try RGBImage(contentsOfFile: job.source)
            let modelInput = enhancer.input(for: face)
            let result = enhancer.enhance(input: modelInput)
            try result.write(to: job.destination, as: .png)
            let stem = (job.destination as NSString).deletingPathExtension
            if saveInput { try modelInput.write(to: stem + "-input.png", as: .png) }
            if let attention {
                let name = ((job.destination as NSString).lastPathComponent as NSString).deletingPathExtension
                for (block, map) in enhancer.attentionMaps() {
                    try map.write(to: "\(attention)/\(name)-\(block).png", as: .png)
                }
            }
            if jobs.count > 1 { progress.update(index + 1) }
        }
        if jobs.count == 1 { print("wrote \(jobs[0].destination)") } else { print("wrote \(jobs.count) images to \(output)") }
    }
}

/// PNG and JPEG files under `directory`, recursively, sorted by path.
func imageFiles(in directory: String) throws -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
        throw ValidationError("\(directory) cannot be listed")
    }
    var files: [String] = []
    while let path = enumerator.nextObject() as? String {
        if ["png", "jpg", "jpeg"].contains((path as NSString).pathExtension.lowercased()) {
            files.append(directory + "/" + path)
        }
    }
    return files.sorted()
}
