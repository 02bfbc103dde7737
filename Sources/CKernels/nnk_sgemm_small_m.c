// nnk_sgemm_small_m.c — SGEMM with fewer rows than the 6x16 micro-kernel (M <= NNK_SMALL_M, e.g. a
// fully connected layer at batch 1) against pre-packed B: a GEMV-like kernel that streams each packed
// B panel (K x 16) once, from start to end, with no A packing, no K blocking and no padded rows.
// The whole packed B is one sequential stream (panel after panel), which the hardware prefetcher
// follows at memory bandwidth; the arithmetic (2*M FMAs per 64 bytes of B) hides under it.
// Each column sums its K terms in a fixed order (U interleaved chains, see below) whatever the task
// split, so the result does not depend on ntasks.
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include <immintrin.h>
#endif

void nnk_sgemm_small_m_panel__ref(int64_t M, int64_t K, const float *a, int64_t a_rs, int64_t a_cs,
                                  const float *b, float *tile) {
    for (int64_t m = 0; m < M; m++) {           // tile is (M, 16), b is (K, 16)
        float acc[NNK_NR] = {0};
        for (int64_t k = 0; k < K; k++) {
            const float av = a[m * a_rs + k * a_cs];
            for (int j = 0; j < NNK_NR; j++) acc[j] += av * b[k * NNK_NR + j];
        }
        for (int j = 0; j < NNK_NR; j++) tile[m * NNK_NR + j] = acc[j];
    }
}

#if NNK_HAVE_AVX2
/// M rows, U chains per row: chain u sums the terms k = u (mod U) of the unrolled part (the rest goes
/// to chain 0); the chains are then added in order. U > 1 keeps enough FMAs in flight for small M.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_small_m_t(int64_t K, const float *a, int64_t rs, int64_t cs, const float *b, float *tile, const int M,
              const int U) {
    __m256 lo[NNK_SMALL_M][4], hi[NNK_SMALL_M][4];
    for (int m = 0; m < M; m++)
        for (int u = 0; u < U; u++) lo[m][u] = hi[m][u] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + U <= K; k += U) {
        for (int u = 0; u < U; u++) {
            const float *bk = b + (k + u) * NNK_NR;
            const __m256 b0 = _mm256_loadu_ps(bk), b1 = _mm256_loadu_ps(bk + 8);
            for (int m = 0; m < M; m++) {
                const __m256 av = _mm256_broadcast_ss(a + m * rs + (k + u) * cs);
                lo[m][u] = _mm256_fmadd_ps(av, b0, lo[m][u]);
                hi[m][u] = _mm256_fmadd_ps(av, b1, hi[m][u]);
            }
        }
    }
    for (; k < K; k++) {
        const __m256 b0 = _mm256_loadu_ps(b + k * NNK_NR), b1 = _mm256_loadu_ps(b + k * NNK_NR + 8);
        for (int m = 0; m < M; m++) {
            const __m256 av = _mm256_broadcast_ss(a + m * rs + k * cs);
            lo[m][0] = _mm256_fmadd_ps(av, b0, lo[m][0]);
            hi[m][0] = _mm256_fmadd_ps(av, b1, hi[m][0]);
        }
    }
    for (int m = 0; m < M; m++) {
        __m256 l = lo[m][0], h = hi[m][0];
        for (int u = 1; u < U; u++) {
            l = _mm256_add_ps(l, lo[m][u]);
            h = _mm256_add_ps(h, hi[m][u]);
        }
        _mm256_storeu_ps(tile + m * NNK_NR, l);
        _mm256_storeu_ps(tile + m * NNK_NR + 8, h);
    }
}

NNK_TARGET_AVX2
void nnk_sgemm_small_m_panel__avx2_fma(int64_t M, int64_t K, const float *a, int64_t a_rs, int64_t a_cs,
                                       const float *b, float *tile) {
    switch (M) {
    case 1: nnk_small_m_t(K, a, a_rs, a_cs, b, tile, 1, 4); break;
    case 2: nnk_small_m_t(K, a, a_rs, a_cs, b, tile, 2, 2); break;
    case 3: nnk_small_m_t(K, a, a_rs, a_cs, b, tile, 3, 1); break;
    case 4: nnk_small_m_t(K, a, a_rs, a_cs, b, tile, 4, 1); break;
    default: nnk_small_m_t(K, a, a_rs, a_cs, b, tile, 5, 1); break;
    }
}
#endif

void nnk_sgemm_small_m(const nnk_kernels *kt, int64_t M, int64_t N, int64_t K, float alpha, const float *a,
                       int64_t a_rs, int64_t a_cs, const float *packed_b, float *C, int64_t ldc, const nnk_epi *e,
                       int64_t m0, int64_t n0, int64_t n1, float *tile) {
    for (int64_t jc = n0; jc < n1; jc += NNK_NR) {  // one packed panel: columns [jc, jc+nr)
        const int64_t nr = NNK_MIN(NNK_NR, N - jc);
        kt->sgemm_small_m_panel(M, K, a, a_rs, a_cs, packed_b + (jc / NNK_NR) * K * NNK_NR, tile);
        for (int64_t m = 0; m < M; m++)
            for (int64_t j = 0; j < nr; j++) C[m * ldc + jc + j] = alpha * tile[m * NNK_NR + j];
        kt->epilogue_tile(e, C + jc, ldc, m0, jc, M, nr);
    }
}
