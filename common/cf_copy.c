/* Direction-by-ownership and 2D copies over a driver layer's 1D copies; see
 * cf_copy.h. No state: everything goes through the caller's ops. */
#include "cf_copy.h"

#include <stdint.h>
#include <string.h>

/* One 1D copy of n bytes between two sides already resolved. */
static CUresult copy1d(const struct cf_copy_ops *o, int ddev, CUdeviceptr dst, int sdev,
                       CUdeviceptr src, size_t n, CUstream s, int async)
{
  if (n == 0)
    return CUDA_SUCCESS;
  if (ddev && sdev)
    return o->dtod(dst, src, n, s, async);
  if (ddev)
    return o->htod(dst, (const void *)(uintptr_t)src, n, s, async);
  if (sdev)
    return o->dtoh((void *)(uintptr_t)dst, src, n, s, async);
  /* Host to host: the stream's earlier work may still write src; wait. */
  if (async) {
    CUresult r = o->stream_sync(s);
    if (r != CUDA_SUCCESS)
      return r;
  }
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
  return CUDA_SUCCESS;
}

CUresult cf_copy_linear(const struct cf_copy_ops *o, CUdeviceptr dst, CUdeviceptr src,
                        size_t n, CUstream s, int async)
{
  int ddev, sdev;
  CUresult r;

  if ((r = o->check()) != CUDA_SUCCESS)
    return r;
  if (n == 0)
    return CUDA_SUCCESS;
  if (!dst || !src)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = o->is_device(dst, &ddev)) != CUDA_SUCCESS ||
      (r = o->is_device(src, &sdev)) != CUDA_SUCCESS)
    return r;
  return copy1d(o, ddev, dst, sdev, src, n, s, async);
}

/* One side of a 2D copy: its first byte and whether it is device memory. */
static CUresult side(const struct cf_copy_ops *o, CUmemorytype type, const void *host,
                     CUdeviceptr dev, size_t x, size_t y, size_t pitch, CUdeviceptr *at,
                     int *is_dev)
{
  CUdeviceptr base;
  CUresult r;

  switch (type) {
  case CU_MEMORYTYPE_HOST:
    base = (CUdeviceptr)(uintptr_t)host;
    *is_dev = 0;
    break;
  case CU_MEMORYTYPE_DEVICE:
    base = dev;
    *is_dev = 1;
    break;
  case CU_MEMORYTYPE_UNIFIED:
    base = dev;
    if ((r = o->is_device(dev, is_dev)) != CUDA_SUCCESS)
      return r;
    break;
  case CU_MEMORYTYPE_ARRAY:
    return CUDA_ERROR_NOT_SUPPORTED; /* no CUDA arrays yet */
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (!base)
    return CUDA_ERROR_INVALID_VALUE;
  *at = base + y * pitch + x;
  return CUDA_SUCCESS;
}

CUresult cf_copy_2d(const struct cf_copy_ops *o, const CUDA_MEMCPY2D *c, CUstream s,
                    int async)
{
  CUdeviceptr src, dst;
  int sdev, ddev;
  CUresult r;

  if ((r = o->check()) != CUDA_SUCCESS)
    return r;
  if (!c)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = side(o, c->srcMemoryType, c->srcHost, c->srcDevice, c->srcXInBytes, c->srcY,
                c->srcPitch, &src, &sdev)) != CUDA_SUCCESS ||
      (r = side(o, c->dstMemoryType, c->dstHost, c->dstDevice, c->dstXInBytes, c->dstY,
                c->dstPitch, &dst, &ddev)) != CUDA_SUCCESS)
    return r;
  if (c->Height > 1 && (c->srcPitch < c->WidthInBytes + c->srcXInBytes ||
                        c->dstPitch < c->WidthInBytes + c->dstXInBytes))
    return CUDA_ERROR_INVALID_VALUE;
  if (c->WidthInBytes == 0 || c->Height == 0)
    return CUDA_SUCCESS;
  if (c->srcPitch == c->WidthInBytes && c->dstPitch == c->WidthInBytes)
    return copy1d(o, ddev, dst, sdev, src, c->WidthInBytes * c->Height, s, async);
  for (size_t y = 0; y < c->Height && r == CUDA_SUCCESS; y++)
    r = copy1d(o, ddev, dst + y * c->dstPitch, sdev, src + y * c->srcPitch, c->WidthInBytes,
               s, async);
  return r;
}
