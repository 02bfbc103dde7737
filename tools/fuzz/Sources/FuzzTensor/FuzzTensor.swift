import NNFormat

/// Reader limits for fuzzing tensor files.
private let limits: ReadOptions.Limits = {
    var l = ReadOptions.Limits()
    l.maxFileBytes = 1 << 20
    l.maxTotalTensorBytes = 16 << 20
    l.maxTensorElements = 1 << 20
    l.maxStringBytes = 1 << 16
    return l
}()

/// libFuzzer target: `.pb` TensorProto and `.npy` bytes. The first byte picks the reader (even:
/// TensorProto, odd: NumPy) so one corpus serves both; what reads must serialize and read back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTensor(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let tensor: TensorData
    do {
        if data[0] & 1 == 0 {
            tensor = try TensorFile.read(bytes: bytes, source: "<fuzz>", limits: limits)
        } else {
            tensor = try NumpyFile.read(bytes: bytes, source: "<fuzz>", limits: limits)
        }
    } catch {
        _ = error.description
        return 0
    }
    _ = tensor.elementCount
    if let again = try? TensorFile.serialize(tensor) {
        _ = try? TensorFile.read(bytes: again, limits: limits)
    }
    if let again = try? NumpyFile.serialize(tensor) {
        _ = try? NumpyFile.read(bytes: again, limits: limits)
    }
    return 0
}
