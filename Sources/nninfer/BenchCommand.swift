import ArgumentParser
import Foundation
import NNFormat
import NNRuntime

/// `nninfer bench MODEL`: latency, throughput and GFLOP/s on random inputs.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the model on random inputs of its input shape.",
        discussion: """
            Prints the session-creation time, min/median/p90 latency of one run, throughput \
            (batch / median) and GFLOP/s (FLOPs of a batch-1 run x batch / median).

            --json prints one object: min_ms, median_ms, p90_ms, mean_ms, gflops, images_per_s, batch, \
            threads, session_ms, warmup, iterations, flops_per_image; with --per-op also per_op \
            [{node, op, flops, ms, gflops, percent}] (mean over the iterations, in plan order).

            session_ms is the first session of the process (cold: its memory is fresh). With --sessions N \
            the session is created N times in all, and session_min_ms is the fastest of the repeats (the \
            process's memory reused), the way an application that reloads a model sees it.
            """)

    @Argument(help: "The model file (.onnx).") var model: String
    @Option(help: "Batch size (the input's first dimension when it is symbolic).") var batch = 1
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Flag(name: .customLong("no-winograd"), help: "Direct kernels only: no Winograd 3x3 convolutions.") var noWinograd = false
    @Option(help: "Untimed runs first.") var warmup = 3
    @Option(help: "Timed runs.") var iterations = 20
    @Option(help: "Create the session this many times, reporting the first and the fastest repeat.") var sessions = 1
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(name: .customLong("per-op"), help: "Also time each step of the plan.") var perOp = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard sessions >= 1 else { throw ValidationError("--sessions must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let started = clock.now
        var loaded: InferenceSession? = try loadSession(model, threads: threads, winograd: !noWinograd)
        let sessionMs = ProgressReporter.seconds(clock.now - started) * 1000
        var repeatMs: [Double] = []
        for _ in 1..<sessions {
            loaded = nil   // released first, as an application replacing a session would
            let t0 = clock.now
            loaded = try loadSession(model, threads: threads, winograd: !noWinograd)
            repeatMs.append(ProgressReporter.seconds(clock.now - t0) * 1000)
        }
        guard let session = loaded else { return }
        let feeds = try session.inputs.enumerated().map { try Self.randomInput($1, batch: batch, seed: UInt64($0 + 1), model: model) }

        func runOnce() throws {
            do { _ = try session.run(feeds) } catch { throw CLIError(message: "\(model): \(error)") }
        }
        for _ in 0..<warmup { try runOnce() }
        var times: [Double] = []
        for _ in 0..<iterations {
            let t0 = clock.now
            try runOnce()
            times.append(ProgressReporter.seconds(clock.now - t0) * 1000)
        }
        let stats = LatencyStats(milliseconds: times)
        let flopsPerImage = session.flopsPerRun
        let gflops = Double(flopsPerImage) * Double(batch) / (stats.median / 1000) / 1e9
        let imagesPerSecond = Double(batch) / (stats.median / 1000)
        let steps = perOp ? try profile(session, feeds) : []

        let out = StandardOutput()
        if json {
            var fields: [(String, JSONValue)] = [
                ("min_ms", rounded(stats.min)), ("median_ms", rounded(stats.median)), ("p90_ms", rounded(stats.p90)),
                ("mean_ms", rounded(stats.mean)), ("gflops", rounded(gflops)), ("images_per_s", rounded(imagesPerSecond)),
                ("batch", .int(batch)), ("threads", .int(session.options.threads)), ("session_ms", rounded(sessionMs)),
                ("warmup", .int(warmup)), ("iterations", .int(iterations)), ("flops_per_image", .int(flopsPerImage)),
            ]
            if let fastest = repeatMs.min() { fields.append(("session_min_ms", rounded(fastest))) }
            if perOp {
                fields.append(("per_op", .array(steps.map { s in
                    .object([("node", .string(s.node)), ("op", .string(s.op)), ("flops", .int(s.flops)), ("ms", rounded(s.ms, 6)),
                             ("gflops", rounded(s.gflops)), ("percent", rounded(s.percent, 2))])
                })))
            }
            out.write(JSONValue.object(fields).compact + "\n")
        } else {
            let shapes = feeds.map { "[" + $0.shape.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", ")
            out.write("""
                model       \(model)
                input       \(shapes), \(session.options.threads) thread\(session.options.threads == 1 ? "" : "s")
                session     \(f(sessionMs, 1)) ms to load and compile\(repeatMs.min().map { "; fastest of \(repeatMs.count) more: \(f($0, 1)) ms" } ?? "")
                latency     min \(f(stats.min)) ms, median \(f(stats.median)) ms, p90 \(f(stats.p90)) ms (\(iterations) runs after \(warmup) warm-up)
                throughput  \(f(imagesPerSecond, 1)) images/s, \(f(gflops, 2)) GFLOP/s (\(InspectCommand.scaled(flopsPerImage))FLOP per image)

                """)
            if perOp { out.write(Self.table(steps)) }
        }
        out.flush()
    }

    /// One step's mean time over the iterations.
    struct StepTime {
        var node: String
        var op: String
        var flops: Int
        var ms: Double
        var gflops: Double
        var percent: Double
    }

    private func profile(_ session: InferenceSession, _ feeds: [Tensor]) throws -> [StepTime] {
        var totals: [UInt64] = []
        var steps: [(node: String, opType: String, flops: Int, nanoseconds: UInt64)] = []
        for _ in 0..<iterations {
            do { steps = try session.profile(feeds) } catch { throw CLIError(message: "\(model): \(error)") }
            if totals.isEmpty { totals = Array(repeating: 0, count: steps.count) }
            for (i, s) in steps.enumerated() where i < totals.count { totals[i] += s.nanoseconds }
        }
        let sum = max(1, totals.reduce(0, +))
        return zip(steps, totals).map { s, total in
            let ms = Double(total) / Double(iterations) / 1e6
            return StepTime(node: s.node, op: s.opType, flops: s.flops, ms: ms,
                            gflops: ms > 0 ? Double(s.flops) / (ms / 1000) / 1e9 : 0, percent: Double(total) * 100 / Double(sum))
        }
    }

    static func table(_ steps: [StepTime]) -> String {
        let nodeWidth = max(4, steps.map(\.node.count).max() ?? 0), opWidth = max(2, steps.map(\.op.count).max() ?? 0)
        func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return left ? s + fill : fill + s
        }
        var out = pad("node", nodeWidth, left: true) + "  " + pad("op", opWidth, left: true) + "  " + pad("FLOPs", 10) + "  " + pad("ms", 9) + "  " + pad("GFLOP/s", 8) + "  " + pad("%", 6) + "\n"
        for s in steps {
            out += pad(s.node, nodeWidth, left: true) + "  " + pad(s.op, opWidth, left: true) + "  " + pad(InspectCommand.scaled(s.flops).trimmingCharacters(in: .whitespaces), 10)
            out += "  " + pad(f(s.ms, 3), 9) + "  " + pad(f(s.gflops, 2), 8) + "  " + pad(f(s.percent, 1), 6) + "\n"
        }
        return out
    }

    /// Uniform values in [-1, 1) for float inputs, zeros for integer ones; the symbolic first
    /// dimension becomes `batch`.
    static func randomInput(_ info: InferenceSession.IOInfo, batch: Int, seed: UInt64, model: String) throws -> Tensor {
        var shape: [Int] = []
        for (i, d) in info.shape.enumerated() {
            switch d {
            case .value(let v): shape.append(v)
            case .symbol, .unknown:
                guard i == 0 else {
                    throw CLIError(message: "\(model): input '\(info.name)' has the unknown dimension \(i) (\(d)); bench needs fixed sizes apart from the batch")
                }
                shape.append(batch)
            }
        }
        let count = shape.reduce(1, *)
        if info.elementType == .int64 { return Tensor(shape: shape, int64s: Array(repeating: 0, count: count)) }
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        let values = (0..<count).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
        return Tensor(shape: shape, floats: values)
    }
}

private func f(_ v: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", v) }

/// A JSON number with at most `digits` decimals (microseconds for milliseconds).
private func rounded(_ v: Double, _ digits: Int = 3) -> JSONValue {
    let scale = pow(10.0, Double(digits))
    return .double((v * scale).rounded() / scale)
}

/// Min, median, 90th percentile and mean of a list of latencies.
struct LatencyStats {
    var min: Double
    var median: Double
    var p90: Double
    var mean: Double

    init(milliseconds: [Double]) {
        let sorted = milliseconds.sorted()
        func quantile(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let position = q * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down)), upper = Swift.min(lower + 1, sorted.count - 1)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
        }
        min = sorted.first ?? 0
        median = quantile(0.5)
        p90 = quantile(0.9)
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
    }
}
