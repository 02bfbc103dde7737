import NNFormat

extension InferenceSession {
    /// One output of a run, read in place from the session's memory.
    ///
    /// Views exist only inside the closure given to ``InferenceSession/run(inputs:readingOutputs:)``;
    /// the memory is reused by the next run as soon as the closure returns, so copy what you keep.
    public struct OutputView {
        /// The output's name.
        public var name: String
        /// The element type: `.float` or `.int64`.
        public var elementType: ElementType
        /// The dimensions this run produced (no symbolic ones).
        public var shape: [Int]
        /// The values, row-major: `count` elements of `elementType`.
        public var bytes: UnsafeRawBufferPointer

        /// The number of elements.
        public var count: Int { shape.reduce(1, *) }

        /// The values as float32, or `nil` when the output holds int64 values.
        public var floats: UnsafeBufferPointer<Float>? {
            guard elementType == .float else { return nil }
            return bytes.assumingMemoryBound(to: Float.self)
        }

        /// The values as int64, or `nil` when the output holds float32 values.
        public var int64s: UnsafeBufferPointer<Int64>? {
            guard elementType == .int64 else { return nil }
            return bytes.assumingMemoryBound(to: Int64.self)
        }

        /// A copy of the output as a ``Tensor`` that outlives the run.
        public var tensor: Tensor {
            if let v = int64s { return Tensor(shape: shape, int64s: Array(v)) }
            return Tensor(shape: shape, floats: Array(floats ?? UnsafeBufferPointer(start: nil, count: 0)))
        }
    }

    /// Runs on caller-owned input buffers and lends every output to `body` in place, without a copy.
    ///
    /// The inputs are read where they are (no copy); `body` gets one ``OutputView`` per graph
    /// output, in graph-output order, pointing into the session's memory for this run. The views
    /// are valid only until `body` returns: copy what you keep. Concurrent calls are safe; each
    /// runs in its own memory.
    ///
    /// ```swift
    /// let best = try pixels.withUnsafeBytes { bytes in
    ///     try session.run(inputs: [.init(shape: [1, 3, 224, 224], bytes: bytes)]) { outputs in
    ///         outputs[0].floats.flatMap { scores in scores.indices.max { scores[$0] < scores[$1] } }
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - buffers: One buffer per graph input, in graph-input order, each at least as large as
    ///     its shape needs.
    ///   - body: Reads the outputs; its result is returned.
    /// - Throws: ``RuntimeError/invalidInput(name:detail:)`` for a wrong count, type, shape or
    ///   size; plan errors for shapes the model cannot take.
    public func run<Result>(
        inputs buffers: [InputBuffer], readingOutputs body: ([OutputView]) -> Result
    ) throws(RuntimeError) -> Result {
        guard buffers.count == inputs.count else {
            throw .invalidInput(
                name: inputs.map(\.name).joined(separator: ", "),
                detail: "expected \(inputs.count) input buffers, got \(buffers.count)")
        }
        for (buffer, info) in zip(buffers, inputs) { try Self.check(buffer, against: info) }
        let feeds = buffers.map { b -> Tensor in
            // Only small int64 inputs are read at plan time (the plan may specialize on them).
            let n = b.shape.reduce(1, *)
            guard b.elementType == .int64, n <= Self.valueSpecializedElements else {
                return b.elementType == .int64 ? Tensor(shape: b.shape, int64s: []) : Tensor(shape: b.shape, floats: [])
            }
            return Tensor(shape: b.shape, int64s: (0..<n).map { b.bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) })
        }
        let plan = try plan(for: feeds)
        let names = outputs.map(\.name)
        return try plan.run(setInputs: { table in
            for (i, b) in buffers.enumerated() {
                table[i] = UnsafeMutableRawPointer(mutating: b.bytes.baseAddress ?? Self.emptyAddress)
            }
        }, collect: { context in
            var views: [OutputView] = []
            views.reserveCapacity(plan.outputs.count)
            for (i, out) in plan.outputs.enumerated() {
                let byteCount = out.fact.shape.reduce(1, *) * out.fact.type.byteSize
                views.append(OutputView(
                    name: i < names.count ? names[i] : "",
                    elementType: out.fact.type == .int64 ? .int64 : .float,
                    shape: out.fact.shape,
                    bytes: UnsafeRawBufferPointer(start: context.pointer(out.slot), count: byteCount)))
            }
            return body(views)
        })
    }

    /// Runs on named caller-owned buffers and copies the outputs you name into your buffers.
    ///
    /// Every graph input must be given; outputs you do not name are computed but not copied.
    /// Each output buffer must hold at least the output's bytes, or nothing is written and the
    /// call throws.
    ///
    /// ```swift
    /// var logits = [Float](repeating: 0, count: 10)
    /// let shapes = try pixels.withUnsafeBytes { input in
    ///     try logits.withUnsafeMutableBytes { output in
    ///         try session.run(inputs: ["input": .init(shape: [1, 1, 28, 28], bytes: input)],
    ///                         outputs: ["logits": output])
    ///     }
    /// }
    /// ```
    ///
    /// - Returns: The shape of every output of this run, by name.
    /// - Throws: ``RuntimeError/invalidInput(name:detail:)`` for an unknown, missing or wrong
    ///   input, an unknown output name, or an output buffer that is too small.
    @discardableResult
    public func run(
        inputs named: [String: InputBuffer], outputs destinations: [String: UnsafeMutableRawBufferPointer]
    ) throws(RuntimeError) -> [String: [Int]] {
        for name in named.keys where !inputs.contains(where: { $0.name == name }) {
            throw .invalidInput(name: name, detail: "the model has no such input (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
        }
        for name in destinations.keys where !outputs.contains(where: { $0.name == name }) {
            throw .invalidInput(name: name, detail: "the model has no such output (outputs: \(outputs.map(\.name).joined(separator: ", ")))")
        }
        var ordered: [InputBuffer] = []
        ordered.reserveCapacity(inputs.count)
        for info in inputs {
            guard let b = named[info.name] else { throw .invalidInput(name: info.name, detail: "missing") }
            ordered.append(b)
        }
        let outcome: Swift.Result<[String: [Int]], RuntimeError> = try run(inputs: ordered) { views in
            for view in views {
                guard let dst = destinations[view.name] else { continue }
                if dst.count < view.bytes.count {
                    return .failure(.invalidInput(
                        name: view.name,
                        detail: "output buffer of \(dst.count) bytes is smaller than the \(view.bytes.count) bytes of shape \(view.shape)"))
                }
            }
            var shapes: [String: [Int]] = [:]
            for view in views {
                shapes[view.name] = view.shape
                if let dst = destinations[view.name], let to = dst.baseAddress, let from = view.bytes.baseAddress, view.bytes.count > 0 {
                    to.copyMemory(from: from, byteCount: view.bytes.count)
                }
            }
            return .success(shapes)
        }
        return try outcome.get()
    }

    /// Checks a caller buffer against an input declaration without trapping on hostile shapes.
    static func check(_ buffer: InputBuffer, against info: IOInfo) throws(RuntimeError) {
        guard buffer.elementType == info.elementType else {
            throw .invalidInput(name: info.name, detail: "expected \(info.elementType), got \(buffer.elementType)")
        }
        guard buffer.elementType == .float || buffer.elementType == .int64 else {
            throw .invalidInput(name: info.name, detail: "element type \(buffer.elementType) cannot be run (float and int64 can)")
        }
        guard buffer.shape.count == info.shape.count || info.shape.isEmpty else {
            throw .invalidInput(name: info.name, detail: "expected rank \(info.shape.count) \(info.shape), got shape \(buffer.shape)")
        }
        var count = 1
        for (i, n) in buffer.shape.enumerated() {
            guard n >= 0 else { throw .invalidInput(name: info.name, detail: "negative dimension in shape \(buffer.shape)") }
            if i < info.shape.count, case .value(let v) = info.shape[i], v != n {
                throw .invalidInput(name: info.name, detail: "expected shape \(info.shape), got \(buffer.shape)")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw .invalidInput(name: info.name, detail: "shape \(buffer.shape) has too many elements") }
            count = product
        }
        // Empty float tensors (a zero batch) would reach kernels that divide by their sizes.
        guard count > 0 || buffer.elementType == .int64 else {
            throw .invalidInput(name: info.name, detail: "shape \(buffer.shape) is empty; float inputs need at least one element")
        }
        let size = buffer.elementType == .float ? 4 : 8
        let (needed, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, buffer.bytes.count >= needed else {
            throw .invalidInput(name: info.name, detail: "shape \(buffer.shape) needs \(count) values, the buffer is \(buffer.bytes.count) bytes")
        }
        guard needed == 0 || buffer.bytes.baseAddress != nil else {
            throw .invalidInput(name: info.name, detail: "the buffer has no memory")
        }
    }

    /// A valid, never-dereferenced address for empty inputs.
    static var emptyAddress: UnsafeRawPointer { UnsafeRawPointer(emptyStorage) }
    nonisolated(unsafe) private static let emptyStorage = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
}
