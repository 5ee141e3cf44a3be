/* How memory-pool arguments that cuda_api.def cannot describe travel
 * (rows 276-285): shared by the client stub, which flattens them, and the
 * server, which checks and rebuilds them. Header only. */
#ifndef CF_MEMPOOL_WIRE_H
#define CF_MEMPOOL_WIRE_H

#include <stddef.h>

#include <cuda.h>

/* cuMemPoolSetAccess descriptors travel as a bulk of three 32-bit words
 * each (location type, location id, flags) in host byte order; at most
 * CF_MEMPOOL_MAX_ACCESS of them per call. */
#define CF_MEMPOOL_ACCESS_WIRE 12u
#define CF_MEMPOOL_MAX_ACCESS 4096u

/* The size of a pool attribute's value (int or cuuint64_t, as cuda.h
 * documents each); 0 for a value CUDA does not define. */
static inline size_t cf_mempool_attr_size(int a)
{
  switch (a) {
  case CU_MEMPOOL_ATTR_REUSE_FOLLOW_EVENT_DEPENDENCIES:
  case CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC:
  case CU_MEMPOOL_ATTR_REUSE_ALLOW_INTERNAL_DEPENDENCIES:
    return sizeof(int);
  case CU_MEMPOOL_ATTR_RELEASE_THRESHOLD:
  case CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT:
  case CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH:
  case CU_MEMPOOL_ATTR_USED_MEM_CURRENT:
  case CU_MEMPOOL_ATTR_USED_MEM_HIGH:
    return sizeof(cuuint64_t);
  default:
    return 0;
  }
}

#endif
