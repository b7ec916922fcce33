import Foundation
import Testing
import TestSupport

/// Long commands print progress to standard error; when it is not a terminal (a log file, as
/// here) that is a few plain lines (one per tenth of the work at most, and the last), with no
/// carriage returns or terminal escapes.
@Suite struct ProgressOutputTests {
    static func checkPlain(_ errors: String, label: String, total: Int, unit: String = "images") {
        #expect(!errors.contains("\r") && !errors.contains("\u{1B}"), "terminal control in a log: \(errors.debugDescription)")
        let lines = errors.split(separator: "\n").filter { $0.hasPrefix(label + ": ") }
        #expect((1...11).contains(lines.count), "\(lines.count) progress lines: \(errors)")
        #expect(lines.last?.hasPrefix("\(label): \(total)/\(total) \(unit)") == true && lines.last?.contains("done in") == true,
                "\(errors)")
        for line in lines.dropLast() { #expect(line.contains("ETA"), "\(line)") }
    }

    @Test func prepareEvalAndEnhanceOfAFolder() throws {
        let run = ShortRun.shared
        let directory = Fixtures.temporaryDirectory("progress")
        let prepared = try Command.run(Command.sparnetDist, ["prepare", "--synthetic", "3000", "--size", "32", "--out", directory + "/many.h5"])
        #expect(prepared.status == 0, "\(prepared)")
        Self.checkPlain(prepared.errors, label: "prepare \(directory)/many.h5", total: 3000)

        let evaluated = try Command.run(Command.sparnetDist, ["eval", "--weights", run.weights, "--data", run.heldOutData])
        #expect(evaluated.status == 0 && evaluated.output.contains("24 image(s)"), "\(evaluated)")
        Self.checkPlain(evaluated.errors, label: "eval", total: 24)

        // A folder of 12 faces: the held-out set previewed one by one.
        try FileManager.default.createDirectory(atPath: directory + "/faces", withIntermediateDirectories: true)
        let preview = try Command.run(Command.sparnetDist, ["prepare", "--preview", "1", "--data", run.heldOutData, "--out", directory + "/faces/a.png"])
        #expect(preview.status == 0, "\(preview)")
        for i in 1..<12 { try FileManager.default.copyItem(atPath: directory + "/faces/a.png", toPath: directory + "/faces/\(i).png") }
        let enhanced = try Command.run(Command.sparnetDist, ["enhance", "--weights", run.weights, "--input", directory + "/faces",
                                                             "--output", directory + "/enhanced"])
        #expect(enhanced.status == 0 && enhanced.output.contains("wrote 12 images"), "\(enhanced)")
        Self.checkPlain(enhanced.errors, label: "enhance", total: 12)

        // train: one line per log.every_steps steps (here 2, of 12 steps).
        let steps = run.trainingOutput.split(separator: "\n").filter { $0.hasPrefix("step ") }
        #expect(steps.map { $0.split(separator: " ")[1] } == ["2/12", "4/12", "6/12", "8/12", "10/12", "12/12"], "\(run.trainingOutput)")
    }
}
