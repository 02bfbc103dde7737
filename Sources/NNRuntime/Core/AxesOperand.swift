/// Integer lists (axes, pads) that ONNX moved from an attribute to an optional input in later
/// opsets: the input's constant values when present, else the attribute's.
func attributeOrConstantInput(_ attribute: [Int64]?, _ inputs: [InputFact?], at index: Int, what: String,
                              node: String) throws(RuntimeError) -> [Int64]? {
    guard inputs.count > index, let operand = inputs[index] else { return attribute }
    guard let c = operand.constant else { throw .shapeMismatch(node: node, detail: "\(what) must be known when the plan is made") }
    return c.int64Array()
}
