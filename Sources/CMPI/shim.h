#ifndef SPARNET_CMPI_SHIM_H
#define SPARNET_CMPI_SHIM_H
#include <mpi.h>

/* Open MPI defines its handles as macros over addresses of global objects, which Swift
   cannot import; these accessors hand them over as values. */
static inline MPI_Comm sparnet_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm sparnet_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype sparnet_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype sparnet_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype sparnet_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype sparnet_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype sparnet_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype sparnet_mpi_char(void) { return MPI_CHAR; }
static inline MPI_Op sparnet_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op sparnet_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op sparnet_mpi_min(void) { return MPI_MIN; }
static inline void *sparnet_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request sparnet_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *sparnet_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *sparnet_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline int sparnet_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline MPI_Info sparnet_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline int sparnet_mpi_success(void) { return MPI_SUCCESS; }
static inline int sparnet_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline MPI_Errhandler sparnet_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int sparnet_mpi_any_source(void) { return MPI_ANY_SOURCE; }

#endif
