// codec_common.c — helpers shared by the PNG and JPEG halves of the shim.
#include "codec_common.h"
#include "nnimage_codecs.h"

#include <stdlib.h>
#include <string.h>

void nnimg__copy_message(char *err, size_t cap, const char *msg) {
    if (err == NULL || cap == 0) return;
    if (msg == NULL) msg = "";
    size_t n = strlen(msg);
    if (n >= cap) n = cap - 1;
    memcpy(err, msg, n);
    err[n] = '\0';
}

int nnimg__buffer_append(nnimg__buffer *b, const uint8_t *bytes, size_t n) {
    if (n > SIZE_MAX - b->len) return -1;
    size_t need = b->len + n;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < need) {
            if (cap > SIZE_MAX / 2) { cap = need; break; }
            cap *= 2;
        }
        uint8_t *grown = realloc(b->bytes, cap);
        if (grown == NULL) return -1;
        b->bytes = grown;
        b->cap = cap;
    }
    if (n > 0) memcpy(b->bytes + b->len, bytes, n);
    b->len = need;
    return 0;
}

void nnimg_free(void *buffer) { free(buffer); }
