/*
 * api_overhead.c — per-call cost of the nninfer C API (libnninfer_c.so) on a model that does
 * almost nothing (the 1×1 conv on a 1×1×1×1 input that bench-api-overhead writes).
 *
 *   api_overhead MODEL_PATH [ITERATIONS]
 *
 * Prints "name<TAB>nanoseconds per call", the median of 5 repeats, on one thread.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nninfer.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: api_overhead MODEL_PATH [ITERATIONS]\n");
        return 2;
    }
    long iterations = argc > 2 ? atol(argv[2]) : 200000;
    nninfer_session_options options;
    nninfer_session_options_init(&options);
    options.threads = 1;
    nninfer_session *session = NULL;
    if (nninfer_session_create_from_file(argv[1], &options, &session) != NNINFER_OK) {
        fprintf(stderr, "api_overhead: %s\n", nninfer_last_error());
        return 1;
    }
    float x = 3, y = 0;
    int64_t shape[4] = {1, 1, 1, 1};
    nninfer_tensor input = {NULL, NNINFER_FLOAT32, 4, shape, &x, sizeof x};
    nninfer_tensor named = {"input", NNINFER_FLOAT32, 4, shape, &x, sizeof x};
    nninfer_result *result = NULL;
    nninfer_result_create(&result);
    int64_t out_shape[4];
    nninfer_output_buffer out = {&y, sizeof y, out_shape, 4, 0, 0, 0, 0};

    for (int way = 0; way < 3; way++) {
        const char *name = way == 0 ? "nninfer C nninfer_session_run (result, by position)"
                         : way == 1 ? "nninfer C nninfer_session_run (result, by name)"
                                    : "nninfer C nninfer_session_run_into (caller buffer)";
        double samples[5];
        for (int repeat = -1; repeat < 5; repeat++) {
            long n = repeat < 0 ? 1000 : iterations;
            double start = now_ns();
            for (long i = 0; i < n; i++) {
                nninfer_status s = way == 0 ? nninfer_session_run(session, &input, 1, result)
                                 : way == 1 ? nninfer_session_run(session, &named, 1, result)
                                            : nninfer_session_run_into(session, &input, 1, &out, 1);
                if (s != NNINFER_OK) {
                    fprintf(stderr, "api_overhead: %s\n", nninfer_last_error());
                    return 1;
                }
            }
            if (repeat >= 0) samples[repeat] = (now_ns() - start) / (double)n;
        }
        qsort(samples, 5, sizeof samples[0], compare);
        printf("%s\t%.1f\n", name, samples[2]);
    }
    nninfer_output o;
    nninfer_result_output(result, 0, &o);
    if (*(const float *)o.data != 6.5f || y != 6.5f) {
        fprintf(stderr, "api_overhead: wrong result\n");
        return 1;
    }
    nninfer_result_release(result);
    nninfer_session_release(session);
    return 0;
}
