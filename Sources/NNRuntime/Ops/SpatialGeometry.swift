/// Kernel, stride, dilation and padding of a convolution or pooling window over N spatial dims,
/// decoded once from ONNX's attributes, with the output-size rules of both.
struct SpatialGeometry: Sendable, Equatable {
    enum AutoPad: String, Sendable { case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID" }

    var kernel: [Int]?   // nil: take it from the weights (Conv)
    var strides: [Int]?
    var dilations: [Int]?
    var pads: [Int]?     // begin..., end...
    var autoPad: AutoPad
    var ceilMode: Bool

    init(_ a: Attributes, kernelRequired: Bool) throws(RuntimeError) {
        kernel = try a.ints("kernel_shape")?.map { Int($0) }
        if kernelRequired && kernel == nil { throw a.fail("kernel_shape is required") }
        strides = try a.ints("strides")?.map { Int($0) }
        dilations = try a.ints("dilations")?.map { Int($0) }
        pads = try a.ints("pads")?.map { Int($0) }
        let ap = try a.string("auto_pad", "NOTSET")
        guard let mode = AutoPad(rawValue: ap.isEmpty ? "NOTSET" : ap) else { throw a.fail("auto_pad '\(ap)' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID") }
        autoPad = mode
        ceilMode = try a.int("ceil_mode", 0) != 0
        for (name, v) in [("kernel_shape", kernel), ("strides", strides), ("dilations", dilations)] {
            if let v, v.contains(where: { $0 < 1 }) { throw a.fail("\(name) \(v) must be positive") }
        }
        if let p = pads, p.contains(where: { $0 < 0 }) { throw a.fail("negative pads \(p) are not supported") }
    }

    /// The concrete window for these input spatial dims: kernel, strides, dilations, pads, output dims.
    struct Resolved: Equatable {
        var kernel: [Int]
        var strides: [Int]
        var dilations: [Int]
        var pads: [Int]
        var output: [Int]
    }

    func resolve(input: [Int], kernel k: [Int]? = nil, node: String) throws(RuntimeError) -> Resolved {
        let n = input.count
        guard let kernel = k ?? self.kernel, kernel.count == n else {
            throw .shapeMismatch(node: node, detail: "kernel_shape \(self.kernel ?? k ?? []) does not match \(n) spatial dims")
        }
        let strides = self.strides ?? Array(repeating: 1, count: n)
        let dilations = self.dilations ?? Array(repeating: 1, count: n)
        guard strides.count == n, dilations.count == n else {
            throw .shapeMismatch(node: node, detail: "strides \(strides) / dilations \(dilations) do not match \(n) spatial dims")
        }
        var pads = self.pads ?? Array(repeating: 0, count: 2 * n)
        guard pads.count == 2 * n else { throw .shapeMismatch(node: node, detail: "pads \(pads) should have \(2 * n) values") }
        var output = [Int](repeating: 0, count: n)
        for i in 0..<n {
            // Kernel, dilation, stride and pads come from the file: overflow is a shape error.
            // Described only when an overflow is reported (formatting arrays on every call is slow).
            let padsNow = pads
            func what() -> String {
                "the window of spatial dim \(i) (kernel \(kernel), dilations \(dilations), strides \(strides), pads \(padsNow), input \(input))"
            }
            guard kernel[i] >= 1 else { throw .shapeMismatch(node: node, detail: "kernel \(kernel) must be positive") }
            let span = try checkedAdd(try checkedMultiply(dilations[i], kernel[i] - 1, node: node, what()), 1, node: node, what())
            _ = try checkedAdd(try checkedAdd(input[i], pads[i], node: node, what()), pads[i + n], node: node, what())
            _ = try checkedAdd(input[i], strides[i], node: node, what())
            switch autoPad {
            case .notSet:
                let total = input[i] + pads[i] + pads[i + n] - span
                guard total >= 0 else {
                    throw .shapeMismatch(node: node, detail: "a window of \(span) does not fit spatial dim \(i) of size \(input[i]) with pads \(pads)")
                }
                var o = (ceilMode ? (total + strides[i] - 1) / strides[i] : total / strides[i]) + 1
                // With ceil_mode the last window must start inside the input or the begin padding.
                if ceilMode && (o - 1) * strides[i] >= input[i] + pads[i] { o -= 1 }
                output[i] = o
            case .valid:
                pads[i] = 0
                pads[i + n] = 0
                guard input[i] >= span else { throw .shapeMismatch(node: node, detail: "a window of \(span) does not fit spatial dim \(i) of size \(input[i])") }
                output[i] = (input[i] - span) / strides[i] + 1
            case .sameUpper, .sameLower:
                let o = (input[i] + strides[i] - 1) / strides[i]
                let reach = try checkedAdd(try checkedMultiply(max(o - 1, 0), strides[i], node: node, what()), span, node: node, what())
                let total = max(0, reach - input[i])
                let small = total / 2
                pads[i] = autoPad == .sameUpper ? small : total - small
                pads[i + n] = total - pads[i]
                output[i] = o
            }
            guard output[i] >= 1 else { throw .shapeMismatch(node: node, detail: "output spatial dim \(i) would be empty") }
        }
        return Resolved(kernel: kernel, strides: strides, dilations: dilations, pads: pads, output: output)
    }
}
