// jpeg_decode.c — JPEG decoding through libjpeg's classic API, from memory, setjmp-safe.
//
// libjpeg's default error_exit calls exit(); ours records the message and longjmps back to
// `jpeg_run`, the only function here that calls setjmp. libjpeg only *warns* about corrupt or
// truncated entropy data (and then pads with grey); our emit_message turns those warnings
// into errors, so a damaged file fails instead of decoding to something plausible.
#include "nnimage_codecs.h"
#include "codec_common.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/// Most scans a progressive file may have: real files have about 10; hostile ones thousands,
/// each costing a pass over the whole coefficient buffer.
#define NNIMG_JPEG_MAX_SCANS 256

typedef struct jpeg_reader {
    struct jpeg_error_mgr pub;  // first member: libjpeg hands us &pub as cinfo->err
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int status;
    char msg[NNIMG_MSG_CAP];
    struct jpeg_decompress_struct cinfo;
    int created;
} jpeg_reader;

static int jpeg_status_for_error(int code) {
    switch (code) {
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
    case JERR_TFILE_CREATE:
        return NNIMG_E_NOMEM;
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_NO_ARITH_TABLE:
        return NNIMG_E_UNSUPPORTED;
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF:
        return NNIMG_E_TRUNCATED;
    case JERR_NO_SOI:
        return NNIMG_E_NOT_FORMAT;
    default:
        return NNIMG_E_CORRUPT;
    }
}

/// Records a failure and jumps back to jpeg_run. Never returns.
static void jpeg_reader_fail(jpeg_reader *r, int status, const char *message) {
    if (r->status == NNIMG_OK) {
        r->status = status;
        nnimg__copy_message(r->msg, sizeof r->msg, message);
    }
    longjmp(r->jump, 1);
}

static void jpeg_reader_error_exit(j_common_ptr cinfo) {
    jpeg_reader *r = (jpeg_reader *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    jpeg_reader_fail(r, jpeg_status_for_error(cinfo->err->msg_code), text);
}

static void jpeg_reader_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    jpeg_reader *r = (jpeg_reader *)cinfo->err;
    int code = cinfo->err->msg_code;
    // Warnings about header metadata that do not affect pixels are tolerated.
    if (code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM || code == JWRN_BOGUS_ICC) {
        cinfo->err->num_warnings++;
        return;
    }
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    jpeg_reader_fail(r, code == JWRN_JPEG_EOF ? NNIMG_E_TRUNCATED : NNIMG_E_CORRUPT, text);
}

static void jpeg_reader_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void jpeg_reader_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > NNIMG_JPEG_MAX_SCANS) {
        jpeg_reader_fail((jpeg_reader *)cinfo->err, NNIMG_E_CORRUPT,
                         "JPEG has more scans than any real progressive file");
    }
}

/// Reads the header and, if `out` is not NULL, the pixels. The only setjmp of this file.
static int jpeg_run(jpeg_reader *r, const uint8_t *data, size_t len, uint64_t pixel_limit,
                    uint8_t *out, size_t out_len, nnimg_info *info) {
    j_decompress_ptr cinfo = &r->cinfo;
    if (setjmp(r->jump)) {
        return r->status != NNIMG_OK ? r->status : NNIMG_E_CORRUPT;
    }
    jpeg_create_decompress(cinfo);
    r->created = 1;
    r->progress.progress_monitor = jpeg_reader_progress;
    cinfo->progress = &r->progress;
    jpeg_mem_src(cinfo, (const unsigned char *)data, (unsigned long)len);
    jpeg_read_header(cinfo, TRUE);

    info->width = cinfo->image_width;
    info->height = cinfo->image_height;
    info->source_channels = cinfo->num_components;
    info->bit_depth = cinfo->data_precision;
    info->interlaced = cinfo->progressive_mode != 0;
    info->color_type = (int32_t)cinfo->jpeg_color_space;
    info->has_alpha = 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        info->channels = 1;
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        info->channels = 3;
        cinfo->out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        jpeg_reader_fail(r, NNIMG_E_UNSUPPORTED,
                         "CMYK/YCCK JPEG (print color) is not supported; convert it to RGB first");
        break;
    default:
        jpeg_reader_fail(r, NNIMG_E_UNSUPPORTED, "JPEG color space is not gray, YCbCr or RGB");
        break;
    }
    if ((uint64_t)info->width * (uint64_t)info->height > pixel_limit) {
        jpeg_reader_fail(r, NNIMG_E_TOO_LARGE, "JPEG is larger than the pixel limit");
    }
    if (out == NULL) return NNIMG_OK;

    size_t stride = (size_t)info->width * (size_t)info->channels;
    if (out_len != stride * (size_t)info->height) {
        jpeg_reader_fail(r, NNIMG_E_ARGUMENT, "output buffer size does not match the image");
    }
    // Bound libjpeg's own allocations (progressive files keep all coefficients: 2 bytes per
    // sample per component, plus padding to whole blocks) so a lie cannot exhaust memory.
    uint64_t budget = (uint64_t)info->width * info->height * (uint64_t)cinfo->num_components * 4u +
                      (64u << 20);
    cinfo->mem->max_memory_to_use = budget > (uint64_t)0x7fffffff ? 0x7fffffffL : (long)budget;
    cinfo->dct_method = JDCT_ISLOW;
    jpeg_start_decompress(cinfo);
    if (cinfo->output_width != info->width || cinfo->output_height != info->height ||
        cinfo->output_components != info->channels) {
        jpeg_reader_fail(r, NNIMG_E_UNSUPPORTED, "libjpeg did not produce the expected layout");
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = out + (size_t)cinfo->output_scanline * stride;
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
            jpeg_reader_fail(r, NNIMG_E_TRUNCATED, "JPEG data ended before the last row");
        }
    }
    jpeg_finish_decompress(cinfo);
    return NNIMG_OK;
}

static int jpeg_read_common(const uint8_t *data, size_t len, uint64_t pixel_limit, uint8_t *out,
                            size_t out_len, nnimg_info *info, char *err, size_t err_cap) {
    nnimg_info scratch;
    if (info == NULL) info = &scratch;
    memset(info, 0, sizeof *info);
    if (data == NULL || len < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        nnimg__copy_message(err, err_cap, "not a JPEG file (bad signature)");
        return NNIMG_E_NOT_FORMAT;
    }
    jpeg_reader r;
    memset(&r, 0, sizeof r);
    r.cinfo.err = jpeg_std_error(&r.pub);
    r.pub.error_exit = jpeg_reader_error_exit;
    r.pub.emit_message = jpeg_reader_emit_message;
    r.pub.output_message = jpeg_reader_output_message;
    int status = jpeg_run(&r, data, len, pixel_limit, out, out_len, info);
    if (r.created) jpeg_destroy_decompress(&r.cinfo);
    nnimg__copy_message(err, err_cap, status == NNIMG_OK ? "" : r.msg);
    return status;
}

int nnimg_jpeg_read_info(const uint8_t *data, size_t len, uint64_t pixel_limit,
                         nnimg_info *info, char *err, size_t err_cap) {
    return jpeg_read_common(data, len, pixel_limit, NULL, 0, info, err, err_cap);
}

int nnimg_jpeg_decode(const uint8_t *data, size_t len, uint64_t pixel_limit,
                      uint8_t *out, size_t out_len, nnimg_info *info, char *err, size_t err_cap) {
    if (out == NULL) {
        nnimg__copy_message(err, err_cap, "no output buffer");
        return NNIMG_E_ARGUMENT;
    }
    return jpeg_read_common(data, len, pixel_limit, out, out_len, info, err, err_cap);
}
