// Test support only: interposes the C allocator in the test executable to count allocations,
// forwarding every call to glibc's own entry points. Linked into NNRuntimeTests alone.
#include "allocation_counter.h"
#include <stdatomic.h>
#include <stddef.h>
#include <errno.h>

// Sanitizers interpose malloc themselves (ASan frees through its own allocator, TSan tracks every
// block): a second interposer would hand them glibc blocks. Under a sanitizer the counter is off.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define NN_ALLOCATION_COUNTER_OFF 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NN_ALLOCATION_COUNTER_OFF 1
#endif

#if (defined(__GLIBC__) || defined(__linux__)) && !defined(NN_ALLOCATION_COUNTER_OFF)
int nn_allocation_counter_active(void) { return 1; }

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

// Counting is per thread: tests run concurrently, and only the calling thread's allocations
// (plus those of threads it marks with nn_allocation_counting) are of interest.
static _Thread_local int counting;
static atomic_uint_fast64_t count;

void nn_allocation_counting(int on) { counting = on; }
uint64_t nn_allocation_count(void) { return atomic_load(&count); }

static inline void note(void) {
    if (counting) atomic_fetch_add(&count, 1);
}

void *malloc(size_t n) { note(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { note(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { note(); return __libc_realloc(p, n); }
void *aligned_alloc(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
void *memalign(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    note();
    void *p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
#else
int nn_allocation_counter_active(void) { return 0; }
void nn_allocation_counting(int on) { (void)on; }
uint64_t nn_allocation_count(void) { return 0; }
#endif
