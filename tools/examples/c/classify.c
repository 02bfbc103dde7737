/*
 * classify.c — run a model through the nninfer C API and print the top classes.
 *
 *   cc -std=c99 -Wall -I Sources/CNNInferAPI/include tools/examples/c/classify.c \
 *      -L .build/release -lnninfer_c -Wl,-rpath,$PWD/.build/release -o classify
 *   ./classify model.onnx
 *
 * The model takes one float input [N, 3, 8, 8] (the tiny model `swift-classify --write-model`
 * writes); the input is the examples' synthetic image: element i is ((i * 37) % 101) / 100.
 * Runs twice — into a reusable nninfer_result and into a caller buffer — and checks they agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nninfer.h"

static int fail(const char *what) {
    fprintf(stderr, "classify: %s: %s\n", what, nninfer_last_error());
    return 1;
}

/* Copies the `index`-th string of a flat JSON array of strings without escapes into `out`. */
static void label_at(const char *json, size_t index, char *out, size_t capacity) {
    snprintf(out, capacity, "?");
    if (json == NULL) return;
    const char *p = json;
    for (size_t i = 0;; i++) {
        const char *open = strchr(p, '"');
        if (open == NULL) return;
        const char *close = strchr(open + 1, '"');
        if (close == NULL) return;
        if (i == index) {
            size_t n = (size_t)(close - open - 1);
            if (n >= capacity) n = capacity - 1;
            memcpy(out, open + 1, n);
            out[n] = '\0';
            return;
        }
        p = close + 1;
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: classify MODEL.onnx\n");
        return 2;
    }
    printf("nninfer %s (C API %d)\n", nninfer_version(), NNINFER_API_VERSION);

    /* 1. Load with options. */
    nninfer_session_options options;
    nninfer_session_options_init(&options);
    options.threads = 2;
    nninfer_session *session = NULL;
    if (nninfer_session_create_from_file(argv[1], &options, &session) != NNINFER_OK) return fail("load");

    /* 2. Ask the inputs and outputs. */
    nninfer_io_info input, output;
    if (nninfer_session_input_info(session, 0, &input) != NNINFER_OK) return fail("input 0");
    if (nninfer_session_output_info(session, 0, &output) != NNINFER_OK) return fail("output 0");
    printf("input: %s type %d shape [", input.name, input.type);
    for (size_t i = 0; i < input.rank; i++) printf("%s%lld", i ? ", " : "", (long long)input.shape[i]);
    printf("]\noutput: %s type %d rank %zu\n", output.name, output.type, output.rank);

    /* 3. Run on a named, shaped float buffer (symbolic dimensions, -1, become 1). */
    int64_t shape[4];
    if (input.rank != 4 || input.type != NNINFER_FLOAT32) {
        fprintf(stderr, "classify: expected a float input of rank 4\n");
        return 1;
    }
    size_t count = 1;
    for (size_t i = 0; i < 4; i++) {
        shape[i] = input.shape[i] < 0 ? 1 : input.shape[i];
        count *= (size_t)shape[i];
    }
    float *pixels = malloc(count * sizeof(float));
    if (pixels == NULL) return 1;
    for (size_t i = 0; i < count; i++) pixels[i] = (float)((i * 37) % 101) / 100.0f;
    nninfer_tensor tensor = {input.name, NNINFER_FLOAT32, 4, shape, pixels, count * sizeof(float)};

    nninfer_result *result = NULL;
    if (nninfer_result_create(&result) != NNINFER_OK) return fail("result");
    if (nninfer_session_run(session, &tensor, 1, result) != NNINFER_OK) return fail("run");
    nninfer_output logits;
    if (nninfer_result_output(result, 0, &logits) != NNINFER_OK) return fail("read output");
    const float *scores = logits.data;

    /* The same run into a caller buffer (nothing allocated for the outputs). */
    float copy[1024];
    int64_t copy_shape[8];
    nninfer_output_buffer into = {copy, sizeof copy, copy_shape, 8, 0, 0, 0, 0};
    if (nninfer_session_run_into(session, &tensor, 1, &into, 1) != NNINFER_OK) return fail("run_into");
    if (into.byte_size != logits.byte_size || memcmp(copy, scores, logits.byte_size) != 0) {
        fprintf(stderr, "classify: run and run_into disagree\n");
        return 1;
    }

    /* 4. Top classes, with labels from the model's metadata. */
    const char *labels = NULL;
    if (nninfer_session_metadata(session, "nninfer.labels", &labels) != NNINFER_OK) return fail("metadata");
    size_t classes = logits.rank > 0 ? (size_t)logits.shape[logits.rank - 1] : logits.element_count;
    printf("logits:");
    for (size_t i = 0; i < classes; i++) printf(" %.6f", scores[i]);
    printf("\ntop-3:\n");
    size_t best = 0;
    int taken[1024] = {0};
    for (size_t k = 0; k < 3 && k < classes && classes <= 1024; k++) {
        size_t top = classes;
        for (size_t i = 0; i < classes; i++)
            if (!taken[i] && (top == classes || scores[i] > scores[top])) top = i;
        taken[top] = 1;
        if (k == 0) best = top;
        char label[128];
        label_at(labels, top, label, sizeof label);
        printf("  %zu %s %.6f\n", top, label, scores[top]);
    }
    char label[128];
    label_at(labels, best, label, sizeof label);
    printf("top class: %zu %s\n", best, label);

    /* 5. Free everything. */
    nninfer_result_release(result);
    nninfer_session_release(session);
    free(pixels);
    return 0;
}
