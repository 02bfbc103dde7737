import Foundation
import ArgumentParser
import NNFormat

/// The flags that override each piece of the model's `nninfer.preprocess` metadata; shared by
/// `classify` and `annotate`.
struct PreprocessOptions: ParsableArguments {
    @Option(help: "Input channels: gray, rgb or bgr.")
    var color: String?
    @Option(help: ArgumentHelp("Input size as WIDTHxHEIGHT (or one number for a square).", valueName: "WxH"))
    var size: String?
    @Option(help: "How images reach that size: stretch, shorter_side_crop, center_crop or none.")
    var resize: String?
    @Option(name: .customLong("resize-shorter"), help: ArgumentHelp("Shorter-side length before the crop (shorter_side_crop).", valueName: "N"))
    var resizeShorter: Int?
    @Option(help: ArgumentHelp("Factor applied to 0-255 pixel values first, e.g. 0.00392 or 1/255.", valueName: "F"))
    var scale: String?
    @Option(help: ArgumentHelp("Mean subtracted after scaling: one value or one per channel.", valueName: "a,b,c"))
    var mean: String?
    @Option(help: ArgumentHelp("Standard deviation divided by last: one value or one per channel.", valueName: "a,b,c"))
    var std: String?
    @Option(help: "Tensor layout: NCHW or NHWC.")
    var layout: String?

    /// Whether any preprocessing flag was given.
    var isEmpty: Bool {
        color == nil && size == nil && resize == nil && resizeShorter == nil && scale == nil && mean == nil && std == nil && layout == nil
    }

    /// `base` with every flag that was given applied; errors name the flag.
    func applied(to base: InputPreprocessing) throws -> InputPreprocessing {
        var p = base
        if let color {
            guard ["gray", "rgb", "bgr"].contains(color.lowercased()) else { throw usage("--color '\(color)': expected gray, rgb or bgr") }
            p.color = color.lowercased()
        }
        if let size {
            let (w, h) = try Self.parseSize(size)
            p.width = w
            p.height = h
        }
        if let resize {
            let r = resize.lowercased().replacingOccurrences(of: "-", with: "_")
            guard Self.resizePolicies.contains(r) else {
                throw usage("--resize '\(resize)': expected \(Self.resizePolicies.joined(separator: ", "))")
            }
            p.resize = r
        }
        if let resizeShorter {
            guard resizeShorter >= 1 else { throw usage("--resize-shorter must be at least 1") }
            p.resizeShorter = resizeShorter
            if resize == nil { p.resize = "shorter_side_crop" }
        }
        if let scale { p.scale = try Self.parseScale(scale) }
        if let mean { p.mean = try Self.parseList(mean, flag: "--mean") }
        if let std {
            p.std = try Self.parseList(std, flag: "--std")
            guard p.std.allSatisfy({ $0 != 0 }) else { throw usage("--std must not contain 0") }
        }
        if let layout {
            guard ["NCHW", "NHWC"].contains(layout.uppercased()) else { throw usage("--layout '\(layout)': expected NCHW or NHWC") }
            p.layout = layout.uppercased()
        }
        return p
    }

    static let resizePolicies = ["stretch", "shorter_side_crop", "center_crop", "none"]

    private func usage(_ message: String) -> CLIError { CLIError(message: message) }

    /// `32x24` → (32, 24); `28` → (28, 28).
    static func parseSize(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == parts.count, (1...2).contains(numbers.count), numbers.allSatisfy({ (1...65536).contains($0) }) else {
            throw CLIError(message: "--size '\(text)': expected WIDTHxHEIGHT such as 224x224 (1 to 65536 each)")
        }
        return (numbers[0], numbers.count == 2 ? numbers[1] : numbers[0])
    }

    /// `0.5`, `1/255`.
    static func parseScale(_ text: String) throws -> Float {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let values = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, (1...2).contains(values.count), values.allSatisfy(\.isFinite),
              values.count == 1 || values[1] != 0 else {
            throw CLIError(message: "--scale '\(text)': expected a number such as 0.00392 or a fraction such as 1/255")
        }
        return Float(values.count == 2 ? values[0] / values[1] : values[0])
    }

    /// `0.485,0.456,0.406` → three floats.
    static func parseList(_ text: String, flag: String) throws -> [Float] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, values.count == 1 || values.count == 3, values.allSatisfy(\.isFinite) else {
            throw CLIError(message: "\(flag) '\(text)': expected one number or three separated by commas")
        }
        return values
    }
}
