/* The stream rows whose driver call reads or writes a buffer of a size the
 * driver assumes (cuda_api.def ids 220-239): cuStreamGet/SetAttribute a
 * whole CUstreamAttrValue and cuStreamBatchMemOp reads count
 * CUstreamBatchMemOpParams. The client's bulk must be exactly that size
 * (and the batch no longer than CF_SRV_BATCH_MAX) before the driver sees
 * a copy of it, made in memory aligned for the type. The contents are
 * plain scalars (device addresses, values, flags, an access policy window)
 * that the driver checks like any caller's; no handle or host pointer is
 * inside. Worker thread only. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* CUDA's cap on one batch (the emulator's too). */
#define CF_SRV_BATCH_MAX 256u

/* The attribute ids cuda.h gives streams. The value union is shared with
 * launch attributes, some of which carry events or graph nodes: those ids
 * never reach the driver from here. */
static int stream_attr_ok(uint32_t attr)
{
  switch ((CUstreamAttrID)attr) {
  case CU_STREAM_ATTRIBUTE_ACCESS_POLICY_WINDOW:
  case CU_STREAM_ATTRIBUTE_SYNCHRONIZATION_POLICY:
  case CU_STREAM_ATTRIBUTE_PRIORITY:
  case CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN_MAP:
  case CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN:
    return 1;
  default:
    return 0;
  }
}

CUresult cf__srv_cuStreamGetAttribute(struct cf_call *c, const CuStreamGetAttributeReq *req,
                                      CuStreamGetAttributeRep *rep)
{
  void *stream = NULL, *value;
  CUresult r;

  (void)rep;
  if (!c->drv->cuStreamGetAttribute)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (req->valuesize != sizeof(CUstreamAttrValue) || !stream_attr_ok((uint32_t)req->attr))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__handle_lookup(c, req->hstream, CF_HK_STREAM, &stream)) != CUDA_SUCCESS)
    return r;
  if (!(value = cf__call_bulk_out(c, sizeof(CUstreamAttrValue))))
    return CUDA_ERROR_OUT_OF_MEMORY;
  r = c->drv->cuStreamGetAttribute((CUstream)stream, (CUstreamAttrID)req->attr, value);
  if (r != CUDA_SUCCESS)
    c->bulk_out_len = 0;
  return r;
}

CUresult cf__srv_cuStreamSetAttribute(struct cf_call *c, const CuStreamSetAttributeReq *req,
                                      CuStreamSetAttributeRep *rep)
{
  CUstreamAttrValue value;
  void *stream = NULL;
  CUresult r;

  (void)rep;
  if (!c->drv->cuStreamSetAttribute)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (req->valuesize != sizeof value || c->bulk_in_len != sizeof value ||
      !stream_attr_ok((uint32_t)req->attr))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__handle_lookup(c, req->hstream, CF_HK_STREAM, &stream)) != CUDA_SUCCESS)
    return r;
  memcpy(&value, c->bulk_in, sizeof value);
  return c->drv->cuStreamSetAttribute((CUstream)stream, (CUstreamAttrID)req->attr, &value);
}

CUresult cf__srv_cuStreamBatchMemOp_v2(struct cf_call *c, const CuStreamBatchMemOpV2Req *req,
                                       CuStreamBatchMemOpV2Rep *rep)
{
  CUstreamBatchMemOpParams *ops = NULL;
  void *stream = NULL;
  CUresult r;

  (void)rep;
  if (!c->drv->cuStreamBatchMemOp_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (req->count > CF_SRV_BATCH_MAX ||
      req->opsbytes != (uint64_t)req->count * sizeof *ops || c->bulk_in_len != req->opsbytes)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__handle_lookup(c, req->stream, CF_HK_STREAM, &stream)) != CUDA_SUCCESS)
    return r;
  if (req->count && !(ops = malloc((size_t)req->opsbytes)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (ops)
    memcpy(ops, c->bulk_in, (size_t)req->opsbytes);
  r = c->drv->cuStreamBatchMemOp_v2((CUstream)stream, req->count, ops, req->flags);
  free(ops);
  return r;
}
