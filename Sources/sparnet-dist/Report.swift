import ArgumentParser
import Checkpoints
import Configuration
import Foundation
import TensorBoard

/// `sparnet-dist report RUN_DIR`: a summary of a training run from what it left in its run
/// directory, and a plot of its loss curves.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarize a training run (losses, throughput, waits, checkpoints) and plot its loss curves as SVG.",
        usage: "sparnet-dist report <run-dir> [<options>]",
        discussion: """
            Reads RUN_DIR/metrics.jsonl (one record per log.every_steps steps), RUN_DIR/config.yaml, \
            the checkpoints, sample grids and TensorBoard event files there, prints a table (first, \
            last and lowest value of each loss term; mean images/s, data and communication wait) \
            and writes the loss curves to RUN_DIR/loss.svg (or --plot). Records logged again after \
            a resume replace the earlier ones of the same step.
            """)

    @Argument(help: ArgumentHelp("A run directory written by train.", valueName: "run-dir"))
    var runDirectory: String
    @Option(help: ArgumentHelp("Where to write the SVG plot (default: RUN_DIR/loss.svg).", valueName: "path"))
    var plot: String?
    @Option(help: "Loss axis: auto (log when the values span 5× or more), log or linear.")
    var yScale: LossPlot.YScale = .auto
    @Flag(help: "Print the table only; write no plot.") var noPlot = false

    func run() throws {
        let metricsPath = runDirectory + "/metrics.jsonl"
        guard FileManager.default.fileExists(atPath: metricsPath) else {
            throw ValidationError("\(runDirectory) holds no metrics.jsonl: not a run directory of train")
        }
        let (records, validations, replaced) = try Self.records(metricsPath)
        guard let first = records.first, let last = records.last else {
            throw ValidationError("\(metricsPath) holds no records yet")
        }
        var lines: [String] = []
        lines.append("run \(runDirectory)" + configurationSummary())
        let epochs = records.compactMap { $0["epoch"] as? Int }
        lines.append("  steps \(step(first)) … \(step(last)) (\(records.count) records\(replaced > 0 ? ", \(replaced) replaced after a resume" : ""))"
                     + (epochs.isEmpty ? "" : ", epochs \(epochs.min()!) … \(epochs.max()!)"))
        if let start = first["time"] as? Double, let end = last["time"] as? Double {
            lines.append("  logged over \(duration(end - start))")
        }

        let terms = Self.keys(records, prefix: "loss_")
        lines.append("")
        lines.append("  " + pad("loss", 24) + pad("first", 13) + pad("last", 13) + "lowest (step)")
        for term in terms {
            let values = records.compactMap { record in (record["loss_" + term] as? Double).map { (step(record), $0) } }
            let lowest = values.min { $0.1 < $1.1 }
            lines.append("  " + pad(term, 24) + pad(values.first.map { number($0.1) } ?? "-", 13)
                         + pad(values.last.map { number($0.1) } ?? "-", 13)
                         + (lowest.map { "\(number($0.1)) (\($0.0))" } ?? "-"))
            let missing = records.count - values.count
            if missing > 0 { lines.append("  " + pad("", 24) + "\(missing) record(s) non-finite") }
        }
        lines.append("")
        lines.append("  " + pad("", 24) + pad("mean", 13) + "last")
        for (label, key, asPercent) in [("images/s", "images_per_s", false), ("data wait", "data_wait", true),
                                        ("communication wait", "communication_wait", true)] {
            let values = records.compactMap { $0[key] as? Double }
            guard let lastValue = values.last else { continue }
            let mean = values.reduce(0, +) / Double(values.count)
            let show = { (v: Double) in asPercent ? String(format: "%.1f%%", 100 * v) : String(format: "%.1f", v) }
            lines.append("  " + pad(label, 24) + pad(show(mean), 13) + show(lastValue))
        }
        for name in Self.keys(records, prefix: "learning_rate_") {
            if let value = records.last(where: { $0["learning_rate_" + name] != nil })?["learning_rate_" + name] as? Double {
                lines.append("  " + pad("learning rate " + name, 24) + String(format: "%.3g", value))
            }
        }
        if !validations.isEmpty {
            lines.append("")
            lines.append("  " + pad("held-out (validation)", 24) + pad("first", 13) + pad("last", 13) + "best (step)")
            for (label, key) in [("PSNR-Y dB", "psnr_y"), ("SSIM-Y", "ssim_y"), ("bicubic PSNR-Y dB", "bicubic_psnr_y"),
                                 ("bicubic SSIM-Y", "bicubic_ssim_y")] {
                let values = validations.compactMap { record in (record["validation_" + key] as? Double).map { (step(record), $0) } }
                guard let first = values.first, let last = values.last else { continue }
                let best = values.max { $0.1 < $1.1 }!
                lines.append("  " + pad(label, 24) + pad(number(first.1), 13) + pad(number(last.1), 13)
                             + "\(number(best.1)) (\(best.0))")
            }
        }
        lines.append("")
        lines += filesSummary()
        if !noPlot {
            let path = plot ?? runDirectory + "/loss.svg"
            let series = terms.map { term in
                LossPlot.Series(name: term, points: records.map { (Double(step($0)), ($0["loss_" + term] as? Double) ?? .nan) })
            }
            let name = (runDirectory as NSString).standardizingPath
            let shown = name.count > 80 ? "…" + name.suffix(79) : name
            let svg = LossPlot(title: "Training loss — \(shown)", series: series, yScale: yScale).svg()
            try Data(svg.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            lines.append("  " + pad("loss plot", 24) + path)
            if !validations.isEmpty {
                let validationPath = (path as NSString).deletingLastPathComponent + "/validation.svg"
                let curves = [("SR PSNR-Y (dB)", "psnr_y"), ("bicubic PSNR-Y (dB)", "bicubic_psnr_y")].map { name, key in
                    LossPlot.Series(name: name, points: validations.map { (Double(step($0)), ($0["validation_" + key] as? Double) ?? .nan) })
                }
                let plot = LossPlot(title: "Held-out PSNR-Y — \(shown)", series: curves, yScale: .linear).svg()
                try Data(plot.utf8).write(to: URL(fileURLWithPath: validationPath), options: .atomic)
                lines.append("  " + pad("validation plot", 24) + validationPath)
            }
        }
        print(lines.joined(separator: "\n"))
    }

    /// Metrics records by step, the last record of a step winning (a resumed run logs the steps
    /// after its checkpoint again), the held-out scores (records of `validation_*`) by step
    /// likewise, and how many training records were replaced.
    static func records(_ path: String) throws -> (records: [[String: Any]], validations: [[String: Any]], replaced: Int) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var byStep: [Int: [String: Any]] = [:], validations: [Int: [String: Any]] = [:]
        var count = 0
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let step = object["step"] as? Int else {
                throw ValidationError("\(path): line \(number + 1) is not a metrics record")
            }
            if object.keys.contains(where: { $0.hasPrefix("validation_") }) {
                validations[step] = object
                continue
            }
            byStep[step] = object
            count += 1
        }
        return (byStep.keys.sorted().map { byStep[$0]! }, validations.keys.sorted().map { validations[$0]! }, count - byStep.count)
    }

    /// The names after `prefix` of the keys any record has, in the order first seen (loss terms
    /// in log order), since JSON objects keep none: pixel first, then alphabetical.
    static func keys(_ records: [[String: Any]], prefix: String) -> [String] {
        let names = Set(records.flatMap { $0.keys.filter { $0.hasPrefix(prefix) } }).map { String($0.dropFirst(prefix.count)) }
        let order = ["pixel", "perceptual", "feature_matching", "adversarial", "discriminator", "generator"]
        return names.sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
    }

    private func step(_ record: [String: Any]) -> Int { record["step"] as? Int ?? 0 }

    private func configurationSummary() -> String {
        let path = runDirectory + "/config.yaml"
        guard FileManager.default.fileExists(atPath: path) else { return " (no config.yaml)" }
        do {
            let c = try RunConfiguration.load(yamlPath: path)
            let g = c.generator.architecture
            return ": \(c.model.rawValue), generator \(c.generator.preset) \(g.inputSize)→\(g.outputSize), "
                + "global batch \(c.train.batchSize), max steps \(c.train.maxSteps.map(String.init) ?? "none") (config.yaml)"
        } catch {
            return " (config.yaml unreadable: \(error))"
        }
    }

    private func filesSummary() -> [String] {
        var lines: [String] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? []).sorted()
        let checkpoints = names.filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".h5") }
        if checkpoints.isEmpty { lines.append("  " + pad("checkpoints", 24) + "none") }
        for (index, name) in checkpoints.enumerated() {
            let detail: String
            do {
                let loaded = try Checkpoint.load(runDirectory + "/" + name)
                detail = "step \(loaded.position.step), epoch \(loaded.position.epoch), saved on \(loaded.worldSize) rank(s)"
            } catch {
                detail = "unreadable: \(error)"
            }
            lines.append("  " + pad(index == 0 ? "checkpoints" : "", 24) + "\(name) (\(detail))")
        }
        let samples = ((try? FileManager.default.contentsOfDirectory(atPath: runDirectory + "/samples")) ?? [])
            .filter { $0.hasPrefix("step-") && $0.hasSuffix(".png") }.sorted()
        if let newest = samples.last {
            lines.append("  " + pad("sample grids", 24) + "\(samples.count) in samples/, newest samples/\(newest)")
        }
        for path in EventFileReader.eventFiles(in: runDirectory) {
            let name = (path as NSString).lastPathComponent
            do {
                let events = try EventFileReader.events(atPath: path)
                let scalars = events.filter { $0.values.contains { $0.scalar != nil } }.count
                let images = events.filter { $0.values.contains { $0.image != nil } }.count
                lines.append("  " + pad("TensorBoard", 24) + "\(name) (\(events.count) events: \(scalars) of scalars, \(images) of images)")
            } catch {
                lines.append("  " + pad("TensorBoard", 24) + "\(name): \(error)")
            }
        }
        return lines
    }
}

extension LossPlot.YScale: ExpressibleByArgument {}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
}

/// Five significant digits, scientific below 1e-3.
private func number(_ value: Double) -> String {
    abs(value) >= 1e-3 || value == 0 ? String(format: "%.5g", value) : String(format: "%.3e", value)
}

private func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600) h \(s % 3600 / 60) min" : s >= 60 ? "\(s / 60) min \(s % 60) s" : "\(s) s"
}
