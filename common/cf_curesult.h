/* cuGetErrorName / cuGetErrorString semantics for every CUresult of
 * CUDA 13, shared by the client stub and the emulator (cf_curesult.c). */
#ifndef CF_CURESULT_H
#define CF_CURESULT_H

#include <cuda.h>

/* *pStr = "CUDA_ERROR_INVALID_VALUE" (static). CUDA_ERROR_INVALID_VALUE,
 * with *pStr = NULL, for a value cuda.h does not define or a NULL pStr. */
CUresult cf_curesult_name(CUresult error, const char **pStr);

/* *pStr = "invalid argument" (static); errors as cf_curesult_name. */
CUresult cf_curesult_string(CUresult error, const char **pStr);

#endif
