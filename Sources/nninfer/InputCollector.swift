import Foundation
import NNImage

#if canImport(Glibc)
import Glibc
#endif

/// One entry of the work list: a file to classify, or a path that already failed.
enum InputItem: Sendable, Equatable {
    case file(String)
    case failed(path: String, reason: String)
}

/// Turns the PATH arguments into the ordered list of files to classify.
///
/// Files are taken as given (in argument order). Directories are walked recursively, hidden
/// entries skipped, and their images — recognized by content or by extension — sorted by path
/// (byte order) for reproducible output. `-` reads more paths from standard input, one a line.
/// A missing path becomes a failed item, reported in order like any other per-file error.
struct InputCollector {
    /// Extensions that mark a file as an image even when its content does not (a broken image is
    /// then reported, not skipped silently).
    static let imageExtensions: Set<String> = Set(ImageFormat.allCases.flatMap(\.fileExtensions))

    private var visitedDirectories: Set<String> = []

    /// Expands `paths`; `readLine` supplies standard input for `-`.
    mutating func collect(_ paths: [String], readLine: () -> String? = { Swift.readLine(strippingNewline: true) }) -> [InputItem] {
        var items: [InputItem] = []
        var stdinRead = false
        for path in paths {
            if path == "-" {
                guard !stdinRead else { continue }
                stdinRead = true
                while let line = readLine() {
                    let p = line.hasSuffix("\r") ? String(line.dropLast()) : line
                    if !p.isEmpty { items += expand(p) }
                }
            } else {
                items += expand(path)
            }
        }
        return items
    }

    private mutating func expand(_ path: String) -> [InputItem] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return [.failed(path: path, reason: "no such file or directory")]
        }
        guard isDirectory.boolValue else { return [.file(path)] }
        var found: [String] = []
        walk(path, into: &found)
        found.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if found.isEmpty { return [.failed(path: path, reason: "no image files found in this directory")] }
        return found.map { .file($0) }
    }

    /// Appends the images under `directory` (symlinked directories followed once each).
    private mutating func walk(_ directory: String, into found: inout [String]) {
        guard let real = Self.realPath(directory), visitedDirectories.insert(real).inserted else { return }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names where !name.hasPrefix(".") {
            let path = prefix + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                walk(path, into: &found)
            } else if Self.looksLikeImage(path) {
                found.append(path)
            }
        }
    }

    /// An image extension, or content that starts like PNG, JPEG or PNM.
    static func looksLikeImage(_ path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        return imageExtensions.contains(ext) || ImageFormat.sniff(contentsOf: path) != nil
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
