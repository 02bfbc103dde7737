#pragma once
#include <stdint.h>
/// Test support: counts heap allocations made by the calling thread while its counting is on.
/// malloc/calloc/realloc/posix_memalign/aligned_alloc are interposed and forwarded to glibc.
void nn_allocation_counting(int on);
/// 1 when allocations are counted; 0 when the counter is compiled out (under ASan/TSan, which
/// interpose malloc themselves, or off glibc) and nn_allocation_count() stays 0.
int nn_allocation_counter_active(void);
uint64_t nn_allocation_count(void);
