// nnk_dwconv.h — what the two depthwise files share (nnk_dwconv.c: geometry, packing, the
// reference and the any-shape AVX2 path; nnk_dwconv3x3.c: the direct 3x3 AVX2 kernels). Private to
// Sources/CKernels.
#pragma once
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"
#endif

#define NNK_DW_LANES 8

/// 3x3, dilation 1, the same stride (1 or 2) both ways: computed straight from the NCHW planes.
static inline int nnk_dw_direct(const nnk_conv2d_params *p) {
    return p->KH == 3 && p->KW == 3 && p->dil_h == 1 && p->dil_w == 1 && p->stride_h == p->stride_w &&
           (p->stride_w == 1 || p->stride_w == 2);
}

/// Narrow stride-1 planes (at most 2 blocks of 8 outputs per row, all at an edge) are copied whole into a
/// zero-padded scratch first, two channels' worth: padded row y (input row y - pad_top) of RS floats,
/// input column i at element pad_left + i; rows are the (OH-1)*S + 3 the windows span.
static inline int nnk_dw_small(const nnk_conv2d_params *p) {
    return nnk_dw_direct(p) && p->stride_w == 1 && p->OW <= 16;
}
static inline int64_t nnk_dw_small_rows(const nnk_conv2d_params *p) { return (p->OH - 1) * p->stride_h + 3; }
static inline int64_t nnk_dw_small_rs(const nnk_conv2d_params *p) {
    const int64_t S = p->stride_w, reads = (p->OW - 1) / 8 * 8 * S + (S == 1 ? 10 : 18);
    return nnk_round_up(NNK_MAX(reads, p->pad_left + nnk_round_up(p->W, NNK_DW_LANES)), NNK_DW_LANES);
}

/// The taps of input row y of a pass (its three column vectors v0, v1, v2) into the accumulators of
/// the pass's R output rows, stride S: output row r takes kernel row kh = y - r*S when it is 0..2,
/// in kw order. Every 3x3 depthwise kernel (AVX2, and AVX-512 with either vector width) sums its taps
/// through this one macro, (kh, kw) order from 0 in one FMA chain, which is why they give the same
/// bits. FMA(a, b, c) is the vector type's a*b+c.
#define NNK_DW3_ROW_TAPS(FMA, wv, v0, v1, v2, acc, y, S, R)                 \
    _Pragma("clang loop unroll(full)") for (int r_ = 0; r_ < (R); r_++) {   \
        const int kh_ = (y) - r_ * (S);                                       \
        if (kh_ < 0 || kh_ > 2) continue;                                     \
        (acc)[r_] = FMA((wv)[kh_ * 3 + 0], (v0), (acc)[r_]);                  \
        (acc)[r_] = FMA((wv)[kh_ * 3 + 1], (v1), (acc)[r_]);                  \
        (acc)[r_] = FMA((wv)[kh_ * 3 + 2], (v2), (acc)[r_]);                  \
    }

#if NNK_HAVE_AVX2
/// Zeroes floats [a, b) of row.
static inline NNK_TARGET_AVX2 void nnk_dw_zero(float *row, int64_t a, int64_t b) {
    for (; a + 8 <= b; a += 8) _mm256_storeu_ps(row + a, _mm256_setzero_ps());
    for (; a < b; a++) row[a] = 0.0f;
}

/// The fused epilogue of one channel, y = act(acc + bias), stored at o (only its first n_valid lanes
/// when n_valid < 8). bias is 0 when there is none (acc is never -0, so adding 0 changes no bit).
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw_store(__m256 acc, float *o, int64_t n_valid, __m256 bias, __m256 alpha, __m256 beta, const int ACT) {
    const __m256 y = nnk_v_act(ACT, _mm256_add_ps(acc, bias), alpha, beta);
    if (n_valid >= 8) _mm256_storeu_ps(o, y);
    else nnk_v_store_first(o, y, n_valid);
}

/// 3x3, stride 1 or 2 (nnk_dw_direct): channels [c0, c0+cn) of one image straight from the planes.
void nnk_dwconv3x3__avx2_fma(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                             const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1, float *scratch);
#endif
