#include "CImageCodecsShim.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

// What an error callback needs to report and unwind.
struct failure {
    jmp_buf jump;
    sparnet_codec_status status;
    char *message;
    size_t capacity;
};

static void set_message(struct failure *failure, sparnet_codec_status status, const char *text) {
    failure->status = status;
    if (failure->capacity > 0) {
        snprintf(failure->message, failure->capacity, "%s", text);
    }
}

static sparnet_codec_status fail(char *message, size_t capacity, sparnet_codec_status status, const char *text) {
    if (capacity > 0) {
        snprintf(message, capacity, "%s", text);
    }
    return status;
}

void sparnet_codec_free(void *bytes) { free(bytes); }

// MARK: - PNG

struct png_failure {
    struct failure failure;
};

struct png_source {
    const unsigned char *data;
    size_t size;
    size_t offset;
};

// Growable output buffer of the PNG encoder.
struct png_sink {
    unsigned char *bytes;
    size_t size;
    size_t capacity;
};

static void png_on_error(png_structp png, png_const_charp text) {
    struct failure *failure = png_get_error_ptr(png);
    // A status already set (truncation, out of memory) is more precise than libpng's text.
    if (failure->status == sparnet_codec_ok) {
        set_message(failure, sparnet_codec_corrupt, text);
    }
    longjmp(failure->jump, 1);
}

static void png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void png_read_memory(png_structp png, png_bytep out, png_size_t length) {
    struct png_source *source = png_get_io_ptr(png);
    if (source->size - source->offset < length) {
        set_message(png_get_error_ptr(png), sparnet_codec_truncated, "unexpected end of data (truncated file)");
        png_error(png, "truncated");
    }
    memcpy(out, source->data + source->offset, length);
    source->offset += length;
}

static void png_write_memory(png_structp png, png_bytep data, png_size_t length) {
    struct png_sink *sink = png_get_io_ptr(png);
    if (sink->capacity - sink->size < length) {
        size_t capacity = sink->capacity ? sink->capacity : 65536;
        while (capacity - sink->size < length) {
            capacity *= 2;
        }
        unsigned char *grown = realloc(sink->bytes, capacity);
        if (!grown) {
            set_message(png_get_error_ptr(png), sparnet_codec_failed, "out of memory");
            png_error(png, "out of memory");
        }
        sink->bytes = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->bytes + sink->size, data, length);
    sink->size += length;
}

static void png_flush_memory(png_structp png) { (void)png; }

sparnet_codec_status sparnet_png_decode(const unsigned char *data, size_t size, int *width, int *height,
                                        unsigned char *pixels, size_t capacity,
                                        char *message, size_t message_capacity) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        return fail(message, message_capacity, sparnet_codec_unsupported, "not a PNG file (bad signature)");
    }
    struct failure failure = {.status = sparnet_codec_ok, .message = message, .capacity = message_capacity};
    struct png_source source = {.data = data, .size = size, .offset = 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, png_on_error, png_on_warning);
    if (!png) {
        return fail(message, message_capacity, sparnet_codec_failed, "out of memory");
    }
    png_infop info = png_create_info_struct(png);
    // Modified after setjmp and needed after a longjmp, hence volatile.
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(failure.jump)) {
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(rows);
        if (failure.status == sparnet_codec_ok) {
            set_message(&failure, sparnet_codec_failed, "out of memory");
        }
        return failure.status;
    }
    png_set_read_fn(png, &source, png_read_memory);
    png_read_info(png, info);
    png_uint_32 columns = png_get_image_width(png, info);
    png_uint_32 lines = png_get_image_height(png, info);
    *width = (int)columns;
    *height = (int)lines;
    if (pixels == NULL) {
        png_destroy_read_struct(&png, &info, NULL);
        return sparnet_codec_ok;
    }
    if (capacity / 3 / columns < lines) {
        set_message(&failure, sparnet_codec_failed, "pixel buffer too small");
        longjmp(failure.jump, 1);
    }

    int colorType = png_get_color_type(png, info);
    int bitDepth = png_get_bit_depth(png, info);
    if (colorType == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (bitDepth == 16) {
        png_set_strip_16(png);  // keeps the high byte, as Pillow's RGB;16B unpacking does
    }
    // Drops an alpha channel, including one the palette expansion makes from tRNS.
    png_set_strip_alpha(png);
    if (colorType == PNG_COLOR_TYPE_GRAY || colorType == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8
        || png_get_rowbytes(png, info) != (size_t)columns * 3) {
        set_message(&failure, sparnet_codec_unsupported, "PNG layout cannot be converted to 8-bit RGB");
        longjmp(failure.jump, 1);
    }
    rows = malloc(sizeof(png_bytep) * lines);
    if (!rows) {
        set_message(&failure, sparnet_codec_failed, "out of memory");
        longjmp(failure.jump, 1);
    }
    for (png_uint_32 y = 0; y < lines; y++) {
        rows[y] = pixels + (size_t)y * columns * 3;
    }
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    return sparnet_codec_ok;
}

sparnet_codec_status sparnet_png_encode(const unsigned char *pixels, int width, int height,
                                        unsigned char **bytes, size_t *size,
                                        char *message, size_t message_capacity) {
    *bytes = NULL;
    *size = 0;
    if (width <= 0 || height <= 0) {
        return fail(message, message_capacity, sparnet_codec_failed, "image has no pixels");
    }
    struct failure failure = {.status = sparnet_codec_ok, .message = message, .capacity = message_capacity};
    // The sink's buffer moves on realloc; volatile so the error path frees the latest one.
    volatile struct png_sink sink = {.bytes = NULL, .size = 0, .capacity = 0};
    png_bytep *volatile rows = NULL;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, png_on_error, png_on_warning);
    if (!png) {
        return fail(message, message_capacity, sparnet_codec_failed, "out of memory");
    }
    png_infop info = png_create_info_struct(png);
    if (!info || setjmp(failure.jump)) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(rows);
        free(sink.bytes);
        if (failure.status == sparnet_codec_ok) {
            set_message(&failure, sparnet_codec_failed, "out of memory");
        }
        return failure.status;
    }
    png_set_write_fn(png, (void *)&sink, png_write_memory, png_flush_memory);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) {
        set_message(&failure, sparnet_codec_failed, "out of memory");
        longjmp(failure.jump, 1);
    }
    for (int y = 0; y < height; y++) {
        rows[y] = (png_bytep)pixels + (size_t)y * (size_t)width * 3;
    }
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *bytes = sink.bytes;
    *size = sink.size;
    return sparnet_codec_ok;
}

// MARK: - JPEG

struct jpeg_failure {
    struct jpeg_error_mgr manager;  // first, so the library's pointer is ours
    struct failure failure;
};

static void jpeg_on_error(j_common_ptr cinfo) {
    struct jpeg_failure *jpeg = (struct jpeg_failure *)cinfo->err;
    if (jpeg->failure.status == sparnet_codec_ok) {
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        int code = cinfo->err->msg_code;
        sparnet_codec_status status = code == JERR_INPUT_EMPTY || code == JERR_INPUT_EOF ? sparnet_codec_truncated
                                    : code == JERR_OUT_OF_MEMORY                         ? sparnet_codec_failed
                                                                                         : sparnet_codec_corrupt;
        set_message(&jpeg->failure, status, text);
    }
    longjmp(jpeg->failure.jump, 1);
}

// libjpeg only warns when the data ends early (and pads with gray); Pillow refuses such a
// file ("image file is truncated"), and so do we. Other warnings are ignored, as in Pillow.
static void jpeg_on_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        struct jpeg_failure *jpeg = (struct jpeg_failure *)cinfo->err;
        set_message(&jpeg->failure, sparnet_codec_truncated, "unexpected end of data (truncated file)");
        longjmp(jpeg->failure.jump, 1);
    }
}

static void jpeg_install_errors(struct jpeg_failure *jpeg, char *message, size_t message_capacity) {
    jpeg_std_error(&jpeg->manager);
    jpeg->manager.error_exit = jpeg_on_error;
    jpeg->manager.emit_message = jpeg_on_message;
    jpeg->failure.status = sparnet_codec_ok;
    jpeg->failure.message = message;
    jpeg->failure.capacity = message_capacity;
}

// Pillow's cmyk2rgb (Convert.c) on Adobe-inverted CMYK, which Pillow assumes for every
// 4-component JPEG (JpegImagePlugin: rawmode "CMYK;I").
static void inverted_cmyk_to_rgb(unsigned char *out, const unsigned char *in, int count) {
    for (int x = 0; x < count; x++, in += 4, out += 3) {
        int nk = in[3];  // 255 − (255 − stored K)
        for (int c = 0; c < 3; c++) {
            int tmp = (255 - in[c]) * nk + 128;
            int value = nk - (((tmp >> 8) + tmp) >> 8);
            out[c] = (unsigned char)(value < 0 ? 0 : value > 255 ? 255 : value);
        }
    }
}

sparnet_codec_status sparnet_jpeg_decode(const unsigned char *data, size_t size, int *width, int *height,
                                         unsigned char *pixels, size_t capacity,
                                         char *message, size_t message_capacity) {
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        return fail(message, message_capacity, sparnet_codec_unsupported, "not a JPEG file (bad signature)");
    }
    // Zeroed so jpeg_destroy_decompress is safe even if jpeg_create_decompress failed.
    struct jpeg_decompress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    struct jpeg_failure jpeg;
    unsigned char *volatile row = NULL;
    jpeg_install_errors(&jpeg, message, message_capacity);
    cinfo.err = &jpeg.manager;
    if (setjmp(jpeg.failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(row);
        return jpeg.failure.status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo.out_color_space = JCS_CMYK;
        break;
    default:
        set_message(&jpeg.failure, sparnet_codec_unsupported, "JPEG color space cannot be converted to RGB");
        longjmp(jpeg.failure.jump, 1);
    }
    if (pixels == NULL) {
        jpeg_destroy_decompress(&cinfo);
        return sparnet_codec_ok;
    }
    if (*width <= 0 || capacity / 3 / (size_t)*width < (size_t)*height) {
        set_message(&jpeg.failure, sparnet_codec_failed, "pixel buffer too small");
        longjmp(jpeg.failure.jump, 1);
    }
    jpeg_start_decompress(&cinfo);
    if ((int)cinfo.output_width != *width || (int)cinfo.output_height != *height
        || cinfo.output_components != (cinfo.out_color_space == JCS_CMYK ? 4 : 3)) {
        set_message(&jpeg.failure, sparnet_codec_unsupported, "unexpected JPEG output layout");
        longjmp(jpeg.failure.jump, 1);
    }
    size_t stride = (size_t)*width * 3;
    if (cinfo.out_color_space == JCS_CMYK) {
        row = malloc((size_t)*width * 4);
        if (!row) {
            set_message(&jpeg.failure, sparnet_codec_failed, "out of memory");
            longjmp(jpeg.failure.jump, 1);
        }
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char *line = pixels + (size_t)cinfo.output_scanline * stride;
        JSAMPROW target = row ? row : line;
        jpeg_read_scanlines(&cinfo, &target, 1);
        if (row) {
            inverted_cmyk_to_rgb(line, row, *width);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    return sparnet_codec_ok;
}

sparnet_codec_status sparnet_jpeg_encode(const unsigned char *pixels, int width, int height, int quality,
                                         unsigned char **bytes, size_t *size,
                                         char *message, size_t message_capacity) {
    *bytes = NULL;
    *size = 0;
    if (width <= 0 || height <= 0 || width > 65500 || height > 65500) {
        return fail(message, message_capacity, sparnet_codec_unsupported, "JPEG sides must be 1…65500 pixels");
    }
    if (quality < 1 || quality > 100) {
        return fail(message, message_capacity, sparnet_codec_failed, "JPEG quality must be 1…100");
    }
    struct jpeg_compress_struct cinfo;
    memset(&cinfo, 0, sizeof cinfo);
    struct jpeg_failure jpeg;
    // jpeg_mem_dest allocates and grows this buffer; volatile so the error path frees the latest one.
    unsigned char *volatile buffer = NULL;
    volatile unsigned long length = 0;
    jpeg_install_errors(&jpeg, message, message_capacity);
    cinfo.err = &jpeg.manager;
    if (setjmp(jpeg.failure.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return jpeg.failure.status;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, (unsigned long *)&length);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW line = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &line, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *bytes = buffer;
    *size = length;
    return sparnet_codec_ok;
}
