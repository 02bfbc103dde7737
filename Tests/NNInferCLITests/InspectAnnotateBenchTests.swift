import Foundation
import Testing

@Suite("nninfer inspect, annotate, bench, end to end")
struct InspectAnnotateBenchTests {
    @Test("inspect prints the model's facts and the session report")
    func inspectText() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        let r = try NNInfer.run(["inspect", model])
        #expect(r.status == 0, "\(r.stderr)")
        for expected in ["IR version 8", "ai.onnx 17", "input", "[N, 3, 12, 12]", "output", "[N, 5]", "Conv 1", "BatchNormalization 1",
                         "parameters", "FLOP per run", "labels", "5 (cat, dog, bird, fish, horse)", "rgb 12x12, resize shorter_side_crop 14",
                         "logits", "dataset=synthetic", "eval semantics", "rewrites", "bn1", "steps"] {
            #expect(r.stdout.contains(expected), "missing '\(expected)' in:\n\(r.stdout)")
        }
        #expect(r.stderr.isEmpty)
    }

    @Test("inspect --json has the documented keys")
    func inspectJSON() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        let r = try NNInfer.run(["inspect", model, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try jsonObject(r.stdout)
        #expect(Set(o.keys) == ["file", "file_bytes", "ir_version", "opsets", "producer", "domain", "model_version", "doc", "inputs", "outputs",
                                "nodes", "ops", "parameters", "flops_per_run", "metadata", "session", "unsupported", "error"])
        let inputs = try #require(o["inputs"] as? [[String: Any]])
        #expect(inputs.first?["name"] as? String == "input")
        let shape = try #require(inputs.first?["shape"] as? [Any])
        #expect(shape.first as? String == "N" && shape.dropFirst().compactMap { $0 as? Int } == [3, 12, 12])
        #expect((o["ops"] as? [String: Int])?["Gemm"] == 1)
        let parameters = try #require(o["parameters"] as? [String: Int])
        #expect(parameters["count"] == 3 * 4 * 9 + 4 + 16 + 5 * 144 + 5)
        #expect(parameters["bytes"] == 4 * (parameters["count"] ?? 0))
        #expect((o["flops_per_run"] as? Int ?? 0) > 0)
        let metadata = try #require(o["metadata"] as? [String: Any])
        #expect(metadata["labels"] as? Int == 5)
        #expect((metadata["preprocess"] as? [String: Any])?["resize_shorter"] as? Int == 14)
        let session = try #require(o["session"] as? [String: Any])
        let rewrites = try #require(session["rewrites"] as? [[String: Any]])
        #expect(rewrites.contains { ($0["detail"] as? String)?.contains("bn1") == true && $0["bit_exact"] is Bool })
        #expect((session["steps"] as? [String])?.isEmpty == false)
        #expect(session["precision_notes"] is [Any])
        #expect(o["error"] is NSNull)
    }

    @Test("inspect lists unsupported operators after the model's facts and exits 2")
    func inspectUnsupported() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.unsupported(in: dir)
        let r = try NNInfer.run(["inspect", model])
        #expect(r.status == 2)
        #expect(r.stdout.contains("parameters") && r.stdout.contains("unsupported operators") && r.stdout.contains("Erf"))
        let j = try NNInfer.run(["inspect", model, "--json"])
        #expect(j.status == 2)
        let unsupported = try #require(try jsonObject(j.stdout)["unsupported"] as? [[String: Any]])
        #expect(unsupported.first?["op"] as? String == "Erf")
    }

    @Test("inspect reports nodes that ask for training behaviour")
    func inspectTrainingMode() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let r = try NNInfer.run(["inspect", try ModelFixtures.trainingModeBN(in: dir)])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("bn1: training_mode=1 asks for batch statistics"), "\(r.stdout)")
        #expect(r.stdout.contains("Dropout") || r.stdout.contains("running statistics used"))
    }

    @Test("annotate stores labels and preprocessing; classify then needs no flags")
    func annotateThenClassify() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.plainGray(in: dir)
        try ImageFixtures.write(ImageEncoderShim.ppm(30, 20), dir + "/a.ppm")
        let labels = dir + "/labels.txt"
        try Data("zero\none\ntwo\nthree\nfour\n".utf8).write(to: URL(fileURLWithPath: labels))
        let flags = ["--mean", "0.5", "--std", "0.25", "--resize", "shorter_side_crop", "--resize-shorter", "16"]
        let withFlags = try NNInfer.run([model, dir + "/a.ppm", "--labels", labels, "--format", "json", "--quiet"] + flags)
        let annotated = dir + "/annotated.onnx"
        let a = try NNInfer.run(["annotate", model, "--labels", labels, "--output", "logits", "--training", "epochs=3", "-o", annotated] + flags)
        #expect(a.status == 0, "\(a.stderr)")
        let plain = try NNInfer.run([annotated, dir + "/a.ppm", "--format", "json"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("note:"), "metadata present: nothing assumed")
        #expect(plain.stdout == withFlags.stdout)
        let top = try #require(try jsonObject(plain.lines.first ?? "")["top"] as? [[String: Any]])
        #expect(top.allSatisfy { $0["label"] is String })

        let info = try jsonObject(try NNInfer.run(["inspect", annotated, "--json"]).stdout)
        let original = try jsonObject(try NNInfer.run(["inspect", model, "--json"]).stdout)
        #expect((info["ops"] as? [String: Int]) == (original["ops"] as? [String: Int]), "the graph is kept")
        #expect((info["parameters"] as? [String: Int]) == (original["parameters"] as? [String: Int]))
        let metadata = try #require(info["metadata"] as? [String: Any])
        #expect((metadata["training"] as? [String: String])?["epochs"] == "3")
        #expect(metadata["output"] as? String == "logits")

        // Annotating in place, then changing one piece, keeps the rest.
        #expect(try NNInfer.run(["annotate", annotated, "--color", "rgb", "-o", annotated]).status == 2, "rgb does not fit a 1-channel input")
        let again = try NNInfer.run(["annotate", annotated, "--std", "0.5", "-o", annotated])
        #expect(again.status == 0, "\(again.stderr)")
        let pre = try #require((try jsonObject(try NNInfer.run(["inspect", annotated, "--json"]).stdout)["metadata"] as? [String: Any])?["preprocess"] as? [String: Any])
        #expect(pre["resize_shorter"] as? Int == 16 && (pre["std"] as? [Double]) == [0.5] && (pre["mean"] as? [Double]) == [0.5])
    }

    @Test("annotate refuses a labels file that does not match the classes")
    func annotateLabelMismatch() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.plainGray(in: dir)
        let labels = dir + "/labels.txt"
        try Data("a\nb\n".utf8).write(to: URL(fileURLWithPath: labels))
        let r = try NNInfer.run(["annotate", model, "--labels", labels, "-o", dir + "/out.onnx"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("2 labels") && r.stderr.contains("5 classes"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.onnx"))
    }

    @Test("bench --json prints the documented keys")
    func benchJSON() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        let r = try NNInfer.run(["bench", model, "--batch", "2", "--threads", "1", "--warmup", "1", "--iterations", "3", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == 1)
        let o = try jsonObject(r.stdout)
        for key in ["min_ms", "median_ms", "p90_ms", "gflops", "images_per_s", "session_ms"] {
            #expect(((o[key] as? NSNumber)?.doubleValue ?? -1) > 0, "\(key) in \(r.stdout)")
        }
        #expect(o["batch"] as? Int == 2 && o["threads"] as? Int == 1)
        let minimum = (o["min_ms"] as? NSNumber)?.doubleValue ?? 0, median = (o["median_ms"] as? NSNumber)?.doubleValue ?? 0
        #expect(minimum <= median)
        #expect(o["session_min_ms"] == nil)
        // --sessions N: the first session and the fastest of the N - 1 repeats.
        let repeated = try NNInfer.run(["bench", model, "--threads", "1", "--warmup", "0", "--iterations", "1", "--sessions", "3", "--json"])
        #expect(repeated.status == 0, "\(repeated.stderr)")
        let j = try jsonObject(repeated.stdout)
        #expect(((j["session_min_ms"] as? NSNumber)?.doubleValue ?? -1) > 0 && ((j["session_ms"] as? NSNumber)?.doubleValue ?? -1) > 0)
        let text = try NNInfer.run(["bench", model, "--warmup", "0", "--iterations", "1", "--sessions", "2"])
        #expect(text.stdout.contains("fastest of 1 more:"), "\(text.stdout)")
        #expect(try NNInfer.run(["bench", model, "--sessions", "0"]).status != 0)
    }

    @Test("bench --per-op prints one row per plan step")
    func benchPerOp() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        let r = try NNInfer.run(["bench", model, "--iterations", "2", "--warmup", "0", "--per-op"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("latency") && r.stdout.contains("images/s") && r.stdout.contains("GFLOP/s"))
        let header = try #require(r.lines.firstIndex { $0.hasPrefix("node") })
        let rows = r.lines[(header + 1)...]
        #expect(rows.contains { $0.hasPrefix("conv1") && $0.contains("Conv") })
        #expect(rows.contains { $0.hasPrefix("fc1") && $0.contains("Gemm") })
        let j = try jsonObject(try NNInfer.run(["bench", model, "--iterations", "2", "--warmup", "0", "--per-op", "--json"]).stdout)
        let perOp = try #require(j["per_op"] as? [[String: Any]])
        let percent = perOp.compactMap { ($0["percent"] as? NSNumber)?.doubleValue }.reduce(0, +)
        #expect(abs(percent - 100) < 0.5)
    }
}
