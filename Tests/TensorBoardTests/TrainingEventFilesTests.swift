import Foundation
import Imaging
import TensorBoard
import Testing
import TestSupport

/// `sparnet-dist train` with `log.tensorboard: true`: the event file it leaves, read back with our
/// reader (every record's CRCs) and, when the `tensorboard` Python package is importable, with
/// TensorBoard's own EventAccumulator.
@Suite(.serialized) struct TrainingEventFilesTests {
    static let steps = 4
    static let imagesEvery = 2

    /// A 4-step run of the debug config (batch 4, a record every step, images every 2 steps).
    static let run: (directory: String, result: Outcome) = {
        let directory = Fixtures.temporaryDirectory("events-train")
        let data = directory + "/faces.h5"
        let prepared = try! Command.run(Command.sparnetDist, ["prepare", "--synthetic", "16", "--size", "32", "--out", data])
        precondition(prepared.status == 0, "\(prepared)")
        let config = Fixtures.repositoryRoot.appendingPathComponent("Configs/debug.yaml").path
        let result = try! Command.run(Command.sparnetDist, [
            "train", "--config", config, "--data", data, "--run-dir", directory + "/run", "--debug",
            "--steps", "\(steps)", "--set", "log.tensorboard=true", "--set", "log.images_every_steps=\(imagesEvery)",
        ])
        return (directory + "/run", Outcome(result))
    }()

    /// What a command left, as the tests share it.
    struct Outcome: Sendable, CustomStringConvertible {
        let status: Int32
        let output: String
        let description: String
        init(_ result: Command.Result) { (status, output, description) = (result.status, result.output, "\(result)") }
    }

    static let scalarTags: Set<String> = ["loss/pixel", "learning_rate/generator", "throughput/images_per_s",
                                          "wait/data_fraction", "wait/communication_fraction"]

    @Test func ourReaderFindsEveryScalarAndImage() throws {
        let (directory, result) = Self.run
        #expect(result.status == 0, "\(result)")
        let files = EventFileReader.eventFiles(in: directory)
        try #require(files.count == 1, "\(files)")
        #expect((files[0] as NSString).lastPathComponent.hasPrefix("events.out.tfevents."))
        #expect(result.output.contains("TensorBoard events: \(files[0])"), "\(result)")
        let events = try EventFileReader.events(atPath: files[0])   // checks both CRCs of every record
        #expect(events.first?.fileVersion == "brain.Event:2")
        #expect(events.dropFirst().first == Event(wallTime: events[1].wallTime, step: 1, sessionStatus: .start))

        // One event of scalars per logged step, with the values metrics.jsonl holds.
        let metrics = try String(contentsOfFile: directory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let scalarEvents = events.filter { $0.values.contains { $0.scalar != nil } }
        #expect(scalarEvents.map(\.step) == (1...Int64(Self.steps)).map { $0 })
        for (event, record) in zip(scalarEvents, metrics) {
            let values = Dictionary(uniqueKeysWithValues: event.values.map { ($0.tag, $0.scalar!) })
            #expect(Set(values.keys) == Self.scalarTags, "step \(event.step)")
            #expect(values["loss/pixel"] == Float(record["loss_pixel"] as! Double))
            #expect(values["learning_rate/generator"] == Float(2e-4))
            #expect(values["throughput/images_per_s"] == Float(record["images_per_s"] as! Double))
            #expect(values["wait/data_fraction"] == Float(record["data_wait"] as! Double))
            #expect(values["wait/communication_fraction"] == Float(record["communication_wait"] as! Double))
            #expect(event.wallTime > 1.6e9)
        }

        // Images every 2 steps: the LR-up | SR | HR grid and a few blocks' attention maps, as PNGs
        // of the size the summary states; the grid is also the PNG written to samples/.
        let imageEvents = events.filter { $0.values.contains { $0.image != nil } }
        #expect(imageEvents.map(\.step) == stride(from: Self.imagesEvery, through: Self.steps, by: Self.imagesEvery).map { Int64($0) })
        for event in imageEvents {
            let tags = event.values.map(\.tag)
            #expect(tags.first == "samples/lr_up_sr_hr")
            let attention = tags.filter { $0.hasPrefix("attention/") }
            #expect((1...4).contains(attention.count) && attention.count == tags.count - 1, "\(tags)")
            for value in event.values {
                let image = try #require(value.image)
                let decoded = try RGBImage(decoding: image.encoded)
                #expect(decoded.width == image.width && decoded.height == image.height && image.colorspace == 3, "\(value.tag)")
            }
            // 4 samples of 32² shown at 128² (×4), 3 columns, 4-pixel padding.
            let grid = try RGBImage(decoding: event.values[0].image!.encoded)
            #expect(grid.width == 3 * 128 + 4 * 4 && grid.height == 4 * 128 + 5 * 4)
            let file = directory + String(format: "/samples/step-%08lld.png", event.step)
            #expect(try RGBImage(contentsOfFile: file) == grid)
            #expect(FileManager.default.fileExists(atPath: directory + String(format: "/samples/attention-%08lld.png", event.step)))
        }
    }

    /// The `python3` on PATH, when it can import tensorboard.
    static let python: String? = {
        guard let python = Command.locate("python3"),
              let result = try? Command.run(python, ["-c", "import tensorboard"], timeout: 60), result.status == 0 else { return nil }
        return python
    }()

    @Test(.enabled(if: python != nil, "the tensorboard Python package is not importable by python3 on PATH"))
    func tensorBoardsEventAccumulatorReadsTheRun() throws {
        let (directory, result) = Self.run
        #expect(result.status == 0, "\(result)")
        let script = """
            import json, sys
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            accumulator = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "images": 0})
            accumulator.Reload()
            tags = accumulator.Tags()
            print(json.dumps({
                "scalars": {t: [[e.step, e.value] for e in accumulator.Scalars(t)] for t in tags["scalars"]},
                "images": {t: [[e.step, e.width, e.height, e.encoded_image_string.hex()] for e in accumulator.Images(t)]
                           for t in tags["images"]}}))
            """
        let read = try Command.run(Self.python!, ["-c", script, directory], timeout: 120)
        try #require(read.status == 0, "\(read)")
        let json = try JSONSerialization.jsonObject(with: Data(read.output.split(separator: "\n").last!.utf8)) as! [String: [String: [[Any]]]]
        let scalars = json["scalars"]!, images = json["images"]!
        #expect(Set(scalars.keys) == Self.scalarTags, "\(scalars.keys)")
        let events = try EventFileReader.events(atPath: EventFileReader.eventFiles(in: directory)[0])
        var compared = 0
        for event in events {
            for value in event.values {
                guard let scalar = value.scalar else { continue }
                let row = scalars[value.tag]?.first { ($0[0] as? Int) == Int(event.step) }
                #expect((row?[1] as? Double).map(Float.init) == scalar, "\(value.tag) at step \(event.step)")
                compared += 1
            }
        }
        #expect(compared == Self.scalarTags.count * Self.steps)
        #expect(images["samples/lr_up_sr_hr"]?.map { $0[0] as! Int } == [2, 4], "\(images.keys)")
        for (tag, rows) in images {
            for row in rows {
                let png = hexBytes(row[3] as! String)
                let decoded = try RGBImage(decoding: png)
                #expect(decoded.width == row[1] as! Int && decoded.height == row[2] as! Int, "\(tag)")
            }
        }
        print("tensorboard EventAccumulator: scalars \(scalars.keys.sorted()), images \(images.keys.sorted())")
    }

    /// A run interrupted after logging steps its last checkpoint does not hold, then resumed:
    /// the new event file starts with a session start at the first step to come, so TensorBoard
    /// shows each step once, with the resumed run's values.
    @Test(.enabled(if: python != nil, "the tensorboard Python package is not importable by python3 on PATH"))
    func aResumedRunShowsEachStepOnceInTensorBoard() throws {
        let directory = Fixtures.temporaryDirectory("events-resume")
        let config = Fixtures.repositoryRoot.appendingPathComponent("Configs/debug.yaml").path
        let data = directory + "/faces.h5"
        #expect(try Command.run(Command.sparnetDist, ["prepare", "--synthetic", "16", "--size", "32", "--out", data]).status == 0)
        let common = ["train", "--config", config, "--data", data, "--run-dir", directory + "/run", "--debug", "--steps", "4",
                      "--set", "log.tensorboard=true", "--set", "checkpoint.every_steps=2", "--set", "checkpoint.keep=3",
                      "--set", "train.seed=7"]
        #expect(try Command.run(Command.sparnetDist, common).status == 0)
        // As if the run had died after logging steps 3 and 4 but before checkpoint 4 was written.
        try FileManager.default.removeItem(atPath: directory + "/run/checkpoint-00000004.h5")
        let metrics = directory + "/run/metrics.jsonl"
        try FileManager.default.removeItem(atPath: metrics)   // to hold the resumed run's records only
        Thread.sleep(forTimeInterval: 1.1)    // a new second: a new event file name (a clash is also handled)
        let resumed = try Command.run(Command.sparnetDist, common + ["--resume", "auto"])
        #expect(resumed.status == 0 && resumed.output.contains("at step 2"), "\(resumed)")

        let files = EventFileReader.eventFiles(in: directory + "/run")
        try #require(files.count == 2, "\(files)")
        let second = try EventFileReader.events(atPath: files[1])
        #expect(second[1].sessionStatus == .start && second[1].step == 3)
        let script = """
            import json, sys
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            accumulator = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
            accumulator.Reload()
            print(json.dumps([[e.step, e.value] for e in accumulator.Scalars("loss/pixel")]))
            """
        let read = try Command.run(Self.python!, ["-c", script, directory + "/run"], timeout: 120)
        try #require(read.status == 0, "\(read)")
        let rows = try JSONSerialization.jsonObject(with: Data(read.output.split(separator: "\n").last!.utf8)) as! [[Double]]
        #expect(rows.map { Int($0[0]) } == [1, 2, 3, 4], "\(rows)")
        let resumedLosses = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["loss_pixel"] as! Double
        }
        #expect(rows.suffix(2).map { Float($0[1]) } == resumedLosses.map(Float.init), "steps 3 and 4 are the resumed run's")
    }
}
