// nnk_dwconv3x3.c — the direct AVX2 kernels of 3x3 depthwise convolutions, stride 1 or 2 (every
// depthwise layer of MobileNetV2): output rows vectorised 8 outputs at a time straight from the NCHW
// planes, several rows per pass sharing the loaded input rows; stride 2 loads 16 columns and splits
// even and odd ones in registers; narrow stride-1 planes (at most 16 outputs wide) go through a
// double-buffered zero-padded copy. Bias and ReLU/Clip are applied before each store, any other
// epilogue on each channel's band right after. Taps are summed in (kh, kw) order from 0 in one FMA
// chain, as in nnk_dwconv.c, so results do not depend on bands, passes or tasks.
#include "nnk_dwconv.h"
#if NNK_HAVE_AVX2

/// Lanes whose column x + lane lies in [0, W).
static inline NNK_TARGET_AVX2 __m256i nnk_dw_inside(int64_t x, int64_t W) {
    const __m256i col = _mm256_add_epi32(_mm256_set1_epi32((int)x), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_and_si256(_mm256_cmpgt_epi32(col, _mm256_set1_epi32(-1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32((int)W), col));
}

/// The columns a block of 8 outputs starting at input column x0 reads: x0 + (0..9) for stride 1
/// (loads at x0, x0+1, x0+2), x0 + (0..17) for stride 2 (loads at x0, x0+8, x0+2, x0+10).
typedef struct nnk_dw3_masks {
    __m256i m[4];
} nnk_dw3_masks;

static inline NNK_TARGET_AVX2 nnk_dw3_masks nnk_dw3_masks_at(int64_t x0, int64_t W, int64_t S) {
    nnk_dw3_masks k;
    k.m[0] = nnk_dw_inside(x0, W);
    k.m[1] = nnk_dw_inside(x0 + (S == 1 ? 1 : 8), W);
    k.m[2] = nnk_dw_inside(x0 + 2, W);
    k.m[3] = nnk_dw_inside(x0 + 10, W);
    return k;
}

/// 8 outputs in each of R rows of a 3x3 kernel, stride S: s points at input column x0 of the first
/// input row of the pass, whose rows y = 0 .. (R-1)*S+2 are W floats apart. Taps go in (kh, kw) order
/// into each accumulator. MASKED: columns outside [0, W) read as 0 (edge blocks; else every column
/// read is inside). CHECK: rows whose bit in `rows_in` is clear are padding, and their taps are skipped
/// (adding w*0 would not change a bit). Stride 2 loads 16 columns per row and splits them into even
/// and odd columns within 128-bit halves, so acc holds outputs 0 1 4 5 2 3 6 7 until the final permute.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw3_block_t(const float *s, int64_t W, unsigned rows_in, const nnk_dw3_masks *k, const __m256 *wv, __m256 *acc,
                const int S, const int R, const int MASKED, const int CHECK) {
#define NNK_DW_LD(ptr, i) (MASKED ? _mm256_maskload_ps((ptr), k->m[i]) : _mm256_loadu_ps(ptr))
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int y = 0; y < (R - 1) * S + 3; y++) {
        if (CHECK && !(rows_in >> y & 1u)) continue;
        const float *row = s + y * W;
        __m256 v0, v1, v2;
        if (S == 1) {
            v0 = NNK_DW_LD(row, 0);
            v1 = NNK_DW_LD(row + 1, 1);
            v2 = NNK_DW_LD(row + 2, 2);
        } else {
            const __m256 a = NNK_DW_LD(row, 0), b = NNK_DW_LD(row + 8, 1);
            const __m256 a2 = NNK_DW_LD(row + 2, 2), b2 = NNK_DW_LD(row + 10, 3);
            v0 = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));    // columns 0 2 8 10 | 4 6 12 14
            v1 = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));    // columns 1 3 9 11 | 5 7 13 15
            v2 = _mm256_shuffle_ps(a2, b2, _MM_SHUFFLE(2, 0, 2, 0));  // columns 2 4 10 12 | 6 8 14 16
        }
        NNK_DW3_ROW_TAPS(_mm256_fmadd_ps, wv, v0, v1, v2, acc, y, S, R)
    }
#undef NNK_DW_LD
    if (S == 2)
        for (int r = 0; r < R; r++)
            acc[r] = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(acc[r]), _MM_SHUFFLE(3, 1, 2, 0)));
}

/// What a channel's passes share: the plane geometry, the masks of the first and last column blocks,
/// and the fused epilogue y = min(beta, max(alpha, acc + bias)) (alpha, beta = -inf, +inf without
/// Clip; 0, +inf for ReLU).
typedef struct nnk_dw3_ctx {
    int64_t H, W, OW, pad_top, pad_left, last_ow, band_end;
    nnk_dw3_masks first, last;
    __m256 alpha, beta;
} nnk_dw3_ctx;

/// Where the block of 8 outputs for ow0 = 0, 8, 16, ... starts: the last one of a row at least 8 wide
/// ends at the row's end (overlapping the one before, whose outputs it recomputes bit for bit), so
/// every store is a whole vector.
static inline int64_t nnk_dw3_block_at(int64_t ow0, int64_t OW) {
    return OW >= 8 && ow0 + 8 > OW ? OW - 8 : ow0;
}

/// Stores one output vector at o. Rows narrower than 8 store 8 floats too while those stay inside the
/// band (`end`: the band's end in the plane): rows are stored in order, so what spills into later rows
/// is overwritten right after; the band's last rows store only their own floats.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void nnk_dw3_store(float *o, __m256 y, int64_t OW,
                                                                              const float *end) {
    if (OW >= 8 || o + 8 <= end) _mm256_storeu_ps(o, y);
    else nnk_v_store_first(o, y, OW);
}

/// Output rows [oh0, oh1) (a multiple of R of them) of one channel's plane, R rows per pass.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw3_rows_t(const nnk_dw3_ctx *x, const float *plane, const __m256 *wv, float *oplane, int64_t oh0, int64_t oh1,
               __m256 bias, const int S, const int R) {
    const int64_t W = x->W, OW = x->OW;
    const int NY = (R - 1) * S + 3;
    const int64_t span = S == 1 ? 10 : 18;      // columns x0 .. x0+span-1 are read
    const __m256 alpha = x->alpha, beta = x->beta;
    for (int64_t oh = oh0; oh + R <= oh1; oh += R) {
        const int64_t ih0 = oh * S - x->pad_top;
        const int64_t lo = NNK_MAX(0, -ih0), hi = NNK_MIN(NY, x->H - ih0);   // rows [lo, hi) are inside
        const unsigned rows_in = hi <= lo ? 0u : ((1u << hi) - 1u) & ~((1u << lo) - 1u);
        const int all_in = lo == 0 && hi == NY;
        const float *s = plane + ih0 * W;
        float *o = oplane + oh * OW;
        for (int64_t ow0 = 0; ow0 < OW; ow0 += 8) {
            const int64_t ow = nnk_dw3_block_at(ow0, OW), x0 = ow * S - x->pad_left;
            __m256 acc[4];
            if (x0 >= 0 && x0 + span <= W) {
                if (all_in) nnk_dw3_block_t(s + x0, W, rows_in, NULL, wv, acc, S, R, 0, 0);
                else nnk_dw3_block_t(s + x0, W, rows_in, NULL, wv, acc, S, R, 0, 1);
            } else {
                nnk_dw3_masks mid;
                const nnk_dw3_masks *k = &x->first;
                if (ow == x->last_ow) k = &x->last;
                else if (ow != 0) k = &mid, mid = nnk_dw3_masks_at(x0, W, S);
                if (all_in) nnk_dw3_block_t(s + x0, W, rows_in, k, wv, acc, S, R, 1, 0);
                else nnk_dw3_block_t(s + x0, W, rows_in, k, wv, acc, S, R, 1, 1);
            }
            for (int r = 0; r < R; r++)
                nnk_dw3_store(o + r * OW + ow, _mm256_min_ps(beta, _mm256_max_ps(alpha, _mm256_add_ps(acc[r], bias))),
                              OW, oplane + x->band_end * OW);
        }
    }
}

/// The band of one channel (3x3, stride S, dilation 1): passes of 4 rows, then one of the rest.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw3_channel_t(const nnk_dw3_ctx *x, const float *plane, const float *w8, float *oplane, int64_t oh0,
                  int64_t oh1, __m256 bias, const int S) {
    __m256 wv[9];
    for (int t = 0; t < 9; t++) wv[t] = _mm256_broadcast_ss(w8 + t * NNK_DW_LANES);
    const int64_t a = oh0 + (oh1 - oh0) / 4 * 4;
    nnk_dw3_rows_t(x, plane, wv, oplane, oh0, a, bias, S, 4);
    switch (oh1 - a) {
    case 3: nnk_dw3_rows_t(x, plane, wv, oplane, a, oh1, bias, S, 3); break;
    case 2: nnk_dw3_rows_t(x, plane, wv, oplane, a, oh1, bias, S, 2); break;
    case 1: nnk_dw3_rows_t(x, plane, wv, oplane, a, oh1, bias, S, 1); break;
    default: break;
    }
}

/// One pass of R rows over the padded copy of a narrow plane (no masks: the copy has the padding).
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw3_small_pass_t(const nnk_dw3_ctx *x, const float *buf, int64_t RS, const __m256 *wv, float *oplane, int64_t oh,
                     __m256 bias, const int S, const int R) {
    const int64_t OW = x->OW;
    const __m256 alpha = x->alpha, beta = x->beta;
    for (int64_t ow0 = 0; ow0 < OW; ow0 += 8) {
        const int64_t ow = nnk_dw3_block_at(ow0, OW);
        __m256 acc[8];
        nnk_dw3_block_t(buf + oh * S * RS + ow * S, RS, 0u, NULL, wv, acc, S, R, 0, 0);
        float *o = oplane + oh * OW + ow;
        for (int r = 0; r < R; r++)
            nnk_dw3_store(o + r * OW, _mm256_min_ps(beta, _mm256_max_ps(alpha, _mm256_add_ps(acc[r], bias))), OW,
                          oplane + x->band_end * OW);
    }
}

static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw3_small_t(const nnk_dw3_ctx *x, const float *buf, int64_t RS, const float *w8, float *oplane, int64_t oh0,
                int64_t oh1, __m256 bias, const int S) {
    __m256 wv[9];
    for (int t = 0; t < 9; t++) wv[t] = _mm256_broadcast_ss(w8 + t * NNK_DW_LANES);
    const int64_t passes = nnk_div_up(oh1 - oh0, 8), R = nnk_div_up(oh1 - oh0, passes);   // R <= 8
    for (int64_t oh = oh0; oh < oh1; oh += R) {
        switch (NNK_MIN(R, oh1 - oh)) {
        case 8: nnk_dw3_small_pass_t(x, buf, RS, wv, oplane, oh, bias, S, 8); break;
        case 7: nnk_dw3_small_pass_t(x, buf, RS, wv, oplane, oh, bias, S, 7); break;
        case 6: nnk_dw3_small_pass_t(x, buf, RS, wv, oplane, oh, bias, S, 6); break;
        case 5: nnk_dw3_small_pass_t(x, buf, RS, wv, oplane, oh, bias, S, 5); break;
        case 4: nnk_dw3_small_pass_t(x, buf, RS, wv, oplane, oh, bias, S, 4); break;
        case 3: nnk_dw3_small_pass_t(x, buf, RS, wv, oplane, oh, bias, S, 3); break;
        case 2: nnk_dw3_small_pass_t(x, buf, RS, wv, oplane, oh, bias, S, 2); break;
        default: nnk_dw3_small_pass_t(x, buf, RS, wv, oplane, oh, bias, S, 1); break;
        }
    }
}

/// Copies one plane into the interior of a padded buffer (whose padding is zero and stays zero):
/// `rows` input rows from the top, each W floats (tail: the last W % 8 under `tail`).
static inline NNK_TARGET_AVX2 void nnk_dw3_small_copy(const float *src, int64_t W, int64_t rows, float *dst, int64_t RS,
                                                      __m256i tail) {
    const int64_t full = W / 8 * 8;
    for (int64_t ih = 0; ih < rows; ih++, src += W, dst += RS) {
        int64_t i = 0;
        for (; i < full; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
        if (i < W) _mm256_storeu_ps(dst + i, _mm256_maskload_ps(src + i, tail));
    }
}

NNK_TARGET_AVX2
void nnk_dwconv3x3__avx2_fma(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                             const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1, float *scratch) {
    const int64_t HW = p->H * p->W, OHW = p->OH * p->OW, OW = p->OW, S = p->stride_w;
    nnk_dw3_ctx x = {.H = p->H, .W = p->W, .OW = OW, .pad_top = p->pad_top, .pad_left = p->pad_left,
                     .last_ow = nnk_dw3_block_at((OW - 1) / 8 * 8, OW), .band_end = oh1};
    x.first = nnk_dw3_masks_at(-p->pad_left, p->W, S);
    x.last = nnk_dw3_masks_at(x.last_ow * S - p->pad_left, p->W, S);
    // bias and ReLU / Clip go into the stores; any other epilogue runs on each channel's band after
    const int32_t act = e->active ? e->act : NNK_ACT_NONE;
    const int fused = !e->residual && !e->scale && !e->shift &&
                      (act == NNK_ACT_NONE || act == NNK_ACT_RELU || act == NNK_ACT_CLIP);
    const float inf = __builtin_inff();
    x.alpha = _mm256_set1_ps(fused && act == NNK_ACT_CLIP ? e->alpha : fused && act == NNK_ACT_RELU ? 0.0f : -inf);
    x.beta = _mm256_set1_ps(fused && act == NNK_ACT_CLIP ? e->beta : inf);
    // narrow planes: channel l computes from one padded buffer while channel l+1 is copied into the other
    const int small = nnk_dw_small(p);
    const int64_t rows = small ? nnk_dw_small_rows(p) : 0, RS = small ? nnk_dw_small_rs(p) : 0;
    const int64_t copy_rows = small ? NNK_MIN(p->H, rows - p->pad_top) : 0, copy_at = p->pad_top * RS + p->pad_left;
    const __m256i tail = nnk_v_tail_mask(p->W % 8);
    if (small) {
        nnk_dw_zero(scratch, 0, 2 * rows * RS);
        nnk_dw3_small_copy(in + c0 * HW, p->W, copy_rows, scratch + copy_at, RS, tail);
    }
    for (int64_t l = 0; l < cn; l++) {
        const int64_t c = c0 + l;
        float *oplane = out + c * OHW;
        const __m256 bias = _mm256_set1_ps(fused && e->active && e->bias ? e->bias[c] : 0.0f);
        if (small) {
            if (l + 1 < cn)
                nnk_dw3_small_copy(in + (c + 1) * HW, p->W, copy_rows, scratch + ((l + 1) & 1) * rows * RS + copy_at, RS,
                                   tail);
            const float *buf = scratch + (l & 1) * rows * RS;
            if (S == 1) nnk_dw3_small_t(&x, buf, RS, w8 + l, oplane, oh0, oh1, bias, 1);
            else nnk_dw3_small_t(&x, buf, RS, w8 + l, oplane, oh0, oh1, bias, 2);
        } else if (S == 1) {
            nnk_dw3_channel_t(&x, in + c * HW, w8 + l, oplane, oh0, oh1, bias, 1);
        } else {
            nnk_dw3_channel_t(&x, in + c * HW, w8 + l, oplane, oh0, oh1, bias, 2);
        }
        if (e->active && !fused)                // each channel's band is contiguous: one epilogue row
            nnk_epilogue_tile__avx2_fma(e, oplane + oh0 * OW, OW, c, oh0 * OW, 1, (oh1 - oh0) * OW);
    }
}
#endif
