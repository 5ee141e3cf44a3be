/* Memory entry points: device allocation (over devmem.c), pinned host
 * memory, copies and memsets, synchronous and stream-ordered.
 *
 * Every device range a copy or memset touches must lie inside one live
 * allocation of the current context, else CUDA_ERROR_INVALID_VALUE, like
 * the driver. Stream-ordered ("Async") forms run synchronously once work
 * issued before them on that stream has finished, so CUDA's ordering holds.
 * Pinned host memory is page-aligned, owned by the context that allocated
 * it, and only such pointers may be given to cuMemFreeHost.
 *
 * All under the global lock. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "cf_error.h"

CF_EMU_EXPORT CUresult CUDAAPI cuMemAlloc(CUdeviceptr *dptr, size_t bytesize)
{
  CUcontext ctx;
  CUresult r;
  uint64_t a;

  if (dptr)
    *dptr = 0;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!dptr || bytesize == 0)
    r = CUDA_ERROR_INVALID_VALUE;
  else if ((r = cf__emu_mem_alloc(ctx, bytesize, CF_EMU_ALLOC_ALIGN,
                                  CF_EMU_ALLOC_USER, NULL, &a)) ==
           CUDA_SUCCESS)
    *dptr = (CUdeviceptr)a;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemFree(CUdeviceptr dptr)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  /* cuMemFree synchronises: a running kernel may still use the memory. */
  if (dptr != 0 && (r = cf__emu_ctx_wait(ctx)) == CUDA_SUCCESS)
    r = cf__emu_mem_free(ctx, dptr);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemGetInfo(size_t *free, size_t *total)
{
  CUcontext ctx;
  uint64_t f, t;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_mem_info(&f, &t);
  cf__emu_unlock();
  if (!free || !total)
    return CUDA_ERROR_INVALID_VALUE;
  *free = (size_t)f;
  *total = (size_t)t;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemGetAddressRange(CUdeviceptr *pbase,
                                                    size_t *psize,
                                                    CUdeviceptr dptr)
{
  CUcontext ctx;
  uint64_t b, s;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_mem_range(ctx, dptr, &b, &s);
  cf__emu_unlock();
  if (r != CUDA_SUCCESS)
    return r;
  if (pbase)
    *pbase = (CUdeviceptr)b;
  if (psize)
    *psize = (size_t)s;
  return CUDA_SUCCESS;
}

/* ---- Pinned host memory ------------------------------------------------- */

static CUresult host_alloc(void **pp, size_t bytesize, unsigned flags)
{
  CUcontext ctx;
  CUresult r;
  struct cf_emu_pinned *pin;
  void *p;

  if (pp)
    *pp = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!pp || bytesize == 0 ||
      (flags & ~(unsigned)(CU_MEMHOSTALLOC_PORTABLE |
                           CU_MEMHOSTALLOC_DEVICEMAP |
                           CU_MEMHOSTALLOC_WRITECOMBINED))) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  pin = malloc(sizeof *pin);
  if (!pin || posix_memalign(&p, 4096, bytesize) != 0) {
    free(pin);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  pin->p = p;
  pin->len = bytesize;
  cf__emu_list_add(&ctx->pinned, &pin->link);
  *pp = p;
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemAllocHost(void **pp, size_t bytesize)
{
  return host_alloc(pp, bytesize, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemHostAlloc(void **pp, size_t bytesize,
                                              unsigned int Flags)
{
  return host_alloc(pp, bytesize, Flags);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemFreeHost(void *p)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  r = CUDA_ERROR_INVALID_VALUE;
  for (struct cf_emu_link *l = ctx->pinned.next; l != &ctx->pinned;
       l = l->next) {
    struct cf_emu_pinned *pin = CF_EMU_CONTAINER(l, struct cf_emu_pinned,
                                                 link);
    if (pin->p == p) {
      cf__emu_list_del(&pin->link);
      free(pin->p);
      free(pin);
      r = CUDA_SUCCESS;
      break;
    }
  }
  cf__emu_unlock();
  return r;
}

void cf__emu_pinned_free_all(CUcontext ctx)
{
  while (ctx->pinned.next != &ctx->pinned) {
    struct cf_emu_pinned *pin = CF_EMU_CONTAINER(ctx->pinned.next,
                                                 struct cf_emu_pinned, link);
    cf__emu_list_del(&pin->link);
    free(pin->p);
    free(pin);
  }
}

/* ---- Copies and memsets ------------------------------------------------- */

enum dir { HTOD, DTOH, DTOD };

/* Lock, resolve the stream and wait for earlier work on it. Lock held on
 * success. */
static CUresult begin(CUstream hStream, CUcontext *ctx)
{
  CUstream s;
  CUresult r = cf__emu_lock_ctx(ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_stream_resolve(*ctx, hStream, &s)) != CUDA_SUCCESS ||
      (r = cf__emu_stream_wait(*ctx, s)) != CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

static CUresult copy(enum dir d, CUdeviceptr dst, void *hdst, CUdeviceptr src,
                     const void *hsrc, size_t n, CUstream hStream)
{
  CUcontext ctx;
  CUresult r = begin(hStream, &ctx);
  void *to, *from;

  if (r != CUDA_SUCCESS)
    return r;
  if (n == 0)
    goto out;
  to = d == DTOH ? hdst : cf__emu_mem_map(ctx, dst, n);
  from = d == HTOD ? (void *)(uintptr_t)hsrc : cf__emu_mem_map(ctx, src, n);
  if (!to || !from)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    memmove(to, from, n);
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr dstDevice,
                                            const void *srcHost,
                                            size_t ByteCount)
{
  return copy(HTOD, dstDevice, NULL, 0, srcHost, ByteCount, NULL);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyDtoH(void *dstHost,
                                            CUdeviceptr srcDevice,
                                            size_t ByteCount)
{
  return copy(DTOH, 0, dstHost, srcDevice, NULL, ByteCount, NULL);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyDtoD(CUdeviceptr dstDevice,
                                            CUdeviceptr srcDevice,
                                            size_t ByteCount)
{
  return copy(DTOD, dstDevice, NULL, srcDevice, NULL, ByteCount, NULL);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dstDevice,
                                                 const void *srcHost,
                                                 size_t ByteCount,
                                                 CUstream hStream)
{
  return copy(HTOD, dstDevice, NULL, 0, srcHost, ByteCount, hStream);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyDtoHAsync(void *dstHost,
                                                 CUdeviceptr srcDevice,
                                                 size_t ByteCount,
                                                 CUstream hStream)
{
  return copy(DTOH, 0, dstHost, srcDevice, NULL, ByteCount, hStream);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr dstDevice,
                                                 CUdeviceptr srcDevice,
                                                 size_t ByteCount,
                                                 CUstream hStream)
{
  return copy(DTOD, dstDevice, NULL, srcDevice, NULL, ByteCount, hStream);
}

static CUresult memset_n(CUdeviceptr dst, uint32_t value, unsigned width,
                         size_t n, CUstream hStream)
{
  CUcontext ctx;
  CUresult r = begin(hStream, &ctx);
  uint8_t *p;

  if (r != CUDA_SUCCESS)
    return r;
  if (dst % width != 0 || n > SIZE_MAX / width) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (n == 0)
    goto out;
  if (!(p = cf__emu_mem_map(ctx, dst, (uint64_t)n * width))) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (width == 1) {
    memset(p, (int)(value & 0xff), n);
  } else if (width == 2) {
    uint16_t v = (uint16_t)value;
    for (size_t i = 0; i < n; i++)
      memcpy(p + i * 2, &v, 2);
  } else {
    for (size_t i = 0; i < n; i++)
      memcpy(p + i * 4, &value, 4);
  }
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD8(CUdeviceptr dstDevice,
                                          unsigned char uc, size_t N)
{
  return memset_n(dstDevice, uc, 1, N, NULL);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD16(CUdeviceptr dstDevice,
                                           unsigned short us, size_t N)
{
  return memset_n(dstDevice, us, 2, N, NULL);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD32(CUdeviceptr dstDevice,
                                           unsigned int ui, size_t N)
{
  return memset_n(dstDevice, ui, 4, N, NULL);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD8Async(CUdeviceptr dstDevice,
                                               unsigned char uc, size_t N,
                                               CUstream hStream)
{
  return memset_n(dstDevice, uc, 1, N, hStream);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD16Async(CUdeviceptr dstDevice,
                                                unsigned short us, size_t N,
                                                CUstream hStream)
{
  return memset_n(dstDevice, us, 2, N, hStream);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dstDevice,
                                                unsigned int ui, size_t N,
                                                CUstream hStream)
{
  return memset_n(dstDevice, ui, 4, N, hStream);
}
