import Datasets
import Foundation
import Imaging
import TensorBoard

/// What rank 0 leaves in the run directory for people to look at: `metrics.jsonl`, TensorBoard
/// event files (`log.tensorboard`) and, every `log.images_every_steps` steps, sample grids in
/// `samples/` (also as TensorBoard images).
final class RunLog {
    /// Samples of the batch shown in each grid.
    static let samplesShown = 4
    /// Attention blocks shown (evenly spread from the first to the last).
    static let attentionBlocksShown = 4
    /// Grids show images enlarged to at least this side (nearest neighbour).
    static let displaySide = 128

    private let directory: String
    private let metrics: MetricsLog
    private let events: EventFileWriter?

    /// - Parameters:
    ///   - startStep: the step the run starts (or resumes) from.
    ///   - keepingStepsUpTo: on resume, the checkpoint's step: later metrics lines are dropped.
    init(directory: String, tensorboard: Bool, startStep: Int, keepingStepsUpTo lastKept: Int? = nil) throws {
        self.directory = directory
        metrics = try MetricsLog(directory: directory, keepingStepsUpTo: lastKept)
        events = tensorboard ? try EventFileWriter(directory: directory) : nil
        try events?.addSessionStart(step: startStep + 1)
    }

    /// The best `validation_psnr_y` the log holds (a resumed run's, up to its checkpoint).
    var bestValidationPSNR: Double? { metrics.largest("validation_psnr_y") }

    /// The event file being written, if any.
    var eventFilePath: String? { events?.path }

    /// One metrics record and one TensorBoard event of scalars.
    func record(step: Int, epoch: Int, terms: [(name: String, value: Double)],
                learningRates: [(name: String, value: Double)], imagesPerSecond: Double,
                dataWaitFraction: Double, communicationWaitFraction: Double) throws {
        try metrics.append(step: step, epoch: epoch, terms: terms, learningRates: learningRates,
                           imagesPerSecond: imagesPerSecond, dataWaitFraction: dataWaitFraction,
                           communicationWaitFraction: communicationWaitFraction)
        guard let events else { return }
        let scalars = terms.map { ("loss/" + $0.name, $0.value) } + learningRates.map { ("learning_rate/" + $0.name, $0.value) }
            + [("throughput/images_per_s", imagesPerSecond), ("wait/data_fraction", dataWaitFraction),
               ("wait/communication_fraction", communicationWaitFraction)]
        try events.addScalars(scalars.filter { $0.1.isFinite }, step: step)
    }

    /// One metrics record of held-out scores (`validation_psnr_y`, …) and their TensorBoard
    /// scalars (`validation/psnr_y`, …).
    func recordValidation(step: Int, _ scores: Validation.Scores) throws {
        try metrics.append(step: step, fields: scores.fields.map { ("validation_" + $0.name, $0.value) }
                           + [("validation_images", Double(scores.images)), ("validation_seconds", scores.seconds)])
        try events?.addScalars(scores.fields.map { ("validation/" + $0.name, $0.value) }.filter { $0.1.isFinite }, step: step)
    }

    /// `samples/step-<step>.png` (rows of LR-up | SR | HR) and `samples/attention-<step>.png`
    /// (rows of HR | attention heat maps of a few blocks) from the runner's last micro-batch;
    /// the same as TensorBoard images `samples` and `attention/<block>`.
    func recordImages(step: Int, of runner: any Trainer) throws -> String {
        let shown = min(Self.samplesShown, runner.generator.batch)
        let samples = (0..<shown).map { runner.sampleImages($0) }
        let side = samples[0].target.width
        let factor = max(1, Self.displaySide / side)
        let sampleGrid = makeImageGrid(rows: samples.map { [$0.input, $0.output, $0.target].map { $0.enlarged(by: factor) } })

        let maps = (0..<shown).map { runner.attentionImages($0) }
        let blockCount = maps[0].count
        let chosen = blockCount <= Self.attentionBlocksShown ? Array(0..<blockCount)
            : (0..<Self.attentionBlocksShown).map { $0 * (blockCount - 1) / (Self.attentionBlocksShown - 1) }
        // Every heat map at the face's displayed size, so blocks of any resolution line up.
        func shownMap(_ sample: Int, _ block: Int) -> RGBImage {
            let map = maps[sample][block].image
            return map.enlarged(by: max(1, side * factor / map.width))
        }
        let faces = samples.map { $0.target.enlarged(by: factor) }

        let folder = directory + "/samples"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = String(format: "%08d", step)
        let samplePath = "\(folder)/step-\(name).png"
        try sampleGrid.write(to: samplePath, as: .png)
        var images: [(tag: String, image: RGBImage)] = [("samples/lr_up_sr_hr", sampleGrid)]
        if !chosen.isEmpty {
            let attentionGrid = makeImageGrid(rows: (0..<shown).map { sample in
                [faces[sample]] + chosen.map { shownMap(sample, $0) }
            })
            try attentionGrid.write(to: "\(folder)/attention-\(name).png", as: .png)
            for block in chosen {
                let grid = makeImageGrid(rows: (0..<shown).map { [faces[$0], shownMap($0, block)] })
                images.append(("attention/" + maps[0][block].block, grid))
            }
        }
        if let events {
            try events.addImages(try images.map { tag, image in
                (tag, SummaryValue.Image(width: image.width, height: image.height, encoded: try image.encoded(as: .png)))
            }, step: step)
        }
        return samplePath
    }
}
