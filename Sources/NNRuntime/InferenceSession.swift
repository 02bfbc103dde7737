import NNFormat
import Synchronization

/// A loaded, compiled model ready to run: the runtime library's entry point.
///
/// ```swift
/// let session = try InferenceSession(contentsOf: "lenet.onnx")
/// let outputs = try session.run(["input": Tensor(shape: [1, 1, 28, 28], floats: pixels)])
/// ```
///
/// Eval semantics always apply: BatchNormalization uses its running statistics and Dropout is
/// the identity. Plans are compiled per input shape and cached; one session may be shared by any
/// number of threads and tasks.
public final class InferenceSession: Sendable {
    /// A graph input or output: name, element type and declared shape.
    public struct IOInfo: Sendable, Equatable {
        /// The value's name in the graph.
        public var name: String
        /// The declared element type (`.float` unless the model says otherwise).
        public var elementType: ElementType
        /// Declared dimensions; `.symbol`/`.unknown` ones (the batch) take any size.
        public var shape: [Dimension]
    }

    /// The inputs a run must be given, in order.
    public let inputs: [IOInfo]
    /// The outputs a run returns, in order.
    public let outputs: [IOInfo]
    /// The options the session was created with.
    public let options: SessionOptions
    /// The model as read (metadata, opsets, producer, graph), with the tensor data of its
    /// initializers dropped: the session keeps one copy of the weights, in its own form.
    public let model: Model

    private let graph: RuntimeGraph
    private let plans = Mutex<[PlanKey: ExecutionPlan]>([:])
    /// The most recently used plan, found again without building a key (no allocation).
    private let lastPlan = Mutex<(key: PlanKey, plan: ExecutionPlan)?>(nil)
    private let firstPlan: ExecutionPlan?

    /// int64 inputs up to this many elements (shapes, axes, indices) specialize the plan on their values.
    static let valueSpecializedElements = 64

    /// Loads a model file. External data beside the model is allowed unless `readOptions` says otherwise.
    public convenience init(contentsOf path: String, options: SessionOptions = SessionOptions(),
                            readOptions: ReadOptions = ReadOptions(externalData: .allowModelDirectory)) throws(RuntimeError) {
        let model: Model
        do throws(FormatError) { model = try ModelReader.read(contentsOf: path, options: readOptions) } catch { throw .format(error) }
        try self.init(model: model, options: options)
    }

    /// Loads a model from bytes (external data is refused).
    public convenience init(bytes: [UInt8], options: SessionOptions = SessionOptions()) throws(RuntimeError) {
        let model: Model
        do throws(FormatError) { model = try ModelReader.read(bytes: bytes) } catch { throw .format(error) }
        try self.init(model: model, options: options)
    }

    /// Compiles an in-memory model. All unsupported operators are reported together, and a plan for
    /// the declared input shapes (symbolic dimensions as 1) is compiled now, so errors surface here.
    public init(model: Model, options: SessionOptions = SessionOptions()) throws(RuntimeError) {
        var described = model
        for i in described.graph.initializers.indices {
            described.graph.initializers[i].storage = .raw([])
        }
        self.model = described
        self.options = options
        let imported = try ModelImporter.importModel(model)
        graph = imported.graph
        inputs = imported.inputs.map { IOInfo(name: $0.name, elementType: $0.type?.elementType ?? .float, shape: $0.type?.shape ?? []) }
        let declaredOutputs = Dictionary(imported.outputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        outputs = imported.graph.outputs.map { id in
            let name = imported.graph[id].name
            let t = declaredOutputs[name]?.type
            return IOInfo(name: name, elementType: t?.elementType ?? .float, shape: t?.shape ?? [])
        }
        let shapes = inputs.map { $0.shape.map { d -> Int in if case .value(let v) = d { return v } else { return 1 } } }
        if inputs.contains(where: { $0.elementType == .int64 }) {
            // The plan may depend on these inputs' values: compile at the first run.
            firstPlan = nil
        } else {
            let plan = try Planner(options: options).plan(graph, inputs: shapes.map { .init(type: .float, shape: $0, values: nil) })
            firstPlan = plan
            plans.withLock { $0[PlanKey(shapes: shapes, values: [])] = plan }
        }
    }

    /// What a plan is specialized on: every input's shape, and the values of small int64 inputs.
    struct PlanKey: Hashable {
        var shapes: [[Int]]
        var values: [[Int64]?]
    }

    /// What the compiler did: eval-semantics decisions, rewrites, folded nodes and the final steps
    /// (for the declared input shapes).
    /// Empty for models with int64 inputs until they have run.
    public var report: SessionReport { firstPlan?.report ?? plans.withLock { $0.values.first?.report } ?? SessionReport() }

    /// Floating-point operations of one run at the declared input shapes (symbolic dimensions as 1).
    public var flopsPerRun: Int { (firstPlan?.steps ?? []).reduce(0) { saturatingAdd($0, $1.flops) } }

    /// The plan for these inputs, compiled on first use and cached.
    func plan(for feeds: [Tensor]) throws(RuntimeError) -> ExecutionPlan {
        let values: [[Int64]?] = feeds.map { t in t.count <= Self.valueSpecializedElements ? t.int64s : nil }
        let key = PlanKey(shapes: feeds.map(\.shape), values: values)
        if let p = plans.withLock({ $0[key] }) {
            lastPlan.withLock { $0 = (key, p) }
            return p
        }
        let specs = zip(feeds, values).map { Planner.InputSpec(type: $0.elementType == .int64 ? .int64 : .float, shape: $0.shape, values: $1) }
        let p = try Planner(options: options).plan(graph, inputs: specs)
        lastPlan.withLock { $0 = (key, p) }
        return plans.withLock { cache in
            if let existing = cache[key] { return existing }
            cache[key] = p
            return p
        }
    }

    /// Checks one input against its declaration.
    private func validate(_ tensor: Tensor, for info: IOInfo) throws(RuntimeError) {
        guard tensor.elementType == info.elementType else {
            throw .invalidInput(name: info.name, detail: "expected \(info.elementType), got \(tensor.elementType)")
        }
        guard tensor.shape.count == info.shape.count || info.shape.isEmpty else {
            throw .invalidInput(name: info.name, detail: "expected rank \(info.shape.count) \(info.shape), got shape \(tensor.shape)")
        }
        for (d, n) in zip(info.shape, tensor.shape) {
            if case .value(let v) = d, v != n {
                throw .invalidInput(name: info.name, detail: "expected shape \(info.shape), got \(tensor.shape)")
            }
        }
        guard let count = try? elementCount(tensor.shape, node: info.name, limit: Int.max) else {
            throw .invalidInput(name: info.name, detail: "shape \(tensor.shape) has a negative or overflowing dimension")
        }
        let have: Int
        switch tensor.values {
        case .float(let v): have = v.count
        case .int64(let v): have = v.count
        }
        guard have == count, tensor.shape.allSatisfy({ $0 >= 0 }) else {
            throw .invalidInput(name: info.name, detail: "shape \(tensor.shape) needs \(count) values, got \(have)")
        }
    }

    /// Runs the model on named inputs and returns every output by name.
    public func run(_ feeds: [String: Tensor]) throws(RuntimeError) -> [String: Tensor] {
        for name in feeds.keys where !inputs.contains(where: { $0.name == name }) {
            throw .invalidInput(name: name, detail: "the model has no such input (inputs: \(inputs.map(\.name).joined(separator: ", ")))")
        }
        var ordered: [Tensor] = []
        for info in inputs {
            guard let t = feeds[info.name] else { throw .invalidInput(name: info.name, detail: "missing") }
            ordered.append(t)
        }
        let results = try run(ordered)
        return Dictionary(uniqueKeysWithValues: zip(outputs.map(\.name), results))
    }

    /// Runs the model on inputs in graph-input order and returns outputs in graph-output order.
    public func run(_ feeds: [Tensor]) throws(RuntimeError) -> [Tensor] {
        guard feeds.count == inputs.count else {
            throw .invalidInput(name: inputs.map(\.name).joined(separator: ", "), detail: "expected \(inputs.count) inputs, got \(feeds.count)")
        }
        for (t, info) in zip(feeds, inputs) { try validate(t, for: info) }
        let plan = try plan(for: feeds)
        var copies = feeds
        return try withInputPointers(&copies, 0, []) { pointers in
            Result { () throws(RuntimeError) in try plan.run(inputs: pointers) { context in
                plan.outputs.map { out -> Tensor in
                    let p = context.pointer(out.slot)
                    let n = out.fact.shape.reduce(1, *)
                    switch out.fact.type {
                    case .float: return Tensor(shape: out.fact.shape, floats: Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: Float.self), count: n)))
                    case .int64: return Tensor(shape: out.fact.shape, int64s: Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: Int64.self), count: n)))
                    }
                }
            } }
        }.get()
    }

    private func withInputPointers<R>(_ tensors: inout [Tensor], _ i: Int, _ acc: [UnsafeMutableRawPointer], _ body: ([UnsafeMutableRawPointer]) -> R) -> R {
        if i == tensors.count { return body(acc) }
        switch tensors[i].values {
        // Kernels never write their inputs, so the caller's storage is read in place.
        case .float(let v):
            return v.withUnsafeBytes { raw in
                withInputPointers(&tensors, i + 1, acc + [UnsafeMutableRawPointer(mutating: raw.baseAddress ?? emptyInput)], body)
            }
        case .int64(let v):
            return v.withUnsafeBytes { raw in
                withInputPointers(&tensors, i + 1, acc + [UnsafeMutableRawPointer(mutating: raw.baseAddress ?? emptyInput)], body)
            }
        }
    }

    /// Per-step timings of one run on these inputs (nanoseconds), with each step's node, op and FLOPs.
    public func profile(_ feeds: [Tensor]) throws(RuntimeError) -> [(node: String, opType: String, flops: Int, nanoseconds: UInt64)] {
        for (t, info) in zip(feeds, inputs) { try validate(t, for: info) }
        let plan = try plan(for: feeds)
        var copies = feeds
        let times = try withInputPointers(&copies, 0, []) { pointers in
            Result { () throws(RuntimeError) in try plan.runProfiled(inputs: pointers) }
        }.get()
        return zip(plan.steps, times).map { ($0.node, $0.opType, $0.flops, $1) }
    }
}

/// A valid, never-dereferenced address for empty inputs.
private var emptyInput: UnsafeRawPointer { UnsafeRawPointer(bitPattern: 64)! }

extension InferenceSession {
    /// A caller-owned input: element type, shape and the bytes (row-major, read in place).
    public struct InputBuffer {
        /// The element type: `.float` or `.int64`, matching the input's declaration.
        public var elementType: ElementType
        /// The actual dimensions (no symbolic ones), outermost first.
        public var shape: [Int]
        /// The values, row-major; read in place during the run, never written. At least the shape's bytes.
        public var bytes: UnsafeRawBufferPointer

        /// Describes caller memory holding an input; the memory must stay valid for the run.
        public init(elementType: ElementType = .float, shape: [Int], bytes: UnsafeRawBufferPointer) {
            self.elementType = elementType
            self.shape = shape
            self.bytes = bytes
        }
    }

    /// Runs on caller-owned buffers without copying the inputs; each output is written into the
    /// caller's buffer of the same index, which must hold at least the output's bytes. The
    /// output shapes come from ``outputShapes(forInputShapes:)``; ``run(inputs:readingOutputs:)``
    /// lends the outputs with their shapes instead of copying them.
    ///
    /// After the first run at a shape this path allocates nothing on the heap when the session
    /// runs on one thread and the inputs are float32.
    public func run(inputs: [InputBuffer], outputs: [UnsafeMutableRawBufferPointer]) throws(RuntimeError) {
        guard inputs.count == self.inputs.count, outputs.count == self.outputs.count else {
            throw .invalidInput(name: "", detail: "expected \(self.inputs.count) inputs and \(self.outputs.count) outputs, got \(inputs.count) and \(outputs.count)")
        }
        for (buffer, info) in zip(inputs, self.inputs) {
            guard buffer.elementType == info.elementType, buffer.shape.count == info.shape.count else {
                throw .invalidInput(name: info.name, detail: "expected \(info.elementType) of rank \(info.shape.count), got \(buffer.elementType) \(buffer.shape)")
            }
            var count = 1
            for (d, n) in zip(info.shape, buffer.shape) {
                if case .value(let v) = d, v != n { throw .invalidInput(name: info.name, detail: "expected shape \(info.shape), got \(buffer.shape)") }
                let (c, o) = count.multipliedReportingOverflow(by: n)
                guard n >= 0, !o else { throw .invalidInput(name: info.name, detail: "shape \(buffer.shape) has a negative or overflowing dimension") }
                count = c
            }
            guard buffer.bytes.count / (info.elementType == .float ? 4 : 8) >= count else {
                throw .invalidInput(name: info.name, detail: "shape \(buffer.shape) needs \(count) values, the buffer is \(buffer.bytes.count) bytes")
            }
        }
        let plan = try cachedPlan(for: inputs)
        for (i, out) in plan.outputs.enumerated() {
            let need = out.fact.shape.reduce(1, *) * out.fact.type.byteSize
            guard outputs[i].count >= need else {
                throw .invalidInput(name: self.outputs[i].name, detail: "output buffer of \(outputs[i].count) bytes is smaller than the \(need) bytes of shape \(out.fact.shape)")
            }
        }
        try plan.run(setInputs: { table in
            for (i, b) in inputs.enumerated() { table[i] = UnsafeMutableRawPointer(mutating: b.bytes.baseAddress ?? emptyInput) }
        }, collect: { context in
            for (i, out) in plan.outputs.enumerated() {
                let bytes = out.fact.shape.reduce(1, *) * out.fact.type.byteSize
                if bytes > 0, let dst = outputs[i].baseAddress { dst.copyMemory(from: context.pointer(out.slot), byteCount: bytes) }
            }
        })
    }

    /// The output shapes a run with these input shapes produces.
    public func outputShapes(forInputShapes shapes: [[Int]]) throws(RuntimeError) -> [[Int]] {
        let feeds = zip(inputs, shapes).map { info, shape in
            info.elementType == .int64 ? Tensor(shape: shape, int64s: Array(repeating: 0, count: shape.reduce(1, *))) : Tensor(shape: shape, floats: [])
        }
        return try plan(for: feeds).outputs.map(\.fact.shape)
    }

    /// The plan for buffers: the last one used when the shapes match (no allocation), else the cache.
    private func cachedPlan(for buffers: [InputBuffer]) throws(RuntimeError) -> ExecutionPlan {
        let hit: ExecutionPlan? = lastPlan.withLock { last in
            guard let last, last.key.shapes.count == buffers.count else { return nil }
            for (i, b) in buffers.enumerated() {
                if last.key.values[i] != nil || last.key.shapes[i] != b.shape { return nil }
            }
            return last.plan
        }
        if let hit { return hit }
        let feeds = buffers.map { b -> Tensor in
            let n = b.shape.reduce(1, *)
            if b.elementType == .int64 {
                return Tensor(shape: b.shape, int64s: Array(UnsafeBufferPointer(start: b.bytes.baseAddress?.assumingMemoryBound(to: Int64.self), count: n)))
            }
            return Tensor(shape: b.shape, floats: [])
        }
        return try plan(for: feeds)
    }
}
