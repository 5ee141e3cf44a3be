/* The per-thread default stream entry points: the _ptsz ("per-thread stream
 * zero") and _ptds ("per-thread default stream") names that cuda.h selects
 * when a program is built with CUDA_API_PER_THREAD_DEFAULT_STREAM (nvcc
 * --default-stream per-thread). They differ from the plain ones only in
 * what the NULL stream means: the calling thread's own stream
 * (CU_STREAM_PER_THREAD), which synchronises with the legacy stream but not
 * with other threads. An explicit CU_STREAM_LEGACY keeps its meaning.
 *
 * Every function here only forwards; the synchronous _ptds copies and
 * memsets are the async form on the per-thread stream followed by a
 * synchronisation of that stream. */
#include "internal.h"

static CUstream per_thread(CUstream s)
{
  return s ? s : CU_STREAM_PER_THREAD;
}

#define CF_EMU_PTSZ_(name, params, call)                                      \
  CF_EMU_EXPORT CUresult CUDAAPI name params;                                 \
  CUresult CUDAAPI name params { return call; }

CF_EMU_PTSZ_(cuLaunchKernel_ptsz,
             (CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
              unsigned by, unsigned bz, unsigned shared, CUstream s,
              void **params, void **extra),
             cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shared, per_thread(s),
                            params, extra))
CF_EMU_PTSZ_(cuLaunchHostFunc_ptsz, (CUstream s, CUhostFn fn, void *data),
             cuLaunchHostFunc(per_thread(s), fn, data))
CF_EMU_PTSZ_(cuStreamAddCallback_ptsz,
             (CUstream s, CUstreamCallback cb, void *data, unsigned flags),
             cuStreamAddCallback(per_thread(s), cb, data, flags))
CF_EMU_PTSZ_(cuStreamSynchronize_ptsz, (CUstream s),
             cuStreamSynchronize(per_thread(s)))
CF_EMU_PTSZ_(cuStreamQuery_ptsz, (CUstream s), cuStreamQuery(per_thread(s)))
CF_EMU_PTSZ_(cuStreamWaitEvent_ptsz, (CUstream s, CUevent e, unsigned flags),
             cuStreamWaitEvent(per_thread(s), e, flags))
CF_EMU_PTSZ_(cuStreamGetPriority_ptsz, (CUstream s, int *prio),
             cuStreamGetPriority(per_thread(s), prio))
CF_EMU_PTSZ_(cuStreamGetFlags_ptsz, (CUstream s, unsigned *flags),
             cuStreamGetFlags(per_thread(s), flags))
CF_EMU_PTSZ_(cuStreamGetCtx_ptsz, (CUstream s, CUcontext *pctx),
             cuStreamGetCtx(per_thread(s), pctx))
CF_EMU_PTSZ_(cuEventRecord_ptsz, (CUevent e, CUstream s),
             cuEventRecord(e, per_thread(s)))
CF_EMU_PTSZ_(cuEventRecordWithFlags_ptsz,
             (CUevent e, CUstream s, unsigned flags),
             cuEventRecordWithFlags(e, per_thread(s), flags))
CF_EMU_PTSZ_(cuMemcpyHtoDAsync_v2_ptsz,
             (CUdeviceptr dst, const void *src, size_t n, CUstream s),
             cuMemcpyHtoDAsync(dst, src, n, per_thread(s)))
CF_EMU_PTSZ_(cuMemcpyDtoHAsync_v2_ptsz,
             (void *dst, CUdeviceptr src, size_t n, CUstream s),
             cuMemcpyDtoHAsync(dst, src, n, per_thread(s)))
CF_EMU_PTSZ_(cuMemcpyDtoDAsync_v2_ptsz,
             (CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s),
             cuMemcpyDtoDAsync(dst, src, n, per_thread(s)))
CF_EMU_PTSZ_(cuMemsetD8Async_ptsz,
             (CUdeviceptr dst, unsigned char v, size_t n, CUstream s),
             cuMemsetD8Async(dst, v, n, per_thread(s)))
CF_EMU_PTSZ_(cuMemsetD16Async_ptsz,
             (CUdeviceptr dst, unsigned short v, size_t n, CUstream s),
             cuMemsetD16Async(dst, v, n, per_thread(s)))
CF_EMU_PTSZ_(cuMemsetD32Async_ptsz,
             (CUdeviceptr dst, unsigned int v, size_t n, CUstream s),
             cuMemsetD32Async(dst, v, n, per_thread(s)))
CF_EMU_PTSZ_(cuMemAllocAsync_ptsz,
             (CUdeviceptr *dptr, size_t n, CUstream s),
             cuMemAllocAsync(dptr, n, per_thread(s)))
CF_EMU_PTSZ_(cuMemFreeAsync_ptsz, (CUdeviceptr dptr, CUstream s),
             cuMemFreeAsync(dptr, per_thread(s)))
CF_EMU_PTSZ_(cuMemAllocFromPoolAsync_ptsz,
             (CUdeviceptr *dptr, size_t n, CUmemoryPool pool, CUstream s),
             cuMemAllocFromPoolAsync(dptr, n, pool, per_thread(s)))
CF_EMU_PTSZ_(cuMemcpy3DAsync_v2_ptsz, (const CUDA_MEMCPY3D *p, CUstream s),
             cuMemcpy3DAsync(p, per_thread(s)))
CF_EMU_PTSZ_(cuMemcpy3DPeerAsync_ptsz,
             (const CUDA_MEMCPY3D_PEER *p, CUstream s),
             cuMemcpy3DPeerAsync(p, per_thread(s)))
CF_EMU_PTSZ_(cuMemcpyPeerAsync_ptsz,
             (CUdeviceptr dst, CUcontext dctx, CUdeviceptr src, CUcontext sctx,
              size_t n, CUstream s),
             cuMemcpyPeerAsync(dst, dctx, src, sctx, n, per_thread(s)))
CF_EMU_PTSZ_(cuMemcpyBatchAsync_v2_ptsz,
             (CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes,
              size_t count, CUmemcpyAttributes *attrs, size_t *attrsIdxs,
              size_t numAttrs, CUstream s),
             cuMemcpyBatchAsync(dsts, srcs, sizes, count, attrs, attrsIdxs,
                                numAttrs, per_thread(s)))
CF_EMU_PTSZ_(cuMemcpy3DBatchAsync_v2_ptsz,
             (size_t n, CUDA_MEMCPY3D_BATCH_OP *ops, unsigned long long flags,
              CUstream s),
             cuMemcpy3DBatchAsync(n, ops, flags, per_thread(s)))
CF_EMU_PTSZ_(cuStreamGetDevice_ptsz, (CUstream s, CUdevice *dev),
             cuStreamGetDevice(per_thread(s), dev))
CF_EMU_PTSZ_(cuStreamIsCapturing_ptsz,
             (CUstream s, CUstreamCaptureStatus *status),
             cuStreamIsCapturing(per_thread(s), status))
CF_EMU_PTSZ_(cuStreamGetCaptureInfo_v2_ptsz,
             (CUstream s, CUstreamCaptureStatus *status, cuuint64_t *id,
              CUgraph *graph, const CUgraphNode **deps, size_t *ndeps),
             cuStreamGetCaptureInfo_v2(per_thread(s), status, id, graph, deps,
                                       ndeps))
CF_EMU_PTSZ_(cuStreamGetCaptureInfo_v3_ptsz,
             (CUstream s, CUstreamCaptureStatus *status, cuuint64_t *id,
              CUgraph *graph, const CUgraphNode **deps,
              const CUgraphEdgeData **edges, size_t *ndeps),
             cuStreamGetCaptureInfo_v3(per_thread(s), status, id, graph, deps,
                                       edges, ndeps))
CF_EMU_PTSZ_(cuStreamGetAttribute_ptsz,
             (CUstream s, CUstreamAttrID attr, CUstreamAttrValue *v),
             cuStreamGetAttribute(per_thread(s), attr, v))
CF_EMU_PTSZ_(cuStreamSetAttribute_ptsz,
             (CUstream s, CUstreamAttrID attr, const CUstreamAttrValue *v),
             cuStreamSetAttribute(per_thread(s), attr, v))
CF_EMU_PTSZ_(cuStreamCopyAttributes_ptsz, (CUstream dst, CUstream src),
             cuStreamCopyAttributes(per_thread(dst), per_thread(src)))
/* The value and batch operations: the v1 names share the _v2 ABI. */
#define CF_EMU_VALUE_PTSZ_(name, v2, type)                                    \
  CF_EMU_PTSZ_(name, (CUstream s, CUdeviceptr addr, type value,             \
                      unsigned flags),                                        \
               v2(per_thread(s), addr, value, flags))
CF_EMU_VALUE_PTSZ_(cuStreamWaitValue32_ptsz, cuStreamWaitValue32_v2, cuuint32_t)
CF_EMU_VALUE_PTSZ_(cuStreamWaitValue32_v2_ptsz, cuStreamWaitValue32_v2,
                   cuuint32_t)
CF_EMU_VALUE_PTSZ_(cuStreamWaitValue64_ptsz, cuStreamWaitValue64_v2, cuuint64_t)
CF_EMU_VALUE_PTSZ_(cuStreamWaitValue64_v2_ptsz, cuStreamWaitValue64_v2,
                   cuuint64_t)
CF_EMU_VALUE_PTSZ_(cuStreamWriteValue32_ptsz, cuStreamWriteValue32_v2,
                   cuuint32_t)
CF_EMU_VALUE_PTSZ_(cuStreamWriteValue32_v2_ptsz, cuStreamWriteValue32_v2,
                   cuuint32_t)
CF_EMU_VALUE_PTSZ_(cuStreamWriteValue64_ptsz, cuStreamWriteValue64_v2,
                   cuuint64_t)
CF_EMU_VALUE_PTSZ_(cuStreamWriteValue64_v2_ptsz, cuStreamWriteValue64_v2,
                   cuuint64_t)
CF_EMU_PTSZ_(cuStreamBatchMemOp_ptsz,
             (CUstream s, unsigned count, CUstreamBatchMemOpParams *ops,
              unsigned flags),
             cuStreamBatchMemOp_v2(per_thread(s), count, ops, flags))
CF_EMU_PTSZ_(cuStreamBatchMemOp_v2_ptsz,
             (CUstream s, unsigned count, CUstreamBatchMemOpParams *ops,
              unsigned flags),
             cuStreamBatchMemOp_v2(per_thread(s), count, ops, flags))

/* Synchronous forms on the per-thread stream. */
static CUresult then_sync(CUresult r)
{
  return r != CUDA_SUCCESS ? r : cuStreamSynchronize(CU_STREAM_PER_THREAD);
}

CF_EMU_PTSZ_(cuMemcpyHtoD_v2_ptds,
             (CUdeviceptr dst, const void *src, size_t n),
             then_sync(cuMemcpyHtoDAsync(dst, src, n, CU_STREAM_PER_THREAD)))
CF_EMU_PTSZ_(cuMemcpyDtoH_v2_ptds, (void *dst, CUdeviceptr src, size_t n),
             then_sync(cuMemcpyDtoHAsync(dst, src, n, CU_STREAM_PER_THREAD)))
CF_EMU_PTSZ_(cuMemcpyDtoD_v2_ptds,
             (CUdeviceptr dst, CUdeviceptr src, size_t n),
             then_sync(cuMemcpyDtoDAsync(dst, src, n, CU_STREAM_PER_THREAD)))
CF_EMU_PTSZ_(cuMemsetD8_v2_ptds, (CUdeviceptr dst, unsigned char v, size_t n),
             then_sync(cuMemsetD8Async(dst, v, n, CU_STREAM_PER_THREAD)))
CF_EMU_PTSZ_(cuMemsetD16_v2_ptds,
             (CUdeviceptr dst, unsigned short v, size_t n),
             then_sync(cuMemsetD16Async(dst, v, n, CU_STREAM_PER_THREAD)))
CF_EMU_PTSZ_(cuMemsetD32_v2_ptds, (CUdeviceptr dst, unsigned int v, size_t n),
             then_sync(cuMemsetD32Async(dst, v, n, CU_STREAM_PER_THREAD)))
CF_EMU_PTSZ_(cuMemcpy3D_v2_ptds, (const CUDA_MEMCPY3D *p),
             then_sync(cuMemcpy3DAsync(p, CU_STREAM_PER_THREAD)))
CF_EMU_PTSZ_(cuMemcpy3DPeer_ptds, (const CUDA_MEMCPY3D_PEER *p),
             then_sync(cuMemcpy3DPeerAsync(p, CU_STREAM_PER_THREAD)))
CF_EMU_PTSZ_(cuMemcpyPeer_ptds,
             (CUdeviceptr dst, CUcontext dctx, CUdeviceptr src, CUcontext sctx,
              size_t n),
             then_sync(cuMemcpyPeerAsync(dst, dctx, src, sctx, n,
                                         CU_STREAM_PER_THREAD)))
