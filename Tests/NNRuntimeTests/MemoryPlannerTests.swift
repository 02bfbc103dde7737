import TestSupport
import Testing
@testable import NNRuntime

/// Both planning strategies give every value its own memory for as long as it lives.
@Suite struct MemoryPlannerTests {
    func requests(count: Int, seed: UInt64) -> [MemoryPlanner.Request] {
        var r = SplitMix(seed)
        return (0..<count).map { i in
            let first = i / 2
            return MemoryPlanner.Request(id: i, bytes: Int.random(in: 1...5000, using: &r), first: first, last: first + Int.random(in: 0...6, using: &r))
        }
    }

    func expectNoOverlap(_ reqs: [MemoryPlanner.Request], _ plan: (offsets: [Int: Int], size: Int)) {
        for a in reqs {
            let oa = plan.offsets[a.id] ?? -1
            #expect(oa >= 0 && oa + a.bytes <= plan.size)
            for b in reqs where b.id > a.id && a.first <= b.last && b.first <= a.last {
                let ob = plan.offsets[b.id] ?? -1
                #expect(oa + a.bytes <= ob || ob + b.bytes <= oa, "values \(a.id) and \(b.id) live together and share memory")
            }
        }
    }

    @Test(arguments: [1, 2, 3])
    func bothStrategiesKeepLiveValuesApart(seed: Int) {
        let reqs = requests(count: 300, seed: UInt64(seed))
        expectNoOverlap(reqs, MemoryPlanner.greedyBySize(reqs))
        let linear = MemoryPlanner.linearScan(reqs)
        expectNoOverlap(reqs, linear)
        // Reuse happens: far less than the sum of all sizes.
        #expect(linear.size < reqs.reduce(0) { $0 + MemoryPlanner.aligned($1.bytes) } / 4)
    }

    @Test func aLongChainPlansQuicklyInLittleMemory() {
        // 200,000 values, each alive for one step: a chain of that many nodes.
        let reqs = (0..<200_000).map { MemoryPlanner.Request(id: $0, bytes: 256, first: $0, last: $0 + 1) }
        let plan = MemoryPlanner.plan(reqs)
        #expect(plan.size <= 3 * 256)
    }
}
