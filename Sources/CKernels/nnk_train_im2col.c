// nnk_train_im2col.c — explicit im2col / col2im for training (see nnk_train.h).
// For each row (ci, kh, kw) and output row oh, the output columns whose input column lies inside
// the image form one contiguous range [ow_lo, ow_hi); everything else is padding.
#include <string.h>
#include "nnk_train.h"

/// The output columns ow with 0 <= ow*sw + off < W, as [*lo, *hi).
static void nnk_valid_range(int64_t OW, int64_t W, int64_t sw, int64_t off, int64_t *lo, int64_t *hi) {
    int64_t a = 0;
    if (off < 0) a = (-off + sw - 1) / sw;                 // first ow with ow*sw + off >= 0
    int64_t b = (W - 1 - off) >= 0 ? (W - 1 - off) / sw + 1 : 0;  // first ow with ow*sw + off >= W
    if (b > OW) b = OW;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

void nnk_im2col(const nnk_conv2d_params *p, const float *in, float *cols, int64_t ld) {
    const int64_t C = p->C_in, H = p->H, W = p->W, KH = p->KH, KW = p->KW, OH = p->OH, OW = p->OW;
    const int64_t sh = p->stride_h, sw = p->stride_w, dh = p->dil_h, dw = p->dil_w;
    for (int64_t ci = 0; ci < C; ci++) {                  // in is (C, H, W)
        const float *plane = in + ci * H * W;
        for (int64_t kh = 0; kh < KH; kh++) {
            for (int64_t kw = 0; kw < KW; kw++) {
                float *row = cols + ((ci * KH + kh) * KW + kw) * ld;   // row is (OH, OW)
                const int64_t off = kw * dw - p->pad_left;
                int64_t lo, hi;
                nnk_valid_range(OW, W, sw, off, &lo, &hi);
                for (int64_t oh = 0; oh < OH; oh++) {
                    float *dst = row + oh * OW;
                    const int64_t ih = oh * sh - p->pad_top + kh * dh;
                    if (ih < 0 || ih >= H) {
                        memset(dst, 0, (size_t)OW * sizeof(float));
                        continue;
                    }
                    const float *src = plane + ih * W + off;
                    for (int64_t ow = 0; ow < lo; ow++) dst[ow] = 0.0f;
                    if (sw == 1) {
                        memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof(float));
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow * sw];
                    }
                    for (int64_t ow = hi; ow < OW; ow++) dst[ow] = 0.0f;
                }
            }
        }
    }
}

void nnk_col2im_add(const nnk_conv2d_params *p, const float *cols, int64_t ld, float *in) {
    const int64_t C = p->C_in, H = p->H, W = p->W, KH = p->KH, KW = p->KW, OH = p->OH, OW = p->OW;
    const int64_t sh = p->stride_h, sw = p->stride_w, dh = p->dil_h, dw = p->dil_w;
    for (int64_t ci = 0; ci < C; ci++) {                  // in is (C, H, W)
        float *plane = in + ci * H * W;
        for (int64_t kh = 0; kh < KH; kh++) {
            for (int64_t kw = 0; kw < KW; kw++) {
                const float *row = cols + ((ci * KH + kh) * KW + kw) * ld;   // row is (OH, OW)
                const int64_t off = kw * dw - p->pad_left;
                int64_t lo, hi;
                nnk_valid_range(OW, W, sw, off, &lo, &hi);
                for (int64_t oh = 0; oh < OH; oh++) {
                    const int64_t ih = oh * sh - p->pad_top + kh * dh;
                    if (ih < 0 || ih >= H) continue;
                    const float *src = row + oh * OW;
                    float *dst = plane + ih * W + off;
                    if (sw == 1) {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow] += src[ow];
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow * sw] += src[ow];
                    }
                }
            }
        }
    }
}
