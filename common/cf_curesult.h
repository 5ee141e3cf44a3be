/* cuGetErrorName / cuGetErrorString semantics for every CUresult of
 * CUDA 13, shared by the client stub and the emulator (cf_curesult.c). */
#ifndef CF_CURESULT_H
#define CF_CURESULT_H

#include <cuda.h>

/* What a launch with an impossible shape (a zero or oversized grid or block
 * dimension, too many threads per block) answers. cuda.h names no CUresult
 * 9, but cudart 13 turns exactly this value into
 * cudaErrorInvalidConfiguration, the error it reports for such launches on
 * NVIDIA's driver without checking the shape itself (measured: cudart passes
 * cuLaunchKernel's result through by number and makes no other call). */
#define CF_CUDA_ERROR_INVALID_CONFIGURATION ((CUresult)9)

/* *pStr = "CUDA_ERROR_INVALID_VALUE" (static). CUDA_ERROR_INVALID_VALUE,
 * with *pStr = NULL, for a value cuda.h does not define or a NULL pStr. */
CUresult cf_curesult_name(CUresult error, const char **pStr);

/* *pStr = "invalid argument" (static); errors as cf_curesult_name. */
CUresult cf_curesult_string(CUresult error, const char **pStr);

#endif
