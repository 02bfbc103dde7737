// nnk_sgemm_ukernel.c — the 6x16 SGEMM micro-kernels: C[0:mr, 0:16] = alpha * A * B (+ C).
// a is one packed A micro-panel (kc x 6: a[k*6 + i]); b is one B micro-panel: packed (kc x 16:
// b[k*16 + j], ldb 16) or any matrix with 16 readable columns per row (b[k*ldb + j],
// e.g. a pointwise convolution's NCHW input read in place, without packing). Every C element is summed
// in k order, so a tile at the matrix edge gives the same bits as a tile in the interior, and reading B
// in place gives the same bits as reading it packed.
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"
#endif

void nnk_sgemm_ukernel_narrow__ref(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *b, int64_t ldb,
                                   float *c, int64_t ldc, float alpha, int accumulate, const nnk_epi *e, int64_t m0,
                                   int64_t n0) {
    if (e && !e->active) e = NULL;
    float acc[NNK_MR][NNK_NR] = {{0}};
    for (int64_t k = 0; k < kc; k++) {          // a is (kc, 6), b is (kc, nr) with row stride ldb
        for (int i = 0; i < NNK_MR; i++) {
            const float ai = a[k * NNK_MR + i];
            for (int j = 0; j < nr; j++) acc[i][j] += ai * b[k * ldb + j];
        }
    }
    for (int64_t i = 0; i < mr; i++) {          // c is (mr, nr) with row stride ldc
        for (int j = 0; j < nr; j++) {
            const float v = alpha * acc[i][j];
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + v : v;
            if (e) c[i * ldc + j] = nnk_epi_scalar(e, c[i * ldc + j], m0 + i, n0 + j);
        }
    }
}

void nnk_sgemm_ukernel_rows__ref(int64_t mr, int64_t kc, const float *a, const float *b, int64_t ldb, float *c,
                                 int64_t ldc, float alpha, int accumulate, const nnk_epi *e, int64_t m0,
                                 int64_t n0) {
    nnk_sgemm_ukernel_narrow__ref(mr, NNK_NR, kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0);
}

#if NNK_HAVE_AVX2
// 12 accumulators (6 rows x 2 vectors of 8), 2 B loads and up to 6 broadcasts per k. ROWS (1..6) is a
// compile-time constant in every instantiation: rows past it are neither computed nor stored.
#define NNK_ROW_FMA(i)                                             \
    do {                                                           \
        if ((i) < ROWS) {                                          \
            const __m256 ai = _mm256_broadcast_ss(a + (i));        \
            c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);            \
            c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);            \
        }                                                          \
    } while (0)
// With EPI, the epilogue (row bias, residual, activation ACT, post scale and shift) runs on the registers before the one
// store: the same operations in the same order as nnk_epilogue_tile on the stored tile.
#define NNK_ROW_STORE(i)                                                              \
    do {                                                                              \
        if ((i) < ROWS) {                                                             \
            float *ci = c + (i) * ldc;                                                \
            __m256 v0 = _mm256_mul_ps(va, c##i##0), v1 = _mm256_mul_ps(va, c##i##1);  \
            if (accumulate) {                                                         \
                v0 = _mm256_add_ps(_mm256_loadu_ps(ci), v0);                          \
                v1 = _mm256_add_ps(_mm256_loadu_ps(ci + 8), v1);                      \
            }                                                                         \
            if (EPI) {                                                                \
                if (bias) {                                                           \
                    const __m256 bv = _mm256_set1_ps(bias[i]);                        \
                    v0 = _mm256_add_ps(v0, bv);                                       \
                    v1 = _mm256_add_ps(v1, bv);                                       \
                }                                                                     \
                if (res) {                                                            \
                    v0 = _mm256_add_ps(v0, _mm256_loadu_ps(res + (i) * res_ld));      \
                    v1 = _mm256_add_ps(v1, _mm256_loadu_ps(res + (i) * res_ld + 8));  \
                }                                                                     \
                v0 = nnk_v_act(ACT, v0, lo, hi);                                      \
                v1 = nnk_v_act(ACT, v1, lo, hi);                                      \
                if (scale) {                                                          \
                    const __m256 sv = _mm256_set1_ps(scale[i]);                       \
                    v0 = _mm256_mul_ps(v0, sv);                                       \
                    v1 = _mm256_mul_ps(v1, sv);                                       \
                }                                                                     \
                if (shift) {                                                          \
                    const __m256 tv = _mm256_set1_ps(shift[i]);                       \
                    v0 = _mm256_add_ps(v0, tv);                                       \
                    v1 = _mm256_add_ps(v1, tv);                                       \
                }                                                                     \
            }                                                                         \
            _mm256_storeu_ps(ci, v0);                                                 \
            _mm256_storeu_ps(ci + 8, v1);                                             \
        }                                                                             \
    } while (0)

static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_ukernel_t(int64_t kc, const float *a, const float *b, int64_t ldb, float *c, int64_t ldc, float alpha,
              int accumulate, const nnk_epi *e, int64_t m0, int64_t n0, const int ROWS, const int EPI, const int ACT) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma clang loop unroll_count(4)
    for (int64_t k = 0; k < kc; k++) {          // a is (kc, 6), b is (kc, 16) with row stride ldb
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        NNK_ROW_FMA(0); NNK_ROW_FMA(1); NNK_ROW_FMA(2);
        NNK_ROW_FMA(3); NNK_ROW_FMA(4); NNK_ROW_FMA(5);
        a += NNK_MR;
        b += ldb;
    }
    const __m256 va = _mm256_set1_ps(alpha);
    const nnk_epi_rows r = nnk_epi_rows_at(EPI ? e : NULL, m0, n0);
    const float *bias = r.bias, *res = r.res, *scale = r.scale, *shift = r.shift;
    const int64_t res_ld = r.res_ld;
    const __m256 lo = _mm256_set1_ps(r.alpha), hi = _mm256_set1_ps(r.beta);
    NNK_ROW_STORE(0); NNK_ROW_STORE(1); NNK_ROW_STORE(2);
    NNK_ROW_STORE(3); NNK_ROW_STORE(4); NNK_ROW_STORE(5);
}
#undef NNK_ROW_FMA
#undef NNK_ROW_STORE

int nnk_epi_fusable(const nnk_epi *e) {
    return e && e->active && e->axis == 0 &&
           (e->act == NNK_ACT_NONE || e->act == NNK_ACT_RELU || e->act == NNK_ACT_CLIP);
}

#define NNK_UK_ROWS(EPI, ACT) NNK_UK_ROWS_OF(nnk_ukernel_t, EPI, ACT)

NNK_TARGET_AVX2
void nnk_sgemm_ukernel_rows__avx2_fma(int64_t mr, int64_t kc, const float *a, const float *b, int64_t ldb,
                                      float *c, int64_t ldc, float alpha, int accumulate, const nnk_epi *e,
                                      int64_t m0, int64_t n0) {
    NNK_UK_DISPATCH(e, NNK_UK_ROWS, nnk_epilogue_tile__avx2_fma(e, c, ldc, m0, n0, mr, NNK_NR));
}
#undef NNK_UK_ROWS
#undef NNK_ROW_FMA
#undef NNK_ROW_STORE

/// The narrow kernel: 6 accumulators of 8 lanes, B rows read with a lane mask (lanes past nr are
/// neither read nor stored), then the same epilogue as NNK_ROW_STORE on one vector per row.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_ukernel_narrow_t(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *b, int64_t ldb, float *c,
                     int64_t ldc, float alpha, int accumulate, const nnk_epi *e, int64_t m0, int64_t n0, const int EPI,
                     const int ACT) {
    const __m256i mask = nnk_v_tail_mask(nr);
    __m256 acc[NNK_MR];
    for (int i = 0; i < NNK_MR; i++) acc[i] = _mm256_setzero_ps();
#pragma clang loop unroll_count(2)
    for (int64_t k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_maskload_ps(b, mask);
        for (int i = 0; i < NNK_MR; i++) acc[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + i), b0, acc[i]);
        a += NNK_MR;
        b += ldb;
    }
    const __m256 va = _mm256_set1_ps(alpha);
    const __m256 lo = _mm256_set1_ps(EPI ? e->alpha : 0.0f), hi = _mm256_set1_ps(EPI ? e->beta : 0.0f);
    for (int64_t i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        __m256 v = _mm256_mul_ps(va, acc[i]);
        if (accumulate) v = _mm256_add_ps(_mm256_maskload_ps(ci, mask), v);
        if (EPI) {
            const int64_t m = m0 + i;
            if (e->bias) v = _mm256_add_ps(v, _mm256_set1_ps(e->bias[m]));
            if (e->residual) v = _mm256_add_ps(v, _mm256_maskload_ps(e->residual + m * e->res_ld + n0, mask));
            v = nnk_v_act(ACT, v, lo, hi);
            if (e->scale) v = _mm256_mul_ps(v, _mm256_set1_ps(e->scale[m]));
            if (e->shift) v = _mm256_add_ps(v, _mm256_set1_ps(e->shift[m]));
        }
        if (nr == 8)
            _mm256_storeu_ps(ci, v);
        else
            nnk_v_store_first(ci, v, nr);        // plain partial stores: masked ones are slow on AMD
    }
}

#define NNK_UK_NARROW(EPI, ACT) nnk_ukernel_narrow_t(mr, nr, kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, EPI, ACT)
NNK_TARGET_AVX2
void nnk_sgemm_ukernel_narrow__avx2_fma(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *b,
                                        int64_t ldb, float *c, int64_t ldc, float alpha, int accumulate,
                                        const nnk_epi *e, int64_t m0, int64_t n0) {
    NNK_UK_DISPATCH(e, NNK_UK_NARROW, nnk_epilogue_tile__avx2_fma(e, c, ldc, m0, n0, mr, nr));
}
#undef NNK_UK_NARROW
#endif
