/* Memory pools: the server=custom rows whose CUDA parameters cannot travel
 * as they are (cuda_api.def ids 276-285). Each handler rebuilds what the
 * client flattened into wire parameters (a pool's properties, a
 * CUmemLocation, an attribute's value, access descriptors), checking it
 * first: enums in CUDA's ranges, device ids among the driver's devices,
 * sizes that match the attribute or the bulk payload, a capped descriptor
 * count. Only then does the driver see it.
 *
 * Pool handles (CF_HK_MEMPOOL) have no parent: a pool outlives every
 * context. Like every other object of the session, the pools it created and
 * the memory it allocated from pools are released when the worker process
 * exits at the end of the session (worker.c), also for the driver's default
 * pool, which the session only borrows.
 *
 * The stream-ordered allocations (cuMemAllocAsync, cuMemAllocFromPoolAsync)
 * count against the session's device-memory quota (quota.c) from the call
 * until cuMemFreeAsync is called, not until the stream gets there: a
 * session cannot hold more than its quota even for a moment. Worker thread
 * only. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "cf_mempool_wire.h"

/* A location from the wire: a type CUDA defines and, for a device, one of
 * the driver's ordinals (INVALID_DEVICE otherwise, as the driver says). */
static CUresult wire_location(struct cf_call *c, int32_t type, int32_t id,
                              CUmemLocation *out)
{
  int n = 0;

  memset(out, 0, sizeof *out);
  switch (type) {
  case CU_MEM_LOCATION_TYPE_DEVICE:
    if (!c->drv->cuDeviceGetCount || c->drv->cuDeviceGetCount(&n) != CUDA_SUCCESS ||
        id < 0 || id >= n)
      return CUDA_ERROR_INVALID_DEVICE;
    break;
  case CU_MEM_LOCATION_TYPE_NONE:
  case CU_MEM_LOCATION_TYPE_HOST:
  case CU_MEM_LOCATION_TYPE_HOST_NUMA:
  case CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT:
    break;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
  out->type = (CUmemLocationType)type;
  out->id = id;
  return CUDA_SUCCESS;
}

static CUresult wire_alloc_type(int32_t t)
{
  return t == CU_MEM_ALLOCATION_TYPE_PINNED || t == CU_MEM_ALLOCATION_TYPE_MANAGED
             ? CUDA_SUCCESS
             : CUDA_ERROR_INVALID_VALUE;
}

static CUresult wire_pool(struct cf_call *c, uint64_t id, CUmemoryPool *out)
{
  void *real = NULL;
  CUresult r = id ? cf__handle_lookup(c, id, CF_HK_MEMPOOL, &real)
                  : CUDA_ERROR_INVALID_VALUE; /* NULL is never a pool */

  *out = (CUmemoryPool)real;
  return r;
}

/* The wire id of an existing pool the driver answered. */
static CUresult reply_pool(struct cf_call *c, CUmemoryPool p, uint64_t *out)
{
  *out = cf__handle_register(c, CF_HK_MEMPOOL, p, 0);
  return *out || !p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

CUresult cf__srv_cuMemPoolCreate(struct cf_call *c, const CuMemPoolCreateReq *req,
                                 CuMemPoolCreateRep *rep)
{
  const unsigned handle_bits = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR |
                               CU_MEM_HANDLE_TYPE_WIN32 |
                               CU_MEM_HANDLE_TYPE_WIN32_KMT |
                               CU_MEM_HANDLE_TYPE_FABRIC;
  CUmemPoolProps props;
  CUmemoryPool pool = NULL;
  CUresult r;

  if (!c->drv->cuMemPoolCreate)
    return CUDA_ERROR_NOT_SUPPORTED;
  memset(&props, 0, sizeof props);
  if ((r = wire_alloc_type(req->alloctype)) != CUDA_SUCCESS ||
      (r = wire_location(c, req->loctype, req->locid, &props.location)) !=
          CUDA_SUCCESS)
    return r;
  if (req->handletypes < 0 || ((unsigned)req->handletypes & ~handle_bits) ||
      req->usage > 0xffffu)
    return CUDA_ERROR_INVALID_VALUE;
  props.allocType = (CUmemAllocationType)req->alloctype;
  props.handleTypes = (CUmemAllocationHandleType)req->handletypes;
  props.maxSize = (size_t)req->maxsize;
  props.usage = (unsigned short)req->usage;
  if ((r = c->drv->cuMemPoolCreate(&pool, &props)) != CUDA_SUCCESS)
    return r;
  rep->pool = cf__handle_register_new(c, CF_HK_MEMPOOL, pool, 0);
  if (!rep->pool) {
    if (c->drv->cuMemPoolDestroy)
      c->drv->cuMemPoolDestroy(pool);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuMemPoolGetAttribute(struct cf_call *c,
                                       const CuMemPoolGetAttributeReq *req,
                                       CuMemPoolGetAttributeRep *rep)
{
  size_t n = cf_mempool_attr_size(req->attr);
  CUmemoryPool pool;
  void *out;
  CUresult r;

  (void)rep;
  if (!c->drv->cuMemPoolGetAttribute)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (n == 0 || req->valuesize != n)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = wire_pool(c, req->pool, &pool)) != CUDA_SUCCESS)
    return r;
  if (!(out = cf__call_bulk_out(c, n)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  r = c->drv->cuMemPoolGetAttribute(pool, (CUmemPool_attribute)req->attr, out);
  if (r != CUDA_SUCCESS)
    c->bulk_out_len = 0;
  return r;
}

CUresult cf__srv_cuMemPoolSetAttribute(struct cf_call *c,
                                       const CuMemPoolSetAttributeReq *req,
                                       CuMemPoolSetAttributeRep *rep)
{
  size_t n = cf_mempool_attr_size(req->attr);
  cuuint64_t value = 0;  /* aligned for either type */
  CUmemoryPool pool;
  CUresult r;

  (void)rep;
  if (!c->drv->cuMemPoolSetAttribute)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (n == 0 || req->valuesize != n || c->bulk_in_len != n)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = wire_pool(c, req->pool, &pool)) != CUDA_SUCCESS)
    return r;
  memcpy(&value, c->bulk_in, n);
  return c->drv->cuMemPoolSetAttribute(pool, (CUmemPool_attribute)req->attr, &value);
}

CUresult cf__srv_cuMemPoolSetAccess(struct cf_call *c, const CuMemPoolSetAccessReq *req,
                                    CuMemPoolSetAccessRep *rep)
{
  CUmemAccessDesc *descs = NULL;
  CUmemoryPool pool;
  size_t count;
  CUresult r;

  (void)rep;
  if (!c->drv->cuMemPoolSetAccess)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (c->bulk_in_len != req->mapbytes || req->mapbytes % CF_MEMPOOL_ACCESS_WIRE != 0 ||
      req->mapbytes / CF_MEMPOOL_ACCESS_WIRE > CF_MEMPOOL_MAX_ACCESS)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = wire_pool(c, req->pool, &pool)) != CUDA_SUCCESS)
    return r;
  count = (size_t)(req->mapbytes / CF_MEMPOOL_ACCESS_WIRE);
  if (count && !(descs = calloc(count, sizeof *descs)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  for (size_t i = 0; i < count && r == CUDA_SUCCESS; i++) {
    int32_t w[3];
    memcpy(w, c->bulk_in + i * CF_MEMPOOL_ACCESS_WIRE, sizeof w);
    r = wire_location(c, w[0], w[1], &descs[i].location);
    if (r == CUDA_SUCCESS && w[2] != CU_MEM_ACCESS_FLAGS_PROT_NONE &&
        w[2] != CU_MEM_ACCESS_FLAGS_PROT_READ &&
        w[2] != CU_MEM_ACCESS_FLAGS_PROT_READWRITE)
      r = CUDA_ERROR_INVALID_VALUE;
    descs[i].flags = (CUmemAccess_flags)w[2];
  }
  if (r == CUDA_SUCCESS)
    r = c->drv->cuMemPoolSetAccess(pool, descs, count);
  free(descs);
  return r;
}

CUresult cf__srv_cuMemPoolGetAccess(struct cf_call *c, const CuMemPoolGetAccessReq *req,
                                    CuMemPoolGetAccessRep *rep)
{
  CUmemAccess_flags flags = CU_MEM_ACCESS_FLAGS_PROT_NONE;
  CUmemLocation loc;
  CUmemoryPool pool;
  CUresult r;

  if (!c->drv->cuMemPoolGetAccess)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = wire_location(c, req->loctype, req->locid, &loc)) != CUDA_SUCCESS ||
      (r = wire_pool(c, req->mempool, &pool)) != CUDA_SUCCESS ||
      (r = c->drv->cuMemPoolGetAccess(&flags, pool, &loc)) != CUDA_SUCCESS)
    return r;
  rep->flags = (int32_t)flags;
  return CUDA_SUCCESS;
}

/* cuMemGetDefaultMemPool and cuMemGetMemPool: one shape, two driver calls. */
typedef CUresult(CUDAAPI *get_pool_fn)(CUmemoryPool *, CUmemLocation *,
                                       CUmemAllocationType);

static CUresult get_pool(struct cf_call *c, get_pool_fn fn, int32_t type,
                         int32_t loc_type, int32_t loc_id, uint64_t *out)
{
  CUmemoryPool pool = NULL;
  CUmemLocation loc;
  CUresult r;

  if (!fn)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = wire_alloc_type(type)) != CUDA_SUCCESS ||
      (r = wire_location(c, loc_type, loc_id, &loc)) != CUDA_SUCCESS ||
      (r = fn(&pool, &loc, (CUmemAllocationType)type)) != CUDA_SUCCESS)
    return r;
  return reply_pool(c, pool, out);
}

CUresult cf__srv_cuMemGetDefaultMemPool(struct cf_call *c,
                                        const CuMemGetDefaultMemPoolReq *req,
                                        CuMemGetDefaultMemPoolRep *rep)
{
  return get_pool(c, c->drv->cuMemGetDefaultMemPool, req->type, req->loctype,
                  req->locid, &rep->pool_out);
}

CUresult cf__srv_cuMemGetMemPool(struct cf_call *c, const CuMemGetMemPoolReq *req,
                                 CuMemGetMemPoolRep *rep)
{
  return get_pool(c, c->drv->cuMemGetMemPool, req->type, req->loctype, req->locid,
                  &rep->pool);
}

CUresult cf__srv_cuMemSetMemPool(struct cf_call *c, const CuMemSetMemPoolReq *req,
                                 CuMemSetMemPoolRep *rep)
{
  CUmemLocation loc;
  CUmemoryPool pool;
  CUresult r;

  (void)rep;
  if (!c->drv->cuMemSetMemPool)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = wire_alloc_type(req->type)) != CUDA_SUCCESS ||
      (r = wire_location(c, req->loctype, req->locid, &loc)) != CUDA_SUCCESS ||
      (r = wire_pool(c, req->pool, &pool)) != CUDA_SUCCESS)
    return r;
  return c->drv->cuMemSetMemPool(&loc, (CUmemAllocationType)req->type, pool);
}

/* Record a stream-ordered allocation, or free it on hStream when the quota
 * (or the accounting) refuses it. */
static CUresult record_async(struct cf_call *c, CUdeviceptr p, uint64_t bytes, CUstream s)
{
  CUresult r = cf__quota_record(c, CF_QUOTA_MEMORY, p, bytes);

  if (r != CUDA_SUCCESS && c->drv->cuMemFreeAsync)
    c->drv->cuMemFreeAsync(p, s);
  return r;
}

CUresult cf__srv_cuMemAllocAsync(struct cf_call *c, const CuMemAllocAsyncReq *req,
                                 CuMemAllocAsyncRep *rep)
{
  CUdeviceptr p = 0;
  void *s = NULL;
  CUresult r;

  if (!c->drv->cuMemAllocAsync)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = cf__handle_lookup(c, req->hstream, CF_HK_STREAM, &s)) != CUDA_SUCCESS ||
      (r = cf__quota_charge(c->w, req->bytesize)) != CUDA_SUCCESS ||
      (r = c->drv->cuMemAllocAsync(&p, (size_t)req->bytesize, (CUstream)s)) != CUDA_SUCCESS ||
      (r = record_async(c, p, req->bytesize, (CUstream)s)) != CUDA_SUCCESS)
    return r;
  rep->dptr = p;
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuMemAllocFromPoolAsync(struct cf_call *c,
                                         const CuMemAllocFromPoolAsyncReq *req,
                                         CuMemAllocFromPoolAsyncRep *rep)
{
  CUmemoryPool pool;
  CUdeviceptr p = 0;
  void *s = NULL;
  CUresult r;

  if (!c->drv->cuMemAllocFromPoolAsync)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = wire_pool(c, req->pool, &pool)) != CUDA_SUCCESS ||
      (r = cf__handle_lookup(c, req->hstream, CF_HK_STREAM, &s)) != CUDA_SUCCESS ||
      (r = cf__quota_charge(c->w, req->bytesize)) != CUDA_SUCCESS ||
      (r = c->drv->cuMemAllocFromPoolAsync(&p, (size_t)req->bytesize, pool, (CUstream)s)) !=
          CUDA_SUCCESS ||
      (r = record_async(c, p, req->bytesize, (CUstream)s)) != CUDA_SUCCESS)
    return r;
  rep->dptr = p;
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuMemFreeAsync(struct cf_call *c, const CuMemFreeAsyncReq *req,
                                CuMemFreeAsyncRep *rep)
{
  void *s = NULL;
  CUresult r;

  (void)rep;
  if (!c->drv->cuMemFreeAsync)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = cf__handle_lookup(c, req->hstream, CF_HK_STREAM, &s)) != CUDA_SUCCESS ||
      (r = c->drv->cuMemFreeAsync((CUdeviceptr)req->dptr, (CUstream)s)) != CUDA_SUCCESS)
    return r;
  cf__quota_release(c->w, CF_QUOTA_MEMORY, req->dptr);
  return CUDA_SUCCESS;
}
