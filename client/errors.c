/* cuGetErrorName / cuGetErrorString, answered locally from the table shared
 * with the emulator (common/cf_curesult.c). */
#include "cf_curesult.h"
#include "internal.h"

CF_EXPORT CUresult CUDAAPI cuGetErrorName(CUresult error, const char **pStr)
{
  return cf_curesult_name(error, pStr);
}

CF_EXPORT CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr)
{
  return cf_curesult_string(error, pStr);
}
