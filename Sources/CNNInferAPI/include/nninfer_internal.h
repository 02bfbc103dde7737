/*
 * nninfer_internal.h — not part of the C API. Declarations the Swift implementation of
 * nninfer.h (target NNInferC) needs from this C target. C programs include only nninfer.h.
 */
#ifndef NNINFER_INTERNAL_H
#define NNINFER_INTERNAL_H

#include <stddef.h>

/* Replaces the calling thread's last-error message with `length` bytes of `message` (truncated
   to what fits, always NUL-terminated). */
void nninfer_internal_set_last_error(const char *message, size_t length);

#endif /* NNINFER_INTERNAL_H */
