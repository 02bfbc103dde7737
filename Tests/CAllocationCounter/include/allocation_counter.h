#pragma once
#include <stdint.h>
/// Test support: counts heap allocations made by the calling thread while its counting is on.
/// malloc/calloc/realloc/posix_memalign/aligned_alloc are interposed and forwarded to glibc.
void nn_allocation_counting(int on);
uint64_t nn_allocation_count(void);
