/* The stream entry points the client writes by hand (cuda_api.def ids
 * 220-239): capture queries answered from a forwarded cuStreamIsCapturing,
 * the thread's capture mode, stream attributes carried as a whole
 * CUstreamAttrValue, and cuStreamBatchMemOp carried as one call.
 *
 * Capture: nothing captures (graphs are not supported, so
 * cuStreamBeginCapture answers NOT_SUPPORTED), so every version of
 * cuStreamGetCaptureInfo is cuStreamIsCapturing on the server (which checks
 * the stream and says NONE) plus id 0 and empty graph and dependency
 * outputs. The capture mode cuThreadExchangeStreamCaptureMode swaps is
 * per thread and only ever matters to a capture, so it stays here.
 *
 * A batch travels as one call whose bulk is the caller's array of
 * CUstreamBatchMemOpParams (scalars only: operation, device address,
 * value, flags), so the driver sees the batch whole and checks it before
 * queuing any of it, and the barrier and flush operations keep their
 * meaning; a forwarded loop of single operations would lose both. The
 * count is capped here (and again on the server) to bound the bulk.
 * No state but the thread-local capture mode; safe from any thread. */
#include "cf_client_rpc.h"
#include "cf_capture_info.h"
#include "internal.h"

/* CUDA's cap on one cuStreamBatchMemOp. */
#define CF_BATCH_MAX 256u

static _Thread_local CUstreamCaptureMode capture_mode = CU_STREAM_CAPTURE_MODE_GLOBAL;

/* ---- Capture state ------------------------------------------------------ */

static CUresult capture_info(CUstream hStream, CUstreamCaptureStatus *status, cuuint64_t *id,
                             CUgraph *graph, const CUgraphNode **deps,
                             const CUgraphEdgeData **edges, size_t *ndeps)
{
  CUresult r = cf__rpc_cuStreamIsCapturing(hStream, status);
  if (r == CUDA_SUCCESS)
    cf_capture_info_clear(id, graph, deps, edges, ndeps);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo_v3(CUstream hStream,
                                                     CUstreamCaptureStatus *captureStatus_out,
                                                     cuuint64_t *id_out, CUgraph *graph_out,
                                                     const CUgraphNode **dependencies_out,
                                                     const CUgraphEdgeData **edgeData_out,
                                                     size_t *numDependencies_out)
{
  return capture_info(hStream, captureStatus_out, id_out, graph_out, dependencies_out,
                      edgeData_out, numDependencies_out);
}

CF_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo_v2(CUstream hStream,
                                                     CUstreamCaptureStatus *captureStatus_out,
                                                     cuuint64_t *id_out, CUgraph *graph_out,
                                                     const CUgraphNode **dependencies_out,
                                                     size_t *numDependencies_out)
{
  return capture_info(hStream, captureStatus_out, id_out, graph_out, dependencies_out, NULL,
                      numDependencies_out);
}

/* Version 1 has its own ABI under the name cuda.h maps to _v3, so it is an
 * `export` of cuda_api.def, defined after undoing that macro; its _ptsz
 * form with it. */
#undef cuStreamGetCaptureInfo
CF_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo(CUstream hStream,
                                                  CUstreamCaptureStatus *captureStatus_out,
                                                  cuuint64_t *id_out);
CF_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo(CUstream hStream,
                                                  CUstreamCaptureStatus *captureStatus_out,
                                                  cuuint64_t *id_out)
{
  return capture_info(hStream, captureStatus_out, id_out, NULL, NULL, NULL, NULL);
}

CF_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo_ptsz(CUstream hStream,
                                                       CUstreamCaptureStatus *captureStatus_out,
                                                       cuuint64_t *id_out);
CF_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo_ptsz(CUstream hStream,
                                                       CUstreamCaptureStatus *captureStatus_out,
                                                       cuuint64_t *id_out)
{
  return capture_info(hStream ? hStream : CU_STREAM_PER_THREAD, captureStatus_out, id_out,
                      NULL, NULL, NULL, NULL);
}

CF_EXPORT CUresult CUDAAPI cuThreadExchangeStreamCaptureMode(CUstreamCaptureMode *mode)
{
  CUstreamCaptureMode old = capture_mode;

  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!mode || (*mode != CU_STREAM_CAPTURE_MODE_GLOBAL &&
                *mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
                *mode != CU_STREAM_CAPTURE_MODE_RELAXED))
    return CUDA_ERROR_INVALID_VALUE;
  capture_mode = *mode;
  *mode = old;
  return CUDA_SUCCESS;
}

/* ---- Attributes ----------------------------------------------------------- */

CF_EXPORT CUresult CUDAAPI cuStreamGetAttribute(CUstream hStream, CUstreamAttrID attr,
                                                CUstreamAttrValue *value_out)
{
  if (!value_out)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuStreamGetAttribute(hStream, attr, value_out, sizeof *value_out);
}

CF_EXPORT CUresult CUDAAPI cuStreamSetAttribute(CUstream hStream, CUstreamAttrID attr,
                                                const CUstreamAttrValue *value)
{
  if (!value)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuStreamSetAttribute(hStream, attr, value, sizeof *value);
}

/* ---- Batched memory operations ------------------------------------------- */

CF_EXPORT CUresult CUDAAPI cuStreamBatchMemOp_v2(CUstream stream, unsigned int count,
                                                 CUstreamBatchMemOpParams *paramArray,
                                                 unsigned int flags)
{
  if (count > CF_BATCH_MAX || (count && !paramArray))
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuStreamBatchMemOp_v2(stream, count, flags, paramArray,
                                       (size_t)count * sizeof *paramArray);
}
