// libpng and libjpeg report errors by longjmp, which Swift cannot catch; these wrappers keep
// every setjmp in C and return a status plus a message instead. Pixels are 8-bit RGB,
// interleaved (H, W, 3), rows packed.
#ifndef SPARNET_CIMAGECODECSSHIM_H
#define SPARNET_CIMAGECODECSSHIM_H
#include <stddef.h>

typedef enum {
    sparnet_codec_ok = 0,
    sparnet_codec_corrupt = 1,      // the library rejected the data
    sparnet_codec_truncated = 2,    // the data ended before the image did
    sparnet_codec_unsupported = 3,  // not this format, or a variant we do not convert
    sparnet_codec_failed = 4        // out of memory or a caller error (buffer too small)
} sparnet_codec_status;

/// Decodes a PNG held in memory. With `pixels` NULL only the header is read and `width`,
/// `height` are set; otherwise `pixels` (capacity bytes, at least width·height·3) receives
/// RGB8: palettes expanded, gray replicated, 16-bit samples reduced to their high byte,
/// alpha and tRNS dropped (not composited). `message` receives the reason on failure.
sparnet_codec_status sparnet_png_decode(const unsigned char *data, size_t size, int *width, int *height,
                                        unsigned char *pixels, size_t capacity,
                                        char *message, size_t message_capacity);

/// Decodes a baseline or progressive JPEG held in memory, as `sparnet_png_decode` does:
/// gray and YCbCr through libjpeg's RGB conversion, CMYK/YCCK as Adobe-inverted CMYK
/// converted to RGB with Pillow's formula.
sparnet_codec_status sparnet_jpeg_decode(const unsigned char *data, size_t size, int *width, int *height,
                                         unsigned char *pixels, size_t capacity,
                                         char *message, size_t message_capacity);

/// Encodes RGB8 pixels as an 8-bit RGB PNG (zlib level 6, no interlace). On success `*bytes`
/// is a malloc'd buffer of `*size` bytes that the caller frees with `sparnet_codec_free`.
sparnet_codec_status sparnet_png_encode(const unsigned char *pixels, int width, int height,
                                        unsigned char **bytes, size_t *size,
                                        char *message, size_t message_capacity);

/// Encodes RGB8 pixels as a JFIF JPEG at `quality` 1…100 (libjpeg defaults: 4:2:0, islow DCT).
/// Ownership of `*bytes` as for `sparnet_png_encode`.
sparnet_codec_status sparnet_jpeg_encode(const unsigned char *pixels, int width, int height, int quality,
                                         unsigned char **bytes, size_t *size,
                                         char *message, size_t message_capacity);

/// Frees a buffer returned by an encoder.
void sparnet_codec_free(void *bytes);

#endif
