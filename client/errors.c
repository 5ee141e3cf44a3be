/* cuGetErrorName / cuGetErrorString, answered locally from the table
 * generated out of cuda.h (common/cf_curesult.h). */
#include "cf_curesult.h"
#include "internal.h"

CF_EXPORT CUresult CUDAAPI cuGetErrorName(CUresult error, const char **pStr)
{
  const char *s;
  if (!pStr)
    return CUDA_ERROR_INVALID_VALUE;
  s = cf_curesult_name((int)error);
  *pStr = s;
  return s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CF_EXPORT CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr)
{
  const char *s;
  if (!pStr)
    return CUDA_ERROR_INVALID_VALUE;
  s = cf_curesult_string((int)error);
  *pStr = s;
  return s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
