// nnk_convnd_reference.c — the plain convolution over 1, 2 or 3 spatial dims, one output at a time.
// The definition the fast kernels are tested against, and the path for shapes they do not take.
#include "nnk_internal.h"

void nnk_convnd_reference(int32_t ndims, int64_t N, int64_t C_in, const int64_t *in_shape,
                          int64_t C_out, const int64_t *k_shape, const int64_t *strides,
                          const int64_t *dilations, const int64_t *pads, int64_t groups,
                          const int64_t *out_shape, const float *in, const float *w, float *out,
                          const nnk_epilogue *ep) {
    // Pad to 3 spatial dims with leading unit dims.
    int64_t is[3], ks[3], os[3], st[3], dl[3], pb[3];
    const int lead = 3 - ndims;
    for (int i = 0; i < 3; i++) {
        const int j = i - lead, real = j >= 0;
        is[i] = real ? in_shape[j] : 1;
        ks[i] = real ? k_shape[j] : 1;
        os[i] = real ? out_shape[j] : 1;
        st[i] = real ? strides[j] : 1;
        dl[i] = real ? dilations[j] : 1;
        pb[i] = real ? pads[j] : 0;
    }
    const int64_t in_size = is[0] * is[1] * is[2], k_size = ks[0] * ks[1] * ks[2];
    const int64_t out_size = os[0] * os[1] * os[2];
    const int64_t cin_g = C_in / groups, cout_g = C_out / groups;
    for (int64_t n = 0; n < N; n++) {
        const nnk_epi e = nnk_epi_make(ep, 0, 0, n * C_out * out_size, out_size);
        for (int64_t oc = 0; oc < C_out; oc++) {        // out is (N, C_out, o0, o1, o2)
            const int64_t grp = oc / cout_g;
            for (int64_t o0 = 0; o0 < os[0]; o0++)
                for (int64_t o1 = 0; o1 < os[1]; o1++)
                    for (int64_t o2 = 0; o2 < os[2]; o2++) {
                        float acc = 0.0f;
                        for (int64_t ic = 0; ic < cin_g; ic++) {  // w is (C_out, C_in/groups, k0, k1, k2)
                            const float *x = in + (n * C_in + grp * cin_g + ic) * in_size;
                            const float *wk = w + (oc * cin_g + ic) * k_size;
                            for (int64_t t0 = 0; t0 < ks[0]; t0++) {
                                const int64_t x0 = o0 * st[0] - pb[0] + t0 * dl[0];
                                if (x0 < 0 || x0 >= is[0]) continue;
                                for (int64_t t1 = 0; t1 < ks[1]; t1++) {
                                    const int64_t x1 = o1 * st[1] - pb[1] + t1 * dl[1];
                                    if (x1 < 0 || x1 >= is[1]) continue;
                                    for (int64_t t2 = 0; t2 < ks[2]; t2++) {
                                        const int64_t x2 = o2 * st[2] - pb[2] + t2 * dl[2];
                                        if (x2 < 0 || x2 >= is[2]) continue;
                                        acc += wk[(t0 * ks[1] + t1) * ks[2] + t2] * x[(x0 * is[1] + x1) * is[2] + x2];
                                    }
                                }
                            }
                        }
                        const int64_t s = (o0 * os[1] + o1) * os[2] + o2;
                        out[(n * C_out + oc) * out_size + s] = nnk_epi_scalar(&e, acc, oc, s);
                    }
        }
    }
}
