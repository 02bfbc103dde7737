// nnk_softmax.c — Softmax / LogSoftmax over the last axis: y = exp(x - max) / sum, or (x - max) - log(sum).
// LogSoftmax subtracts the max first: max + log(sum) rounded at the magnitude of x (say 1e4)
// would lose the small differences that are the result.
#include <math.h>
#include "nnk_avx2_math.h"
#include "nnk_internal.h"

void nnk_softmax_row__ref(int64_t cols, const float *in, float *out, int32_t log) {
    float mx = -INFINITY;
    for (int64_t j = 0; j < cols; j++) mx = in[j] > mx ? in[j] : mx;
    float sum = 0.0f;
    for (int64_t j = 0; j < cols; j++) {
        const float e = expf(in[j] - mx);
        if (!log) out[j] = e;
        sum += e;
    }
    if (log) {
        const float ls = logf(sum);
        for (int64_t j = 0; j < cols; j++) out[j] = (in[j] - mx) - ls;
    } else {
        const float inv = 1.0f / sum;
        for (int64_t j = 0; j < cols; j++) out[j] *= inv;
    }
}

#if NNK_HAVE_AVX2
NNK_TARGET_AVX2
void nnk_softmax_row__avx2_fma(int64_t cols, const float *in, float *out, int32_t log) {
    const __m256i all = _mm256_set1_epi32(-1);
    __m256 vmx = _mm256_set1_ps(-INFINITY);
    for (int64_t j = 0; j < cols; j += 8) {
        const __m256i m = j + 8 <= cols ? all : nnk_v_tail_mask(cols - j);
        const __m256 x = _mm256_blendv_ps(vmx, _mm256_maskload_ps(in + j, m), _mm256_castsi256_ps(m));
        vmx = _mm256_max_ps(x, vmx);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, vmx);
    float mx = lanes[0];
    for (int i = 1; i < 8; i++) mx = lanes[i] > mx ? lanes[i] : mx;
    vmx = _mm256_set1_ps(mx);
    __m256 vsum = _mm256_setzero_ps();
    for (int64_t j = 0; j < cols; j += 8) {
        const __m256i m = j + 8 <= cols ? all : nnk_v_tail_mask(cols - j);
        const __m256 e = _mm256_and_ps(nnk_v_exp_neg(_mm256_sub_ps(_mm256_maskload_ps(in + j, m), vmx)),
                                       _mm256_castsi256_ps(m));
        if (!log) _mm256_maskstore_ps(out + j, m, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    _mm256_storeu_ps(lanes, vsum);
    float sum = 0.0f;
    for (int i = 0; i < 8; i++) sum += lanes[i];
    const __m256 k = log ? _mm256_set1_ps(logf(sum)) : _mm256_set1_ps(1.0f / sum);
    for (int64_t j = 0; j < cols; j += 8) {
        const __m256i m = j + 8 <= cols ? all : nnk_v_tail_mask(cols - j);
        const __m256 y = log ? _mm256_sub_ps(_mm256_sub_ps(_mm256_maskload_ps(in + j, m), vmx), k)
                             : _mm256_mul_ps(_mm256_maskload_ps(out + j, m), k);
        _mm256_maskstore_ps(out + j, m, y);
    }
}
#endif

void nnk_softmax_rows(int64_t rows, int64_t cols, const float *in, float *out, int32_t log) {
    const nnk_kernels *kt = nnk_active();
    for (int64_t r = 0; r < rows; r++) kt->softmax_row(cols, in + r * cols, out + r * cols, log);   // (rows, cols)
}
