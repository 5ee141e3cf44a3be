/* Un-suffixed legacy entry points whose ABI is identical to the current
 * version's, exported under their old names too so that programs and tools
 * resolving them (dlsym, old binaries) find them. cuda.h maps each name to
 * its newest version with a macro; this file alone undoes those macros, and
 * every function here only forwards. Names whose old ABI differs (32-bit
 * sizes and device pointers: cuMemAlloc, cuMemcpyHtoD, cuDeviceTotalMem, ...)
 * are deliberately absent. */
#include "internal.h"

#undef cuCtxCreate
#undef cuCtxDestroy
#undef cuCtxPopCurrent
#undef cuCtxPushCurrent
#undef cuStreamDestroy
#undef cuEventDestroy
#undef cuEventElapsedTime
#undef cuDevicePrimaryCtxRelease
#undef cuDevicePrimaryCtxReset
#undef cuDevicePrimaryCtxSetFlags
#undef cuDeviceGetUuid
#undef cuLinkCreate
#undef cuLinkAddData
#undef cuLinkAddFile
#undef cuStreamWaitValue32
#undef cuStreamWaitValue64
#undef cuStreamWriteValue32
#undef cuStreamWriteValue64
#undef cuStreamBatchMemOp

/* Same as cuCtxCreate_v2: (CUcontext *, unsigned int, CUdevice). */
CF_EMU_EXPORT CUresult CUDAAPI cuCtxCreate(CUcontext *pctx, unsigned int flags,
                                           CUdevice dev);
CUresult CUDAAPI cuCtxCreate(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
  return cuCtxCreate_v2(pctx, flags, dev);
}

#define CF_EMU_FORWARD_(name, v2, params, args)                               \
  CF_EMU_EXPORT CUresult CUDAAPI name params;                                 \
  CUresult CUDAAPI name params { return v2 args; }

CF_EMU_FORWARD_(cuCtxDestroy, cuCtxDestroy_v2, (CUcontext ctx), (ctx))
/* cuCtxDetach drops the usage count cuCtxCreate gave (the long-gone
 * cuCtxAttach was its only other source), so it destroys the context. */
CF_EMU_FORWARD_(cuCtxDetach, cuCtxDestroy_v2, (CUcontext ctx), (ctx))
CF_EMU_FORWARD_(cuCtxPopCurrent, cuCtxPopCurrent_v2, (CUcontext *pctx), (pctx))
CF_EMU_FORWARD_(cuCtxPushCurrent, cuCtxPushCurrent_v2, (CUcontext ctx), (ctx))
CF_EMU_FORWARD_(cuStreamDestroy, cuStreamDestroy_v2, (CUstream s), (s))
CF_EMU_FORWARD_(cuEventDestroy, cuEventDestroy_v2, (CUevent e), (e))
CF_EMU_FORWARD_(cuEventElapsedTime, cuEventElapsedTime_v2,
                (float *ms, CUevent a, CUevent b), (ms, a, b))
CF_EMU_FORWARD_(cuDevicePrimaryCtxRelease, cuDevicePrimaryCtxRelease_v2,
                (CUdevice dev), (dev))
CF_EMU_FORWARD_(cuDevicePrimaryCtxReset, cuDevicePrimaryCtxReset_v2,
                (CUdevice dev), (dev))
CF_EMU_FORWARD_(cuDevicePrimaryCtxSetFlags, cuDevicePrimaryCtxSetFlags_v2,
                (CUdevice dev, unsigned int flags), (dev, flags))
CF_EMU_FORWARD_(cuDeviceGetUuid, cuDeviceGetUuid_v2,
                (CUuuid *uuid, CUdevice dev), (uuid, dev))
CF_EMU_FORWARD_(cuLinkCreate, cuLinkCreate_v2,
                (unsigned int n, CUjit_option *opt, void **val, CUlinkState *out),
                (n, opt, val, out))
CF_EMU_FORWARD_(cuLinkAddData, cuLinkAddData_v2,
                (CUlinkState st, CUjitInputType type, void *data, size_t size,
                 const char *name, unsigned int n, CUjit_option *opt, void **val),
                (st, type, data, size, name, n, opt, val))
CF_EMU_FORWARD_(cuLinkAddFile, cuLinkAddFile_v2,
                (CUlinkState st, CUjitInputType type, const char *path,
                 unsigned int n, CUjit_option *opt, void **val),
                (st, type, path, n, opt, val))
/* The v1 stream memory operations (stream_ext.c): v2 takes the same
 * arguments. */
CF_EMU_FORWARD_(cuStreamWaitValue32, cuStreamWaitValue32_v2,
                (CUstream s, CUdeviceptr a, cuuint32_t v, unsigned int f),
                (s, a, v, f))
CF_EMU_FORWARD_(cuStreamWaitValue64, cuStreamWaitValue64_v2,
                (CUstream s, CUdeviceptr a, cuuint64_t v, unsigned int f),
                (s, a, v, f))
CF_EMU_FORWARD_(cuStreamWriteValue32, cuStreamWriteValue32_v2,
                (CUstream s, CUdeviceptr a, cuuint32_t v, unsigned int f),
                (s, a, v, f))
CF_EMU_FORWARD_(cuStreamWriteValue64, cuStreamWriteValue64_v2,
                (CUstream s, CUdeviceptr a, cuuint64_t v, unsigned int f),
                (s, a, v, f))
CF_EMU_FORWARD_(cuStreamBatchMemOp, cuStreamBatchMemOp_v2,
                (CUstream s, unsigned int n, CUstreamBatchMemOpParams *p,
                 unsigned int f),
                (s, n, p, f))
