/* Memory calls answered or composed on the client: pointer attributes (host
 * pointers here, device pointers forwarded), 2D copies, and
 * cuMemcpy/cuMemcpyAsync with unified addressing, whose direction comes
 * from which side owns each pointer.
 *
 * Ownership: a pointer inside a pinned block of this process (allocated or
 * registered, memory.c) is host memory; any other pointer is asked of the
 * server (cuPointerGetAttribute MEMORY_TYPE): DEVICE means device memory,
 * anything else (including the INVALID_VALUE a plain host pointer gets) host
 * memory.
 *
 * 2D copies are checked by common/cf_copy.c and made by copy3d.c's strided
 * copy: one round trip per bulk-sized piece, not one per row. */
#include <string.h>

#include "cf_client_rpc.h"
#include "cf_copy.h"
#include "cf_pointer_attr.h"
#include "internal.h"

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
  if (!cf_pointer_attr_size(attribute))
    return CUDA_ERROR_INVALID_VALUE;
  r = cf__rpc_cuPointerGetAttribute(data, attribute, ptr, cf_pointer_attr_size(attribute));
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
                   : cf_pointer_attr_size(a);
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

static CUresult client_check(void)
{
  return cf__session_welcome() ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED;
}

static CUresult client_htod(CUdeviceptr dst, const void *src, size_t n, CUstream s, int async)
{
  return async ? cuMemcpyHtoDAsync_v2(dst, src, n, s) : cuMemcpyHtoD_v2(dst, src, n);
}

static CUresult client_dtoh(void *dst, CUdeviceptr src, size_t n, CUstream s, int async)
{
  return async ? cuMemcpyDtoHAsync_v2(dst, src, n, s) : cuMemcpyDtoH_v2(dst, src, n);
}

static CUresult client_dtod(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s, int async)
{
  return async ? cuMemcpyDtoDAsync_v2(dst, src, n, s) : cuMemcpyDtoD_v2(dst, src, n);
}

/* Copies by ownership over the forwarded 1D copies; strided copies. */
const struct cf_copy_ops cf__copy_ops = {
  .check = client_check,
  .is_device = owner_is_device,
  .htod = client_htod,
  .dtoh = client_dtoh,
  .dtod = client_dtod,
  .stream_sync = cuStreamSynchronize,
  .array_extent = cf__client_array_extent,
  .strided = cf__client_copy_strided,
};

CF_EXPORT CUresult CUDAAPI cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount)
{
  return cf_copy_linear(&cf__copy_ops, dst, src, ByteCount, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount,
                                         CUstream hStream)
{
  return cf_copy_linear(&cf__copy_ops, dst, src, ByteCount, hStream, 1);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy2D_v2(const CUDA_MEMCPY2D *pCopy)
{
  return cf_copy_2d(&cf__copy_ops, pCopy, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy2DUnaligned_v2(const CUDA_MEMCPY2D *pCopy)
{
  return cf_copy_2d(&cf__copy_ops, pCopy, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D *pCopy, CUstream hStream)
{
  return cf_copy_2d(&cf__copy_ops, pCopy, hStream, 1);
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
