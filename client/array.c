/* CUDA arrays and mipmapped arrays on the stub: the descriptor structs are
 * flattened into the wire rows' members (350-355) and rebuilt from the
 * replies; cuArrayDestroy, the levels and planes are generated rows.
 * Sparse and deferred-mapping arrays cannot be made through cuferry (the
 * server's emulator refuses the flags and NVIDIA's driver would hand back
 * memory we could not map), so their queries are answered here.
 *
 * Copies see an array as its extent (cf__client_array_extent), asked of the
 * server each time: arrays are rarely copied in small pieces, and a cached
 * extent would outlive a mipmapped array's destruction (issue 6 may cache
 * it with client-minted handles). */
#include "cf_array.h"
#include "cf_client_rpc.h"
#include "internal.h"

CF_EXPORT CUresult CUDAAPI cuArrayCreate_v2(CUarray *pHandle,
                                            const CUDA_ARRAY_DESCRIPTOR *pAllocateArray)
{
  if (!pHandle || !pAllocateArray)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuArrayCreate_v2(pHandle, pAllocateArray->Width, pAllocateArray->Height,
                                  pAllocateArray->Format, pAllocateArray->NumChannels);
}

CF_EXPORT CUresult CUDAAPI cuArray3DCreate_v2(CUarray *pHandle,
                                              const CUDA_ARRAY3D_DESCRIPTOR *pAllocateArray)
{
  const CUDA_ARRAY3D_DESCRIPTOR *d = pAllocateArray;

  if (!pHandle || !d)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuArray3DCreate_v2(pHandle, d->Width, d->Height, d->Depth, d->Format,
                                    d->NumChannels, d->Flags);
}

CF_EXPORT CUresult CUDAAPI cuArrayGetDescriptor_v2(CUDA_ARRAY_DESCRIPTOR *pArrayDescriptor,
                                                   CUarray hArray)
{
  CUDA_ARRAY_DESCRIPTOR d = { 0 };
  CUresult r;

  if (!pArrayDescriptor)
    return CUDA_ERROR_INVALID_VALUE;
  r = cf__rpc_cuArrayGetDescriptor_v2(hArray, &d.Width, &d.Height, &d.Format, &d.NumChannels);
  if (r == CUDA_SUCCESS)
    *pArrayDescriptor = d;
  return r;
}

CF_EXPORT CUresult CUDAAPI cuArray3DGetDescriptor_v2(CUDA_ARRAY3D_DESCRIPTOR *pArrayDescriptor,
                                                     CUarray hArray)
{
  CUDA_ARRAY3D_DESCRIPTOR d = { 0 };
  CUresult r;

  if (!pArrayDescriptor)
    return CUDA_ERROR_INVALID_VALUE;
  r = cf__rpc_cuArray3DGetDescriptor_v2(hArray, &d.Width, &d.Height, &d.Depth, &d.Format,
                                        &d.NumChannels, &d.Flags);
  if (r == CUDA_SUCCESS)
    *pArrayDescriptor = d;
  return r;
}

CF_EXPORT CUresult CUDAAPI cuMipmappedArrayCreate(CUmipmappedArray *pHandle,
                                                  const CUDA_ARRAY3D_DESCRIPTOR *pMipmappedArrayDesc,
                                                  unsigned int numMipmapLevels)
{
  const CUDA_ARRAY3D_DESCRIPTOR *d = pMipmappedArrayDesc;

  if (!pHandle || !d)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuMipmappedArrayCreate(pHandle, numMipmapLevels, d->Width, d->Height,
                                        d->Depth, d->Format, d->NumChannels, d->Flags);
}

/* No array made through cuferry is sparse or has deferred mapping, and
 * NVIDIA documents CUDA_ERROR_INVALID_VALUE for these queries on any other
 * array. */
CF_EXPORT CUresult CUDAAPI cuArrayGetSparseProperties(CUDA_ARRAY_SPARSE_PROPERTIES *props,
                                                      CUarray array)
{
  (void)props, (void)array;
  return cf__session_welcome() ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_NOT_INITIALIZED;
}

CF_EXPORT CUresult CUDAAPI
cuMipmappedArrayGetSparseProperties(CUDA_ARRAY_SPARSE_PROPERTIES *props, CUmipmappedArray mipmap)
{
  (void)props, (void)mipmap;
  return cf__session_welcome() ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_NOT_INITIALIZED;
}

CF_EXPORT CUresult CUDAAPI cuArrayGetMemoryRequirements(CUDA_ARRAY_MEMORY_REQUIREMENTS *req,
                                                        CUarray array, CUdevice device)
{
  (void)req, (void)array, (void)device;
  return cf__session_welcome() ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_NOT_INITIALIZED;
}

CF_EXPORT CUresult CUDAAPI cuMipmappedArrayGetMemoryRequirements(
    CUDA_ARRAY_MEMORY_REQUIREMENTS *req, CUmipmappedArray mipmap, CUdevice device)
{
  (void)req, (void)mipmap, (void)device;
  return cf__session_welcome() ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_NOT_INITIALIZED;
}

CUresult cf__client_array_extent(CUarray a, size_t *row_bytes, size_t *rows, size_t *slices,
                                 size_t *elem_bytes)
{
  size_t w, h, d, elem;
  CUarray_format format;
  unsigned channels, flags;
  CUresult r;

  if ((r = cf__rpc_cuArray3DGetDescriptor_v2(a, &w, &h, &d, &format, &channels, &flags)) !=
      CUDA_SUCCESS)
    return r;
  if (!(elem = cf_array_elem_bytes(format, channels)) || w > SIZE_MAX / elem)
    return CUDA_ERROR_NOT_SUPPORTED; /* a format we do not copy */
  *row_bytes = w * elem;
  *rows = h ? h : 1;
  *slices = d ? d : 1;
  *elem_bytes = elem;
  return CUDA_SUCCESS;
}
