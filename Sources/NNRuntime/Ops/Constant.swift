import NNFormat

/// ONNX Constant: `value` (a tensor), or from opset 12 `value_float(s)`/`value_int(s)`.
/// Folded when the plan is made; never runs.
struct Constant: Operator {
    let value: ConstantTensor

    init(_ a: Attributes) throws(RuntimeError) {
        if let t = try a.tensor("value") {
            guard let tensor = Tensor(t) else { throw a.fail("constant of type \(t.elementType) is not supported (float, integer types)") }
            try ModelImporter.checkConsistent(tensor, context: a.node.displayName)
            value = ModelImporter.constant(tensor, key: "constant:" + a.node.name)
        } else if a.has("value_float") {
            value = ConstantTensor(shape: [], floats: [try a.float("value_float", 0)])
        } else if let fs = try a.floats("value_floats") {
            value = ConstantTensor(shape: [fs.count], floats: fs)
        } else if a.has("value_int") {
            value = ConstantTensor(shape: [], int64s: [try a.int("value_int", 0)])
        } else if let i = try a.ints("value_ints") {
            value = ConstantTensor(shape: [i.count], int64s: i)
        } else {
            throw a.fail("needs a value (sparse_value and string values are not supported)")
        }
    }

    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact] {
        [OutputFact(type: value.type, shape: value.shape)]
    }

    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { 0 }

    func bind(_ ctx: BindContext) throws(RuntimeError) -> any Kernel {
        CopyKernel(input: .host(value.buffer), output: ctx.outputs[0].slot, bytes: value.count * value.type.byteSize, ones: nil)
    }
}
