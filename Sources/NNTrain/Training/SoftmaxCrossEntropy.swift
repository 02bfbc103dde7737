#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Softmax cross-entropy over class logits: the mean over the batch of `−log softmax(z)[label]`.
public enum SoftmaxCrossEntropy {
    /// The loss, its gradient `(softmax(z) − onehot(label)) / N` with respect to the logits `(N, K)`,
    /// and how many rows have their label as the top logit.
    public static func evaluate(logits: Activations, labels: [Int]) -> (loss: Double, gradient: Activations, correct: Int) {
        let n = logits.batch, k = logits.sampleSize
        precondition(labels.count == n, "SoftmaxCrossEntropy: \(labels.count) labels for \(n) rows")
        var gradient = [Float](repeating: 0, count: n * k)
        var loss: Double = 0
        var correct = 0
        logits.values.withPointer { z in
            gradient.withMutablePointer { g in
                for i in 0..<n {                 // z is (N, K)
                    let row = z + i * k
                    var top = 0
                    for j in 1..<max(k, 1) where row[j] > row[top] { top = j }
                    if top == labels[i] { correct += 1 }
                    let m = Double(row[top])
                    var sum: Double = 0
                    for j in 0..<k { sum += exp(Double(row[j]) - m) }
                    let logSum = m + log(sum)
                    loss += logSum - Double(row[labels[i]])
                    let scale = 1 / Double(n)
                    for j in 0..<k {
                        let p = exp(Double(row[j]) - logSum)
                        g[i * k + j] = Float((p - (j == labels[i] ? 1 : 0)) * scale)
                    }
                }
            }
        }
        return (loss / Double(max(n, 1)), Activations(shape: logits.shape, values: gradient), correct)
    }
}
