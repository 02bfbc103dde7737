import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An immutable-after-construction, 64-byte aligned block of memory shared by reference:
/// constants, folded values and packed weights. Kernels read it through raw pointers.
final class HostBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// A name for the contents that is the same in every plan of a session (an initializer's
    /// name, or how a folded weight was derived), so derived data such as packed weights is made
    /// once per session. Buffers without one get a unique serial.
    let key: String

    private static let serial = Mutex<Int>(0)

    init(byteCount: Int, key: String? = nil) {
        self.byteCount = byteCount
        self.key = key ?? "buffer#\(HostBuffer.serial.withLock { $0 += 1; return $0 })"
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, 64, max(byteCount, 64)) == 0, let p else {
            fatalError("out of memory allocating \(byteCount) bytes")
        }
        memset(p, 0, max(byteCount, 64))
        pointer = p
    }

    convenience init(floats: [Float], key: String? = nil) {
        self.init(byteCount: floats.count * 4, key: key)
        floats.withUnsafeBytes { if $0.count > 0 { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
    }

    convenience init(int64s: [Int64], key: String? = nil) {
        self.init(byteCount: int64s.count * 8, key: key)
        int64s.withUnsafeBytes { if $0.count > 0 { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
    }

    deinit { free(pointer) }

    var floats: UnsafeMutablePointer<Float> { pointer.assumingMemoryBound(to: Float.self) }
    var int64s: UnsafeMutablePointer<Int64> { pointer.assumingMemoryBound(to: Int64.self) }
}

/// A constant tensor known at plan time (an initializer, a Constant node, or a folded value).
struct ConstantTensor: @unchecked Sendable {
    var type: ElementTypeR
    var shape: [Int]
    var buffer: HostBuffer

    var count: Int { shape.reduce(1, *) }

    func floatArray() -> [Float] {
        Array(UnsafeBufferPointer(start: buffer.floats, count: count))
    }

    /// The values as Int64 (int64 tensors, or float tensors truncated).
    func int64Array() -> [Int64] {
        switch type {
        case .int64: return Array(UnsafeBufferPointer(start: buffer.int64s, count: count))
        case .float: return UnsafeBufferPointer(start: buffer.floats, count: count).map { Int64($0) }
        }
    }

    func floatValues() -> [Float] {
        switch type {
        case .float: return floatArray()
        case .int64: return UnsafeBufferPointer(start: buffer.int64s, count: count).map { Float($0) }
        }
    }

    init(type: ElementTypeR, shape: [Int], buffer: HostBuffer) {
        self.type = type
        self.shape = shape
        self.buffer = buffer
    }

    init(shape: [Int], floats: [Float], key: String? = nil) {
        self.init(type: .float, shape: shape, buffer: HostBuffer(floats: floats, key: key))
    }

    init(shape: [Int], int64s: [Int64], key: String? = nil) {
        self.init(type: .int64, shape: shape, buffer: HostBuffer(int64s: int64s, key: key))
    }

    var tensor: Tensor {
        switch type {
        case .float: return Tensor(shape: shape, floats: floatArray())
        case .int64: return Tensor(shape: shape, int64s: int64Array())
        }
    }
}

/// The element types the runtime computes with: float32, and int64 for shapes and indices.
enum ElementTypeR: Sendable, Hashable, CustomStringConvertible {
    case float
    case int64

    var byteSize: Int { self == .float ? 4 : 8 }
    var description: String { self == .float ? "float" : "int64" }
}
