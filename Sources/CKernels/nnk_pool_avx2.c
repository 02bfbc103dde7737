// nnk_pool_avx2.c — AVX2 2-D pooling of one plane (dilation 1; 8 output columns per step for
// stride_w 1 and 2, clipped scalar windows at the left/right borders) and global max/average pooling.
#include <math.h>
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"

/// One window that lies wholly inside the input (no clipping, count = KH*KW): the columns left of
/// and right of the vectors on small planes (e.g. 2x2 pooling of an 8x8 plane) take this instead of
/// the general clipped window. Same arithmetic and NaN rule as nnk_pool2d_window.
static inline float nnk_pool_window_inside(const float *in, int64_t W, int64_t KH, int64_t KW, int is_avg) {
    float mx = -INFINITY, sum = 0.0f;
    for (int64_t kh = 0; kh < KH; kh++)
        for (int64_t kw = 0; kw < KW; kw++) {
            const float v = in[kh * W + kw];
            sum += v;
            if (v > mx || isnan(v)) mx = v;
        }
    return is_avg ? sum / (float)(KH * KW) : mx;
}

/// max(acc, v) with nnk_pool2d_window's NaN rule: a NaN v replaces acc, a NaN acc stays (maxps alone
/// would return acc for a NaN v, dropping it); equal values keep acc.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) __m256 nnk_v_max_nan(__m256 acc, __m256 v) {
    return _mm256_blendv_ps(_mm256_max_ps(v, acc), v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_pool2d_plane_sw(const nnk_pool_params *p, int is_avg, const float *in, float *out, const int sw) {
    const int64_t H = p->in_shape[0], W = p->in_shape[1], OH = p->out_shape[0], OW = p->out_shape[1];
    const int64_t KH = p->kernel[0], KW = p->kernel[1], sh = p->strides[0], pt = p->pads[0], pl = p->pads[1];
    const int64_t vlo = nnk_div_up(pl, sw);
    const int64_t num = W - 8 * sw + pl - (KW - 1);       // vector at ow reads up to ow*sw - pl + KW-1 + 8*sw-1
    int64_t vend = num < 0 ? vlo : NNK_MIN(OW, num / sw + 8);  // vectors cover columns [vlo, vend)
    if (vend - vlo < 8) vend = vlo;
    for (int64_t oh = 0; oh < OH; oh++) {     // out is (OH, OW), in is (H, W)
        float *orow = out + oh * OW;
        int64_t kh0 = 0, kh1 = KH, padded_rows = 0;
        for (int64_t kh = 0; kh < KH; kh++) {
            const int64_t ih = oh * sh - pt + kh;
            padded_rows += ih >= -pt && ih < H + p->pads[2];
        }
        while (kh0 < kh1 && oh * sh - pt + kh0 < 0) kh0++;
        while (kh1 > kh0 && oh * sh - pt + kh1 - 1 >= H) kh1--;
        const int64_t count = (p->count_include_pad ? padded_rows : kh1 - kh0) * KW;
        const __m256 vcount = _mm256_set1_ps((float)count);
        int64_t ow = 0;
        const int rows_inside = kh0 == 0 && kh1 == KH && padded_rows == KH;
#define NNK_POINT(ow)                                                                                      \
    (rows_inside && (ow) * sw - pl >= 0 && (ow) * sw - pl + KW <= W                                       \
         ? nnk_pool_window_inside(in + (oh * sh - pt) * W + (ow) * sw - pl, W, KH, KW, is_avg)            \
         : nnk_pool2d_window(p, is_avg, in, oh * sh - pt, kh0, kh1, padded_rows, (ow)))
        for (; ow < (vend > vlo ? vlo : OW); ow++) orow[ow] = NNK_POINT(ow);
        // No vectors (vend == vlo) may leave ow at OW < vlo: the loop must not start then (it would
        // store 8 floats at vend - 8 < 0).
        for (; vend > vlo && ow < vend; ow += 8) {
            if (ow + 8 > vend) ow = vend - 8;   // last vector overlaps the previous one
            __m256 acc = is_avg ? _mm256_setzero_ps() : _mm256_set1_ps(-INFINITY);
            for (int64_t kh = kh0; kh < kh1; kh++) {
                const float *irow = in + (oh * sh - pt + kh) * W + ow * sw - pl;
                for (int64_t kw = 0; kw < KW; kw++) {
                    const __m256 v = nnk_load_strided8(irow + kw, sw);
                    acc = is_avg ? _mm256_add_ps(acc, v) : nnk_v_max_nan(acc, v);
                }
            }
            if (is_avg) acc = count ? _mm256_div_ps(acc, vcount) : _mm256_setzero_ps();
            _mm256_storeu_ps(orow + ow, acc);
        }
        for (; ow < OW; ow++) orow[ow] = NNK_POINT(ow);
#undef NNK_POINT
    }
}

/// 2x2 max pooling, stride 2, no padding (LeNet's and VGG's): each output row from its two input rows,
/// 8 outputs per step from 16 columns of each row split into even and odd ones (the last step reads
/// only the row's columns). Each row's pair is taken first, then the two rows: with nnk_v_max_nan
/// that is the window's (kh, kw) order's result bit for bit (the last NaN wins, equal values keep
/// the first), so small planes (an 8x8 plane has 4 outputs a row) need no scalar windows.
static NNK_TARGET_AVX2 void nnk_maxpool2x2s2_plane(const nnk_pool_params *p, const float *in, float *out) {
    const int64_t W = p->in_shape[1], OH = p->out_shape[0], OW = p->out_shape[1];
    for (int64_t oh = 0; oh < OH; oh++) {
        const float *r0 = in + 2 * oh * W, *r1 = r0 + W;
        float *o = out + oh * OW;
        for (int64_t ow = 0; ow < OW; ow += 8) {
            const int64_t n = NNK_MIN(8, OW - ow), cols = 2 * n;   // outputs, input columns
            __m256 a0, b0, a1, b1;
            if (n == 8) {
                a0 = _mm256_loadu_ps(r0 + 2 * ow), b0 = _mm256_loadu_ps(r0 + 2 * ow + 8);
                a1 = _mm256_loadu_ps(r1 + 2 * ow), b1 = _mm256_loadu_ps(r1 + 2 * ow + 8);
            } else {
                const __m256i ma = nnk_v_tail_mask(NNK_MIN(8, cols)), mb = nnk_v_tail_mask(cols - 8);
                a0 = _mm256_maskload_ps(r0 + 2 * ow, ma), b0 = _mm256_maskload_ps(r0 + 2 * ow + 8, mb);
                a1 = _mm256_maskload_ps(r1 + 2 * ow, ma), b1 = _mm256_maskload_ps(r1 + 2 * ow + 8, mb);
            }
            // even columns (kw 0) and odd ones (kw 1), outputs 0 1 4 5 | 2 3 6 7 until the permute
            const __m256 h0 = nnk_v_max_nan(_mm256_shuffle_ps(a0, b0, _MM_SHUFFLE(2, 0, 2, 0)),
                                            _mm256_shuffle_ps(a0, b0, _MM_SHUFFLE(3, 1, 3, 1)));
            const __m256 h1 = nnk_v_max_nan(_mm256_shuffle_ps(a1, b1, _MM_SHUFFLE(2, 0, 2, 0)),
                                            _mm256_shuffle_ps(a1, b1, _MM_SHUFFLE(3, 1, 3, 1)));
            const __m256 m = _mm256_castpd_ps(
                _mm256_permute4x64_pd(_mm256_castps_pd(nnk_v_max_nan(h0, h1)), _MM_SHUFFLE(3, 1, 2, 0)));
            if (n == 8) _mm256_storeu_ps(o + ow, m);
            else nnk_v_store_first(o + ow, m, n);
        }
    }
}

/// Even columns of 16 loaded from x (lane j = column x + j): with EDGE, columns outside [0, W) read as
/// -inf (a max ignores them, as it ignores padding). Lanes come out 0 1 4 5 | 2 3 6 7 (see below).
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_pool_split16(const float *row, int64_t x, int64_t W, __m256 *even, __m256 *odd, const int EDGE) {
    __m256 a, b;
    if (EDGE) {
        const __m256i col = _mm256_add_epi32(_mm256_set1_epi32((int)x), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const __m256i w = _mm256_set1_epi32((int)W), m1 = _mm256_set1_epi32(-1), eight = _mm256_set1_epi32(8);
        const __m256i ma = _mm256_and_si256(_mm256_cmpgt_epi32(col, m1), _mm256_cmpgt_epi32(w, col));
        const __m256i colb = _mm256_add_epi32(col, eight);
        const __m256i mb = _mm256_and_si256(_mm256_cmpgt_epi32(colb, m1), _mm256_cmpgt_epi32(w, colb));
        const __m256 ninf = _mm256_set1_ps(-INFINITY);
        a = _mm256_blendv_ps(ninf, _mm256_maskload_ps(row + x, ma), _mm256_castsi256_ps(ma));
        b = _mm256_blendv_ps(ninf, _mm256_maskload_ps(row + x + 8, mb), _mm256_castsi256_ps(mb));
    } else {
        a = _mm256_loadu_ps(row + x);
        b = _mm256_loadu_ps(row + x + 8);
    }
    *even = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    *odd = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
}

/// 3x3 max pooling, stride 2 (ResNet's, after its stem), any padding: 8 outputs per step, each input
/// row's three taps first (columns 2x-pl, +1, +2 from two even/odd splits), then the rows in order,
/// which with nnk_v_max_nan is the window's (kh, kw) order's result bit for bit (see
/// nnk_maxpool2x2s2_plane); rows outside the input are skipped, columns outside it read as -inf.
static NNK_TARGET_AVX2 void nnk_maxpool3x3s2_plane(const nnk_pool_params *p, const float *in, float *out) {
    const int64_t H = p->in_shape[0], W = p->in_shape[1], OH = p->out_shape[0], OW = p->out_shape[1];
    const int64_t pt = p->pads[0], pl = p->pads[1];
    for (int64_t oh = 0; oh < OH; oh++) {
        const int64_t ih0 = 2 * oh - pt, kh0 = NNK_MAX(0, -ih0), kh1 = NNK_MIN(3, H - ih0);
        float *o = out + oh * OW;
        for (int64_t ow = 0; ow < OW; ow += 8) {
            const int64_t n = NNK_MIN(8, OW - ow), x = 2 * ow - pl;    // lane j reads columns x + 2j + kw
            const int edge = x < 0 || x + 18 > W;
            __m256 acc = _mm256_set1_ps(-INFINITY);
            for (int64_t kh = kh0; kh < kh1; kh++) {
                const float *row = in + (ih0 + kh) * W;
                __m256 e0, o0, e2, o2;
                if (edge) {
                    nnk_pool_split16(row, x, W, &e0, &o0, 1);
                    nnk_pool_split16(row, x + 2, W, &e2, &o2, 1);
                } else {
                    nnk_pool_split16(row, x, W, &e0, &o0, 0);
                    nnk_pool_split16(row, x + 2, W, &e2, &o2, 0);
                }
                const __m256 h = nnk_v_max_nan(nnk_v_max_nan(e0, o0), e2);
                acc = kh == kh0 ? h : nnk_v_max_nan(acc, h);
            }
            const __m256 m = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(acc), _MM_SHUFFLE(3, 1, 2, 0)));
            if (n == 8) _mm256_storeu_ps(o + ow, m);
            else nnk_v_store_first(o + ow, m, n);
        }
    }
}

NNK_TARGET_AVX2
void nnk_pool2d_plane__avx2_fma(const nnk_pool_params *p, int is_avg, const float *in, float *out) {
    if (!is_avg && p->kernel[0] == 3 && p->kernel[1] == 3 && p->strides[0] == 2 && p->strides[1] == 2 &&
        p->dilations[0] == 1 && p->dilations[1] == 1 && p->pads[0] <= 2 && p->pads[1] <= 2 &&
        p->pads[2] <= 2 && p->pads[3] <= 2 && p->in_shape[0] >= 1 && p->in_shape[1] >= 1) {
        nnk_maxpool3x3s2_plane(p, in, out);
        return;
    }
    if (!is_avg && p->kernel[0] == 2 && p->kernel[1] == 2 && p->strides[0] == 2 && p->strides[1] == 2 &&
        p->dilations[0] == 1 && p->dilations[1] == 1 && !p->pads[0] && !p->pads[1] &&
        2 * p->out_shape[0] <= p->in_shape[0] && 2 * p->out_shape[1] <= p->in_shape[1]) {
        nnk_maxpool2x2s2_plane(p, in, out);
        return;
    }
    if (p->strides[1] == 1)
        nnk_pool2d_plane_sw(p, is_avg, in, out, 1);
    else if (p->strides[1] == 2)
        nnk_pool2d_plane_sw(p, is_avg, in, out, 2);
    else
        nnk_pool2d_plane__ref(p, is_avg, in, out);
}

static inline NNK_TARGET_AVX2 float nnk_hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

static inline NNK_TARGET_AVX2 float nnk_hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}

NNK_TARGET_AVX2
void nnk_global_pool__avx2_fma(int is_avg, int64_t planes, int64_t size, const float *in, float *out) {
    for (int64_t i = 0; i < planes; i++) {    // in is (planes, size)
        const float *x = in + i * size;
        int64_t j = 0;
        if (is_avg) {
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            for (; j + 32 <= size; j += 32) {
                s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + j));
                s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + j + 8));
                s2 = _mm256_add_ps(s2, _mm256_loadu_ps(x + j + 16));
                s3 = _mm256_add_ps(s3, _mm256_loadu_ps(x + j + 24));
            }
            for (; j + 8 <= size; j += 8) s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + j));
            float sum = nnk_hsum8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
            for (; j < size; j++) sum += x[j];
            out[i] = size ? sum / (float)size : 0.0f;
        } else {
            __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0;
            for (; j + 16 <= size; j += 16) {
                m0 = nnk_v_max_nan(m0, _mm256_loadu_ps(x + j));
                m1 = nnk_v_max_nan(m1, _mm256_loadu_ps(x + j + 8));
            }
            for (; j + 8 <= size; j += 8) m0 = nnk_v_max_nan(m0, _mm256_loadu_ps(x + j));
            float mx = nnk_hmax8(_mm256_max_ps(m0, m1));
            if (_mm256_movemask_ps(_mm256_cmp_ps(m0, m1, _CMP_UNORD_Q))) mx = NAN;   // a NaN anywhere wins
            for (; j < size; j++)
                if (x[j] > mx || isnan(x[j])) mx = x[j];
            out[i] = mx;
        }
    }
}
#endif
