// nnk_pack.c — packing strided A and B blocks into the micro-kernel panel layouts (plain C; packing
// is a small part of the time and the compiler vectorises the contiguous cases).
//   A block (mc, kc) -> panels of MR rows:    dst[p][k][i] = A[p*MR + i][k], zero rows past mc
//   B block (kc, nc) -> panels of NR columns: dst[q][k][j] = B[k][q*NR + j], zero columns past nc
#include <string.h>
#include "nnk_internal.h"

void nnk_pack_a_strided(int64_t mc, int64_t kc, const float *a, int64_t rs, int64_t cs, float *dst) {
    for (int64_t m0 = 0; m0 < mc; m0 += NNK_MR) {  // panel of rows [m0, m0+MR)
        const int64_t mr = NNK_MIN(NNK_MR, mc - m0);
        const float *rows = a + m0 * rs;
        if (cs == 1 && mr == NNK_MR) {
            for (int64_t k = 0; k < kc; k++)       // dst is (kc, MR)
                for (int i = 0; i < NNK_MR; i++) dst[k * NNK_MR + i] = rows[i * rs + k];
        } else {
            for (int64_t k = 0; k < kc; k++) {
                for (int64_t i = 0; i < mr; i++) dst[k * NNK_MR + i] = rows[i * rs + k * cs];
                for (int64_t i = mr; i < NNK_MR; i++) dst[k * NNK_MR + i] = 0.0f;
            }
        }
        dst += kc * NNK_MR;
    }
}

void nnk_pack_b_strided(int64_t kc, int64_t nc, const float *b, int64_t rs, int64_t cs, float *dst) {
    for (int64_t n0 = 0; n0 < nc; n0 += NNK_NR) {  // panel of columns [n0, n0+NR)
        const int64_t nr = NNK_MIN(NNK_NR, nc - n0);
        const float *cols = b + n0 * cs;
        if (cs == 1 && nr == NNK_NR) {
            for (int64_t k = 0; k < kc; k++)       // dst is (kc, NR); a fixed-size copy is inlined
                memcpy(dst + k * NNK_NR, cols + k * rs, NNK_NR * sizeof(float));
        } else if (cs == 1) {
            for (int64_t k = 0; k < kc; k++) {
                memcpy(dst + k * NNK_NR, cols + k * rs, (size_t)nr * sizeof(float));
                for (int64_t j = nr; j < NNK_NR; j++) dst[k * NNK_NR + j] = 0.0f;
            }
        } else if (rs == 1) {                      // columns contiguous: read along k, 64 rows at a time
            for (int64_t k0 = 0; k0 < kc; k0 += 64) { // (the 4 KiB of panel rows being written stay in L1)
                const int64_t k1 = NNK_MIN(kc, k0 + 64);
                for (int64_t j = 0; j < NNK_NR; j++) {
                    const float *col = cols + j * cs;
                    for (int64_t k = k0; k < k1; k++) dst[k * NNK_NR + j] = j < nr ? col[k] : 0.0f;
                }
            }
        } else {
            for (int64_t k = 0; k < kc; k++) {
                for (int64_t j = 0; j < nr; j++) dst[k * NNK_NR + j] = cols[k * rs + j * cs];
                for (int64_t j = nr; j < NNK_NR; j++) dst[k * NNK_NR + j] = 0.0f;
            }
        }
        dst += kc * NNK_NR;
    }
}
