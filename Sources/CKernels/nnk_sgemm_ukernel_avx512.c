// nnk_sgemm_ukernel_avx512.c — the 6x16 SGEMM micro-kernel with AVX-512: one zmm per row of C.
// The same tile, packed layouts, sums and epilogue as the AVX2 kernel (nnk_sgemm_ukernel.c): each C
// element is one fused multiply-add per k in k order, then the same epilogue operations in the same
// order, so both kernels give the same bits. What changes is the instruction count: 6 FMAs with the A
// element broadcast from memory and 1 B load per k, against 12 FMAs, 6 broadcasts and 2 loads. On
// CPUs that split 512-bit FMAs in two (AMD Zen 4) the peak is the same; the shorter loop keeps more k
// steps in flight while B rows and A panels arrive from L2 or L3, which a network's layers do.
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include <immintrin.h>
#include "nnk_avx2_math.h"

#define NNK_ROW_FMA(i)                                                      \
    do {                                                                    \
        if ((i) < ROWS) c##i = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, c##i); \
    } while (0)
/// Row i of a tile from its accumulator: alpha * acc (+ the stored row when accumulating), then with
/// EPI the epilogue (row bias, residual, activation ACT, post scale and shift) on the register before
/// the one store, as in the AVX2 kernel.
static inline NNK_TARGET_AVX512 __attribute__((always_inline)) void
nnk_row_store512(float *ci, __m512 acc, __m512 va, int accumulate, const nnk_epi_rows *r, int i, const int EPI,
                 const int ACT) {
    __m512 v = _mm512_mul_ps(va, acc);
    if (accumulate) v = _mm512_add_ps(_mm512_loadu_ps(ci), v);
    if (EPI) {
        if (r->bias) v = _mm512_add_ps(v, _mm512_set1_ps(r->bias[i]));
        if (r->res) v = _mm512_add_ps(v, _mm512_loadu_ps(r->res + i * r->res_ld));
        if (ACT == NNK_ACT_RELU) v = _mm512_max_ps(_mm512_setzero_ps(), v);
        if (ACT == NNK_ACT_CLIP) v = _mm512_min_ps(_mm512_set1_ps(r->beta), _mm512_max_ps(_mm512_set1_ps(r->alpha), v));
        if (r->scale) v = _mm512_mul_ps(v, _mm512_set1_ps(r->scale[i]));
        if (r->shift) v = _mm512_add_ps(v, _mm512_set1_ps(r->shift[i]));
    }
    _mm512_storeu_ps(ci, v);
}
#define NNK_ROW_STORE(i)                                                                          \
    do {                                                                                          \
        if ((i) < ROWS) nnk_row_store512(c + (i) * ldc, c##i, va, accumulate, &r, i, EPI, ACT);  \
    } while (0)

static inline NNK_TARGET_AVX512 __attribute__((always_inline)) void
nnk_ukernel512_t(int64_t kc, const float *a, const float *b, int64_t ldb, float *c, int64_t ldc, float alpha,
                 int accumulate, const nnk_epi *e, int64_t m0, int64_t n0, const int ROWS, const int EPI,
                 const int ACT) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
#pragma clang loop unroll_count(4)
    for (int64_t k = 0; k < kc; k++) {          // a is (kc, 6), b is (kc, 16) with row stride ldb
        const __m512 b0 = _mm512_loadu_ps(b);
        NNK_ROW_FMA(0); NNK_ROW_FMA(1); NNK_ROW_FMA(2);
        NNK_ROW_FMA(3); NNK_ROW_FMA(4); NNK_ROW_FMA(5);
        a += NNK_MR;
        b += ldb;
    }
    const __m512 va = _mm512_set1_ps(alpha);
    const nnk_epi_rows r = nnk_epi_rows_at(EPI ? e : NULL, m0, n0);
    NNK_ROW_STORE(0); NNK_ROW_STORE(1); NNK_ROW_STORE(2);
    NNK_ROW_STORE(3); NNK_ROW_STORE(4); NNK_ROW_STORE(5);
}

#define NNK_UK_ROWS(EPI, ACT) NNK_UK_ROWS_OF(nnk_ukernel512_t, EPI, ACT)

NNK_TARGET_AVX512
void nnk_sgemm_ukernel_rows__avx512(int64_t mr, int64_t kc, const float *a, const float *b, int64_t ldb, float *c,
                                    int64_t ldc, float alpha, int accumulate, const nnk_epi *e, int64_t m0,
                                    int64_t n0) {
    NNK_UK_DISPATCH(e, NNK_UK_ROWS, nnk_epilogue_tile__avx2_fma(e, c, ldc, m0, n0, mr, NNK_NR));
}
#undef NNK_UK_ROWS

/// Two 6x16 tiles side by side that share A: per k, 2 B loads and 6 broadcasts feed 12 FMAs instead
/// of 6, so A is read half as often (from L2: a layer's weights, re-read for every 16 columns). Each
/// element is the same k-ordered FMA chain as in nnk_ukernel512_t, scaled, added and put through the
/// same epilogue (tile 1's columns start at n0 + 16), so the bits are those of two calls.
static inline NNK_TARGET_AVX512 __attribute__((always_inline)) void
nnk_ukernel512_x2_t(int64_t kc, const float *a, const float *b0, const float *b1, int64_t ldb, float *c0, float *c1,
                    int64_t ldc, float alpha, int accumulate, const nnk_epi *e, int64_t m0, int64_t n0, const int ROWS,
                    const int EPI, const int ACT) {
    __m512 acc[2][NNK_MR];
    for (int i = 0; i < NNK_MR; i++) acc[0][i] = acc[1][i] = _mm512_setzero_ps();
#pragma clang loop unroll_count(2)
    for (int64_t k = 0; k < kc; k++) {          // a is (kc, 6), b0 and b1 are (kc, 16) with row stride ldb
        const __m512 x0 = _mm512_loadu_ps(b0 + k * ldb), x1 = _mm512_loadu_ps(b1 + k * ldb);
#pragma clang loop unroll(full)
        for (int i = 0; i < ROWS; i++) {
            const __m512 ai = _mm512_set1_ps(a[k * NNK_MR + i]);
            acc[0][i] = _mm512_fmadd_ps(ai, x0, acc[0][i]);
            acc[1][i] = _mm512_fmadd_ps(ai, x1, acc[1][i]);
        }
    }
    const __m512 va = _mm512_set1_ps(alpha);
#pragma clang loop unroll(full)
    for (int h = 0; h < 2; h++) {
        const nnk_epi_rows r = nnk_epi_rows_at(EPI ? e : NULL, m0, n0 + h * NNK_NR);
#pragma clang loop unroll(full)
        for (int i = 0; i < ROWS; i++) nnk_row_store512((h ? c1 : c0) + i * ldc, acc[h][i], va, accumulate, &r, i, EPI, ACT);
    }
}

// NNK_UK_ROWS_OF's argument list, with the second panel's b1 and c1 taken from the caller's scope
#define NNK_X2_T(kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, R, EPI, ACT) \
    nnk_ukernel512_x2_t(kc, a, b, b1, ldb, c, c1, ldc, alpha, accumulate, e, m0, n0, R, EPI, ACT)
#define NNK_UK_ROWS_X2(EPI, ACT) NNK_UK_ROWS_OF(NNK_X2_T, EPI, ACT)

NNK_TARGET_AVX512
void nnk_sgemm_ukernel_rows_x2__avx512(int64_t mr, int64_t kc, const float *a, const float *b, const float *b1,
                                       int64_t ldb, float *c, float *c1, int64_t ldc, float alpha, int accumulate,
                                       const nnk_epi *e, int64_t m0, int64_t n0) {
    NNK_UK_DISPATCH(e, NNK_UK_ROWS_X2,
                    (nnk_epilogue_tile__avx2_fma(e, c, ldc, m0, n0, mr, NNK_NR),
                     nnk_epilogue_tile__avx2_fma(e, c1, ldc, m0, n0 + NNK_NR, mr, NNK_NR)));
}
#undef NNK_UK_ROWS_X2
#undef NNK_X2_T

/// A whole (mr x 16) tile of a pixel-major GEMM stored transposed (column j, channel m0 + j, to
/// c + j*ldc: mr consecutive pixels) with the epilogue: the AVX2 kernel's 8x8 transposes and the
/// same operations in the same order, every loop unrolled (the transposed rows stay in registers)
/// and each column one masked store of mr floats, which AVX-512 makes one fast instruction.
static inline NNK_TARGET_AVX512 __attribute__((always_inline)) void
nnk_tile_store_t512(const float *tile, float *c, int64_t ldc, int64_t mr, int accumulate, const nnk_epi *e,
                    int64_t m0, int64_t n0, const int ACT) {
    const __mmask8 rows = (__mmask8)((1u << mr) - 1u);
    const __m256 lo = _mm256_set1_ps(e->alpha), hi = _mm256_set1_ps(e->beta);
#pragma clang loop unroll(full)
    for (int h = 0; h < 2; h++) {
        __m256 r[8];
#pragma clang loop unroll(full)
        for (int i = 0; i < 8; i++) r[i] = i < NNK_MR ? _mm256_loadu_ps(tile + i * NNK_NR + 8 * h) : _mm256_setzero_ps();
        nnk_transpose8x8(r);                    // r[j] = column 8h + j, lanes = pixels
#pragma clang loop unroll(full)
        for (int j = 0; j < 8; j++) {
            const int64_t m = m0 + 8 * h + j;
            float *d = c + (8 * h + j) * ldc;
            __m256 v = accumulate ? _mm256_add_ps(r[j], _mm256_maskz_loadu_ps(rows, d)) : r[j];
            if (e->bias) v = _mm256_add_ps(v, _mm256_set1_ps(e->bias[m]));
            if (e->residual) v = _mm256_add_ps(v, _mm256_maskz_loadu_ps(rows, e->residual + m * e->res_ld + n0));
            v = nnk_v_act(ACT, v, lo, hi);
            if (e->scale) v = _mm256_mul_ps(v, _mm256_set1_ps(e->scale[m]));
            if (e->shift) v = _mm256_add_ps(v, _mm256_set1_ps(e->shift[m]));
            _mm256_mask_storeu_ps(d, rows, v);
        }
    }
}

NNK_TARGET_AVX512
void nnk_tile_store_epi__avx512(const float *tile, float *c, int64_t ldc, int64_t mr, int64_t nr, int accumulate,
                                int transposed, const nnk_epi *e, int64_t m0, int64_t n0) {
    if (!transposed || nr != NNK_NR || !e || !nnk_epi_fusable(e)) {
        nnk_tile_store_epi__avx2_fma(tile, c, ldc, mr, nr, accumulate, transposed, e, m0, n0);
        return;
    }
    const nnk_epi local = *e;
    switch (local.act) {
    case NNK_ACT_RELU: nnk_tile_store_t512(tile, c, ldc, mr, accumulate, &local, m0, n0, NNK_ACT_RELU); break;
    case NNK_ACT_CLIP: nnk_tile_store_t512(tile, c, ldc, mr, accumulate, &local, m0, n0, NNK_ACT_CLIP); break;
    default: nnk_tile_store_t512(tile, c, ldc, mr, accumulate, &local, m0, n0, NNK_ACT_NONE); break;
    }
}
#undef NNK_ROW_FMA
#undef NNK_ROW_STORE
#endif
