// nnk_dwconv.c — depthwise 2-D convolution (groups == C_in == C_out), direct, in plain NCHW.
//
// Weights are packed as blocks of 8 channels: w8[t*8 + l] is tap t = kh*KW + kw of channel 8*blk + l
// (lanes past C are 0). A call computes channels [c0, c0+cn) (cn <= 8) of one image over a band of
// output rows [oh0, oh1).
// The AVX2 kernel vectorises along output rows, one channel at a time. It copies the band's input
// rows of the channel into a zero-padded scratch (no transposes), split by column phase for strided
// convolutions: padded column x = j*S + ph (S = stride_w) is element j of phase row ph, so every tap
// of 8 consecutive outputs is one unaligned load (stride 2: the copy deinterleaves even and odd
// columns once). It then computes several output rows per pass (sharing the loaded input rows), and
// applies the epilogue (bias, ReLU/Clip, residual, ...) to each vector before storing it.
// Every output sums its taps in (kh, kw) order from 0 in one FMA chain (padding taps add w*0), so how
// rows are grouped into bands, passes or tasks never changes a bit.
#include <string.h>
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"
#endif

#define NNK_DW_LANES 8
/// Scratch floats a band aims to stay within (16 KiB: stays in L1 next to the band's output).
#define NNK_DW_SCRATCH_BUDGET 4096

/// The padded scratch of one band: each input row is S = stride_w phase rows of RS floats; taps read
/// the first Wq floats of a phase row.
typedef struct nnk_dw_geom {
    int64_t S, Wq, RS;
} nnk_dw_geom;

static nnk_dw_geom nnk_dw_geom_of(const nnk_conv2d_params *p) {
    nnk_dw_geom g;
    g.S = p->stride_w;
    g.Wq = nnk_round_up(p->OW, NNK_DW_LANES) + (p->KW - 1) * p->dil_w / g.S;
    // the copy writes up to element div_up(pad_left, S) + div_up(W, S) + 7 of a phase row
    const int64_t data = nnk_div_up(p->pad_left, g.S) + nnk_div_up(p->W, g.S);
    g.RS = nnk_round_up(NNK_MAX(g.Wq, data) + NNK_DW_LANES, NNK_DW_LANES);
    return g;
}

/// Padded input rows the windows of `bh` consecutive output rows span.
static int64_t nnk_dw_band_input_rows(const nnk_conv2d_params *p, int64_t bh) {
    return (bh - 1) * p->stride_h + (p->KH - 1) * p->dil_h + 1;
}

/// 3x3, dilation 1, the same stride (1 or 2) both ways: computed straight from the NCHW planes.
static int nnk_dw_direct(const nnk_conv2d_params *p) {
    return p->KH == 3 && p->KW == 3 && p->dil_h == 1 && p->dil_w == 1 && p->stride_h == p->stride_w &&
           (p->stride_w == 1 || p->stride_w == 2);
}

/// Output floats a band aims for when the kernel reads the planes directly.
#define NNK_DW_DIRECT_BAND 16384

/// Narrow stride-1 planes (at most 2 blocks of 8 outputs per row, all at an edge) are copied whole into a
/// zero-padded scratch first, two channels' worth: padded row y (input row y - pad_top) of RS floats,
/// input column i at element pad_left + i; rows are the (OH-1)*S + 3 the windows span.
static int nnk_dw_small(const nnk_conv2d_params *p) {
    return nnk_dw_direct(p) && p->stride_w == 1 && p->OW <= 16;
}
static int64_t nnk_dw_small_rows(const nnk_conv2d_params *p) { return (p->OH - 1) * p->stride_h + 3; }
static int64_t nnk_dw_small_rs(const nnk_conv2d_params *p) {
    const int64_t S = p->stride_w, reads = (p->OW - 1) / 8 * 8 * S + (S == 1 ? 10 : 18);
    return nnk_round_up(NNK_MAX(reads, p->pad_left + nnk_round_up(p->W, NNK_DW_LANES)), NNK_DW_LANES);
}

int64_t nnk_dwconv2d_band_rows(const nnk_conv2d_params *p) {
    if (nnk_dw_small(p)) return p->OH;
    if (nnk_dw_direct(p))                   // a multiple of 4 rows (one pass), else the whole plane
        return NNK_MAX(1, NNK_MIN(p->OH, nnk_round_up(nnk_div_up(NNK_DW_DIRECT_BAND, p->OW), 4)));
    const nnk_dw_geom g = nnk_dw_geom_of(p);
    const int64_t fit = NNK_DW_SCRATCH_BUDGET / (g.S * g.RS) - (p->KH - 1) * p->dil_h - 1;
    const int64_t bh = fit < 0 ? 1 : fit / p->stride_h + 1;
    return NNK_MAX(1, NNK_MIN(bh, p->OH));
}

int64_t nnk_dwconv2d_scratch_floats(const nnk_conv2d_params *p) {
    if (nnk_dw_small(p)) return 2 * nnk_dw_small_rows(p) * nnk_dw_small_rs(p) + NNK_WS_SLACK;
    if (nnk_dw_direct(p)) return NNK_WS_SLACK;
    const nnk_dw_geom g = nnk_dw_geom_of(p);
    return nnk_dw_band_input_rows(p, nnk_dwconv2d_band_rows(p)) * g.S * g.RS + NNK_WS_SLACK;
}

int64_t nnk_dwconv2d_packed_floats(const nnk_conv2d_params *p) {
    return nnk_round_up(p->C_out, NNK_DW_LANES) * p->KH * p->KW;
}

void nnk_dwconv2d_pack(const nnk_conv2d_params *p, const float *w, const float *scale, float *packed) {
    const int64_t taps = p->KH * p->KW;   // w is (C, 1, KH, KW); packed is (C/8, taps, 8)
    memset(packed, 0, (size_t)nnk_dwconv2d_packed_floats(p) * sizeof(float));
    for (int64_t c = 0; c < p->C_out; c++)
        for (int64_t t = 0; t < taps; t++)
            packed[(c / NNK_DW_LANES * taps + t) * NNK_DW_LANES + c % NNK_DW_LANES] =
                scale ? w[c * taps + t] * scale[c] : w[c * taps + t];
}

/// Taps [t0, t1) of a window starting at x0 (step d, k taps) that fall inside [0, size).
static inline void nnk_taps_inside(int64_t x0, int64_t d, int64_t k, int64_t size, int64_t *t0, int64_t *t1) {
    *t1 = x0 > size - 1 ? 0 : NNK_MIN(k, (size - 1 - x0) / d + 1);
    *t0 = NNK_MIN(*t1, x0 >= 0 ? 0 : nnk_div_up(-x0, d));
}

void nnk_dwconv2d_c8__ref(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                          const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1, float *scratch) {
    (void)scratch;
    const int64_t HW = p->H * p->W, OHW = p->OH * p->OW;
    for (int64_t l = 0; l < cn; l++) {          // in is (C, H, W), out is (C, OH, OW) of one image
        const float *plane = in + (c0 + l) * HW;
        float *oplane = out + (c0 + l) * OHW;
        for (int64_t oh = oh0; oh < oh1; oh++) {
            const int64_t ih0 = oh * p->stride_h - p->pad_top;
            int64_t kh0, kh1;
            nnk_taps_inside(ih0, p->dil_h, p->KH, p->H, &kh0, &kh1);
            for (int64_t ow = 0; ow < p->OW; ow++) {
                const int64_t iw0 = ow * p->stride_w - p->pad_left;
                int64_t kw0, kw1;
                nnk_taps_inside(iw0, p->dil_w, p->KW, p->W, &kw0, &kw1);
                float acc = 0.0f;
                for (int64_t kh = kh0; kh < kh1; kh++) {
                    const float *row = plane + (ih0 + kh * p->dil_h) * p->W + iw0;
                    for (int64_t kw = kw0; kw < kw1; kw++)
                        acc += w8[(kh * p->KW + kw) * NNK_DW_LANES + l] * row[kw * p->dil_w];
                }
                oplane[oh * p->OW + ow] = acc;
            }
        }
        nnk_epilogue_tile__ref(e, oplane + oh0 * p->OW, p->OW, c0 + l, oh0 * p->OW, 1, (oh1 - oh0) * p->OW);
    }
}

#if NNK_HAVE_AVX2
/// Where input columns of parity q (i = k*S + q) land in phase row ph: element j_off + k.
static inline void nnk_dw_phase(const nnk_conv2d_params *p, int64_t S, int64_t ph, int64_t *q, int64_t *j_off) {
    *q = ((ph - p->pad_left) % S + S) % S;
    *j_off = (*q + p->pad_left - ph) / S;
}

/// Zeroes floats [a, b) of row.
static inline NNK_TARGET_AVX2 void nnk_dw_zero(float *row, int64_t a, int64_t b) {
    for (; a + 8 <= b; a += 8) _mm256_storeu_ps(row + a, _mm256_setzero_ps());
    for (; a < b; a++) row[a] = 0.0f;
}

/// Zeroes what no channel's copy writes: rows outside the image and each phase row's padding.
static NNK_TARGET_AVX2 void nnk_dw_zero_pads(const nnk_conv2d_params *p, const nnk_dw_geom *g, int64_t y0,
                                             int64_t rows, float *scratch) {
    int64_t lo[NNK_DW_LANES], hi[NNK_DW_LANES];          // per phase: the data floats [lo, hi)
    const int64_t nph = NNK_MIN(g->S, NNK_DW_LANES);
    for (int64_t ph = 0; ph < nph; ph++) {
        int64_t q, j_off;
        nnk_dw_phase(p, g->S, ph, &q, &j_off);
        lo[ph] = j_off;
        hi[ph] = j_off + (q < p->W ? (p->W - q + g->S - 1) / g->S : 0);
    }
    for (int64_t y = 0; y < rows; y++) {
        float *row = scratch + y * g->S * g->RS;
        const int64_t ih = y0 + y;
        if (ih < 0 || ih >= p->H || g->S > NNK_DW_LANES) {  // (a stride over 8 just zeroes everything)
            nnk_dw_zero(row, 0, g->S * g->RS);
            continue;
        }
        for (int64_t ph = 0; ph < nph; ph++) {
            nnk_dw_zero(row + ph * g->RS, 0, lo[ph]);
            nnk_dw_zero(row + ph * g->RS, hi[ph], g->RS);
        }
    }
}

/// Copies the image rows of one channel's plane into scratch rows [0, rows), whose first is input row y0.
static inline NNK_TARGET_AVX2 void nnk_dw_copy(const nnk_conv2d_params *p, const nnk_dw_geom *g, const float *plane,
                                               int64_t y0, int64_t rows, float *scratch) {
    const int64_t W = p->W, S = g->S;
    const int64_t y_lo = NNK_MAX(0, -y0), y_hi = NNK_MIN(rows, p->H - y0);
    if (S == 1) {
        for (int64_t y = y_lo; y < y_hi; y++) {
            const float *src = plane + (y0 + y) * W;
            float *dst = scratch + y * g->RS + p->pad_left;
            int64_t i = 0;
            for (; i + 8 <= W; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
            if (i < W) _mm256_storeu_ps(dst + i, _mm256_maskload_ps(src + i, nnk_v_tail_mask(W - i)));
        }
    } else if (S == 2) {                        // deinterleave: even input columns to one phase, odd to the other
        int64_t q0, j0, q1, j1;
        nnk_dw_phase(p, 2, 0, &q0, &j0);
        nnk_dw_phase(p, 2, 1, &q1, &j1);
        const int64_t even_off = q0 == 0 ? j0 : g->RS + j1, odd_off = q0 == 0 ? g->RS + j1 : j0;
        for (int64_t y = y_lo; y < y_hi; y++) {
            const float *src = plane + (y0 + y) * W;
            float *ev = scratch + y * 2 * g->RS + even_off, *od = scratch + y * 2 * g->RS + odd_off;
            for (int64_t i = 0; i < W; i += 16) {
                __m256 a, b;
                if (i + 16 <= W) {
                    a = _mm256_loadu_ps(src + i);
                    b = _mm256_loadu_ps(src + i + 8);
                } else {
                    a = _mm256_maskload_ps(src + i, nnk_v_tail_mask(W - i));
                    b = _mm256_maskload_ps(src + i + 8, nnk_v_tail_mask(W - i - 8));
                }
                const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));   // a0 a2 b0 b2 | a4 a6 b4 b6
                const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
                _mm256_storeu_ps(ev + i / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
                _mm256_storeu_ps(od + i / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8)));
            }
        }
    } else {
        for (int64_t y = y_lo; y < y_hi; y++) {
            const float *src = plane + (y0 + y) * W;
            for (int64_t ph = 0; ph < S; ph++) {
                int64_t q, j_off;
                nnk_dw_phase(p, S, ph, &q, &j_off);
                float *dst = scratch + (y * S + ph) * g->RS + j_off;
                for (int64_t i = q, k = 0; i < W; i += S, k++) dst[k] = src[i];
            }
        }
    }
}

/// The fused epilogue of one channel, y = act(acc + bias), stored at o (only its first n_valid lanes
/// when n_valid < 8). bias is 0 when there is none (acc is never -0, so adding 0 changes no bit).
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw_store(__m256 acc, float *o, int64_t n_valid, __m256 bias, __m256 alpha, __m256 beta, const int ACT) {
    const __m256 y = nnk_v_act(ACT, _mm256_add_ps(acc, bias), alpha, beta);
    if (n_valid >= 8) _mm256_storeu_ps(o, y);
    else nnk_v_store_first(o, y, n_valid);
}

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
        for (int r = 0; r < R; r++) {
            const int kh = y - r * S;
            if (kh < 0 || kh > 2) continue;
            acc[r] = _mm256_fmadd_ps(wv[kh * 3 + 0], v0, acc[r]);
            acc[r] = _mm256_fmadd_ps(wv[kh * 3 + 1], v1, acc[r]);
            acc[r] = _mm256_fmadd_ps(wv[kh * 3 + 2], v2, acc[r]);
        }
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

/// Any kernel size, stride and dilation, one row per pass, no epilogue.
static NNK_TARGET_AVX2 void nnk_dw_rows_any(const nnk_conv2d_params *p, const nnk_dw_geom *g, const float *scratch,
                                            const float *w8, float *oplane, int64_t oh0, int64_t oh1) {
    const int64_t OW = p->OW, G = g->S * g->RS;
    for (int64_t oh = oh0; oh < oh1; oh++) {
        const float *s0 = scratch + (oh - oh0) * p->stride_h * G;
        for (int64_t ow = 0; ow < OW; ow += 8) {
            __m256 acc = _mm256_setzero_ps();
            for (int64_t kh = 0; kh < p->KH; kh++) {
                const float *sr = s0 + kh * p->dil_h * G + ow;
                for (int64_t kw = 0; kw < p->KW; kw++) {
                    const int64_t x = kw * p->dil_w;
                    acc = _mm256_fmadd_ps(_mm256_broadcast_ss(w8 + (kh * p->KW + kw) * NNK_DW_LANES),
                                          _mm256_loadu_ps(sr + x % g->S * g->RS + x / g->S), acc);
                }
            }
            const __m256 z = _mm256_setzero_ps();
            nnk_dw_store(acc, oplane + oh * OW + ow, OW - ow, z, z, z, NNK_ACT_NONE);
        }
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

/// 3x3, stride 1 or 2: channels [c0, c0+cn) straight from the planes.
static NNK_TARGET_AVX2 void nnk_dw3(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                                    const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1,
                                    float *scratch) {
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

NNK_TARGET_AVX2
void nnk_dwconv2d_c8__avx2_fma(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                               const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1, float *scratch) {
    if (oh0 >= oh1) return;
    if (nnk_dw_direct(p)) {
        nnk_dw3(p, in, w8, out, e, c0, cn, oh0, oh1, scratch);
        return;
    }
    // anything else: each channel's band of input rows goes through the padded, phase-split scratch
    const nnk_dw_geom g = nnk_dw_geom_of(p);
    const int64_t y0 = oh0 * p->stride_h - p->pad_top, rows = nnk_dw_band_input_rows(p, oh1 - oh0);
    const int64_t HW = p->H * p->W, OHW = p->OH * p->OW, OW = p->OW;
    nnk_dw_zero_pads(p, &g, y0, rows, scratch);
    for (int64_t l = 0; l < cn; l++) {
        const int64_t c = c0 + l;
        float *oplane = out + c * OHW;
        nnk_dw_copy(p, &g, in + c * HW, y0, rows, scratch);
        nnk_dw_rows_any(p, &g, scratch, w8 + l, oplane, oh0, oh1);
        if (e->active) nnk_epilogue_tile__avx2_fma(e, oplane + oh0 * OW, OW, c, oh0 * OW, 1, (oh1 - oh0) * OW);
    }
}
#endif
