#ifndef SPARNET_CBLAS_SHIM_H
#define SPARNET_CBLAS_SHIM_H
#include <cblas.h>

/* openblas_set_num_threads is declared in cblas.h of OpenBLAS; these wrappers keep the
   Swift side independent of which BLAS header provides them. */
static inline void sparnet_blas_set_threads(int threads) { openblas_set_num_threads(threads); }
static inline int sparnet_blas_threads(void) { return openblas_get_num_threads(); }
static inline const char *sparnet_blas_core(void) { return openblas_get_corename(); }
#endif
