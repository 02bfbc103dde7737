// nnk_pool.c — max / average pooling over 1, 2 or 3 spatial dims (reference for every shape), global
// pooling, and the public entry points that send 2-D undilated pooling to the vector plane kernel.
#include <math.h>
#include "nnk_internal.h"

/// Pooling parameters with 1-D and 2-D problems padded to 3-D by leading unit dims.
typedef struct nnk_pool3 {
    int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3];
} nnk_pool3;

static nnk_pool3 nnk_pool_as_3d(const nnk_pool_params *p) {
    nnk_pool3 q;
    const int lead = 3 - p->ndims;
    for (int i = 0; i < 3; i++) {
        const int j = i - lead;
        const int real = j >= 0;
        q.in[i] = real ? p->in_shape[j] : 1;
        q.out[i] = real ? p->out_shape[j] : 1;
        q.k[i] = real ? p->kernel[j] : 1;
        q.s[i] = real ? p->strides[j] : 1;
        q.d[i] = real ? p->dilations[j] : 1;
        q.pb[i] = real ? p->pads[j] : 0;
        q.pe[i] = real ? p->pads[p->ndims + j] : 0;
    }
    return q;
}

/// Taps of dimension i for output o: positions o*s - pb + t*d; counts those inside the input
/// ([0, in)) and inside the padded input ([-pb, in + pe)).
static void nnk_pool_plane_generic(const nnk_pool3 *q, int is_avg, int include_pad, const float *in,
                                   float *out) {
    int64_t o[3];
    for (o[0] = 0; o[0] < q->out[0]; o[0]++)       // out is (out0, out1, out2), in is (in0, in1, in2)
        for (o[1] = 0; o[1] < q->out[1]; o[1]++)
            for (o[2] = 0; o[2] < q->out[2]; o[2]++) {
                float mx = -INFINITY, sum = 0.0f;
                int64_t inside = 0, padded = 0;
                for (int64_t t0 = 0; t0 < q->k[0]; t0++) {
                    const int64_t x0 = o[0] * q->s[0] - q->pb[0] + t0 * q->d[0];
                    const int p0 = x0 >= -q->pb[0] && x0 < q->in[0] + q->pe[0], i0 = x0 >= 0 && x0 < q->in[0];
                    for (int64_t t1 = 0; t1 < q->k[1]; t1++) {
                        const int64_t x1 = o[1] * q->s[1] - q->pb[1] + t1 * q->d[1];
                        const int p1 = x1 >= -q->pb[1] && x1 < q->in[1] + q->pe[1], i1 = x1 >= 0 && x1 < q->in[1];
                        for (int64_t t2 = 0; t2 < q->k[2]; t2++) {
                            const int64_t x2 = o[2] * q->s[2] - q->pb[2] + t2 * q->d[2];
                            const int p2 = x2 >= -q->pb[2] && x2 < q->in[2] + q->pe[2];
                            const int i2 = x2 >= 0 && x2 < q->in[2];
                            padded += p0 && p1 && p2;
                            if (!(i0 && i1 && i2)) continue;
                            const float v = in[(x0 * q->in[1] + x1) * q->in[2] + x2];
                            inside++;
                            sum += v;
                            if (v > mx || isnan(v)) mx = v;
                        }
                    }
                }
                const int64_t count = include_pad ? padded : inside;
                out[(o[0] * q->out[1] + o[1]) * q->out[2] + o[2]] =
                    is_avg ? (count ? sum / (float)count : 0.0f) : mx;
            }
}

float nnk_pool2d_window(const nnk_pool_params *p, int is_avg, const float *in, int64_t ih0,
                                     int64_t kh0, int64_t kh1, int64_t padded_rows, int64_t ow) {
    const int64_t W = p->in_shape[1], KW = p->kernel[1], iw0 = ow * p->strides[1] - p->pads[1];
    const int64_t kw0 = NNK_MAX(0, -iw0), kw1 = NNK_MIN(KW, W - iw0);
    const int64_t pw0 = NNK_MAX(0, -iw0 - p->pads[1]), pw1 = NNK_MIN(KW, W + p->pads[3] - iw0);
    float mx = -INFINITY, sum = 0.0f;
    for (int64_t kh = kh0; kh < kh1; kh++) {
        const float *row = in + (ih0 + kh) * W + iw0;
        for (int64_t kw = kw0; kw < kw1; kw++) {
            const float v = row[kw];
            sum += v;
            if (v > mx || isnan(v)) mx = v;
        }
    }
    const int64_t inside = (kh1 - kh0) * NNK_MAX(0, kw1 - kw0), padded = padded_rows * NNK_MAX(0, pw1 - pw0);
    const int64_t count = p->count_include_pad ? padded : inside;
    return is_avg ? (count ? sum / (float)count : 0.0f) : mx;
}

void nnk_pool2d_plane__ref(const nnk_pool_params *p, int is_avg, const float *in, float *out) {
    const int64_t H = p->in_shape[0], KH = p->kernel[0], sh = p->strides[0], pt = p->pads[0];
    for (int64_t oh = 0; oh < p->out_shape[0]; oh++) {   // out is (OH, OW), in is (H, W)
        const int64_t ih0 = oh * sh - pt;
        const int64_t kh0 = NNK_MAX(0, -ih0), kh1 = NNK_MAX(kh0, NNK_MIN(KH, H - ih0));
        const int64_t ph0 = NNK_MAX(0, -ih0 - pt), ph1 = NNK_MIN(KH, H + p->pads[2] - ih0);
        const int64_t padded_rows = NNK_MAX(0, ph1 - ph0);
        for (int64_t ow = 0; ow < p->out_shape[1]; ow++)
            out[oh * p->out_shape[1] + ow] = nnk_pool2d_window(p, is_avg, in, ih0, kh0, kh1, padded_rows, ow);
    }
}

static void nnk_pool(const nnk_pool_params *p, int is_avg, const float *in, float *out, int64_t plane0,
                     int64_t plane1) {
    const nnk_pool3 q = nnk_pool_as_3d(p);
    const int64_t in_size = q.in[0] * q.in[1] * q.in[2], out_size = q.out[0] * q.out[1] * q.out[2];
    const int fast2d = p->ndims == 2 && p->dilations[0] == 1 && p->dilations[1] == 1;
    const nnk_kernels *kt = nnk_active();
    for (int64_t pl = plane0; pl < plane1; pl++) {  // in is (planes, *in_shape)
        if (fast2d)
            kt->pool2d_plane(p, is_avg, in + pl * in_size, out + pl * out_size);
        else
            nnk_pool_plane_generic(&q, is_avg, p->count_include_pad, in + pl * in_size, out + pl * out_size);
    }
}

void nnk_maxpool(const nnk_pool_params *p, const float *in, float *out, int64_t plane0, int64_t plane1) {
    nnk_pool(p, 0, in, out, plane0, plane1);
}

void nnk_avgpool(const nnk_pool_params *p, const float *in, float *out, int64_t plane0, int64_t plane1) {
    nnk_pool(p, 1, in, out, plane0, plane1);
}

void nnk_global_pool__ref(int is_avg, int64_t planes, int64_t size, const float *in, float *out) {
    for (int64_t i = 0; i < planes; i++) {        // in is (planes, size)
        const float *x = in + i * size;
        if (is_avg) {
            double sum = 0.0;
            for (int64_t j = 0; j < size; j++) sum += x[j];
            out[i] = size ? (float)(sum / (double)size) : 0.0f;
        } else {
            float mx = -INFINITY;
            for (int64_t j = 0; j < size; j++)
                if (x[j] > mx || isnan(x[j])) mx = x[j];
            out[i] = mx;
        }
    }
}

void nnk_global_avgpool(int64_t planes, int64_t size, const float *in, float *out) {
    nnk_active()->global_pool(1, planes, size, in, out);
}

void nnk_global_maxpool(int64_t planes, int64_t size, const float *in, float *out) {
    nnk_active()->global_pool(0, planes, size, in, out);
}
