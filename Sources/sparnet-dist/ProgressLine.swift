import Foundation

/// A progress line for long commands: redrawn in place on a terminal (at most 5 times a
/// second); otherwise (a log file, a pipe) one plain line per tenth of the items, at most one a
/// second, and the final line, so logs stay short and readable.
final class ProgressLine {
    private let label: String
    private let total: Int
    private let unit: String
    private let start = Date()
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let plainEvery: Int
    private var lastDraw = Date.distantPast

    init(_ label: String, total: Int, unit: String = "images") {
        self.label = label
        self.total = total
        self.unit = unit
        plainEvery = max(total / 10, 1)
        if !isTerminal { lastDraw = start }
    }

    /// Reports that `done` of `total` items are finished.
    func update(_ done: Int) {
        let now = Date()
        if isTerminal {
            guard done == total || now.timeIntervalSince(lastDraw) > 0.2 else { return }
        } else {
            guard done == total || (done % plainEvery == 0 && now.timeIntervalSince(lastDraw) >= 1) else { return }
        }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = "\(label): \(done)/\(total) \(unit), \(String(format: "%.1f", rate)) \(unit)/s, "
            + (done == total ? "done in \(String(format: "%.1f", elapsed)) s" : "ETA \(String(format: "%.0f", eta)) s")
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + line + (isTerminal && done < total ? "" : "\n")).utf8))
    }
}
