// nnk_sgemm.c — the public SGEMM: packing B once, task partition, and the call into the driver.
#include "nnk_internal.h"

int64_t nnk_sgemm_packed_b_floats(int64_t K, int64_t N) { return nnk_round_up(N, NNK_NR) * K; }

void nnk_sgemm_pack_b(int64_t K, int64_t N, const float *B, int64_t b_rs, int64_t b_cs, float *packed_b) {
    nnk_pack_b_strided(K, N, B, b_rs, b_cs, packed_b);   // panels of NR columns, each (K, NR)
}

int64_t nnk_sgemm_workspace_floats(int64_t M, int64_t N, int64_t K) {
    return nnk_gemm_workspace_floats(M, N, K);
}

/// A few microseconds of single-core work per task: a parallel region of nnk_threadpool costs well
/// under a microsecond when its workers are polling (a libdispatch wake-up cost ~40 µs).
#define NNK_FLOPS_PER_TASK 4.0e5

int64_t nnk_sgemm_task_count(int64_t M, int64_t N, int64_t K, int32_t threads) {
    const double flops = 2.0 * (double)M * (double)N * (double)NNK_MAX(K, 1);
    int64_t tasks = NNK_MIN((int64_t)threads, (int64_t)(flops / NNK_FLOPS_PER_TASK));
    const int64_t panels = NNK_MAX(nnk_div_up(N, NNK_NR), nnk_div_up(M, NNK_MR));
    tasks = NNK_MIN(tasks, panels);
    return NNK_MAX(tasks, 1);
}

/// Splits C into ntasks blocks of whole micro-panels: along N (no duplicated B packing) unless N has
/// fewer panels than M and than the task count.
static void nnk_sgemm_partition(int64_t M, int64_t N, int64_t task, int64_t ntasks, int64_t *m0,
                                int64_t *m1, int64_t *n0, int64_t *n1) {
    const int64_t pn = nnk_div_up(N, NNK_NR), pm = nnk_div_up(M, NNK_MR);
    *m0 = 0; *m1 = M; *n0 = 0; *n1 = N;
    if (pn >= ntasks || pn >= pm) {
        *n0 = NNK_MIN(N, pn * task / ntasks * NNK_NR);
        *n1 = NNK_MIN(N, pn * (task + 1) / ntasks * NNK_NR);
    } else {
        *m0 = NNK_MIN(M, pm * task / ntasks * NNK_MR);
        *m1 = NNK_MIN(M, pm * (task + 1) / ntasks * NNK_MR);
    }
}

void nnk_sgemm(int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t a_rs, int64_t a_cs,
               const float *B, int64_t b_rs, int64_t b_cs, const float *packed_b,
               float *C, int64_t ldc, const nnk_epilogue *ep,
               float *workspace, int64_t task, int64_t ntasks) {
    if (M <= 0 || N <= 0 || ntasks < 1 || task < 0 || task >= ntasks) return;
    int64_t m0, m1, n0, n1;
    nnk_sgemm_partition(M, N, task, ntasks, &m0, &m1, &n0, &n1);
    const nnk_gemm_a a = {.packed = NULL, .ptr = A, .rs = a_rs, .cs = a_cs, .conv = NULL};
    nnk_gemm_b b = {.kind = NNK_B_STRIDED, .ptr = B, .rs = b_rs, .cs = b_cs, .conv = NULL};
    if (packed_b) {
        b.kind = NNK_B_PACKED;
        b.ptr = packed_b;
    }
    const nnk_epi e = nnk_epi_make(ep, ep ? ep->channel_axis : 0, 0, 0, ep ? ep->residual_ld : 0);
    if (packed_b && K > 0 && M % NNK_MR != 0 && m1 == M) {
        // The rows after the last full MR panel (all of them at M <= 5, e.g. a fully connected layer
        // at batch 1; 2 of 8 at batch 8) take the small-M kernel instead of a zero-padded panel. The
        // workspace holds far more than its M x NR tile (see nnk_gemm_workspace_floats).
        const int64_t r0 = M - M % NNK_MR;
        nnk_sgemm_small_m(nnk_active(), M - r0, N, K, alpha, A + r0 * a_rs, a_rs, a_cs, packed_b, C + r0 * ldc, ldc,
                          &e, r0, n0, n1, nnk_align64(workspace));
        m1 = r0;
    }
    nnk_gemm_block(nnk_active(), M, N, K, alpha, &a, &b, C, ldc, 0, &e, m0, m1, n0, n1, workspace);
}
