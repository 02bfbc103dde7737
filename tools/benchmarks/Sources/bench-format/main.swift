// Times reading a model file with ModelReader next to a plain read of the same file.
// Usage: bench-format MODEL [ITERATIONS]
import Foundation
import NNFormat

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write(Data("usage: bench-format MODEL [ITERATIONS]\n".utf8))
    exit(2)
}
let path = args[1]
let iterations = args.count > 2 ? Int(args[2]) ?? 10 : 10

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

let size = Double((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
var plain: [Double] = [], reader: [Double] = []
var params = 0
for _ in 0..<iterations {
    plain.append(try seconds {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        _ = try handle.readToEnd()
        try handle.close()
    })
    reader.append(try seconds {
        let model = try ModelReader.read(contentsOf: path)
        params = model.graph.initializers.reduce(0) { $0 + $1.elementCount }
    })
}
let mb = size / 1e6
let p = median(plain), r = median(reader)
print(String(format: "file %@: %.1f MB, %d parameters, %d iterations (median)", path, mb, params, iterations))
print(String(format: "plain read   %8.2f ms  %8.0f MB/s", p * 1e3, mb / p))
print(String(format: "ModelReader  %8.2f ms  %8.0f MB/s  (%.1fx the plain read's time)", r * 1e3, mb / r, r / p))
