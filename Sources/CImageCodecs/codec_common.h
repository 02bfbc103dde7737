// codec_common.h — helpers shared by the PNG and JPEG halves of the shim (not public).
#pragma once

#include <stddef.h>
#include <stdint.h>

/// Longest message a decoder keeps before copying it to the caller.
#define NNIMG_MSG_CAP 256

/// Copies `msg` (NUL-terminated, may be NULL) into `err` of `cap` bytes, truncating, NUL-terminated.
void nnimg__copy_message(char *err, size_t cap, const char *msg);

/// A growable output buffer for the encoders.
typedef struct nnimg__buffer {
    uint8_t *bytes;
    size_t len;
    size_t cap;
} nnimg__buffer;

/// Appends `n` bytes; returns 0 on success, -1 if memory ran out (the buffer is unchanged).
int nnimg__buffer_append(nnimg__buffer *b, const uint8_t *bytes, size_t n);

/// Reads a big-endian 32-bit value.
static inline uint32_t nnimg__be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
