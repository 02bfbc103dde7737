// nnk_train_memory.c — allocator tuning for training processes (see nnk_train.h).
#include "nnk_train.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int nnk_train_keep_freed_buffers(void) {
#if defined(__GLIBC__)
    // Large blocks stay in the heap when freed instead of being unmapped and faulted in again.
    return mallopt(M_MMAP_THRESHOLD, 512 << 20) && mallopt(M_TRIM_THRESHOLD, 1 << 30);
#else
    return 0;
#endif
}
