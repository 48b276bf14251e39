import Foundation

/// Charts drawn on the server as inline SVG (no script, no library): stacked daily bars and
/// sparklines. Colours come from the stylesheet through the series classes `s0`…`s5`.
enum SVGChart {
    /// One named series of values, one per label.
    struct Series {
        var name: String
        var values: [Double]
    }

    /// Stacked bars, one per label (day), with a legend and a tooltip per segment.
    /// - Parameter format: how a value reads in the axis label and tooltips.
    static func stackedBars(
        id: String, title: String, labels: [String], series: [Series], format: (Double) -> String
    ) -> String {
        let width = 760.0, height = 180.0, left = 56.0, bottom = 22.0, top = 10.0
        let count = max(labels.count, 1)
        var totals = [Double](repeating: 0, count: count)
        for line in series {
            for (index, value) in line.values.enumerated() where index < count { totals[index] += max(value, 0) }
        }
        let maximum = max(totals.max() ?? 0, 0)
        let scale = maximum > 0 ? (height - top - bottom) / maximum : 0
        let slot = (width - left - 8) / Double(count)
        let barWidth = max(slot * 0.75, 1)
        var out = "<figure><figcaption>\(HTML.escape(title))</figcaption>"
        out +=
            "<svg class=\"chart\" id=\"\(HTML.escape(id))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        out += "<text x=\"4\" y=\"\(Int(top + 8))\">\(HTML.escape(format(maximum)))</text>"
        out += "<text x=\"4\" y=\"\(Int(height - bottom))\">0</text>"
        out +=
            "<line x1=\"\(Int(left))\" y1=\"\(Int(height - bottom))\" x2=\"\(Int(width - 4))\" y2=\"\(Int(height - bottom))\" stroke=\"#b9c0cc\"/>"
        for index in 0..<count {
            var y = height - bottom
            let x = left + Double(index) * slot
            for (number, line) in series.enumerated() {
                let value = index < line.values.count ? max(line.values[index], 0) : 0
                guard value > 0 else { continue }
                let barHeight = max(value * scale, 1)
                y -= barHeight
                let label = index < labels.count ? labels[index] : ""
                out +=
                    "<rect class=\"s\(number % 6)\" x=\(attribute(x)) y=\(attribute(y)) width=\(attribute(barWidth)) height=\(attribute(barHeight))>"
                out += "<title>\(HTML.escape("\(label) \(line.name): \(format(value))"))</title></rect>"
            }
        }
        if let first = labels.first, let last = labels.last {
            out += "<text x=\"\(Int(left))\" y=\"\(Int(height - 6))\">\(HTML.escape(first))</text>"
            out += "<text x=\"\(Int(width - 70))\" y=\"\(Int(height - 6))\">\(HTML.escape(last))</text>"
        }
        out += "</svg>"
        if series.count > 1 || series.first.map({ !$0.name.isEmpty }) == true {
            out += "<div class=\"legend\">"
            for (number, line) in series.enumerated() {
                out += "<span><i class=\"s\(number % 6)\"></i>\(HTML.escape(line.name))</span>"
            }
            out += "</div>"
        }
        return out + "</figure>"
    }

    /// A small bar sparkline of `values` (one bar each), for table rows.
    static func sparkline(_ values: [Double], title: String) -> String {
        let width = 120.0, height = 24.0
        let maximum = values.max() ?? 0
        let slot = width / Double(max(values.count, 1))
        var out =
            "<svg class=\"spark\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        for (index, value) in values.enumerated() where value > 0 && maximum > 0 {
            let barHeight = max(value / maximum * height, 1)
            out +=
                "<rect fill=\"#2b5fd9\" x=\(attribute(Double(index) * slot)) y=\(attribute(height - barHeight)) width=\(attribute(max(slot - 1, 1))) height=\(attribute(barHeight))/>"
        }
        return out + "</svg>"
    }

    /// A meter for a budget: `used` of `limit`.
    static func meter(used: Double, limit: Double) -> String {
        let fraction = limit > 0 ? min(max(used / limit, 0), 1) : 1
        return
            "<svg class=\"meter\" viewBox=\"0 0 100 6\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"\(Int(fraction * 100))% used\">"
            + "<rect class=\"track\" x=\"0\" y=\"0\" width=\"100\" height=\"6\"/>"
            + "<rect class=\"used\" x=\"0\" y=\"0\" width=\(attribute(fraction * 100)) height=\"6\"/></svg>"
    }

    /// A number as a quoted attribute value with two decimals.
    private static func attribute(_ value: Double) -> String {
        "\"" + String(format: "%.2f", value.isFinite ? value : 0) + "\""
    }
}
