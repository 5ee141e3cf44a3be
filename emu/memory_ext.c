/* More memory entry points: pitched allocation, pointer attributes, the
 * 2D, 3D, 3D peer and batch copies, and cuMemcpy/cuMemcpyAsync with unified
 * addressing. common/cf_copy.c checks the descriptors and resolves their
 * sides; each strided copy is then one operation of memory.c
 * (cf__emu_copy_strided), each linear one a 1D copy; CUDA arrays are sized
 * by array.c (cf__emu_array_extent). Direction comes from
 * which side owns each pointer: a live device allocation of the current
 * context is device memory, anything else host memory. */
#include "cf_copy.h"
#include "cf_pointer_attr.h"
#include "internal.h"

#include <string.h>

/* Pitches are rounded up to this (at least the texture pitch alignment). */
#define PITCH_ALIGN 256u

CF_EMU_EXPORT CUresult CUDAAPI cuMemAllocPitch(CUdeviceptr *dptr,
                                               size_t *pPitch,
                                               size_t WidthInBytes,
                                               size_t Height,
                                               unsigned int ElementSizeBytes)
{
  size_t pitch;
  CUresult r;

  if (!dptr || !pPitch || WidthInBytes == 0 || Height == 0 ||
      (ElementSizeBytes != 4 && ElementSizeBytes != 8 &&
       ElementSizeBytes != 16))
    return CUDA_ERROR_INVALID_VALUE;
  if (WidthInBytes > SIZE_MAX - PITCH_ALIGN)
    return CUDA_ERROR_INVALID_VALUE;
  pitch = (WidthInBytes + PITCH_ALIGN - 1) / PITCH_ALIGN * PITCH_ALIGN;
  if (Height > SIZE_MAX / pitch)
    return CUDA_ERROR_OUT_OF_MEMORY;
  if ((r = cuMemAlloc(dptr, pitch * Height)) == CUDA_SUCCESS)
    *pPitch = pitch;
  return r;
}

/* The pinned block of ctx holding p: 1 and its extent, else 0. Lock held. */
static int pinned_find(CUcontext ctx, uintptr_t a, uintptr_t *base,
                       size_t *len)
{
  for (struct cf_emu_link *l = ctx->pinned.next; l != &ctx->pinned;
       l = l->next) {
    const struct cf_emu_pinned *pin =
        CF_EMU_CONTAINER(l, struct cf_emu_pinned, link);
    uintptr_t b = (uintptr_t)pin->p;
    if (a >= b && a - b < pin->len) {
      *base = b;
      *len = pin->len;
      return 1;
    }
  }
  return 0;
}

/* One attribute; INVALID_VALUE for memory the context does not know. Lock
 * held. */
static CUresult attribute(CUcontext ctx, void *data, CUpointer_attribute a,
                          CUdeviceptr ptr)
{
  uint64_t base = 0, size = 0;
  uintptr_t hbase;
  size_t hlen;
  int dev;

  if (cf__emu_mem_range(ctx, ptr, &base, &size) == CUDA_SUCCESS) {
    dev = 1;
  } else if (pinned_find(ctx, (uintptr_t)ptr, &hbase, &hlen)) {
    dev = 0;
    base = hbase;
    size = hlen;
  } else {
    return CUDA_ERROR_INVALID_VALUE;
  }
  switch (a) {
  case CU_POINTER_ATTRIBUTE_CONTEXT:
    *(CUcontext *)data = ctx;
    break;
  case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
    *(unsigned int *)data = dev ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST;
    break;
  case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
    if (!dev)
      return CUDA_ERROR_INVALID_VALUE; /* pinned memory is never mapped */
    *(CUdeviceptr *)data = ptr;
    break;
  case CU_POINTER_ATTRIBUTE_HOST_POINTER:
    if (dev)
      return CUDA_ERROR_INVALID_VALUE;
    *(void **)data = (void *)(uintptr_t)ptr;
    break;
  case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
    *(CUdeviceptr *)data = (CUdeviceptr)base;
    break;
  case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
    *(size_t *)data = (size_t)size;
    break;
  case CU_POINTER_ATTRIBUTE_BUFFER_ID:
  case CU_POINTER_ATTRIBUTE_MEMORY_BLOCK_ID:
    *(unsigned long long *)data = (unsigned long long)base;
    break;
  case CU_POINTER_ATTRIBUTE_IS_MANAGED:
  case CU_POINTER_ATTRIBUTE_SYNC_MEMOPS:
  case CU_POINTER_ATTRIBUTE_IS_LEGACY_CUDA_IPC_CAPABLE:
  case CU_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE:
    *(int *)data = 0;
    break;
  case CU_POINTER_ATTRIBUTE_MAPPED:
    *(int *)data = 1;
    break;
  case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
    *(int *)data = 0;
    break;
  case CU_POINTER_ATTRIBUTE_ACCESS_FLAGS:
    *(int *)data = CU_POINTER_ATTRIBUTE_ACCESS_FLAG_READWRITE;
    break;
  case CU_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES:
    *(unsigned long long *)data = CU_MEM_HANDLE_TYPE_NONE;
    break;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuPointerGetAttribute(void *data,
                                                     CUpointer_attribute a,
                                                     CUdeviceptr ptr)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  r = data ? attribute(ctx, data, a, ptr) : CUDA_ERROR_INVALID_VALUE;
  cf__emu_unlock();
  return r;
}

/* Unknown memory is not an error here: defaults (0, NULL; ordinal -2). */
CF_EMU_EXPORT CUresult CUDAAPI cuPointerGetAttributes(
    unsigned int numAttributes, CUpointer_attribute *attributes, void **data,
    CUdeviceptr ptr)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!attributes || !data || numAttributes == 0)
    r = CUDA_ERROR_INVALID_VALUE;
  for (unsigned int i = 0; r == CUDA_SUCCESS && i < numAttributes; i++) {
    CUpointer_attribute a = attributes[i];
    if (!data[i]) {
      r = CUDA_ERROR_INVALID_VALUE;
      break;
    }
    if (attribute(ctx, data[i], a, ptr) != CUDA_SUCCESS) {
      /* 4-byte values, else 8 (pointers and handles included) */
      memset(data[i], 0, cf_pointer_attr_size(a) == 4 ? 4 : 8);
      if (a == CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL)
        *(int *)data[i] = -2;
    }
  }
  cf__emu_unlock();
  return r;
}

/* 1 when p is device memory of the current context. */
static CUresult is_device(CUdeviceptr p, int *dev)
{
  CUcontext ctx;
  uint64_t b, s;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  *dev = cf__emu_mem_range(ctx, p, &b, &s) == CUDA_SUCCESS;
  cf__emu_unlock();
  return CUDA_SUCCESS;
}

static CUresult emu_check(void)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r == CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

static CUresult emu_htod(CUdeviceptr dst, const void *src, size_t n, CUstream s,
                         int async)
{
  return async ? cuMemcpyHtoDAsync(dst, src, n, s) : cuMemcpyHtoD(dst, src, n);
}

static CUresult emu_dtoh(void *dst, CUdeviceptr src, size_t n, CUstream s,
                         int async)
{
  return async ? cuMemcpyDtoHAsync(dst, src, n, s) : cuMemcpyDtoH(dst, src, n);
}

static CUresult emu_dtod(CUdeviceptr dst, CUdeviceptr src, size_t n,
                         CUstream s, int async)
{
  return async ? cuMemcpyDtoDAsync(dst, src, n, s) : cuMemcpyDtoD(dst, src, n);
}

/* Copies by ownership and 2D copies (common/cf_copy.c), over our 1D ones. */
static const struct cf_copy_ops copy_ops = {
  .check = emu_check,
  .is_device = is_device,
  .htod = emu_htod,
  .dtoh = emu_dtoh,
  .dtod = emu_dtod,
  .stream_sync = cuStreamSynchronize,
  .array_extent = cf__emu_array_extent,
  .strided = cf__emu_copy_strided,
};

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy(CUdeviceptr dst, CUdeviceptr src,
                                        size_t ByteCount)
{
  return cf_copy_linear(&copy_ops, dst, src, ByteCount, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src,
                                             size_t ByteCount,
                                             CUstream hStream)
{
  return cf_copy_linear(&copy_ops, dst, src, ByteCount, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy2D(const CUDA_MEMCPY2D *pCopy)
{
  return cf_copy_2d(&copy_ops, pCopy, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy2DUnaligned(const CUDA_MEMCPY2D *pCopy)
{
  return cf_copy_2d(&copy_ops, pCopy, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy2DAsync(const CUDA_MEMCPY2D *pCopy,
                                               CUstream hStream)
{
  return cf_copy_2d(&copy_ops, pCopy, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy3D(const CUDA_MEMCPY3D *pCopy)
{
  return cf_copy_3d(&copy_ops, pCopy, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy3DAsync(const CUDA_MEMCPY3D *pCopy,
                                               CUstream hStream)
{
  return cf_copy_3d(&copy_ops, pCopy, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy3DPeer(const CUDA_MEMCPY3D_PEER *pCopy)
{
  return cf_copy_3d_peer(&copy_ops, pCopy, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy3DPeerAsync(
    const CUDA_MEMCPY3D_PEER *pCopy, CUstream hStream)
{
  return cf_copy_3d_peer(&copy_ops, pCopy, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyBatchAsync(
    CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes, size_t count,
    CUmemcpyAttributes *attrs, size_t *attrsIdxs, size_t numAttrs,
    CUstream hStream)
{
  return cf_copy_batch(&copy_ops, dsts, srcs, sizes, count, attrs, attrsIdxs,
                       numAttrs, NULL, hStream);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy3DBatchAsync(
    size_t numOps, CUDA_MEMCPY3D_BATCH_OP *opList, unsigned long long flags,
    CUstream hStream)
{
  return cf_copy_batch_3d(&copy_ops, numOps, opList, NULL, flags, hStream);
}

/* The CUDA 12.8 forms take a failIdx before the flags or the stream; cuda.h
 * maps their names to the _v2 forms (defined just above), so they are
 * defined after undoing those macros, with their _ptsz forms. */
#undef cuMemcpyBatchAsync
#undef cuMemcpy3DBatchAsync
#define CF_BATCH_PARAMS_                                                       \
  (CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes, size_t count,          \
   CUmemcpyAttributes *attrs, size_t *attrsIdxs, size_t numAttrs,              \
   size_t *failIdx, CUstream hStream)
#define CF_BATCH_3D_PARAMS_                                                    \
  (size_t numOps, CUDA_MEMCPY3D_BATCH_OP *opList, size_t *failIdx,             \
   unsigned long long flags, CUstream hStream)
CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyBatchAsync CF_BATCH_PARAMS_;
CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyBatchAsync_ptsz CF_BATCH_PARAMS_;
CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy3DBatchAsync CF_BATCH_3D_PARAMS_;
CF_EMU_EXPORT CUresult CUDAAPI cuMemcpy3DBatchAsync_ptsz CF_BATCH_3D_PARAMS_;

CUresult CUDAAPI cuMemcpyBatchAsync CF_BATCH_PARAMS_
{
  return cf_copy_batch(&copy_ops, dsts, srcs, sizes, count, attrs, attrsIdxs,
                       numAttrs, failIdx, hStream);
}

CUresult CUDAAPI cuMemcpyBatchAsync_ptsz CF_BATCH_PARAMS_
{
  return cf_copy_batch(&copy_ops, dsts, srcs, sizes, count, attrs, attrsIdxs,
                       numAttrs, failIdx,
                       hStream ? hStream : CU_STREAM_PER_THREAD);
}

CUresult CUDAAPI cuMemcpy3DBatchAsync CF_BATCH_3D_PARAMS_
{
  return cf_copy_batch_3d(&copy_ops, numOps, opList, failIdx, flags, hStream);
}

CUresult CUDAAPI cuMemcpy3DBatchAsync_ptsz CF_BATCH_3D_PARAMS_
{
  return cf_copy_batch_3d(&copy_ops, numOps, opList, failIdx, flags,
                          hStream ? hStream : CU_STREAM_PER_THREAD);
}
