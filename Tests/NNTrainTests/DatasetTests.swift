import Foundation
import NNImage
import Testing
@testable import NNTrain

@Suite struct DatasetTests {
    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "nntrain-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func gzip(_ path: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-f", path]
        try p.run()
        p.waitUntilExit()
    }

    static func idx(images: Int, rows: Int, cols: Int, labels: [UInt8]) -> (images: [UInt8], labels: [UInt8]) {
        func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        let pixels = (0..<(images * rows * cols)).map { UInt8($0 % 256) }
        return ([0, 0, 8, 3] + be(images) + be(rows) + be(cols) + pixels, [0, 0, 8, 1] + be(labels.count) + labels)
    }

    @Test func readsIDXPlainAndGzipped() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (img, lab) = Self.idx(images: 3, rows: 2, cols: 2, labels: [7, 0, 9])
        try Self.write(img, dir + "/t-images-idx3-ubyte")
        try Self.write(lab, dir + "/t-labels-idx1-ubyte")
        let plain = try DatasetLoader.load(dir + "/t-images-idx3-ubyte")
        #expect(plain.count == 3 && plain.shape == [1, 2, 2] && plain.labels == [7, 0, 9] && plain.pixels[5] == 5)
        try Self.gzip(dir + "/t-images-idx3-ubyte")
        try Self.gzip(dir + "/t-labels-idx1-ubyte")
        #expect(try DatasetLoader.load(dir + "/t-images-idx3-ubyte.gz") == { var d = plain; d.source += ".gz"; return d }())
    }

    @Test func rejectsBadIDX() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (img, lab) = Self.idx(images: 3, rows: 2, cols: 2, labels: [1, 2, 3])
        try Self.write(Array(img.dropLast(2)), dir + "/a-images-idx3-ubyte")
        try Self.write(lab, dir + "/a-labels-idx1-ubyte")
        #expect { try DatasetLoader.load(dir + "/a-images-idx3-ubyte") } throws: { "\($0)".contains("truncated") }
        try Self.write(img, dir + "/b-images-idx3-ubyte")
        try Self.write([0, 0, 9, 1] + lab.dropFirst(4), dir + "/b-labels-idx1-ubyte")
        #expect { try DatasetLoader.load(dir + "/b-images-idx3-ubyte") } throws: { "\($0)".contains("magic") }
        try Self.write(Self.idx(images: 3, rows: 2, cols: 2, labels: [1, 12, 3]).labels, dir + "/b-labels-idx1-ubyte")
        #expect { try DatasetLoader.load(dir + "/b-images-idx3-ubyte") } throws: { "\($0)".contains("out of range") }
        try Self.write(Self.idx(images: 2, rows: 2, cols: 2, labels: [1, 2]).labels, dir + "/b-labels-idx1-ubyte")
        #expect { try DatasetLoader.load(dir + "/b-images-idx3-ubyte") } throws: { "\($0)".contains("2 labels") }
        try Self.write(Array(repeating: 0x1F, count: 1) + [0x8B, 8, 0, 0, 0], dir + "/c.gz")
        #expect(throws: TrainError.self) { try DatasetLoader.load(dir + "/c.gz") }
    }

    @Test func readsAndChecksDigitCSV() throws {
        func line(_ label: Int, _ fill: Int = 1) -> String { (Array(repeating: "\(fill)", count: 784) + ["\(label)"]).joined(separator: ",") }
        let good = try DigitCSVReader.parse(Array((line(3) + "\n" + line(0, 255) + "\n").utf8), source: "x.csv")
        #expect(good.labels == [3, 0] && good.pixels.count == 2 * 784 && good.pixels[784] == 255)
        #expect { try DigitCSVReader.parse(Array((line(3) + "\n" + line(11)).utf8), source: "x.csv") } throws: { "\($0)".contains("line 2: label 11") }
        #expect { try DigitCSVReader.parse(Array("1,2,3\n".utf8), source: "x.csv") } throws: { "\($0)".contains("3 values") }
        #expect { try DigitCSVReader.parse(Array(line(1, 300).utf8), source: "x.csv") } throws: { "\($0)".contains("over 255") }
        #expect(throws: TrainError.self) { try DigitCSVReader.parse([], source: "x.csv") }
    }

    @Test func imageFolderLabelsSizesAndEmptyClasses() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        func png(_ path: String, _ w: Int, _ h: Int, _ v: UInt8) throws {
            guard let image = Image(width: w, height: h, channels: 1, pixels: [UInt8](repeating: v, count: w * h)) else { throw TrainError.invalidArgument("image") }
            try ImageEncoder.write(image, toFile: path, as: .png)
        }
        for (name, v) in [("cat", UInt8(10)), ("ant", UInt8(200))] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            try png("\(root)/\(name)/1.png", 4, 3, v)
            try png("\(root)/\(name)/2.png", 4, 3, v)
        }
        let data = try DatasetLoader.load(root)
        #expect(data.classNames == ["ant", "cat"] && data.labels == [0, 0, 1, 1] && data.shape == [1, 3, 4] && data.pixels[0] == 200)
        try png("\(root)/cat/3.png", 5, 5, 0)
        #expect { try DatasetLoader.load(root) } throws: { "\($0)".contains("--resize") }
        var options = DatasetLoader.Options()
        options.resize = (4, 3)
        #expect(try DatasetLoader.load(root, options: options).count == 5)
        try FileManager.default.createDirectory(atPath: "\(root)/empty", withIntermediateDirectories: true)
        #expect { try DatasetLoader.load(root, options: options) } throws: { "\($0)".contains("no .png/.jpg") }
    }

    @Test func stratifiedSplitKeepsClassSharesAndIsSeeded() throws {
        let labels = (0..<500).map { $0 / 50 }     // sorted by label, like mnist_5k
        let a = try DatasetSplit.stratified(labels: labels, classes: 10, fraction: 0.2, seed: 1)
        #expect(a.validation.count == 100 && a.train.count == 400)
        for c in 0..<10 { #expect(a.validation.filter { labels[$0] == c }.count == 10) }
        #expect(Set(a.train).isDisjoint(with: a.validation))
        #expect(a.validation.prefix(10).map { labels[$0] } != Array(repeating: labels[a.validation[0]], count: 10))
        let b = try DatasetSplit.stratified(labels: labels, classes: 10, fraction: 0.2, seed: 1)
        #expect(a.train == b.train && a.validation == b.validation)
        #expect(try DatasetSplit.stratified(labels: labels, classes: 10, fraction: 0.2, seed: 2).validation != a.validation)
    }

    @Test func divergingRunStopsWithAnError() throws {
        let data = try EvalSemanticsTests.data(count: 12, seed: 1)
        let net = try Network(spec: "flatten,fc8,relu,fc3", inputShape: [1, 6, 6], seed: 1)
        var options = TrainingOptions()
        (options.epochs, options.batchSize, options.learningRate) = (5, 4, 1e12)
        let trainer = try Trainer(network: net, options: options, normalization: Normalization(fitting: data))
        #expect { try trainer.fit(train: data, validation: nil) } throws: { error in
            guard case TrainError.diverged = error else { return false }
            return true
        }
        // Export refuses non-finite weights, whatever the caller does after a failed run.
        net.parameters[0].value[0] = .nan
        #expect(throws: TrainError.self) { try net.exportModel(metadata: .init()) }
    }
}
