/* Host-side memory calls: pinned host allocations (plain page-aligned host
 * memory on the client, tracked so that cuMemFreeHost can refuse a pointer it
 * did not hand out, and so that an RDMA session can register each block once
 * and move copies from and into it without copying: cf__pinned_block) and
 * host<->device copies, cut into pieces no larger than the server's bulk
 * limit so a copy of any size works. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cf_api.pb-c.h"
#include "cf_api_ops.h"
#include "cf_client_rpc.h"
#include "internal.h"

/* --- pinned host memory -------------------------------------------------- */

#define PIN_BUCKETS 256

struct pinned {
  struct pinned *next;
  void *p;
  size_t size;
  unsigned flags;   /* cuMemHostAlloc/cuMemHostRegister flags */
  int registered;   /* cuMemHostRegister: the caller's memory */
};

static struct pinned *pins[PIN_BUCKETS];
static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned bucket(const void *p)
{
  return (unsigned)(((uintptr_t)p >> 12) % PIN_BUCKETS);
}

CF_EXPORT CUresult CUDAAPI cuMemAllocHost_v2(void **pp, size_t bytesize)
{
  return cuMemHostAlloc(pp, bytesize, 0);
}

/* Portable and write-combined memory is ordinary host memory here. Mapping
 * host memory into the device's address space cannot work across a network:
 * CU_MEMHOSTALLOC_DEVICEMAP answers NOT_SUPPORTED, and the device attribute
 * CAN_MAP_HOST_MEMORY says so. */
CF_EXPORT CUresult CUDAAPI cuMemHostAlloc(void **pp, size_t bytesize, unsigned int Flags)
{
  struct pinned *e;
  long page = sysconf(_SC_PAGESIZE);
  size_t pg;

  if (!pp || bytesize == 0 ||
      (Flags & ~(unsigned)(CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP |
                           CU_MEMHOSTALLOC_WRITECOMBINED)))
    return CUDA_ERROR_INVALID_VALUE;
  if (Flags & CU_MEMHOSTALLOC_DEVICEMAP)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!(e = malloc(sizeof *e)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  /* Whole pages: RDMA registers pages, and no other allocation may share
   * one with a block the server can read. */
  pg = page > 0 ? (size_t)page : 4096;
  if (bytesize > SIZE_MAX - pg ||
      posix_memalign(&e->p, pg, (bytesize + pg - 1) / pg * pg) != 0) {
    free(e);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  e->size = bytesize;
  e->flags = Flags;
  e->registered = 0;
  pthread_mutex_lock(&pin_lock);
  e->next = pins[bucket(e->p)];
  pins[bucket(e->p)] = e;
  pthread_mutex_unlock(&pin_lock);
  *pp = e->p;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuMemFreeHost(void *p)
{
  struct pinned **link, *e = NULL;

  pthread_mutex_lock(&pin_lock);
  for (link = &pins[bucket(p)]; *link; link = &(*link)->next) {
    if ((*link)->p == p && !(*link)->registered) {
      e = *link;
      *link = e->next;
      break;
    }
  }
  pthread_mutex_unlock(&pin_lock);
  if (!e)
    return CUDA_ERROR_INVALID_VALUE;
  cf__session_forget_memory(e->p, e->size);
  free(e->p);
  free(e);
  return CUDA_SUCCESS;
}

/* The pinned block (allocated or registered) holding p, if any. */
int cf__pinned_find(const void *p, void **base, size_t *size, unsigned *flags)
{
  uintptr_t a = (uintptr_t)p;
  int found = 0;

  pthread_mutex_lock(&pin_lock);
  for (unsigned b = 0; b < PIN_BUCKETS && !found; b++) {
    for (struct pinned *e = pins[b]; e; e = e->next) {
      if (a >= (uintptr_t)e->p && a - (uintptr_t)e->p < e->size) {
        if (base)
          *base = e->p;
        if (size)
          *size = e->size;
        if (flags)
          *flags = e->flags;
        found = 1;
        break;
      }
    }
  }
  pthread_mutex_unlock(&pin_lock);
  return found;
}

int cf__pinned_block(const void *p, size_t len, void **base, size_t *size)
{
  unsigned flags;

  return cf__pinned_find(p, base, size, &flags) &&
         len <= *size - (size_t)((uintptr_t)p - (uintptr_t)*base);
}

/* 1 when [p, p+n) meets any pinned block. */
static int pinned_overlaps(const void *p, size_t n)
{
  uintptr_t a = (uintptr_t)p;
  int found = 0;

  pthread_mutex_lock(&pin_lock);
  for (unsigned b = 0; b < PIN_BUCKETS && !found; b++)
    for (struct pinned *e = pins[b]; e && !found; e = e->next)
      found = a < (uintptr_t)e->p + e->size && (uintptr_t)e->p < a + n;
  pthread_mutex_unlock(&pin_lock);
  return found;
}

/* Registration records the caller's range as pinned, which over RDMA lets
 * copies move straight from and into it (registered with the adapter at
 * the first such copy, until cuMemHostUnregister). DEVICEMAP cannot work
 * across a network (NOT_SUPPORTED); IOMEMORY and READ_ONLY are accepted and
 * ignored. */
CF_EXPORT CUresult CUDAAPI cuMemHostRegister_v2(void *p, size_t bytesize, unsigned int Flags)
{
  struct pinned *e;
  uintptr_t a = (uintptr_t)p;

  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!p || bytesize == 0 ||
      (Flags & ~(unsigned)(CU_MEMHOSTREGISTER_PORTABLE | CU_MEMHOSTREGISTER_DEVICEMAP |
                           CU_MEMHOSTREGISTER_IOMEMORY | CU_MEMHOSTREGISTER_READ_ONLY)))
    return CUDA_ERROR_INVALID_VALUE;
  if (Flags & CU_MEMHOSTREGISTER_DEVICEMAP)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (bytesize > UINTPTR_MAX - a)
    return CUDA_ERROR_INVALID_VALUE;
  if (pinned_overlaps(p, bytesize))
    return CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED;
  if (!(e = malloc(sizeof *e)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  e->p = p;
  e->size = bytesize;
  e->flags = Flags;
  e->registered = 1;
  pthread_mutex_lock(&pin_lock);
  e->next = pins[bucket(p)];
  pins[bucket(p)] = e;
  pthread_mutex_unlock(&pin_lock);
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuMemHostUnregister(void *p)
{
  struct pinned **link, *e = NULL;

  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  pthread_mutex_lock(&pin_lock);
  for (link = &pins[bucket(p)]; *link; link = &(*link)->next) {
    if ((*link)->p == p && (*link)->registered) {
      e = *link;
      *link = e->next;
      break;
    }
  }
  pthread_mutex_unlock(&pin_lock);
  if (!e)
    return CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED;
  cf__session_forget_memory(e->p, e->size);
  free(e);
  return CUDA_SUCCESS;
}

/* --- copies -------------------------------------------------------------- */

/* Copies go in pieces of CF_COPY_CHUNK (CUFERRY_CHUNK_SIZE bytes, 64 KiB to
 * the server's bulk limit), pipelined so that the network, the server and
 * its device copy overlap and neither side holds more than a few pieces:
 * - first, the whole range must lie in one allocation (whole_range), so a
 *   bad copy fails before any piece moves, as it does locally;
 * - host to device: every piece but the last goes without waiting for its
 *   reply (the synchronous copy sent NOREPLY: the server runs it as it
 *   comes and latches a failure; for the async form, the caller's stream,
 *   vouch.c permitting); the last piece's reply answers for all of them.
 * - device to host: CF_COPY_WINDOW requests in flight, each reply landing
 *   in the caller's buffer (cf__client_call_pipelined). The async form is
 *   done by the time it returns, which is before the stream's next
 *   synchronisation, as CUDA requires. */
#define CF_COPY_CHUNK ((size_t)4 << 20)
#define CF_COPY_WINDOW 4

static size_t chunk_size(void)
{
  static size_t chosen;
  size_t max = cf__session_max_bulk(), want = chosen;

  if (!want) {
    const char *e = getenv("CUFERRY_CHUNK_SIZE");
    char *end;
    unsigned long long v = e ? strtoull(e, &end, 10) : 0;

    want = e && !*end && v >= ((size_t)64 << 10) ? (size_t)v : CF_COPY_CHUNK;
    chosen = want;
  }
  if (!max)
    max = (size_t)1 << 20;
  return want < max ? want : max;
}

/* Whether [p, p+n) may be copied in pieces: CUDA_SUCCESS when it lies in
 * one allocation the client knows, after asking the server for the one
 * around p if need be (one round trip, which also teaches vouch.c);
 * otherwise the error the whole copy must give before any piece moves. */
static CUresult whole_range(CUdeviceptr p, size_t n)
{
  CUdeviceptr base;
  size_t size;
  CUresult r;

  if (cf__vouch_span(p, 0, n, 1, 1))
    return CUDA_SUCCESS;
  r = cf__rpc_cuMemGetAddressRange_v2(&base, &size, p);
  if (r == CUDA_ERROR_NOT_FOUND)
    r = CUDA_ERROR_INVALID_VALUE;
  if (r != CUDA_SUCCESS)
    return r;
  cf__vouch_note_alloc(base, size);
  return cf__vouch_span(p, 0, n, 1, 1) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

/* hStream is NULL for the synchronous forms. */
static CUresult htod(CUdeviceptr dst, const void *src, size_t n, CUstream s, int async)
{
  const uint8_t *p = src;
  size_t step = chunk_size();
  CUcontext ctx;
  int ahead;
  CUresult r = CUDA_SUCCESS;

  if (!src && n)
    return CUDA_ERROR_INVALID_VALUE;
  if (n > step && (r = whole_range(dst, n)) != CUDA_SUCCESS)
    return r;
  ahead = n > step && !async && cf__vouch_context(&ctx);
  do {
    size_t k = n < step ? n : step;

    if (async) {
      r = cf__rpc_cuMemcpyHtoDAsync_v2(dst, p, k, s);
    } else if (ahead && k < n) {
      CuMemcpyHtoDV2Req req = CU_MEMCPY_HTO_DV2_REQ__INIT;

      req.dstdevice = (uint64_t)dst;
      req.bytecount = k;
      r = cf__client_call_async(CF_OP_cuMemcpyHtoD_v2, &req.base, p, k);
    } else {
      r = cf__rpc_cuMemcpyHtoD_v2(dst, p, k);
    }
    dst += k;
    p += k;
    n -= k;
  } while (r == CUDA_SUCCESS && n > 0);
  return r;
}

static CUresult dtoh(void *dst, CUdeviceptr src, size_t n, CUstream s, int async)
{
  size_t step = chunk_size(), count = n ? (n + step - 1) / step : 1;
  struct cf_pipelined_call *calls;
  CuMemcpyDtoHV2Req *req;
  CuMemcpyDtoHAsyncV2Req *areq;
  CUresult r;

  if (!dst && n)
    return CUDA_ERROR_INVALID_VALUE;
  if (count == 1)
    return async ? cf__rpc_cuMemcpyDtoHAsync_v2(dst, src, n, s)
                 : cf__rpc_cuMemcpyDtoH_v2(dst, src, n);
  if ((r = whole_range(src, n)) != CUDA_SUCCESS)
    return r;
  calls = calloc(count, sizeof *calls);
  req = async ? NULL : calloc(count, sizeof *req);
  areq = async ? calloc(count, sizeof *areq) : NULL;
  if (!calls || (!req && !areq)) {
    free(calls);
    free(req);
    free(areq);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  for (size_t i = 0; i < count; i++) {
    size_t off = i * step, k = n - off < step ? n - off : step;

    if (async) {
      cu_memcpy_dto_hasync_v2_req__init(&areq[i]);
      areq[i].srcdevice = (uint64_t)(src + off);
      areq[i].bytecount = k;
      areq[i].hstream = (uint64_t)(uintptr_t)s;
      calls[i].req = &areq[i].base;
    } else {
      cu_memcpy_dto_hv2_req__init(&req[i]);
      req[i].srcdevice = (uint64_t)(src + off);
      req[i].bytecount = k;
      calls[i].req = &req[i].base;
    }
    calls[i].bulk_out = (uint8_t *)dst + off;
    calls[i].bulk_out_cap = k;
  }
  r = async ? cf__client_call_pipelined(CF_OP_cuMemcpyDtoHAsync_v2,
                                        &cu_memcpy_dto_hasync_v2_rep__descriptor, calls, count,
                                        CF_COPY_WINDOW)
            : cf__client_call_pipelined(CF_OP_cuMemcpyDtoH_v2, &cu_memcpy_dto_hv2_rep__descriptor,
                                        calls, count, CF_COPY_WINDOW);
  free(calls);
  free(req);
  free(areq);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount)
{
  return htod(dstDevice, srcHost, ByteCount, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost,
                                                size_t ByteCount, CUstream hStream)
{
  return htod(dstDevice, srcHost, ByteCount, hStream, 1);
}

CF_EXPORT CUresult CUDAAPI cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount)
{
  return dtoh(dstHost, srcDevice, ByteCount, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice,
                                                size_t ByteCount, CUstream hStream)
{
  return dtoh(dstHost, srcDevice, ByteCount, hStream, 1);
}
