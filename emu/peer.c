/* Peer copies and peer access between contexts.
 *
 * The emulator has one device, whose contexts share one device address
 * space; a context reaches another's allocations only through the peer
 * copies. cuMemcpyPeer(Async) needs no enabled access (CUDA does not ask for
 * it either): each side is mapped in the context it names, and the copy is
 * one operation on a stream of the current context (memory.c). 3D peer
 * copies are in memory_ext.c.
 *
 * cuDeviceCanAccessPeer answers 0 for a device and itself, as CUDA does, so
 * cuCtxEnablePeerAccess answers PEER_ACCESS_UNSUPPORTED once its arguments
 * are checked (as cuda.h documents for devices that cannot access each
 * other), and there is never an access to disable. */
#include "internal.h"

#include "cf_copy.h"

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceCanAccessPeer(int *canAccessPeer,
                                                     CUdevice dev,
                                                     CUdevice peerDev)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!canAccessPeer)
    return CUDA_ERROR_INVALID_VALUE;
  if (dev != 0 || peerDev != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *canAccessPeer = 0; /* the only device is not its own peer */
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxEnablePeerAccess(CUcontext peerContext,
                                                     unsigned int Flags)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (Flags != 0)
    r = CUDA_ERROR_INVALID_VALUE;
  else if (peerContext == ctx || !cf__emu_ctx_usable(peerContext))
    r = CUDA_ERROR_INVALID_CONTEXT;
  else
    r = CUDA_ERROR_PEER_ACCESS_UNSUPPORTED;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxDisablePeerAccess(CUcontext peerContext)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_ctx_usable(peerContext) ? CUDA_ERROR_PEER_ACCESS_NOT_ENABLED
                                      : CUDA_ERROR_INVALID_CONTEXT;
  cf__emu_unlock();
  return r;
}

/* ByteCount bytes from srcDevice of srcContext to dstDevice of dstContext
 * (a NULL context: the current one). */
static CUresult peer_copy(CUdeviceptr dst, CUcontext dctx, CUdeviceptr src,
                          CUcontext sctx, size_t n, CUstream s, int async)
{
  struct cf_copy_shape c = {
    .src = { src, n, 1, sctx, 1 },
    .dst = { dst, n, 1, dctx, 1 },
    .width = n,
    .height = 1,
    .depth = 1,
  };
  return cf__emu_copy_strided(&c, s, async);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyPeer(CUdeviceptr dstDevice,
                                            CUcontext dstContext,
                                            CUdeviceptr srcDevice,
                                            CUcontext srcContext,
                                            size_t ByteCount)
{
  return peer_copy(dstDevice, dstContext, srcDevice, srcContext, ByteCount,
                   NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyPeerAsync(CUdeviceptr dstDevice,
                                                 CUcontext dstContext,
                                                 CUdeviceptr srcDevice,
                                                 CUcontext srcContext,
                                                 size_t ByteCount,
                                                 CUstream hStream)
{
  return peer_copy(dstDevice, dstContext, srcDevice, srcContext, ByteCount,
                   hStream, 1);
}
