import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on standard error, drawn only when standard error is a terminal and the work
/// has already taken more than half a second; never when stderr is a pipe or a file.
final class ProgressReporter {
    private let total: Int
    private let enabled: Bool
    private let start = ContinuousClock.now
    private var lastDraw: ContinuousClock.Instant?
    private var visible = false

    /// - Parameters:
    ///   - total: Files to process.
    ///   - enabled: False to never draw (`--quiet`, `--no-progress`).
    init(total: Int, enabled: Bool = true) {
        self.total = total
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    /// Seconds since the reporter was created.
    var elapsed: Double { Self.seconds(ContinuousClock.now - start) }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Redraws the bar for `done` files, at most ten times a second.
    func update(done: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - start > .milliseconds(500) else { return }
        if let lastDraw, now - lastDraw < .milliseconds(100), done < total { return }
        lastDraw = now
        let width = 30
        let filled = total > 0 ? min(width, done * width / total) : width
        let rate = Double(done) / max(elapsed, 1e-9)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        write("\r\u{1B}[K[\(bar)] \(done)/\(total)  \(String(format: "%.1f", rate)) images/s")
        visible = true
    }

    /// Erases the bar so that a message can be printed on a clean line.
    func clear() {
        guard visible else { return }
        write("\r\u{1B}[K")
        visible = false
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
