/*
 * nninfer.h — the C API of the nninfer inference runtime (libnninfer_c.so).
 *
 * One header, plain C99. A session loads and compiles a model once; runs take input tensors
 * and produce output tensors. Every function returns an nninfer_status (or a value that cannot
 * fail) and never aborts: a failed call leaves its out-parameters untouched and sets a message
 * that nninfer_last_error() returns on the same thread.
 *
 * Ownership, in short:
 *   - Pointers you pass in are borrowed for the duration of the call only, unless stated.
 *   - Objects the library creates (nninfer_session, nninfer_result) are yours; release them with
 *     their *_release function. Releasing NULL does nothing.
 *   - Pointers the library returns inside nninfer_io_info and nninfer_output are owned by the
 *     library; each field says how long it stays valid. Never free them.
 *
 * Threads: a session is immutable after creation. Any number of threads may run the same
 * session at once (nninfer_session_run with one nninfer_result per thread, or
 * nninfer_session_run_into), and query it. A single nninfer_result must not be used by two
 * threads at the same time.
 *
 * Eval semantics: BatchNormalization uses its running statistics and Dropout is the identity,
 * whatever training mode the file encodes.
 *
 * Minimal use:
 *
 *     nninfer_session *s = NULL;
 *     if (nninfer_session_create_from_file("model.onnx", NULL, &s) != NNINFER_OK) {
 *         fprintf(stderr, "%s\n", nninfer_last_error());
 *         return 1;
 *     }
 *     int64_t shape[4] = {1, 3, 224, 224};
 *     nninfer_tensor in = {NULL, NNINFER_FLOAT32, 4, shape, pixels, sizeof pixels};
 *     nninfer_result *r = NULL;
 *     nninfer_result_create(&r);
 *     if (nninfer_session_run(s, &in, 1, r) == NNINFER_OK) {
 *         nninfer_output out;
 *         nninfer_result_output(r, 0, &out);   // out.data: out.element_count floats
 *     }
 *     nninfer_result_release(r);
 *     nninfer_session_release(s);
 */
#ifndef NNINFER_H
#define NNINFER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header's API. Changes only when the ABI changes. */
#define NNINFER_API_VERSION 1

/* ---- Status codes ------------------------------------------------------------------------ */

/* The result of every fallible call: NNINFER_OK (0) or one of the error codes below. */
typedef int32_t nninfer_status;

enum {
    NNINFER_OK = 0,
    /* A NULL pointer where one is required, an index out of range, a size that does not fit. */
    NNINFER_ERROR_INVALID_ARGUMENT = 1,
    /* The model file does not exist or cannot be read. */
    NNINFER_ERROR_FILE = 2,
    /* The bytes are not a valid model (corrupt, truncated, structurally invalid, over a limit). */
    NNINFER_ERROR_INVALID_MODEL = 3,
    /* The model uses operators (or type/attribute combinations) the runtime does not support. */
    NNINFER_ERROR_UNSUPPORTED = 4,
    /* A run's inputs are wrong: unknown or missing name, wrong element type, rank or shape,
       data size not matching the shape. */
    NNINFER_ERROR_INVALID_INPUT = 5,
    /* A caller-provided output buffer (data or shape array) is too small; the message gives
       the size needed. */
    NNINFER_ERROR_BUFFER_TOO_SMALL = 6,
    /* The shapes do not fit together inside the model for these input shapes. */
    NNINFER_ERROR_SHAPE = 7,
    /* A tensor would exceed an internal size limit, or the system refused the memory a run needs. */
    NNINFER_ERROR_LIMIT_EXCEEDED = 8,
    /* A bug in the runtime; please report it with the message. */
    NNINFER_ERROR_INTERNAL = 9
};

/* ---- Element types ----------------------------------------------------------------------- */

/* An element type, as ONNX's TensorProto.DataType code. Runs accept and produce FLOAT32 and
   INT64; a model may declare other types, which the query functions report as their code. */
typedef int32_t nninfer_element_type;

enum {
    NNINFER_FLOAT32 = 1,
    NNINFER_INT64 = 7
};

/* ---- Library ----------------------------------------------------------------------------- */

/* The runtime's version string, e.g. "0.1.0". Static storage; never NULL; never free it. */
const char *nninfer_version(void);

/* The message of the last failed call on the calling thread, or "" if none failed yet.
   Thread-local: other threads' failures never change it. Owned by the library; valid until the
   next failing nninfer call on this thread. Never NULL; never free it. */
const char *nninfer_last_error(void);

/* ---- Sessions ---------------------------------------------------------------------------- */

/* A loaded, compiled model. Opaque; created by nninfer_session_create_*, released by
   nninfer_session_release. Safe to share between threads. */
typedef struct nninfer_session nninfer_session;

/* How a session is built. Initialize with nninfer_session_options_init, then change fields. */
typedef struct nninfer_session_options {
    /* Worker threads for one run; 0 means one per online core (the default). Must be >= 0. */
    int32_t threads;
    /* Nonzero (the default): apply graph rewrites (BN folding, fusion). Zero: run the graph as
       written, for comparison; eval semantics apply either way. */
    int32_t optimize;
} nninfer_session_options;

/* Fills *options with the defaults. Does nothing if options is NULL. */
void nninfer_session_options_init(nninfer_session_options *options);

/* Loads and compiles the model file at `path` (NUL-terminated, UTF-8). External tensor data in
   the model's directory is allowed. `options` may be NULL for the defaults.
   On success stores a new session in *out_session; you own it (nninfer_session_release). */
nninfer_status nninfer_session_create_from_file(const char *path, const nninfer_session_options *options,
                                                nninfer_session **out_session);

/* Loads and compiles a model from `size` bytes at `data` (copied; you may free them as soon as
   the call returns). External tensor data is refused. `options` may be NULL.
   On success stores a new session in *out_session; you own it (nninfer_session_release). */
nninfer_status nninfer_session_create_from_memory(const void *data, size_t size, const nninfer_session_options *options,
                                                  nninfer_session **out_session);

/* Releases a session. NULL, a released session or a pointer that is not a session does nothing.
   Results created from it stay readable (they keep what
   they need alive). Do not release a session while another thread is using it. */
void nninfer_session_release(nninfer_session *session);

/* ---- Inputs and outputs ------------------------------------------------------------------ */

/* A declared graph input or output. */
typedef struct nninfer_io_info {
    /* The name, NUL-terminated. Owned by the session; valid until nninfer_session_release. */
    const char *name;
    /* The declared element type. */
    nninfer_element_type type;
    /* The number of dimensions (0 for a scalar, or when the model does not declare a shape). */
    size_t rank;
    /* `rank` dimensions; -1 for a symbolic or unknown dimension (e.g. the batch), which accepts
       any size. Owned by the session; valid until nninfer_session_release. */
    const int64_t *shape;
} nninfer_io_info;

/* Stores the number of graph inputs (or outputs) in *out_count. */
nninfer_status nninfer_session_input_count(const nninfer_session *session, size_t *out_count);
nninfer_status nninfer_session_output_count(const nninfer_session *session, size_t *out_count);

/* Describes input (or output) number `index` (0-based, in graph order) in *out_info. */
nninfer_status nninfer_session_input_info(const nninfer_session *session, size_t index, nninfer_io_info *out_info);
nninfer_status nninfer_session_output_info(const nninfer_session *session, size_t index, nninfer_io_info *out_info);

/* Stores the index of the input (or output) called `name` in *out_index;
   NNINFER_ERROR_INVALID_ARGUMENT if there is none. */
nninfer_status nninfer_session_find_input(const nninfer_session *session, const char *name, size_t *out_index);
nninfer_status nninfer_session_find_output(const nninfer_session *session, const char *name, size_t *out_index);

/* Stores in *out_value the model's metadata value for `key` (ONNX metadata_props, e.g.
   "nninfer.labels", a JSON array of class names), or NULL when the model has no such key.
   The value is NUL-terminated and owned by the session; valid until nninfer_session_release. */
nninfer_status nninfer_session_metadata(const nninfer_session *session, const char *key, const char **out_value);

/* ---- Running ----------------------------------------------------------------------------- */

/* One input tensor of a run. All pointers are borrowed for the duration of the run call. */
typedef struct nninfer_tensor {
    /* The input's name; NULL binds this tensor to the input at the same position in the array
       (so an array in graph-input order needs no names). Every input must be bound once. */
    const char *name;
    /* NNINFER_FLOAT32 or NNINFER_INT64; must match the input's declared type. */
    nninfer_element_type type;
    /* The number of dimensions; must equal the input's declared rank. */
    size_t rank;
    /* `rank` non-negative dimensions (the actual sizes; no -1). May be NULL when rank is 0.
       A float input must have at least one element (a zero batch is refused). */
    const int64_t *shape;
    /* The values, row-major, `byte_size` bytes, suitably aligned for the type. Read in place,
       never written. May be NULL only when byte_size is 0. */
    const void *data;
    /* Must equal the element count (product of shape) times the element size (4 or 8). */
    size_t byte_size;
} nninfer_tensor;

/* The outputs of a run, owned by the caller and reusable: each run into it replaces the
   previous outputs, reusing its memory when it is large enough. One result per thread. */
typedef struct nninfer_result nninfer_result;

/* One output of a run, read in place from a result. */
typedef struct nninfer_output {
    /* The output's name. Valid until the result is released. */
    const char *name;
    /* NNINFER_FLOAT32 or NNINFER_INT64. */
    nninfer_element_type type;
    /* The number of dimensions and the actual dimensions (no -1). `shape` is valid until the
       next run into this result or its release. */
    size_t rank;
    const int64_t *shape;
    /* The values, row-major, 64-byte aligned: element_count floats or int64s (byte_size bytes).
       Owned by the result; valid until the next run into this result or its release. */
    const void *data;
    size_t element_count;
    size_t byte_size;
} nninfer_output;

/* Creates an empty result; you own it (nninfer_result_release). */
nninfer_status nninfer_result_create(nninfer_result **out_result);

/* Releases a result and every pointer read from it. NULL, a released result or a pointer that
   is not a result does nothing. */
void nninfer_result_release(nninfer_result *result);

/* Runs the session on `input_count` tensors and stores every output in `result`, replacing what
   it held (on failure the result holds no outputs). The inputs are read in place; the outputs
   are copied once, into memory the result keeps for the next run. */
nninfer_status nninfer_session_run(const nninfer_session *session, const nninfer_tensor *inputs, size_t input_count,
                                   nninfer_result *result);

/* The number of outputs the result holds (0 before the first successful run). */
nninfer_status nninfer_result_output_count(const nninfer_result *result, size_t *out_count);

/* Describes output number `index` (graph order) in *out_output. */
nninfer_status nninfer_result_output(const nninfer_result *result, size_t index, nninfer_output *out_output);

/* Describes the output called `name` in *out_output; NNINFER_ERROR_INVALID_ARGUMENT if there is none. */
nninfer_status nninfer_result_find_output(const nninfer_result *result, const char *name, nninfer_output *out_output);

/* A caller-owned destination for one output of nninfer_session_run_into. */
typedef struct nninfer_output_buffer {
    /* Where the values are written (row-major) and its size in bytes. Borrowed for the call. */
    void *data;
    size_t byte_capacity;
    /* Where the dimensions are written, and how many fit. May be NULL with shape_capacity 0 if
       you do not need the shape (the rank is still reported). Borrowed for the call. */
    int64_t *shape;
    size_t shape_capacity;
    /* Set by the run: the output's element type, rank, element count and bytes written. */
    nninfer_element_type type;
    size_t rank;
    size_t element_count;
    size_t byte_size;
} nninfer_output_buffer;

/* Runs the session and copies output i into outputs[i] (`output_count` must equal the number of
   outputs). Nothing is allocated for the outputs, so many threads can run one session this way
   with their own buffers. If any data or shape buffer is too small, returns
   NNINFER_ERROR_BUFFER_TOO_SMALL and writes no values, but sets `type`, `rank`,
   `element_count` and `byte_size` of every buffer to what the run produces (so a caller can
   grow its buffers and retry). */
nninfer_status nninfer_session_run_into(const nninfer_session *session, const nninfer_tensor *inputs, size_t input_count,
                                        nninfer_output_buffer *outputs, size_t output_count);

#ifdef __cplusplus
}
#endif

#endif /* NNINFER_H */
