#ifndef SPARNET_CHDF5_SHIM_H
#define SPARNET_CHDF5_SHIM_H
#include <hdf5.h>

/* HDF5's file-access flags, default property lists and native types are macros (the types
   expand to calls that open the library), which Swift cannot import. */
static inline unsigned sparnet_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned sparnet_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned sparnet_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned sparnet_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hid_t sparnet_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t sparnet_h5s_all(void) { return H5S_ALL; }
static inline hid_t sparnet_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t sparnet_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t sparnet_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t sparnet_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t sparnet_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t sparnet_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t sparnet_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t sparnet_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t sparnet_h5t_c_s1(void) { return H5T_C_S1; }

/* Silences HDF5's automatic error stack printing; the Swift wrapper reports errors itself. */
static inline void sparnet_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
