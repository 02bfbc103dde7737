// nnk_im2col.c — implicit im2col: packs a (kc x nc) block of the convolution's column matrix straight
// from the input image into NR-column panels (or, for pixel-major convolutions, its transpose into
// MR-row panels), so no full im2col buffer ever exists.
// Row k = (ci, kh, kw) of the matrix, column n = (oh, ow): element = in[ci][oh*sh - pt + kh*dh][ow*sw - pl + kw*dw]
// or 0 in the padding. One template, instantiated per ISA and for stride 1 / 2 / any: the AVX2 run copies
// up to 16 columns with masked loads (masked-off lanes read nothing and give 0) and two full stores.
#include <string.h>
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include <immintrin.h>
#endif

/// A run of panel columns on one output row: panel columns [j, j+count) start at input (ih0, iw0).
typedef struct nnk_im2col_seg {
    int64_t j, count, ih0, iw0;
} nnk_im2col_seg;

/// ds[t] = row[iw + t*sw] for t in [lo, hi), 0 for the rest of [0, cnt); row == NULL: all 0.
/// May write up to 16 floats (the panel buffer has NR floats of slack after it).
typedef void nnk_im2col_run_fn(float *ds, const float *row, int64_t iw, int64_t sw, int64_t cnt,
                               int64_t lo, int64_t hi);

static inline void nnk_im2col_run__ref(float *ds, const float *row, int64_t iw, int64_t sw, int64_t cnt,
                                       int64_t lo, int64_t hi) {
    if (!row) {
        memset(ds, 0, (size_t)cnt * sizeof(float));
        return;
    }
    int64_t t = 0;
    for (; t < lo; t++) ds[t] = 0.0f;
    if (sw == 1) {
        for (; t < hi; t++) ds[t] = row[iw + t];
    } else {
        for (; t < hi; t++) ds[t] = row[iw + t * sw];
    }
    for (; t < cnt; t++) ds[t] = 0.0f;
}

#if NNK_HAVE_AVX2
static inline NNK_TARGET_AVX2 void nnk_im2col_run__avx2_fma(float *ds, const float *row, int64_t iw, int64_t sw,
                                                            int64_t cnt, int64_t lo, int64_t hi) {
    if (!row) {
        _mm256_storeu_ps(ds, _mm256_setzero_ps());
        _mm256_storeu_ps(ds + 8, _mm256_setzero_ps());
        return;
    }
    const __m256i i0 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), i8 = _mm256_add_epi32(i0, _mm256_set1_epi32(8));
    if (sw == 1 && lo == 0 && hi == NNK_NR) {     // a whole interior run: plain loads
        _mm256_storeu_ps(ds, _mm256_loadu_ps(row + iw));
        _mm256_storeu_ps(ds + 8, _mm256_loadu_ps(row + iw + 8));
    } else if (sw == 1) {   // lanes t in [lo, hi) read row[iw + t]
        const __m256i vlo = _mm256_set1_epi32((int)lo - 1), vhi = _mm256_set1_epi32((int)hi);
        const __m256i m0 = _mm256_and_si256(_mm256_cmpgt_epi32(i0, vlo), _mm256_cmpgt_epi32(vhi, i0));
        const __m256i m8 = _mm256_and_si256(_mm256_cmpgt_epi32(i8, vlo), _mm256_cmpgt_epi32(vhi, i8));
        _mm256_storeu_ps(ds, _mm256_maskload_ps(row + iw, m0));
        _mm256_storeu_ps(ds + 8, _mm256_maskload_ps(row + iw + 8, m8));
    } else if (sw == 2) {   // input offsets [2lo, 2hi-1) of row + iw, even ones picked by the shuffles
        const __m256i vlo = _mm256_set1_epi32(2 * (int)lo - 1), vhi = _mm256_set1_epi32(2 * (int)hi - 1);
        __m256 v[4];
        for (int h = 0; h < 4; h++) {
            const __m256i idx = _mm256_add_epi32(i0, _mm256_set1_epi32(8 * h));
            const __m256i m = _mm256_and_si256(_mm256_cmpgt_epi32(idx, vlo), _mm256_cmpgt_epi32(vhi, idx));
            v[h] = _mm256_maskload_ps(row + iw + 8 * h, m);
        }
        for (int h = 0; h < 2; h++) {
            const __m256 ev = _mm256_shuffle_ps(v[2 * h], v[2 * h + 1], _MM_SHUFFLE(2, 0, 2, 0));
            _mm256_storeu_ps(ds + 8 * h, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev),
                                                                                   _MM_SHUFFLE(3, 1, 2, 0))));
        }
    } else {
        nnk_im2col_run__ref(ds, row, iw, sw, cnt, lo, hi);
    }
}
#endif

static inline __attribute__((always_inline)) void
nnk_pack_b_im2col_t(const nnk_conv2d_params *p, const float *in, int64_t k0, int64_t kc, int64_t n0,
                    int64_t nc, float *dst, nnk_im2col_run_fn *run, const int SW) {
    const int64_t H = p->H, W = p->W, OW = p->OW, KW = p->KW, KHW = p->KH * p->KW;
    const int64_t sw = SW ? SW : p->stride_w, dh = p->dil_h, dw = p->dil_w;   // SW: stride known at compile time
    for (int64_t q0 = 0; q0 < nc; q0 += NNK_NR) {       // panel: columns [n0+q0, n0+q0+nr)
        const int64_t nr = NNK_MIN(NNK_NR, nc - q0);
        nnk_im2col_seg seg[NNK_NR];
        int nseg = 0;
        for (int64_t j = 0; j < nr;) {
            const int64_t col = n0 + q0 + j, oh = col / OW, ow = col % OW;
            const int64_t count = NNK_MIN(nr - j, OW - ow);
            seg[nseg++] = (nnk_im2col_seg){j, count, oh * p->stride_h - p->pad_top, ow * sw - p->pad_left};
            j += count;
        }
        float *d = dst + (q0 / NNK_NR) * kc * NNK_NR;   // panel is (kc, NR)
        int64_t ci = k0 / KHW, kh = (k0 % KHW) / KW, kw = k0 % KW;
        for (int64_t k = 0; k < kc; k++, d += NNK_NR) {
            const float *plane = in + ci * H * W;       // in is (C_in/groups, H, W)
            for (int s = 0; s < nseg; s++) {            // runs in increasing j: later ones overwrite spill
                const int64_t cnt = seg[s].count, ih = seg[s].ih0 + kh * dh, iw = seg[s].iw0 + kw * dw;
                const int row_ok = ih >= 0 && ih < H;
                // valid t: 0 <= iw + t*sw < W
                const int64_t hi = iw > W - 1 ? 0 : NNK_MIN(cnt, (W - 1 - iw) / sw + 1);
                const int64_t lo = NNK_MIN(hi, iw >= 0 ? 0 : nnk_div_up(-iw, sw));
                run(d + seg[s].j, row_ok ? plane + ih * W : NULL, iw, sw, cnt, lo, hi);
            }
            for (int64_t j = nr; j < NNK_NR; j++) d[j] = 0.0f;
            if (++kw == KW) {
                kw = 0;
                if (++kh == p->KH) { kh = 0; ci++; }
            }
        }
    }
}

void nnk_pack_b_im2col__ref(const nnk_conv2d_params *p, const float *in, int64_t k0, int64_t kc,
                            int64_t n0, int64_t nc, float *dst) {
    if (p->stride_w == 1)
        nnk_pack_b_im2col_t(p, in, k0, kc, n0, nc, dst, nnk_im2col_run__ref, 1);
    else
        nnk_pack_b_im2col_t(p, in, k0, kc, n0, nc, dst, nnk_im2col_run__ref, 0);
}

void nnk_pack_a_im2col(const nnk_conv2d_params *p, const float *in, int64_t m0, int64_t mc, int64_t k0,
                       int64_t kc, float *dst) {
    const int64_t H = p->H, W = p->W, KW = p->KW, KHW = p->KH * p->KW, HW = H * W;
    if (KHW == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 && p->pad_left == 0 &&
        p->OH == H && p->OW == W) {                     // 1x1: MR consecutive pixels of each input row
        for (int64_t r0 = 0; r0 < mc; r0 += NNK_MR, dst += kc * NNK_MR) {
            const int64_t mr = NNK_MIN(NNK_MR, mc - r0);
            const float *src = in + k0 * HW + m0 + r0;
            if (mr == NNK_MR) {
                for (int64_t k = 0; k < kc; k++) memcpy(dst + k * NNK_MR, src + k * HW, NNK_MR * sizeof(float));
                continue;
            }
            for (int64_t k = 0; k < kc; k++) {
                for (int64_t i = 0; i < mr; i++) dst[k * NNK_MR + i] = src[k * HW + i];
                for (int64_t i = mr; i < NNK_MR; i++) dst[k * NNK_MR + i] = 0.0f;
            }
        }
        return;
    }
    // Per panel, each tap's input offset of each pixel (-1: padding) is found once; then every row k
    // = (ci, tap) is MR loads from the channel's plane.
    enum { MAX_TAPS = 64 };
    int32_t off[MAX_TAPS][NNK_MR];
    int inside[MAX_TAPS];                               // all MR offsets of the tap are in the image
    const int tabled = KHW <= MAX_TAPS && HW < INT32_MAX;
    for (int64_t r0 = 0; r0 < mc; r0 += NNK_MR) {      // panel: pixels [m0+r0, m0+r0+mr)
        const int64_t mr = NNK_MIN(NNK_MR, mc - r0);
        int64_t ih0[NNK_MR], iw0[NNK_MR];
        for (int64_t i = 0; i < mr; i++) {
            const int64_t pix = m0 + r0 + i;
            ih0[i] = pix / p->OW * p->stride_h - p->pad_top;
            iw0[i] = pix % p->OW * p->stride_w - p->pad_left;
        }
        int64_t ci = k0 / KHW, kh = (k0 % KHW) / KW, kw = k0 % KW;
        if (tabled) {
            for (int64_t t = 0; t < KHW; t++) {
                inside[t] = mr == NNK_MR;
                for (int64_t i = 0; i < NNK_MR; i++) {
                    const int64_t ih = ih0[i < mr ? i : 0] + t / KW * p->dil_h, iw = iw0[i < mr ? i : 0] + t % KW * p->dil_w;
                    const int ok = i < mr && ih >= 0 && ih < H && iw >= 0 && iw < W;
                    off[t][i] = ok ? (int32_t)(ih * W + iw) : -1;
                    inside[t] &= ok;
                }
            }
            int64_t t = kh * KW + kw;
            for (int64_t k = 0; k < kc; k++, dst += NNK_MR) {   // panel is (kc, MR)
                const float *plane = in + ci * HW;     // in is (C_in/groups, H, W)
                const int32_t *o = off[t];
                if (inside[t]) {
                    for (int i = 0; i < NNK_MR; i++) dst[i] = plane[o[i]];
                } else {
                    for (int i = 0; i < NNK_MR; i++) dst[i] = o[i] >= 0 ? plane[o[i]] : 0.0f;
                }
                if (++t == KHW) { t = 0; ci++; }
            }
            continue;
        }
        for (int64_t k = 0; k < kc; k++, dst += NNK_MR) {   // panel is (kc, MR)
            const float *plane = in + ci * HW;         // in is (C_in/groups, H, W)
            for (int64_t i = 0; i < mr; i++) {
                const int64_t ih = ih0[i] + kh * p->dil_h, iw = iw0[i] + kw * p->dil_w;
                dst[i] = ih >= 0 && ih < H && iw >= 0 && iw < W ? plane[ih * W + iw] : 0.0f;
            }
            for (int64_t i = mr; i < NNK_MR; i++) dst[i] = 0.0f;
            if (++kw == KW) {
                kw = 0;
                if (++kh == p->KH) { kh = 0; ci++; }
            }
        }
    }
}

#if NNK_HAVE_AVX2
/// The AVX2 packer walks the block row by row (k outer, all panels inner): the (ci, kh, kw) decode is
/// paid once per row and the input row is read in order. Runs are precomputed for the whole block.
/// A run may spill zeros into the next 16 floats, which in this order is the same panel's next row
/// (written later) — except on the last row, which uses the exact-length copy.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_pack_b_im2col_rows_t(const nnk_conv2d_params *p, const float *in, int64_t k0, int64_t kc, int64_t n0,
                         int64_t nc, float *dst, const int SW, nnk_im2col_run_fn *run) {
    typedef struct { int32_t off, count, ih0, iw0; } run_t;    // off: float offset of the run in row 0
    run_t runs[NNK_NC];
    int nruns = 0;
    const int64_t H = p->H, W = p->W, OW = p->OW, KW = p->KW, KHW = p->KH * p->KW;
    const int64_t dh = p->dil_h, dw = p->dil_w;
    for (int64_t q0 = 0; q0 < nc; q0 += NNK_NR) {       // panel: columns [n0+q0, n0+q0+nr)
        const int64_t nr = NNK_MIN(NNK_NR, nc - q0);
        for (int64_t j = 0; j < nr;) {
            const int64_t col = n0 + q0 + j, oh = col / OW, ow = col % OW;
            const int64_t count = NNK_MIN(nr - j, OW - ow);
            runs[nruns++] = (run_t){(int32_t)((q0 / NNK_NR) * kc * NNK_NR + j), (int32_t)count,
                                    (int32_t)(oh * p->stride_h - p->pad_top), (int32_t)(ow * SW - p->pad_left)};
            j += count;
        }
    }
    const int64_t last_nr = nc - (nnk_div_up(nc, NNK_NR) - 1) * NNK_NR;
    float *last_panel = dst + (nnk_div_up(nc, NNK_NR) - 1) * kc * NNK_NR;
    int64_t ci = k0 / KHW, kh = (k0 % KHW) / KW, kw = k0 % KW;
    for (int64_t k = 0; k < kc; k++) {                  // row k of every panel
        const float *plane = in + ci * H * W;           // in is (C_in/groups, H, W)
        float *d = dst + k * NNK_NR;
        const int exact = k == kc - 1;
        for (int r = 0; r < nruns; r++) {
            const int64_t cnt = runs[r].count, ih = runs[r].ih0 + kh * dh, iw = runs[r].iw0 + kw * dw;
            const float *row = ih >= 0 && ih < H ? plane + ih * W : NULL;
            const int64_t hi = iw > W - 1 ? 0 : NNK_MIN(cnt, (W - 1 - iw) / SW + 1);
            const int64_t lo = NNK_MIN(hi, iw >= 0 ? 0 : nnk_div_up(-iw, SW));
            if (exact)
                nnk_im2col_run__ref(d + runs[r].off, row, iw, SW, cnt, lo, hi);
            else
                run(d + runs[r].off, row, iw, SW, cnt, lo, hi);
        }
        for (int64_t j = last_nr; j < NNK_NR; j++) last_panel[k * NNK_NR + j] = 0.0f;
        if (++kw == KW) {
            kw = 0;
            if (++kh == p->KH) { kh = 0; ci++; }
        }
    }
}

NNK_TARGET_AVX2
void nnk_pack_b_im2col__avx2_fma(const nnk_conv2d_params *p, const float *in, int64_t k0, int64_t kc,
                                 int64_t n0, int64_t nc, float *dst) {
    if (p->stride_w == 1 && nc <= NNK_NC)
        nnk_pack_b_im2col_rows_t(p, in, k0, kc, n0, nc, dst, 1, nnk_im2col_run__avx2_fma);
    else if (p->stride_w == 2 && nc <= NNK_NC)
        nnk_pack_b_im2col_rows_t(p, in, k0, kc, n0, nc, dst, 2, nnk_im2col_run__avx2_fma);
    else
        nnk_pack_b_im2col_t(p, in, k0, kc, n0, nc, dst, nnk_im2col_run__avx2_fma, 0);
}

/// A stride-2 run with AVX-512: the 32 input floats the run spans (those outside [2lo, 2hi-1) masked
/// to zero, as in the AVX2 run) in two masked loads, the even ones picked by one two-source permute
/// and stored as 16 floats (the same floats as the AVX2 run writes: its zeros past cnt too).
static inline NNK_TARGET_AVX512 void nnk_im2col_run__avx512(float *ds, const float *row, int64_t iw, int64_t sw,
                                                          int64_t cnt, int64_t lo, int64_t hi) {
    if (sw != 2) {
        nnk_im2col_run__avx2_fma(ds, row, iw, sw, cnt, lo, hi);
        return;
    }
    if (!row) {
        _mm512_storeu_ps(ds, _mm512_setzero_ps());
        return;
    }
    const int64_t a = 2 * lo, b = 2 * hi - 1;            // input offsets [a, b) of row + iw are read
    const uint32_t lanes = b <= a ? 0u : (uint32_t)(((1ull << b) - 1u) & ~((1ull << a) - 1u));
    const __m512 x0 = _mm512_maskz_loadu_ps((__mmask16)lanes, row + iw);
    const __m512 x1 = _mm512_maskz_loadu_ps((__mmask16)(lanes >> 16), row + iw + 16);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    _mm512_storeu_ps(ds, _mm512_permutex2var_ps(x0, even, x1));
}

NNK_TARGET_AVX512
void nnk_pack_b_im2col__avx512(const nnk_conv2d_params *p, const float *in, int64_t k0, int64_t kc, int64_t n0,
                               int64_t nc, float *dst) {
    if (p->stride_w == 2 && nc <= NNK_NC)
        nnk_pack_b_im2col_rows_t(p, in, k0, kc, n0, nc, dst, 2, nnk_im2col_run__avx512);
    else
        nnk_pack_b_im2col__avx2_fma(p, in, k0, kc, n0, nc, dst);
}
#endif
