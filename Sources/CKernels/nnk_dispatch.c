// nnk_dispatch.c — picks the kernel table once per process by CPU feature.
#include <pthread.h>
#include <stdatomic.h>
#include "nnk_internal.h"

static const nnk_kernels nnk_kernels_reference = {
    .name = "reference",
    .sgemm_ukernel_rows = nnk_sgemm_ukernel_rows__ref,
    .sgemm_ukernel_narrow = nnk_sgemm_ukernel_narrow__ref,
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
// AVX-512 changes the micro-kernels, the depthwise kernel, the transposed tile store and the stride-2
// im2col packer; every other entry is the AVX2 one.
#define NNK_AVX2_ENTRIES                                         \
    .tile_store = nnk_tile_store__avx2_fma,                      \
    .epilogue_tile = nnk_epilogue_tile__avx2_fma,                \
    .activation = nnk_activation__avx2_fma,                      \
    .affine_row = nnk_affine_row__avx2_fma,                      \
    .binary_row = nnk_binary_row__avx2_fma,                      \
    .softmax_row = nnk_softmax_row__avx2_fma,                    \
    .pool2d_plane = nnk_pool2d_plane__avx2_fma,                  \
    .global_pool = nnk_global_pool__avx2_fma,                    \
    .winograd_input = nnk_winograd_input__avx2_fma,              \
    .winograd_output = nnk_winograd_output__avx2_fma,            \
    .sgemm_small_m_panel = nnk_sgemm_small_m_panel__avx2_fma
static const nnk_kernels nnk_kernels_avx2_fma = {
    .name = "avx2_fma",
    .sgemm_ukernel_rows = nnk_sgemm_ukernel_rows__avx2_fma,
    .sgemm_ukernel_narrow = nnk_sgemm_ukernel_narrow__avx2_fma,
    .dwconv2d_c8 = nnk_dwconv2d_c8__avx2_fma,
    .tile_store_epi = nnk_tile_store_epi__avx2_fma,
    .im2col_pack = nnk_pack_b_im2col__avx2_fma,
    NNK_AVX2_ENTRIES,
};
static const nnk_kernels nnk_kernels_avx512 = {
    .name = "avx512",
    .sgemm_ukernel_rows = nnk_sgemm_ukernel_rows__avx512,
    .sgemm_ukernel_narrow = nnk_sgemm_ukernel_narrow__avx2_fma,   // (8 lanes: AVX2 suffices)
    .sgemm_ukernel_rows_x2 = nnk_sgemm_ukernel_rows_x2__avx512,
    .dwconv2d_c8 = nnk_dwconv2d_c8__avx512,
    .tile_store_epi = nnk_tile_store_epi__avx512,
    .im2col_pack = nnk_pack_b_im2col__avx512,
    NNK_AVX2_ENTRIES,
};
#undef NNK_AVX2_ENTRIES
#endif

// The one-time dispatch state: the best table for this CPU and the AVX2 one where the CPU has AVX2
// (set once under pthread_once), and the table in use (the best one, or one that tests force).
static pthread_once_t nnk_dispatch_once = PTHREAD_ONCE_INIT;
static const nnk_kernels *_Atomic nnk_best_table;
static const nnk_kernels *_Atomic nnk_avx2_table;
static const nnk_kernels *_Atomic nnk_forced_table;

static void nnk_dispatch_init(void) {
    const nnk_kernels *best = &nnk_kernels_reference, *avx2 = NULL;
#if NNK_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = avx2 = &nnk_kernels_avx2_fma;
    // (the compiler's CPU check includes the OS saving the 512-bit registers)
    if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) best = &nnk_kernels_avx512;
#endif
    atomic_store(&nnk_avx2_table, avx2);
    atomic_store(&nnk_best_table, best);
}

const nnk_kernels *nnk_active(void) {
    const nnk_kernels *forced = atomic_load_explicit(&nnk_forced_table, memory_order_acquire);
    if (forced) return forced;
    pthread_once(&nnk_dispatch_once, nnk_dispatch_init);
    return atomic_load_explicit(&nnk_best_table, memory_order_acquire);
}

const char *nnk_isa_name(void) { return nnk_active()->name; }

#ifndef __has_feature
#define __has_feature(x) 0
#endif
int nnk_built_with_memory_checks(void) {
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || defined(__SANITIZE_ADDRESS__)
    return 1;
#else
    return 0;
#endif
}

void nnk_set_force_reference(int level) {
    const nnk_kernels *t = NULL;
    if (level == 1) t = &nnk_kernels_reference;
    if (level == 2) {
        pthread_once(&nnk_dispatch_once, nnk_dispatch_init);
        t = atomic_load(&nnk_avx2_table);       // NULL (the best table) on CPUs without AVX2
    }
    atomic_store_explicit(&nnk_forced_table, t, memory_order_release);
}
