import Foundation

/// How raw pixels become the model's input tensor; stored under `nninfer.preprocess`.
public struct InputPreprocessing: Sendable, Equatable, Codable {
    /// Channel order and count: `gray`, `rgb` or `bgr`.
    public var color: String
    /// The model's input width and height in pixels.
    public var width: Int
    /// The model's input height in pixels.
    public var height: Int
    /// `stretch` (resize to exactly width×height), `shorter_side_crop` (resize the shorter side to
    /// `resize_shorter`, then center-crop), `center_crop` (crop only) or `none` (sizes must match).
    public var resize: String
    /// The shorter-side length for `shorter_side_crop`.
    public var resizeShorter: Int?
    /// Multiplies 0–255 pixel values first (1/255 maps to 0–1).
    public var scale: Float
    /// Per-channel mean subtracted after scaling (one value, or one per channel).
    public var mean: [Float]
    /// Per-channel standard deviation divided by last.
    public var std: [Float]
    /// `NCHW` or `NHWC`.
    public var layout: String

    enum CodingKeys: String, CodingKey {
        case color, width, height, resize, resizeShorter = "resize_shorter", scale, mean, std, layout
    }

    /// Creates a preprocessing description.
    public init(
        color: String, width: Int, height: Int, resize: String = "stretch", resizeShorter: Int? = nil,
        scale: Float = 1.0 / 255, mean: [Float] = [0], std: [Float] = [1], layout: String = "NCHW"
    ) {
        self.color = color
        self.width = width
        self.height = height
        self.resize = resize
        self.resizeShorter = resizeShorter
        self.scale = scale
        self.mean = mean
        self.std = std
        self.layout = layout
    }
}

/// nninfer's conventions inside standard ONNX `metadata_props`; every key is documented in the README.
public struct ModelMetadata: Sendable, Equatable {
    /// The version of these conventions, stored under `nninfer.metadata_version`.
    public static let version = "1"

    /// The keys, all prefixed `nninfer.`.
    public enum Key {
        /// The version of the conventions a file follows (`"1"`).
        public static let version = "nninfer.metadata_version"
        /// The class labels: a JSON array of strings, index order.
        public static let labels = "nninfer.labels"
        /// The input preprocessing: a JSON object (``InputPreprocessing``).
        public static let preprocess = "nninfer.preprocess"
        /// What the first output holds: `logits` or `probabilities`.
        public static let output = "nninfer.output"
        /// How the model was trained: a JSON object of strings.
        public static let training = "nninfer.training"
    }

    /// Class labels, index order (JSON array of strings).
    public var labels: [String]?
    /// How to turn an image into the input tensor (JSON object).
    public var preprocessing: InputPreprocessing?
    /// What the first output holds: `logits` (softmax not applied) or `probabilities`.
    public var output: String?
    /// How the model was trained: free-form JSON object (dataset, epochs, seed, accuracy, placement, ...).
    public var training: [String: String]?

    /// Creates metadata.
    public init(labels: [String]? = nil, preprocessing: InputPreprocessing? = nil, output: String? = nil, training: [String: String]? = nil) {
        self.labels = labels
        self.preprocessing = preprocessing
        self.output = output
        self.training = training
    }

    /// Reads the conventions from a model's metadata; a malformed value is an error naming its key.
    public init(from model: Model, source: String = "<memory>") throws(FormatError) {
        func decode<T: Decodable>(_ key: String, _ type: T.Type) throws(FormatError) -> T? {
            guard let text = model[metadata: key] else { return nil }
            do {
                return try JSONDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw .invalidModel(source: source, context: "metadata '\(key)'", detail: "not valid JSON for this key: \(text.prefix(80))")
            }
        }
        labels = try decode(Key.labels, [String].self)
        preprocessing = try decode(Key.preprocess, InputPreprocessing.self)
        output = model[metadata: Key.output]
        if let o = output, o != "logits" && o != "probabilities" {
            throw .invalidModel(source: source, context: "metadata '\(Key.output)'", detail: "expected 'logits' or 'probabilities', found '\(o)'")
        }
        training = try decode(Key.training, [String: String].self)
    }

    /// Writes these values into a model's metadata, replacing earlier nninfer entries.
    public func apply(to model: inout Model) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ v: T) -> String {
            (try? encoder.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        model[metadata: Key.version] = ModelMetadata.version
        model[metadata: Key.labels] = labels.map(json)
        model[metadata: Key.preprocess] = preprocessing.map(json)
        model[metadata: Key.output] = output
        model[metadata: Key.training] = training.map(json)
    }
}
