#if canImport(Glibc)
import Glibc
#endif
import CNNInferAPI
import NNFormat
import NNRuntime
import Synchronization

/// A NUL-terminated UTF-8 copy of a Swift string, freed with the object.
final class CString: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<CChar>

    init(_ text: String) {
        let utf8 = Array(text.utf8CString)
        pointer = .allocate(capacity: utf8.count)
        pointer.initialize(from: utf8, count: utf8.count)
    }

    deinit { pointer.deallocate() }
}

/// A declared input or output in C form: its name and shape in memory owned by the session.
final class CIODescription: @unchecked Sendable {
    let info: InferenceSession.IOInfo
    private let nameStorage: CString
    /// NUL-terminated UTF-8 name.
    var name: UnsafeMutablePointer<CChar> { nameStorage.pointer }
    /// `rank` dimensions, -1 for symbolic or unknown ones.
    let shape: UnsafeMutablePointer<Int64>
    let rank: Int

    init(_ info: InferenceSession.IOInfo) {
        self.info = info
        nameStorage = CString(info.name)
        rank = info.shape.count
        shape = .allocate(capacity: max(rank, 1))
        for (i, d) in info.shape.enumerated() {
            if case .value(let v) = d { shape[i] = Int64(v) } else { shape[i] = -1 }
        }
    }

    deinit { shape.deallocate() }

    var cInfo: nninfer_io_info {
        nninfer_io_info(name: name, type: info.elementType.rawValue, rank: rank, shape: shape)
    }
}

/// The kinds of handle the C API hands out.
enum HandleKind: Sendable { case session, result }

/// Every handle handed out and not yet released, by address. A pointer is trusted only when it is
/// here with the right kind: a result passed as a session (or a released handle) is refused
/// without reading its memory. (A tag stored in the object does not work: the optimizer knows
/// a `let` of a final class and folds the comparison away.)
let liveHandles = Mutex<[UInt: HandleKind]>([:])

/// Registers a retained object as a live handle of `kind`.
func register(_ raw: UnsafeMutableRawPointer, as kind: HandleKind) -> OpaquePointer {
    liveHandles.withLock { $0[UInt(bitPattern: raw)] = kind }
    return OpaquePointer(raw)
}

/// Whether `pointer` is a live handle of `kind`.
func isLive(_ pointer: OpaquePointer, as kind: HandleKind) -> Bool {
    liveHandles.withLock { $0[UInt(bitPattern: UnsafeRawPointer(pointer))] } == kind
}

/// Forgets a handle; false when it was not a live handle of `kind` (then nothing is released).
func unregister(_ pointer: OpaquePointer, as kind: HandleKind) -> Bool {
    liveHandles.withLock { live in
        let key = UInt(bitPattern: UnsafeRawPointer(pointer))
        guard live[key] == kind else { return false }
        live[key] = nil
        return true
    }
}

/// What an `nninfer_session *` points to.
final class SessionHandle: Sendable {
    let session: InferenceSession
    let inputs: [CIODescription]
    let outputs: [CIODescription]
    /// The model's metadata values as C strings, by key (the first entry wins for a repeated key, as in `Model`).
    let metadata: [String: CString]

    /// Whether runs may take the direct path (a zero-copy run straight into the destination, with
    /// the output shapes and types known from an earlier run): every input is float32 with a
    /// declared rank, so outputs depend on the input shapes only, never on input values.
    let direct: Bool
    /// The outputs (shapes, element types) of the most recent input shapes (direct path only).
    private let lastOutputs = Mutex<(inputs: [[Int]], shapes: [[Int]], types: [ElementType])?>(nil)

    init(_ session: InferenceSession) {
        self.session = session
        inputs = session.inputs.map(CIODescription.init)
        outputs = session.outputs.map(CIODescription.init)
        metadata = Dictionary(session.model.metadata.map { ($0.key, CString($0.value)) }, uniquingKeysWith: { first, _ in first })
        direct = session.inputs.allSatisfy { $0.elementType == .float && !$0.shape.isEmpty }
    }

    /// The output shapes and types a run on these input shapes produced last time, if it was the
    /// most recent input shape seen.
    func knownOutputs(for buffers: [InferenceSession.InputBuffer]) -> (shapes: [[Int]], types: [ElementType])? {
        guard direct else { return nil }
        return lastOutputs.withLock { last in
            guard let last, last.inputs.count == buffers.count else { return nil }
            for (shape, buffer) in zip(last.inputs, buffers) where shape != buffer.shape { return nil }
            return (last.shapes, last.types)
        }
    }

    /// Remembers what a run on these inputs produced, for ``knownOutputs(for:)``.
    func remember(_ buffers: [InferenceSession.InputBuffer], _ views: [InferenceSession.OutputView]) {
        guard direct else { return }
        let entry = (buffers.map(\.shape), views.map(\.shape), views.map(\.elementType))
        lastOutputs.withLock { $0 = entry }
    }

    var opaque: OpaquePointer { register(Unmanaged.passRetained(self).toOpaque(), as: .session) }

    /// The session behind a C pointer (borrowed: the caller keeps its reference).
    static func from(_ pointer: OpaquePointer?) throws(CError) -> SessionHandle {
        guard let pointer else { throw .invalidArgument("session is NULL") }
        guard isLive(pointer, as: .session) else { throw .invalidArgument("not a session (was a result passed, or a released session?)") }
        return Unmanaged<SessionHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

/// One output's memory inside a result, kept and grown across runs.
final class COutputSlot {
    var data: UnsafeMutableRawPointer?
    var dataCapacity = 0
    var shape: UnsafeMutablePointer<Int64>?
    var shapeCapacity = 0
    var rank = 0
    var count = 0
    var byteSize = 0
    var type: nninfer_element_type = nninfer_element_type(NNINFER_FLOAT32)
    var name: UnsafePointer<CChar>?

    /// Makes room for an output of `shape` and records its description; `nil` when out of memory,
    /// else the memory to write its `byteSize` bytes into.
    func reserve(shape newShape: [Int], type elementType: ElementType, name: UnsafePointer<CChar>) -> UnsafeMutableRawBufferPointer? {
        let elementCount = newShape.reduce(1, *)
        let bytes = elementCount * (elementType == .int64 ? 8 : 4)
        if bytes > dataCapacity || data == nil {
            free(data)
            data = nil
            dataCapacity = 0
            var p: UnsafeMutableRawPointer?
            guard posix_memalign(&p, 64, max(bytes, 64)) == 0, let p else { return nil }
            data = p
            dataCapacity = max(bytes, 64)
        }
        if newShape.count > shapeCapacity || shape == nil {
            shape?.deallocate()
            shapeCapacity = max(newShape.count, 4)
            shape = .allocate(capacity: shapeCapacity)
        }
        if let shape { for (i, d) in newShape.enumerated() { shape[i] = Int64(d) } }
        rank = newShape.count
        count = elementCount
        byteSize = bytes
        type = elementType.rawValue
        self.name = name
        return UnsafeMutableRawBufferPointer(start: data, count: bytes)
    }

    /// Copies one output in, growing the memory when needed; `false` when out of memory.
    func store(_ view: InferenceSession.OutputView, name: UnsafePointer<CChar>) -> Bool {
        guard let to = reserve(shape: view.shape, type: view.elementType, name: name) else { return false }
        if let dst = to.baseAddress, let from = view.bytes.baseAddress, view.bytes.count > 0 {
            dst.copyMemory(from: from, byteCount: view.bytes.count)
        }
        return true
    }

    var cOutput: nninfer_output {
        nninfer_output(name: name, type: type, rank: rank, shape: shape, data: data, element_count: count, byte_size: byteSize)
    }

    deinit {
        free(data)
        shape?.deallocate()
    }
}

/// What an `nninfer_result *` points to: the outputs of the last run into it.
final class ResultHandle {
    /// The session of the last run, kept alive for the output names.
    var session: SessionHandle?
    var slots: [COutputSlot] = []
    /// How many slots hold outputs of the last run (0 after a failed run).
    var count = 0

    var opaque: OpaquePointer { register(Unmanaged.passRetained(self).toOpaque(), as: .result) }

    static func from(_ pointer: OpaquePointer?) throws(CError) -> ResultHandle {
        guard let pointer else { throw .invalidArgument("result is NULL") }
        guard isLive(pointer, as: .result) else { throw .invalidArgument("not a result (was a session passed, or a released result?)") }
        return Unmanaged<ResultHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}
