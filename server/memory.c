/* Hand-written memory rows: the allocations and frees the session's
 * device-memory quota counts (quota.c; the stream-ordered ones are in
 * mempool.c, arrays in array.c), cuMemGetInfo, which answers within the
 * quota, and cuPointerGetAttribute, whose value size depends on the
 * attribute. Only the attributes the client forwards are accepted,
 * at exactly their size (common/cf_pointer_attr.h): the others would hand
 * the client raw server pointers and handles (CONTEXT, HOST_POINTER,
 * MEMPOOL_HANDLE...), which never leave the server. */
#include "internal.h"

#include "cf_pointer_attr.h"

CUresult cf__srv_cuMemAlloc_v2(struct cf_call *c, const CuMemAllocV2Req *req,
                               CuMemAllocV2Rep *rep)
{
  CUdeviceptr p = 0;
  CUresult r;

  if (!c->drv->cuMemAlloc_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = cf__quota_charge(c->w, req->bytesize)) != CUDA_SUCCESS ||
      (r = c->drv->cuMemAlloc_v2(&p, (size_t)req->bytesize)) != CUDA_SUCCESS)
    return r;
  if ((r = cf__quota_record(c, CF_QUOTA_MEMORY, p, req->bytesize)) != CUDA_SUCCESS) {
    if (c->drv->cuMemFree_v2)
      c->drv->cuMemFree_v2(p);
    return r;
  }
  rep->dptr = p;
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuMemAllocPitch_v2(struct cf_call *c, const CuMemAllocPitchV2Req *req,
                                    CuMemAllocPitchV2Rep *rep)
{
  CUdeviceptr p = 0;
  size_t pitch = 0;
  uint64_t bytes;
  CUresult r;

  if (!c->drv->cuMemAllocPitch_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  /* The pitch is the driver's choice: charge the rows unpadded first, then
   * record what it really took. */
  bytes = req->height && req->widthinbytes > UINT64_MAX / req->height
              ? UINT64_MAX
              : req->widthinbytes * req->height;
  if ((r = cf__quota_charge(c->w, bytes)) != CUDA_SUCCESS ||
      (r = c->drv->cuMemAllocPitch_v2(&p, &pitch, (size_t)req->widthinbytes,
                                      (size_t)req->height, req->elementsizebytes)) !=
          CUDA_SUCCESS)
    return r;
  bytes = req->height && pitch > UINT64_MAX / req->height ? UINT64_MAX : pitch * req->height;
  if ((r = cf__quota_record(c, CF_QUOTA_MEMORY, p, bytes)) != CUDA_SUCCESS) {
    if (c->drv->cuMemFree_v2)
      c->drv->cuMemFree_v2(p);
    return r;
  }
  rep->dptr = p;
  rep->ppitch = pitch;
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuMemFree_v2(struct cf_call *c, const CuMemFreeV2Req *req, CuMemFreeV2Rep *rep)
{
  CUresult r;

  (void)rep;
  if (!c->drv->cuMemFree_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = c->drv->cuMemFree_v2((CUdeviceptr)req->dptr)) == CUDA_SUCCESS)
    cf__quota_release(c->w, CF_QUOTA_MEMORY, req->dptr);
  return r;
}

/* With a quota the session sees a device of the quota's size: total is the
 * quota, free what is left of it, never more than the driver has free. */
CUresult cf__srv_cuMemGetInfo_v2(struct cf_call *c, const CuMemGetInfoV2Req *req,
                                 CuMemGetInfoV2Rep *rep)
{
  size_t free_b = 0, total = 0;
  uint64_t used = cf__quota_used(c->w), left;
  CUresult r;

  (void)req;
  if (!c->drv->cuMemGetInfo_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = c->drv->cuMemGetInfo_v2(&free_b, &total)) != CUDA_SUCCESS)
    return r;
  rep->free = free_b;
  rep->total = total;
  if (c->w->quota) {
    left = used < c->w->quota ? c->w->quota - used : 0;
    rep->total = c->w->quota;
    rep->free = left < free_b ? left : free_b;
  }
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuPointerGetAttribute(struct cf_call *c, const CuPointerGetAttributeReq *req,
                                       CuPointerGetAttributeRep *rep)
{
  size_t n = cf_pointer_attr_size((CUpointer_attribute)req->attribute);
  void *data;
  CUresult r;

  (void)rep;
  if (!c->drv->cuPointerGetAttribute)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (n == 0 || req->datasize != n)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(data = cf__call_bulk_out(c, n)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  r = c->drv->cuPointerGetAttribute(data, (CUpointer_attribute)req->attribute,
                                    (CUdeviceptr)req->ptr);
  if (r != CUDA_SUCCESS)
    c->bulk_out_len = 0;
  return r;
}
