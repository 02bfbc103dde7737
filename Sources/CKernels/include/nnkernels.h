// nnkernels.h — the C kernel library of nninfer: packed SGEMM, convolution, pooling, elementwise.
//
// All sizes are int64_t; all tensors are float32, row-major and contiguous unless a stride is given.
// Every kernel has a portable C version; on x86-64 an AVX2+FMA version is chosen once per process,
// with an AVX-512 micro-kernel where the CPU has AVX-512 (see nnk_isa_name). Packed layouts (nnk_sgemm_pack_b, nnk_conv2d_pack_weights) do not depend on
// the ISA in use, so weights packed once stay valid after nnk_set_force_reference.
// Workspaces: a count of floats, any alignment (kernels align inside), contents need not be
// initialised, one per concurrently running task. Nothing here allocates or keeps state between calls.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- CPU dispatch ----
/// "avx512", "avx2_fma" or "reference": the variant in use now.
const char *nnk_isa_name(void);
/// 1 when this module is built with AddressSanitizer (or MemorySanitizer): callers then take their
/// large buffers from malloc, whose bounds the sanitizer checks, instead of page mappings it cannot see.
int nnk_built_with_memory_checks(void);
/// Tests, process-wide: 1 forces the portable variant, 2 the AVX2 one (where the CPU has AVX2; else
/// the best), 0 returns to the best variant the CPU supports. All variants give results within
/// rounding of each other; the AVX2 and AVX-512 ones give the same bits.
void nnk_set_force_reference(int level);

// ---- Epilogue applied to every output element when it is written ----
enum { NNK_ACT_NONE = 0, NNK_ACT_RELU = 1, NNK_ACT_LEAKY_RELU = 2, NNK_ACT_CLIP = 3,
       NNK_ACT_SIGMOID = 4, NNK_ACT_TANH = 5 };
/// y = act(acc + bias[c] + residual) * post_scale[c] + post_shift[c]
typedef struct nnk_epilogue {
    const float *bias;      ///< per channel, or NULL
    const float *residual;  ///< same shape/strides as the output, or NULL (added after bias); must not alias the output
    int64_t residual_ld;    ///< row stride of residual for GEMM outputs (conv: residual is contiguous like output)
    int32_t activation;     ///< NNK_ACT_*, applied after bias+residual
    float act_alpha;        ///< LeakyRelu slope; Clip min
    float act_beta;         ///< Clip max
    const float *post_scale;///< per channel, applied after activation: y = y*post_scale[c] + post_shift[c]; or NULL
    const float *post_shift;///< per channel or NULL (either may be NULL independently)
    int32_t channel_axis;   ///< GEMM only: 0 = channel is the row index m, 1 = the column index n. Conv: output channel.
} nnk_epilogue;
/// All NULL/0, NNK_ACT_NONE.
void nnk_epilogue_init(nnk_epilogue *ep);

// ---- SGEMM: C[M,N] = alpha * A[M,K] * B[K,N], then epilogue ----
// A element (m,k) is A[m*a_rs + k*a_cs]; B element (k,n) is B[k*b_rs + n*b_cs] (strides give transposes).
// B may be pre-packed once (weights): then pass packed_b and B=NULL.
int64_t nnk_sgemm_packed_b_floats(int64_t K, int64_t N);
void nnk_sgemm_pack_b(int64_t K, int64_t N, const float *B, int64_t b_rs, int64_t b_cs, float *packed_b);
/// Floats of workspace each concurrently running task needs.
int64_t nnk_sgemm_workspace_floats(int64_t M, int64_t N, int64_t K);
/// How many tasks the problem is worth splitting into for `threads` threads (>= 1).
int64_t nnk_sgemm_task_count(int64_t M, int64_t N, int64_t K, int32_t threads);
/// Computes the task-th of ntasks disjoint parts of C. Safe to call concurrently for different task
/// indices with different workspaces. The result is bit-identical for any ntasks.
/// ep may be NULL. K == 0 gives C = epilogue(0).
void nnk_sgemm(int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t a_rs, int64_t a_cs,
               const float *B, int64_t b_rs, int64_t b_cs, const float *packed_b,
               float *C, int64_t ldc, const nnk_epilogue *ep,
               float *workspace, int64_t task, int64_t ntasks);

// ---- 2-D convolution (NCHW), groups (incl. depthwise), strides, dilations, asymmetric pads ----
typedef struct nnk_conv2d_params {
    int64_t N, C_in, H, W;          // input (N, C_in, H, W)
    int64_t C_out, KH, KW;          // weights (C_out, C_in/groups, KH, KW)
    int64_t stride_h, stride_w, dil_h, dil_w;
    int64_t pad_top, pad_left, pad_bottom, pad_right;
    int64_t groups;
    int64_t OH, OW;                 // output (N, C_out, OH, OW), computed by the caller
    int32_t no_winograd;            // nonzero: never use Winograd (which reassociates sums); 0 by default
} nnk_conv2d_params;
/// How nnk_conv2d computes p. Weights packed for p stay valid for any q with the same filter geometry
/// (C_in, C_out, KH, KW, strides, dilations, groups) and the same algorithm.
enum { NNK_CONV_ALGO_DEPTHWISE = 0, NNK_CONV_ALGO_POINTWISE = 1, NNK_CONV_ALGO_IM2COL = 2,
       NNK_CONV_ALGO_PIXEL_MAJOR = 3, NNK_CONV_ALGO_WINOGRAD_F4X3 = 4 };
int32_t nnk_conv2d_algorithm(const nnk_conv2d_params *p);
int64_t nnk_conv2d_packed_weights_floats(const nnk_conv2d_params *p);
/// Once, at load. The packed layout depends only on p (not on the CPU).
void nnk_conv2d_pack_weights(const nnk_conv2d_params *p, const float *weights, float *packed);
/// The same for weights[m] * scale[m] (scale: one float per output channel, or NULL), each product
/// rounded once as if the scaled weights had been packed: folds a channel affine without a copy.
void nnk_conv2d_pack_weights_scaled(const nnk_conv2d_params *p, const float *weights, const float *scale,
                                    float *packed);
int64_t nnk_conv2d_workspace_floats(const nnk_conv2d_params *p);  // per task
int64_t nnk_conv2d_task_count(const nnk_conv2d_params *p, int32_t threads);
/// Bit-identical for any ntasks. ep may be NULL; ep->channel_axis is ignored (channel = output channel).
void nnk_conv2d(const nnk_conv2d_params *p, const float *input, const float *packed_weights,
                float *output, const nnk_epilogue *ep, float *workspace, int64_t task, int64_t ntasks);
/// Two phases for work the tasks would otherwise repeat: a Winograd conv with fewer tile blocks
/// than tasks (a small batch of small images) splits its output channels, and each task would
/// transform the same input. Where nnk_conv2d_shared_floats(p, ntasks) > 0, run
/// nnk_conv2d_prepare for every task (the input transform, split by block and input channel, into
/// `shared`), then nnk_conv2d_shared for every task with the same `shared`; the bits are
/// nnk_conv2d's. Where it is 0 (every other case), nnk_conv2d_shared is nnk_conv2d and prepare
/// does nothing.
int64_t nnk_conv2d_shared_floats(const nnk_conv2d_params *p, int64_t ntasks);
void nnk_conv2d_prepare(const nnk_conv2d_params *p, const float *input, float *shared, int64_t task, int64_t ntasks);
void nnk_conv2d_shared(const nnk_conv2d_params *p, const float *input, const float *packed_weights,
                       float *output, const nnk_epilogue *ep, float *workspace, float *shared, int64_t task,
                       int64_t ntasks);
/// Reference convolution over any number of spatial dims (1-D, 2-D, 3-D), for correctness paths and tests:
/// in (N, C_in, *in_shape), w (C_out, C_in/groups, *k_shape), out (N, C_out, *out_shape); pads are [begin..., end...].
void nnk_convnd_reference(int32_t ndims, int64_t N, int64_t C_in, const int64_t *in_shape,
                          int64_t C_out, const int64_t *k_shape, const int64_t *strides,
                          const int64_t *dilations, const int64_t *pads, int64_t groups,
                          const int64_t *out_shape, const float *in, const float *w, float *out,
                          const nnk_epilogue *ep);

// ---- A fork-join thread pool (threads-1 workers + the caller) ----
typedef struct nnk_threadpool nnk_threadpool;
/// participant: 0 for the caller, 1..threads-1 for the workers; at most one task per participant
/// runs at a time, so per-participant scratch has one user.
typedef void (*nnk_task_fn)(void *ctx, int64_t task, int32_t participant);
/// NULL when out of memory; may start fewer workers than asked if the system refuses threads.
nnk_threadpool *nnk_threadpool_create(int32_t threads);
void nnk_threadpool_destroy(nnk_threadpool *pool);
int32_t nnk_threadpool_threads(const nnk_threadpool *pool);
/// Runs fn(ctx, t, participant) for t in [0, tasks) on the pool's threads and the caller's; returns
/// when all are done. Tasks are claimed one at a time, so the caller does a late worker's share
/// itself. Serially on the caller (participant 0) when the pool is busy with another caller's job
/// (or NULL).
void nnk_threadpool_run(nnk_threadpool *pool, int64_t tasks, nnk_task_fn fn, void *ctx);

// ---- An inverted-residual block fused: 1x1 expand -> depthwise -> 1x1 project, band by band ----
/// dw: the depthwise conv (groups == C_in == C_out), N and H x W of the expanded tensor; C_in: the
/// channels into the 1x1 expand conv (0: no expand, the chain starts at the depthwise conv); C_out:
/// the channels out of the 1x1 project conv. Same bits as the three nnk_conv2d calls.
/// expand_conv nonzero: the first conv is `expand`, any dense conv (groups 1, e.g. a network's 3x3
/// stride-2 stem) that nnk_conv2d computes as an im2col GEMM (nnk_conv2d_algorithm ==
/// NNK_CONV_ALGO_IM2COL), whose output is the depthwise conv's input (expand.N, C_out, OH, OW ==
/// dw.N, C_in, H, W); C_in is then expand.C_in and its weights (C_out, C_in*KH*KW) are packed by
/// nnk_pointwise_pack like a 1x1's.
typedef struct nnk_chain_params {
    nnk_conv2d_params dw;
    int64_t C_in, C_out;
    nnk_conv2d_params expand;
    int32_t expand_conv;
} nnk_chain_params;
/// 1x1 weights (cout, cin) packed for the chain (scale: per output channel, or NULL).
int64_t nnk_pointwise_packed_floats(int64_t cout, int64_t cin);
void nnk_pointwise_pack(int64_t cout, int64_t cin, const float *w, const float *scale, float *packed);
/// Output rows per band, workspace floats per task, tasks worth running.
int64_t nnk_chain_band_rows(const nnk_chain_params *p);
int64_t nnk_chain_workspace_floats(const nnk_chain_params *p);
int64_t nnk_chain_task_count(const nnk_chain_params *p, int32_t threads);
/// input (N, C_in or dw.C_in, H, W) (with expand_conv: expand's input); w_dw packed by nnk_conv2d_pack_weights(_scaled)(&p->dw, ...);
/// w_expand / w_project by nnk_pointwise_pack; epilogues may be NULL (ep_expand, ep_dw without
/// residual); output (N, C_out, OH, OW). Bit-identical for any ntasks.
void nnk_conv_chain(const nnk_chain_params *p, const float *input, const float *w_expand,
                    const nnk_epilogue *ep_expand, const float *w_dw, const nnk_epilogue *ep_dw,
                    const float *w_project, const nnk_epilogue *ep_project, float *output, float *workspace,
                    int64_t task, int64_t ntasks);

// ---- Pooling over 1, 2 or 3 spatial dims (NC + spatial), planes [plane0, plane1) of N*C ----
typedef struct nnk_pool_params {
    int32_t ndims;                       // 1..3
    int64_t in_shape[3], out_shape[3], kernel[3], strides[3], dilations[3];
    int64_t pads[6];                     // begin..., end...
    int32_t count_include_pad;           // AveragePool
} nnk_pool_params;
/// A window with no element inside the input gives -INFINITY (max) or 0 (average).
/// Average divisor: the taps inside the input, or with count_include_pad the taps inside the padded
/// input [-pad_begin, in + pad_end).
void nnk_maxpool(const nnk_pool_params *p, const float *in, float *out, int64_t plane0, int64_t plane1);
void nnk_avgpool(const nnk_pool_params *p, const float *in, float *out, int64_t plane0, int64_t plane1);
void nnk_global_avgpool(int64_t planes, int64_t size, const float *in, float *out);   // mean of each plane
void nnk_global_maxpool(int64_t planes, int64_t size, const float *in, float *out);

// ---- Elementwise ----
/// NNK_ACT_*; in may equal out. AVX2 sigmoid/tanh use a polynomial exp/expm1: max rel error vs libm
/// measured 1.8e-7 over [-95, 95] (tests hold it to 2e-6); results below ~1e-38 flush to 0.
void nnk_activation(int32_t act, float alpha, float beta, const float *in, float *out, int64_t n);
/// Per-channel affine over planes: x is (outer, C, inner): y = x*scale[c] + shift[c] (scale or shift may be NULL)
void nnk_channel_affine(int64_t outer, int64_t C, int64_t inner, const float *scale, const float *shift,
                        const float *in, float *out);
enum { NNK_BIN_ADD = 0, NNK_BIN_SUB = 1, NNK_BIN_MUL = 2, NNK_BIN_DIV = 3 };
/// out[i] = a[..] op b[..] with numpy broadcasting already resolved into element strides (0 for broadcast
/// dims); rank <= 8 (rank 0 is a scalar); out is contiguous with out_shape.
void nnk_binary_strided(int32_t op, int32_t rank, const int64_t *out_shape,
                        const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                        float *out);
/// Softmax / LogSoftmax (log != 0) over the last axis of a (rows, cols) matrix; in may equal out.
void nnk_softmax_rows(int64_t rows, int64_t cols, const float *in, float *out, int32_t log);

#ifdef __cplusplus
}
#endif
