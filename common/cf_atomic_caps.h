/* cuDeviceGetHostAtomicCapabilities and cuDeviceGetP2PAtomicCapabilities
 * on the wire: the operations travel as little-endian u32s, as do the
 * capability masks that come back, at most CF_ATOMIC_CAPS_MAX of each a
 * call (the client splits longer arrays; the server refuses more). Shared
 * by the client stub and the server. */
#ifndef CF_ATOMIC_CAPS_H
#define CF_ATOMIC_CAPS_H

#include <stdint.h>

#include <cuda.h>

#define CF_ATOMIC_CAPS_MAX 64u

/* 1 when op is one of cuda.h's CUatomicOperation values, else 0. */
static inline int cf_atomic_op_ok(uint32_t op)
{
  return op < (uint32_t)CU_ATOMIC_OPERATION_MAX;
}

#endif
