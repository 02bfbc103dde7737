// nnk_dwconv.c — depthwise 2-D convolution (groups == C_in == C_out), direct, 8 channels at a time.
//
// Weights are packed as blocks of 8 channels: w8[t*8 + l] is tap t = kh*KW + kw of channel 8*blk + l
// (lanes past C are 0). A call computes channels [c0, c0+cn) (cn <= 8) of one image over a band of
// output rows [oh0, oh1).
// The AVX2 kernel vectorises across the 8 channels, which works the same for any plane width or stride
// (a 7x7 plane wastes nothing; stride 2 needs no shuffles): it transposes the band's input rows into a
// zero-padded, channel-interleaved scratch (pixel x of row y at scratch[(y*Wp + x)*8 + lane]), computes
// 8 pixels x 8 channels per block with one FMA per tap and pixel, transposes the block back into the
// NCHW planes, and runs the epilogue on each channel's band while it is in cache.
// Every output sums its taps in (kh, kw) order from 0 in one chain (padding taps add w*0), so how
// rows are grouped into bands or tasks never changes a bit.
#include <string.h>
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"
#endif

#define NNK_DW_LANES 8
/// Scratch floats a band aims to stay within (48 KiB: L1/L2 resident).
#define NNK_DW_SCRATCH_BUDGET 12288

/// Scratch pixels per row: every pixel a block of 8 output columns may touch.
static int64_t nnk_dw_scratch_width(const nnk_conv2d_params *p) {
    return (nnk_round_up(p->OW, NNK_DW_LANES) - 1) * p->stride_w + (p->KW - 1) * p->dil_w + 1;
}

/// Padded input rows the windows of `bh` consecutive output rows span.
static int64_t nnk_dw_band_input_rows(const nnk_conv2d_params *p, int64_t bh) {
    return (bh - 1) * p->stride_h + (p->KH - 1) * p->dil_h + 1;
}

int64_t nnk_dwconv2d_band_rows(const nnk_conv2d_params *p) {
    const int64_t row = nnk_dw_scratch_width(p) * NNK_DW_LANES;
    const int64_t fit = NNK_DW_SCRATCH_BUDGET / row - (p->KH - 1) * p->dil_h - 1;
    const int64_t bh = fit < 0 ? 1 : fit / p->stride_h + 1;
    return NNK_MAX(1, NNK_MIN(bh, p->OH));
}

int64_t nnk_dwconv2d_scratch_floats(const nnk_conv2d_params *p) {
    return nnk_dw_band_input_rows(p, nnk_dwconv2d_band_rows(p)) * nnk_dw_scratch_width(p) * NNK_DW_LANES +
           NNK_WS_SLACK;
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
/// Fills scratch rows for padded input rows [y0, y0 + rows) of channels [c0, c0+cn), Wp pixels each.
static inline NNK_TARGET_AVX2 void nnk_dw_fill_scratch(const nnk_conv2d_params *p, const float *in, int64_t c0,
                                                      int64_t cn, int64_t y0, int64_t rows, int64_t Wp,
                                                      float *scratch) {
    const int64_t HW = p->H * p->W;
    const int64_t x_lo = NNK_MIN(p->pad_left, Wp), x_hi = NNK_MIN(p->pad_left + p->W, Wp);
    for (int64_t y = 0; y < rows; y++) {        // scratch is (rows, Wp, 8)
        float *dst = scratch + y * Wp * NNK_DW_LANES;
        const int64_t ih = y0 + y - p->pad_top;
        if (ih < 0 || ih >= p->H) {
            memset(dst, 0, (size_t)(Wp * NNK_DW_LANES) * sizeof(float));
            continue;
        }
        memset(dst, 0, (size_t)(x_lo * NNK_DW_LANES) * sizeof(float));
        memset(dst + x_hi * NNK_DW_LANES, 0, (size_t)((Wp - x_hi) * NNK_DW_LANES) * sizeof(float));
        const float *src = in + c0 * HW + ih * p->W - p->pad_left;   // column x of channel l: src[l*HW + x]
        for (int64_t x = x_lo; x < x_hi; x += 8) {
            const int64_t n = NNK_MIN(8, x_hi - x);
            const __m256i mask = nnk_v_tail_mask(n);
            __m256 r[8];
            for (int l = 0; l < 8; l++)
                r[l] = l >= cn ? _mm256_setzero_ps()
                     : n == 8  ? _mm256_loadu_ps(src + l * HW + x)
                               : _mm256_maskload_ps(src + l * HW + x, mask);
            nnk_transpose8x8(r);                // r[j] = pixel x + j, all channels
            for (int64_t j = 0; j < n; j++) _mm256_store_ps(dst + (x + j) * NNK_DW_LANES, r[j]);
        }
    }
}

/// Output rows [oh0, oh1) from the scratch; SW / KWC: stride_w and KW when known at compile time, else 0.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw_band_t(const nnk_conv2d_params *p, const float *w8, float *out, int64_t c0, int64_t cn, int64_t oh0,
              int64_t oh1, const float *scratch, int64_t Wp, const int SW, const int KWC) {
    const int64_t sw = SW ? SW : p->stride_w, KW = KWC ? KWC : p->KW, OW = p->OW, OHW = p->OH * p->OW;
    const int64_t px = sw * NNK_DW_LANES, tap_dx = p->dil_w * NNK_DW_LANES, tap_dy = p->dil_h * Wp * NNK_DW_LANES;
    for (int64_t oh = oh0; oh < oh1; oh++) {
        const float *srow = scratch + (oh - oh0) * p->stride_h * Wp * NNK_DW_LANES;
        for (int64_t ow = 0; ow < OW; ow += 8) {
            __m256 acc[8];
            for (int i = 0; i < 8; i++) acc[i] = _mm256_setzero_ps();
            const float *s0 = srow + ow * px;
            for (int64_t kh = 0; kh < p->KH; kh++) {
                const float *wk = w8 + kh * KW * NNK_DW_LANES, *sk = s0 + kh * tap_dy;
                for (int64_t kw = 0; kw < KW; kw++) {
                    const __m256 wv = _mm256_loadu_ps(wk + kw * NNK_DW_LANES);
                    const float *s = sk + kw * tap_dx;
                    for (int i = 0; i < 8; i++) acc[i] = _mm256_fmadd_ps(wv, _mm256_load_ps(s + i * px), acc[i]);
                }
            }
            nnk_transpose8x8(acc);              // acc[l] = channel c0 + l, pixels ow..ow+7
            float *o = out + c0 * OHW + oh * OW + ow;
            if (OW - ow >= 8) {
                for (int64_t l = 0; l < cn; l++) _mm256_storeu_ps(o + l * OHW, acc[l]);
            } else {
                const __m256i mask = nnk_v_tail_mask(OW - ow);
                for (int64_t l = 0; l < cn; l++) _mm256_maskstore_ps(o + l * OHW, mask, acc[l]);
            }
        }
    }
}

NNK_TARGET_AVX2
void nnk_dwconv2d_c8__avx2_fma(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                               const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1, float *scratch) {
    if (oh0 >= oh1) return;
    const int64_t Wp = nnk_dw_scratch_width(p);
    nnk_dw_fill_scratch(p, in, c0, cn, oh0 * p->stride_h, nnk_dw_band_input_rows(p, oh1 - oh0), Wp, scratch);
    if (p->KW == 3 && p->stride_w == 1)
        nnk_dw_band_t(p, w8, out, c0, cn, oh0, oh1, scratch, Wp, 1, 3);
    else if (p->KW == 3 && p->stride_w == 2)
        nnk_dw_band_t(p, w8, out, c0, cn, oh0, oh1, scratch, Wp, 2, 3);
    else
        nnk_dw_band_t(p, w8, out, c0, cn, oh0, oh1, scratch, Wp, 0, 0);
    const int64_t OHW = p->OH * p->OW;
    for (int64_t l = 0; l < cn; l++)            // each channel's band is contiguous: one epilogue row
        nnk_epilogue_tile__avx2_fma(e, out + (c0 + l) * OHW + oh0 * p->OW, p->OW, c0 + l, oh0 * p->OW, 1,
                                    (oh1 - oh0) * p->OW);
}
#endif
