import Foundation

/// Class labels from a text file: one label a line, in class-index order.
enum Labels {
    /// Reads `path`; a trailing newline (or CRLF line ends) adds no label. Errors exit with 2.
    static func read(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw CLIError(message: "\(path): cannot read the labels file: \(exists ? (isDirectory.boolValue ? "it is a directory" : "permission denied") : "no such file")")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError(message: "\(path): the labels file is not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard !lines.isEmpty else { throw CLIError(message: "\(path): the labels file is empty") }
        return lines
    }
}
