import Foundation
import NNFormat
import Testing

@Suite("nninfer classify, end to end")
struct ClassifyTests {
    @Test("every supported image kind is classified; text output in sorted order; summary on stderr")
    func everyKind() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.plainGray(in: dir)
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        let names = try ImageFixtures.writeGood(into: dir + "/images")
        let r = try NNInfer.run(["classify", model, dir + "/images", "--top-k", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        let fileLines = r.lines.filter { !$0.hasPrefix(" ") }
        #expect(fileLines == names.map { dir + "/images/" + $0 })
        #expect(r.lines.count == names.count * 4)
        // Three classes per file: probability, index, and no label (the model has none).
        for line in r.lines where line.hasPrefix(" ") {
            let fields = line.split(separator: " ")
            #expect(fields.count == 2, "\(line)")
            #expect(Double(fields[0]).map { $0 >= 0 && $0 <= 1 } == true)
        }
        #expect(r.stderr.contains("note: "), "a model without metadata says what it assumed")
        #expect(r.stderr.contains("gray 12x12"))
        #expect(r.stderr.contains("\(names.count) files, 0 failed"))
        #expect(!r.stderr.contains("\r"), "no progress bar when stderr is not a terminal")
    }

    @Test("the model as first argument implies classify")
    func defaultCommand() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        try ImageFixtures.write(try ImageFixtures.png(width: 30, height: 20, colorType: 2, depth: 8), dir + "/x.png")
        let implied = try NNInfer.run([model, dir + "/x.png", "--quiet"])
        let explicit = try NNInfer.run(["classify", model, dir + "/x.png", "--quiet"])
        #expect(implied.status == 0, "\(implied.stderr)")
        #expect(implied.stdout == explicit.stdout)
        #expect(implied.stderr.isEmpty, "metadata present and --quiet: nothing on stderr, got \(implied.stderr)")
        #expect(implied.lines.count == 6)
    }

    @Test("JSON lines parse: file, top-k best first with index, label and probability")
    func json() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        let names = try ImageFixtures.writeGood(into: dir)
        let r = try NNInfer.run([model, dir, "--format", "json", "--top-k", "2", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == names.count)
        for (line, name) in zip(r.lines, names) {
            let object = try jsonObject(line)
            #expect(Set(object.keys) == ["file", "top"])
            #expect(object["file"] as? String == dir + "/" + name)
            let top = try #require(object["top"] as? [[String: Any]])
            #expect(top.count == 2)
            let probabilities = top.compactMap { ($0["probability"] as? NSNumber)?.doubleValue }
            #expect(probabilities.count == 2 && probabilities[0] >= probabilities[1])
            for entry in top {
                let index = try #require(entry["index"] as? Int)
                #expect(entry["label"] as? String == ModelFixtures.labels[index])
            }
        }
    }

    @Test("JSON labels are null without labels")
    func jsonWithoutLabels() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.plainGray(in: dir)
        try ImageFixtures.write(ImageEncoderShim.pgm(8, 8), dir + "/a.pgm")
        let r = try NNInfer.run([model, dir + "/a.pgm", "--format", "json", "--top-k", "5", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let top = try #require(try jsonObject(r.lines.first ?? "")["top"] as? [[String: Any]])
        #expect(top.count == 5)
        #expect(top.allSatisfy { $0["label"] is NSNull })
        let sum = top.compactMap { ($0["probability"] as? NSNumber)?.doubleValue }.reduce(0, +)
        #expect(abs(sum - 1) < 1e-4, "softmax over all 5 classes sums to 1, got \(sum)")
    }

    @Test("CSV has the documented header and one row per file and rank, quoted when needed")
    func csv() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        try ImageFixtures.write(ImageEncoderShim.ppm(10, 10), dir + "/plain.ppm")
        try ImageFixtures.write(ImageEncoderShim.ppm(11, 9), dir + "/with,comma.ppm")
        let r = try NNInfer.run([model, dir, "--format", "csv", "--top-k", "3", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.first == "file,rank,index,label,probability")
        #expect(r.lines.count == 1 + 2 * 3)
        #expect(r.lines[1].hasPrefix(dir + "/plain.ppm,1,"))
        #expect(r.lines[4].hasPrefix("\"" + dir + "/with,comma.ppm\",1,"))
        let fields = r.lines[1].split(separator: ",")
        #expect(fields.count == 5)
        #expect(ModelFixtures.labels.contains(String(fields[3])))
        #expect(Double(fields[4]) != nil)
    }

    @Test("broken files are reported as `nninfer: PATH: reason`, the others still classified, exit 1")
    func brokenFiles() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.plainGray(in: dir)
        let images = dir + "/mix"
        try FileManager.default.createDirectory(atPath: images + "/nested/deeper", withIntermediateDirectories: true)
        let good = try ImageFixtures.writeGood(into: images + "/nested")
        let broken = try ImageFixtures.writeBroken(into: images)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: images + "/README.txt"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: images + "/.hidden.png"))
        try ImageFixtures.write(ImageEncoderShim.pgm(5, 5), images + "/nested/deeper/no_extension")
        let r = try NNInfer.run([model, images, "--format", "json", "--top-k", "1"])
        #expect(r.status == 1, "\(r.stderr)")
        let classified = try r.lines.map { try jsonObject($0)["file"] as? String ?? "" }
        let expected = (good.map { images + "/nested/" + $0 } + [images + "/nested/deeper/no_extension"])
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(classified == expected, "good files, found by extension or content, sorted by path")
        for (name, reason) in broken {
            let line = r.errorLines.first { $0.hasPrefix("nninfer: \(images)/\(name): ") }
            #expect(line?.contains(reason) == true, "\(name): expected '\(reason)' in \(line ?? "no line")")
        }
        #expect(!r.stderr.contains("README.txt") && !r.stderr.contains(".hidden"))
        #expect(r.stderr.contains("\(good.count + 1 + broken.count) files, \(broken.count) failed"))
    }

    @Test("--max-pixels refuses larger images before decoding them")
    func maxPixels() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.plainGray(in: dir)
        try ImageFixtures.write(ImageEncoderShim.pgm(20, 20), dir + "/big.pgm")
        try ImageFixtures.write(ImageEncoderShim.pgm(10, 10), dir + "/small.pgm")
        let r = try NNInfer.run([model, dir + "/big.pgm", dir + "/small.pgm", "--max-pixels", "300", "--quiet"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("nninfer: \(dir)/big.pgm: ") && r.stderr.contains("--max-pixels"))
        #expect(r.lines.first == dir + "/small.pgm")
    }

    @Test("- reads paths from standard input, in the order given")
    func stdinPaths() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.plainGray(in: dir)
        for name in ["b.pgm", "a.pgm", "c.pgm"] { try ImageFixtures.write(ImageEncoderShim.pgm(9, 7), dir + "/" + name) }
        let input = "\(dir)/c.pgm\n\n\(dir)/a.pgm\r\n\(dir)/missing.pgm\n\(dir)/b.pgm"
        let r = try NNInfer.run([model, "-", "--top-k", "1", "--format", "csv"], stdin: input)
        #expect(r.status == 1, "a missing path is a per-file error")
        #expect(r.lines.dropFirst().map { String($0.split(separator: ",")[0]) } == ["c", "a", "b"].map { "\(dir)/\($0).pgm" })
        #expect(r.stderr.contains("nninfer: \(dir)/missing.pgm: no such file or directory"))
    }

    @Test("output order and values do not depend on the batch size or concurrent batches")
    func batching() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        for i in 0..<11 {
            try ImageFixtures.write(try ImageEncoderShim.png(14 + i, 12 + (i * 3) % 7, seed: i), dir + String(format: "/img%02d.png", i))
        }
        try ImageFixtures.write([], dir + "/img05b.png")
        let one = try NNInfer.run([model, dir, "--batch", "1", "--format", "json", "--quiet"])
        let four = try NNInfer.run([model, dir, "--batch", "4", "--threads", "1", "--format", "json", "--quiet"])
        let jobs = try NNInfer.run([model, dir, "--batch", "2", "--jobs", "3", "--threads", "1", "--format", "json", "--quiet"])
        #expect(one.status == 1 && four.status == 1 && jobs.status == 1)
        #expect(one.lines.count == 11 && four.lines.count == 11 && jobs.lines.count == 11)
        for (a, b) in Array(zip(one.lines, four.lines)) + Array(zip(one.lines, jobs.lines)) {
            let ta = try #require(try jsonObject(a)["top"] as? [[String: Any]])
            let tb = try #require(try jsonObject(b)["top"] as? [[String: Any]])
            #expect(try jsonObject(a)["file"] as? String == jsonObject(b)["file"] as? String)
            #expect(ta.map { $0["index"] as? Int } == tb.map { $0["index"] as? Int })
            for (x, y) in zip(ta, tb) {
                let px = (x["probability"] as? NSNumber)?.doubleValue ?? -1, py = (y["probability"] as? NSNumber)?.doubleValue ?? -2
                #expect(abs(px - py) < 1e-5)
            }
        }
    }

    @Test("flags override the metadata; a bad flag or bad model exits 2")
    func flagsAndErrors() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        try ImageFixtures.write(ImageEncoderShim.ppm(16, 16), dir + "/a.ppm")
        let labelsPath = dir + "/labels.txt"
        try Data("L0\nL1\nL2\nL3\nL4\n".utf8).write(to: URL(fileURLWithPath: labelsPath))
        let withLabels = try NNInfer.run([model, dir + "/a.ppm", "--labels", labelsPath, "--resize", "stretch", "--mean", "0.5", "--std", "0.25", "--quiet"])
        #expect(withLabels.status == 0, "\(withLabels.stderr)")
        #expect(withLabels.lines.dropFirst().allSatisfy { $0.contains("  L") })

        let wrongSize = try NNInfer.run([model, dir + "/a.ppm", "--size", "10x10"])
        #expect(wrongSize.status == 2)
        #expect(wrongSize.stderr.contains("declared"))
        #expect(try NNInfer.run([model, dir + "/a.ppm", "--color", "purple"]).status == 2)
        #expect(try NNInfer.run([model, dir + "/a.ppm", "--top-k", "0"]).status == 2)
        #expect(try NNInfer.run(["classify", model]).status == 2, "no PATH")

        try Data("not a model".utf8).write(to: URL(fileURLWithPath: dir + "/bad.onnx"))
        let badModel = try NNInfer.run([dir + "/bad.onnx", dir + "/a.ppm"])
        #expect(badModel.status == 2)
        #expect(badModel.stderr.hasPrefix("nninfer: \(dir)/bad.onnx"))
        #expect(badModel.stdout.isEmpty)
        #expect(try NNInfer.run([dir + "/none.onnx", dir + "/a.ppm"]).status == 2)
        let unsupported = try NNInfer.run([try ModelFixtures.unsupported(in: dir), dir + "/a.ppm"])
        #expect(unsupported.status == 2)
        #expect(unsupported.stderr.contains("Erf"))
    }

    @Test("--dump-tensors writes the preprocessed input of each image as .npy")
    func dumpTensors() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.plainGray(in: dir)
        try ImageFixtures.write(ImageEncoderShim.pgm(12, 12), dir + "/a.pgm")
        let r = try NNInfer.run([model, dir + "/a.pgm", "--dump-tensors", dir + "/dump", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let tensor = try NumpyFile.read(contentsOf: dir + "/dump/a.pgm.npy")
        #expect(tensor.dims == [1, 1, 12, 12])
        let expected = ImageFixtures.pattern(width: 12, height: 12, channels: 1).map { Float($0) * (1.0 / 255.0) }
        let values = try #require(tensor.floats)
        #expect(zip(values, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "gray 12x12 at 12x12: pixel/255")
    }

    @Test("softmax is applied to logits only: a model ending in Softmax prints the same probabilities")
    func softmaxOnce() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let logits = try ModelFixtures.plainGray(in: dir)
        let probabilities = try ModelFixtures.softmaxGray(in: dir)
        try ImageFixtures.write(ImageEncoderShim.pgm(12, 12, seed: 3), dir + "/a.pgm")
        let a = try NNInfer.run([logits, dir + "/a.pgm", "--format", "json", "--quiet"])
        let b = try NNInfer.run([probabilities, dir + "/a.pgm", "--format", "json", "--quiet"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        let ta = try #require(try jsonObject(a.stdout)["top"] as? [[String: Any]])
        let tb = try #require(try jsonObject(b.stdout)["top"] as? [[String: Any]])
        #expect(ta.map { $0["index"] as? Int } == tb.map { $0["index"] as? Int })
        for (x, y) in zip(ta, tb) {
            let px = (x["probability"] as? NSNumber)?.doubleValue ?? -1, py = (y["probability"] as? NSNumber)?.doubleValue ?? -2
            #expect(abs(px - py) < 1e-5, "softmax(logits) \(px) vs the model's own softmax \(py)")
        }
    }

    @Test("on a terminal, a progress bar is drawn on stderr and erased before the summary",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressBarOnTerminal() throws {
        let dir = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(dir) }
        let model = try ModelFixtures.annotatedRGB(in: dir)
        // Large images keep a debug build busy for more than the half second before the bar appears.
        let image = try ImageEncoderShim.png(640, 480)
        for i in 0..<60 { try ImageFixtures.write(image, dir + String(format: "/img%02d.png", i)) }
        let binary = try #require(NNInfer.binary)
        let command = "\(binary) \(model) \(dir) --format csv --batch 4 > \(dir)/out.csv"
        let r = try NNInfer.runProcess("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(r.status == 0, "\(r.stdout)")
        // The summary ends in "(S s)"; the bar only appears after half a second (a release build may be faster).
        let seconds = r.stdout.split(separator: "(").last.flatMap { Double($0.split(separator: " ").first ?? "") } ?? 0
        if seconds > 0.7 {
            #expect(r.stdout.contains("\r\u{1B}[K["), "a bar redrawn in place: \(r.stdout.debugDescription)")
            #expect(r.stdout.contains("/60"))
            #expect(r.stdout.contains("\r\u{1B}[Knninfer: 60 files, 0 failed"), "erased before the summary")
        }
        #expect(r.stdout.contains("nninfer: 60 files, 0 failed"))
        let csv = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 60 * 5, "stdout keeps only results")
    }
}
