// nnk_conv_chain.c — an inverted-residual block run band by band: 1x1 expand (+ epilogue) ->
// depthwise KxK (+ epilogue) -> 1x1 project (+ epilogue, often a residual), for one band of output
// rows at a time, so the expanded tensors (6x the block's channels in MobileNetV2, megabytes at
// 112x112 or 56x56) live in a per-task scratch of a few hundred KiB in L2 instead of going through
// memory twice each.
//
// The first conv may also be a dense KxK conv (a network's stem): its output rows [y0, y1) are
// then an im2col GEMM over the whole input image with the rows shifted (pad_top - y0*stride, which
// may be negative: the packers only compare input rows with 0 and H).
//
// For output rows [r0, r1) of image n: the depthwise conv needs expanded rows [y0, y1) (its window
// rows, clipped to the image); the expand GEMM computes those rows from the input rows, except the
// ones the task's previous band of the image expanded (the windows overlap: KH - stride rows), which
// move within the buffer instead; the depthwise conv runs on
// them as a sub-image whose top padding is the real padding only at the top of the image; the
// project GEMM writes output rows [r0, r1) of every channel. Every value is summed in the same order
// as by nnk_conv2d on the whole tensors (the GEMMs in k order with the same K blocking, the
// depthwise taps in (kh, kw) order), so the result has the same bits as the three convolutions.
#include <string.h>
#include "nnk_internal.h"

/// Scratch floats a band aims for (both expanded tensors: 512 KiB, half the 1 MiB L2; with the rows
/// bands share carried over, smaller bands cost no extra work: 640 KiB was 2 % slower).
#define NNK_CHAIN_BAND_BUDGET (128 * 1024)

int64_t nnk_pointwise_packed_floats(int64_t cout, int64_t cin) { return nnk_round_up(cout, NNK_MR) * cin; }

void nnk_pointwise_pack(int64_t cout, int64_t cin, const float *w, const float *scale, float *packed) {
    nnk_pack_a_strided(cout, cin, w, cin, 1, packed);     // A (cout x cin) in MR-row panels
    if (!scale) return;
    for (int64_t m = 0; m < cout; m++) {                  // the same single product as scaled packing
        float *col = packed + m / NNK_MR * cin * NNK_MR + m % NNK_MR;
        for (int64_t k = 0; k < cin; k++) col[k * NNK_MR] *= scale[m];
    }
}

/// Expanded input rows [y0, y1) the depthwise windows of output rows [r0, r1) read.
static void nnk_chain_rows(const nnk_conv2d_params *dw, int64_t r0, int64_t r1, int64_t *y0, int64_t *y1) {
    *y0 = NNK_MAX(0, r0 * dw->stride_h - dw->pad_top);
    *y1 = NNK_MIN(dw->H, (r1 - 1) * dw->stride_h - dw->pad_top + (dw->KH - 1) * dw->dil_h + 1);
    if (*y1 < *y0) *y1 = *y0;
}

int64_t nnk_chain_band_rows(const nnk_chain_params *p) {
    const nnk_conv2d_params *dw = &p->dw;
    const int64_t per_row = dw->C_in * (dw->stride_h * dw->W + dw->OW);   // floats per output row
    int64_t rows = NNK_CHAIN_BAND_BUDGET / NNK_MAX(per_row, 1);
    rows = NNK_MAX(1, NNK_MIN(rows, dw->OH));
    const int64_t bands = nnk_div_up(dw->OH, rows);
    return nnk_div_up(dw->OH, bands);                      // even bands
}

/// The depthwise conv of output rows [r0, r1) as a conv over expanded rows [y0, y1).
static nnk_conv2d_params nnk_chain_band_dw(const nnk_conv2d_params *dw, int64_t r0, int64_t r1, int64_t y0,
                                           int64_t y1) {
    nnk_conv2d_params q = *dw;
    q.N = 1;
    q.H = y1 - y0;
    q.OH = r1 - r0;
    q.pad_top = y0 - (r0 * dw->stride_h - dw->pad_top);    // > 0 only at the top of the image
    const int64_t span = (q.OH - 1) * dw->stride_h + (dw->KH - 1) * dw->dil_h + 1;
    q.pad_bottom = NNK_MAX(0, span - q.pad_top - q.H);
    return q;
}

/// The expand GEMM's depth: C_in for a 1x1, C_in * KH * KW for a dense conv.
static int64_t nnk_chain_expand_k(const nnk_chain_params *p) {
    return p->expand_conv ? p->expand.C_in * p->expand.KH * p->expand.KW : p->C_in;
}

/// The dense expand conv of one image computing its output rows [y0, y1) only (N = 1, rows shifted).
static nnk_conv2d_params nnk_chain_band_expand(const nnk_conv2d_params *x, int64_t y0, int64_t y1) {
    nnk_conv2d_params q = *x;
    q.N = 1;
    q.OH = y1 - y0;
    q.pad_top = x->pad_top - y0 * x->stride_h;
    q.pad_bottom = 0;                                      // (unused by the im2col packers)
    return q;
}

/// Moves the last `n` floats that the previous band kept of each of C channels (channel c at
/// buf + c*old_cols + from) to the start of channel c in this band's layout (buf + c*new_cols), in
/// place. Channel c's destination may cover the source of a later channel (the layout shrinks)
/// or of an earlier one (it grows): channels go up in the first case and down in the second, so
/// no source is overwritten before it has moved (each source lies in [c*old_cols + from,
/// (c+1)*old_cols), and from + n = old_cols).
static void nnk_chain_keep_rows(float *buf, int64_t C, int64_t old_cols, int64_t from, int64_t new_cols, int64_t n) {
    if (new_cols <= old_cols)
        for (int64_t c = 0; c < C; c++) memmove(buf + c * new_cols, buf + c * old_cols + from, (size_t)n * sizeof(float));
    else
        for (int64_t c = C - 1; c >= 0; c--) memmove(buf + c * new_cols, buf + c * old_cols + from, (size_t)n * sizeof(float));
}

typedef struct nnk_chain_ws {
    float *expanded, *dw_out, *scratch;
} nnk_chain_ws;

static int64_t nnk_chain_scratch_floats(const nnk_chain_params *p) {
    const nnk_conv2d_params *dw = &p->dw;
    const int64_t rows = nnk_chain_band_rows(p);
    const int64_t in_rows = NNK_MIN(dw->H, (rows - 1) * dw->stride_h + (dw->KH - 1) * dw->dil_h + 1);
    nnk_conv2d_params q = nnk_chain_band_dw(dw, 0, rows, 0, in_rows);
    int64_t s = nnk_conv2d_workspace_floats(&q);
    q.pad_top = 0;                                         // a band inside the image
    s = NNK_MAX(s, nnk_conv2d_workspace_floats(&q));
    if (p->C_in > 0) s = NNK_MAX(s, nnk_gemm_workspace_floats(dw->C_in, in_rows * dw->W, nnk_chain_expand_k(p)));
    s = NNK_MAX(s, nnk_gemm_workspace_floats(p->C_out, rows * dw->OW, dw->C_in));
    return s;
}

static int64_t nnk_chain_expanded_floats(const nnk_chain_params *p) {
    const nnk_conv2d_params *dw = &p->dw;
    const int64_t rows = nnk_chain_band_rows(p);
    const int64_t in_rows = NNK_MIN(dw->H, (rows - 1) * dw->stride_h + (dw->KH - 1) * dw->dil_h + 1);
    return nnk_round_up(dw->C_in * in_rows * dw->W, 16);
}

static int64_t nnk_chain_dw_out_floats(const nnk_chain_params *p) {
    return nnk_round_up(p->dw.C_in * nnk_chain_band_rows(p) * p->dw.OW, 16);
}

int64_t nnk_chain_workspace_floats(const nnk_chain_params *p) {
    return nnk_chain_expanded_floats(p) + nnk_chain_dw_out_floats(p) + nnk_chain_scratch_floats(p) + 3 * NNK_WS_SLACK;
}

static nnk_chain_ws nnk_chain_ws_split(const nnk_chain_params *p, float *ws) {
    nnk_chain_ws w;
    w.expanded = nnk_align64(ws);
    w.dw_out = nnk_align64(w.expanded + nnk_chain_expanded_floats(p));
    w.scratch = nnk_align64(w.dw_out + nnk_chain_dw_out_floats(p));
    return w;
}

int64_t nnk_chain_task_count(const nnk_chain_params *p, int32_t threads) {
    const int64_t bands = p->dw.N * nnk_div_up(p->dw.OH, nnk_chain_band_rows(p));
    return NNK_MAX(1, NNK_MIN((int64_t)threads, bands));
}

void nnk_conv_chain(const nnk_chain_params *p, const float *input, const float *w_expand,
                    const nnk_epilogue *ep_expand, const float *w_dw, const nnk_epilogue *ep_dw,
                    const float *w_project, const nnk_epilogue *ep_project, float *output, float *workspace,
                    int64_t task, int64_t ntasks) {
    if (ntasks < 1 || task < 0 || task >= ntasks) return;
    const nnk_kernels *kt = nnk_active();
    const nnk_conv2d_params *dw = &p->dw;
    const int64_t C = dw->C_in, H = dw->H, W = dw->W, OHW = dw->OH * dw->OW;
    const int64_t cin = p->C_in > 0 ? p->C_in : C;
    const int64_t image_floats = p->expand_conv ? p->expand.C_in * p->expand.H * p->expand.W : cin * H * W;
    const int64_t rows = nnk_chain_band_rows(p), OH = dw->OH, total = dw->N * OH;
    const nnk_chain_ws ws = nnk_chain_ws_split(p, workspace);
    // The task's share is an even run of output rows (over the images), cut into even bands of at
    // most `rows`: whole bands dealt out would leave one task a band more, or a larger one.
    const int64_t end = total * (task + 1) / ntasks;
    for (int64_t at = total * task / ntasks; at < end;) {
        const int64_t n = at / OH, first = at % OH, len = NNK_MIN(end, (n + 1) * OH) - at;  // rows of image n
        const int64_t nb = nnk_div_up(len, rows);
        at += len;
        int64_t py0 = 0, py1 = 0;                          // the expanded rows the buffer holds
        for (int64_t band = 0; band < nb; band++) {
            const int64_t r0 = first + len * band / nb, r1 = first + len * (band + 1) / nb;
            int64_t y0, y1;
            nnk_chain_rows(dw, r0, r1, &y0, &y1);
            const float *image = input + n * image_floats;
            const int64_t cols = (y1 - y0) * W;
            // Rows the previous band of this image already expanded (its window overlaps this one's)
            // move to their places instead of being computed again: the same values, as each
            // expanded value is one GEMM element whatever columns a call covers.
            const int64_t keep = band > 0 && py0 <= y0 && y0 < py1 ? NNK_MIN(py1, y1) - y0 : 0;
            if (keep > 0) nnk_chain_keep_rows(ws.expanded, C, (py1 - py0) * W, (y0 - py0) * W, cols, keep * W);
            py0 = y0;
            py1 = y1;
            const int64_t e0 = y0 + keep, new_cols = (y1 - e0) * W;   // rows [e0, y1) are computed
            float *dst = ws.expanded + keep * W;
            if (new_cols == 0) {
            } else if (p->expand_conv) {                       // rows [e0, y1) of the dense conv's output
                const nnk_conv2d_params q = nnk_chain_band_expand(&p->expand, e0, y1);
                const nnk_gemm_a a = {.packed = w_expand};
                const nnk_gemm_b b = {.kind = NNK_B_IM2COL, .ptr = image, .conv = &q};
                const nnk_epi e = nnk_epi_make(ep_expand, 0, 0, 0, new_cols);
                nnk_gemm_block(kt, C, new_cols, nnk_chain_expand_k(p), 1.0f, &a, &b, dst, cols, 0, &e, 0, C, 0,
                               new_cols, ws.scratch);
            } else if (p->C_in > 0) {                          // expanded rows [e0, y1) of every channel
                const nnk_gemm_a a = {.packed = w_expand};
                const nnk_gemm_b b = {.kind = NNK_B_STRIDED, .ptr = image + e0 * W, .rs = H * W, .cs = 1};
                const nnk_epi e = nnk_epi_make(ep_expand, 0, 0, 0, new_cols);
                nnk_gemm_block(kt, C, new_cols, p->C_in, 1.0f, &a, &b, dst, cols, 0, &e, 0, C, 0, new_cols,
                               ws.scratch);
            } else {                                           // no expand: the band's rows of the input
                for (int64_t c = 0; c < C; c++)
                    memcpy(dst + c * cols, image + c * H * W + e0 * W, (size_t)new_cols * sizeof(float));
            }
            nnk_conv2d_params q = nnk_chain_band_dw(dw, r0, r1, y0, y1);
            const int64_t out_cols = (r1 - r0) * dw->OW;
            nnk_conv2d(&q, ws.expanded, w_dw, ws.dw_out, ep_dw, ws.scratch, 0, 1);
            const nnk_gemm_a a = {.packed = w_project};
            const nnk_gemm_b b = {.kind = NNK_B_STRIDED, .ptr = ws.dw_out, .rs = out_cols, .cs = 1};
            const nnk_epi e = nnk_epi_make(ep_project, 0, 0, n * p->C_out * OHW + r0 * dw->OW, OHW);
            nnk_gemm_block(kt, p->C_out, out_cols, C, 1.0f, &a, &b, output + n * p->C_out * OHW + r0 * dw->OW, OHW, 0,
                           &e, 0, p->C_out, 0, out_cols, ws.scratch);
        }
    }
}
