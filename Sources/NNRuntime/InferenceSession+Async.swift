import Dispatch

extension InferenceSession {
    /// Runs the model on named inputs on a background thread and returns every output by name.
    ///
    /// The work runs on a Dispatch global queue, not on the caller's executor and not on Swift
    /// concurrency's cooperative pool (whose few threads a long inference would otherwise block),
    /// so an actor or the main actor stays responsive while it runs. Many calls may be in flight on
    /// one session at once. The run itself cannot be cancelled once started.
    ///
    /// ```swift
    /// let outputs = try await session.runInBackground(["input": image])
    /// ```
    public func runInBackground(
        _ feeds: [String: Tensor], priority: DispatchQoS.QoSClass = .userInitiated
    ) async throws(RuntimeError) -> [String: Tensor] {
        try await offload(priority) { () throws(RuntimeError) in try self.run(feeds) }
    }

    /// Runs the model on inputs in graph-input order on a background thread; outputs come in
    /// graph-output order. See ``runInBackground(_:priority:)->[String:Tensor]``.
    public func runInBackground(
        _ feeds: [Tensor], priority: DispatchQoS.QoSClass = .userInitiated
    ) async throws(RuntimeError) -> [Tensor] {
        try await offload(priority) { () throws(RuntimeError) in try self.run(feeds) }
    }

    /// Runs `work` on a global queue and resumes the caller with its result.
    private func offload<T: Sendable>(
        _ qos: DispatchQoS.QoSClass, _ work: @escaping @Sendable () throws(RuntimeError) -> T
    ) async throws(RuntimeError) -> T {
        let result: Result<T, RuntimeError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: qos).async {
                continuation.resume(returning: Result { () throws(RuntimeError) -> T in try work() })
            }
        }
        return try result.get()
    }
}
