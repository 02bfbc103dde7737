/// Overflow-checked shape arithmetic for shape inference and cost estimates.
///
/// Dimensions and attribute values come from untrusted files: every sum or product of them goes
/// through these helpers, so an absurd value is a typed error instead of a trap.

/// `a + b`, or a shape error naming the node when it overflows.
func checkedAdd(_ a: Int, _ b: Int, node: String, _ what: @autoclosure () -> String) throws(RuntimeError) -> Int {
    let (s, o) = a.addingReportingOverflow(b)
    guard !o else { throw .shapeMismatch(node: node, detail: "\(what()) overflows") }
    return s
}

/// `a * b`, or a shape error naming the node when it overflows.
func checkedMultiply(_ a: Int, _ b: Int, node: String, _ what: @autoclosure () -> String) throws(RuntimeError) -> Int {
    let (p, o) = a.multipliedReportingOverflow(by: b)
    guard !o else { throw .shapeMismatch(node: node, detail: "\(what()) overflows") }
    return p
}

/// The product of `values`, clamped to `Int.max` (for FLOP counts and other estimates).
func saturatingProduct(_ values: [Int]) -> Int {
    var p = 1
    for v in values {
        let (m, o) = p.multipliedReportingOverflow(by: max(v, 0))
        if o { return Int.max }
        p = m
    }
    return p
}

/// `a + b` clamped to `Int.max` (non-negative operands).
func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (s, o) = a.addingReportingOverflow(b)
    return o ? Int.max : s
}
