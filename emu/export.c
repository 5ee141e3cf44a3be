/* cuGetExportTable in the emulator run directly (without cuferry's stub):
 * no private table is offered. Tools such as NVRTC load libcuda themselves
 * and look this function up; it must exist and answer, or they crash. Runtime
 * programs (cudart) need the tables, so they run through the stub, which
 * has them. */
#include "internal.h"

CF_EMU_EXPORT CUresult CUDAAPI cuGetExportTable(const void **ppExportTable,
                                                const CUuuid *pExportTableId)
{
  if (!ppExportTable || !pExportTableId)
    return CUDA_ERROR_INVALID_VALUE;
  *ppExportTable = NULL;
  return CUDA_ERROR_NOT_SUPPORTED;
}
