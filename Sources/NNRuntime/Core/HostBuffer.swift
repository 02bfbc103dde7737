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
    /// The adopted array whose storage `pointer` points into (nil: `pointer` is ours to free).
    private let owner: [Float]?
    /// The huge-page slab `pointer` was carved from (nil: not from one).
    private let slab: LargePageSlab?

    /// `zeroed: false` leaves the contents undefined, for callers that write every byte.
    init(byteCount: Int, key: String? = nil, zeroed: Bool = true) {
        self.byteCount = byteCount
        self.key = key ?? "buffer#\(HostBuffer.serial.withLock { $0 += 1; return $0 })"
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, 64, max(byteCount, 64)) == 0, let p else {
            fatalError("out of memory allocating \(byteCount) bytes")
        }
        if zeroed { memset(p, 0, max(byteCount, 64)) }
        pointer = p
        owner = nil
        slab = nil
    }

    /// A buffer of `byteCount` bytes, throwing `outOfMemory` (naming `what`) when the system refuses
    /// the memory: for the large buffers a session makes (packed weights, folded constants), whose
    /// sizes come from the model. They are carved in order from huge-page slabs (`LargePageSlab`),
    /// which read as zero. The plain initializer is for small ones (per-channel vectors).
    static func allocate(byteCount: Int, key: String? = nil, zeroed: Bool = true, what: String) throws(RuntimeError) -> HostBuffer {
        if !LargePages.enabled {                  // a sanitizer build: plain memory it can check
            var p: UnsafeMutableRawPointer?
            guard byteCount >= 0, posix_memalign(&p, 64, max(byteCount, 64)) == 0, let p else {
                throw .outOfMemory(what: what, bytes: byteCount)
            }
            if zeroed { memset(p, 0, max(byteCount, 64)) }
            return HostBuffer(allocation: p, byteCount: byteCount, key: key, slab: nil)
        }
        guard let (p, slab) = LargePageSlab.carve(byteCount) else {
            throw .outOfMemory(what: what, bytes: byteCount)
        }
        return HostBuffer(allocation: p, byteCount: byteCount, key: key, slab: slab)
    }

    private init(allocation: UnsafeMutableRawPointer, byteCount: Int, key: String?, slab: LargePageSlab?) {
        self.byteCount = byteCount
        self.key = key ?? "buffer#\(HostBuffer.serial.withLock { $0 += 1; return $0 })"
        pointer = allocation
        owner = nil
        self.slab = slab
    }

    /// Shares an array's storage instead of copying it (a model's weights are tens of MB, and
    /// fresh memory is slow to fault in). The array is kept alive and never mutated; its elements
    /// are 16-byte aligned, not 64 (kernels load constants unaligned).
    init(adopting floats: [Float], key: String? = nil) {
        guard floats.count >= 16 else {
            self.byteCount = floats.count * 4
            self.key = key ?? "buffer#\(HostBuffer.serial.withLock { $0 += 1; return $0 })"
            var p: UnsafeMutableRawPointer?
            guard posix_memalign(&p, 64, 64) == 0, let p else { fatalError("out of memory allocating 64 bytes") }
            memset(p, 0, 64)
            floats.withUnsafeBytes { if $0.count > 0 { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            pointer = p
            owner = nil
            slab = nil
            return
        }
        byteCount = floats.count * 4
        self.key = key ?? "buffer#\(HostBuffer.serial.withLock { $0 += 1; return $0 })"
        owner = floats
        slab = nil
        pointer = UnsafeMutableRawPointer(mutating: floats.withUnsafeBytes { $0.baseAddress! })
    }

    convenience init(floats: [Float], key: String? = nil) {
        self.init(byteCount: floats.count * 4, key: key, zeroed: floats.count * 4 < 64)
        floats.withUnsafeBytes { if $0.count > 0 { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
    }

    convenience init(int64s: [Int64], key: String? = nil) {
        self.init(byteCount: int64s.count * 8, key: key, zeroed: int64s.count * 8 < 64)
        int64s.withUnsafeBytes { if $0.count > 0 { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
    }

    deinit { if owner == nil && slab == nil { free(pointer) } }

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
