import NNFormat
import NNImage

/// The preprocessing `classify` applies (and `annotate` stores): the model's `nninfer.preprocess`
/// metadata, else what its input shape implies, with the flags applied on top.
struct ResolvedPreprocessing {
    /// The metadata form (strings), as `annotate` stores it.
    var stored: InputPreprocessing
    /// The NNImage form the pipeline runs.
    var preprocessing: Preprocessing
    /// What was assumed because the model does not say, for a note on stderr.
    var note: String?
}

enum PreprocessingResolver {
    /// Resolves the preprocessing for the model input declared with `shape`.
    ///
    /// - Parameters:
    ///   - metadata: The model's `nninfer.preprocess`, if any.
    ///   - shape: The declared input shape (`[N, C, H, W]` or `[N, H, W, C]`).
    ///   - flags: Overrides.
    ///   - model: The model path, for messages.
    static func resolve(metadata: InputPreprocessing?, shape: [NNFormat.Dimension], flags: PreprocessOptions, model: String) throws -> ResolvedPreprocessing {
        var notes: [String] = []
        let base: InputPreprocessing
        if let metadata {
            base = metadata
        } else {
            base = try inferred(from: shape, flags: flags, model: model)
        }
        var stored = try flags.applied(to: base)
        if stored.resize == "shorter_side_crop", stored.resizeShorter == nil {
            // torchvision's usual ratio: Resize(256) before CenterCrop(224).
            stored.resizeShorter = Int((Double(min(stored.width, stored.height)) * 256 / 224).rounded())
            notes.append("resize_shorter is not given; using \(stored.resizeShorter ?? 0) (256/224 of the crop)")
        }
        let preprocessing = try convert(stored, model: model)
        try check(preprocessing, against: shape, model: model)
        if metadata == nil, !flags.specifiesEverything {
            let dims = "[" + shape.map(\.description).joined(separator: ", ") + "]"
            notes.insert(
                "\(model) has no \(ModelMetadata.Key.preprocess) metadata; using its input shape \(dims) and the flags: "
                    + summary(stored)
                    + " (override with --color, --size, --resize, --scale, --mean, --std, --layout; store with `nninfer annotate`)",
                at: 0)
        }
        return ResolvedPreprocessing(stored: stored, preprocessing: preprocessing, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// One line: `gray 28x28, resize stretch, scale 1/255, mean 0, std 1, NCHW`.
    static func summary(_ p: InputPreprocessing) -> String {
        var resize = p.resize
        if p.resize == "shorter_side_crop", let s = p.resizeShorter { resize += " \(s)" }
        return "\(p.color) \(p.width)x\(p.height), resize \(resize), scale \(scaleText(p.scale)), mean \(list(p.mean)), std \(list(p.std)), \(p.layout)"
    }

    static func scaleText(_ s: Float) -> String { s == Float(1.0 / 255.0) ? "1/255" : "\(s)" }
    private static func list(_ v: [Float]) -> String { v.map { $0 == $0.rounded() ? String(Int($0)) : "\($0)" }.joined(separator: ",") }

    /// Defaults for a model without metadata: channels and size from the input shape, stretch,
    /// scale 1/255, mean 0, std 1.
    static func inferred(from shape: [NNFormat.Dimension], flags: PreprocessOptions, model: String) throws -> InputPreprocessing {
        func value(_ d: NNFormat.Dimension) -> Int? { if case .value(let v) = d { return v } else { return nil } }
        var layout = flags.layout?.uppercased() ?? "NCHW"
        var channels: Int?, height: Int?, width: Int?
        if shape.count == 4 {
            let second = value(shape[1]), last = value(shape[3])
            if flags.layout == nil, second.map({ [1, 3].contains($0) }) != true, last.map({ [1, 3].contains($0) }) == true {
                layout = "NHWC"
            }
            if layout == "NHWC" {
                (height, width, channels) = (value(shape[1]), value(shape[2]), last)
            } else {
                (channels, height, width) = (second, value(shape[2]), last)
            }
        }
        let dims = "[" + shape.map(\.description).joined(separator: ", ") + "]"
        let color: String? = channels == 1 ? "gray" : channels == 3 ? "rgb" : nil
        guard color != nil || flags.color != nil else {
            throw CLIError(message: "\(model): cannot tell the image channels from the input shape \(dims); give --color and --size (or store them with `nninfer annotate`)")
        }
        guard let width, let height else {
            guard flags.size != nil else {
                throw CLIError(message: "\(model): the input shape \(dims) does not fix the image size; give --size WxH (or store it with `nninfer annotate`)")
            }
            return InputPreprocessing(color: color ?? "rgb", width: 1, height: 1, layout: layout)
        }
        return InputPreprocessing(color: color ?? "rgb", width: width, height: height, layout: layout)
    }

    /// The NNImage form of the metadata form; errors name the model and the bad value.
    static func convert(_ p: InputPreprocessing, model: String) throws -> Preprocessing {
        func bad(_ detail: String) -> CLIError { CLIError(message: "\(model): preprocessing: \(detail)") }
        guard let color = ColorMode(rawValue: p.color.lowercased()) else { throw bad("color '\(p.color)' is not gray, rgb or bgr") }
        let resize: ResizePolicy
        switch p.resize.lowercased() {
        case "stretch": resize = .stretch
        case "shorter_side_crop": resize = .shorterSideCrop(resizeTo: p.resizeShorter ?? min(p.width, p.height))
        case "center_crop": resize = .centerCrop
        case "none": resize = .exact
        default: throw bad("resize '\(p.resize)' is not one of \(PreprocessOptions.resizePolicies.joined(separator: ", "))")
        }
        let layout: TensorLayout
        switch p.layout.uppercased() {
        case "NCHW": layout = .nchw
        case "NHWC": layout = .nhwc
        default: throw bad("layout '\(p.layout)' is not NCHW or NHWC")
        }
        let result = Preprocessing(
            colorMode: color, width: p.width, height: p.height, resize: resize, scale: p.scale, mean: p.mean, std: p.std, layout: layout)
        do {
            try result.validate()
        } catch {
            throw bad("\(error)")
        }
        return result
    }

    /// Refuses preprocessing whose tensors cannot feed an input declared with `shape`.
    static func check(_ p: Preprocessing, against shape: [NNFormat.Dimension], model: String) throws {
        guard !shape.isEmpty else { return }
        let produced = p.shape(batch: 1)
        var fits = shape.count == produced.count
        if fits {
            for (d, n) in zip(shape.dropFirst(), produced.dropFirst()) {
                if case .value(let v) = d, v != n { fits = false }
            }
        }
        guard fits else {
            let declared = "[" + shape.map(\.description).joined(separator: ", ") + "]"
            let made = "[N, " + produced.dropFirst().map(String.init).joined(separator: ", ") + "]"
            throw CLIError(message: "\(model): the preprocessing makes tensors of shape \(made), but the model's input is declared \(declared) (check --color, --size and --layout)")
        }
    }
}

extension PreprocessOptions {
    /// Whether the flags alone describe the whole preprocessing.
    var specifiesEverything: Bool {
        color != nil && size != nil && (resize != nil || resizeShorter != nil) && scale != nil && mean != nil && std != nil && layout != nil
    }
}
