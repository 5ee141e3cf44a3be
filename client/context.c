/* Context creation forms that take parameter structures: the execution
 * affinity and CIG parameters have no meaning across the wire yet, so the
 * calls that ask for them answer CUDA_ERROR_NOT_SUPPORTED and the rest are
 * carried by cuCtxCreate_v2. */
#include "cf_client_rpc.h"
#include "cf_log.h"
#include "internal.h"

CF_EXPORT CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx, CUexecAffinityParam *paramsArray,
                                          int numParams, unsigned int flags, CUdevice dev)
{
  (void)paramsArray;
  if (numParams < 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (numParams > 0) {
    cf_warn("cuCtxCreate_v3 with execution affinity is not supported yet");
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  return cf__rpc_cuCtxCreate_v2(pctx, flags, dev);
}

CF_EXPORT CUresult CUDAAPI cuCtxCreate_v4(CUcontext *pctx, CUctxCreateParams *params,
                                          unsigned int flags, CUdevice dev)
{
  if (params && (params->execAffinityParams || params->numExecAffinityParams ||
                 params->cigParams)) {
    cf_warn("cuCtxCreate_v4 with execution affinity or CIG parameters is not supported yet");
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  return cf__rpc_cuCtxCreate_v2(pctx, flags, dev);
}
