import Foundation

/// Creates a directory (and parents) or reports why it cannot.
func createDirectory(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw CLIError(message: "\(path): cannot create the output directory: \(error.localizedDescription)")
    }
}
