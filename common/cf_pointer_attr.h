/* Which pointer attributes travel to the server and how big each value is:
 * the client forwards exactly these for device pointers (others, such as
 * CONTEXT and HOST_POINTER, are answered on the client or refused), and the
 * server accepts exactly these at exactly that size, so that no raw server
 * pointer or handle is ever sent back and the driver never writes more than
 * the reply holds. */
#ifndef CF_POINTER_ATTR_H
#define CF_POINTER_ATTR_H

#include <stddef.h>

#include <cuda.h>

/* The size of attribute a's value, 0 for an attribute not forwarded. */
static inline size_t cf_pointer_attr_size(CUpointer_attribute a)
{
  switch (a) {
  case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
  case CU_POINTER_ATTRIBUTE_SYNC_MEMOPS:
  case CU_POINTER_ATTRIBUTE_IS_MANAGED:
  case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
  case CU_POINTER_ATTRIBUTE_IS_LEGACY_CUDA_IPC_CAPABLE:
  case CU_POINTER_ATTRIBUTE_MAPPED:
  case CU_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE:
  case CU_POINTER_ATTRIBUTE_ACCESS_FLAGS:
    return 4;
  case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
  case CU_POINTER_ATTRIBUTE_BUFFER_ID:
  case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
  case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
  case CU_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES:
  case CU_POINTER_ATTRIBUTE_MAPPING_SIZE:
  case CU_POINTER_ATTRIBUTE_MEMORY_BLOCK_ID:
    return 8;
  default:
    return 0;
  }
}

#endif
