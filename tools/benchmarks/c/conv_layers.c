// conv_layers.c — times nnk_conv2d alone on the conv layers of the reference CNNs, single-threaded,
// min over many repetitions (robust on a shared machine). Built and run by tools/bench-conv-layers.
//   conv_layers [filter] [cold|l2cold]   filter: substring of the layer name (default: all); cold: evict
//   the caches before every repetition (input, output and weights come from memory, as in a network
//   whose tensors outgrow the caches); l2cold: evict L1 and L2 only (4 MiB: they come from L3)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nnkernels.h"

typedef struct { const char *name; int64_t cin, h, cout, k, stride, pad, groups, act; } layer;

static const layer layers[] = {
    // MobileNetV2 224x224 (act 1: Clip 0..6 fused; 0: none)
    {"mbv2.stem 3x3s2 3->32 @224", 3, 224, 32, 3, 2, 1, 1, 1},
    {"mbv2.dw 3x3s1 32 @112", 32, 112, 32, 3, 1, 1, 32, 1},
    {"mbv2.pw 32->16 @112", 32, 112, 16, 1, 1, 0, 1, 0},
    {"mbv2.pw 16->96 @112", 16, 112, 96, 1, 1, 0, 1, 1},
    {"mbv2.dw 3x3s2 96 @112", 96, 112, 96, 3, 2, 1, 96, 1},
    {"mbv2.pw 96->24 @56", 96, 56, 24, 1, 1, 0, 1, 0},
    {"mbv2.pw 24->144 @56", 24, 56, 144, 1, 1, 0, 1, 1},
    {"mbv2.dw 3x3s1 144 @56", 144, 56, 144, 3, 1, 1, 144, 1},
    {"mbv2.pw 144->24 @56", 144, 56, 24, 1, 1, 0, 1, 0},
    {"mbv2.dw 3x3s2 144 @56", 144, 56, 144, 3, 2, 1, 144, 1},
    {"mbv2.pw 144->32 @28", 144, 28, 32, 1, 1, 0, 1, 0},
    {"mbv2.pw 32->192 @28", 32, 28, 192, 1, 1, 0, 1, 1},
    {"mbv2.dw 3x3s1 192 @28", 192, 28, 192, 3, 1, 1, 192, 1},
    {"mbv2.pw 192->32 @28", 192, 28, 32, 1, 1, 0, 1, 0},
    {"mbv2.dw 3x3s2 192 @28", 192, 28, 192, 3, 2, 1, 192, 1},
    {"mbv2.pw 192->64 @14", 192, 14, 64, 1, 1, 0, 1, 0},
    {"mbv2.pw 64->384 @14", 64, 14, 384, 1, 1, 0, 1, 1},
    {"mbv2.dw 3x3s1 384 @14", 384, 14, 384, 3, 1, 1, 384, 1},
    {"mbv2.pw 384->64 @14", 384, 14, 64, 1, 1, 0, 1, 0},
    {"mbv2.pw 384->96 @14", 384, 14, 96, 1, 1, 0, 1, 0},
    {"mbv2.pw 96->576 @14", 96, 14, 576, 1, 1, 0, 1, 1},
    {"mbv2.dw 3x3s1 576 @14", 576, 14, 576, 3, 1, 1, 576, 1},
    {"mbv2.dw 3x3s2 576 @14", 576, 14, 576, 3, 2, 1, 576, 1},
    {"mbv2.pw 576->96 @14", 576, 14, 96, 1, 1, 0, 1, 0},
    {"mbv2.pw 576->160 @7", 576, 7, 160, 1, 1, 0, 1, 0},
    {"mbv2.pw 160->960 @7", 160, 7, 960, 1, 1, 0, 1, 1},
    {"mbv2.dw 3x3s1 960 @7", 960, 7, 960, 3, 1, 1, 960, 1},
    {"mbv2.pw 960->160 @7", 960, 7, 160, 1, 1, 0, 1, 0},
    {"mbv2.pw 960->320 @7", 960, 7, 320, 1, 1, 0, 1, 0},
    {"mbv2.pw 320->1280 @7", 320, 7, 1280, 1, 1, 0, 1, 1},
    // ResNet-18 224x224 (act 2: ReLU)
    {"r18.conv1 7x7s2 3->64 @224", 3, 224, 64, 7, 2, 3, 1, 2},
    {"r18.l1 3x3 64 @56", 64, 56, 64, 3, 1, 1, 1, 2},
    {"r18.l2.0 3x3s2 64->128 @56", 64, 56, 128, 3, 2, 1, 1, 2},
    {"r18.l2.ds 1x1s2 64->128 @56", 64, 56, 128, 1, 2, 0, 1, 0},
    {"r18.l2 3x3 128 @28", 128, 28, 128, 3, 1, 1, 1, 2},
    {"r18.l3.0 3x3s2 128->256 @28", 128, 28, 256, 3, 2, 1, 1, 2},
    {"r18.l3 3x3 256 @14", 256, 14, 256, 3, 1, 1, 1, 2},
    {"r18.l4.0 3x3s2 256->512 @14", 256, 14, 512, 3, 2, 1, 1, 2},
    {"r18.l4 3x3 512 @7", 512, 7, 512, 3, 1, 1, 1, 2},
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : "";
    const int l2cold = argc > 2 && strcmp(argv[2], "l2cold") == 0;
    const int cold = l2cold || (argc > 2 && strcmp(argv[2], "cold") == 0);
    const size_t evict_n = (size_t)(l2cold ? 4 : 48) << 20;
    char *evict = cold ? malloc(evict_n) : NULL;
    if (evict) memset(evict, 1, evict_n);
    double total = 0;
    printf("%-32s %4s %9s %9s %8s\n", "layer", "algo", "MFLOP", "min ms", "GFLOP/s");
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        const layer *l = &layers[i];
        if (!strstr(l->name, filter)) continue;
        nnk_conv2d_params p = {0};
        p.N = 1; p.C_in = l->cin; p.H = p.W = l->h; p.C_out = l->cout; p.KH = p.KW = l->k;
        p.stride_h = p.stride_w = l->stride; p.dil_h = p.dil_w = 1;
        p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = l->pad; p.groups = l->groups;
        p.OH = p.OW = (l->h + 2 * l->pad - l->k) / l->stride + 1;
        const int64_t wn = l->cout * (l->cin / l->groups) * l->k * l->k;
        float *w = malloc(wn * 4), *in = malloc(l->cin * l->h * l->h * 4 + 64);
        float *out = malloc(l->cout * p.OH * p.OW * 4 + 64), *bias = malloc(l->cout * 4);
        for (int64_t j = 0; j < wn; j++) w[j] = (float)((j * 7919 % 1000) - 500) * 1e-4f;
        for (int64_t j = 0; j < l->cin * l->h * l->h; j++) in[j] = (float)(j % 97) * 0.01f;
        for (int64_t j = 0; j < l->cout; j++) bias[j] = 0.01f * (float)j;
        float *packed = aligned_alloc(64, (nnk_conv2d_packed_weights_floats(&p) * 4 + 63) / 64 * 64);
        nnk_conv2d_pack_weights(&p, w, packed);
        float *ws = aligned_alloc(64, (nnk_conv2d_workspace_floats(&p) * 4 + 63) / 64 * 64 + 64);
        nnk_epilogue ep;
        nnk_epilogue_init(&ep);
        ep.bias = bias;
        if (l->act == 1) { ep.activation = NNK_ACT_CLIP; ep.act_alpha = 0; ep.act_beta = 6; }
        if (l->act == 2) ep.activation = NNK_ACT_RELU;
        const double flops = 2.0 * l->cout * p.OH * p.OW * (l->cin / l->groups) * l->k * l->k;
        const int reps = (int)(2e9 / flops) + 5;
        double best = 1e9;
        for (int r = 0; r < (cold ? 40 : reps); r++) {
            if (evict) for (size_t j = 0; j < evict_n; j += 64) evict[j]++;
            const double t = now();
            nnk_conv2d(&p, in, packed, out, &ep, ws, 0, 1);
            const double d = now() - t;
            if (d < best) best = d;
        }
        total += best;
        printf("%-32s %4d %9.2f %9.4f %8.1f\n", l->name, nnk_conv2d_algorithm(&p), flops * 1e-6, best * 1e3,
               flops / best * 1e-9);
        free(w); free(in); free(out); free(bias); free(packed); free(ws);
    }
    printf("%-32s %4s %9s %9.4f\n", "sum", "", "", total * 1e3);
    return 0;
}
