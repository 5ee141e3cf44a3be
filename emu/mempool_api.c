/* Memory-pool objects as the program sees them: cuMemPoolCreate (and its
 * property checks), destroy, trim, attributes, access, and the device's
 * default and current pool in the device and the CUDA 13 location forms.
 * Only device 0's pinned memory exists: HOST and HOST_NUMA locations answer
 * CUDA_ERROR_NOT_SUPPORTED, as do managed pools and pools that ask for IPC
 * handle types or hardware decompression. The allocator behind the pools
 * (blocks, reservations, stream-ordered allocation and free, a destroyed
 * pool's lifetime) is mempool.c's. Every entry point holds the global lock
 * for its whole body. */
#include "internal.h"

#include <string.h>

/* Lock (after cuInit) and check p. Lock held on success. */
static CUresult lock_pool(CUmemoryPool p)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_pool_check(p)) != CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

/* What a location naming pinned device memory answers: device 0 is fine,
 * other devices are INVALID_DEVICE, host locations NOT_SUPPORTED. */
static CUresult check_location(const CUmemLocation *loc)
{
  if (!loc)
    return CUDA_ERROR_INVALID_VALUE;
  switch (loc->type) {
  case CU_MEM_LOCATION_TYPE_DEVICE:
    return loc->id == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
  case CU_MEM_LOCATION_TYPE_HOST:
  case CU_MEM_LOCATION_TYPE_HOST_NUMA:
    return CUDA_ERROR_NOT_SUPPORTED;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

static CUresult check_props(const CUmemPoolProps *pp)
{
  static const unsigned char zero[sizeof pp->reserved];
  const unsigned handle_bits = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR |
                               CU_MEM_HANDLE_TYPE_WIN32 |
                               CU_MEM_HANDLE_TYPE_WIN32_KMT |
                               CU_MEM_HANDLE_TYPE_FABRIC;

  if (!pp || pp->win32SecurityAttributes ||
      memcmp(pp->reserved, zero, sizeof zero) != 0 ||
      ((unsigned)pp->handleTypes & ~handle_bits) ||
      (pp->usage & ~CU_MEM_POOL_CREATE_USAGE_HW_DECOMPRESS))
    return CUDA_ERROR_INVALID_VALUE;
  if (pp->allocType == CU_MEM_ALLOCATION_TYPE_MANAGED)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (pp->allocType != CU_MEM_ALLOCATION_TYPE_PINNED)
    return CUDA_ERROR_INVALID_VALUE;
  if (pp->handleTypes != CU_MEM_HANDLE_TYPE_NONE || pp->usage)
    return CUDA_ERROR_NOT_SUPPORTED;  /* no IPC, no decompression engine */
  return check_location(&pp->location);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemPoolCreate(CUmemoryPool *pool,
                                               const CUmemPoolProps *poolProps)
{
  CUresult r;

  if (pool)
    *pool = NULL;
  if ((r = cf__emu_lock_init()) != CUDA_SUCCESS)
    return r;
  if (!pool)
    r = CUDA_ERROR_INVALID_VALUE;
  else if ((r = check_props(poolProps)) != CUDA_SUCCESS)
    ;
  else
    r = cf__emu_pool_new(poolProps->maxSize, pool);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemPoolDestroy(CUmemoryPool pool)
{
  CUresult r = lock_pool(pool);
  if (r != CUDA_SUCCESS)
    return r;
  if (pool->is_default) {
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_VALUE;
  }
  cf__emu_pool_destroy(pool);
  cf__emu_unlock();
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemPoolTrimTo(CUmemoryPool pool,
                                               size_t minBytesToKeep)
{
  CUresult r = lock_pool(pool);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_pool_release_idle(pool, minBytesToKeep, 1);
  cf__emu_unlock();
  return CUDA_SUCCESS;
}

static int is_int_attr(CUmemPool_attribute a)
{
  return a == CU_MEMPOOL_ATTR_REUSE_FOLLOW_EVENT_DEPENDENCIES ||
         a == CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC ||
         a == CU_MEMPOOL_ATTR_REUSE_ALLOW_INTERNAL_DEPENDENCIES;
}

static int *int_attr(CUmemoryPool p, CUmemPool_attribute a)
{
  return a == CU_MEMPOOL_ATTR_REUSE_FOLLOW_EVENT_DEPENDENCIES ? &p->reuse_follow
         : a == CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC ? &p->reuse_opportunistic
                                                         : &p->reuse_internal;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemPoolGetAttribute(CUmemoryPool pool,
                                                     CUmemPool_attribute attr,
                                                     void *value)
{
  cuuint64_t v = 0;
  CUresult r = lock_pool(pool);
  if (r != CUDA_SUCCESS)
    return r;
  switch (attr) {
  case CU_MEMPOOL_ATTR_RELEASE_THRESHOLD: v = pool->threshold; break;
  case CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT: v = pool->reserved; break;
  case CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH: v = pool->reserved_high; break;
  case CU_MEMPOOL_ATTR_USED_MEM_CURRENT: v = pool->used; break;
  case CU_MEMPOOL_ATTR_USED_MEM_HIGH: v = pool->used_high; break;
  default:
    if (!is_int_attr(attr))
      r = CUDA_ERROR_INVALID_VALUE;
    break;
  }
  if (!value)
    r = CUDA_ERROR_INVALID_VALUE;
  else if (r == CUDA_SUCCESS && is_int_attr(attr))
    memcpy(value, int_attr(pool, attr), sizeof(int));
  else if (r == CUDA_SUCCESS)
    memcpy(value, &v, sizeof v);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemPoolSetAttribute(CUmemoryPool pool,
                                                     CUmemPool_attribute attr,
                                                     void *value)
{
  cuuint64_t v = 0;
  int iv = 0;
  CUresult r = lock_pool(pool);
  if (r != CUDA_SUCCESS)
    return r;
  if (!value) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (is_int_attr(attr)) {
    memcpy(&iv, value, sizeof iv);
    *int_attr(pool, attr) = iv != 0;
    goto out;
  }
  memcpy(&v, value, sizeof v);
  switch (attr) {
  case CU_MEMPOOL_ATTR_RELEASE_THRESHOLD:
    pool->threshold = v;
    cf__emu_pool_release_idle(pool, v, 0);
    break;
  case CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH:  /* resets only, to current */
  case CU_MEMPOOL_ATTR_USED_MEM_HIGH:
    if (v != 0)
      r = CUDA_ERROR_INVALID_VALUE;
    else if (attr == CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH)
      pool->reserved_high = pool->reserved;
    else
      pool->used_high = pool->used;
    break;
  default:  /* read-only or unknown */
    r = CUDA_ERROR_INVALID_VALUE;
    break;
  }
out:
  cf__emu_unlock();
  return r;
}

/* Device 0's memory is the only memory and the pools' own: it always has
 * read-write access, which cannot be taken away; no other location can be
 * given any. */
static CUresult check_access(const CUmemAccessDesc *d)
{
  CUresult r = check_location(&d->location);

  if (r != CUDA_SUCCESS)
    return r;
  if (d->flags != CU_MEM_ACCESS_FLAGS_PROT_NONE &&
      d->flags != CU_MEM_ACCESS_FLAGS_PROT_READ &&
      d->flags != CU_MEM_ACCESS_FLAGS_PROT_READWRITE)
    return CUDA_ERROR_INVALID_VALUE;
  return d->flags == CU_MEM_ACCESS_FLAGS_PROT_READWRITE
             ? CUDA_SUCCESS
             : CUDA_ERROR_INVALID_VALUE;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemPoolSetAccess(CUmemoryPool pool,
                                                  const CUmemAccessDesc *map,
                                                  size_t count)
{
  CUresult r = lock_pool(pool);
  if (r != CUDA_SUCCESS)
    return r;
  if (!map && count)
    r = CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; r == CUDA_SUCCESS && i < count; i++)
    r = check_access(&map[i]);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemPoolGetAccess(CUmemAccess_flags *flags,
                                                  CUmemoryPool memPool,
                                                  CUmemLocation *location)
{
  CUresult r = lock_pool(memPool);
  if (r != CUDA_SUCCESS)
    return r;
  if (!flags)
    r = CUDA_ERROR_INVALID_VALUE;
  else if ((r = check_location(location)) == CUDA_SUCCESS)
    *flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
  cf__emu_unlock();
  return r;
}

/* ---- Default and current pools -------------------------------------------- */

/* Lock (after cuInit) and check a location and allocation type. Lock held
 * on success. */
static CUresult lock_location(const CUmemLocation *loc, CUmemAllocationType type)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (type == CU_MEM_ALLOCATION_TYPE_MANAGED)
    r = loc ? CUDA_ERROR_NOT_SUPPORTED : CUDA_ERROR_INVALID_VALUE;
  else if (type != CU_MEM_ALLOCATION_TYPE_PINNED)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    r = check_location(loc);
  if (r != CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

static CUresult lock_device(CUdevice dev)
{
  CUmemLocation loc = { CU_MEM_LOCATION_TYPE_DEVICE, dev };
  return lock_location(&loc, CU_MEM_ALLOCATION_TYPE_PINNED);
}

/* Answer *out from get (default or current) with the lock held. */
static CUresult answer(CUresult r, CUmemoryPool *out,
                       CUresult (*get)(CUmemoryPool *))
{
  if (r != CUDA_SUCCESS)
    return r;
  r = out ? get(out) : CUDA_ERROR_INVALID_VALUE;
  cf__emu_unlock();
  return r;
}

static CUresult set_current(CUresult r, CUmemoryPool pool)
{
  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_pool_check(pool)) == CUDA_SUCCESS)
    cf__emu_pool_set_current(pool);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetDefaultMemPool(CUmemoryPool *pool_out,
                                                         CUdevice dev)
{
  return answer(lock_device(dev), pool_out, cf__emu_pool_default);
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetMemPool(CUmemoryPool *pool,
                                                  CUdevice dev)
{
  return answer(lock_device(dev), pool, cf__emu_pool_current);
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceSetMemPool(CUdevice dev,
                                                  CUmemoryPool pool)
{
  return set_current(lock_device(dev), pool);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemGetDefaultMemPool(CUmemoryPool *pool_out,
                                                      CUmemLocation *location,
                                                      CUmemAllocationType type)
{
  return answer(lock_location(location, type), pool_out, cf__emu_pool_default);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemGetMemPool(CUmemoryPool *pool,
                                               CUmemLocation *location,
                                               CUmemAllocationType type)
{
  return answer(lock_location(location, type), pool, cf__emu_pool_current);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemSetMemPool(CUmemLocation *location,
                                               CUmemAllocationType type,
                                               CUmemoryPool pool)
{
  return set_current(lock_location(location, type), pool);
}
