import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// Tier 5: `sparnet-dist report` on a real short run and on hand-written metrics.
@Suite struct ReportCommandTests {
    /// The records of a metrics.jsonl, in file order.
    static func records(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// The SVG's polylines by series name, each as its (x, y) points (the SVG must parse as XML).
    static func polylines(_ svg: String) throws -> [String: [[(x: Double, y: Double)]]] {
        _ = try XMLDocument(data: Data(svg.utf8))
        var lines: [String: [[(x: Double, y: Double)]]] = [:]
        for match in svg.matches(of: /<polyline data-series="([^"]*)"[^>]*points="([^"]*)"/) {
            let points = match.output.2.split(separator: " ").map { pair in
                let xy = pair.split(separator: ",").map { Double($0)! }
                return (x: xy[0], y: xy[1])
            }
            lines[String(match.output.1), default: []].append(points)
        }
        return lines
    }

    /// The texts of the SVG's `text` elements.
    static func texts(_ svg: String) throws -> [String] {
        svg.matches(of: /<text[^>]*>([^<]*)<\/text>/).map { String($0.output.1) }
    }

    @Test func summarizesARealRunAndPlotsItsLoss() throws {
        let run = ShortRun.shared
        let result = try Command.run(Command.sparnetDist, ["report", run.runDirectory])
        #expect(result.status == 0, "\(result)")
        let output = result.output
        print(output)
        let records = try Self.records(run.runDirectory + "/metrics.jsonl")
        let losses = records.map { $0["loss_pixel"] as! Double }
        #expect(records.map { $0["step"] as! Int } == [2, 4, 6, 8, 10, 12])
        #expect(output.contains("run \(run.runDirectory): sparnet, generator tiny 32→32, global batch 4, max steps 12 (config.yaml)"), "\(output)")
        #expect(output.contains("steps 2 … 12 (6 records), epochs 0 … 0"), "\(output)")
        let lowest = losses.enumerated().min { $0.element < $1.element }!
        let fmt = { (v: Double) in v >= 1e-3 ? String(format: "%.5g", v) : String(format: "%.3e", v) }
        let pixelLine = output.split(separator: "\n").first { $0.hasPrefix("  pixel ") }.map(String.init) ?? ""
        #expect(pixelLine.split(separator: " ", omittingEmptySubsequences: true)
                == ["pixel", fmt(losses.first!), fmt(losses.last!), fmt(lowest.element), "(\(2 * (lowest.offset + 1)))"].map { Substring($0) },
                "\(pixelLine)")
        for fragment in ["images/s", "data wait", "communication wait", "learning rate generator 0.0002",
                         "checkpoint-00000008.h5 (step 8, epoch 0, saved on 1 rank(s))",
                         "checkpoint-00000012.h5 (step 12, epoch 0, saved on 1 rank(s))",
                         "2 in samples/, newest samples/step-00000012.png",
                         "(10 events: 6 of scalars, 2 of images)", "loss plot               \(run.runDirectory)/loss.svg"] {
            #expect(output.contains(fragment), "\(fragment): \(output)")
        }

        // The plot: one polyline of the 6 records inside the plot area, lower loss drawn higher.
        let svg = try String(contentsOfFile: run.runDirectory + "/loss.svg", encoding: .utf8)
        let lines = try Self.polylines(svg)
        #expect(Array(lines.keys) == ["pixel"])
        let points = try #require(lines["pixel"]?.first)
        #expect(lines["pixel"]!.count == 1 && points.count == 6)
        let frame = try #require(svg.firstMatch(of: /<rect x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)" fill="none"/))
        let (x0, y0) = (Double(frame.output.1)!, Double(frame.output.2)!)
        let (x1, y1) = (x0 + Double(frame.output.3)!, y0 + Double(frame.output.4)!)
        #expect(points.allSatisfy { (x0...x1).contains($0.x) && (y0...y1).contains($0.y) }, "\(points) outside \(frame.output)")
        #expect(points.contains { $0.x == x1 }, "the last step is at the right edge")
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.x < $1.x })
        for i in losses.indices {
            for j in losses.indices where losses[i] < losses[j] { #expect(points[i].y > points[j].y) }
        }
        let texts = try Self.texts(svg)
        #expect(texts.contains("Training loss — \(run.runDirectory)") && texts.contains("step"), "\(texts)")
        #expect(texts.contains { $0.hasPrefix("loss") } && texts.contains { $0.hasPrefix("pixel (last ") }, "\(texts)")
    }

    /// A SPARNetHD-like log written by hand: five terms of different sizes (a log axis), a
    /// non-finite record (a gap in the line) and steps logged again after a resume.
    @Test func termsOfDifferentSizesGetALogAxisAndGapsAndResumesAreHandled() throws {
        let directory = Fixtures.temporaryDirectory("report-hd")
        var lines: [String] = []
        for step in stride(from: 10, through: 100, by: 10) {
            let t = Double(step)
            var object: [String: Any] = ["step": step, "epoch": step / 50, "images_per_s": 3.5, "data_wait": 0.02,
                                         "communication_wait": 0.1, "time": 1.7e9 + t,
                                         "loss_pixel": 40 / t, "loss_perceptual": 2 - t / 100, "loss_feature_matching": 5 / t,
                                         "loss_adversarial": 0.9, "loss_discriminator": 1.2,
                                         "learning_rate_generator": 1e-4, "learning_rate_discriminator": 4e-4]
            if step == 50 { object["loss_pixel"] = nil }          // a non-finite loss is left out of the record
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        // A resume from step 80 logs 90 and 100 again; the later records win.
        lines.append(#"{"step": 90, "epoch": 1, "images_per_s": 3, "data_wait": 0, "communication_wait": 0, "loss_pixel": 0.5}"#)
        lines.append(#"{"step": 100, "epoch": 2, "images_per_s": 3, "data_wait": 0, "communication_wait": 0, "loss_pixel": 0.4}"#)
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/metrics.jsonl", atomically: true, encoding: .utf8)

        let result = try Command.run(Command.sparnetDist, ["report", directory, "--plot", directory + "/hd.svg"])
        #expect(result.status == 0, "\(result)")
        for fragment in ["(no config.yaml)", "steps 10 … 100 (10 records, 2 replaced after a resume)",
                         "1 record(s) non-finite", "checkpoints             none", "learning rate discriminator 0.0004"] {
            #expect(result.output.contains(fragment), "\(fragment): \(result)")
        }
        let pixelLine = result.output.split(separator: "\n").first { $0.hasPrefix("  pixel ") } ?? ""
        #expect(pixelLine.hasSuffix("0.4 (100)") && pixelLine.contains(" 4 "), "\(pixelLine)")   // first 40/10, last and lowest 0.4
        let order = ["pixel", "perceptual", "feature_matching", "adversarial", "discriminator"]
        let rows = result.output.split(separator: "\n").compactMap { line in order.first { line.hasPrefix("  \($0) ") } }
        #expect(rows == order, "terms in log order: \(result.output)")

        let svg = try String(contentsOfFile: directory + "/hd.svg", encoding: .utf8)
        #expect(!FileManager.default.fileExists(atPath: directory + "/loss.svg"))
        let polylines = try Self.polylines(svg)
        #expect(Set(polylines.keys) == Set(order))
        #expect(polylines["pixel"]!.map(\.count) == [4, 5], "the non-finite record at step 50 splits the line")
        let texts = try Self.texts(svg)
        #expect(texts.contains("loss (log scale)") && texts.contains("0.1") && texts.contains("1") && texts.contains("10"), "\(texts)")
        // On a log axis equal ratios are equal distances: pixel = 40/step halves from step 20 to 40.
        let pixel = polylines["pixel"]![0]
        #expect(abs((pixel[3].y - pixel[1].y) - (pixel[1].y - pixel[0].y)) < 0.2, "\(pixel)")

        let linear = try Command.run(Command.sparnetDist, ["report", directory, "--y-scale", "linear", "--plot", directory + "/linear.svg"])
        let linearTexts = try Self.texts(String(contentsOfFile: directory + "/linear.svg", encoding: .utf8))
        #expect(linear.status == 0 && linearTexts.contains("loss") && !linearTexts.contains("loss (log scale)"), "\(linear)")
        let none = try Command.run(Command.sparnetDist, ["report", directory, "--no-plot"])
        #expect(none.status == 0 && !none.output.contains("loss plot"), "\(none)")
    }

    @Test func whatIsNotARunIsOneClearLine() throws {
        let empty = Fixtures.temporaryDirectory("report-empty")
        let missing = try Command.run(Command.sparnetDist, ["report", empty])
        #expect(missing.status == 64, "\(missing)")
        #expect(missing.errors == "error: \(empty) holds no metrics.jsonl: not a run directory of train (see 'sparnet-dist report --help')\n",
                "\(missing)")
        try "{\"step\": 1}\nnot json\n".write(toFile: empty + "/metrics.jsonl", atomically: true, encoding: .utf8)
        let corrupt = try Command.run(Command.sparnetDist, ["report", empty])
        #expect(corrupt.status == 64 && corrupt.errors.contains("metrics.jsonl: line 2 is not a metrics record"), "\(corrupt)")
        #expect(corrupt.errors.split(separator: "\n").count == 1, "\(corrupt)")
    }
}
