/* Memory calls answered or composed on the client: pointer attributes (host
 * pointers here, device pointers forwarded), 2D copies made of 1D copies,
 * and cuMemcpy/cuMemcpyAsync with unified addressing, whose direction comes
 * from which side owns each pointer.
 *
 * Ownership: a pointer inside a pinned block of this process (allocated or
 * registered, memory.c) is host memory; any other pointer is asked of the
 * server (cuPointerGetAttribute MEMORY_TYPE): DEVICE means device memory,
 * anything else (including the INVALID_VALUE a plain host pointer gets) host
 * memory.
 *
 * 2D copies cost one forwarded 1D copy per row unless both sides are
 * contiguous (pitch == width), when one 1D copy does it. A single forwarded
 * 2D op would save the round trips; correct first. */
#include <string.h>

#include "cf_client_rpc.h"
#include "internal.h"

/* The size of attribute a's value, 0 for an attribute not forwarded. */
static size_t attr_size(CUpointer_attribute a)
{
  switch (a) {
  case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
  case CU_POINTER_ATTRIBUTE_SYNC_MEMOPS:
  case CU_POINTER_ATTRIBUTE_IS_MANAGED:
  case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
  case CU_POINTER_ATTRIBUTE_IS_LEGACY_CUDA_IPC_CAPABLE:
  case CU_POINTER_ATTRIBUTE_MAPPED:
  case CU_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE:
  case CU_POINTER_ATTRIBUTE_ACCESS_FLAGS:
    return 4;
  case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
  case CU_POINTER_ATTRIBUTE_BUFFER_ID:
  case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
  case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
  case CU_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES:
  case CU_POINTER_ATTRIBUTE_MAPPING_SIZE:
  case CU_POINTER_ATTRIBUTE_MEMORY_BLOCK_ID:
    return 8;
  default:
    return 0;
  }
}

/* Attributes of a pointer inside the pinned block [base, base+size). */
static CUresult host_attribute(void *data, CUpointer_attribute a, CUdeviceptr ptr,
                               void *base, size_t size)
{
  switch (a) {
  case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
    *(unsigned int *)data = CU_MEMORYTYPE_HOST;
    return CUDA_SUCCESS;
  case CU_POINTER_ATTRIBUTE_CONTEXT:
    return cuCtxGetCurrent((CUcontext *)data);
  case CU_POINTER_ATTRIBUTE_HOST_POINTER:
    *(void **)data = (void *)(uintptr_t)ptr;
    return CUDA_SUCCESS;
  case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
    *(CUdeviceptr *)data = (CUdeviceptr)(uintptr_t)base;
    return CUDA_SUCCESS;
  case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
    *(size_t *)data = size;
    return CUDA_SUCCESS;
  case CU_POINTER_ATTRIBUTE_BUFFER_ID:
    *(unsigned long long *)data = (unsigned long long)(uintptr_t)base;
    return CUDA_SUCCESS;
  case CU_POINTER_ATTRIBUTE_IS_MANAGED:
  case CU_POINTER_ATTRIBUTE_SYNC_MEMOPS:
    *(int *)data = 0;
    return CUDA_SUCCESS;
  case CU_POINTER_ATTRIBUTE_MAPPED:
    *(int *)data = 1;
    return CUDA_SUCCESS;
  case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
    return cuCtxGetDevice((CUdevice *)data);
  default:
    /* DEVICE_POINTER: host memory is never mapped into the device here. */
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CF_EXPORT CUresult CUDAAPI cuPointerGetAttribute(void *data, CUpointer_attribute attribute,
                                                 CUdeviceptr ptr)
{
  void *base;
  size_t size;
  CUresult r;

  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!data)
    return CUDA_ERROR_INVALID_VALUE;
  if (cf__pinned_find((const void *)(uintptr_t)ptr, &base, &size, NULL))
    return host_attribute(data, attribute, ptr, base, size);
  if (attribute == CU_POINTER_ATTRIBUTE_CONTEXT) {
    /* A server context handle cannot travel back as the client's: check
     * the pointer is the server's, then answer the current context (the
     * one the allocation was made in for single-context programs). */
    unsigned int type = 0;
    r = cf__rpc_cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, ptr,
                                      sizeof type);
    return r == CUDA_SUCCESS ? cuCtxGetCurrent((CUcontext *)data) : r;
  }
  if (attribute == CU_POINTER_ATTRIBUTE_HOST_POINTER)
    return CUDA_ERROR_INVALID_VALUE; /* device memory has no host mapping */
  if (!attr_size(attribute))
    return CUDA_ERROR_INVALID_VALUE;
  r = cf__rpc_cuPointerGetAttribute(data, attribute, ptr, attr_size(attribute));
  if (r == CUDA_SUCCESS && attribute == CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL)
    *(int *)data = (int)cf__device_from_server((CUdevice) * (int *)data);
  return r;
}

/* Unlike the single form, an unknown pointer is not an error: each value
 * gets its default (NULL, 0; DEVICE_ORDINAL -2) and the call succeeds. */
CF_EXPORT CUresult CUDAAPI cuPointerGetAttributes(unsigned int numAttributes,
                                                  CUpointer_attribute *attributes,
                                                  void **data, CUdeviceptr ptr)
{
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!attributes || !data || numAttributes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  for (unsigned int i = 0; i < numAttributes; i++) {
    CUpointer_attribute a = attributes[i];
    size_t n = a == CU_POINTER_ATTRIBUTE_CONTEXT || a == CU_POINTER_ATTRIBUTE_HOST_POINTER
                   ? sizeof(void *)
                   : attr_size(a);
    CUresult r;
    if (!n || !data[i])
      return CUDA_ERROR_INVALID_VALUE;
    r = cuPointerGetAttribute(data[i], a, ptr);
    if (r == CUDA_ERROR_INVALID_VALUE) {
      memset(data[i], 0, n);
      if (a == CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL)
        *(int *)data[i] = -2;
    } else if (r != CUDA_SUCCESS) {
      return r;
    }
  }
  return CUDA_SUCCESS;
}

/* Whether p is device memory (*dev 1) or host memory (*dev 0). */
static CUresult owner_is_device(CUdeviceptr p, int *dev)
{
  unsigned int type = 0;
  CUresult r;

  *dev = 0;
  if (cf__pinned_find((const void *)(uintptr_t)p, NULL, NULL, NULL))
    return CUDA_SUCCESS;
  r = cf__rpc_cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, p, sizeof type);
  if (r == CUDA_SUCCESS)
    *dev = type == CU_MEMORYTYPE_DEVICE;
  else if (r != CUDA_ERROR_INVALID_VALUE)
    return r; /* the connection, not the pointer */
  return CUDA_SUCCESS;
}

/* One 1D copy of n bytes between two sides already resolved. */
static CUresult copy1d(int ddev, CUdeviceptr dst, int sdev, CUdeviceptr src, size_t n,
                       CUstream s, int async)
{
  if (n == 0)
    return CUDA_SUCCESS;
  if (ddev && sdev)
    return async ? cuMemcpyDtoDAsync_v2(dst, src, n, s) : cuMemcpyDtoD_v2(dst, src, n);
  if (ddev)
    return async ? cuMemcpyHtoDAsync_v2(dst, (const void *)(uintptr_t)src, n, s)
                 : cuMemcpyHtoD_v2(dst, (const void *)(uintptr_t)src, n);
  if (sdev)
    return async ? cuMemcpyDtoHAsync_v2((void *)(uintptr_t)dst, src, n, s)
                 : cuMemcpyDtoH_v2((void *)(uintptr_t)dst, src, n);
  /* Host to host: the stream's earlier work may still write src; wait. */
  if (async) {
    CUresult r = cuStreamSynchronize(s);
    if (r != CUDA_SUCCESS)
      return r;
  }
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
  return CUDA_SUCCESS;
}

static CUresult mem_copy(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s, int async)
{
  int ddev, sdev;
  CUresult r;

  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (n == 0)
    return CUDA_SUCCESS;
  if (!dst || !src)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = owner_is_device(dst, &ddev)) != CUDA_SUCCESS ||
      (r = owner_is_device(src, &sdev)) != CUDA_SUCCESS)
    return r;
  return copy1d(ddev, dst, sdev, src, n, s, async);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount)
{
  return mem_copy(dst, src, ByteCount, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount,
                                         CUstream hStream)
{
  return mem_copy(dst, src, ByteCount, hStream, 1);
}

/* One side of a 2D copy: its first byte and whether it is device memory. */
static CUresult side(CUmemorytype type, const void *host, CUdeviceptr dev, size_t x, size_t y,
                     size_t pitch, CUdeviceptr *at, int *is_dev)
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
    if ((r = owner_is_device(dev, is_dev)) != CUDA_SUCCESS)
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

static CUresult copy2d(const CUDA_MEMCPY2D *c, CUstream s, int async)
{
  CUdeviceptr src, dst;
  int sdev, ddev;
  CUresult r;

  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!c)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = side(c->srcMemoryType, c->srcHost, c->srcDevice, c->srcXInBytes, c->srcY,
                c->srcPitch, &src, &sdev)) != CUDA_SUCCESS ||
      (r = side(c->dstMemoryType, c->dstHost, c->dstDevice, c->dstXInBytes, c->dstY,
                c->dstPitch, &dst, &ddev)) != CUDA_SUCCESS)
    return r;
  if (c->Height > 1 && (c->srcPitch < c->WidthInBytes + c->srcXInBytes ||
                        c->dstPitch < c->WidthInBytes + c->dstXInBytes))
    return CUDA_ERROR_INVALID_VALUE;
  if (c->WidthInBytes == 0 || c->Height == 0)
    return CUDA_SUCCESS;
  if (c->srcPitch == c->WidthInBytes && c->dstPitch == c->WidthInBytes)
    return copy1d(ddev, dst, sdev, src, c->WidthInBytes * c->Height, s, async);
  for (size_t y = 0; y < c->Height && r == CUDA_SUCCESS; y++)
    r = copy1d(ddev, dst + y * c->dstPitch, sdev, src + y * c->srcPitch, c->WidthInBytes, s,
               async);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuMemcpy2D_v2(const CUDA_MEMCPY2D *pCopy)
{
  return copy2d(pCopy, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy2DUnaligned_v2(const CUDA_MEMCPY2D *pCopy)
{
  return copy2d(pCopy, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D *pCopy, CUstream hStream)
{
  return copy2d(pCopy, hStream, 1);
}

CF_EXPORT CUresult CUDAAPI cuMemHostGetFlags(unsigned int *pFlags, void *p)
{
  unsigned flags;

  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!pFlags || !cf__pinned_find(p, NULL, NULL, &flags))
    return CUDA_ERROR_INVALID_VALUE;
  *pFlags = flags;
  return CUDA_SUCCESS;
}
