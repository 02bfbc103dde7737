import Foundation
import NNTrain

/// Per-epoch progress lines on stderr, with a bar within the epoch when stderr is a terminal.
struct ProgressPrinter {
    let epochs: Int
    let interactive = isatty(STDERR_FILENO) != 0
    private var lastDraw = 0.0

    init(epochs: Int) { self.epochs = epochs }

    mutating func handle(_ event: TrainingEvent) {
        switch event {
        case .step(let epoch, let step, let steps, let loss):
            guard interactive else { return }
            let now = Date().timeIntervalSince1970
            guard step == steps || now - lastDraw > 0.1 else { return }
            lastDraw = now
            let width = 30, filled = width * step / steps
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            writeStderr("\repoch \(epoch)/\(epochs) [\(bar)] \(step)/\(steps) loss \(String(format: "%.4f", loss))")
        case .epoch(let r):
            if interactive { writeStderr("\r\u{1B}[K") }
            var line = String(format: "epoch %d/%d  loss %.4f  train acc %.2f%%", r.epoch, epochs, r.loss, r.trainAccuracy * 100)
            if let v = r.validationAccuracy { line += String(format: "  val acc %.2f%%", v * 100) }
            if let l = r.validationLoss { line += String(format: "  val loss %.4f", l) }
            line += String(format: "  %.0f img/s  lr %.4g", r.imagesPerSecond, r.learningRate)
            writeStderr(line + "\n")
        }
    }
}
