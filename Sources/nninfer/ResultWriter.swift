import ArgumentParser
import Foundation

/// How `classify` prints its results.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// A line with the file, then one indented line per class: probability, index, label.
    case text
    /// One JSON object per file and line: `{"file": ..., "top": [{"index", "label", "probability"}]}`.
    case json
    /// A header row, then one row per file and rank: `file,rank,index,label,probability`.
    case csv
}

/// One class of a file's top-k.
struct Prediction: Equatable, Sendable {
    var index: Int
    var label: String?
    var probability: Float
}

/// Formats results for standard output.
struct ResultWriter {
    let format: OutputFormat
    /// Digits of the largest class index, to align the text format's index column.
    let indexWidth: Int

    static let csvColumns = ["file", "rank", "index", "label", "probability"]

    init(format: OutputFormat, classes: Int) {
        self.format = format
        indexWidth = String(max(classes - 1, 0)).count
    }

    /// What goes before the first result (the CSV header).
    var header: String? { format == .csv ? Self.csvColumns.joined(separator: ",") + "\n" : nil }

    /// The text for one file, ending in a newline.
    func render(file: String, top: [Prediction]) -> String {
        switch format {
        case .text:
            var out = file + "\n"
            for p in top {
                let index = String(p.index)
                out += "  " + String(format: "%.4f", Double(p.probability)) + "  "
                out += String(repeating: " ", count: max(0, indexWidth - index.count)) + index
                if let label = p.label { out += "  " + label }
                out += "\n"
            }
            return out
        case .json:
            let top = top.map { p in
                JSONValue.object([("index", .int(p.index)), ("label", .optional(p.label)), ("probability", .float(p.probability))])
            }
            return JSONValue.object([("file", .string(file)), ("top", .array(top))]).compact + "\n"
        case .csv:
            return top.enumerated().map { rank, p in
                [Self.csvField(file), String(rank + 1), String(p.index), Self.csvField(p.label ?? ""), p.probability.description]
                    .joined(separator: ",") + "\n"
            }.joined()
        }
    }

    /// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
