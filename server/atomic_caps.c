/* cuDeviceGetHostAtomicCapabilities and cuDeviceGetP2PAtomicCapabilities
 * (cuda_api.def ids 298-299): the driver reads count CUatomicOperation and
 * writes count masks, so count is capped (CF_ATOMIC_CAPS_MAX), both wire
 * sizes must be exactly count little-endian u32s and every operation must
 * be one cuda.h names before the driver sees an aligned copy of them. The
 * devices are ordinals the driver checks like any caller's. Worker thread
 * only. */
#include "internal.h"

#include <endian.h>
#include <string.h>

#include "cf_atomic_caps.h"

/* The operations of the request as the driver takes them, into ops; caps
 * is the reply's bulk. INVALID_VALUE when the sizes or an operation are
 * wrong, OUT_OF_MEMORY when the reply's bulk cannot be had. */
static CUresult take_ops(struct cf_call *c, uint32_t count, uint64_t caps_bytes,
                         uint64_t ops_bytes, CUatomicOperation ops[static CF_ATOMIC_CAPS_MAX],
                         uint8_t **caps)
{
  uint32_t v;

  if (count == 0 || count > CF_ATOMIC_CAPS_MAX || ops_bytes != (uint64_t)count * sizeof v ||
      caps_bytes != ops_bytes || c->bulk_in_len != ops_bytes)
    return CUDA_ERROR_INVALID_VALUE;
  for (uint32_t i = 0; i < count; i++) {
    memcpy(&v, c->bulk_in + (size_t)i * sizeof v, sizeof v);
    v = le32toh(v);
    if (!cf_atomic_op_ok(v))
      return CUDA_ERROR_INVALID_VALUE;
    ops[i] = (CUatomicOperation)v;
  }
  if (!(*caps = cf__call_bulk_out(c, caps_bytes)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  return CUDA_SUCCESS;
}

/* The driver's masks into the reply's bulk, or no bulk on an error. */
static CUresult give_caps(struct cf_call *c, CUresult r, const unsigned *got, uint8_t *caps,
                          uint32_t count)
{
  if (r != CUDA_SUCCESS) {
    c->bulk_out_len = 0;
    return r;
  }
  for (uint32_t i = 0; i < count; i++) {
    uint32_t v = htole32((uint32_t)got[i]);
    memcpy(caps + (size_t)i * sizeof v, &v, sizeof v);
  }
  return r;
}

CUresult cf__srv_cuDeviceGetHostAtomicCapabilities(
    struct cf_call *c, const CuDeviceGetHostAtomicCapabilitiesReq *req,
    CuDeviceGetHostAtomicCapabilitiesRep *rep)
{
  CUatomicOperation ops[CF_ATOMIC_CAPS_MAX];
  unsigned got[CF_ATOMIC_CAPS_MAX] = { 0 };
  uint8_t *caps;
  CUresult r;

  (void)rep;
  if (!c->drv->cuDeviceGetHostAtomicCapabilities)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = take_ops(c, req->count, req->capsbytes, req->opsbytes, ops, &caps)) != CUDA_SUCCESS)
    return r;
  r = c->drv->cuDeviceGetHostAtomicCapabilities(got, ops, req->count, (CUdevice)req->dev);
  return give_caps(c, r, got, caps, req->count);
}

CUresult cf__srv_cuDeviceGetP2PAtomicCapabilities(
    struct cf_call *c, const CuDeviceGetP2PAtomicCapabilitiesReq *req,
    CuDeviceGetP2PAtomicCapabilitiesRep *rep)
{
  CUatomicOperation ops[CF_ATOMIC_CAPS_MAX];
  unsigned got[CF_ATOMIC_CAPS_MAX] = { 0 };
  uint8_t *caps;
  CUresult r;

  (void)rep;
  if (!c->drv->cuDeviceGetP2PAtomicCapabilities)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = take_ops(c, req->count, req->capsbytes, req->opsbytes, ops, &caps)) != CUDA_SUCCESS)
    return r;
  r = c->drv->cuDeviceGetP2PAtomicCapabilities(got, ops, req->count, (CUdevice)req->srcdevice,
                                               (CUdevice)req->dstdevice);
  return give_caps(c, r, got, caps, req->count);
}
