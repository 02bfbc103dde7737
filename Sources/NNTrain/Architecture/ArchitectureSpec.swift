/// The compact architecture language of `nntrain --arch`: a comma-separated list of layers.
///
/// ```
/// spec     = layer { "," layer }
/// layer    = conv | "bn" | "relu" | "lrelu" [NUM] | "dropout" NUM | "fc" INT
///          | "maxpool" INT [opts] | "avgpool" INT [opts] | "gap" | "flatten"
///          | "res(" spec [ "|" spec ] ")"
/// conv     = "conv" INT "x" INT "-" INT [opts]       (square kernels: KxK)
/// opts     = { ["/"] ("s" INT | "p" INT | "g" INT) } (stride, zero padding, groups; conv only for g)
/// ```
/// Examples: `conv5x5-20,bn,relu,maxpool2,conv5x5-50,relu,bn,maxpool2,flatten,fc500,relu,dropout0.5,fc10`;
/// a residual block with identity shortcut `res(conv3x3-16p1,bn,relu,conv3x3-16p1,bn),relu`; with a
/// projection `res(conv3x3-32/s2p1,bn,relu,conv3x3-32p1,bn|conv1x1-32/s2,bn)`.
/// BN and Dropout go anywhere: before or after an activation, after a conv or an fc layer.
/// Spaces are ignored; names are case-insensitive.
public enum ArchitectureSpec {
    /// Parses a SPEC string into layer values.
    public static func parse(_ spec: String) throws(TrainError) -> [LayerSpec] {
        let text = String(spec.lowercased().filter { !$0.isWhitespace })
        var parser = Parser(text: Array(text), spec: spec)
        let layers = try parser.list()
        guard parser.atEnd else { throw parser.fail("unexpected '\(parser.rest)'") }
        return layers
    }

    /// The SPEC text of a layer list.
    public static func text(_ layers: [LayerSpec]) -> String {
        layers.map(\.description).joined(separator: ",")
    }
}

/// A recursive-descent parser over the SPEC characters.
private struct Parser {
    let text: [Character]
    let spec: String
    var at = 0

    var atEnd: Bool { at >= text.count }
    var rest: String { String(text[min(at, text.count)...]) }

    func fail(_ detail: String) -> TrainError { .invalidSpec(spec: spec, detail: detail) }

    mutating func list() throws(TrainError) -> [LayerSpec] {
        var layers = [try layer()]
        while !atEnd, text[at] == "," {
            at += 1
            layers.append(try layer())
        }
        return layers
    }

    mutating func take(_ word: String) -> Bool {
        let w = Array(word)
        guard at + w.count <= text.count, Array(text[at..<at + w.count]) == w else { return false }
        at += w.count
        return true
    }

    mutating func integer(_ what: String) throws(TrainError) -> Int {
        let start = at
        while !atEnd, text[at].isNumber { at += 1 }
        guard at > start, let v = Int(String(text[start..<at])) else { throw fail("expected \(what) at '\(rest)'") }
        return v
    }

    mutating func number(_ what: String) throws(TrainError) -> Float? {
        let start = at
        while !atEnd, text[at].isNumber || text[at] == "." || text[at] == "e" || text[at] == "-" { at += 1 }
        if at == start { return nil }
        guard let v = Float(String(text[start..<at])), v.isFinite else { throw fail("'\(String(text[start..<at]))' is not a valid \(what)") }
        return v
    }

    /// `/sS`, `pP`, `gG` in any order, each optionally after a '/'.
    mutating func options(allowGroups: Bool) throws(TrainError) -> (stride: Int?, padding: Int, groups: Int) {
        var (stride, padding, groups): (Int?, Int, Int) = (nil, 0, 1)
        while !atEnd, text[at] != ",", text[at] != ")", text[at] != "|" {
            _ = take("/")
            if take("s") { stride = try integer("a stride") } else if take("p") { padding = try integer("a padding") } else if allowGroups, take("g") {
                groups = try integer("a group count")
            } else { throw fail("unknown option at '\(rest)' (expected s, p\(allowGroups ? " or g" : ""))") }
        }
        return (stride, padding, groups)
    }

    mutating func layer() throws(TrainError) -> LayerSpec {
        if take("conv") {
            let kh = try integer("a kernel size (convKxK-C)")
            guard take("x") else { throw fail("expected 'x' in convKxK-C at '\(rest)'") }
            let kw = try integer("a kernel size (convKxK-C)")
            guard kh == kw else { throw fail("conv\(kh)x\(kw): only square kernels are supported") }
            guard take("-") else { throw fail("expected '-C' (output channels) after conv\(kh)x\(kw)") }
            let c = try integer("an output channel count")
            let o = try options(allowGroups: true)
            guard kh >= 1, c >= 1, (o.stride ?? 1) >= 1, o.groups >= 1 else { throw fail("conv sizes must be positive") }
            return .conv(kernel: kh, channels: c, stride: o.stride ?? 1, padding: o.padding, groups: o.groups)
        }
        if take("bn") { return .batchNorm }
        if take("relu") { return .relu }
        if take("lrelu") { return .leakyRelu(slope: try number("LeakyReLU slope") ?? 0.01) }
        if take("dropout") {
            guard let p = try number("dropout rate") else { throw fail("dropout needs a rate, e.g. dropout0.5") }
            guard p >= 0, p < 1 else { throw fail("dropout rate \(p) must be in [0, 1)") }
            return .dropout(rate: p)
        }
        if take("fc") {
            let n = try integer("an output feature count (fcN)")
            guard n >= 1 else { throw fail("fc needs at least one output") }
            return .linear(features: n)
        }
        for (word, isMax) in [("maxpool", true), ("avgpool", false)] where take(word) {
            let k = try integer("a window size (\(word)K)")
            let o = try options(allowGroups: false)
            guard k >= 1, (o.stride ?? 1) >= 1 else { throw fail("\(word) sizes must be positive") }
            return isMax ? .maxPool(kernel: k, stride: o.stride, padding: o.padding) : .avgPool(kernel: k, stride: o.stride, padding: o.padding)
        }
        if take("gap") { return .globalAvgPool }
        if take("flatten") { return .flatten }
        if take("res(") {
            let body = try list()
            var shortcut: [LayerSpec]?
            if take("|") { shortcut = try list() }
            guard take(")") else { throw fail("expected ')' closing res( at '\(rest)'") }
            return .residual(body: body, shortcut: shortcut)
        }
        throw fail(atEnd ? "a layer is missing at the end" : "unknown layer at '\(rest)'")
    }
}
