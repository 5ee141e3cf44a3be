/* Host-side memory calls: pinned host allocations (plain page-aligned host
 * memory on the client, tracked so that cuMemFreeHost can refuse a pointer it
 * did not hand out) and host<->device copies, cut into pieces no larger than
 * the server's bulk limit so a copy of any size works. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

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
  if (posix_memalign(&e->p, page > 0 ? (size_t)page : 4096, bytesize) != 0) {
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

/* Registration records the caller's range as pinned: copies from it are
 * ordinary host copies here. DEVICEMAP cannot work across a network
 * (NOT_SUPPORTED); IOMEMORY and READ_ONLY are accepted and ignored. */
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
  free(e);
  return CUDA_SUCCESS;
}

/* --- copies -------------------------------------------------------------- */

static size_t chunk_size(void)
{
  size_t max = cf__session_max_bulk();
  return max ? max : (size_t)1 << 20;
}

/* hStream is NULL for the synchronous forms. The asynchronous forms are
 * carried synchronously for now, which CUDA's ordering allows. */
static CUresult htod(CUdeviceptr dst, const void *src, size_t n, CUstream s, int async)
{
  const uint8_t *p = src;
  size_t step = chunk_size();
  CUresult r = CUDA_SUCCESS;

  if (!src && n)
    return CUDA_ERROR_INVALID_VALUE;
  do {
    size_t k = n < step ? n : step;
    r = async ? cf__rpc_cuMemcpyHtoDAsync_v2(dst, p, k, s)
              : cf__rpc_cuMemcpyHtoD_v2(dst, p, k);
    dst += k;
    p += k;
    n -= k;
  } while (r == CUDA_SUCCESS && n > 0);
  return r;
}

static CUresult dtoh(void *dst, CUdeviceptr src, size_t n, CUstream s, int async)
{
  uint8_t *p = dst;
  size_t step = chunk_size();
  CUresult r = CUDA_SUCCESS;

  if (!dst && n)
    return CUDA_ERROR_INVALID_VALUE;
  do {
    size_t k = n < step ? n : step;
    r = async ? cf__rpc_cuMemcpyDtoHAsync_v2(p, src, k, s)
              : cf__rpc_cuMemcpyDtoH_v2(p, src, k);
    src += k;
    p += k;
    n -= k;
  } while (r == CUDA_SUCCESS && n > 0);
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
