import FuzzSupport
import NNFormat
import NNRuntime

/// libFuzzer target: model bytes → ModelReader → InferenceSession → one bounded run.
///
/// Every outcome must be a model or a typed error; a crash, an ASan report, a timeout or RSS over
/// libFuzzer's `-rss_limit_mb` is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let model: Model
    do {
        model = try ModelReader.read(bytes: bytes, source: "<fuzz>", options: FuzzSupport.readOptions)
    } catch {
        _ = error.description
        return 0
    }
    _ = try? ModelMetadata(from: model)
    // The reader's output must survive a write/read round trip.
    if let again = try? ModelWriter.serialize(model) {
        _ = try? ModelReader.read(bytes: again, options: FuzzSupport.readOptions)
    }
    let session: InferenceSession
    do {
        session = try InferenceSession(model: model, options: FuzzSupport.sessionOptions)
    } catch {
        _ = error.description
        return 0
    }
    _ = session.report
    guard session.flopsPerRun <= FuzzSupport.maxRunFlops, let feeds = FuzzSupport.inputs(for: session) else { return 0 }
    do {
        let outputs = try session.run(feeds)
        for t in outputs { _ = t.count }
    } catch {
        _ = error.description
    }
    return 0
}
