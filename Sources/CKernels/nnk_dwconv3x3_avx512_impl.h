// nnk_dwconv3x3_avx512_impl.h — the body of the AVX-512 3x3 depthwise kernels, included twice by
// nnk_dwconv3x3_avx512.c: with NNK_DWV_BITS 512 (16 outputs per zmm, rows wider than 8) and 256
// (8 outputs per ymm with AVX-512VL masks, rows of at most 8, where a zmm would be half empty).
// Private to Sources/CKernels; no include guard on purpose.
#if NNK_DWV_BITS == 512
#define NNK_V 16
#define NNK_VEC __m512
#define NNK_VIDX __m512i
#define NNK_VMASK __mmask16
#define NNK_SFX(name) name##_512
#define NNK_V_ZERO() _mm512_setzero_ps()
#define NNK_V_SET1(x) _mm512_set1_ps(x)
#define NNK_V_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define NNK_V_ADD(a, b) _mm512_add_ps(a, b)
#define NNK_V_MAX(a, b) _mm512_max_ps(a, b)
#define NNK_V_MIN(a, b) _mm512_min_ps(a, b)
#define NNK_V_LOADZ(m, p) _mm512_maskz_loadu_ps(m, p)
#define NNK_V_STOREM(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define NNK_V_SHUF(a, b, imm) _mm512_shuffle_ps(a, b, imm)
// outputs 0 1 8 9 | 2 3 10 11 | 4 5 12 13 | 6 7 14 15 (pairs in 64-bit lanes 0..7) back in order
#define NNK_V_UNSHUF(v) \
    _mm512_castpd_ps(_mm512_permutexvar_pd(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), _mm512_castps_pd(v)))
#else
#define NNK_V 8
#define NNK_VEC __m256
#define NNK_VIDX __m256i
#define NNK_VMASK __mmask8
#define NNK_SFX(name) name##_256
#define NNK_V_ZERO() _mm256_setzero_ps()
#define NNK_V_SET1(x) _mm256_set1_ps(x)
#define NNK_V_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define NNK_V_ADD(a, b) _mm256_add_ps(a, b)
#define NNK_V_MAX(a, b) _mm256_max_ps(a, b)
#define NNK_V_MIN(a, b) _mm256_min_ps(a, b)
#define NNK_V_LOADZ(m, p) _mm256_maskz_loadu_ps(m, p)
#define NNK_V_STOREM(p, m, v) _mm256_mask_storeu_ps(p, m, v)
#define NNK_V_SHUF(a, b, imm) _mm256_shuffle_ps(a, b, imm)
// outputs 0 1 4 5 | 2 3 6 7 (pairs in 64-bit lanes 0..3) back in order
#define NNK_V_UNSHUF(v) _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)))
#endif

/// V outputs in each of R rows, stride S: s points at input column x of the pass's first input row,
/// whose rows y = 0 .. (R-1)*S+2 are W floats apart. Taps go in (kh, kw) order into each accumulator
/// from 0. Columns outside [0, W) load as 0 (the masks m, nnk_dw5_block_masks); with CHECK, rows whose
/// bit in rows_in is clear are padding and their taps are skipped (adding w*0 would not change a bit).
/// Stride 2 loads 2V columns at x and 2V at x+2 and splits them into even and odd columns within
/// 128-bit lanes (as the AVX2 kernel does), so acc holds the outputs in pairs out of order until
/// NNK_V_UNSHUF.
static inline NNK_TARGET_AVX512 __attribute__((always_inline)) void
NNK_SFX(nnk_dw5_block)(const float *s, int64_t W, unsigned rows_in, const uint32_t *m, const NNK_VEC *wv,
                       NNK_VEC *acc, const int S, const int R, const int CHECK) {
    const NNK_VMASK m0 = (NNK_VMASK)m[0], m1 = (NNK_VMASK)m[1], m2 = (NNK_VMASK)m[2], m3 = (NNK_VMASK)m[3];
    for (int r = 0; r < R; r++) acc[r] = NNK_V_ZERO();
    // fully unrolled: R, S and the taps are constants, so the accumulators stay in registers
#pragma clang loop unroll(full)
    for (int y = 0; y < (R - 1) * S + 3; y++) {
        if (CHECK && !(rows_in >> y & 1u)) continue;
        const float *row = s + y * W;
        NNK_VEC v0, v1, v2;
        if (S == 1) {
            v0 = NNK_V_LOADZ(m0, row);
            v1 = NNK_V_LOADZ(m1, row + 1);
            v2 = NNK_V_LOADZ(m2, row + 2);
        } else {
            const NNK_VEC a = NNK_V_LOADZ(m0, row), b = NNK_V_LOADZ(m1, row + NNK_V);
            const NNK_VEC a2 = NNK_V_LOADZ(m2, row + 2), b2 = NNK_V_LOADZ(m3, row + NNK_V + 2);
            v0 = NNK_V_SHUF(a, b, _MM_SHUFFLE(2, 0, 2, 0));      // columns 0 2 2V 2V+2 | 4 6 ... per 128 bits
            v1 = NNK_V_SHUF(a, b, _MM_SHUFFLE(3, 1, 3, 1));
            v2 = NNK_V_SHUF(a2, b2, _MM_SHUFFLE(2, 0, 2, 0));
        }
        NNK_DW3_ROW_TAPS(NNK_V_FMA, wv, v0, v1, v2, acc, y, S, R)
    }
    if (S == 2)
        for (int r = 0; r < R; r++) acc[r] = NNK_V_UNSHUF(acc[r]);
}

/// Output rows [oh, oh + R) of channels [c0, c0 + cn): for each channel every block of V columns,
/// then y = min(beta, max(alpha, acc + bias)) stored under the lanes that are outputs.
static inline NNK_TARGET_AVX512 __attribute__((always_inline)) void
NNK_SFX(nnk_dw5_pass)(const nnk_dw5_ctx *x, const float *in, const float *w8, float *out, int64_t c0, int64_t cn,
                      int64_t oh, const int S, const int R) {
    const int64_t W = x->W, OW = x->OW, HW = x->H * W, OHW = x->OH * OW;
    const int NY = (R - 1) * S + 3;
    const int64_t ih0 = oh * S - x->pad_top;
    const int64_t lo = NNK_MAX(0, -ih0), hi = NNK_MIN(NY, x->H - ih0);     // rows [lo, hi) are inside
    const unsigned rows_in = hi <= lo ? 0u : ((1u << hi) - 1u) & ~((1u << lo) - 1u);
    const int all_in = lo == 0 && hi == NY;
    const NNK_VEC alpha = NNK_V_SET1(x->alpha), beta = NNK_V_SET1(x->beta);
    for (int64_t l = 0; l < cn; l++) {
        const float *plane = in + (c0 + l) * HW;
        float *oplane = out + (c0 + l) * OHW + oh * OW;
        NNK_VEC wv[9];
        for (int t = 0; t < 9; t++) wv[t] = NNK_V_SET1(w8[t * NNK_DW_LANES + l]);
        const NNK_VEC bias = NNK_V_SET1(x->bias[l]);
        for (int64_t b = 0, ow = 0; ow < OW; b++, ow += NNK_V) {
            const int64_t col = ow * S - x->pad_left;
            uint32_t m[5];
            const uint32_t *mb = m;
            if (b < NNK_DW5_BLOCKS) mb = x->masks[b];
            else nnk_dw5_block_masks(col, W, OW - ow, S, NNK_V, m);
            NNK_VEC acc[8];
            // (the row pointer may start before the plane: only lanes the masks allow are read)
            const float *s = plane + ih0 * W + col;
            if (all_in) NNK_SFX(nnk_dw5_block)(s, W, rows_in, mb, wv, acc, S, R, 0);
            else NNK_SFX(nnk_dw5_block)(s, W, rows_in, mb, wv, acc, S, R, 1);
            for (int r = 0; r < R; r++)
                NNK_V_STOREM(oplane + r * OW + ow, (NNK_VMASK)mb[4],
                             NNK_V_MIN(beta, NNK_V_MAX(alpha, NNK_V_ADD(acc[r], bias))));
        }
    }
}

/// Output rows [oh0, oh1) of channels [c0, c0 + cn), in passes of at most 8 rows (as even as they
/// come), stride 1 or 2.
static NNK_TARGET_AVX512 void NNK_SFX(nnk_dw5_rows)(const nnk_dw5_ctx *x, const float *in, const float *w8,
                                                    float *out, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1) {
    const int64_t passes = nnk_div_up(oh1 - oh0, 8), R = nnk_div_up(oh1 - oh0, passes);   // R <= 8
#define NNK_DW5_PASSES(S)                                                                \
    for (int64_t oh = oh0; oh < oh1; oh += R) {                                          \
        switch (NNK_MIN(R, oh1 - oh)) {                                                  \
        case 8: NNK_SFX(nnk_dw5_pass)(x, in, w8, out, c0, cn, oh, S, 8); break;          \
        case 7: NNK_SFX(nnk_dw5_pass)(x, in, w8, out, c0, cn, oh, S, 7); break;          \
        case 6: NNK_SFX(nnk_dw5_pass)(x, in, w8, out, c0, cn, oh, S, 6); break;          \
        case 5: NNK_SFX(nnk_dw5_pass)(x, in, w8, out, c0, cn, oh, S, 5); break;          \
        case 4: NNK_SFX(nnk_dw5_pass)(x, in, w8, out, c0, cn, oh, S, 4); break;          \
        case 3: NNK_SFX(nnk_dw5_pass)(x, in, w8, out, c0, cn, oh, S, 3); break;          \
        case 2: NNK_SFX(nnk_dw5_pass)(x, in, w8, out, c0, cn, oh, S, 2); break;          \
        default: NNK_SFX(nnk_dw5_pass)(x, in, w8, out, c0, cn, oh, S, 1); break;         \
        }                                                                                \
    }
    if (x->S == 1) NNK_DW5_PASSES(1)
    else NNK_DW5_PASSES(2)
#undef NNK_DW5_PASSES
}

#undef NNK_V
#undef NNK_VEC
#undef NNK_VIDX
#undef NNK_VMASK
#undef NNK_SFX
#undef NNK_V_ZERO
#undef NNK_V_SET1
#undef NNK_V_FMA
#undef NNK_V_ADD
#undef NNK_V_MAX
#undef NNK_V_MIN
#undef NNK_V_LOADZ
#undef NNK_V_STOREM
#undef NNK_V_SHUF
#undef NNK_V_UNSHUF
