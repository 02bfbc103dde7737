import CNNInferAPI
import NNFormat
import NNRuntime

// The running half of nninfer.h: binding input tensors, results, and runs into caller buffers.

/// The most dimensions an input tensor may have.
private let maxRank = 64

/// Checks the C input tensors and binds them to graph inputs (by name, or by position when the
/// name is NULL), then calls `body` with the buffers in graph-input order.
private func withInputBuffers<R>(
    _ handle: SessionHandle, _ tensors: UnsafePointer<nninfer_tensor>?, _ count: Int,
    _ body: ([InferenceSession.InputBuffer]) throws(CError) -> R
) throws(CError) -> R {
    let count = try intSize(count, "input_count")
    guard tensors != nil || count == 0 else { throw .invalidArgument("inputs is NULL but input_count is \(count)") }
    let declared = handle.inputs
    var bound = [InferenceSession.InputBuffer?](repeating: nil, count: declared.count)
    for position in 0..<count {
        guard let t = tensors?[position] else { break }
        let index: Int
        if let name = t.name {
            let text = String(cString: name)
            guard let i = declared.firstIndex(where: { $0.info.name == text }) else {
                throw .invalidInput("input '\(text)': the model has no such input (inputs: \(declared.map(\.info.name).joined(separator: ", ")))")
            }
            index = i
        } else {
            guard position < declared.count else {
                throw .invalidInput("inputs[\(position)] has no name and the model has only \(declared.count) input(s)")
            }
            index = position
        }
        let name = declared[index].info.name
        guard bound[index] == nil else { throw .invalidInput("input '\(name)' is given twice") }
        bound[index] = try inputBuffer(t, position: position, name: name)
    }
    var ordered: [InferenceSession.InputBuffer] = []
    ordered.reserveCapacity(declared.count)
    for (i, b) in bound.enumerated() {
        guard let b else { throw .invalidInput("input '\(declared[i].info.name)' is missing") }
        ordered.append(b)
    }
    return try body(ordered)
}

/// One C tensor as a Swift input buffer, with every pointer and size checked.
private func inputBuffer(_ t: nninfer_tensor, position: Int, name: String) throws(CError) -> InferenceSession.InputBuffer {
    let what = "inputs[\(position)] ('\(name)')"
    let elementType: ElementType
    switch t.type {
    case nninfer_element_type(NNINFER_FLOAT32): elementType = .float
    case nninfer_element_type(NNINFER_INT64): elementType = .int64
    default: throw .invalidArgument("\(what): element type \(t.type) is not NNINFER_FLOAT32 (1) or NNINFER_INT64 (7)")
    }
    let rank = try intSize(t.rank, "\(what).rank")
    guard rank <= maxRank else { throw .invalidArgument("\(what): rank \(rank) is over the limit of \(maxRank)") }
    guard t.shape != nil || rank == 0 else { throw .invalidArgument("\(what): shape is NULL but rank is \(rank)") }
    var shape: [Int] = []
    shape.reserveCapacity(rank)
    var count = 1
    for i in 0..<rank {
        let d = Int(t.shape?[i] ?? 0)
        guard d >= 0 else { throw .invalidInput("\(what): dimension \(i) is \(d); shapes of run inputs are actual sizes (no -1)") }
        let (product, overflow) = count.multipliedReportingOverflow(by: d)
        guard !overflow else { throw .invalidInput("\(what): the shape has too many elements") }
        count = product
        shape.append(d)
    }
    let elementSize = elementType == .float ? 4 : 8
    let byteSize = try intSize(t.byte_size, "\(what).byte_size")
    let (needed, overflow) = count.multipliedReportingOverflow(by: elementSize)
    guard !overflow, byteSize == needed else {
        throw .invalidInput("\(what): byte_size is \(byteSize), but shape \(shape) of \(elementType) needs \(overflow ? "more than Int.max" : String(needed)) bytes")
    }
    guard t.data != nil || byteSize == 0 else { throw .invalidArgument("\(what): data is NULL but byte_size is \(byteSize)") }
    if let data = t.data, Int(bitPattern: data) % elementSize != 0 {
        throw .invalidArgument("\(what): data is not aligned to \(elementSize) bytes")
    }
    return InferenceSession.InputBuffer(
        elementType: elementType, shape: shape,
        bytes: UnsafeRawBufferPointer(start: byteSize == 0 ? nil : t.data, count: byteSize))
}

@c(nninfer_result_create)
public func nninferResultCreate(_ outResult: UnsafeMutablePointer<OpaquePointer?>?) -> nninfer_status {
    capi { () throws(CError) in
        guard let outResult else { throw .invalidArgument("out_result is NULL") }
        outResult.pointee = ResultHandle().opaque
    }
}

@c(nninfer_result_release)
public func nninferResultRelease(_ result: OpaquePointer?) {
    guard let result, unregister(result, as: .result) else { return }
    Unmanaged<ResultHandle>.fromOpaque(UnsafeRawPointer(result)).release()
}

@c(nninfer_session_run)
public func nninferSessionRun(
    _ session: OpaquePointer?, _ inputs: UnsafePointer<nninfer_tensor>?, _ inputCount: Int, _ result: OpaquePointer?
) -> nninfer_status {
    capi { () throws(CError) in
        let handle = try SessionHandle.from(session)
        let out = try ResultHandle.from(result)
        out.count = 0
        try withInputBuffers(handle, inputs, inputCount) { buffers throws(CError) in
            if let known = handle.knownOutputs(for: buffers) {
                // Shapes known from the last run at these shapes: one zero-copy run into the result.
                while out.slots.count < known.shapes.count { out.slots.append(COutputSlot()) }
                var destinations: [UnsafeMutableRawBufferPointer] = []
                destinations.reserveCapacity(known.shapes.count)
                for (i, shape) in known.shapes.enumerated() {
                    guard let d = out.slots[i].reserve(shape: shape, type: known.types[i], name: handle.outputs[i].name) else {
                        throw CError(status: Status.internal, message: "out of memory storing the outputs")
                    }
                    destinations.append(d)
                }
                do throws(RuntimeError) { try handle.session.run(inputs: buffers, outputs: destinations) } catch { throw CError(error) }
                out.session = handle
                out.count = handle.outputs.count
                return
            }
            let stored: Bool
            do throws(RuntimeError) {
                stored = try handle.session.run(inputs: buffers) { views in
                    handle.remember(buffers, views)
                    while out.slots.count < views.count { out.slots.append(COutputSlot()) }
                    for (i, view) in views.enumerated() {
                        let name = i < handle.outputs.count ? UnsafePointer(handle.outputs[i].name) : nil
                        guard let name, out.slots[i].store(view, name: name) else { return false }
                    }
                    return true
                }
            } catch { throw CError(error) }
            guard stored else { throw CError(status: Status.internal, message: "out of memory storing the outputs") }
            out.session = handle
            out.count = handle.outputs.count
        }
    }
}

@c(nninfer_result_output_count)
public func nninferResultOutputCount(_ result: OpaquePointer?, _ outCount: UnsafeMutablePointer<Int>?) -> nninfer_status {
    capi { () throws(CError) in
        let out = try ResultHandle.from(result)
        guard let outCount else { throw .invalidArgument("out_count is NULL") }
        outCount.pointee = out.count
    }
}

@c(nninfer_result_output)
public func nninferResultOutput(
    _ result: OpaquePointer?, _ index: Int, _ outOutput: UnsafeMutablePointer<nninfer_output>?
) -> nninfer_status {
    capi { () throws(CError) in
        let out = try ResultHandle.from(result)
        guard let outOutput else { throw .invalidArgument("out_output is NULL") }
        guard index >= 0, index < out.count else {
            throw .invalidArgument("output index \(UInt(bitPattern: index)) is out of range (the result holds \(out.count) outputs)")
        }
        outOutput.pointee = out.slots[index].cOutput
    }
}

@c(nninfer_result_find_output)
public func nninferResultFindOutput(
    _ result: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ outOutput: UnsafeMutablePointer<nninfer_output>?
) -> nninfer_status {
    capi { () throws(CError) in
        let out = try ResultHandle.from(result)
        let name = try string(name, "name")
        guard let outOutput else { throw .invalidArgument("out_output is NULL") }
        let names = out.session?.outputs.prefix(out.count).map(\.info.name) ?? []
        guard let index = names.firstIndex(of: name) else {
            throw .invalidArgument("the result holds no output named '\(name)' (outputs: \(names.joined(separator: ", ")))")
        }
        outOutput.pointee = out.slots[index].cOutput
    }
}

@c(nninfer_session_run_into)
public func nninferSessionRunInto(
    _ session: OpaquePointer?, _ inputs: UnsafePointer<nninfer_tensor>?, _ inputCount: Int,
    _ outputs: UnsafeMutablePointer<nninfer_output_buffer>?, _ outputCount: Int
) -> nninfer_status {
    capi { () throws(CError) in
        let handle = try SessionHandle.from(session)
        let outputCount = try intSize(outputCount, "output_count")
        guard outputCount == handle.outputs.count else {
            throw .invalidArgument("output_count is \(outputCount), the model has \(handle.outputs.count) outputs")
        }
        guard let outputs = outputs ?? (outputCount == 0 ? UnsafeMutablePointer<nninfer_output_buffer>(bitPattern: 64) : nil) else {
            throw .invalidArgument("outputs is NULL but output_count is \(outputCount)")
        }
        for i in 0..<outputCount {
            let o = outputs[i]
            let capacity = try intSize(o.byte_capacity, "outputs[\(i)].byte_capacity")
            let shapeCapacity = try intSize(o.shape_capacity, "outputs[\(i)].shape_capacity")
            guard o.data != nil || capacity == 0 else { throw .invalidArgument("outputs[\(i)].data is NULL but byte_capacity is \(capacity)") }
            guard o.shape != nil || shapeCapacity == 0 else { throw .invalidArgument("outputs[\(i)].shape is NULL but shape_capacity is \(shapeCapacity)") }
        }
        try withInputBuffers(handle, inputs, inputCount) { buffers throws(CError) in
            if let known = handle.knownOutputs(for: buffers) {
                // Shapes known from the last run at these shapes: check, then one zero-copy run.
                var problems: [String] = []
                var destinations: [UnsafeMutableRawBufferPointer] = []
                destinations.reserveCapacity(outputCount)
                for (i, shape) in known.shapes.enumerated() where i < outputCount {
                    let count = shape.reduce(1, *)
                    let bytes = count * (known.types[i] == .int64 ? 8 : 4)
                    outputs[i].type = known.types[i].rawValue
                    outputs[i].rank = shape.count
                    outputs[i].element_count = count
                    outputs[i].byte_size = bytes
                    if outputs[i].byte_capacity < bytes {
                        problems.append("outputs[\(i)] ('\(handle.outputs[i].info.name)'): byte_capacity \(outputs[i].byte_capacity) < \(bytes) bytes needed for shape \(shape)")
                    }
                    if outputs[i].shape != nil, outputs[i].shape_capacity < shape.count {
                        problems.append("outputs[\(i)] ('\(handle.outputs[i].info.name)'): shape_capacity \(outputs[i].shape_capacity) < rank \(shape.count)")
                    }
                    destinations.append(UnsafeMutableRawBufferPointer(start: outputs[i].data, count: bytes))
                }
                guard problems.isEmpty else { throw CError(status: Status.bufferTooSmall, message: problems.joined(separator: "; ")) }
                do throws(RuntimeError) { try handle.session.run(inputs: buffers, outputs: destinations) } catch { throw CError(error) }
                for (i, shape) in known.shapes.enumerated() where i < outputCount {
                    if let dims = outputs[i].shape { for (d, n) in shape.enumerated() { dims[d] = Int64(n) } }
                }
                return
            }
            let tooSmall: String?
            do throws(RuntimeError) {
                tooSmall = try handle.session.run(inputs: buffers) { views -> String? in
                    handle.remember(buffers, views)
                    var problems: [String] = []
                    for (i, view) in views.enumerated() where i < outputCount {
                        outputs[i].type = view.elementType.rawValue
                        outputs[i].rank = view.shape.count
                        outputs[i].element_count = view.count
                        outputs[i].byte_size = view.bytes.count
                        if outputs[i].byte_capacity < view.bytes.count {
                            problems.append("outputs[\(i)] ('\(view.name)'): byte_capacity \(outputs[i].byte_capacity) < \(view.bytes.count) bytes needed for shape \(view.shape)")
                        }
                        if outputs[i].shape != nil, outputs[i].shape_capacity < view.shape.count {
                            problems.append("outputs[\(i)] ('\(view.name)'): shape_capacity \(outputs[i].shape_capacity) < rank \(view.shape.count)")
                        }
                    }
                    guard problems.isEmpty else { return problems.joined(separator: "; ") }
                    for (i, view) in views.enumerated() where i < outputCount {
                        if let to = outputs[i].data, let from = view.bytes.baseAddress, view.bytes.count > 0 {
                            to.copyMemory(from: from, byteCount: view.bytes.count)
                        }
                        if let shape = outputs[i].shape {
                            for (d, n) in view.shape.enumerated() { shape[d] = Int64(n) }
                        }
                    }
                    return nil
                }
            } catch { throw CError(error) }
            if let tooSmall { throw CError(status: Status.bufferTooSmall, message: tooSmall) }
        }
    }
}
