// png_decode.c — PNG decoding through libpng's classic API, from memory, setjmp-safe.
//
// libpng reports errors by calling our error function, which records the message and
// longjmps back to `png_run`, the only function here that calls setjmp. Everything that must
// survive the longjmp lives in a `png_reader` owned by the public entry point's frame.
#include "nnimage_codecs.h"
#include "codec_common.h"

#include <png.h>
#include <setjmp.h>
#include <string.h>

/// Largest ancillary chunk libpng may allocate (iCCP, text, …); image data is streamed.
#define NNIMG_PNG_CHUNK_MALLOC_MAX (8u * 1024u * 1024u)
/// Most ancillary chunks (text, sPLT, unknown) libpng will keep.
#define NNIMG_PNG_CHUNK_CACHE_MAX 128u

typedef struct png_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    int truncated;
    int status;
    char msg[NNIMG_MSG_CAP];
    png_structp png;
    png_infop info;
} png_reader;

static void png_reader_error(png_structp png, png_const_charp message) {
    png_reader *r = (png_reader *)png_get_error_ptr(png);
    if (r != NULL) {
        nnimg__copy_message(r->msg, sizeof r->msg, message);
        if (r->status == NNIMG_OK) {
            if (r->truncated) r->status = NNIMG_E_TRUNCATED;
            else if (message != NULL && strstr(message, "ut of memory") != NULL) r->status = NNIMG_E_NOMEM;
            else r->status = NNIMG_E_CORRUPT;
        }
    }
    png_longjmp(png, 1);
}

static void png_reader_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // benign problems (unknown chunks, ancillary CRC errors) are ignored
}

static void png_reader_read(png_structp png, png_bytep out, size_t n) {
    png_reader *r = (png_reader *)png_get_io_ptr(png);
    if (n > r->len - r->pos) {
        r->truncated = 1;
        png_error(png, "unexpected end of PNG data");
    }
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
}

/// Checks the signature and the IHDR chunk by hand so that a huge declared size is refused
/// before libpng is even set up.
static int png_precheck(png_reader *r, uint64_t pixel_limit, nnimg_info *info) {
    if (r->len < 8 || png_sig_cmp((png_const_bytep)r->data, 0, 8) != 0) {
        nnimg__copy_message(r->msg, sizeof r->msg, "not a PNG file (bad signature)");
        return NNIMG_E_NOT_FORMAT;
    }
    if (r->len < 8 + 8 + 13 + 4) {
        nnimg__copy_message(r->msg, sizeof r->msg, "file ends inside the PNG header");
        return NNIMG_E_TRUNCATED;
    }
    const uint8_t *chunk = r->data + 8;
    if (nnimg__be32(chunk) != 13 || memcmp(chunk + 4, "IHDR", 4) != 0) {
        nnimg__copy_message(r->msg, sizeof r->msg, "first PNG chunk is not a valid IHDR");
        return NNIMG_E_CORRUPT;
    }
    uint32_t w = nnimg__be32(chunk + 8), h = nnimg__be32(chunk + 12);
    if (w == 0 || h == 0 || w > PNG_UINT_31_MAX || h > PNG_UINT_31_MAX) {
        nnimg__copy_message(r->msg, sizeof r->msg, "PNG declares an invalid width or height");
        return NNIMG_E_CORRUPT;
    }
    if ((uint64_t)w * (uint64_t)h > pixel_limit) {
        info->width = w;
        info->height = h;
        nnimg__copy_message(r->msg, sizeof r->msg, "PNG is larger than the pixel limit");
        return NNIMG_E_TOO_LARGE;
    }
    return NNIMG_OK;
}

/// Reads the header and, if `out` is not NULL, the pixels. The only setjmp of this file.
static int png_run(png_reader *r, uint64_t pixel_limit, uint8_t *out, size_t out_len,
                   nnimg_info *info) {
    png_structp png = r->png;
    png_infop pi = r->info;
    if (setjmp(png_jmpbuf(png))) {
        return r->status != NNIMG_OK ? r->status : NNIMG_E_CORRUPT;
    }
    png_uint_32 dim_max = pixel_limit < PNG_UINT_31_MAX ? (png_uint_32)pixel_limit : PNG_UINT_31_MAX;
    png_set_user_limits(png, dim_max, dim_max);
    png_set_chunk_malloc_max(png, NNIMG_PNG_CHUNK_MALLOC_MAX);
    png_set_chunk_cache_max(png, NNIMG_PNG_CHUNK_CACHE_MAX);
    png_set_read_fn(png, r, png_reader_read);
    png_read_info(png, pi);

    png_uint_32 w = 0, h = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(png, pi, &w, &h, &depth, &color, &interlace, NULL, NULL);
    int has_trns = png_get_valid(png, pi, PNG_INFO_tRNS) != 0;
    info->width = w;
    info->height = h;
    info->bit_depth = depth;
    info->color_type = color;
    info->interlaced = interlace != PNG_INTERLACE_NONE;
    info->has_alpha = (color & PNG_COLOR_MASK_ALPHA) != 0 || has_trns;
    info->channels = (color & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    info->source_channels = png_get_channels(png, pi);
    if (color == PNG_COLOR_TYPE_PALETTE) info->source_channels = has_trns ? 4 : 3;
    else if (has_trns) info->source_channels += 1;
    if ((uint64_t)w * (uint64_t)h > pixel_limit) {
        nnimg__copy_message(r->msg, sizeof r->msg, "PNG is larger than the pixel limit");
        return NNIMG_E_TOO_LARGE;
    }
    if (out == NULL) return NNIMG_OK;

    size_t stride = (size_t)w * (size_t)info->channels;
    if (out_len != stride * (size_t)h) {
        nnimg__copy_message(r->msg, sizeof r->msg, "output buffer size does not match the image");
        return NNIMG_E_ARGUMENT;
    }
    // Ask for 8-bit gray or RGB, whatever the file holds; alpha is dropped, never composited.
    if (depth == 16) png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (info->has_alpha) png_set_strip_alpha(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, pi);
    if (png_get_bit_depth(png, pi) != 8 || png_get_channels(png, pi) != info->channels ||
        png_get_rowbytes(png, pi) != stride) {
        nnimg__copy_message(r->msg, sizeof r->msg, "libpng did not produce the expected 8-bit layout");
        return NNIMG_E_UNSUPPORTED;
    }
    // With interlace handling, each pass over every row merges that pass's pixels into the row.
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(png, out + (size_t)y * stride, NULL);
        }
    }
    png_read_end(png, NULL);
    return NNIMG_OK;
}

static int png_read_common(const uint8_t *data, size_t len, uint64_t pixel_limit, uint8_t *out,
                           size_t out_len, nnimg_info *info, char *err, size_t err_cap) {
    nnimg_info scratch;
    if (info == NULL) info = &scratch;
    memset(info, 0, sizeof *info);
    png_reader r;
    memset(&r, 0, sizeof r);
    r.data = data;
    r.len = data != NULL ? len : 0;
    int status = png_precheck(&r, pixel_limit, info);
    if (status != NNIMG_OK) {
        nnimg__copy_message(err, err_cap, r.msg);
        return status;
    }
    r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, png_reader_error, png_reader_warning);
    if (r.png != NULL) r.info = png_create_info_struct(r.png);
    if (r.png == NULL || r.info == NULL) {
        png_destroy_read_struct(r.png ? &r.png : NULL, NULL, NULL);
        nnimg__copy_message(err, err_cap, "out of memory creating the PNG reader");
        return NNIMG_E_NOMEM;
    }
    status = png_run(&r, pixel_limit, out, out_len, info);
    png_destroy_read_struct(&r.png, &r.info, NULL);
    nnimg__copy_message(err, err_cap, status == NNIMG_OK ? "" : r.msg);
    return status;
}

int nnimg_png_read_info(const uint8_t *data, size_t len, uint64_t pixel_limit,
                        nnimg_info *info, char *err, size_t err_cap) {
    return png_read_common(data, len, pixel_limit, NULL, 0, info, err, err_cap);
}

int nnimg_png_decode(const uint8_t *data, size_t len, uint64_t pixel_limit,
                     uint8_t *out, size_t out_len, nnimg_info *info, char *err, size_t err_cap) {
    if (out == NULL) {
        nnimg__copy_message(err, err_cap, "no output buffer");
        return NNIMG_E_ARGUMENT;
    }
    return png_read_common(data, len, pixel_limit, out, out_len, info, err, err_cap);
}
