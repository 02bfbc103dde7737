// nnk_epilogue.c — y = act(acc + bias[c] + residual) * post_scale[c] + post_shift[c], applied to a
// C tile right after the micro-kernel wrote it (while it is in L1), never as a second pass.
#include <math.h>
#include "nnk_avx2_math.h"
#include "nnk_internal.h"

void nnk_epilogue_init(nnk_epilogue *ep) {
    *ep = (nnk_epilogue){0};
    ep->activation = NNK_ACT_NONE;
}

nnk_epi nnk_epi_make(const nnk_epilogue *ep, int32_t axis, int64_t channel_offset,
                     int64_t residual_offset, int64_t res_ld) {
    nnk_epi e = {0};
    if (!ep) return e;
    e.bias = ep->bias ? ep->bias + channel_offset : NULL;
    e.scale = ep->post_scale ? ep->post_scale + channel_offset : NULL;
    e.shift = ep->post_shift ? ep->post_shift + channel_offset : NULL;
    e.residual = ep->residual ? ep->residual + residual_offset : NULL;
    e.res_ld = res_ld;
    e.axis = axis;
    e.act = ep->activation;
    e.alpha = ep->act_alpha;
    e.beta = ep->act_beta;
    e.active = e.bias || e.scale || e.shift || e.residual || e.act != NNK_ACT_NONE;
    return e;
}

float nnk_act_scalar(int32_t act, float alpha, float beta, float y) {
    switch (act) {
    case NNK_ACT_RELU: return y < 0.0f ? 0.0f : y;
    case NNK_ACT_LEAKY_RELU: return y < 0.0f ? alpha * y : y;
    case NNK_ACT_CLIP: return y < alpha ? alpha : (y > beta ? beta : y);
    case NNK_ACT_SIGMOID: {
        if (y >= 0.0f) return 1.0f / (1.0f + expf(-y));
        const float e = expf(y);
        return e / (1.0f + e);
    }
    case NNK_ACT_TANH: return tanhf(y);
    default: return y;
    }
}

float nnk_epi_scalar(const nnk_epi *e, float y, int64_t m, int64_t n) {
    const int64_t c = e->axis == 0 ? m : n;
    if (e->bias) y += e->bias[c];
    if (e->residual) y += e->residual[m * e->res_ld + n];
    y = nnk_act_scalar(e->act, e->alpha, e->beta, y);
    if (e->scale) y *= e->scale[c];
    if (e->shift) y += e->shift[c];
    return y;
}

void nnk_epilogue_tile__ref(const nnk_epi *e, float *c, int64_t ldc, int64_t m0, int64_t n0,
                            int64_t mr, int64_t nr) {
    if (!e->active) return;
    for (int64_t i = 0; i < mr; i++) {          // c is (mr, nr) with row stride ldc
        float *row = c + i * ldc;
        for (int64_t j = 0; j < nr; j++) row[j] = nnk_epi_scalar(e, row[j], m0 + i, n0 + j);
    }
}

#if NNK_HAVE_AVX2
/// e is a local copy (stores to c cannot alias it, so nothing is reloaded per vector); per-row
/// channel values are broadcast once per row.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_epilogue_tile_t(const nnk_epi *e, float *c, int64_t ldc, int64_t m0, int64_t n0, int64_t mr, int64_t nr,
                    const int ACT) {
    const __m256i all = _mm256_set1_epi32(-1);
    const __m256 alpha = _mm256_set1_ps(e->alpha), beta = _mm256_set1_ps(e->beta), zero = _mm256_setzero_ps();
    const __m256i tail = nnk_v_tail_mask(nr % 8);
    for (int64_t i = 0; i < mr; i++) {          // c is (mr, nr) with row stride ldc
        float *row = c + i * ldc;
        const int64_t m = m0 + i;
        const float *res = e->residual ? e->residual + m * e->res_ld + n0 : NULL;
        const __m256 rb = e->axis == 0 && e->bias ? _mm256_set1_ps(e->bias[m]) : zero;
        const __m256 rs = e->axis == 0 && e->scale ? _mm256_set1_ps(e->scale[m]) : zero;
        const __m256 rt = e->axis == 0 && e->shift ? _mm256_set1_ps(e->shift[m]) : zero;
        int64_t j = 0;
        for (; j + 8 <= nr; j += 8)
            _mm256_storeu_ps(row + j, nnk_epi_v(e, _mm256_loadu_ps(row + j), res ? res + j : NULL, n0 + j, rb, rs,
                                                rt, alpha, beta, 1, all, ACT));
        if (j < nr) {
            const __m256 y = nnk_epi_v(e, _mm256_maskload_ps(row + j, tail), res ? res + j : NULL, n0 + j, rb, rs, rt,
                                       alpha, beta, 0, tail, ACT);
            nnk_v_store_first(row + j, y, nr - j);   // plain stores: masked ones are slow on some CPUs
        }
    }
}

NNK_TARGET_AVX2
void nnk_epilogue_tile__avx2_fma(const nnk_epi *ep, float *c, int64_t ldc, int64_t m0, int64_t n0,
                                 int64_t mr, int64_t nr) {
    const nnk_epi e = *ep;
    if (!e.active) return;
    switch (e.act) {
    case NNK_ACT_NONE: nnk_epilogue_tile_t(&e, c, ldc, m0, n0, mr, nr, NNK_ACT_NONE); break;
    case NNK_ACT_RELU: nnk_epilogue_tile_t(&e, c, ldc, m0, n0, mr, nr, NNK_ACT_RELU); break;
    case NNK_ACT_CLIP: nnk_epilogue_tile_t(&e, c, ldc, m0, n0, mr, nr, NNK_ACT_CLIP); break;
    default: nnk_epilogue_tile_t(&e, c, ldc, m0, n0, mr, nr, e.act); break;
    }
}
#endif
