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
static inline hid_t sparnet_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t sparnet_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t sparnet_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t sparnet_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t sparnet_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }

/* Little-endian file types: what the wrapper writes, whatever the host (h5py's choice too). */
static inline hid_t sparnet_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t sparnet_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t sparnet_h5t_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t sparnet_h5t_std_i16le(void) { return H5T_STD_I16LE; }
static inline hid_t sparnet_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t sparnet_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t sparnet_h5t_std_u8le(void) { return H5T_STD_U8LE; }
static inline hid_t sparnet_h5t_std_u16le(void) { return H5T_STD_U16LE; }
static inline hid_t sparnet_h5t_std_u32le(void) { return H5T_STD_U32LE; }
static inline hid_t sparnet_h5t_std_u64le(void) { return H5T_STD_U64LE; }
/* The string size that marks a variable-length string type. */
static inline size_t sparnet_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t sparnet_h5e_default(void) { return H5E_DEFAULT; }

/* Silences HDF5's automatic error stack printing; the Swift wrapper reports errors itself.
   In a thread-safe build the setting belongs to the calling thread only, so the wrapper calls
   this before every operation. */
static inline void sparnet_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
