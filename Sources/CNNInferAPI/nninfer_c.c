// The parts of the C API written in C: the thread-local last-error message and the version.
// Everything else is implemented in Swift (Sources/NNInferC).
#include "nninfer.h"
#include "nninfer_internal.h"

#include <string.h>

enum { NNINFER_ERROR_CAPACITY = 4096 };

// One fixed buffer per thread: setting an error never allocates, and nothing leaks at thread exit.
static _Thread_local char last_error[NNINFER_ERROR_CAPACITY];

const char *nninfer_last_error(void) { return last_error; }

void nninfer_internal_set_last_error(const char *message, size_t length) {
    if (message == NULL) length = 0;
    if (length >= NNINFER_ERROR_CAPACITY) {
        // Keep the start of the message and mark the cut.
        static const char cut[] = " [...]";
        size_t keep = NNINFER_ERROR_CAPACITY - sizeof cut;
        while (keep > 0 && ((unsigned char)message[keep] & 0xC0) == 0x80) keep--;  // whole UTF-8 characters
        memcpy(last_error, message, keep);
        memcpy(last_error + keep, cut, sizeof cut);
        return;
    }
    if (length > 0) memcpy(last_error, message, length);
    last_error[length] = '\0';
}

const char *nninfer_version(void) { return "0.1.0"; }
