// png_encode.c — PNG encoding through libpng's classic API into a growing memory buffer.
#include "nnimage_codecs.h"
#include "codec_common.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct png_writer {
    nnimg__buffer out;
    int status;
    char msg[NNIMG_MSG_CAP];
    png_structp png;
    png_infop info;
} png_writer;

static void png_writer_error(png_structp png, png_const_charp message) {
    png_writer *w = (png_writer *)png_get_error_ptr(png);
    if (w != NULL) {
        nnimg__copy_message(w->msg, sizeof w->msg, message);
        if (w->status == NNIMG_OK) w->status = NNIMG_E_ARGUMENT;
    }
    png_longjmp(png, 1);
}

static void png_writer_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void png_writer_write(png_structp png, png_bytep bytes, size_t n) {
    png_writer *w = (png_writer *)png_get_io_ptr(png);
    if (nnimg__buffer_append(&w->out, bytes, n) != 0) {
        w->status = NNIMG_E_NOMEM;
        png_error(png, "out of memory growing the PNG output buffer");
    }
}

static void png_writer_flush(png_structp png) { (void)png; }

/// Channels of a PNG color type, or 0 if the type does not exist.
static int png_type_channels(int color_type) {
    switch (color_type) {
    case 0: return 1;
    case 2: return 3;
    case 3: return 1;
    case 4: return 2;
    case 6: return 4;
    default: return 0;
    }
}

/// Whether PNG allows `depth` for `color_type` (PNG spec, table 11.1).
static int png_depth_allowed(int color_type, int depth) {
    switch (color_type) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2: case 4: case 6: return depth == 8 || depth == 16;
    default: return 0;
    }
}

static const char *png_check_params(const nnimg_png_encode_params *p, size_t row_stride,
                                    size_t *rowbytes) {
    int channels = png_type_channels(p->color_type);
    if (channels == 0) return "unknown PNG color type";
    if (!png_depth_allowed(p->color_type, p->bit_depth)) return "bit depth not allowed for the color type";
    if (p->width == 0 || p->height == 0 || p->width > PNG_UINT_31_MAX || p->height > PNG_UINT_31_MAX)
        return "invalid width or height";
    size_t bits = (size_t)p->width * (size_t)channels * (size_t)p->bit_depth;
    *rowbytes = (bits + 7) / 8;
    if (row_stride < *rowbytes) return "row stride is smaller than a row";
    if (p->color_type == 3) {
        if (p->palette == NULL || p->palette_entries < 1 || p->palette_entries > 256 ||
            p->palette_entries > (1 << p->bit_depth))
            return "palette missing or of a bad size";
        if (p->palette_alpha_count < 0 || p->palette_alpha_count > p->palette_entries ||
            (p->palette_alpha_count > 0 && p->palette_alpha == NULL))
            return "palette alpha of a bad size";
    }
    if (p->has_transparent_color && p->color_type != 0 && p->color_type != 2)
        return "a transparent color needs color type 0 or 2";
    if (p->compression_level < -1 || p->compression_level > 9) return "compression level outside -1 … 9";
    return NULL;
}

/// Writes the whole image; the only setjmp of this file.
static int png_write_run(png_writer *w, const nnimg_png_encode_params *p, const uint8_t *rows,
                         size_t row_stride) {
    png_structp png = w->png;
    png_infop info = w->info;
    if (setjmp(png_jmpbuf(png))) {
        return w->status != NNIMG_OK ? w->status : NNIMG_E_ARGUMENT;
    }
    png_set_write_fn(png, w, png_writer_write, png_writer_flush);
    if (p->compression_level >= 0) png_set_compression_level(png, p->compression_level);
    png_set_IHDR(png, info, p->width, p->height, p->bit_depth, p->color_type,
                 p->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (p->color_type == 3) {
        png_color palette[256];
        for (int i = 0; i < p->palette_entries; i++) {
            palette[i].red = p->palette[3 * i];
            palette[i].green = p->palette[3 * i + 1];
            palette[i].blue = p->palette[3 * i + 2];
        }
        png_set_PLTE(png, info, palette, p->palette_entries);
        if (p->palette_alpha_count > 0)
            png_set_tRNS(png, info, p->palette_alpha, p->palette_alpha_count, NULL);
    }
    if (p->has_transparent_color) {
        png_color_16 color;
        memset(&color, 0, sizeof color);
        color.gray = p->transparent_gray_or_red;
        color.red = p->transparent_gray_or_red;
        color.green = p->transparent_green;
        color.blue = p->transparent_blue;
        png_set_tRNS(png, info, NULL, 0, &color);
    }
    png_write_info(png, info);
    int passes = p->interlaced ? png_set_interlace_handling(png) : 1;
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < p->height; y++) {
            png_write_row(png, rows + (size_t)y * row_stride);
        }
    }
    png_write_end(png, NULL);
    return NNIMG_OK;
}

int nnimg_png_encode(const nnimg_png_encode_params *params, const uint8_t *rows, size_t row_stride,
                     uint8_t **out, size_t *out_len, char *err, size_t err_cap) {
    if (out == NULL || out_len == NULL || params == NULL || rows == NULL) {
        nnimg__copy_message(err, err_cap, "missing argument");
        return NNIMG_E_ARGUMENT;
    }
    *out = NULL;
    *out_len = 0;
    size_t rowbytes = 0;
    const char *problem = png_check_params(params, row_stride, &rowbytes);
    if (problem != NULL) {
        nnimg__copy_message(err, err_cap, problem);
        return NNIMG_E_ARGUMENT;
    }
    png_writer w;
    memset(&w, 0, sizeof w);
    w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, png_writer_error, png_writer_warning);
    if (w.png != NULL) w.info = png_create_info_struct(w.png);
    if (w.png == NULL || w.info == NULL) {
        png_destroy_write_struct(w.png ? &w.png : NULL, NULL);
        nnimg__copy_message(err, err_cap, "out of memory creating the PNG writer");
        return NNIMG_E_NOMEM;
    }
    int status = png_write_run(&w, params, rows, row_stride);
    png_destroy_write_struct(&w.png, &w.info);
    if (status != NNIMG_OK) {
        free(w.out.bytes);
        nnimg__copy_message(err, err_cap, w.msg);
        return status;
    }
    *out = w.out.bytes;
    *out_len = w.out.len;
    nnimg__copy_message(err, err_cap, "");
    return NNIMG_OK;
}

int nnimg_png_encode8(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                      uint8_t **out, size_t *out_len, char *err, size_t err_cap) {
    static const int32_t types[5] = {-1, 0, 4, 2, 6};
    if (channels < 1 || channels > 4) {
        nnimg__copy_message(err, err_cap, "channels must be 1, 2, 3 or 4");
        return NNIMG_E_ARGUMENT;
    }
    nnimg_png_encode_params p;
    memset(&p, 0, sizeof p);
    p.width = width;
    p.height = height;
    p.color_type = types[channels];
    p.bit_depth = 8;
    p.compression_level = -1;
    return nnimg_png_encode(&p, pixels, (size_t)width * (size_t)channels, out, out_len, err, err_cap);
}
