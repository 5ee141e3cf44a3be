/* Memory pools: the entry points whose arguments the generated stubs cannot
 * carry (cuda_api.def rows 276-285). Each checks on the client what never
 * reaches the wire (NULL pointers, fields of CUmemPoolProps that must be
 * zero, an attribute CUDA does not define), then flattens its structs into
 * wire parameters as common/cf_mempool_wire.h describes, with device
 * ordinals of locations translated to the server's (CUDA_VISIBLE_DEVICES),
 * and calls the generated cf__rpc_NAME(). The plain rows (cuMemAllocAsync,
 * cuMemFreeAsync, cuMemAllocFromPoolAsync and their _ptsz forms, the
 * cuDevice*MemPool calls, destroy and trim) are generated entirely.
 *
 * No state; safe from any thread. */
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "cf_mempool_wire.h"
#include "internal.h"

/* A location's id as the server numbers it. */
static int wire_loc_id(const CUmemLocation *l)
{
  return l->type == CU_MEM_LOCATION_TYPE_DEVICE ? (int)cf__device_to_server(l->id)
                                                : l->id;
}

CF_EXPORT CUresult CUDAAPI cuMemPoolCreate(CUmemoryPool *pool,
                                           const CUmemPoolProps *poolProps)
{
  static const unsigned char zero[sizeof poolProps->reserved];

  if (pool)
    *pool = NULL;
  if (!pool || !poolProps || poolProps->win32SecurityAttributes ||
      memcmp(poolProps->reserved, zero, sizeof zero) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuMemPoolCreate(pool, poolProps->allocType, poolProps->handleTypes,
                                 poolProps->location.type,
                                 wire_loc_id(&poolProps->location),
                                 poolProps->maxSize, poolProps->usage);
}

CF_EXPORT CUresult CUDAAPI cuMemPoolGetAttribute(CUmemoryPool pool,
                                                 CUmemPool_attribute attr,
                                                 void *value)
{
  size_t n = cf_mempool_attr_size(attr);

  if (!value || !n)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuMemPoolGetAttribute(pool, attr, value, n);
}

CF_EXPORT CUresult CUDAAPI cuMemPoolSetAttribute(CUmemoryPool pool,
                                                 CUmemPool_attribute attr,
                                                 void *value)
{
  size_t n = cf_mempool_attr_size(attr);

  if (!value || !n)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuMemPoolSetAttribute(pool, attr, value, n);
}

CF_EXPORT CUresult CUDAAPI cuMemPoolSetAccess(CUmemoryPool pool,
                                              const CUmemAccessDesc *map,
                                              size_t count)
{
  uint8_t *wire = NULL;
  CUresult r;

  if (!map && count)
    return CUDA_ERROR_INVALID_VALUE;
  if (count > CF_MEMPOOL_MAX_ACCESS)
    return CUDA_ERROR_INVALID_VALUE;  /* the server's cap */
  if (count && !(wire = malloc(count * CF_MEMPOOL_ACCESS_WIRE)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  for (size_t i = 0; i < count; i++) {
    int32_t w[3] = { (int32_t)map[i].location.type, wire_loc_id(&map[i].location),
                     (int32_t)map[i].flags };
    memcpy(wire + i * CF_MEMPOOL_ACCESS_WIRE, w, sizeof w);
  }
  r = cf__rpc_cuMemPoolSetAccess(pool, wire, count * CF_MEMPOOL_ACCESS_WIRE);
  free(wire);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuMemPoolGetAccess(CUmemAccess_flags *flags,
                                              CUmemoryPool memPool,
                                              CUmemLocation *location)
{
  if (!flags || !location)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuMemPoolGetAccess(flags, memPool, location->type,
                                    wire_loc_id(location));
}

CF_EXPORT CUresult CUDAAPI cuMemGetDefaultMemPool(CUmemoryPool *pool_out,
                                                  CUmemLocation *location,
                                                  CUmemAllocationType type)
{
  if (!pool_out || !location)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuMemGetDefaultMemPool(pool_out, type, location->type,
                                        wire_loc_id(location));
}

CF_EXPORT CUresult CUDAAPI cuMemGetMemPool(CUmemoryPool *pool,
                                           CUmemLocation *location,
                                           CUmemAllocationType type)
{
  if (!pool || !location)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuMemGetMemPool(pool, type, location->type, wire_loc_id(location));
}

CF_EXPORT CUresult CUDAAPI cuMemSetMemPool(CUmemLocation *location,
                                           CUmemAllocationType type,
                                           CUmemoryPool pool)
{
  if (!location)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__rpc_cuMemSetMemPool(type, pool, location->type, wire_loc_id(location));
}
