// nnk_gemm_driver.c — the cache-blocked GEMM loop nest shared by nnk_sgemm and nnk_conv2d.
//
// for jc (NC columns of B):            B block kc x nc packed (or pre-packed) -> L2
//   for pc (kc = K split evenly, <= KC): the K split depends on K only, so results never depend on tasks
//     for ic (MC rows of A):           A block mc x kc packed (or pre-packed) -> L2
//       for jr (NR columns):           B micro-panel kc x 16 stays in L1 across the ir loop
//         for ir (MR rows):            6x16 micro-kernel; on the last pc the epilogue runs on the tile
// C may also be stored transposed (for convolutions computed pixel-major, see nnk_conv2d.c): the tile
// then goes through the scratch tile and kt->tile_store (as do partial tiles at the edges).
#include "nnk_internal.h"
#if NNK_HAVE_AVX2
#include "nnk_avx2_math.h"
#endif

void nnk_tile_store__ref(const float *tile, float *c, int64_t ldc, int64_t mr, int64_t nr, int accumulate,
                         int transposed) {
    for (int64_t i = 0; i < mr; i++)            // tile is (MR, NR) row-major; C gets (mr, nr) or (nr, mr)
        for (int64_t j = 0; j < nr; j++) {
            float *d = transposed ? c + j * ldc + i : c + i * ldc + j;
            const float v = tile[i * NNK_NR + j];
            *d = accumulate ? *d + v : v;
        }
}

#if NNK_HAVE_AVX2
/// Transposed: each half of the tile (6 rows x 8 columns, 2 zero rows added) is transposed in
/// registers, then column j is one masked store (and load, when accumulating) of mr floats.
NNK_TARGET_AVX2
void nnk_tile_store__avx2_fma(const float *tile, float *c, int64_t ldc, int64_t mr, int64_t nr, int accumulate,
                              int transposed) {
    if (!transposed) {
        const __m256i m0 = nnk_v_tail_mask(NNK_MIN(nr, 8)), m1 = nnk_v_tail_mask(nr - 8);
        for (int64_t i = 0; i < mr; i++) {
            float *d = c + i * ldc;
            __m256 a = _mm256_loadu_ps(tile + i * NNK_NR), b = _mm256_loadu_ps(tile + i * NNK_NR + 8);
            if (accumulate) {
                a = _mm256_add_ps(a, _mm256_maskload_ps(d, m0));
                if (nr > 8) b = _mm256_add_ps(b, _mm256_maskload_ps(d + 8, m1));
            }
            if (nr >= 8) {                      // plain stores: masked ones are slow on some CPUs
                _mm256_storeu_ps(d, a);
                if (nr > 8) nnk_v_store_first(d + 8, b, nr - 8);
            } else {
                nnk_v_store_first(d, a, nr);
            }
        }
        return;
    }
    const __m256i rows = nnk_v_tail_mask(mr);
    for (int h = 0; h < 2 && 8 * h < nr; h++) {
        __m256 r[8];
        for (int i = 0; i < 8; i++) r[i] = i < NNK_MR ? _mm256_loadu_ps(tile + i * NNK_NR + 8 * h) : _mm256_setzero_ps();
        nnk_transpose8x8(r);                    // r[j] = column 8h + j, lanes = tile rows
        for (int64_t j = 0; j < 8 && 8 * h + j < nr; j++) {
            float *d = c + (8 * h + j) * ldc;
            const __m256 v = accumulate ? _mm256_add_ps(r[j], _mm256_maskload_ps(d, rows)) : r[j];
            nnk_v_store_first(d, v, mr);                            // plain stores: masked ones are slow
        }
    }
}
#endif

void nnk_tile_store_epi__ref(const float *tile, float *c, int64_t ldc, int64_t mr, int64_t nr, int accumulate,
                             int transposed, const nnk_epi *e, int64_t m0, int64_t n0) {
    nnk_tile_store__ref(tile, c, ldc, mr, nr, accumulate, transposed);
    if (e) nnk_epilogue_tile__ref(e, c, ldc, m0, n0, transposed ? nr : mr, transposed ? mr : nr);
}

#if NNK_HAVE_AVX2
/// The transposed store with the epilogue applied to each transposed column (one output channel's
/// run of pixels) in registers; the same operations in the same order as storing, then
/// nnk_epilogue_tile.
static inline NNK_TARGET_AVX2 __attribute__((always_inline)) void
nnk_tile_store_t_epi(const float *tile, float *c, int64_t ldc, int64_t mr, int64_t nr, int accumulate,
                     const nnk_epi *e, int64_t m0, int64_t n0, const int ACT) {
    const __m256i rows = nnk_v_tail_mask(mr);
    const __m256 lo = _mm256_set1_ps(e->alpha), hi = _mm256_set1_ps(e->beta);
    for (int h = 0; h < 2 && 8 * h < nr; h++) {
        __m256 r[8];
        for (int i = 0; i < 8; i++) r[i] = i < NNK_MR ? _mm256_loadu_ps(tile + i * NNK_NR + 8 * h) : _mm256_setzero_ps();
        nnk_transpose8x8(r);                    // r[j] = column 8h + j (channel m0 + 8h + j), lanes = pixels
        for (int64_t j = 0; j < 8 && 8 * h + j < nr; j++) {
            const int64_t m = m0 + 8 * h + j;
            float *d = c + (8 * h + j) * ldc;
            __m256 v = accumulate ? _mm256_add_ps(r[j], _mm256_maskload_ps(d, rows)) : r[j];
            if (e->bias) v = _mm256_add_ps(v, _mm256_set1_ps(e->bias[m]));
            if (e->residual) v = _mm256_add_ps(v, _mm256_maskload_ps(e->residual + m * e->res_ld + n0, rows));
            v = nnk_v_act(ACT, v, lo, hi);
            if (e->scale) v = _mm256_mul_ps(v, _mm256_set1_ps(e->scale[m]));
            if (e->shift) v = _mm256_add_ps(v, _mm256_set1_ps(e->shift[m]));
            nnk_v_store_first(d, v, mr);                            // plain stores: masked ones are slow
        }
    }
}

NNK_TARGET_AVX2
void nnk_tile_store_epi__avx2_fma(const float *tile, float *c, int64_t ldc, int64_t mr, int64_t nr, int accumulate,
                                  int transposed, const nnk_epi *e, int64_t m0, int64_t n0) {
    if (!transposed || !e || !nnk_epi_fusable(e)) {
        nnk_tile_store__avx2_fma(tile, c, ldc, mr, nr, accumulate, transposed);
        if (e) nnk_epilogue_tile__avx2_fma(e, c, ldc, m0, n0, transposed ? nr : mr, transposed ? mr : nr);
        return;
    }
    const nnk_epi local = *e;
    switch (local.act) {
    case NNK_ACT_RELU: nnk_tile_store_t_epi(tile, c, ldc, mr, nr, accumulate, &local, m0, n0, NNK_ACT_RELU); break;
    case NNK_ACT_CLIP: nnk_tile_store_t_epi(tile, c, ldc, mr, nr, accumulate, &local, m0, n0, NNK_ACT_CLIP); break;
    default: nnk_tile_store_t_epi(tile, c, ldc, mr, nr, accumulate, &local, m0, n0, NNK_ACT_NONE); break;
    }
}
#endif

/// Workspace layout: [A block][B block][scratch tile], each 64-byte aligned.
typedef struct nnk_gemm_ws {
    float *a, *b, *tile;
} nnk_gemm_ws;

static int64_t nnk_ws_a_floats(int64_t M, int64_t K) {
    // M <= MC: room for A over all of K (the pixel-major path below packs it once)
    return nnk_round_up(NNK_MIN(M, NNK_MC), NNK_MR) * (M <= NNK_MC ? K : nnk_gemm_kc(K));
}
static int64_t nnk_ws_b_floats(int64_t N, int64_t K) {
    // + NR: the AVX2 im2col packer may write one 16-float run past the block
    return nnk_round_up(nnk_round_up(NNK_MIN(N, NNK_NC), NNK_NR) * nnk_gemm_kc(K), 16) + NNK_NR;
}

int64_t nnk_gemm_workspace_floats(int64_t M, int64_t N, int64_t K) {
    // scratch tiles: one per MR rows of an A block, two with the two-panel micro-kernel (the
    // pixel-major path keeps them all across K blocks)
    return nnk_round_up(nnk_ws_a_floats(M, K), 16) + nnk_ws_b_floats(N, K) +
           2 * nnk_round_up(NNK_MIN(M, NNK_MC), NNK_MR) * NNK_NR + NNK_WS_SLACK;
}

static nnk_gemm_ws nnk_gemm_ws_split(float *ws, int64_t M, int64_t N, int64_t K) {
    nnk_gemm_ws w;
    w.a = nnk_align64(ws);
    w.b = w.a + nnk_round_up(nnk_ws_a_floats(M, K), 16);
    w.tile = w.b + nnk_ws_b_floats(N, K);
    return w;
}

/// Points at (or packs) the B block [pc, pc+kc) x [jc, jc+nc); returns the stride between micro-panels.
static const float *nnk_gemm_b_block(const nnk_kernels *kt, const nnk_gemm_b *b, int64_t K, int64_t pc, int64_t kc, int64_t jc,
                                     int64_t nc, float *ws, int64_t *panel_stride) {
    switch (b->kind) {
    case NNK_B_PACKED:
        *panel_stride = K * NNK_NR;
        return b->ptr + (jc / NNK_NR) * K * NNK_NR + pc * NNK_NR;
    case NNK_B_STRIDED:
        nnk_pack_b_strided(kc, nc, b->ptr + pc * b->rs + jc * b->cs, b->rs, b->cs, ws);
        break;
    case NNK_B_IM2COL:
        kt->im2col_pack(b->conv, b->ptr, pc, kc, jc, nc, ws);
        break;
    }
    *panel_stride = kc * NNK_NR;
    return ws;
}

void nnk_gemm_block(const nnk_kernels *kt, int64_t M, int64_t N, int64_t K, float alpha,
                    const nnk_gemm_a *a, const nnk_gemm_b *b, float *C, int64_t ldc, int c_transposed,
                    const nnk_epi *e, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float *workspace) {
    if (m0 >= m1 || n0 >= n1) return;
    const nnk_gemm_ws ws = nnk_gemm_ws_split(workspace, M, N, K);
    const int64_t kc_max = nnk_gemm_kc(K);
    const int64_t k_blocks = K == 0 ? 1 : nnk_div_up(K, kc_max);
    if (c_transposed && a->conv && b->kind == NNK_B_PACKED && m1 - m0 <= NNK_MC) {
        // Pixel-major convolution: A is packed for all of K once, and each tile sums its K blocks in its
        // own scratch tile (the same additions in the same order as adding them into C) before one
        // transposed store, instead of a transposed read-add-store per K block. Where the table has
        // the two-panel micro-kernel, 32 channels go together: each A element feeds two panels.
        const int64_t mc = m1 - m0, mcp = nnk_round_up(mc, NNK_MR);
        float *tile2 = ws.tile + mcp * NNK_NR;           // the second panel's scratch tiles
        for (int64_t kb = 0; kb < k_blocks; kb++) {   // block kb of A at ws.a + mcp * pc
            const int64_t pc = kb * kc_max;
            nnk_pack_a_im2col(a->conv, a->ptr, m0, mc, pc, NNK_MIN(kc_max, K - pc), ws.a + mcp * pc);
        }
        for (int64_t jr = n0; jr < n1;) {
            const int64_t nr = NNK_MIN(NNK_NR, n1 - jr), nr2 = NNK_MIN(NNK_NR, n1 - jr - nr);
            const int two = nr2 > 0 && kt->sgemm_ukernel_rows_x2;
            const float *bj = b->ptr + (jr / NNK_NR) * K * NNK_NR;
            // The next group's B (weights: from memory in a network whose weights outgrow L3) is prefetched
            // into L2, a share before each of this group's micro-kernel calls: the hardware prefetchers
            // alone leave the first row tile waiting. A panel is K 64-byte lines.
            const int64_t next = jr + (two ? NNK_NR + nr2 : nr);
            const char *pf = (const char *)(b->ptr + (next / NNK_NR) * K * NNK_NR);
            const int64_t pf_lines = next < n1 ? K * (n1 - next > NNK_NR && kt->sgemm_ukernel_rows_x2 ? 2 : 1) : 0;
            const int64_t calls = k_blocks * nnk_div_up(mc, NNK_MR), per_call = nnk_div_up(pf_lines, calls);
            int64_t pf_at = 0;
            for (int64_t kb = 0; kb < k_blocks; kb++) {     // B's kc x 16 (or 32) block stays in L1 across the tiles
                const int64_t pc = kb * kc_max, kc = NNK_MIN(kc_max, K - pc);
                for (int64_t ir = 0; ir < mc; ir += NNK_MR) {   // a ragged last tile computes only its rows
                    const int64_t mr = NNK_MIN(NNK_MR, mc - ir);
                    const float *ai = ws.a + mcp * pc + (ir / NNK_MR) * kc * NNK_MR;
                    for (int64_t q = 0; q < per_call && pf_at < pf_lines; q++, pf_at++)
                        __builtin_prefetch(pf + pf_at * 64, 0, 2);
                    if (two)
                        kt->sgemm_ukernel_rows_x2(mr, kc, ai, bj + pc * NNK_NR, bj + K * NNK_NR + pc * NNK_NR, NNK_NR,
                                                  ws.tile + ir * NNK_NR, tile2 + ir * NNK_NR, NNK_NR, alpha, kb > 0,
                                                  NULL, 0, 0);
                    else
                        kt->sgemm_ukernel_rows(mr, kc, ai, bj + pc * NNK_NR, NNK_NR, ws.tile + ir * NNK_NR, NNK_NR,
                                               alpha, kb > 0, NULL, 0, 0);
                }
            }
            for (int64_t ir = 0; ir < mc; ir += NNK_MR) {
                const int64_t mr = NNK_MIN(NNK_MR, mc - ir);
                kt->tile_store_epi(ws.tile + ir * NNK_NR, C + jr * ldc + m0 + ir, ldc, mr, nr, 0, 1, e, jr, m0 + ir);
                if (two)
                    kt->tile_store_epi(tile2 + ir * NNK_NR, C + (jr + NNK_NR) * ldc + m0 + ir, ldc, mr, nr2, 0, 1, e,
                                       jr + NNK_NR, m0 + ir);
            }
            jr += two ? NNK_NR + nr2 : nr;
        }
        return;
    }
    // B read in place (a pointwise convolution's input, or any B with unit column stride): no packing;
    // whole 16-column panels are read straight from B's rows, the ragged last panel is packed alone
    // (or, 8 columns or fewer, read in place by the narrow micro-kernel).
    const int direct_b = b->kind == NNK_B_STRIDED && b->cs == 1 && !c_transposed;
    for (int64_t jc = n0; jc < n1; jc += NNK_NC) {          // C columns [jc, jc+nc)
        const int64_t nc = NNK_MIN(NNK_NC, n1 - jc);
        for (int64_t kb = 0; kb < k_blocks; kb++) {           // K rows [pc, pc+kc)
            const int64_t pc = kb * kc_max, kc = NNK_MIN(kc_max, K - pc);
            const int accumulate = kb > 0, last = kb == k_blocks - 1;
            int64_t b_stride = 0;
            const float *bp = direct_b ? NULL : nnk_gemm_b_block(kt, b, K, pc, kc, jc, nc, ws.b, &b_stride);
            for (int64_t ic = m0; ic < m1; ic += NNK_MC) {    // C rows [ic, ic+mc)
                const int64_t mc = NNK_MIN(NNK_MC, m1 - ic);
                const float *ap;
                int64_t a_stride;
                if (a->packed) {
                    ap = a->packed + (ic / NNK_MR) * K * NNK_MR + pc * NNK_MR;
                    a_stride = K * NNK_MR;
                } else if (a->conv) {
                    nnk_pack_a_im2col(a->conv, a->ptr, ic, mc, pc, kc, ws.a);
                    ap = ws.a;
                    a_stride = kc * NNK_MR;
                } else {
                    nnk_pack_a_strided(mc, kc, a->ptr + ic * a->rs + pc * a->cs, a->rs, a->cs, ws.a);
                    ap = ws.a;
                    a_stride = kc * NNK_MR;
                }
                for (int64_t jr = 0; jr < nc; jr += NNK_NR) {  // micro-panel of columns
                    const int64_t nr = NNK_MIN(NNK_NR, nc - jr);
                    if (kt->sgemm_ukernel_rows_x2 && !c_transposed && jr + 2 * NNK_NR <= nc) {
                        // two full panels at a time: each A element (from L2) feeds both
                        const float *b0 = direct_b ? b->ptr + pc * b->rs + jc + jr : bp + (jr / NNK_NR) * b_stride;
                        const float *b1 = direct_b ? b0 + NNK_NR : b0 + b_stride;
                        const int64_t ldb2 = direct_b ? b->rs : NNK_NR;
                        for (int64_t ir = 0; ir < mc; ir += NNK_MR) {
                            float *c = C + (ic + ir) * ldc + jc + jr;
                            kt->sgemm_ukernel_rows_x2(NNK_MIN(NNK_MR, mc - ir), kc, ap + (ir / NNK_MR) * a_stride, b0, b1,
                                                      ldb2, c, c + NNK_NR, ldc, alpha, accumulate, last ? e : NULL,
                                                      ic + ir, jc + jr);
                        }
                        jr += NNK_NR;
                        continue;
                    }
                    const float *bj;
                    int64_t ldb = NNK_NR;
                    if (nr <= NNK_NR / 2 && !c_transposed) {      // a narrow ragged panel: half the work
                        bj = direct_b ? b->ptr + pc * b->rs + jc + jr : bp + (jr / NNK_NR) * b_stride;
                        ldb = direct_b ? b->rs : NNK_NR;
                        for (int64_t ir = 0; ir < mc; ir += NNK_MR)
                            kt->sgemm_ukernel_narrow(NNK_MIN(NNK_MR, mc - ir), nr, kc, ap + (ir / NNK_MR) * a_stride, bj,
                                                     ldb, C + (ic + ir) * ldc + jc + jr, ldc, alpha, accumulate,
                                                     last ? e : NULL, ic + ir, jc + jr);
                        continue;
                    }
                    if (!direct_b) {
                        bj = bp + (jr / NNK_NR) * b_stride;
                    } else if (nr == NNK_NR) {
                        bj = b->ptr + pc * b->rs + jc + jr;
                        ldb = b->rs;
                    } else {
                        nnk_pack_b_strided(kc, nr, b->ptr + pc * b->rs + jc + jr, b->rs, 1, ws.b);
                        bj = ws.b;
                    }
                    for (int64_t ir = 0; ir < mc; ir += NNK_MR) {
                        const int64_t mr = NNK_MIN(NNK_MR, mc - ir);
                        const float *ai = ap + (ir / NNK_MR) * a_stride;
                        if (c_transposed) {                          // stored tile is (nr, mr)
                            float *ct = C + (jc + jr) * ldc + ic + ir;
                            kt->sgemm_ukernel_rows(mr, kc, ai, bj, NNK_NR, ws.tile, NNK_NR, alpha, 0, NULL, 0, 0);
                            kt->tile_store_epi(ws.tile, ct, ldc, mr, nr, accumulate, 1, last ? e : NULL, jc + jr,
                                               ic + ir);
                            continue;
                        }
                        float *c = C + (ic + ir) * ldc + jc + jr;   // C tile (mr, nr)
                        if (nr == NNK_NR) {               // the epilogue on the registers
                            kt->sgemm_ukernel_rows(mr, kc, ai, bj, ldb, c, ldc, alpha, accumulate,
                                                   last ? e : NULL, ic + ir, jc + jr);
                            continue;
                        }
                        kt->sgemm_ukernel_rows(NNK_MR, kc, ai, bj, ldb, ws.tile, NNK_NR, alpha, 0, NULL, 0, 0);
                        kt->tile_store(ws.tile, c, ldc, mr, nr, accumulate, 0);
                        if (last) kt->epilogue_tile(e, c, ldc, ic + ir, jc + jr, mr, nr);
                    }
                }
            }
        }
    }
}
