// nnk_dwconv.c — depthwise 2-D convolution (groups == C_in == C_out), one plane at a time, direct.
// The AVX2 kernel first copies the input rows it needs into a zero-padded scratch plane (so no tap
// is ever out of bounds), then computes 2 output rows x 32 columns per block (8-wide FMAs, stride_w 1
// or 2, any kernel size and dilation; 3x3 is unrolled). Other strides and planes narrower than 8
// columns use the scalar path. Output rows get the epilogue while they are in L1.
#include <string.h>
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"
#endif

/// Width of the padded scratch rows: every vector load of output columns [0, max(OW, 8)) fits.
static int64_t nnk_dw_padded_width(const nnk_conv2d_params *p) {
    return NNK_MAX(p->OW, 8) * p->stride_w + (p->KW - 1) * p->dil_w + 8;
}

int64_t nnk_dwconv2d_scratch_floats(const nnk_conv2d_params *p) {
    const int64_t rows = (p->OH - 1) * p->stride_h + (p->KH - 1) * p->dil_h + 1;
    return rows * nnk_dw_padded_width(p) + NNK_WS_SLACK;
}

/// Taps [t0, t1) of a window starting at x0 (step d, k taps) that fall inside [0, size).
static inline void nnk_taps_inside(int64_t x0, int64_t d, int64_t k, int64_t size, int64_t *t0, int64_t *t1) {
    *t1 = x0 > size - 1 ? 0 : NNK_MIN(k, (size - 1 - x0) / d + 1);
    *t0 = NNK_MIN(*t1, x0 >= 0 ? 0 : nnk_div_up(-x0, d));
}

/// One output element, taps rows [kh0, kh1) (already clipped): in is (H, W), w is (KH, KW).
static inline float nnk_dw_point(const nnk_conv2d_params *p, const float *in, const float *w, int64_t ih0,
                                 int64_t kh0, int64_t kh1, int64_t ow) {
    const int64_t iw0 = ow * p->stride_w - p->pad_left;
    int64_t kw0, kw1;
    nnk_taps_inside(iw0, p->dil_w, p->KW, p->W, &kw0, &kw1);
    float acc = 0.0f;
    for (int64_t kh = kh0; kh < kh1; kh++) {
        const float *row = in + (ih0 + kh * p->dil_h) * p->W + iw0;
        for (int64_t kw = kw0; kw < kw1; kw++) acc += w[kh * p->KW + kw] * row[kw * p->dil_w];
    }
    return acc;
}

void nnk_dwconv2d_plane__ref(const nnk_conv2d_params *p, const float *in, const float *w, float *out,
                             const nnk_epi *e, int64_t c, int64_t oh0, int64_t oh1, float *scratch) {
    (void)scratch;
    for (int64_t oh = oh0; oh < oh1; oh++) {    // out is (OH, OW), in is (H, W)
        float *orow = out + oh * p->OW;
        const int64_t ih0 = oh * p->stride_h - p->pad_top;
        int64_t kh0, kh1;                       // taps whose input row exists
        nnk_taps_inside(ih0, p->dil_h, p->KH, p->H, &kh0, &kh1);
        for (int64_t ow = 0; ow < p->OW; ow++) orow[ow] = nnk_dw_point(p, in, w, ih0, kh0, kh1, ow);
        nnk_epilogue_tile__ref(e, orow, p->OW, c, oh * p->OW, 1, p->OW);
    }
}

#if NNK_HAVE_AVX2
/// U vectors of output columns starting at o, for R (1 or 2) output rows; in0 is the (padded) input
/// row of tap row 0 at the first column's window start; row2 is the input distance and ostride the
/// output distance between the two output rows. Each output sums its taps in (kh, kw) order in one
/// chain whatever R is, so pairing rows differently (another task split) gives the same bits; two
/// rows x U vectors are 2U independent chains. KWC is KW when known at compile time (3), else 0.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw_vectors(const float *in0, int64_t rs, const float *w, int64_t KH, int64_t KW, int64_t dw, float *o,
               int64_t row2, int64_t ostride, const int sw, const int U, const int KWC, const int R) {
    __m256 a[4], b[4];
    for (int u = 0; u < U; u++) a[u] = b[u] = _mm256_setzero_ps();
    for (int64_t kh = 0; kh < KH; kh++) {
        const float *ir = in0 + kh * rs, *wk = w + kh * KW;
        for (int64_t kw = 0; kw < (KWC ? KWC : KW); kw++) {
            const __m256 wv = _mm256_broadcast_ss(wk + kw);
            for (int u = 0; u < U; u++) {
                a[u] = _mm256_fmadd_ps(wv, nnk_load_strided8(ir + kw * dw + u * 8 * sw, sw), a[u]);
                if (R == 2)
                    b[u] = _mm256_fmadd_ps(wv, nnk_load_strided8(ir + row2 + kw * dw + u * 8 * sw, sw), b[u]);
            }
        }
    }
    for (int u = 0; u < U; u++) {
        _mm256_storeu_ps(o + 8 * u, a[u]);
        if (R == 2) _mm256_storeu_ps(o + ostride + 8 * u, b[u]);
    }
}

/// R output rows [0, OW) (OW >= 8): blocks of 32/16/8 columns; a short rest overlaps back onto
/// columns already written (with the same values). pin is the padded input row of the first row.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw_rows(const nnk_conv2d_params *p, const float *pin, int64_t Wp, const float *w, float *orow, const int sw,
            const int KWC, const int R) {
    const int64_t OW = p->OW, rs = p->dil_h * Wp, row2 = p->stride_h * Wp;
#define NNK_DW_BLOCK(at, U) \
    nnk_dw_vectors(pin + (at) * sw, rs, w, p->KH, p->KW, p->dil_w, orow + (at), row2, OW, sw, U, KWC, R)
    int64_t ow = 0;
    while (ow < OW) {
        const int64_t r = OW - ow;
        if (r >= 32) { NNK_DW_BLOCK(ow, 4); ow += 32; }
        else if (r > 16 && OW >= 32) { NNK_DW_BLOCK(OW - 32, 4); ow = OW; }
        else if (r >= 16) { NNK_DW_BLOCK(ow, 2); ow += 16; }
        else if (r > 8 && OW >= 16) { NNK_DW_BLOCK(OW - 16, 2); ow = OW; }
        else if (r >= 8) { NNK_DW_BLOCK(ow, 1); ow += 8; }
        else { NNK_DW_BLOCK(OW - 8, 1); ow = OW; }
    }
#undef NNK_DW_BLOCK
}

static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dwconv2d_plane_t(const nnk_conv2d_params *p, const float *in, const float *w, float *out, const nnk_epi *e,
                     int64_t c, int64_t oh0, int64_t oh1, float *scratch, const int sw, const int KWC) {
    // Padded rows [y0, y0 + rows) cover the windows of output rows [oh0, oh1); padded (y, x) is input
    // (y - pad_top, x - pad_left) or 0.
    const int64_t Wp = nnk_dw_padded_width(p), y0 = oh0 * p->stride_h;
    const int64_t rows = (oh1 - 1 - oh0) * p->stride_h + (p->KH - 1) * p->dil_h + 1;
    const int64_t x_lo = NNK_MIN(p->pad_left, Wp), x_hi = NNK_MIN(p->pad_left + p->W, Wp);
    for (int64_t y = 0; y < rows; y++) {        // scratch is (rows, Wp)
        float *dst = scratch + y * Wp;
        const int64_t ih = y0 + y - p->pad_top;
        if (ih < 0 || ih >= p->H) {
            memset(dst, 0, (size_t)Wp * sizeof(float));
            continue;
        }
        memset(dst, 0, (size_t)x_lo * sizeof(float));
        memcpy(dst + x_lo, in + ih * p->W + x_lo - p->pad_left, (size_t)(x_hi - x_lo) * sizeof(float));
        memset(dst + x_hi, 0, (size_t)(Wp - x_hi) * sizeof(float));
    }
    for (int64_t oh = oh0; oh < oh1;) {         // out is (OH, OW)
        float *orow = out + oh * p->OW;
        const float *pin = scratch + (oh - oh0) * p->stride_h * Wp;
        const int64_t R = oh + 1 < oh1 ? 2 : 1;
        if (R == 2)
            nnk_dw_rows(p, pin, Wp, w, orow, sw, KWC, 2);
        else
            nnk_dw_rows(p, pin, Wp, w, orow, sw, KWC, 1);
        for (int64_t r = 0; r < R; r++)
            nnk_epilogue_tile__avx2_fma(e, orow + r * p->OW, p->OW, c, (oh + r) * p->OW, 1, p->OW);
        oh += R;
    }
}

NNK_TARGET_AVX2
void nnk_dwconv2d_plane__avx2_fma(const nnk_conv2d_params *p, const float *in, const float *w, float *out,
                                  const nnk_epi *e, int64_t c, int64_t oh0, int64_t oh1, float *scratch) {
    if (oh0 >= oh1) return;
    const int k3 = p->KW == 3;
    if (p->OW < 8 || (p->stride_w != 1 && p->stride_w != 2))
        nnk_dwconv2d_plane__ref(p, in, w, out, e, c, oh0, oh1, scratch);
    else if (p->stride_w == 1 && k3)
        nnk_dwconv2d_plane_t(p, in, w, out, e, c, oh0, oh1, scratch, 1, 3);
    else if (p->stride_w == 2 && k3)
        nnk_dwconv2d_plane_t(p, in, w, out, e, c, oh0, oh1, scratch, 2, 3);
    else if (p->stride_w == 1)
        nnk_dwconv2d_plane_t(p, in, w, out, e, c, oh0, oh1, scratch, 1, 0);
    else
        nnk_dwconv2d_plane_t(p, in, w, out, e, c, oh0, oh1, scratch, 2, 0);
}
#endif
