// nnk_internal.h — what the kernel files share: the dispatch table, the resolved epilogue, block sizes.
// Not a public header: nothing outside Sources/CKernels includes it.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "nnkernels.h"

#if defined(__x86_64__)
#define NNK_HAVE_AVX2 1
/// Marks one function as compiled for AVX2+FMA; only called after the CPU check in nnk_dispatch.c.
#define NNK_TARGET_AVX2 __attribute__((target("avx2,fma")))
/// Marks one function as compiled for AVX-512 (F, VL); only called after the CPU check in nnk_dispatch.c.
#define NNK_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512vl")))
#else
#define NNK_HAVE_AVX2 0
#endif

#define NNK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define NNK_MAX(a, b) ((a) > (b) ? (a) : (b))

static inline int64_t nnk_div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }
static inline int64_t nnk_round_up(int64_t a, int64_t b) { return nnk_div_up(a, b) * b; }
/// Rounds a workspace pointer up to 64 bytes (workspace sizes include NNK_WS_SLACK floats for this).
static inline float *nnk_align64(float *p) {
    return (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}
#define NNK_WS_SLACK 16

// ---- SGEMM blocking (packed layouts are ISA independent: every variant uses MR x NR) ----
#define NNK_MR 6     // rows of C per micro-kernel call; A panels are MR rows wide
#define NNK_NR 16    // columns of C per micro-kernel call; B panels are NR columns wide
#ifndef NNK_KC
#define NNK_KC 256   // max depth of one K block (B micro-panel KC*NR*4 = 16 KiB stays in L1d)
#endif
#ifndef NNK_MC
#define NNK_MC 144   // rows of A packed per block (MC*KC*4 = 144 KiB in L2)
#endif
#ifndef NNK_NC
#define NNK_NC 512   // columns of B packed per block (KC*NC*4 = 512 KiB)
#endif

/// At most this many rows go to the small-M (GEMV-like) kernel when B is pre-packed.
#define NNK_SMALL_M 5

/// The K blocking depends on K only, so every task sums each C element in the same order.
static inline int64_t nnk_gemm_kc(int64_t K) {
    int64_t nb = nnk_div_up(K, NNK_KC);
    return nb <= 1 ? K : nnk_round_up(nnk_div_up(K, nb), 8);
}

/// An epilogue resolved for one GEMM: channel vectors and residual already offset to the C block.
typedef struct nnk_epi {
    const float *bias, *scale, *shift; // indexed by local channel or NULL
    const float *residual;             // element (m,n) at residual[m*res_ld + n], or NULL
    int64_t res_ld;
    int32_t axis;                      // 0: channel = m, 1: channel = n
    int32_t act;
    float alpha, beta;
    int32_t active;                    // 0 when there is nothing to do
} nnk_epi;

/// Resolves a public epilogue; channel_offset/residual_offset locate the C block inside the output.
nnk_epi nnk_epi_make(const nnk_epilogue *ep, int32_t axis, int64_t channel_offset,
                     int64_t residual_offset, int64_t res_ld);
/// Whether the micro-kernel can apply e in registers: channel = row, activation none, ReLU or Clip
/// (bias, residual and post scale/shift all fuse).
int nnk_epi_fusable(const nnk_epi *e);
/// The epilogue operands of a micro-kernel tile whose top-left element is (m0, n0): row pointers
/// (NULL where absent, all NULL without e) and the activation's bounds.
typedef struct nnk_epi_rows {
    const float *bias, *res, *scale, *shift;
    int64_t res_ld;
    float alpha, beta;
} nnk_epi_rows;
static inline nnk_epi_rows nnk_epi_rows_at(const nnk_epi *e, int64_t m0, int64_t n0) {
    nnk_epi_rows r = {0};
    if (!e) return r;
    r.bias = e->bias ? e->bias + m0 : NULL;
    r.res = e->residual ? e->residual + m0 * e->res_ld + n0 : NULL;
    r.scale = e->scale ? e->scale + m0 : NULL;     // BN after the activation
    r.shift = e->shift ? e->shift + m0 : NULL;
    r.res_ld = e->res_ld;
    r.alpha = e->alpha;
    r.beta = e->beta;
    return r;
}
/// Calls micro-kernel template T (kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, ROWS, EPI, ACT)
/// with the row count mr (1..6) as a compile-time constant.
#define NNK_UK_ROWS_OF(T, EPI, ACT)                                                          \
    switch (mr) {                                                                           \
    case 1: T(kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, 1, EPI, ACT); break;     \
    case 2: T(kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, 2, EPI, ACT); break;     \
    case 3: T(kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, 3, EPI, ACT); break;     \
    case 4: T(kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, 4, EPI, ACT); break;     \
    case 5: T(kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, 5, EPI, ACT); break;     \
    default: T(kc, a, b, ldb, c, ldc, alpha, accumulate, e, m0, n0, 6, EPI, ACT); break;    \
    }
/// Runs the instantiation of a micro-kernel template that fits epilogue e: CALL(EPI, ACT) expands to
/// a call with the epilogue fused (EPI 1) for activation ACT, or not (EPI 0); an epilogue the
/// registers cannot take runs afterwards on the stored tile (AFTER).
#define NNK_UK_DISPATCH(e, CALL, AFTER)               \
    do {                                              \
        if (!(e) || !(e)->active) {                   \
            CALL(0, NNK_ACT_NONE);                    \
        } else if (!nnk_epi_fusable(e)) {             \
            CALL(0, NNK_ACT_NONE);                    \
            AFTER;                                    \
        } else if ((e)->act == NNK_ACT_RELU) {        \
            CALL(1, NNK_ACT_RELU);                    \
        } else if ((e)->act == NNK_ACT_CLIP) {        \
            CALL(1, NNK_ACT_CLIP);                    \
        } else {                                      \
            CALL(1, NNK_ACT_NONE);                    \
        }                                             \
    } while (0)
/// The epilogue of one element in plain C (the reference definition).
float nnk_epi_scalar(const nnk_epi *e, float y, int64_t m, int64_t n);
/// The activation of one element in plain C (libm expf/tanhf).
float nnk_act_scalar(int32_t act, float alpha, float beta, float y);

// ---- the dispatch table: one per ISA, chosen once ----
typedef struct nnk_kernels {
    const char *name;
    /// C[0:mr,0:16] (1 <= mr <= 6) = alpha * a(kc x 6 packed) * b(kc rows of 16 floats, row stride
    /// ldb) (+ C when accumulate), each element summed in k order. Then, when e is not NULL, the
    /// epilogue e of the tile whose top-left element is (m0, n0) (fused into the store when
    /// nnk_epi_fusable(e); the same bits either way).
    void (*sgemm_ukernel_rows)(int64_t mr, int64_t kc, const float *a, const float *b, int64_t ldb, float *c,
                               int64_t ldc, float alpha, int accumulate, const nnk_epi *e, int64_t m0, int64_t n0);
    /// Two sgemm_ukernel_rows tiles side by side that share A: C0 = alpha * a * b0 and C1 = alpha * a *
    /// b1 (+ C0, C1 when accumulate), B panels of 16-float rows with row stride ldb, C tiles (mr, 16)
    /// with row stride ldc, then e's epilogue (tile 1's first column is n0 + 16). The bits of two
    /// sgemm_ukernel_rows calls, with each A element loaded once for both (12 accumulators). NULL
    /// where the registers do not allow it (AVX2: 16 ymm).
    void (*sgemm_ukernel_rows_x2)(int64_t mr, int64_t kc, const float *a, const float *b0, const float *b1,
                                  int64_t ldb, float *c0, float *c1, int64_t ldc, float alpha, int accumulate,
                                  const nnk_epi *e, int64_t m0, int64_t n0);
    /// sgemm_ukernel_rows for a ragged last panel of nr <= 8 columns: reads only B's first nr columns
    /// of each row (so B may end there) and writes C[0:mr, 0:nr]; the same sums, about half the work.
    void (*sgemm_ukernel_narrow)(int64_t mr, int64_t nr, int64_t kc, const float *a, const float *b, int64_t ldb,
                                 float *c, int64_t ldc, float alpha, int accumulate, const nnk_epi *e, int64_t m0,
                                 int64_t n0);
    /// Stores (or adds, when accumulate) the scratch tile's [0:mr, 0:nr] into C: c[i*ldc + j], or
    /// c[j*ldc + i] when transposed. tile is (MR, NR) row-major.
    void (*tile_store)(const float *tile, float *c, int64_t ldc, int64_t mr, int64_t nr, int accumulate,
                       int transposed);
    /// tile_store, then (e not NULL) epilogue_tile on the stored block, whose top-left element is local
    /// (m0, n0) of the stored matrix; fused into a transposed store when nnk_epi_fusable(e).
    void (*tile_store_epi)(const float *tile, float *c, int64_t ldc, int64_t mr, int64_t nr, int accumulate,
                           int transposed, const nnk_epi *e, int64_t m0, int64_t n0);
    /// Applies e to C[0:mr, 0:nr] whose top-left element is local (m0, n0).
    void (*epilogue_tile)(const nnk_epi *e, float *c, int64_t ldc, int64_t m0, int64_t n0,
                          int64_t mr, int64_t nr);
    void (*activation)(int32_t act, float alpha, float beta, const float *in, float *out, int64_t n);
    /// out[0:n] = in[0:n] * scale + shift
    void (*affine_row)(float scale, float shift, const float *in, float *out, int64_t n);
    /// out[i] = a[i*as] op b[i*bs] for i in [0, n)
    void (*binary_row)(int32_t op, int64_t n, const float *a, int64_t as, const float *b, int64_t bs,
                       float *out);
    void (*softmax_row)(int64_t cols, const float *in, float *out, int32_t log);
    /// Depthwise conv of channels [c0, c0+cn) (cn <= 8, c0 a multiple of 8) of one image, output rows
    /// [oh0, oh1): in is the image (C, H, W), out its output (C, OH, OW), w8 the channels' packed block
    /// (KH*KW, 8); e is resolved for the image (channel = c). scratch: nnk_dwconv2d_scratch_floats(p)
    /// floats, 64-byte aligned; oh1 - oh0 <= nnk_dwconv2d_band_rows(p).
    void (*dwconv2d_c8)(const nnk_conv2d_params *p, const float *in, const float *w8, float *out,
                        const nnk_epi *e, int64_t c0, int64_t cn, int64_t oh0, int64_t oh1, float *scratch);
    /// 2-D pooling of one plane with dilation 1 (avg: is_avg != 0).
    void (*pool2d_plane)(const nnk_pool_params *p, int is_avg, const float *in, float *out);
    /// Packs rows [k0, k0+kc) x columns [n0, n0+nc) of the implicit im2col matrix into NR panels.
    void (*im2col_pack)(const nnk_conv2d_params *p, const float *in, int64_t k0, int64_t kc, int64_t n0,
                        int64_t nc, float *dst);
    /// tile[m*NR + j] = sum_k a[m*a_rs + k*a_cs] * b[k*NR + j] for m < M <= NNK_SMALL_M; b is one
    /// packed B panel (K x NR).
    void (*sgemm_small_m_panel)(int64_t M, int64_t K, const float *a, int64_t a_rs, int64_t a_cs,
                                const float *b, float *tile);
    /// Winograd input transform of input channels [c0, c1) of tiles [t0, t0+nb) of the batch (in is
    /// (N, C_in, H, W)) into V: 36 matrices (C_in x block) packed as NR-column panels; tiles past nb up
    /// to a multiple of NR are 0.
    void (*winograd_input)(const nnk_conv2d_params *p, const float *in, int64_t t0, int64_t nb, int64_t block,
                           int64_t c0, int64_t c1, float *V);
    /// Winograd output transform of M (36 matrices C_out x block) for channels [m0, m1) and tiles
    /// [t0, t0+nb) into the output (N, C_out, OH, OW), with the epilogue (residual offset 0, res_ld OH*OW).
    void (*winograd_output)(const nnk_conv2d_params *p, const float *M, int64_t block, int64_t t0, int64_t nb,
                            int64_t m0, int64_t m1, float *out, const nnk_epi *e);
    /// out[i] = max or mean of in[i*size : (i+1)*size]
    void (*global_pool)(int is_avg, int64_t planes, int64_t size, const float *in, float *out);
} nnk_kernels;

/// The table in use (reads one atomic; initialises on first use).
const nnk_kernels *nnk_active(void);

// Variants, defined next to each other in the file of their idea.
void nnk_sgemm_ukernel_rows__ref(int64_t, int64_t, const float *, const float *, int64_t, float *, int64_t, float,
                                 int, const nnk_epi *, int64_t, int64_t);
void nnk_sgemm_ukernel_narrow__ref(int64_t, int64_t, int64_t, const float *, const float *, int64_t, float *, int64_t,
                                   float, int, const nnk_epi *, int64_t, int64_t);
void nnk_tile_store__ref(const float *, float *, int64_t, int64_t, int64_t, int, int);
void nnk_tile_store_epi__ref(const float *, float *, int64_t, int64_t, int64_t, int, int, const nnk_epi *, int64_t,
                             int64_t);
void nnk_epilogue_tile__ref(const nnk_epi *, float *, int64_t, int64_t, int64_t, int64_t, int64_t);
void nnk_activation__ref(int32_t, float, float, const float *, float *, int64_t);
void nnk_affine_row__ref(float, float, const float *, float *, int64_t);
void nnk_binary_row__ref(int32_t, int64_t, const float *, int64_t, const float *, int64_t, float *);
void nnk_softmax_row__ref(int64_t, const float *, float *, int32_t);
void nnk_dwconv2d_c8__ref(const nnk_conv2d_params *, const float *, const float *, float *,
                          const nnk_epi *, int64_t, int64_t, int64_t, int64_t, float *);
void nnk_sgemm_small_m_panel__ref(int64_t, int64_t, const float *, int64_t, int64_t, const float *, float *);
void nnk_winograd_input__ref(const nnk_conv2d_params *, const float *, int64_t, int64_t, int64_t, int64_t, int64_t,
                             float *);
void nnk_winograd_output__ref(const nnk_conv2d_params *, const float *, int64_t, int64_t, int64_t, int64_t, int64_t,
                              float *, const nnk_epi *);
void nnk_pool2d_plane__ref(const nnk_pool_params *, int, const float *, float *);
void nnk_global_pool__ref(int, int64_t, int64_t, const float *, float *);
void nnk_pack_b_im2col__ref(const nnk_conv2d_params *, const float *, int64_t, int64_t, int64_t, int64_t, float *);
#if NNK_HAVE_AVX2
void nnk_sgemm_ukernel_rows__avx2_fma(int64_t, int64_t, const float *, const float *, int64_t, float *, int64_t,
                                      float, int, const nnk_epi *, int64_t, int64_t);
void nnk_tile_store__avx2_fma(const float *, float *, int64_t, int64_t, int64_t, int, int);
void nnk_tile_store_epi__avx2_fma(const float *, float *, int64_t, int64_t, int64_t, int, int, const nnk_epi *,
                                  int64_t, int64_t);
void nnk_epilogue_tile__avx2_fma(const nnk_epi *, float *, int64_t, int64_t, int64_t, int64_t, int64_t);
void nnk_activation__avx2_fma(int32_t, float, float, const float *, float *, int64_t);
void nnk_affine_row__avx2_fma(float, float, const float *, float *, int64_t);
void nnk_binary_row__avx2_fma(int32_t, int64_t, const float *, int64_t, const float *, int64_t, float *);
void nnk_softmax_row__avx2_fma(int64_t, const float *, float *, int32_t);
void nnk_dwconv2d_c8__avx2_fma(const nnk_conv2d_params *, const float *, const float *, float *,
                               const nnk_epi *, int64_t, int64_t, int64_t, int64_t, float *);
void nnk_sgemm_small_m_panel__avx2_fma(int64_t, int64_t, const float *, int64_t, int64_t, const float *, float *);
void nnk_winograd_input__avx2_fma(const nnk_conv2d_params *, const float *, int64_t, int64_t, int64_t, int64_t,
                                  int64_t, float *);
void nnk_winograd_output__avx2_fma(const nnk_conv2d_params *, const float *, int64_t, int64_t, int64_t, int64_t,
                                   int64_t, float *, const nnk_epi *);
void nnk_pool2d_plane__avx2_fma(const nnk_pool_params *, int, const float *, float *);
void nnk_global_pool__avx2_fma(int, int64_t, int64_t, const float *, float *);
void nnk_pack_b_im2col__avx2_fma(const nnk_conv2d_params *, const float *, int64_t, int64_t, int64_t, int64_t,
                                 float *);
void nnk_sgemm_ukernel_rows__avx512(int64_t, int64_t, const float *, const float *, int64_t, float *, int64_t,
                                    float, int, const nnk_epi *, int64_t, int64_t);
void nnk_sgemm_ukernel_narrow__avx2_fma(int64_t, int64_t, int64_t, const float *, const float *, int64_t, float *,
                                        int64_t, float, int, const nnk_epi *, int64_t, int64_t);
void nnk_sgemm_ukernel_rows_x2__avx512(int64_t, int64_t, const float *, const float *, const float *, int64_t,
                                       float *, float *, int64_t, float, int, const nnk_epi *, int64_t, int64_t);
void nnk_tile_store_epi__avx512(const float *, float *, int64_t, int64_t, int64_t, int, int, const nnk_epi *, int64_t,
                                int64_t);
void nnk_pack_b_im2col__avx512(const nnk_conv2d_params *, const float *, int64_t, int64_t, int64_t, int64_t,
                               float *);
void nnk_dwconv2d_c8__avx512(const nnk_conv2d_params *, const float *, const float *, float *, const nnk_epi *,
                             int64_t, int64_t, int64_t, int64_t, float *);
#endif

/// One output of a 2-D pooling window (dilation 1) starting at input row ih0 whose rows [kh0, kh1)
/// exist (padded_rows of its rows lie in the padded input); the columns are clipped here. in is (H, W).
float nnk_pool2d_window(const nnk_pool_params *p, int is_avg, const float *in, int64_t ih0, int64_t kh0,
                        int64_t kh1, int64_t padded_rows, int64_t ow);

/// Depthwise (nnk_dwconv.c): scratch floats per task (padded input rows where the kernel needs them),
/// output rows per band (depends on p only), packed weight floats, and the packing.
int64_t nnk_dwconv2d_scratch_floats(const nnk_conv2d_params *p);
int64_t nnk_dwconv2d_band_rows(const nnk_conv2d_params *p);
int64_t nnk_dwconv2d_packed_floats(const nnk_conv2d_params *p);
void nnk_dwconv2d_pack(const nnk_conv2d_params *p, const float *w, const float *scale, float *packed);

// ---- the GEMM driver shared by nnk_sgemm and nnk_conv2d ----
/// Where the B operand of a GEMM comes from (im2col: packed by kt->im2col_pack).
typedef struct nnk_gemm_b {
    enum { NNK_B_PACKED, NNK_B_STRIDED, NNK_B_IM2COL } kind;
    const float *ptr;               // packed panels (NR x K each), strided matrix, or one image's group input
    int64_t rs, cs;                 // strided: element (k,n) at ptr[k*rs + n*cs]
    const nnk_conv2d_params *conv;  // im2col: k = (ci, kh, kw), n = (oh, ow); ptr is (C_in/groups, H, W)
} nnk_gemm_b;
/// Where the A operand comes from: packed panels (MR x K each), a strided matrix, or (conv != NULL)
/// the transposed implicit im2col matrix of one image and group: row m = output pixel (oh, ow),
/// column k = (ci, kh, kw); ptr is then (C_in/groups, H, W).
typedef struct nnk_gemm_a {
    const float *packed;
    const float *ptr;
    int64_t rs, cs;
    const nnk_conv2d_params *conv;
} nnk_gemm_a;

/// C[m0:m1, n0:n1] of C = alpha*A*B then epilogue e (local indices = global m, n). C element (m, n)
/// is C[m*ldc + n], or C[n*ldc + m] when c_transposed (the epilogue then sees channel = n as the
/// row of the stored matrix: e must have axis 0). ws holds nnk_gemm_workspace_floats(M, N, K) floats.
/// m0 and n0 are multiples of MR and NR.
void nnk_gemm_block(const nnk_kernels *kt, int64_t M, int64_t N, int64_t K, float alpha,
                    const nnk_gemm_a *a, const nnk_gemm_b *b, float *C, int64_t ldc, int c_transposed,
                    const nnk_epi *e, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float *ws);
int64_t nnk_gemm_workspace_floats(int64_t M, int64_t N, int64_t K);
/// C[0:M, n0:n1] = alpha * A * packed B, then epilogue, for M <= NNK_SMALL_M (nnk_sgemm_small_m.c);
/// the rows are rows m0.. of the whole GEMM (for the epilogue); n0 is a multiple of NR; tile holds
/// M*NR floats.
void nnk_sgemm_small_m(const nnk_kernels *kt, int64_t M, int64_t N, int64_t K, float alpha, const float *a,
                       int64_t a_rs, int64_t a_cs, const float *packed_b, float *C, int64_t ldc, const nnk_epi *e,
                       int64_t m0, int64_t n0, int64_t n1, float *tile);

// Packing into panels (nnk_pack.c; the im2col packer is kt->im2col_pack in nnk_im2col.c, whose
// destination needs NR floats of slack after the block: the AVX2 variant writes whole 16-float runs).
/// dst[i/MR][k][i%MR] = a[i*rs + k*cs] for mc rows (rows up to the next multiple of MR are zero).
void nnk_pack_a_strided(int64_t mc, int64_t kc, const float *a, int64_t rs, int64_t cs, float *dst);
/// dst[j/NR][k][j%NR] = b[k*rs + j*cs] for nc columns (padded with zeros to a multiple of NR).
void nnk_pack_b_strided(int64_t kc, int64_t nc, const float *b, int64_t rs, int64_t cs, float *dst);
/// MR-row panels of the transposed im2col matrix: rows (pixels) [m0, m0+mc), columns [k0, k0+kc).
void nnk_pack_a_im2col(const nnk_conv2d_params *p, const float *in, int64_t m0, int64_t mc, int64_t k0,
                       int64_t kc, float *dst);

// ---- Winograd F(4x4, 3x3) for 3x3 stride-1 convolutions (nnk_winograd.c) ----
/// Tiles of 4x4 outputs per image (tiles_h x tiles_w = image_tiles) and in the batch (tiles), tiles
/// per block (a multiple of NR), blocks in the batch, and the floats of one packed U_xi (MR panels).
typedef struct nnk_wg_geom {
    int64_t tiles_h, tiles_w, image_tiles, tiles, block, blocks, u_floats;
} nnk_wg_geom;
/// Whether nnk_conv2d uses Winograd for p (3x3, stride 1, no dilation or groups, >= 16 channels,
/// outputs >= 10x10, or >= 7x7 with >= 32 tiles in the batch; not disabled by p->no_winograd).
int nnk_winograd_applies(const nnk_conv2d_params *p);
nnk_wg_geom nnk_winograd_geom(const nnk_conv2d_params *p);
int64_t nnk_winograd_workspace_floats(const nnk_conv2d_params *p);   // per task
/// Packed weights: 36 * geom.u_floats floats; scale: per output channel (w[m] * scale[m]) or NULL.
void nnk_winograd_pack_weights(const nnk_conv2d_params *p, const float *w, const float *scale, float *packed);
/// Output channels [m0, m1) (multiples of MR, or C_out) of tile block blk of the batch; in, out are
/// the whole batch; e is resolved with residual offset 0 and res_ld OH*OW.
/// V: the block's input transform, already computed (NULL: computed here in ws).
void nnk_winograd_block(const nnk_kernels *kt, const nnk_conv2d_params *p, const float *in, const float *U,
                        float *out, const nnk_epi *e, int64_t blk, int64_t m0, int64_t m1, const float *V, float *ws);
/// Floats of one block's V (36 x C_in x block).
int64_t nnk_winograd_v_floats(const nnk_conv2d_params *p);
