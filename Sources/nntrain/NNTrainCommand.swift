import ArgumentParser
import Foundation
import NNTrain

/// `nntrain`: train CNN classifiers with training semantics and write them as ONNX models.
@main
struct NNTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nntrain",
        abstract: "Train conv/BN/ReLU/Dropout/FC classifiers and export them as ONNX models.",
        discussion: """
            SPEC grammar (--arch): a comma-separated layer list.
              convKxK-C[/sS][pP][gG]  K×K convolution to C channels, stride S, zero padding P, G groups
              bn                      batch normalization (2-D after conv, 1-D after fc)
              relu | lrelu[A]         ReLU, LeakyReLU with slope A (default 0.01)
              dropoutP                inverted dropout, drop probability P
              fcN                     fully connected, N outputs (needs flat input: flatten or gap,flatten)
              maxpoolK[/sS][pP]       max pooling (stride defaults to K)
              avgpoolK[/sS][pP]       average pooling (padding not counted)
              gap | flatten           global average pooling to (C,1,1); flatten to (F)
              res(BODY[|SHORTCUT])    residual block: BODY(x) + x, or BODY(x) + SHORTCUT(x)
            Example: conv5x5-20,bn,relu,maxpool2,conv5x5-50,relu,bn,maxpool2,flatten,fc500,relu,dropout0.5,fc10
            """,
        subcommands: [TrainCommand.self, InitCommand.self, BenchModelCommand.self, BenchTrainCommand.self])

    /// Exit code for usage errors and bad data.
    static let usageOrDataError: Int32 = 2
    /// Exit code for a run that diverged or could not be written.
    static let trainingFailure: Int32 = 1

    static func main() {
        ComputeContext.keepFreedBuffers()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as TrainError {
            printError(error.description)
            if case .diverged = error { exit(withError: ExitCode(trainingFailure)) }
            if case .export = error { exit(withError: ExitCode(trainingFailure)) }
            exit(withError: ExitCode(usageOrDataError))
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure || code.rawValue == 64 {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(usageOrDataError))
            }
            exit(withError: error)
        }
    }
}

/// Writes `nntrain: message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("nntrain: \(message)\n".utf8))
}

/// Writes text to standard error as is.
func writeStderr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Parses `CxHxW` (or `F`) into a shape.
func parseShape(_ text: String) throws(TrainError) -> [Int] {
    let parts = text.lowercased().split(separator: "x").map { Int($0) }
    guard !parts.isEmpty, parts.count == 1 || parts.count == 3, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw .invalidArgument("'\(text)' is not a shape CxHxW (e.g. 1x28x28) or F")
    }
    return parts.compactMap { $0 }
}
