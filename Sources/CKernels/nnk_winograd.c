// nnk_winograd.c — 3x3 stride-1 convolution by Winograd's minimal filtering F(4x4, 3x3).
//
// Each 4x4 output tile comes from a 6x6 input patch d: Y = A^T [ (G g G^T) .* (B^T d B) ] A, with the
// interpolation points 0, 1, -1, 2, -2 and infinity (derived from the Toom-Cook construction):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// Summed over input channels, the 36 element-wise products become 36 GEMMs (one per transform point
// xi): M_xi (C_out x tiles) = U_xi (C_out x C_in) * V_xi (C_in x tiles). That is 36 multiplies per
// 16 outputs and input channel instead of 144: 4x fewer, at the price of reassociated sums (the
// error is measured against the direct kernel in WinogradTests).
// U (the weight transform, in double) is packed once as MR-row panels per xi. Tiles are numbered
// over the whole batch (image, tile row, tile column), and a run works on blocks of `block` of them
// (a block may span images, so small images such as 7x7 fill whole panels at batch 8): the input transform writes V straight into NR-column panels, the
// shared GEMM driver computes M for rows [m0, m1) of each xi, and the output transform writes the
// tiles and applies the epilogue. Blocks depend on p only, so no task split changes a bit.
#include <string.h>
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"
#endif

#define NNK_WG_XI 36
/// Floats of V and M one block aims to stay within (768 KiB: L2).
#define NNK_WG_BLOCK_BUDGET 196608

int nnk_winograd_applies(const nnk_conv2d_params *p) {
    if (p->no_winograd || p->KH != 3 || p->KW != 3 || p->stride_h != 1 || p->stride_w != 1 || p->dil_h != 1 ||
        p->dil_w != 1 || p->groups != 1 || p->C_in < 16 || p->C_out < 16 || p->OH < 7 || p->OW < 7)
        return 0;
    // Large images always; small ones (7x7, 8x8: 4 tiles each) only when the batch gives at least two
    // full panels of tiles, since U is 4x the size of the direct weights and is streamed once per block.
    return (p->OH >= 10 && p->OW >= 10) || p->N * nnk_div_up(p->OH, 4) * nnk_div_up(p->OW, 4) >= 2 * NNK_NR;
}

nnk_wg_geom nnk_winograd_geom(const nnk_conv2d_params *p) {
    nnk_wg_geom g;
    g.tiles_h = nnk_div_up(p->OH, 4);
    g.tiles_w = nnk_div_up(p->OW, 4);
    g.image_tiles = g.tiles_h * g.tiles_w;
    g.tiles = p->N * g.image_tiles;
    // At least 2 panels per block (U is streamed once per block), more while V and M fit the budget.
    const int64_t fit = NNK_WG_BLOCK_BUDGET / (NNK_WG_XI * (p->C_in + p->C_out)) / NNK_NR * NNK_NR;
    g.block = NNK_MIN(NNK_MAX(fit, 2 * NNK_NR), NNK_MIN(4 * NNK_NR, nnk_round_up(g.tiles, NNK_NR)));
    g.blocks = nnk_div_up(g.tiles, g.block);
    g.u_floats = nnk_round_up(p->C_out, NNK_MR) * p->C_in;
    return g;
}

int64_t nnk_winograd_v_floats(const nnk_conv2d_params *p) {
    return NNK_WG_XI * p->C_in * nnk_winograd_geom(p).block;
}

int64_t nnk_winograd_workspace_floats(const nnk_conv2d_params *p) {
    const nnk_wg_geom g = nnk_winograd_geom(p);
    return NNK_WG_XI * (p->C_in + p->C_out) * g.block + nnk_gemm_workspace_floats(p->C_out, g.block, p->C_in) +
           NNK_WS_SLACK;
}

/// u = G g for NNK_MR 3-tap filter rows at once (g[k][l] is tap k of row l), with the formulas
/// u0 = g0/4, u1 = -(g0+g1+g2)/6, u2 = -(g0-g1+g2)/6, u3 = g0/24 + g1/12 + g2/6, u4 = g0/24 - g1/12 + g2/6,
/// u5 = g2. Dividing by 4 or 2 is exact (the values come from floats, far from double's subnormals), so
/// g/4 == g*0.25, g/24 == (g/6)*0.25 and g/12 == (g/6)*0.5: five divisions per row instead of nine, with
/// the same results bit for bit; the rows are independent, so the loop vectorizes.
static void nnk_wg_filter_lanes(const double g[3][NNK_MR], double u[6][NNK_MR]) {
    for (int l = 0; l < NNK_MR; l++) {
        const double a = g[0][l], b = g[1][l], c = g[2][l];
        const double a6 = a / 6, b6 = b / 6, c6 = c / 6;
        u[0][l] = a * 0.25;
        u[1][l] = -(a + b + c) / 6;
        u[2][l] = -(a - b + c) / 6;
        u[3][l] = a6 * 0.25 + b6 * 0.5 + c6;
        u[4][l] = a6 * 0.25 - b6 * 0.5 + c6;
        u[5][l] = c;
    }
}

void nnk_winograd_pack_weights(const nnk_conv2d_params *p, const float *w, const float *scale, float *packed) {
    const nnk_wg_geom geo = nnk_winograd_geom(p);
    const int64_t cin = p->C_in, cout = p->C_out;
    // U_xi is packed as MR-row panels (C_out rows, C_in deep): element (m, c) of U_xi is at
    // xi * u_floats + (m / MR) * cin * MR + c * MR + m % MR; rows past C_out in the last panel are 0.
    // One panel's MR output channels are transformed together, so each (xi, c) store is MR floats.
    for (int64_t m0 = 0; m0 < cout; m0 += NNK_MR) { // w is (C_out, C_in, 3, 3)
        const int64_t rows = NNK_MIN(NNK_MR, cout - m0);
        float *panel = packed + m0 * cin;
        for (int64_t c = 0; c < cin; c++) {
            double g[3][3][NNK_MR];             // g[kw][kh][l]: the (scaled) filter, each product rounded to float
            for (int l = 0; l < NNK_MR; l++) {
                const int64_t m = m0 + NNK_MIN(l, rows - 1);
                const float *w9 = w + (m * cin + c) * 9;
                for (int k = 0; k < 9; k++) g[k % 3][k / 3][l] = scale ? w9[k] * scale[m] : w9[k];
            }
            double t[3][6][NNK_MR];             // t = G g (along kh), per kw column
            for (int kw = 0; kw < 3; kw++) nnk_wg_filter_lanes(g[kw], t[kw]);
            for (int i = 0; i < 6; i++) {       // u = t G^T (along kw), row i
                double row[3][NNK_MR], u[6][NNK_MR];
                for (int kw = 0; kw < 3; kw++)
                    for (int l = 0; l < NNK_MR; l++) row[kw][l] = t[kw][i][l];
                nnk_wg_filter_lanes(row, u);
                for (int j = 0; j < 6; j++) {
                    float f[NNK_MR];
                    for (int l = 0; l < NNK_MR; l++) f[l] = (float)u[j][l];
                    for (int64_t l = rows; l < NNK_MR; l++) f[l] = 0.0f;
                    memcpy(panel + (i * 6 + j) * geo.u_floats + c * NNK_MR, f, sizeof f);
                }
            }
        }
    }
}

// The 1-D transforms, written once over element operations so that the float reference and the AVX2
// version compute the same formulas. y = B^T x (6 -> 6) and y = A^T x (6 -> 4).
#define NNK_WG_BT(T, ADD, SUB, SCALE, x, y)                                \
    do {                                                                   \
        const T a_ = SUB(x[4], x[2]), b_ = SUB(x[1], x[3]);                \
        y[0] = ADD(SUB(SCALE(4.0f, x[0]), SCALE(5.0f, x[2])), x[4]);       \
        y[1] = SUB(ADD(x[3], x[4]), SCALE(4.0f, ADD(x[1], x[2])));         \
        y[2] = ADD(SUB(x[4], x[3]), SCALE(4.0f, SUB(x[1], x[2])));         \
        y[3] = SUB(a_, SCALE(2.0f, b_));                                   \
        y[4] = ADD(a_, SCALE(2.0f, b_));                                   \
        y[5] = ADD(SUB(SCALE(4.0f, x[1]), SCALE(5.0f, x[3])), x[5]);       \
    } while (0)
#define NNK_WG_AT(T, ADD, SUB, SCALE, x, y)                                \
    do {                                                                   \
        const T s12_ = ADD(x[1], x[2]), d12_ = SUB(x[1], x[2]);            \
        const T s34_ = ADD(x[3], x[4]), d34_ = SUB(x[3], x[4]);            \
        y[0] = ADD(ADD(x[0], s12_), s34_);                                 \
        y[1] = ADD(d12_, SCALE(2.0f, d34_));                               \
        y[2] = ADD(s12_, SCALE(4.0f, s34_));                               \
        y[3] = ADD(ADD(d12_, SCALE(8.0f, d34_)), x[5]);                    \
    } while (0)
#define NNK_F_ADD(a, b) ((a) + (b))
#define NNK_F_SUB(a, b) ((a) - (b))
#define NNK_F_SCALE(k, a) ((k) * (a))

/// Where tile u of the block lands in V: V_xi is (C_in x block) packed as NR-column panels.
static inline int64_t nnk_wg_v_index(int64_t cin, int64_t block, int64_t xi, int64_t ci, int64_t u) {
    return xi * cin * block + (u / NNK_NR) * cin * NNK_NR + ci * NNK_NR + u % NNK_NR;
}

void nnk_winograd_input__ref(const nnk_conv2d_params *p, const float *in, int64_t t0, int64_t nb, int64_t block,
                             int64_t c0, int64_t c1, float *V) {
    const nnk_wg_geom g = nnk_winograd_geom(p);
    const int64_t HW = p->H * p->W;
    for (int64_t u = 0; u < nnk_round_up(nb, NNK_NR); u++) {   // tiles past nb are zero columns
        const int64_t t = t0 + u, n = t / g.image_tiles, ti = t % g.image_tiles;
        const int64_t ih0 = ti / g.tiles_w * 4 - p->pad_top, iw0 = ti % g.tiles_w * 4 - p->pad_left;
        for (int64_t ci = c0; ci < c1; ci++) {      // in is (N, C_in, H, W)
            float d[6][6], e[6][6], col[6], v[6];
            for (int r = 0; r < 6; r++)
                for (int c = 0; c < 6; c++) {
                    const int64_t ih = ih0 + r, iw = iw0 + c;
                    d[r][c] = u < nb && ih >= 0 && ih < p->H && iw >= 0 && iw < p->W
                                  ? in[(n * p->C_in + ci) * HW + ih * p->W + iw] : 0.0f;
                }
            for (int r = 0; r < 6; r++) NNK_WG_BT(float, NNK_F_ADD, NNK_F_SUB, NNK_F_SCALE, d[r], e[r]);   // d B
            for (int l = 0; l < 6; l++) {       // B^T (d B), column by column
                for (int k = 0; k < 6; k++) col[k] = e[k][l];
                NNK_WG_BT(float, NNK_F_ADD, NNK_F_SUB, NNK_F_SCALE, col, v);
                for (int k = 0; k < 6; k++) V[nnk_wg_v_index(p->C_in, block, k * 6 + l, ci, u)] = v[k];
            }
        }
    }
}

void nnk_winograd_output__ref(const nnk_conv2d_params *p, const float *M, int64_t block, int64_t t0, int64_t nb,
                              int64_t m0, int64_t m1, float *out, const nnk_epi *e) {
    const nnk_wg_geom g = nnk_winograd_geom(p);
    const int64_t OHW = p->OH * p->OW, xs = p->C_out * block;   // M_xi is (C_out, block): element (xi, m, u)
    for (int64_t m = m0; m < m1; m++) {
        for (int64_t u = 0; u < nb; u++) {
            const int64_t t = t0 + u, n = t / g.image_tiles, ti = t % g.image_tiles;
            const int64_t oh0 = ti / g.tiles_w * 4, ow0 = ti % g.tiles_w * 4;
            float z[6][4], col[6], y[4][4];
            for (int k = 0; k < 6; k++) {       // M A, row by row
                float x[6];
                for (int l = 0; l < 6; l++) x[l] = M[(k * 6 + l) * xs + m * block + u];
                NNK_WG_AT(float, NNK_F_ADD, NNK_F_SUB, NNK_F_SCALE, x, z[k]);
            }
            for (int j = 0; j < 4; j++) {       // A^T (M A), column by column
                float yj[4];
                for (int k = 0; k < 6; k++) col[k] = z[k][j];
                NNK_WG_AT(float, NNK_F_ADD, NNK_F_SUB, NNK_F_SCALE, col, yj);
                for (int i = 0; i < 4; i++) y[i][j] = yj[i];
            }
            for (int64_t i = 0; i < 4 && oh0 + i < p->OH; i++)   // out is (N, C_out, OH, OW)
                for (int64_t j = 0; j < 4 && ow0 + j < p->OW; j++) {
                    const int64_t s = n * p->C_out * OHW + (oh0 + i) * p->OW + ow0 + j;   // (m, s) -> m*OHW + s
                    out[m * OHW + s] = e->active ? nnk_epi_scalar(e, y[i][j], m, s) : y[i][j];
                }
        }
    }
}

void nnk_winograd_block(const nnk_kernels *kt, const nnk_conv2d_params *p, const float *in, const float *U,
                        float *out, const nnk_epi *e, int64_t blk, int64_t m0, int64_t m1, const float *V, float *ws) {
    const nnk_wg_geom g = nnk_winograd_geom(p);
    const int64_t t0 = blk * g.block, nb = NNK_MIN(g.block, g.tiles - t0);
    float *own = nnk_align64(ws), *M = own + NNK_WG_XI * p->C_in * g.block, *gws = M + NNK_WG_XI * p->C_out * g.block;
    if (!V) {
        kt->winograd_input(p, in, t0, nb, g.block, 0, p->C_in, own);
        V = own;
    }
    const nnk_epi none = {0};
    for (int64_t xi = 0; xi < NNK_WG_XI; xi++) {   // M_xi[m0:m1, 0:nb] = U_xi * V_xi
        const nnk_gemm_a a = {.packed = U + xi * g.u_floats};
        const nnk_gemm_b b = {.kind = NNK_B_PACKED, .ptr = V + xi * p->C_in * g.block};
        nnk_gemm_block(kt, p->C_out, nb, p->C_in, 1.0f, &a, &b, M + xi * p->C_out * g.block, g.block, 0, &none,
                       m0, m1, 0, nb, gws);
    }
    kt->winograd_output(p, M, g.block, t0, nb, m0, m1, out, e);
}

#if NNK_HAVE_AVX2
#define NNK_V_ADD(a, b) _mm256_add_ps(a, b)
#define NNK_V_SUB(a, b) _mm256_sub_ps(a, b)
#define NNK_V_SCALE(k, a) _mm256_mul_ps(_mm256_set1_ps(k), a)

/// 8 tiles per vector (lane l = tile q + l of the block): each patch row is a masked load (columns and
/// rows outside the image read as 0), 8 rows are transposed into 6 column vectors, then both passes.
NNK_TARGET_AVX2
void nnk_winograd_input__avx2_fma(const nnk_conv2d_params *p, const float *in, int64_t t0, int64_t nb,
                                  int64_t block, int64_t c0, int64_t c1, float *V) {
    const nnk_wg_geom g = nnk_winograd_geom(p);
    const int64_t HW = p->H * p->W, W = p->W, cin = p->C_in;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int64_t q = 0; q < nnk_round_up(nb, NNK_NR); q += 8) {
        int64_t base[8];
        __m256i cmask[8];
        int rows[8];                            // bit r: patch row r lies inside the image
        int full[8];                            // the 8 floats from the patch's first column lie in the row
        for (int l = 0; l < 8; l++) {
            const int64_t u = q + l, t = t0 + u, n = t / g.image_tiles, ti = t % g.image_tiles;
            const int64_t ih0 = ti / g.tiles_w * 4 - p->pad_top, iw0 = ti % g.tiles_w * 4 - p->pad_left;
            const int64_t lo = NNK_MAX(0, -iw0), hi = NNK_MIN(6, W - iw0);
            base[l] = n * cin * HW + ih0 * W + iw0;
            full[l] = iw0 >= 0 && iw0 + 8 <= W;
            cmask[l] = _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), lane),
                                        _mm256_cmpgt_epi32(lane, _mm256_set1_epi32((int)lo - 1)));
            rows[l] = 0;
            for (int r = 0; r < 6 && u < nb; r++) rows[l] |= (ih0 + r >= 0 && ih0 + r < p->H) << r;
        }
        for (int64_t ci = c0; ci < c1; ci++) {  // in is (N, C_in, H, W); base[l] includes the image
            const float *plane = in + ci * HW;
            __m256 e[6][6], x[8], col[6], v[6];
            for (int r = 0; r < 6; r++) {
                for (int l = 0; l < 8; l++)
                    x[l] = !(rows[l] >> r & 1) ? _mm256_setzero_ps()
                           : full[l] ? _mm256_loadu_ps(plane + base[l] + r * W)
                                     : _mm256_maskload_ps(plane + base[l] + r * W, cmask[l]);
                nnk_transpose8x8(x);            // x[c] = patch column c of row r, lanes = tiles
                NNK_WG_BT(__m256, NNK_V_ADD, NNK_V_SUB, NNK_V_SCALE, x, e[r]);
            }
            for (int l = 0; l < 6; l++) {
                for (int k = 0; k < 6; k++) col[k] = e[k][l];
                NNK_WG_BT(__m256, NNK_V_ADD, NNK_V_SUB, NNK_V_SCALE, col, v);
                for (int k = 0; k < 6; k++) _mm256_storeu_ps(V + nnk_wg_v_index(cin, block, k * 6 + l, ci, q), v[k]);
            }
        }
    }
}

/// The epilogue of one 4-column tile row in each 128-bit half (channel m for both); res_lo/res_hi
/// point at the residual of each half (NULL: that half is not stored), n_lo/n_hi and the masks
/// select its columns.
static inline NNK_TARGET_AVX2 __m128 nnk_wg_load4(const float *x, int n, __m128i mask) {
    return !x ? _mm_setzero_ps() : n == 4 ? _mm_loadu_ps(x) : _mm_maskload_ps(x, mask);
}

static inline NNK_TARGET_AVX2 __m256 nnk_wg_epi(const nnk_epi *e, __m256 y, int64_t m, const float *res_lo,
                                                const float *res_hi, int n_lo, int n_hi, __m128i mask_lo,
                                                __m128i mask_hi) {
    if (e->bias) y = _mm256_add_ps(y, _mm256_set1_ps(e->bias[m]));
    if (e->residual) {
        const __m128 lo = nnk_wg_load4(res_lo, n_lo, mask_lo), hi = nnk_wg_load4(res_hi, n_hi, mask_hi);
        y = _mm256_add_ps(y, _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1));
    }
    y = nnk_v_act(e->act, y, _mm256_set1_ps(e->alpha), _mm256_set1_ps(e->beta));
    if (e->scale) y = _mm256_mul_ps(y, _mm256_set1_ps(e->scale[m]));
    if (e->shift) y = _mm256_add_ps(y, _mm256_set1_ps(e->shift[m]));
    return y;
}

/// 8 tiles per vector: 36 loads, both passes, then per output row a 4x8 transpose that leaves tiles
/// k and k+4 in the halves of one vector, which gets the epilogue and two (partial) 4-float stores.
NNK_TARGET_AVX2
void nnk_winograd_output__avx2_fma(const nnk_conv2d_params *p, const float *M, int64_t block, int64_t t0, int64_t nb,
                                   int64_t m0, int64_t m1, float *out, const nnk_epi *e) {
    const nnk_wg_geom g = nnk_winograd_geom(p);
    const int64_t OW = p->OW, OHW = p->OH * OW, xs = p->C_out * block;
    const __m128i lane4 = _mm_setr_epi32(0, 1, 2, 3);
    for (int64_t q = 0; q < nb; q += 8) {
        int64_t at[8];                          // output offset of the tile's top-left element
        int nrows[8];                           // output rows of the tile inside the image (0: no tile)
        int ncols[8];                           // output columns of the tile inside the image (1..4)
        __m128i smask[8];
        for (int l = 0; l < 8; l++) {
            const int64_t t = t0 + q + l, n = t / g.image_tiles, ti = t % g.image_tiles;
            const int64_t oh0 = ti / g.tiles_w * 4, ow0 = ti % g.tiles_w * 4;
            at[l] = n * p->C_out * OHW + oh0 * OW + ow0;
            nrows[l] = q + l < nb ? (int)NNK_MIN(4, p->OH - oh0) : 0;
            ncols[l] = (int)NNK_MIN(4, OW - ow0);
            smask[l] = _mm_cmpgt_epi32(_mm_set1_epi32(ncols[l]), lane4);
        }
        for (int64_t m = m0; m < m1; m++) {
            const float *mp = M + m * block + q;
            __m256 z[6][4], x[6], y[4][4];
            for (int k = 0; k < 6; k++) {
                for (int l = 0; l < 6; l++) x[l] = _mm256_loadu_ps(mp + (k * 6 + l) * xs);
                NNK_WG_AT(__m256, NNK_V_ADD, NNK_V_SUB, NNK_V_SCALE, x, z[k]);
            }
            for (int j = 0; j < 4; j++) {
                __m256 yj[4];
                for (int k = 0; k < 6; k++) x[k] = z[k][j];
                NNK_WG_AT(__m256, NNK_V_ADD, NNK_V_SUB, NNK_V_SCALE, x, yj);
                for (int i = 0; i < 4; i++) y[i][j] = yj[i];
            }
            float *om = out + m * OHW;
            const float *rm = e->residual ? e->residual + m * e->res_ld : NULL;
            for (int i = 0; i < 4; i++) {       // y[i][j], lanes = tiles -> 4 columns of tiles k | k+4
                const __m256 a0 = _mm256_unpacklo_ps(y[i][0], y[i][1]), a1 = _mm256_unpackhi_ps(y[i][0], y[i][1]);
                const __m256 b0 = _mm256_unpacklo_ps(y[i][2], y[i][3]), b1 = _mm256_unpackhi_ps(y[i][2], y[i][3]);
                __m256 r[4];
                r[0] = _mm256_shuffle_ps(a0, b0, _MM_SHUFFLE(1, 0, 1, 0));
                r[1] = _mm256_shuffle_ps(a0, b0, _MM_SHUFFLE(3, 2, 3, 2));
                r[2] = _mm256_shuffle_ps(a1, b1, _MM_SHUFFLE(1, 0, 1, 0));
                r[3] = _mm256_shuffle_ps(a1, b1, _MM_SHUFFLE(3, 2, 3, 2));
                for (int k = 0; k < 4; k++) {
                    const int lo_ok = i < nrows[k], hi_ok = i < nrows[k + 4];
                    const int64_t off_lo = at[k] + i * OW, off_hi = at[k + 4] + i * OW;
                    __m256 v = r[k];
                    if (e->active)
                        v = nnk_wg_epi(e, v, m, rm && lo_ok ? rm + off_lo : NULL, rm && hi_ok ? rm + off_hi : NULL,
                                       ncols[k], ncols[k + 4], smask[k], smask[k + 4]);
                    // plain (partial) stores: masked ones are slow microcode on AMD CPUs
                    if (lo_ok) nnk_v_store_first(om + off_lo, v, ncols[k]);
                    if (hi_ok) nnk_v_store_first(om + off_hi, _mm256_permute2f128_ps(v, v, 1), ncols[k + 4]);
                }
            }
        }
    }
}
#endif
