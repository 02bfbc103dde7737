#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NNFormat

extension InferenceSession {
    /// Loads a model file from a file URL.
    ///
    /// The same as ``init(contentsOf:options:readOptions:)-(String,_,_)`` with the URL's path.
    /// A URL that is not a file URL fails with ``RuntimeError/format(_:)`` carrying
    /// `FormatError.unreadable`.
    public convenience init(
        contentsOf url: URL, options: SessionOptions = SessionOptions(),
        readOptions: ReadOptions = ReadOptions(externalData: .allowModelDirectory)
    ) throws(RuntimeError) {
        guard url.isFileURL else {
            throw .format(.unreadable(source: url.absoluteString, reason: "not a file URL"))
        }
        try self.init(contentsOf: url.path, options: options, readOptions: readOptions)
    }

    /// The description of the input called `name`, or `nil` if the model has none.
    public func input(named name: String) -> IOInfo? { inputs.first { $0.name == name } }

    /// The description of the output called `name`, or `nil` if the model has none.
    public func output(named name: String) -> IOInfo? { outputs.first { $0.name == name } }
}

extension Tensor {
    /// The `k` largest float values of one row along the last axis, largest first.
    ///
    /// For a classifier's `[N, classes]` output, row `n` holds image `n`'s scores; a `[classes]`
    /// vector has one row. Ties keep the lower index first; NaN ranks below every number.
    /// Returns fewer than `k` entries when the row is shorter, and none for an int64 tensor, a
    /// scalar or a row out of range.
    ///
    /// ```swift
    /// for (index, score) in logits.topK(5) { print(labels[index], score) }
    /// ```
    public func topK(_ k: Int, row: Int = 0) -> [(index: Int, value: Float)] {
        guard let values = floats, let width = shape.last, width > 0, k > 0, row >= 0 else { return [] }
        let start = row * width
        guard start < values.count else { return [] }
        let slice = values[start..<min(start + width, values.count)]
        func ranksBefore(_ a: (index: Int, value: Float), _ b: (index: Int, value: Float)) -> Bool {
            if a.value.isNaN != b.value.isNaN { return b.value.isNaN }
            if a.value != b.value && !a.value.isNaN { return a.value > b.value }
            return a.index < b.index
        }
        let ranked = slice.enumerated().map { (index: $0.offset, value: $0.element) }.sorted(by: ranksBefore)
        return Array(ranked.prefix(k))
    }
}
