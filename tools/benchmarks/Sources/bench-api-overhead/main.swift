// bench-api-overhead — per-call cost of the Swift API on a model that does almost nothing
// (a 1×1 conv on a 1×1×1×1 input), so what is measured is the API and runtime overhead.
//
//   bench-api-overhead MODEL_PATH [ITERATIONS]
//
// Writes the tiny model to MODEL_PATH (for the C and Python halves of tools/bench-api-overhead),
// then times each way of running it on one thread and prints "name<TAB>nanoseconds per call"
// (the median of 5 repeats).
#if canImport(Glibc)
import Glibc
#endif
import NNFormat
import NNRuntime

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: bench-api-overhead MODEL_PATH [ITERATIONS]")
    exit(2)
}
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 200_000 : 200_000

func nanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The median over 5 repeats of the time per call of `body`, after a warm-up.
func measure(_ name: String, _ body: () throws -> Void) rethrows {
    for _ in 0..<1000 { try body() }
    var samples: [Double] = []
    for _ in 0..<5 {
        let start = nanoseconds()
        for _ in 0..<iterations { try body() }
        samples.append(Double(nanoseconds() - start) / Double(iterations))
    }
    samples.sort()
    print("\(name)\t\(samples[2])")
}

do {
    var net = NetworkBuilder(name: "conv1x1", channels: 1, height: 1, width: 1)
    try net.conv2d(outChannels: 1, kernel: 1, weight: [2], bias: [0.5])
    let model = try net.build()
    try ModelWriter.write(model, to: arguments[1])

    let session = try InferenceSession(contentsOf: arguments[1], options: SessionOptions(threads: 1))
    let named = ["input": Tensor(shape: [1, 1, 1, 1], floats: [3])]
    let ordered = [Tensor(shape: [1, 1, 1, 1], floats: [3])]
    guard try session.run(named)["output"]?.floats == [6.5] else {
        print("bench-api-overhead: wrong result")
        exit(1)
    }
    var input: [Float] = [3]
    var output: [Float] = [0]
    var sink: Float = 0

    try measure("nninfer Swift run([String: Tensor])") { sink += try session.run(named)["output"]?.floats?[0] ?? 0 }
    try measure("nninfer Swift run([Tensor])") { sink += try session.run(ordered)[0].floats?[0] ?? 0 }
    try input.withUnsafeBytes { inBytes in
        try output.withUnsafeMutableBytes { outBytes in
            let buffers = [InferenceSession.InputBuffer(shape: [1, 1, 1, 1], bytes: inBytes)]
            let outs = [outBytes]
            try measure("nninfer Swift run(inputs:outputs:), zero-copy") {
                try session.run(inputs: buffers, outputs: outs)
            }
            try measure("nninfer Swift run(inputs:readingOutputs:)") {
                sink += try session.run(inputs: buffers) { $0[0].floats?[0] ?? 0 }
            }
            let namedBuffers = ["input": InferenceSession.InputBuffer(shape: [1, 1, 1, 1], bytes: inBytes)]
            let namedOutputs = ["output": outBytes]
            try measure("nninfer Swift run(inputs: [String: ...], outputs: [String: ...])") {
                try session.run(inputs: namedBuffers, outputs: namedOutputs)
            }
        }
    }
    input[0] = 0
    if sink.isNaN || output[0] != 6.5 { print("bench-api-overhead: wrong result") }
} catch {
    print("bench-api-overhead: \(error)")
    exit(1)
}
