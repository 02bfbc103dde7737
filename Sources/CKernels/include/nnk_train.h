// nnk_train.h — helpers for training (NNTrain): explicit im2col and its adjoint col2im.
//
// The inference conv (nnk_conv2d) packs its column matrix implicitly and never materialises it; the
// trainer needs the column matrix itself, once for the forward GEMM and again for the weight-gradient
// GEMM, and needs the adjoint to turn column gradients back into input gradients.
#pragma once
#include <stdint.h>
#include "nnkernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Writes the column matrix of one image: in is (C_in, H, W); row k = (ci, kh, kw) for every
/// ci in [0, C_in) (all groups), column q = oh*OW + ow; element = in[ci][oh*sh - pt + kh*dh][ow*sw - pl + kw*dw]
/// or 0 in the padding. Row k starts at cols + k*ld (ld >= OH*OW lets a batch share one matrix).
/// Only the geometry fields of p are read (N is ignored).
void nnk_im2col(const nnk_conv2d_params *p, const float *in, float *cols, int64_t ld);

/// The adjoint of nnk_im2col: adds every column-matrix element into the input position it was
/// read from (padding taps are dropped). in is (C_in, H, W) and is accumulated into, not cleared.
void nnk_col2im_add(const nnk_conv2d_params *p, const float *cols, int64_t ld, float *in);

/// The backward pass of ReLU (slope 0) and LeakyReLU: dx[i] = x[i] > 0 ? dy[i] : slope * dy[i].
/// dx may equal dy.
void nnk_rectifier_backward(const float *x, const float *dy, float *dx, int64_t n, float slope);

/// Process-wide glibc malloc tuning for training (opt-in, for executables): freed multi-megabyte
/// activation buffers stay in the heap for the next step instead of being unmapped and faulted in
/// again. Returns 1 when applied, 0 elsewhere.
int nnk_train_keep_freed_buffers(void);

#ifdef __cplusplus
}
#endif
