// nnk_conv2d.c — 2-D convolution (NCHW): weight packing, task partition and the choice of kernel:
//   depthwise (groups == C_in == C_out > 1): direct, 8 channels x a band of rows at a time (nnk_dwconv.c)
//   3x3, stride 1, >= 16 channels, outputs >= 10x10 (or >= 7x7 with >= 32 tiles in the batch): Winograd
//   F(4x4, 3x3) (nnk_winograd.c), unless p->no_winograd
//   1x1, stride 1, no padding: GEMM straight over the input, out_g = W_g (Cout_g x C_in_g) * in_g (C_in_g x H*W)
//   anything else (incl. grouped): per-group GEMM with implicit im2col panels (nnk_im2col.c)
// In the GEMM, M = output channels of a group (weights, packed once into MR panels), N = OH*OW
// (output pixels, packed per task), K = C_in/groups * KH * KW; C is the NCHW output itself.
// Small images (e.g. 7x7 = 49 pixels, padded to 64 columns) waste much of the 16-wide micro-kernel;
// there the GEMM is computed pixel-major (M = pixels in MR = 6 panels, N = channels, weights packed as
// NR panels) and the tile is stored transposed. Every output sums its K terms in the same order
// either way, so both give the same bits.
#include "nnk_internal.h"

typedef enum {
    NNK_CONV_DEPTHWISE = NNK_CONV_ALGO_DEPTHWISE, NNK_CONV_POINTWISE = NNK_CONV_ALGO_POINTWISE,
    NNK_CONV_IM2COL = NNK_CONV_ALGO_IM2COL, NNK_CONV_PIXEL_MAJOR = NNK_CONV_ALGO_PIXEL_MAJOR,
    NNK_CONV_WINOGRAD = NNK_CONV_ALGO_WINOGRAD_F4X3
} nnk_conv_kind;

static nnk_conv_kind nnk_conv_kind_of(const nnk_conv2d_params *p) {
    if (p->groups > 1 && p->groups == p->C_in && p->C_out == p->C_in) return NNK_CONV_DEPTHWISE;
    if (nnk_winograd_applies(p)) return NNK_CONV_WINOGRAD;
    const int64_t pixels = p->OH * p->OW, cout_g = p->C_out / p->groups;
    // padded work of each layout, relative: channel-major pads pixels to NR and channels to MR
    const double channel_major = (double)nnk_round_up(pixels, NNK_NR) * (double)nnk_round_up(cout_g, NNK_MR);
    const double pixel_major = (double)nnk_round_up(pixels, NNK_MR) * (double)nnk_round_up(cout_g, NNK_NR);
    if (pixels < 128 && cout_g >= 16 && pixel_major < 0.9 * channel_major) return NNK_CONV_PIXEL_MAJOR;
    if (p->KH == 1 && p->KW == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
        p->pad_left == 0 && p->pad_bottom == 0 && p->pad_right == 0 && p->OH == p->H && p->OW == p->W)
        return NNK_CONV_POINTWISE;
    return NNK_CONV_IM2COL;
}

int32_t nnk_conv2d_algorithm(const nnk_conv2d_params *p) { return (int32_t)nnk_conv_kind_of(p); }

/// The per-group GEMM dimensions (pixel-major: M = pixels, N = channels) and packed weight floats.
typedef struct nnk_conv_gemm {
    int64_t M, N, K, panels_floats;
} nnk_conv_gemm;

static nnk_conv_gemm nnk_conv_gemm_of(const nnk_conv2d_params *p) {
    nnk_conv_gemm g;
    const int64_t cout_g = p->C_out / p->groups, pixels = p->OH * p->OW;
    g.K = p->C_in / p->groups * p->KH * p->KW;
    if (nnk_conv_kind_of(p) == NNK_CONV_PIXEL_MAJOR) {
        g.M = pixels; g.N = cout_g;
        g.panels_floats = nnk_round_up(cout_g, NNK_NR) * g.K;
    } else {
        g.M = cout_g; g.N = pixels;
        g.panels_floats = nnk_round_up(cout_g, NNK_MR) * g.K;
    }
    return g;
}

int64_t nnk_conv2d_packed_weights_floats(const nnk_conv2d_params *p) {
    if (nnk_conv_kind_of(p) == NNK_CONV_DEPTHWISE) return nnk_dwconv2d_packed_floats(p);
    if (nnk_conv_kind_of(p) == NNK_CONV_WINOGRAD) return 36 * nnk_winograd_geom(p).u_floats;
    return p->groups * nnk_conv_gemm_of(p).panels_floats;
}

void nnk_conv2d_pack_weights(const nnk_conv2d_params *p, const float *weights, float *packed) {
    nnk_conv2d_pack_weights_scaled(p, weights, NULL, packed);
}

/// Weights (rows of K) as MR-row A panels, each row times its scale: the products a pack followed
/// by a scaling pass would hold, in one pass.
static void nnk_pack_weights_a_scaled(int64_t rows, int64_t K, const float *w, const float *scale, float *dst) {
    for (int64_t m0 = 0; m0 < rows; m0 += NNK_MR) {
        const int64_t mr = NNK_MIN(NNK_MR, rows - m0);
        const float *r = w + m0 * K;
        if (mr == NNK_MR) {
            float s[NNK_MR];
            for (int i = 0; i < NNK_MR; i++) s[i] = scale[m0 + i];
            for (int64_t k = 0; k < K; k++)
                for (int i = 0; i < NNK_MR; i++) dst[k * NNK_MR + i] = r[i * K + k] * s[i];
        } else {
            for (int64_t k = 0; k < K; k++) {
                for (int64_t i = 0; i < mr; i++) dst[k * NNK_MR + i] = r[i * K + k] * scale[m0 + i];
                for (int64_t i = mr; i < NNK_MR; i++) dst[k * NNK_MR + i] = 0.0f;
            }
        }
        dst += K * NNK_MR;
    }
}

/// Weights (rows of K) transposed into NR-column B panels (K x NR), each column times its scale.
static void nnk_pack_weights_b_scaled(int64_t cols, int64_t K, const float *w, const float *scale, float *dst) {
    for (int64_t n0 = 0; n0 < cols; n0 += NNK_NR) {
        const int64_t nr = NNK_MIN(NNK_NR, cols - n0);
        for (int64_t k0 = 0; k0 < K; k0 += 64) {    // the 4 KiB of panel rows being written stay in L1
            const int64_t k1 = NNK_MIN(K, k0 + 64);
            for (int64_t j = 0; j < NNK_NR; j++) {
                if (j >= nr) {
                    for (int64_t k = k0; k < k1; k++) dst[k * NNK_NR + j] = 0.0f;
                    continue;
                }
                const float *col = w + (n0 + j) * K;
                const float s = scale[n0 + j];
                for (int64_t k = k0; k < k1; k++) dst[k * NNK_NR + j] = col[k] * s;
            }
        }
        dst += K * NNK_NR;
    }
}

void nnk_conv2d_pack_weights_scaled(const nnk_conv2d_params *p, const float *weights, const float *scale,
                                    float *packed) {
    if (nnk_conv_kind_of(p) == NNK_CONV_DEPTHWISE) {
        nnk_dwconv2d_pack(p, weights, scale, packed);
        return;
    }
    if (nnk_conv_kind_of(p) == NNK_CONV_WINOGRAD) {
        nnk_winograd_pack_weights(p, weights, scale, packed);
        return;
    }
    const nnk_conv_gemm g = nnk_conv_gemm_of(p);
    const int64_t cout_g = p->C_out / p->groups;
    const int pixel_major = nnk_conv_kind_of(p) == NNK_CONV_PIXEL_MAJOR;
    for (int64_t grp = 0; grp < p->groups; grp++) { // weights are (groups, Cout_g, K)
        const float *wg = weights + grp * cout_g * g.K;
        const float *sg = scale ? scale + grp * cout_g : NULL;
        float *dst = packed + grp * g.panels_floats;
        if (pixel_major) {                          // B (K x Cout_g) = W_g transposed, NR-column panels
            if (sg) nnk_pack_weights_b_scaled(cout_g, g.K, wg, sg, dst);
            else nnk_pack_b_strided(g.K, cout_g, wg, 1, g.K, dst);
        } else {                                    // A (Cout_g x K), MR-row panels
            if (sg) nnk_pack_weights_a_scaled(cout_g, g.K, wg, sg, dst);
            else nnk_pack_a_strided(cout_g, g.K, wg, g.K, 1, dst);
        }
    }
}

int64_t nnk_conv2d_workspace_floats(const nnk_conv2d_params *p) {
    if (nnk_conv_kind_of(p) == NNK_CONV_DEPTHWISE) return nnk_dwconv2d_scratch_floats(p);
    if (nnk_conv_kind_of(p) == NNK_CONV_WINOGRAD) return nnk_winograd_workspace_floats(p);
    const nnk_conv_gemm g = nnk_conv_gemm_of(p);
    return nnk_gemm_workspace_floats(g.M, g.N, g.K);
}

/// The work is an index space: GEMM kinds (image*group, M part, NR column panel of the GEMM: pixels,
/// or channels when pixel-major); depthwise (image*block of 8 channels, band of output rows). M is split only when there
/// are fewer column panels than tasks.
typedef struct nnk_conv_space {
    int64_t units, mparts, panels, total;
} nnk_conv_space;

static nnk_conv_space nnk_conv_space_of(const nnk_conv2d_params *p, int64_t ntasks) {
    nnk_conv_space s;
    if (nnk_conv_kind_of(p) == NNK_CONV_DEPTHWISE) {
        s.units = p->N * nnk_div_up(p->C_out, 8); s.mparts = 1;
        s.panels = nnk_div_up(p->OH, nnk_dwconv2d_band_rows(p));
    } else if (nnk_conv_kind_of(p) == NNK_CONV_WINOGRAD) {   // tile block of the batch, output channels
        s.units = nnk_winograd_geom(p).blocks; s.panels = 1; s.mparts = 1;
        if (s.units < ntasks) s.mparts = NNK_MIN(nnk_div_up(p->C_out, NNK_MR), nnk_div_up(ntasks, s.units));
    } else {
        const nnk_conv_gemm g = nnk_conv_gemm_of(p);
        s.units = p->N * p->groups;
        s.panels = nnk_div_up(g.N, NNK_NR);
        s.mparts = 1;
        if (s.units * s.panels < ntasks)
            s.mparts = NNK_MIN(nnk_div_up(g.M, NNK_MR), nnk_div_up(ntasks, s.units * s.panels));
    }
    s.total = s.units * s.mparts * s.panels;
    return s;
}

#define NNK_CONV_FLOPS_PER_TASK 4.0e5

int64_t nnk_conv2d_task_count(const nnk_conv2d_params *p, int32_t threads) {
    const double flops = 2.0 * (double)p->N * (double)p->C_out * (double)(p->OH * p->OW) *
                         (double)(p->C_in / p->groups * p->KH * p->KW);
    int64_t tasks = NNK_MIN((int64_t)threads, (int64_t)(flops / NNK_CONV_FLOPS_PER_TASK));
    const nnk_conv_space s = nnk_conv_space_of(p, threads);
    tasks = NNK_MIN(tasks, s.total);
    return NNK_MAX(tasks, 1);
}

int64_t nnk_conv2d_shared_floats(const nnk_conv2d_params *p, int64_t ntasks) {
    if (ntasks < 2 || nnk_conv_kind_of(p) != NNK_CONV_WINOGRAD) return 0;
    const nnk_conv_space s = nnk_conv_space_of(p, ntasks);
    if (s.mparts < 2) return 0;                // a tile block per task: each transforms its own
    return s.units * nnk_round_up(nnk_winograd_v_floats(p), 16) + NNK_WS_SLACK;
}

/// Block b's input transform in the shared scratch.
static float *nnk_conv2d_shared_v(const nnk_conv2d_params *p, float *shared, int64_t b) {
    return nnk_align64(shared) + b * nnk_round_up(nnk_winograd_v_floats(p), 16);
}

void nnk_conv2d_prepare(const nnk_conv2d_params *p, const float *input, float *shared, int64_t task, int64_t ntasks) {
    if (ntasks < 1 || task < 0 || task >= ntasks || !nnk_conv2d_shared_floats(p, ntasks)) return;
    const nnk_kernels *kt = nnk_active();
    const nnk_wg_geom g = nnk_winograd_geom(p);
    const int64_t total = g.blocks * p->C_in;  // (block, input channel) pairs, split evenly
    const int64_t begin = total * task / ntasks, end = total * (task + 1) / ntasks;
    for (int64_t i = begin; i < end;) {
        const int64_t b = i / p->C_in, c0 = i % p->C_in, c1 = NNK_MIN(p->C_in, c0 + (end - i));
        const int64_t t0 = b * g.block;
        kt->winograd_input(p, input, t0, NNK_MIN(g.block, g.tiles - t0), g.block, c0, c1, nnk_conv2d_shared_v(p, shared, b));
        i += c1 - c0;
    }
}

void nnk_conv2d(const nnk_conv2d_params *p, const float *input, const float *packed_weights,
                float *output, const nnk_epilogue *ep, float *workspace, int64_t task, int64_t ntasks) {
    nnk_conv2d_shared(p, input, packed_weights, output, ep, workspace, NULL, task, ntasks);
}

void nnk_conv2d_shared(const nnk_conv2d_params *p, const float *input, const float *packed_weights,
                       float *output, const nnk_epilogue *ep, float *workspace, float *shared, int64_t task,
                       int64_t ntasks) {
    if (ntasks < 1 || task < 0 || task >= ntasks) return;
    if (!nnk_conv2d_shared_floats(p, ntasks)) shared = NULL;
    const nnk_kernels *kt = nnk_active();
    const nnk_conv_kind kind = nnk_conv_kind_of(p);
    const nnk_conv_space s = nnk_conv_space_of(p, ntasks);
    const int64_t begin = s.total * task / ntasks, end = s.total * (task + 1) / ntasks;
    const int64_t OHW = p->OH * p->OW, HW = p->H * p->W;
    const int64_t per_unit = s.mparts * s.panels;
    const int64_t bh = kind == NNK_CONV_DEPTHWISE ? nnk_dwconv2d_band_rows(p) : 0;   // depthwise output rows per band
    for (int64_t idx = begin; idx < end;) {
        const int64_t unit = idx / per_unit, mp = idx % per_unit / s.panels, sp = idx % s.panels;
        const int64_t run = NNK_MIN(end - idx, s.panels - sp);    // consecutive panels of one (unit, mp)
        if (kind == NNK_CONV_DEPTHWISE) {                          // unit = (n, 8 channels), panels = bands
            const int64_t blocks = nnk_div_up(p->C_out, 8), n = unit / blocks, c0 = unit % blocks * 8;
            const nnk_epi e = nnk_epi_make(ep, 0, 0, n * p->C_out * OHW, OHW);
            for (int64_t band = sp; band < sp + run; band++)
                kt->dwconv2d_c8(p, input + n * p->C_in * HW, packed_weights + c0 * p->KH * p->KW,
                                output + n * p->C_out * OHW, &e, c0, NNK_MIN(8, p->C_out - c0), band * bh,
                                NNK_MIN(p->OH, (band + 1) * bh), nnk_align64(workspace));
        } else if (kind == NNK_CONV_WINOGRAD) {                    // unit = tile block of the batch
            const int64_t pm = nnk_div_up(p->C_out, NNK_MR);
            const nnk_epi e = nnk_epi_make(ep, 0, 0, 0, OHW);
            nnk_winograd_block(kt, p, input, packed_weights, output, &e, unit,
                               NNK_MIN(p->C_out, pm * mp / s.mparts * NNK_MR),
                               NNK_MIN(p->C_out, pm * (mp + 1) / s.mparts * NNK_MR),
                               shared ? nnk_conv2d_shared_v(p, shared, unit) : NULL, workspace);
        } else {                                                   // unit = (n, group)
            const nnk_conv_gemm g = nnk_conv_gemm_of(p);
            const int64_t n = unit / p->groups, grp = unit % p->groups;
            const int64_t cin_g = p->C_in / p->groups, cout_g = p->C_out / p->groups;
            const float *in = input + (n * p->C_in + grp * cin_g) * HW;
            const float *wg = packed_weights + grp * g.panels_floats;
            const int64_t out_off = (n * p->C_out + grp * cout_g) * OHW;
            nnk_gemm_a a = {.packed = wg};
            nnk_gemm_b b = {.kind = NNK_B_IM2COL, .ptr = in, .conv = p};
            if (kind == NNK_CONV_POINTWISE) {
                b.kind = NNK_B_STRIDED; b.rs = HW; b.cs = 1;
            } else if (kind == NNK_CONV_PIXEL_MAJOR) {
                a = (nnk_gemm_a){.ptr = in, .conv = p};
                b = (nnk_gemm_b){.kind = NNK_B_PACKED, .ptr = wg};
            }
            const nnk_epi e = nnk_epi_make(ep, 0, grp * cout_g, out_off, OHW);
            const int64_t pm = nnk_div_up(g.M, NNK_MR);
            const int64_t m0 = NNK_MIN(g.M, pm * mp / s.mparts * NNK_MR);
            const int64_t m1 = NNK_MIN(g.M, pm * (mp + 1) / s.mparts * NNK_MR);
            nnk_gemm_block(kt, g.M, g.N, g.K, 1.0f, &a, &b, output + out_off, OHW, kind == NNK_CONV_PIXEL_MAJOR,
                           &e, m0, m1, sp * NNK_NR, NNK_MIN(g.N, (sp + run) * NNK_NR), workspace);
        }
        idx += run;
    }
}
