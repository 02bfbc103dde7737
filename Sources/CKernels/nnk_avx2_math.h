// nnk_avx2_math.h — AVX2+FMA vector exp/expm1, sigmoid, tanh, the activations, the epilogue of 8
// elements, tail masks and partial stores, and an 8x8 transpose, inlined into the AVX2 kernels. Accuracy (checked against libm in the tests): exp and expm1 of y <= 0 within ~2 ulp;
// sigmoid and tanh within ~1e-6 relative. Results that would be subnormal are flushed to 0.
#pragma once
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include <immintrin.h>

/// Splits y = n*ln2 + r (|r| <= ln2/2, y in [-87.3, 0]); returns expm1(r), sets *t = 2^n.
/// expm1(r) is the Taylor series to r^7 (truncation < 1e-8 relative on the range).
static inline NNK_TARGET_AVX2 __m256 nnk_v_expm1_reduced(__m256 y, __m256 *t) {
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(y, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    // Cody-Waite: ln2 = hi + lo with hi exact in 16 bits so n*hi is exact.
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), y);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 q = _mm256_set1_ps(1.0f / 5040.0f);
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f / 720.0f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f / 120.0f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f / 24.0f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f / 6.0f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.5f));
    const __m256 p = _mm256_fmadd_ps(q, _mm256_mul_ps(r, r), r);
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    *t = _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
    return p;
}

/// exp(y) for y <= 0 (y < -87.3 gives 0).
static inline NNK_TARGET_AVX2 __m256 nnk_v_exp_neg(__m256 y) {
    const __m256 lo = _mm256_set1_ps(-87.3f);
    const __m256 under = _mm256_cmp_ps(y, lo, _CMP_LT_OQ);
    __m256 t;
    const __m256 p = nnk_v_expm1_reduced(_mm256_max_ps(_mm256_min_ps(y, _mm256_setzero_ps()), lo), &t);
    return _mm256_andnot_ps(under, _mm256_fmadd_ps(t, p, t));
}

/// expm1(y) for y in [-20, 0]: (2^n - 1) + 2^n * expm1(r), exact to a few ulp also near 0.
static inline NNK_TARGET_AVX2 __m256 nnk_v_expm1_neg(__m256 y) {
    __m256 t;
    const __m256 p = nnk_v_expm1_reduced(y, &t);
    return _mm256_fmadd_ps(t, p, _mm256_sub_ps(t, _mm256_set1_ps(1.0f)));
}

static inline NNK_TARGET_AVX2 __m256 nnk_v_sigmoid(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 e = nnk_v_exp_neg(_mm256_or_ps(x, sign));           // exp(-|x|) in (0, 1]
    const __m256 r = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    const __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(r, _mm256_mul_ps(e, r), neg);            // x<0: e/(1+e)
}

static inline NNK_TARGET_AVX2 __m256 nnk_v_tanh(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 y = _mm256_max_ps(_mm256_add_ps(_mm256_or_ps(x, sign), _mm256_or_ps(x, sign)),
                                   _mm256_set1_ps(-20.0f));         // -2|x| clamped
    const __m256 e = nnk_v_expm1_neg(y);                              // in (-1, 0]
    const __m256 a = _mm256_div_ps(_mm256_xor_ps(e, sign), _mm256_add_ps(_mm256_set1_ps(2.0f), e));
    return _mm256_or_ps(a, _mm256_and_ps(x, sign));                   // tanh(|x|) with x's sign
}

/// One activation on 8 lanes; alpha/beta as in nnk_epilogue (NaN passes through relu and clip).
static inline NNK_TARGET_AVX2 __m256 nnk_v_act(int32_t act, __m256 v, __m256 alpha, __m256 beta) {
    switch (act) {
    case NNK_ACT_RELU: return _mm256_max_ps(_mm256_setzero_ps(), v);
    case NNK_ACT_LEAKY_RELU:
        return _mm256_blendv_ps(v, _mm256_mul_ps(v, alpha), _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
    case NNK_ACT_CLIP: return _mm256_min_ps(beta, _mm256_max_ps(alpha, v));
    case NNK_ACT_SIGMOID: return nnk_v_sigmoid(v);
    case NNK_ACT_TANH: return nnk_v_tanh(v);
    default: return v;
    }
}

/// Lane mask for the first n (0..8) lanes, for maskload/maskstore tails.
static inline NNK_TARGET_AVX2 __m256i nnk_v_tail_mask(int64_t n) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), idx);
}
/// Stores the first n (0..7) lanes of v at o with plain 4-, 2- and 1-float stores (AMD CPUs run
/// vmaskmovps stores as slow microcode).
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void nnk_v_store_first(float *o, __m256 v, int64_t n) {
    __m128 x = _mm256_castps256_ps128(v);
    if (n >= 4) {
        _mm_storeu_ps(o, x);
        x = _mm256_extractf128_ps(v, 1);
        o += 4;
        n -= 4;
    }
    if (n >= 2) {
        _mm_storel_pi((__m64 *)o, x);
        x = _mm_movehl_ps(x, x);
        o += 2;
        n -= 2;
    }
    if (n) _mm_store_ss(o, x);
}
/// 8 floats at x, x+sw, ..., x+7*sw for sw = 1 or 2 (reads x .. x+8*sw-1).
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) __m256 nnk_load_strided8(const float *x, const int sw) {
    if (sw == 1) return _mm256_loadu_ps(x);
    const __m256 lo = _mm256_loadu_ps(x), hi = _mm256_loadu_ps(x + 8);
    const __m256 ev = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));  // lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), _MM_SHUFFLE(3, 1, 2, 0)));
}
/// Transposes 8 rows of 8 floats in place: r[i][j] becomes r[j][i].
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void nnk_transpose8x8(__m256 r[8]) {
    __m256 t[8], s[8];
    for (int i = 0; i < 8; i += 2) {    // t[i] = r_i0 r_(i+1)0 r_i1 r_(i+1)1 | same for columns 4, 5
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int h = 0; h < 8; h += 4) {    // s[h + j] = column j (and j + 4) of rows h..h+3
        s[h + 0] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
        s[h + 1] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
        s[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x20);
        r[j + 4] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x31);
    }
}

/// The epilogue (nnk_epilogue.c) of 8 (or the first few, under `mask`) elements of row m from column n.
/// Row-channel values come in already broadcast (rb, rs, rt); ACT is a compile-time constant in every
/// instantiation.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) __m256
nnk_epi_v(const nnk_epi *e, __m256 y, const float *res, int64_t n, __m256 rb, __m256 rs, __m256 rt, __m256 alpha,
          __m256 beta, int full, __m256i mask, const int ACT) {
    const int row_channel = e->axis == 0;
#define NNK_LOADV(ptr) (full ? _mm256_loadu_ps(ptr) : _mm256_maskload_ps((ptr), mask))
    if (e->bias) y = _mm256_add_ps(y, row_channel ? rb : NNK_LOADV(e->bias + n));
    if (res) y = _mm256_add_ps(y, NNK_LOADV(res));           // res points at element (m, n)
    y = nnk_v_act(ACT, y, alpha, beta);
    if (e->scale) y = _mm256_mul_ps(y, row_channel ? rs : NNK_LOADV(e->scale + n));
    if (e->shift) y = _mm256_add_ps(y, row_channel ? rt : NNK_LOADV(e->shift + n));
#undef NNK_LOADV
    return y;
}

#endif
