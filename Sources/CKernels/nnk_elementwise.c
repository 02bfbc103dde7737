// nnk_elementwise.c — activations, per-channel affine and broadcast binary ops.
// The affine and binary rows are written once as macros and instantiated twice: plain C and
// AVX2+FMA (where the compiler vectorises the same loop 8-wide). Activations have an explicit AVX2
// version because sigmoid and tanh need the vector exp in nnk_avx2_math.h.
#include "nnk_avx2_math.h"
#include "nnk_internal.h"

#define NNK_PLAIN /* baseline ISA */

// ---- per-channel affine row: out = in * scale + shift ----
#define NNK_DEFINE_AFFINE_ROW(name, attr)                                                   \
    attr void name(float scale, float shift, const float *in, float *out, int64_t n) {     \
        for (int64_t i = 0; i < n; i++) out[i] = in[i] * scale + shift;                     \
    }
NNK_DEFINE_AFFINE_ROW(nnk_affine_row__ref, NNK_PLAIN)
#if NNK_HAVE_AVX2
NNK_DEFINE_AFFINE_ROW(nnk_affine_row__avx2_fma, NNK_TARGET_AVX2)
#endif

// ---- binary row: out[i] = a[i*as] op b[i*bs], with the contiguous and broadcast cases unrolled ----
#define NNK_BIN_LOOP(EXPR)                                                                  \
    if (as == 1 && bs == 1) {                                                               \
        for (int64_t i = 0; i < n; i++) { const float x = a[i], y = b[i]; out[i] = (EXPR); } \
    } else if (as == 1 && bs == 0) {                                                        \
        const float y = b[0];                                                               \
        for (int64_t i = 0; i < n; i++) { const float x = a[i]; out[i] = (EXPR); }          \
    } else if (as == 0 && bs == 1) {                                                        \
        const float x = a[0];                                                               \
        for (int64_t i = 0; i < n; i++) { const float y = b[i]; out[i] = (EXPR); }          \
    } else {                                                                                \
        for (int64_t i = 0; i < n; i++) { const float x = a[i * as], y = b[i * bs]; out[i] = (EXPR); } \
    }
#define NNK_DEFINE_BINARY_ROW(name, attr)                                                   \
    attr void name(int32_t op, int64_t n, const float *a, int64_t as, const float *b, int64_t bs, \
                   float *out) {                                                            \
        switch (op) {                                                                       \
        case NNK_BIN_ADD: NNK_BIN_LOOP(x + y) break;                                        \
        case NNK_BIN_SUB: NNK_BIN_LOOP(x - y) break;                                        \
        case NNK_BIN_MUL: NNK_BIN_LOOP(x * y) break;                                        \
        case NNK_BIN_DIV: NNK_BIN_LOOP(x / y) break;                                        \
        default: break;                                                                     \
        }                                                                                   \
    }
NNK_DEFINE_BINARY_ROW(nnk_binary_row__ref, NNK_PLAIN)
#if NNK_HAVE_AVX2
NNK_DEFINE_BINARY_ROW(nnk_binary_row__avx2_fma, NNK_TARGET_AVX2)
#endif

// ---- activations ----
void nnk_activation__ref(int32_t act, float alpha, float beta, const float *in, float *out, int64_t n) {
    switch (act) {      // the simple ones as plain loops the compiler can vectorise
    case NNK_ACT_RELU:
        for (int64_t i = 0; i < n; i++) out[i] = in[i] < 0.0f ? 0.0f : in[i];
        break;
    case NNK_ACT_LEAKY_RELU:
        for (int64_t i = 0; i < n; i++) out[i] = in[i] < 0.0f ? alpha * in[i] : in[i];
        break;
    case NNK_ACT_CLIP:
        for (int64_t i = 0; i < n; i++) out[i] = in[i] < alpha ? alpha : (in[i] > beta ? beta : in[i]);
        break;
    default:
        for (int64_t i = 0; i < n; i++) out[i] = nnk_act_scalar(act, alpha, beta, in[i]);
        break;
    }
}

#if NNK_HAVE_AVX2
#define NNK_ACT_LOOP(ACT)                                                                   \
    do {                                                                                    \
        int64_t i = 0;                                                                      \
        for (; i + 8 <= n; i += 8)                                                          \
            _mm256_storeu_ps(out + i, nnk_v_act((ACT), _mm256_loadu_ps(in + i), va, vb));    \
        if (i < n) {                                                                        \
            const __m256i m = nnk_v_tail_mask(n - i);                                       \
            nnk_v_store_first(out + i, nnk_v_act((ACT), _mm256_maskload_ps(in + i, m), va, vb), n - i); \
        }                                                                                   \
    } while (0)

NNK_TARGET_AVX2
void nnk_activation__avx2_fma(int32_t act, float alpha, float beta, const float *in, float *out, int64_t n) {
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    switch (act) {      // one loop per activation, so the switch in nnk_v_act folds away
    case NNK_ACT_RELU: NNK_ACT_LOOP(NNK_ACT_RELU); break;
    case NNK_ACT_LEAKY_RELU: NNK_ACT_LOOP(NNK_ACT_LEAKY_RELU); break;
    case NNK_ACT_CLIP: NNK_ACT_LOOP(NNK_ACT_CLIP); break;
    case NNK_ACT_SIGMOID: NNK_ACT_LOOP(NNK_ACT_SIGMOID); break;
    case NNK_ACT_TANH: NNK_ACT_LOOP(NNK_ACT_TANH); break;
    default: NNK_ACT_LOOP(NNK_ACT_NONE); break;
    }
}
#endif

// ---- public entry points ----
void nnk_activation(int32_t act, float alpha, float beta, const float *in, float *out, int64_t n) {
    nnk_active()->activation(act, alpha, beta, in, out, n);
}

void nnk_channel_affine(int64_t outer, int64_t C, int64_t inner, const float *scale, const float *shift,
                        const float *in, float *out) {
    const nnk_kernels *kt = nnk_active();
    for (int64_t o = 0; o < outer; o++)          // x is (outer, C, inner)
        for (int64_t c = 0; c < C; c++) {
            const int64_t off = (o * C + c) * inner;
            kt->affine_row(scale ? scale[c] : 1.0f, shift ? shift[c] : 0.0f, in + off, out + off, inner);
        }
}

void nnk_binary_strided(int32_t op, int32_t rank, const int64_t *out_shape,
                        const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                        float *out) {
    // Coalesce adjacent dims that both operands walk as one, so the inner row is as long as possible.
    int64_t shape[8], as[8], bs[8];
    int r = 0;
    for (int i = 0; i < rank; i++) {
        if (out_shape[i] == 0) return;
        if (out_shape[i] == 1) continue;
        if (r > 0 && as[r - 1] == a_strides[i] * out_shape[i] && bs[r - 1] == b_strides[i] * out_shape[i]) {
            shape[r - 1] *= out_shape[i];
            as[r - 1] = a_strides[i];
            bs[r - 1] = b_strides[i];
            continue;
        }
        shape[r] = out_shape[i]; as[r] = a_strides[i]; bs[r] = b_strides[i];
        r++;
    }
    const nnk_kernels *kt = nnk_active();
    if (r == 0) { kt->binary_row(op, 1, a, 0, b, 0, out); return; }
    const int64_t inner = shape[r - 1];
    int64_t outer = 1, idx[8] = {0}, ao = 0, bo = 0;
    for (int i = 0; i < r - 1; i++) outer *= shape[i];
    for (int64_t o = 0; o < outer; o++) {        // out is (outer, inner)
        kt->binary_row(op, inner, a + ao, as[r - 1], b + bo, bs[r - 1], out + o * inner);
        for (int i = r - 2; i >= 0; i--) {       // odometer over the outer dims
            ao += as[i]; bo += bs[i];
            if (++idx[i] < shape[i]) break;
            ao -= as[i] * shape[i]; bo -= bs[i] * shape[i];
            idx[i] = 0;
        }
    }
}
