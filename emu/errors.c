/* cuGetErrorName and cuGetErrorString: the table is shared with the client
 * stub (common/cf_curesult.c). Both work before cuInit, like the driver's. */
#include "cf_curesult.h"
#include "internal.h"

CF_EMU_EXPORT CUresult CUDAAPI cuGetErrorName(CUresult error, const char **pStr)
{
  return cf_curesult_name(error, pStr);
}

CF_EMU_EXPORT CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr)
{
  return cf_curesult_string(error, pStr);
}
