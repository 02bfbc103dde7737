// nnk_dwconv.c — depthwise 2-D convolution (groups == C_in == C_out), one plane at a time, direct.
// The AVX2 kernel vectorises 8 output columns per step for stride_w 1 and 2 and any kernel size and
// dilation (3x3 stride 1/2 is the case it is tuned for); columns whose window crosses the left/right
// border and other strides use the scalar path. Output rows get the epilogue while they are in L1.
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"
#endif

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
                             const nnk_epi *e, int64_t c, int64_t oh0, int64_t oh1) {
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
/// Output columns [lo, end) are the ones an 8-wide vector can cover: the window starts inside the row
/// and the vector loads (up to ow*sw - pad_left + span + 8*sw - 1) stay inside it. end <= lo: none.
static inline void nnk_dw_vector_cols(const nnk_conv2d_params *p, int sw, int64_t *lo, int64_t *end) {
    const int64_t span = (p->KW - 1) * p->dil_w;
    *lo = nnk_div_up(p->pad_left, sw);
    const int64_t num = p->W - 8 * sw + p->pad_left - span;   // max vector start * sw
    *end = num < 0 ? *lo : NNK_MIN(p->OW, num / sw + 8);
}

/// Accumulates the taps of row kh into acc[0:U] (U vectors of 8 output columns); KWC is KW when the
/// caller knows it at compile time (3), else 0.
#define NNK_DW_ROW_TAPS(acc, kh)                                                              \
    do {                                                                                      \
        const float *ir_ = in0 + (kh) * rs, *wk_ = w + (kh) * KW;                             \
        for (int64_t kw = 0; kw < (KWC ? KWC : KW); kw++) {                                   \
            const __m256 wv = _mm256_broadcast_ss(wk_ + kw);                                  \
            for (int u = 0; u < U; u++)                                                       \
                acc[u] = _mm256_fmadd_ps(wv, nnk_load_strided8(ir_ + kw * dw + u * 8 * sw, sw), acc[u]); \
        }                                                                                     \
    } while (0)

/// U vectors of output columns starting at o; in0 is the input row of tap row 0 at the first
/// column's window start; taps rows [kh0, kh1). Three accumulator sets (rows kh, kh+1, kh+2) keep
/// the FMA chains short.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dw_vectors(const float *in0, int64_t rs, const float *w, int64_t KW, int64_t dw, int64_t kh0,
               int64_t kh1, float *o, const int sw, const int U, const int KWC) {
    __m256 a[4], b[4], c[4];
    for (int u = 0; u < U; u++) a[u] = b[u] = c[u] = _mm256_setzero_ps();
    int64_t kh = kh0;
    for (; kh + 3 <= kh1; kh += 3) {
        NNK_DW_ROW_TAPS(a, kh);
        NNK_DW_ROW_TAPS(b, kh + 1);
        NNK_DW_ROW_TAPS(c, kh + 2);
    }
    for (; kh < kh1; kh++) NNK_DW_ROW_TAPS(a, kh);
    for (int u = 0; u < U; u++) _mm256_storeu_ps(o + 8 * u, _mm256_add_ps(_mm256_add_ps(a[u], b[u]), c[u]));
}

static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_dwconv2d_plane_t(const nnk_conv2d_params *p, const float *in, const float *w, float *out,
                     const nnk_epi *e, int64_t c, int64_t oh0, int64_t oh1, const int sw, const int KWC) {
    int64_t vlo, vend;
    nnk_dw_vector_cols(p, sw, &vlo, &vend);
    if (vend - vlo < 8) vend = vlo;             // too narrow for one vector
    const int64_t rs = p->dil_h * p->W, KW = p->KW, dw = p->dil_w;
    for (int64_t oh = oh0; oh < oh1; oh++) {    // out is (OH, OW), in is (H, W)
        float *orow = out + oh * p->OW;
        const int64_t ih0 = oh * p->stride_h - p->pad_top;
        int64_t kh0, kh1;                       // taps whose input row exists
        nnk_taps_inside(ih0, p->dil_h, p->KH, p->H, &kh0, &kh1);
        int64_t ow = 0;
        for (; ow < (vend > vlo ? vlo : p->OW); ow++) orow[ow] = nnk_dw_point(p, in, w, ih0, kh0, kh1, ow);
        // in0 + kh*rs + kw*dw is the input of tap (kh, kw) for output column ow
#define NNK_IN0(ow) (in + ih0 * p->W + (ow) * sw - p->pad_left)
#define NNK_DW_BLOCK(at, U) nnk_dw_vectors(NNK_IN0(at), rs, w, KW, dw, kh0, kh1, orow + (at), sw, U, KWC)
        // No vector columns (vend == vlo, which may be past OW) means no blocks: ow < vend alone would
        // start one at vend - 8 < vlo, outside the row and the output.
        while (vend > vlo && ow < vend) {       // blocks of 32/16/8 columns; a short rest overlaps back
            const int64_t r = vend - ow;
            if (r >= 32) { NNK_DW_BLOCK(ow, 4); ow += 32; }
            else if (r > 16 && vend - 32 >= vlo) { NNK_DW_BLOCK(vend - 32, 4); ow = vend; }
            else if (r >= 16) { NNK_DW_BLOCK(ow, 2); ow += 16; }
            else if (r > 8 && vend - 16 >= vlo) { NNK_DW_BLOCK(vend - 16, 2); ow = vend; }
            else if (r >= 8) { NNK_DW_BLOCK(ow, 1); ow += 8; }
            else { NNK_DW_BLOCK(vend - 8, 1); ow = vend; }
        }
#undef NNK_DW_BLOCK
#undef NNK_IN0
        for (; ow < p->OW; ow++) orow[ow] = nnk_dw_point(p, in, w, ih0, kh0, kh1, ow);
        nnk_epilogue_tile__avx2_fma(e, orow, p->OW, c, oh * p->OW, 1, p->OW);
    }
}

NNK_TARGET_AVX2
void nnk_dwconv2d_plane__avx2_fma(const nnk_conv2d_params *p, const float *in, const float *w, float *out,
                                  const nnk_epi *e, int64_t c, int64_t oh0, int64_t oh1) {
    const int k3 = p->KW == 3;
    if (p->stride_w == 1 && k3)
        nnk_dwconv2d_plane_t(p, in, w, out, e, c, oh0, oh1, 1, 3);
    else if (p->stride_w == 2 && k3)
        nnk_dwconv2d_plane_t(p, in, w, out, e, c, oh0, oh1, 2, 3);
    else if (p->stride_w == 1)
        nnk_dwconv2d_plane_t(p, in, w, out, e, c, oh0, oh1, 1, 0);
    else if (p->stride_w == 2)
        nnk_dwconv2d_plane_t(p, in, w, out, e, c, oh0, oh1, 2, 0);
    else
        nnk_dwconv2d_plane__ref(p, in, w, out, e, c, oh0, oh1);
}
#endif
