/* cuDeviceGetHostAtomicCapabilities and cuDeviceGetP2PAtomicCapabilities:
 * forwarded (cuda_api.def ids 298-299) with the operations and the
 * capability masks as bulks of little-endian u32s, CF_ATOMIC_CAPS_MAX
 * operations a call. Each answer depends only on its own operation, so a
 * longer array is asked for in pieces; the first piece that fails ends the
 * call with its error. The arguments CUDA documents as INVALID_VALUE are
 * checked here first, then again by the server. Stateless; any thread. */
#include <endian.h>
#include <stdint.h>

#include "cf_atomic_caps.h"
#include "cf_client_rpc.h"
#include "internal.h"

/* Checks capabilities, operations and count as the driver does; 0 when
 * they are fine. */
static int bad_args(const unsigned int *caps, const CUatomicOperation *ops, unsigned count)
{
  if (!caps || !ops || count == 0)
    return 1;
  for (unsigned i = 0; i < count; i++)
    if (!cf_atomic_op_ok((uint32_t)ops[i]))
      return 1;
  return 0;
}

/* Both queries, in pieces: host asks about the host link of src, else
 * about the link from src to dst. */
static CUresult query(unsigned int *capabilities, const CUatomicOperation *operations,
                      unsigned int count, CUdevice src, CUdevice dst, int host)
{
  uint32_t ops[CF_ATOMIC_CAPS_MAX], caps[CF_ATOMIC_CAPS_MAX];
  CUresult r = CUDA_SUCCESS;

  if (bad_args(capabilities, operations, count))
    return CUDA_ERROR_INVALID_VALUE;
  for (unsigned at = 0; at < count && r == CUDA_SUCCESS; at += CF_ATOMIC_CAPS_MAX) {
    unsigned n = count - at < CF_ATOMIC_CAPS_MAX ? count - at : CF_ATOMIC_CAPS_MAX;
    size_t bytes = (size_t)n * sizeof(uint32_t);
    for (unsigned i = 0; i < n; i++)
      ops[i] = htole32((uint32_t)operations[at + i]);
    r = host ? cf__rpc_cuDeviceGetHostAtomicCapabilities(caps, ops, n, src, bytes, bytes)
             : cf__rpc_cuDeviceGetP2PAtomicCapabilities(caps, ops, n, src, dst, bytes, bytes);
    for (unsigned i = 0; r == CUDA_SUCCESS && i < n; i++)
      capabilities[at + i] = le32toh(caps[i]);
  }
  return r;
}

CF_EXPORT CUresult CUDAAPI cuDeviceGetHostAtomicCapabilities(unsigned int *capabilities,
                                                             const CUatomicOperation *operations,
                                                             unsigned int count, CUdevice dev)
{
  return query(capabilities, operations, count, dev, 0, 1);
}

CF_EXPORT CUresult CUDAAPI cuDeviceGetP2PAtomicCapabilities(unsigned int *capabilities,
                                                            const CUatomicOperation *operations,
                                                            unsigned int count,
                                                            CUdevice srcDevice,
                                                            CUdevice dstDevice)
{
  return query(capabilities, operations, count, srcDevice, dstDevice, 0);
}
