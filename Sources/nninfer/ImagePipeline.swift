import Foundation
import NNImage
import Synchronization

/// Decodes and preprocesses images on a producer thread, many at a time, into batches that the
/// consumer takes in input order.
///
/// Memory stays bounded: at most `queueCapacity` finished batches wait, plus the one being
/// decoded and the one being run. A batch holds up to `batchSize` images that decoded; the
/// files that failed travel with it as entries without a row, so the consumer reports every
/// file — result or error — in input order.
final class ImagePipeline: Sendable {
    /// One file of a batch: its row in the tensor, or why it has none.
    struct Entry: Sendable {
        var path: String
        var row: Int?
        var failure: String?
    }

    /// Consecutive files and the tensor of those that decoded.
    struct Batch: Sendable {
        var entries: [Entry] = []
        /// `rows` images, `preprocessing.elementCount` floats each, in `preprocessing.layout`.
        var tensor: [Float] = []
        var rows = 0
    }

    let items: [InputItem]
    let preprocessing: Preprocessing
    let batchSize: Int
    let pixelLimit: Int
    private let queue: BoundedQueue<Batch>

    init(items: [InputItem], preprocessing: Preprocessing, batchSize: Int, pixelLimit: Int, queueCapacity: Int = 2) {
        self.items = items
        self.preprocessing = preprocessing
        self.batchSize = max(1, batchSize)
        self.pixelLimit = pixelLimit
        self.queue = BoundedQueue(capacity: queueCapacity)
    }

    /// Starts the producer thread.
    func start() {
        let thread = Thread { [self] in produce() }
        thread.name = "nninfer-decode"
        thread.start()
    }

    /// The next batch in input order, waiting for it; nil after the last one.
    func next() -> Batch? { queue.pop() }

    /// Stops the producer (after the image it is working on) and drops waiting batches.
    func cancel() { queue.cancel() }

    private func produce() {
        var cursor = 0
        var batch = Batch()
        batch.tensor.reserveCapacity(batchSize * preprocessing.elementCount)
        while cursor < items.count {
            // Decode as many files as the batch still has rows for, all at once.
            let window = Array(items[cursor..<min(items.count, cursor + batchSize - batch.rows)])
            cursor += window.count
            for (item, result) in zip(window, prepare(window)) {
                switch result {
                case .success(let values):
                    batch.entries.append(Entry(path: item.path, row: batch.rows))
                    batch.tensor += values
                    batch.rows += 1
                case .failure(let reason):
                    batch.entries.append(Entry(path: item.path, failure: reason.message))
                }
            }
            if batch.rows == batchSize || cursor == items.count {
                guard queue.push(batch) else { return }
                batch = Batch()
                batch.tensor.reserveCapacity(batchSize * preprocessing.elementCount)
            }
        }
        queue.close()
    }

    /// Why one file gives no tensor.
    struct Failure: Error {
        var message: String
    }

    /// Decodes and preprocesses `window` concurrently; results in window order.
    private func prepare(_ window: [InputItem]) -> [Result<[Float], Failure>] {
        let results = Mutex<[Result<[Float], Failure>]>(Array(repeating: .failure(Failure(message: "not processed")), count: window.count))
        DispatchQueue.concurrentPerform(iterations: window.count) { i in
            let r = prepare(window[i])
            results.withLock { $0[i] = r }
        }
        return results.withLock { $0 }
    }

    /// One file's tensor.
    func prepare(_ item: InputItem) -> Result<[Float], Failure> {
        switch item {
        case .failed(_, let reason):
            return .failure(Failure(message: reason))
        case .file(let path):
            do {
                let image = try ImageDecoder.decode(contentsOf: path, pixelLimit: pixelLimit)
                return .success(try preprocessing.tensor(from: image))
            } catch let error as ImageError {
                return .failure(Failure(message: Self.reason(error, path: path)))
            } catch {
                return .failure(Failure(message: "\(error)"))
            }
        }
    }

    /// The error's message without the path it starts with (the caller prints `PATH: reason`).
    static func reason(_ error: ImageError, path: String) -> String {
        var text = error.description
        if text.hasPrefix(path + ": ") { text.removeFirst(path.count + 2) }
        if case .tooLarge = error { text += " (raise it with --max-pixels)" }
        return text
    }
}

extension InputItem {
    /// The path the item names.
    var path: String {
        switch self {
        case .file(let p): return p
        case .failed(let p, _): return p
        }
    }
}
