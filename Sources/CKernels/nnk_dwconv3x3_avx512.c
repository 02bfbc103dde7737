// nnk_dwconv3x3_avx512.c — 3x3 depthwise convolution, stride 1 or 2, with AVX-512 masked loads and
// stores straight from the NCHW planes: no padded copies and no overlapping edge blocks. Padding
// columns are lanes the load masks leave at zero, padding rows are skipped, the last block of a row
// stores only its outputs. Rows wider than 8 outputs go 16 to a zmm; narrower ones (MobileNetV2's 7x7
// layers) 8 to a ymm, where a zmm would be mostly empty lanes.
//
// The same sums as the AVX2 kernel (nnk_dwconv3x3.c) and the same fused epilogue, in the same order:
// each output's taps in (kh, kw) order from 0 in one FMA chain, then + bias, max alpha, min beta; any
// other epilogue on each channel's band afterwards. So both kernels give the same bits.
#include "nnk_dwconv.h"
#if NNK_HAVE_AVX2
#include <immintrin.h>

/// The mask of lanes [lo, hi) of V.
static inline uint32_t nnk_dw5_lanes(int64_t lo, int64_t hi, int64_t V) {
    lo = NNK_MAX(lo, 0);
    hi = NNK_MIN(hi, V);
    return hi <= lo ? 0u : (uint32_t)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

/// Blocks of a row whose masks are computed once per call (16 zmm blocks: rows up to 256 wide).
#define NNK_DW5_BLOCKS 16

/// The masks of a block of outputs [ow, ow + n) whose lane 0 reads input column x (n <= V): the
/// loads at x, x+1, x+2 (stride 1: one per tap column) or x, x+V, x+2, x+V+2 (stride 2: 2V columns
/// twice, split into even and odd ones), each allowing the columns in [0, W); then the store of the
/// n outputs.
static inline void nnk_dw5_block_masks(int64_t x, int64_t W, int64_t n, int S, int64_t V, uint32_t *m) {
    static const int64_t at1[4] = {0, 1, 2, 0};
    for (int i = 0; i < 4; i++) {
        const int64_t at = x + (S == 1 ? at1[i] : (i & 1) * V + (i >> 1) * 2);
        m[i] = nnk_dw5_lanes(-at, W - at, V);
    }
    m[4] = nnk_dw5_lanes(0, n, V);
}

/// What every pass of a call shares: the plane geometry, the fused epilogue (y = min(beta, max(alpha,
/// acc + bias)): alpha, beta = -inf, +inf without Clip; 0, +inf for ReLU), and the masks of the first
/// blocks of a row.
typedef struct nnk_dw5_ctx {
    int64_t H, W, OH, OW, pad_top, pad_left;
    int S;
    float alpha, beta, bias[NNK_DW_LANES];
    uint32_t masks[NNK_DW5_BLOCKS][5];
} nnk_dw5_ctx;

#define NNK_DWV_BITS 512
#include "nnk_dwconv3x3_avx512_impl.h"
#undef NNK_DWV_BITS
#define NNK_DWV_BITS 256
#include "nnk_dwconv3x3_avx512_impl.h"
#undef NNK_DWV_BITS

static NNK_TARGET_AVX512 void nnk_dwconv3x3__avx512(const nnk_conv2d_params *p, const float *in, const float *w8,
                                                    float *out, const nnk_epi *e, int64_t c0, int64_t cn,
                                                    int64_t oh0, int64_t oh1) {
    const int64_t OHW = p->OH * p->OW, OW = p->OW, V = OW <= 8 ? 8 : 16;
    // bias and ReLU / Clip go into the stores; any other epilogue runs on each channel's band after
    const int32_t act = e->active ? e->act : NNK_ACT_NONE;
    const int fused = !e->residual && !e->scale && !e->shift &&
                      (act == NNK_ACT_NONE || act == NNK_ACT_RELU || act == NNK_ACT_CLIP);
    const float inf = __builtin_inff();
    nnk_dw5_ctx x = {
        .H = p->H, .W = p->W, .OH = p->OH, .OW = OW, .pad_top = p->pad_top, .pad_left = p->pad_left,
        .S = (int)p->stride_w,
        .alpha = fused && act == NNK_ACT_CLIP ? e->alpha : fused && act == NNK_ACT_RELU ? 0.0f : -inf,
        .beta = fused && act == NNK_ACT_CLIP ? e->beta : inf,
    };
    for (int64_t l = 0; l < cn; l++) x.bias[l] = fused && e->active && e->bias ? e->bias[c0 + l] : 0.0f;
    for (int64_t b = 0; b < NNK_DW5_BLOCKS && b * V < OW; b++)
        nnk_dw5_block_masks(b * V * x.S - p->pad_left, p->W, OW - b * V, x.S, V, x.masks[b]);
    if (V == 8) nnk_dw5_rows_256(&x, in, w8, out, c0, cn, oh0, oh1);
    else nnk_dw5_rows_512(&x, in, w8, out, c0, cn, oh0, oh1);
    if (e->active && !fused)                    // each channel's band is contiguous: one epilogue row
        for (int64_t c = c0; c < c0 + cn; c++)
            nnk_epilogue_tile__avx2_fma(e, out + c * OHW + oh0 * OW, OW, c, oh0 * OW, 1, (oh1 - oh0) * OW);
}

NNK_TARGET_AVX512
void nnk_dwconv2d_c8__avx512(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                             const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1, float *scratch) {
    if (oh0 >= oh1) return;
    if (nnk_dw_direct(p)) nnk_dwconv3x3__avx512(p, in, w8, out, e, c0, cn, oh0, oh1);
    else nnk_dwconv2d_c8__avx2_fma(p, in, w8, out, e, c0, cn, oh0, oh1, scratch);
}
#endif
