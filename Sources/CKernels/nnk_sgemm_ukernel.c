// nnk_sgemm_ukernel.c — the 6x16 SGEMM micro-kernels: C[0:6, 0:16] = alpha * A * B (+ C).
// a is one packed A micro-panel (kc x 6: a[k*6 + i]); b is one packed B micro-panel (kc x 16:
// b[k*16 + j]). Every C element is summed in k order, so a tile at the matrix edge (computed into a
// scratch tile) gives the same bits as a tile in the interior.
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include <immintrin.h>
#endif

void nnk_sgemm_ukernel_6x16__ref(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                                 float alpha, int accumulate) {
    float acc[NNK_MR][NNK_NR] = {{0}};
    for (int64_t k = 0; k < kc; k++) {          // a is (kc, 6), b is (kc, 16)
        for (int i = 0; i < NNK_MR; i++) {
            const float ai = a[k * NNK_MR + i];
            for (int j = 0; j < NNK_NR; j++) acc[i][j] += ai * b[k * NNK_NR + j];
        }
    }
    for (int i = 0; i < NNK_MR; i++) {          // c is (6, 16) with row stride ldc
        for (int j = 0; j < NNK_NR; j++) {
            const float v = alpha * acc[i][j];
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + v : v;
        }
    }
}

#if NNK_HAVE_AVX2
// 12 accumulators (6 rows x 2 vectors of 8), 2 B loads and 6 broadcasts per k.
#define NNK_ROW_FMA(i)                                             \
    do {                                                           \
        const __m256 ai = _mm256_broadcast_ss(a + (i));            \
        c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);                \
        c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);                \
    } while (0)
#define NNK_ROW_STORE(i)                                                              \
    do {                                                                              \
        float *ci = c + (i) * ldc;                                                    \
        __m256 v0 = _mm256_mul_ps(va, c##i##0), v1 = _mm256_mul_ps(va, c##i##1);      \
        if (accumulate) {                                                             \
            v0 = _mm256_add_ps(_mm256_loadu_ps(ci), v0);                              \
            v1 = _mm256_add_ps(_mm256_loadu_ps(ci + 8), v1);                          \
        }                                                                             \
        _mm256_storeu_ps(ci, v0);                                                     \
        _mm256_storeu_ps(ci + 8, v1);                                                 \
    } while (0)

NNK_TARGET_AVX2
void nnk_sgemm_ukernel_6x16__avx2_fma(int64_t kc, const float *a, const float *b, float *c,
                                      int64_t ldc, float alpha, int accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma clang loop unroll_count(4)
    for (int64_t k = 0; k < kc; k++) {          // a is (kc, 6), b is (kc, 16)
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        NNK_ROW_FMA(0); NNK_ROW_FMA(1); NNK_ROW_FMA(2);
        NNK_ROW_FMA(3); NNK_ROW_FMA(4); NNK_ROW_FMA(5);
        a += NNK_MR;
        b += NNK_NR;
    }
    const __m256 va = _mm256_set1_ps(alpha);
    NNK_ROW_STORE(0); NNK_ROW_STORE(1); NNK_ROW_STORE(2);
    NNK_ROW_STORE(3); NNK_ROW_STORE(4); NNK_ROW_STORE(5);
}
#undef NNK_ROW_FMA
#undef NNK_ROW_STORE
#endif
