#ifndef SPARNET_CIMAGECODECS_SHIM_H
#define SPARNET_CIMAGECODECS_SHIM_H
#include <stdio.h>
#include <png.h>
#include <jpeglib.h>

static inline const char *sparnet_png_libpng_ver(void) { return PNG_LIBPNG_VER_STRING; }
static inline int sparnet_jpeg_lib_version(void) { return JPEG_LIB_VERSION; }
#endif
