/// Pointer access to float arrays without force-unwrapping `baseAddress` (an empty array gets a
/// valid pointer to a dummy value that must not be read).
extension Array where Element == Float {
    /// Calls `body` with a pointer to the first element.
    @inline(__always)
    func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return try body(base) }
            var dummy: Float = 0
            return try withUnsafePointer(to: &dummy) { try body($0) }
        }
    }

    /// Calls `body` with a mutable pointer to the first element.
    @inline(__always)
    mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { return try body(base) }
            var dummy: Float = 0
            return try withUnsafeMutablePointer(to: &dummy) { try body($0) }
        }
    }
}
