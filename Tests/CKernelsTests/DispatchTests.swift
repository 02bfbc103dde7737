import Testing
import CKernels

@Test func isaNameIsKnown() {
    let name = String(cString: nnk_isa_name())
    #expect(name == "avx2_fma" || name == "reference")
}
