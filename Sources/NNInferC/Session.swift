import CNNInferAPI
import NNFormat
import NNRuntime

// The session half of nninfer.h: options, creation, release and input/output queries.

@c(nninfer_session_options_init)
public func nninferSessionOptionsInit(_ options: UnsafeMutablePointer<nninfer_session_options>?) {
    options?.pointee = nninfer_session_options(threads: 0, optimize: 1)
}

/// The Swift options for C options (`NULL`: the defaults).
private func sessionOptions(_ options: UnsafePointer<nninfer_session_options>?) throws(CError) -> SessionOptions {
    guard let o = options?.pointee else { return SessionOptions() }
    guard o.threads >= 0 else { throw .invalidArgument("options.threads is \(o.threads); use 0 for one per core, or a positive count") }
    var result = SessionOptions(threads: o.threads == 0 ? SessionOptions.coreCount : Int(o.threads))
    result.optimize = o.optimize != 0
    return result
}

@c(nninfer_session_create_from_file)
public func nninferSessionCreateFromFile(
    _ path: UnsafePointer<CChar>?, _ options: UnsafePointer<nninfer_session_options>?,
    _ outSession: UnsafeMutablePointer<OpaquePointer?>?
) -> nninfer_status {
    capi { () throws(CError) in
        let path = try string(path, "path")
        guard let outSession else { throw .invalidArgument("out_session is NULL") }
        let opts = try sessionOptions(options)
        do throws(RuntimeError) {
            let session = try InferenceSession(contentsOf: path, options: opts)
            outSession.pointee = SessionHandle(session).opaque
        } catch { throw CError(error) }
    }
}

@c(nninfer_session_create_from_memory)
public func nninferSessionCreateFromMemory(
    _ data: UnsafeRawPointer?, _ size: Int, _ options: UnsafePointer<nninfer_session_options>?,
    _ outSession: UnsafeMutablePointer<OpaquePointer?>?
) -> nninfer_status {
    capi { () throws(CError) in
        let size = try intSize(size, "size")
        guard data != nil || size == 0 else { throw .invalidArgument("data is NULL but size is \(size)") }
        guard let outSession else { throw .invalidArgument("out_session is NULL") }
        let limit = ReadOptions().limits.maxFileBytes
        guard size <= limit else {
            throw CError(.format(.limitExceeded(source: "<memory>", what: "model size", value: size, limit: limit)))
        }
        let opts = try sessionOptions(options)
        let bytes = Array(UnsafeRawBufferPointer(start: size == 0 ? nil : data, count: size))
        do throws(RuntimeError) {
            let session = try InferenceSession(bytes: bytes, options: opts)
            outSession.pointee = SessionHandle(session).opaque
        } catch { throw CError(error) }
    }
}

@c(nninfer_session_release)
public func nninferSessionRelease(_ session: OpaquePointer?) {
    guard let session, unregister(session, as: .session) else { return }
    Unmanaged<SessionHandle>.fromOpaque(UnsafeRawPointer(session)).release()
}

@c(nninfer_session_input_count)
public func nninferSessionInputCount(_ session: OpaquePointer?, _ outCount: UnsafeMutablePointer<Int>?) -> nninfer_status {
    capi { () throws(CError) in
        let handle = try SessionHandle.from(session)
        guard let outCount else { throw .invalidArgument("out_count is NULL") }
        outCount.pointee = handle.inputs.count
    }
}

@c(nninfer_session_output_count)
public func nninferSessionOutputCount(_ session: OpaquePointer?, _ outCount: UnsafeMutablePointer<Int>?) -> nninfer_status {
    capi { () throws(CError) in
        let handle = try SessionHandle.from(session)
        guard let outCount else { throw .invalidArgument("out_count is NULL") }
        outCount.pointee = handle.outputs.count
    }
}

/// Fills `out` with entry `index` of `list` ("input" or "output" in messages).
private func describe(
    _ list: [CIODescription], _ kind: String, _ index: Int, _ out: UnsafeMutablePointer<nninfer_io_info>?
) throws(CError) {
    guard let out else { throw .invalidArgument("out_info is NULL") }
    guard index >= 0, index < list.count else {
        throw .invalidArgument("\(kind) index \(UInt(bitPattern: index)) is out of range (the model has \(list.count) \(kind)s)")
    }
    out.pointee = list[index].cInfo
}

@c(nninfer_session_input_info)
public func nninferSessionInputInfo(
    _ session: OpaquePointer?, _ index: Int, _ outInfo: UnsafeMutablePointer<nninfer_io_info>?
) -> nninfer_status {
    capi { () throws(CError) in try describe(try SessionHandle.from(session).inputs, "input", index, outInfo) }
}

@c(nninfer_session_output_info)
public func nninferSessionOutputInfo(
    _ session: OpaquePointer?, _ index: Int, _ outInfo: UnsafeMutablePointer<nninfer_io_info>?
) -> nninfer_status {
    capi { () throws(CError) in try describe(try SessionHandle.from(session).outputs, "output", index, outInfo) }
}

/// Finds `name` in `list` and stores its index.
private func find(
    _ list: [CIODescription], _ kind: String, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int>?
) throws(CError) {
    let name = try string(name, "name")
    guard let out else { throw .invalidArgument("out_index is NULL") }
    guard let index = list.firstIndex(where: { $0.info.name == name }) else {
        throw .invalidArgument("the model has no \(kind) named '\(name)' (\(kind)s: \(list.map(\.info.name).joined(separator: ", ")))")
    }
    out.pointee = index
}

@c(nninfer_session_find_input)
public func nninferSessionFindInput(
    _ session: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ outIndex: UnsafeMutablePointer<Int>?
) -> nninfer_status {
    capi { () throws(CError) in try find(try SessionHandle.from(session).inputs, "input", name, outIndex) }
}

@c(nninfer_session_find_output)
public func nninferSessionFindOutput(
    _ session: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ outIndex: UnsafeMutablePointer<Int>?
) -> nninfer_status {
    capi { () throws(CError) in try find(try SessionHandle.from(session).outputs, "output", name, outIndex) }
}

@c(nninfer_session_metadata)
public func nninferSessionMetadata(
    _ session: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ outValue: UnsafeMutablePointer<UnsafePointer<CChar>?>?
) -> nninfer_status {
    capi { () throws(CError) in
        let handle = try SessionHandle.from(session)
        let key = try string(key, "key")
        guard let outValue else { throw .invalidArgument("out_value is NULL") }
        outValue.pointee = handle.metadata[key].map { UnsafePointer($0.pointer) }
    }
}
