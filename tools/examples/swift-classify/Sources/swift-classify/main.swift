// swift-classify — load a model with the nninfer runtime, run one image tensor, print the top classes.
//
//   swift-classify                     build the tiny example model in memory and classify the example input
//   swift-classify MODEL.onnx          classify the example input with a model file (input [1, 3, 8, 8])
//   swift-classify --write-model PATH  write the tiny example model to PATH (for the C and Python examples)
//   swift-classify --report [MODEL]    also print what the compiler did (eval semantics, rewrites, steps)
#if canImport(Glibc)
import Glibc
#endif
import NNFormat
import NNRuntime

func fail(_ message: String) -> Never {
    let line = "swift-classify: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
let showReport = arguments.first == "--report"
if showReport { arguments.removeFirst() }
do {
    if arguments.first == "--write-model" {
        guard arguments.count == 2 else { fail("usage: swift-classify --write-model PATH") }
        try ModelWriter.write(try TinyModel.build(), to: arguments[1])
        print("wrote \(arguments[1])")
        exit(0)
    }

    // 1. Load: from a file, or from a model built in code.
    let session: InferenceSession
    if let path = arguments.first {
        session = try InferenceSession(contentsOf: path, options: SessionOptions(threads: 2))
    } else {
        session = try InferenceSession(model: try TinyModel.build(), options: SessionOptions(threads: 2))
    }
    guard let input = session.inputs.first, let output = session.outputs.first else { fail("the model has no input or output") }
    print("input: \(input.name) \(input.elementType) \(input.shape)")
    print("output: \(output.name) \(output.elementType) \(output.shape)")

    // 2. Run: a named, shaped tensor in; every output by name out.
    let image = Tensor(shape: TinyModel.shape, floats: TinyModel.syntheticInput())
    let outputs = try session.run([input.name: image])
    guard let logits = outputs[output.name] else { fail("no output '\(output.name)'") }

    // The same run without copies: the input is read in place and the output lent to a closure.
    let again = try image.floats.map { pixels in
        try pixels.withUnsafeBytes { bytes in
            try session.run(inputs: [.init(shape: image.shape, bytes: bytes)]) { views in views[0].tensor }
        }
    }
    guard again == logits else { fail("the zero-copy run disagrees with run(_:)") }

    // 3. Read the top classes, with the labels the model carries in its metadata.
    let labels = try ModelMetadata(from: session.model).labels ?? []
    print("logits: " + (logits.floats ?? []).map { String(format6($0)) }.joined(separator: " "))
    print("top-3:")
    for (index, value) in logits.topK(3) {
        print("  \(index) \(index < labels.count ? labels[index] : "?") \(format6(value))")
    }
    guard let best = logits.topK(1).first else { fail("empty output") }
    print("top class: \(best.index) \(best.index < labels.count ? labels[best.index] : "?")")

    if showReport {
        let report = session.report
        print("eval semantics: \(report.evalSemantics.isEmpty ? "nothing to change" : report.evalSemantics.joined(separator: "; "))")
        for rewrite in report.rewrites { print("rewrite: \(rewrite)") }
        for step in report.steps { print("step: \(step)") }
        print("FLOPs per run: \(session.flopsPerRun)")
    }
} catch let error as RuntimeError {
    fail(error.description)
} catch let error as FormatError {
    fail(error.description)
} catch {
    fail("\(error)")
}

/// `value` with six digits after the point (what C's "%.6f" prints), without Foundation.
func format6(_ value: Float) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([Double(value)]) { vsnprintf(&buffer, buffer.count, "%.6f", $0) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
