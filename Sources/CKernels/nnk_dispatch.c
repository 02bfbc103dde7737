// nnk_dispatch.c — picks the kernel table once per process by CPU feature.
#include <pthread.h>
#include <stdatomic.h>
#include "nnk_internal.h"

static const nnk_kernels nnk_kernels_reference = {
    .name = "reference",
    .sgemm_ukernel = nnk_sgemm_ukernel_6x16__ref,
    .sgemm_ukernel_rows = nnk_sgemm_ukernel_rows__ref,
    .tile_store = nnk_tile_store__ref,
    .tile_store_epi = nnk_tile_store_epi__ref,
    .epilogue_tile = nnk_epilogue_tile__ref,
    .activation = nnk_activation__ref,
    .affine_row = nnk_affine_row__ref,
    .binary_row = nnk_binary_row__ref,
    .softmax_row = nnk_softmax_row__ref,
    .dwconv2d_c8 = nnk_dwconv2d_c8__ref,
    .pool2d_plane = nnk_pool2d_plane__ref,
    .global_pool = nnk_global_pool__ref,
    .winograd_input = nnk_winograd_input__ref,
    .winograd_output = nnk_winograd_output__ref,
    .sgemm_small_m_panel = nnk_sgemm_small_m_panel__ref,
    .im2col_pack = nnk_pack_b_im2col__ref,
};

#if NNK_HAVE_AVX2
static const nnk_kernels nnk_kernels_avx2_fma = {
    .name = "avx2_fma",
    .sgemm_ukernel = nnk_sgemm_ukernel_6x16__avx2_fma,
    .sgemm_ukernel_rows = nnk_sgemm_ukernel_rows__avx2_fma,
    .tile_store = nnk_tile_store__avx2_fma,
    .tile_store_epi = nnk_tile_store_epi__avx2_fma,
    .epilogue_tile = nnk_epilogue_tile__avx2_fma,
    .activation = nnk_activation__avx2_fma,
    .affine_row = nnk_affine_row__avx2_fma,
    .binary_row = nnk_binary_row__avx2_fma,
    .softmax_row = nnk_softmax_row__avx2_fma,
    .dwconv2d_c8 = nnk_dwconv2d_c8__avx2_fma,
    .pool2d_plane = nnk_pool2d_plane__avx2_fma,
    .global_pool = nnk_global_pool__avx2_fma,
    .winograd_input = nnk_winograd_input__avx2_fma,
    .winograd_output = nnk_winograd_output__avx2_fma,
    .sgemm_small_m_panel = nnk_sgemm_small_m_panel__avx2_fma,
    .im2col_pack = nnk_pack_b_im2col__avx2_fma,
};
#endif

// The one-time dispatch state: the best table for this CPU (set once under pthread_once) and the
// table in use (the best one, or the reference one while tests force it).
static pthread_once_t nnk_dispatch_once = PTHREAD_ONCE_INIT;
static const nnk_kernels *_Atomic nnk_best_table;
static const nnk_kernels *_Atomic nnk_forced_table;

static void nnk_dispatch_init(void) {
    const nnk_kernels *best = &nnk_kernels_reference;
#if NNK_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = &nnk_kernels_avx2_fma;
#endif
    atomic_store(&nnk_best_table, best);
}

const nnk_kernels *nnk_active(void) {
    const nnk_kernels *forced = atomic_load_explicit(&nnk_forced_table, memory_order_acquire);
    if (forced) return forced;
    pthread_once(&nnk_dispatch_once, nnk_dispatch_init);
    return atomic_load_explicit(&nnk_best_table, memory_order_acquire);
}

const char *nnk_isa_name(void) { return nnk_active()->name; }

void nnk_set_force_reference(int on) {
    atomic_store_explicit(&nnk_forced_table, on ? &nnk_kernels_reference : NULL, memory_order_release);
}
