// nnimage_codecs.h — a setjmp-safe C shim over libpng and libjpeg for NNImage.
//
// Every libpng/libjpeg call happens inside this shim; their error handlers longjmp back into
// the shim function that called setjmp, never through Swift frames. Every function returns a
// status (NNIMG_OK or one of NNIMG_E_*) and, on failure, copies a NUL-terminated message into
// the caller's buffer `err` of `err_cap` bytes (which may be NULL / 0).
//
// Decoding is two-phase so the caller can refuse an image before any pixel memory exists:
//   1. nnimg_*_read_info(data, len, pixel_limit, &info, ...) parses the header only.
//      A width*height above pixel_limit returns NNIMG_E_TOO_LARGE with info->width/height set.
//   2. The caller allocates info.width * info.height * info.channels bytes and calls
//      nnimg_*_decode(...) with that buffer; it re-reads the header and checks everything again.
// Decoded pixels are always 8-bit, interleaved, top row first: 1 channel (gray) or 3 (RGB).
// Alpha is dropped without compositing; 16-bit samples keep their high byte.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Success.
#define NNIMG_OK 0
/// The data ended before the image did.
#define NNIMG_E_TRUNCATED 1
/// The data is malformed (bad CRC, bad marker, impossible header, corrupt entropy data, …).
#define NNIMG_E_CORRUPT 2
/// A valid image of a kind we do not decode (CMYK/YCCK JPEG, 12-bit JPEG, …).
#define NNIMG_E_UNSUPPORTED 3
/// An allocation failed or a memory bound of the decoder was exceeded.
#define NNIMG_E_NOMEM 4
/// The caller passed inconsistent arguments (buffer size, channel count, …).
#define NNIMG_E_ARGUMENT 5
/// width * height exceeds the caller's pixel limit; info->width and info->height are set.
#define NNIMG_E_TOO_LARGE 6
/// The data is not of the format the function decodes (bad signature).
#define NNIMG_E_NOT_FORMAT 7

/// What a header says about an image and what decoding will produce.
typedef struct nnimg_info {
    /// Width in pixels.
    uint32_t width;
    /// Height in pixels.
    uint32_t height;
    /// Channels of the decoded 8-bit output: 1 (gray) or 3 (RGB).
    int32_t channels;
    /// Channels stored in the file, alpha included (PNG palette: 3, or 4 with tRNS; JPEG: components).
    int32_t source_channels;
    /// Bits per sample in the file (PNG: 1, 2, 4, 8, 16; JPEG: data precision).
    int32_t bit_depth;
    /// Nonzero if the file carries alpha (alpha channel or tRNS); the decoder drops it.
    int32_t has_alpha;
    /// Nonzero for an interlaced (Adam7) PNG or a progressive JPEG.
    int32_t interlaced;
    /// PNG color type (0, 2, 3, 4, 6) or libjpeg J_COLOR_SPACE of the file.
    int32_t color_type;
} nnimg_info;

/// Frees a buffer returned by an encoder of this shim. Accepts NULL.
void nnimg_free(void *buffer);

// MARK: PNG

/// Reads the PNG header (IHDR and chunks before image data) from memory.
int nnimg_png_read_info(const uint8_t *data, size_t len, uint64_t pixel_limit,
                        nnimg_info *info, char *err, size_t err_cap);

/// Decodes a whole PNG from memory into `out` (exactly width*height*channels bytes).
int nnimg_png_decode(const uint8_t *data, size_t len, uint64_t pixel_limit,
                     uint8_t *out, size_t out_len, nnimg_info *info, char *err, size_t err_cap);

/// Parameters of the general PNG encoder (used by tests to build every PNG flavour).
typedef struct nnimg_png_encode_params {
    /// Width in pixels (1 … 2^31-1).
    uint32_t width;
    /// Height in pixels (1 … 2^31-1).
    uint32_t height;
    /// PNG color type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
    int32_t color_type;
    /// Bits per sample: 1, 2, 4, 8 or 16 as PNG allows for the color type.
    int32_t bit_depth;
    /// Nonzero to write Adam7 interlaced.
    int32_t interlaced;
    /// RGB triplets for color type 3 (3 * palette_entries bytes), else NULL.
    const uint8_t *palette;
    /// Palette entries (1 … 256) for color type 3.
    int32_t palette_entries;
    /// Palette alpha values for color type 3 (tRNS), or NULL.
    const uint8_t *palette_alpha;
    /// Number of palette alpha values.
    int32_t palette_alpha_count;
    /// Nonzero to write a tRNS chunk with a transparent gray or RGB value (types 0 and 2).
    int32_t has_transparent_color;
    /// The transparent gray value (type 0) or red (type 2).
    uint16_t transparent_gray_or_red;
    /// The transparent green (type 2).
    uint16_t transparent_green;
    /// The transparent blue (type 2).
    uint16_t transparent_blue;
    /// zlib level 0 … 9, or -1 for libpng's default.
    int32_t compression_level;
} nnimg_png_encode_params;

/// Encodes rows given in PNG's own sample layout (big-endian 16-bit, MSB-first packed low
/// depths), `row_stride` bytes apart, into a new malloc'ed buffer (*out, *out_len; free with
/// nnimg_free).
int nnimg_png_encode(const nnimg_png_encode_params *params, const uint8_t *rows, size_t row_stride,
                     uint8_t **out, size_t *out_len, char *err, size_t err_cap);

/// Encodes 8-bit interleaved pixels with 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels.
int nnimg_png_encode8(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                      uint8_t **out, size_t *out_len, char *err, size_t err_cap);

// MARK: JPEG

/// Reads the JPEG header (up to the first scan) from memory.
int nnimg_jpeg_read_info(const uint8_t *data, size_t len, uint64_t pixel_limit,
                         nnimg_info *info, char *err, size_t err_cap);

/// Decodes a whole baseline or progressive JPEG from memory into `out`
/// (exactly width*height*channels bytes). Any libjpeg warning about corrupt or truncated
/// data is an error.
int nnimg_jpeg_decode(const uint8_t *data, size_t len, uint64_t pixel_limit,
                      uint8_t *out, size_t out_len, nnimg_info *info, char *err, size_t err_cap);

/// Encodes 8-bit interleaved pixels with 1 (gray), 3 (RGB) or 4 (CMYK, for tests) channels at
/// `quality` 1 … 100, optionally progressive, into a new malloc'ed buffer (free with nnimg_free).
int nnimg_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                      int32_t quality, int32_t progressive,
                      uint8_t **out, size_t *out_len, char *err, size_t err_cap);

#ifdef __cplusplus
}
#endif
