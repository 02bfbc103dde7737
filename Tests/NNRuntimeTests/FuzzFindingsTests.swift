import Foundation
import NNFormat
import Testing
@testable import NNRuntime

/// Inputs the fuzz targets (tools/fuzz) found crashing, kept as regressions: each must now read
/// and compile to a session or fail with a typed error, and a session must run on small inputs.
@Suite struct FuzzFindingsTests {
    /// (name, base64 of the model file) — small files, embedded so no resource bundle is needed.
    static let models: [(String, String)] = [
        // Conv with a zero-size dim reached the packed kernel's task split: integer division by zero.
        ("conv-zero-dim-div-by-zero", "CAMSB3B5dG9yY2gaAzAuMzr2AwpmCgEwCgExCgEyEgEzIgRDb252KhAKCWRpbGF0aW9uc0ABoAEHKgwKBWdyb3VwGAGgAQIqEwoMa2VybmVsX3NoYXBlQAOgAQcqDQoEcGFkc0ABQAGgAQcqDgoHc3RyaWRlc0ABoAEHEhB0b3JjaC1qaXQtZXhwb3J0Kv4BCAUIBAgDEAFCATFK8AEYhzs9aPqLPiEebr60gPO9O2QevkA1jz2A1Kg86NVdPUxswT0cNq49JvMdPqTjKL4s41I+HvMJvrlvCL48OVC+sByJPYYvyL1YJ0M9gO8UO+qD872+oh4+dFO1PZB0h74cwnG9yEsrvgHPjb6aRYS+jPiPvmg/Kj3IuyM+yzgsvsFKFb7YGdO90EU/vnCp1bwiIjE+MHr0vNzg4j2YNVO+/pYUPgDTZz3gd8U8LfWSvpTQ6j28y6k9lR6IvjgXBz4s2m0+AN2cO6ptKL7+97e91NJ5vpFfh77ArFM9oL5fvSwBpj0w9wm+vESGPrDnkL4qHQgFEAFCATJKFNRhgT78+tM9sHMhPVDnAr0ArQG7WhcKATASEgoQCAESDAoCCAAKAggECgIICloXCgExEhIKEAgBEgwKAggFCgIIBAoCCANaDwoBMhIKCggIARIECgIIBWIXCgEzEhIKEAgBEgwKAggCCgIIBQoCCApCAhAG"),
        // AveragePool 5×5 over a 5×1 plane with pads (96, 2, 2, 2): the AVX2 plane kernel entered its
        // vector loop with no vector columns and stored 8 floats before the output (heap overflow).
        ("avgpool-avx2-store-before-output", "CAoSDGJhY2tlbmQtdGVzdDqfAQo9CgF4EgF5IgtBdmVyYWdlUG9vbCoVCgxrZXJuZWxfc2hhcGVABUAFoAEHKhEKBHBhZHNAYEACQAJAAqABBxIkdGVzdF9hdmVyYWdlcG9vbF8yZF9wcmVjb21wdXRlZF9wYWRzWhsKAXgSFgoUCAESEAoCCAEKAggBCgIIBQoCCAFiGwoBeRIWChQIARIQCgIIAQoCCAEKAggFCgIIBUIECgAQFg=="),
        // Depthwise 3×3 conv, dilation 65 and pads (0, 96, 0, 64) on width 38: the AVX2 plane kernel ran
        // a vector block at vend - 8 with no vector columns (reads before the row, writes past the output).
        ("dwconv-avx2-block-before-row", "CAMSB3B5dG9yY2gaAzAuMzqqAwpwCgEwCgExCgEyEgEzIgRDb252KhIKCWRpbGF0aW9uc0ABQEGgAQcqDAoFZ3JvdXAYBKABAioVCgxrZXJuZWxfc2hhcGVAA0ADoAEHKhEKBHBhZHNAAEBgQABAQKABByoQCgdzdHJpZGVzQCFAAaABBxIQdG9yY2gtaml0LWV4cG9ydCqgAQgECAEIAwgDEAFCATFKkAHOXgK+k4UTvlDun70OD789WgwovlD1nj0bg8C96AG5vSQZEj2Acec8LqHPPfjvDr5Aj0c9fhTDPUB5a7tIP7k8GuukPaA7373A4Qu+cysFvoPS1b3jQRu+vDIDvdvalb3Euwq96UIpPiBQqLwoOfC8BFdYPVdYJr5TDAM+1rrBPQ6Qgr1xTyM+kOEzvSjm/jwqGQgEEAFCATJKEIGzBD4AP1i7SBcovg1mJj5aGwoBMBIWChQIARIQCgIIAgoCCAQKAggGCgIIJlobCgExEhYKFAgBEhAKAggECgIIAQoCCAMKAggDWg8KATISCgoICAESBAoCCARiGwoBMxIWChQIARIQCgIIAgoCCAQKAggECgIIBEICEAY="),
    ]

    @Test(arguments: models.map(\.0))
    func modelFindingIsATypedErrorOrRuns(name: String) throws {
        let encoded = try #require(Self.models.first { $0.0 == name }?.1)
        let bytes = try #require(Data(base64Encoded: encoded).map { [UInt8]($0) })
        let session: InferenceSession
        do {
            session = try InferenceSession(bytes: bytes, options: SessionOptions(threads: 2))
        } catch {
            _ = error.description
            return
        }
        let feeds = session.inputs.map { info -> Tensor in
            let shape = info.shape.map { d -> Int in if case .value(let v) = d { return v } else { return 1 } }
            let n = shape.reduce(1, *)
            return info.elementType == .int64 ? Tensor(shape: shape, int64s: Array(repeating: 0, count: n))
                : Tensor(shape: shape, floats: Array(repeating: 1, count: n))
        }
        do { _ = try session.run(feeds) } catch { _ = error.description }
    }
}
