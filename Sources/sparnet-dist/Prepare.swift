import ArgumentParser
import Datasets
import DurableFiles
import Foundation
import Imaging

/// `sparnet-dist prepare`: turns photos (or synthetic faces) into HDF5 image shards
/// (DESIGN.md §6), or previews shards as a PNG grid.
struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Write a dataset of faces as HDF5 image shards, or preview one.",
        discussion: """
            --images DIR decodes every PNG/JPEG under DIR (recursive, sorted by path, hidden files \
            ignored), converts it to RGB, crops it to a square (--crop center, the default, or \
            around --face-boxes) and resizes it to SIZE×SIZE (Pillow-exact; CelebA: bicubic to \
            128, FFHQ: bilinear 1024 to 512) and stores /images uint8 [N, SIZE, SIZE, 3] with the \
            relative paths as /names. Unreadable images are skipped with one warning listing them \
            (--strict: the first one is an error). --synthetic N draws N procedural faces instead \
            (the built-in dataset: no download needed). Shards are written under temporary names \
            and renamed together only when all are complete: after an error no output is left. \
            --preview N writes a PNG grid of the first N images of the shards --data names \
            (--preview 1: the first image alone, unframed).
            """)

    @Option(help: ArgumentHelp("Folder of PNG/JPEG photos to prepare.", valueName: "dir"))
    var images: String?
    @Option(help: ArgumentHelp("Draw this many synthetic faces.", valueName: "n"))
    var synthetic: Int?
    @Option(help: ArgumentHelp("Write a PNG grid of the first N images of --data.", valueName: "n"))
    var preview: Int?
    @Option(help: ArgumentHelp("Shards to preview: a path or a quoted glob, e.g. 'data/faces-*.h5'.", valueName: "glob"))
    var data: String?
    @Option(help: ArgumentHelp("""
        With --preview, show training samples instead of the images: sparnet (rows of HR | LR | \
        LR-up, the paper's augmentation and ×--scale-factor) or sparnethd (rows of HR | degraded \
        input, the eq. 14 degradation).
        """, valueName: "sparnet|sparnethd"))
    var samples: SampleKind?
    @Option(help: "With --samples sparnet: the downscaling factor.") var scaleFactor = 8
    @Option(help: ArgumentHelp("""
        Output: data/NAME.h5 (with --shards K: data/NAME-00000-of-0000K.h5, …), or the grid's \
        .png with --preview.
        """, valueName: "path"))
    var out: String
    @Option(help: "Image height and width.") var size = 128
    @Option(help: "Number of shard files.") var shards = 1
    @Option(help: "Resampling filter when a photo is not SIZE×SIZE: bicubic or bilinear.")
    var resize: ResizeFilter = .bicubic
    @Option(help: ArgumentHelp("""
        How a photo that is not square becomes square before the resize: center (the largest \
        centered square; CelebA's aligned 178×218 keeps rows 20–197, the face) or stretch.
        """, valueName: "center|stretch"))
    var crop: CropKind = .center
    @Option(help: ArgumentHelp("""
        Crop each photo to the square around its face box instead, from a CelebA-style list \
        (list_bbox_celeba.txt for img_celeba: NAME X Y WIDTH HEIGHT per line); unlisted photos \
        are cropped as --crop center.
        """, valueName: "file"))
    var faceBoxes: String?
    @Flag(help: "Stop at the first unreadable photo instead of skipping it.") var strict = false
    @Option(help: "gzip level 1–9 for the image chunks (default: none, fastest to read).") var gzip: Int?
    @Option(help: "Decoding and drawing threads (default: the number of cores).")
    var threads: Int?
    @Option(help: "Seed of the synthetic faces.") var seed: UInt64 = 1

    enum SampleKind: String, ExpressibleByArgument, CaseIterable {
        case sparnet, sparnethd
    }

    enum CropKind: String, ExpressibleByArgument, CaseIterable {
        case center, stretch
    }

    enum ResizeFilter: String, ExpressibleByArgument, CaseIterable {
        case bicubic, bilinear
        var filter: ResamplingFilter { self == .bicubic ? .bicubic : .bilinear }
    }

    func validate() throws {
        let modes = [images.map { _ in "--images" }, synthetic.map { _ in "--synthetic" }, preview.map { _ in "--preview" }]
            .compactMap { $0 }
        guard modes.count == 1 else {
            throw ValidationError(modes.isEmpty ? "give --images DIR, --synthetic N or --preview N"
                                  : "give only one of \(modes.joined(separator: ", "))")
        }
        if let synthetic, synthetic <= 0 { throw ValidationError("--synthetic must be positive, got \(synthetic)") }
        if let preview {
            guard preview > 0 else { throw ValidationError("--preview must be positive, got \(preview)") }
            guard data != nil else { throw ValidationError("--preview needs --data GLOB, the shards to show") }
            guard ImageEncoding(pathExtensionOf: out) != nil else {
                throw ValidationError("--out \(out): the preview is written as .png (or .jpg)")
            }
        } else if data != nil {
            throw ValidationError("--data is for --preview; --images or --synthetic write to --out")
        }
        guard size >= 8 else { throw ValidationError("--size must be at least 8, got \(size)") }
        guard shards >= 1 else { throw ValidationError("--shards must be at least 1, got \(shards)") }
        if let synthetic, shards > synthetic {
            throw ValidationError("--shards must be at most the number of images (\(synthetic)), got \(shards)")
        }
        if let gzip, !(1...9).contains(gzip) { throw ValidationError("--gzip must be 1…9, got \(gzip)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if faceBoxes != nil && images == nil { throw ValidationError("--face-boxes crops --images photos only") }
        if faceBoxes != nil && crop == .stretch { throw ValidationError("give --face-boxes or --crop stretch, not both") }
        do { try requireReplaceableFile(out) } catch let error as DurableFileError {
            throw ValidationError("--out \(error)")
        }
    }

    func run() throws {
        if let images { try prepareFolder(images) }
        if let synthetic { try prepareSynthetic(synthetic) }
        if let preview { try writePreview(preview) }
    }

    private func prepareFolder(_ directory: String) throws {
        let folder = try ImageFolder(directory: directory)
        let squareCrop: SquareCrop = try faceBoxes.map { .faceBoxes(try FaceBox.list(contentsOfFile: $0)) }
            ?? (crop == .center ? .center : .stretch)
        warnAboutOtherShards()
        let progress = ProgressLine("prepare \(out)", total: folder.files.count)
        let report: ImageFolderReport
        do {
            report = try folder.writeShards(to: out, size: size, shards: shards, filter: resize.filter,
                                            crop: squareCrop, strict: strict,
                                            gzipLevel: gzip, threads: workerThreads, progress: progress.update)
        } catch let error as ImageError {
            throw DatasetError("\(error) (--strict: stopped at the first unreadable image; nothing written)")
        }
        if !report.skipped.isEmpty {
            printError("warning: skipped \(report.skipped.count) unreadable image(s) of \(folder.files.count) "
                       + "(--strict makes this an error):\n" + report.skipped.map { "  \($0)" }.joined(separator: "\n"))
        }
        if report.cropped > 0 {
            let how = faceBoxes.map { "around their face boxes (\($0))" } ?? "to their centered square"
            print("cropped \(report.cropped) image(s) \(how) before resizing")
        }
        if report.stretched > 0 {
            printError("note: \(report.stretched) image(s) were not square and were stretched to \(size)×\(size) "
                       + "(--crop center keeps their proportions)")
        }
        print("wrote \(report.written) images of \(size)×\(size) from \(directory) (\(report.resized) resized "
              + "with \(resize.rawValue)) to \(report.paths.joined(separator: ", "))")
    }

    private func prepareSynthetic(_ count: Int) throws {
        warnAboutOtherShards()
        let progress = ProgressLine("prepare \(out)", total: count)
        let paths = try SyntheticFaces(seed: seed, size: size)
            .writeShards(to: out, count: count, shards: shards, gzipLevel: gzip, threads: workerThreads, progress: progress.update)
        print("wrote \(count) synthetic \(size)×\(size) faces (seed \(seed)) to \(paths.joined(separator: ", "))")
    }

    private func writePreview(_ count: Int) throws {
        let dataset = try ImageDataset(patterns: [data!])
        let shown = min(count, dataset.count)
        let images = try (0..<shown).map { index in
            try RGBImage(width: dataset.width, height: dataset.height) { try dataset.read(index, into: $0) }
        }
        if let samples {
            try writeSamplePreview(images, kind: samples, size: dataset.width)
            return
        }
        let columns = Int(Double(shown).squareRoot().rounded(.up))
        let rows = stride(from: 0, to: shown, by: columns).map { Array(images[$0..<min($0 + columns, shown)]) }
        // One image is written as it is (a face to enhance), not framed.
        let grid = shown == 1 ? images[0] : makeImageGrid(rows: rows, padding: 4)
        try grid.write(to: out, as: ImageEncoding(pathExtensionOf: out)!)
        print(shown == 1 ? "wrote \(out): the first image of \(dataset.manifest)"
              : "wrote \(out): the first \(shown) of \(dataset.manifest) as a \(columns)×\(rows.count) grid "
                + "of \(grid.width)×\(grid.height) pixels")
    }

    /// Rows of what training sees for each image (sample randomness of epoch 0, keyed by
    /// `--seed` and the image index, as the loader keys it).
    private func writeSamplePreview(_ images: [RGBImage], kind: SampleKind, size: Int) throws {
        let transform: any SampleTransform
        switch kind {
        case .sparnet:
            var settings = SPARNetAugmentation()
            settings.scaleFactor = scaleFactor
            transform = try SPARNetSample(size: size, settings: settings)
        case .sparnethd:
            // The paper's downsampled sizes, 16/512 … 128/512 of the side, at this size.
            transform = SPARNetHDDegradation(size: size, settings: DegradationSettings())
        }
        let rows = try images.enumerated().map { index, image -> [RGBImage] in
            var random = SampleRandom(seed: seed, epoch: 0, sample: index)
            let sample = try transform.images(from: image, random: &random)
            return kind == .sparnet
                ? [sample.highResolution, sample.lowResolution.enlarged(by: max(1, size / sample.lowResolution.width)),
                   sample.lowResolutionUp]
                : [sample.highResolution, sample.lowResolutionUp]
        }
        let grid = makeImageGrid(rows: rows, padding: 4)
        try grid.write(to: out, as: ImageEncoding(pathExtensionOf: out)!)
        print("wrote \(out): \(rows.count) \(kind.rawValue) training samples "
              + (kind == .sparnet ? "(HR | LR ×\(scaleFactor), enlarged | LR-up)" : "(HR | degraded input)")
              + " as a grid of \(grid.width)×\(grid.height) pixels")
    }

    private var workerThreads: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// Warns when shards of another split of the same name exist: a glob would mix them in.
    private func warnAboutOtherShards() {
        let mine = Set((0..<shards).map { ImageShardFormat.shardPath(out, index: $0, count: shards) })
        let directory = (out as NSString).deletingLastPathComponent
        let stem = ((out as NSString).lastPathComponent as NSString).deletingPathExtension
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        let others = entries.filter { $0.hasPrefix(stem + "-") && $0.contains("-of-") && $0.hasSuffix(".h5") }
            .map { directory.isEmpty ? $0 : directory + "/" + $0 }
            .filter { !mine.contains($0) }
        if !others.isEmpty {
            printError("warning: shards of another split of \(stem) stay as they are, and a glob such as \(stem)-*.h5 "
                       + "would mix them in: \(others.sorted().joined(separator: ", "))")
        }
    }
}
