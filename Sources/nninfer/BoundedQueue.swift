import Foundation

/// A first-in first-out queue of at most `capacity` elements between one producer thread and one
/// consumer: `push` blocks while it is full, `pop` while it is empty. Closing it wakes both sides;
/// `pop` then drains what is left and returns nil, `push` drops its element and returns false.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    // Invariant making the unchecked conformance sound: `items` and `closed` are only touched
    // while `condition` is locked.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds an element, waiting for room; false if the queue was closed.
    @discardableResult
    func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// Takes the oldest element, waiting for one; nil once the queue is closed and empty.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        let first = items.removeFirst()
        condition.broadcast()
        return first
    }

    /// No more elements will come (producer) or be taken (consumer).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Closes the queue and drops what it holds, so a blocked producer returns at once.
    func cancel() {
        condition.lock()
        closed = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
