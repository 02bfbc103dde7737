import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What one run of the `nninfer` binary printed and returned.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Standard output split into lines (no trailing empty line).
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast(stdout.hasSuffix("\n") ? 1 : 0) }
    /// Standard error split into lines.
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs the `nninfer` executable that `swift build` / `swift test` built next to the test bundle.
enum NNInfer {
    /// The binary: `$NNINFER_BIN`, else `nninfer` in the directory of the running test bundle
    /// (`.build/<triple>/<config>/`), else `.build/debug/nninfer` under the package root.
    static let binary: String? = {
        if let env = ProcessInfo.processInfo.environment["NNINFER_BIN"], !env.isEmpty { return env }
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent + "/nninfer")
        }
        for bundle in Bundle.allBundles {
            candidates.append((bundle.bundlePath as NSString).deletingLastPathComponent + "/nninfer")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/nninfer").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `nninfer arguments...` with `stdin` as standard input; output goes through files so
    /// that large outputs cannot dead-lock on a full pipe.
    static func run(_ arguments: [String], stdin: String? = nil, in directory: String? = nil) throws -> ProcessResult {
        let binary = try #require(binary, "the nninfer binary was not found next to the test bundle; run `swift build` first")
        return try runProcess(binary, arguments, stdin: stdin, in: directory)
    }

    /// Runs any executable the same way.
    static func runProcess(_ executable: String, _ arguments: [String], stdin: String? = nil, in directory: String? = nil) throws -> ProcessResult {
        let scratch = try TemporaryDirectory.make(prefix: "nninfer-run")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let outPath = scratch + "/stdout", errPath = scratch + "/stderr", inPath = scratch + "/stdin"
        for (path, contents) in [(outPath, Data()), (errPath, Data()), (inPath, Data((stdin ?? "").utf8))] {
            try #require(FileManager.default.createFile(atPath: path, contents: contents), "cannot create \(path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let outHandle = try #require(FileHandle(forWritingAtPath: outPath))
        let errHandle = try #require(FileHandle(forWritingAtPath: errPath))
        let inHandle = try #require(FileHandle(forReadingAtPath: inPath))
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        try inHandle.close()
        let out = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
        let err = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        return ProcessResult(status: process.terminationStatus, stdout: out, stderr: err)
    }
}

/// Fresh directories under /tmp.
enum TemporaryDirectory {
    static func make(prefix: String = "nninfer-cli-tests") throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        try #require(made, "mkdtemp failed")
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Deletes a directory made by `make` (set NNINFER_KEEP_TEST_FILES to keep it for a look).
    static func remove(_ path: String) {
        guard ProcessInfo.processInfo.environment["NNINFER_KEEP_TEST_FILES"] == nil, path.hasPrefix("/tmp/") else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Parses one line of JSON into a dictionary.
func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any], "not a JSON object: \(text)")
}
