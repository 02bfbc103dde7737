import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import NNRuntime

/// The huge-page memory of sessions and runs: aligned, zeroed, never overlapping, and what a
/// session's buffers are carved from stays valid as long as any of them lives.
@Suite struct LargePagesTests {
    @Test func mappingsAreAlignedToTwoMiBAndZeroed() throws {
        for bytes in [1, 4096, (2 << 20) + 1, 5 << 20] {
            let p = try #require(LargePages.map(bytes))
            defer { LargePages.unmap(p, bytes: bytes) }
            #expect(Int(bitPattern: p) % (2 << 20) == 0, "\(bytes)")
            let b = p.assumingMemoryBound(to: UInt8.self)
            #expect(b[0] == 0 && b[bytes - 1] == 0)
            b[bytes - 1] = 7                           // every byte asked for is writable
        }
        #expect(LargePages.map(Int.max) == nil)
        #expect(LargePages.mappedSize(-1) == nil)
    }

    @Test func buffersAreCarvedAlignedZeroedAndApart() throws {
        var buffers: [HostBuffer] = []
        for (i, bytes) in [100, 64, 1, 300_000, 4096, LargePageSlab.chunkBytes + 10, 77].enumerated() {
            let b = try HostBuffer.allocate(byteCount: bytes, key: "t\(i)", zeroed: true, what: "a test buffer")
            #expect(Int(bitPattern: b.pointer) % 64 == 0)
            let bytesOf = b.pointer.assumingMemoryBound(to: UInt8.self)
            #expect((0..<bytes).allSatisfy { bytesOf[$0] == 0 }, "\(bytes) bytes read as zero")
            memset(b.pointer, Int32(i + 1), bytes)
            buffers.append(b)
        }
        // no buffer's bytes were overwritten by a later one
        for (i, b) in buffers.enumerated() {
            let bytesOf = b.pointer.assumingMemoryBound(to: UInt8.self)
            #expect(bytesOf[0] == UInt8(i + 1) && bytesOf[b.byteCount - 1] == UInt8(i + 1), "buffer \(i)")
        }
        // outside sanitizer builds, a buffer of a slab's size or more starts a huge-page slab of its own
        if LargePages.enabled {
            #expect(Int(bitPattern: buffers[5].pointer) % (2 << 20) == 0)
        }
        // the first buffers outlive the later ones and stay readable
        let first = buffers[0]
        buffers.removeAll()
        #expect(first.pointer.assumingMemoryBound(to: UInt8.self)[99] == 1)
    }
}
