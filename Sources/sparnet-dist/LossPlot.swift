import Foundation

/// A line plot of loss curves as a self-contained SVG: one polyline per series against the
/// step, a log-scale y axis when every value is positive and they span a factor of 5 or more
/// (several terms of different sizes, or a loss that falls fast and then slowly), grid lines
/// at the ticks and a legend with each series' last value.
struct LossPlot {
    /// One curve: (step, value) points in step order; a non-finite value breaks the line.
    struct Series {
        var name: String
        var points: [(step: Double, value: Double)]
    }

    enum YScale: String, CaseIterable {
        case auto, log, linear
    }

    var title: String
    var series: [Series]
    var yScale = YScale.auto
    let width = 820.0, height = 460.0
    private let left = 78.0, top = 44.0, bottom = 54.0

    /// Tableau 10: distinguishable, and readable on white.
    private static let colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// Whether the y axis is logarithmic for these values under `yScale`.
    var usesLogScale: Bool {
        let values = series.flatMap { $0.points.map(\.value) }.filter(\.isFinite)
        guard let low = values.min(), let high = values.max(), low > 0 else { return false }
        switch yScale {
        case .log: return true
        case .linear: return false
        case .auto: return high / low >= 5
        }
    }

    func svg() -> String {
        let finite = series.flatMap { $0.points }.filter { $0.value.isFinite }
        let steps = finite.map(\.step), values = finite.map(\.value)
        let log = usesLogScale
        var (xLow, xHigh) = (steps.min() ?? 0, steps.max() ?? 1)
        if xHigh <= xLow { (xLow, xHigh) = (xLow - 1, xHigh + 1) }
        if xLow > 0 && xLow <= 0.1 * xHigh { xLow = 0 }   // the first record of a run from scratch
        let xTicks = Self.linearTicks(xLow, xHigh)
        let yTicks: [Double]
        var (yLow, yHigh) = (values.min() ?? 0, values.max() ?? 1)
        if log {
            (yLow, yHigh) = (pow(10, floor(log10(yLow))), pow(10, ceil(log10(yHigh))))
            if yHigh <= yLow { yHigh = yLow * 10 }
            yTicks = Self.logTicks(yLow, yHigh)
        } else {
            if yHigh <= yLow { (yLow, yHigh) = (yLow - 1, yHigh + 1) }
            let ticks = Self.linearTicks(yLow, yHigh)
            let spacing = ticks.count > 1 ? ticks[1] - ticks[0] : 1
            (yLow, yHigh) = (floor(yLow / spacing) * spacing, ceil(yHigh / spacing) * spacing)
            yTicks = Self.linearTicks(yLow, yHigh)
        }
        // The legend's width: about 7 px per character of its longest label at 12 px.
        let legends = series.map { curve in
            curve.name + (curve.points.last { $0.value.isFinite }.map { " (last " + Self.valueLabel($0.value) + ")" } ?? "")
        }
        let right = min(width / 2, 70 + 7 * Double(legends.map(\.count).max() ?? 0))
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ step: Double) -> Double { left + (step - xLow) / (xHigh - xLow) * plotWidth }
        func y(_ value: Double) -> Double {
            let t = log ? (log10(value) - log10(yLow)) / (log10(yHigh) - log10(yLow)) : (value - yLow) / (yHigh - yLow)
            return top + (1 - t) * plotHeight
        }
        func n(_ v: Double) -> String { String(format: "%.1f", v) }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(n(width / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(escaped(title))</text>

            """
        out += "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n"
        for tick in xTicks where tick >= xLow && tick <= xHigh {
            out += "<line x1=\"\(n(x(tick)))\" y1=\"\(n(top))\" x2=\"\(n(x(tick)))\" y2=\"\(n(top + plotHeight))\"/>\n"
        }
        for tick in yTicks {
            out += "<line x1=\"\(n(left))\" y1=\"\(n(y(tick)))\" x2=\"\(n(left + plotWidth))\" y2=\"\(n(y(tick)))\"/>\n"
        }
        out += "</g>\n<g class=\"axes\" fill=\"#333\">\n"
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotWidth))\" height=\"\(n(plotHeight))\" fill=\"none\" stroke=\"#888\"/>\n"
        for tick in xTicks where tick >= xLow && tick <= xHigh {
            out += "<text x=\"\(n(x(tick)))\" y=\"\(n(top + plotHeight + 17))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        for tick in yTicks {
            out += "<text x=\"\(n(left - 7))\" y=\"\(n(y(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
        }
        out += "<text x=\"\(n(left + plotWidth / 2))\" y=\"\(n(height - 12))\" text-anchor=\"middle\">step</text>\n"
        out += "<text transform=\"translate(18 \(n(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">"
            + "loss\(log ? " (log scale)" : "")</text>\n</g>\n"

        out += "<g class=\"series\" fill=\"none\" stroke-width=\"1.8\" stroke-linejoin=\"round\" stroke-linecap=\"round\">\n"
        for (index, curve) in series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            // Runs of finite (positive, on a log axis) values, each one polyline.
            var runs: [[(step: Double, value: Double)]] = [[]]
            for point in curve.points {
                if point.value.isFinite && (!log || point.value > 0) { runs[runs.count - 1].append(point) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                if run.count == 1 {
                    out += "<circle data-series=\"\(escaped(curve.name))\" cx=\"\(n(x(run[0].step)))\" cy=\"\(n(y(run[0].value)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
                } else {
                    let points = run.map { "\(n(x($0.step))),\(n(y($0.value)))" }.joined(separator: " ")
                    out += "<polyline data-series=\"\(escaped(curve.name))\" stroke=\"\(color)\" points=\"\(points)\"/>\n"
                }
            }
        }
        out += "</g>\n<g class=\"legend\">\n"
        for (index, curve) in series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let rowY = top + 10 + Double(index) * 20
            out += "<line x1=\"\(n(width - right + 16))\" y1=\"\(n(rowY))\" x2=\"\(n(width - right + 40))\" y2=\"\(n(rowY))\" "
                + "stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            out += "<text x=\"\(n(width - right + 46))\" y=\"\(n(rowY + 4))\">\(escaped(legends[index]))</text>\n"
        }
        out += "</g>\n</svg>\n"
        return out
    }

    /// About five round ticks (multiples of 1, 2 or 5 × 10^k) covering low…high.
    static func linearTicks(_ low: Double, _ high: Double) -> [Double] {
        let rough = (high - low) / 5
        let magnitude = pow(10, floor(log10(rough)))
        let spacing = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = ceil(low / spacing - 1e-9)
        return (0...Int(((high - first * spacing) / spacing + 1e-9).rounded(.down))).map { (first + Double($0)) * spacing }
    }

    /// Decades from low to high (both powers of ten); with 2 and 5 between them over two
    /// decades or fewer, every other decade over eight.
    static func logTicks(_ low: Double, _ high: Double) -> [Double] {
        let first = Int(log10(low).rounded()), last = Int(log10(high).rounded())
        let decades = last - first
        if decades <= 2 {
            return (first...last).flatMap { k -> [Double] in
                let base = pow(10, Double(k))
                return k == last ? [base] : [base, 2 * base, 5 * base]
            }
        }
        return stride(from: first, through: last, by: decades > 8 ? 2 : 1).map { pow(10, Double($0)) }
    }

    /// A tick label: plain digits from 0.001 to 99999, else scientific.
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e5 {
            var text = String(format: "%.6f", value)
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
        return String(format: "%.0e", value)
    }

    /// A value for the legend, four significant digits.
    static func valueLabel(_ value: Double) -> String { String(format: "%.4g", value) }
}

/// `text` with XML's special characters escaped.
func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
