// nnk_dwconv.c — depthwise 2-D convolution (groups == C_in == C_out), direct, in plain NCHW: band
// sizes, weight packing, the reference kernel, and the AVX2 path for any kernel size, stride and
// dilation. 3x3 with stride 1 or 2 (every MobileNetV2 depthwise layer) goes to nnk_dwconv3x3.c.
//
// Weights are packed as blocks of 8 channels: w8[t*8 + l] is tap t = kh*KW + kw of channel 8*blk + l
// (lanes past C are 0). A call computes channels [c0, c0+cn) (cn <= 8) of one image over a band of
// output rows [oh0, oh1).
// The any-shape AVX2 path vectorises along output rows, one channel at a time. It copies the band's
// input rows of the channel into a zero-padded scratch (no transposes), split by column phase for
// strided convolutions: padded column x = j*S + ph (S = stride_w) is element j of phase row ph, so
// every tap of 8 consecutive outputs is one unaligned load, then runs the epilogue on the channel's
// band while it is in cache.
// Every output sums its taps in (kh, kw) order from 0 in one FMA chain (padding taps add w*0), so how
// rows are grouped into bands, passes or tasks never changes a bit.
#include <string.h>
#include "nnk_dwconv.h"

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


/// Output floats a band aims for when the kernel reads the planes directly.
#define NNK_DW_DIRECT_BAND 16384


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

NNK_TARGET_AVX2
void nnk_dwconv2d_c8__avx2_fma(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                               const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1, float *scratch) {
    if (oh0 >= oh1) return;
    if (nnk_dw_direct(p)) {
        nnk_dwconv3x3__avx2_fma(p, in, w8, out, e, c0, cn, oh0, oh1, scratch);
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
