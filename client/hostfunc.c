/* Host functions in stream order: cuLaunchHostFunc and cuStreamAddCallback.
 *
 * The function runs on the client, in the calling process, never on the
 * server. This first version keeps stream order the simple way: it drains
 * the stream (a forwarded cuStreamSynchronize; the NULL stream synchronises
 * the legacy default stream) and then calls the function on the calling
 * thread before returning. So these calls BLOCK until the stream's earlier
 * work is done, which real CUDA does not do; work queued after them cannot
 * overtake the function because it is not queued yet. A later issue makes
 * them asynchronous (a client thread that waits for a marker on the stream).
 *
 * The _ptsz forms (per-thread default stream) take a NULL stream as the
 * calling thread's default stream (CU_STREAM_PER_THREAD on the server).
 * No state is kept; safe from any thread. */
#include "cf_client_rpc.h"
#include "internal.h"

CF_EXPORT CUresult CUDAAPI cuLaunchHostFunc(CUstream hStream, CUhostFn fn, void *userData)
{
  CUresult r;
  if (!fn)
    return CUDA_ERROR_INVALID_VALUE;
  /* An error here (a bad stream, or the context's sticky error) is what the
   * driver would report; the function then never runs. */
  if ((r = cuStreamSynchronize(hStream)) != CUDA_SUCCESS)
    return r;
  fn(userData);
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuLaunchHostFunc_ptsz(CUstream hStream, CUhostFn fn, void *userData)
{
  return cuLaunchHostFunc(hStream ? hStream : CU_STREAM_PER_THREAD, fn, userData);
}

CF_EXPORT CUresult CUDAAPI cuStreamAddCallback(CUstream hStream, CUstreamCallback callback,
                                               void *userData, unsigned int flags)
{
  CUresult r;
  if (!callback || flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  r = cuStreamSynchronize(hStream);
  /* A stream the server does not know gets no callback; any other failure
   * is the stream's error, which the callback receives as its status, as
   * the driver passes a failed stream's error. */
  if (r == CUDA_ERROR_INVALID_HANDLE || r == CUDA_ERROR_INVALID_CONTEXT ||
      r == CUDA_ERROR_NOT_INITIALIZED || r == CUDA_ERROR_DEVICE_UNAVAILABLE)
    return r;
  callback(hStream, r, userData);
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuStreamAddCallback_ptsz(CUstream hStream, CUstreamCallback callback,
                                                    void *userData, unsigned int flags)
{
  return cuStreamAddCallback(hStream ? hStream : CU_STREAM_PER_THREAD, callback, userData, flags);
}
