// nnk_train_elementwise.c — elementwise backward passes for training (see nnk_train.h).
// Branch-free loops the compiler vectorises; the AVX2 variant is used whenever the
// dispatcher's (nnk_isa_name) is not the reference one.
#include <string.h>
#include "nnk_train.h"

static void nnk_rectifier_backward__ref(const float *x, const float *dy, float *dx, int64_t n, float slope) {
    for (int64_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void nnk_rectifier_backward__avx2_fma(const float *x, const float *dy, float *dx, int64_t n, float slope) {
    for (int64_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
}
#endif

void nnk_rectifier_backward(const float *x, const float *dy, float *dx, int64_t n, float slope) {
#if defined(__x86_64__)
    if (strcmp(nnk_isa_name(), "reference") != 0) {  // follows nnk_set_force_reference
        nnk_rectifier_backward__avx2_fma(x, dy, dx, n, slope);
        return;
    }
#endif
    nnk_rectifier_backward__ref(x, dy, dx, n, slope);
}
