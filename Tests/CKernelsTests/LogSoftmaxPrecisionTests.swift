// LogSoftmax keeps its precision when the inputs are large (the differences are the result).
import CKernels
import Foundation
import Testing

extension KernelTests {
    @Suite struct LogSoftmaxPrecision {
        @Test func largeInputsKeepSmallDifferences() {
            forEachVariant { isa in
                // Values near 1e4 (ulp ~ 1e-3): x - (max + log(sum)) would round away ~1e-3.
                let x: [Float] = [10000, 10000.5, 10001, 10001.25, 9999.75, 10000.125, 10002, 10000]
                var out = [Float](repeating: 0, count: x.count)
                nnk_softmax_rows(1, Int64(x.count), x, &out, 1)
                let d = x.map(Double.init)
                let m = d.max() ?? 0
                let lse = Foundation.log(d.reduce(0.0) { $0 + Foundation.exp($1 - m) })
                let want = d.map { Float($0 - m - lse) }
                expectClose(out, want, rtol: 1e-6, atol: 1e-6, "\(isa) logsoftmax of large inputs")
            }
        }
    }
}
