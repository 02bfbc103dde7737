import NNFormat

/// The table of supported operators: one line per ONNX operator, keyed by op type in the default domain.
enum OperatorRegistry {
    typealias Factory = @Sendable (Attributes) throws(RuntimeError) -> any Operator

    /// The oldest opset each operator is implemented for (older files are refused by name).
    static let minimumOpset: Int64 = 1

    static let table: [String: Factory] = [
        "Conv": { a throws(RuntimeError) in try Conv(a) },
        "BatchNormalization": { a throws(RuntimeError) in try BatchNormalization(a) },
        "Relu": { a throws(RuntimeError) in try Activation(a, kind: .relu) },
        "LeakyRelu": { a throws(RuntimeError) in try Activation(a, kind: .leakyRelu) },
        "Sigmoid": { a throws(RuntimeError) in try Activation(a, kind: .sigmoid) },
        "Tanh": { a throws(RuntimeError) in try Activation(a, kind: .tanh) },
        "Clip": { a throws(RuntimeError) in try Clip(a) },
        "Softmax": { a throws(RuntimeError) in try Softmax(a, log: false) },
        "LogSoftmax": { a throws(RuntimeError) in try Softmax(a, log: true) },
        "Gemm": { a throws(RuntimeError) in try Gemm(a) },
        "MatMul": { a throws(RuntimeError) in try MatMul(a) },
        "ReduceMean": { a throws(RuntimeError) in try ReduceMean(a) },
        "Add": { a throws(RuntimeError) in try Binary(a, op: .add) },
        "Sub": { a throws(RuntimeError) in try Binary(a, op: .sub) },
        "Mul": { a throws(RuntimeError) in try Binary(a, op: .mul) },
        "Div": { a throws(RuntimeError) in try Binary(a, op: .div) },
        "MaxPool": { a throws(RuntimeError) in try Pool(a, kind: .max) },
        "AveragePool": { a throws(RuntimeError) in try Pool(a, kind: .average) },
        "GlobalAveragePool": { a throws(RuntimeError) in try GlobalPool(a, kind: .average) },
        "GlobalMaxPool": { a throws(RuntimeError) in try GlobalPool(a, kind: .max) },
        "Flatten": { a throws(RuntimeError) in try Flatten(a) },
        "Reshape": { a throws(RuntimeError) in try Reshape(a) },
        "Transpose": { a throws(RuntimeError) in try Transpose(a) },
        "Squeeze": { a throws(RuntimeError) in try Squeeze(a) },
        "Unsqueeze": { a throws(RuntimeError) in try Unsqueeze(a) },
        "Concat": { a throws(RuntimeError) in try Concat(a) },
        "Identity": { a throws(RuntimeError) in try Identity(a) },
        "Constant": { a throws(RuntimeError) in try Constant(a) },
        "Shape": { a throws(RuntimeError) in try ShapeOp(a) },
        "Gather": { a throws(RuntimeError) in try Gather(a) },
        "Dropout": { a throws(RuntimeError) in try Dropout(a) },
        "Pad": { a throws(RuntimeError) in try Pad(a) },
    ]

    /// The supported op types, sorted (for `inspect` and the README).
    static var supportedOps: [String] { table.keys.sorted() }
}
