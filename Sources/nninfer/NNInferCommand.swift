import ArgumentParser
import Foundation
import NNFormat
import NNRuntime

/// `nninfer`: classify images with a model, run it on tensor files, inspect and benchmark it.
@main
struct NNInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nninfer",
        abstract: "Classify images with CNN models in ONNX format on the CPU; inspect, annotate and benchmark models.",
        discussion: "With a model file as the first argument, `classify` is implied: nninfer MODEL IMAGE...",
        subcommands: [ClassifyCommand.self, InspectCommand.self, AnnotateCommand.self, BenchCommand.self, RunCommand.self])

    /// Exit code for usage and model errors.
    static let usageOrModelError: Int32 = 2

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let names = Set(configuration.subcommands.map { $0._commandName } + ["help", "-h", "--help", "--version"])
        if let first = arguments.first, !names.contains(first), !first.hasPrefix("-") {
            arguments.insert("classify", at: 0)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let error as CLIError {
            printError(error.message)
            exit(withError: ExitCode(error.code))
        } catch {
            // ArgumentParser's own errors (usage) exit with 2 like ours.
            let code = exitCode(for: error)
            if code == .validationFailure || code.rawValue == 64 {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(usageOrModelError))
            }
            exit(withError: error)
        }
    }
}

/// An error the CLI reports with a message and an exit code.
struct CLIError: Error {
    var message: String
    var code: Int32 = NNInferCommand.usageOrModelError
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var stderr = StandardError()
    print("nninfer: \(message)", to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
