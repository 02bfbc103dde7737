// jpeg_encode.c — JPEG encoding through libjpeg's classic API into memory, setjmp-safe.
#include "nnimage_codecs.h"
#include "codec_common.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct jpeg_writer {
    struct jpeg_error_mgr pub;  // first member: libjpeg hands us &pub as cinfo->err
    jmp_buf jump;
    int status;
    char msg[NNIMG_MSG_CAP];
    struct jpeg_compress_struct cinfo;
    int created;
    unsigned char *buffer;  // jpeg_mem_dest's malloc'ed output, ours to free
    unsigned long size;
} jpeg_writer;

static void jpeg_writer_error_exit(j_common_ptr cinfo) {
    jpeg_writer *w = (jpeg_writer *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (w->status == NNIMG_OK) {
        w->status = cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? NNIMG_E_NOMEM : NNIMG_E_ARGUMENT;
        nnimg__copy_message(w->msg, sizeof w->msg, text);
    }
    longjmp(w->jump, 1);
}

static void jpeg_writer_output_message(j_common_ptr cinfo) { (void)cinfo; }

/// Compresses the whole image; the only setjmp of this file.
static int jpeg_write_run(jpeg_writer *w, const uint8_t *pixels, uint32_t width, uint32_t height,
                          int32_t channels, int32_t quality, int32_t progressive) {
    j_compress_ptr cinfo = &w->cinfo;
    if (setjmp(w->jump)) {
        return w->status != NNIMG_OK ? w->status : NNIMG_E_ARGUMENT;
    }
    jpeg_create_compress(cinfo);
    w->created = 1;
    jpeg_mem_dest(cinfo, &w->buffer, &w->size);
    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = channels;
    cinfo->in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(cinfo);
    jpeg_start_compress(cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (cinfo->next_scanline < cinfo->image_height) {
        // libjpeg's row type is not const, but compression only reads it.
        JSAMPROW row = (JSAMPROW)(uintptr_t)(pixels + (size_t)cinfo->next_scanline * stride);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    return NNIMG_OK;
}

int nnimg_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels,
                      int32_t quality, int32_t progressive,
                      uint8_t **out, size_t *out_len, char *err, size_t err_cap) {
    if (out == NULL || out_len == NULL || pixels == NULL) {
        nnimg__copy_message(err, err_cap, "missing argument");
        return NNIMG_E_ARGUMENT;
    }
    *out = NULL;
    *out_len = 0;
    if (channels != 1 && channels != 3 && channels != 4) {
        nnimg__copy_message(err, err_cap, "channels must be 1 (gray), 3 (RGB) or 4 (CMYK)");
        return NNIMG_E_ARGUMENT;
    }
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        nnimg__copy_message(err, err_cap, "JPEG width and height must be 1 … 65500");
        return NNIMG_E_ARGUMENT;
    }
    if (quality < 1 || quality > 100) {
        nnimg__copy_message(err, err_cap, "JPEG quality must be 1 … 100");
        return NNIMG_E_ARGUMENT;
    }
    jpeg_writer w;
    memset(&w, 0, sizeof w);
    w.cinfo.err = jpeg_std_error(&w.pub);
    w.pub.error_exit = jpeg_writer_error_exit;
    w.pub.output_message = jpeg_writer_output_message;
    int status = jpeg_write_run(&w, pixels, width, height, channels, quality, progressive);
    if (w.created) jpeg_destroy_compress(&w.cinfo);
    if (status != NNIMG_OK) {
        free(w.buffer);
        nnimg__copy_message(err, err_cap, w.msg);
        return status;
    }
    *out = w.buffer;
    *out_len = (size_t)w.size;
    nnimg__copy_message(err, err_cap, "");
    return NNIMG_OK;
}
