/* CUDA arrays and mipmapped arrays (wire rows 350-355): the descriptors
 * arrive as their members and are rebuilt here for the driver, which checks
 * their values; the server checks only what the protobuf types cannot say
 * (an enum that fits its C type). Arrays belong to the context current on
 * the lane, as the driver's do, and are forgotten with it; a level of a
 * mipmapped array is registered under it by the generated
 * cuMipmappedArrayGetLevel. Destroying them, getting a level or a plane are
 * generated rows.
 *
 * Arrays count against the session's device-memory quota (quota.c) by an
 * estimate from the descriptor (cf__quota_array_bytes), keyed by the
 * driver's handle; the charge goes back when the handle is forgotten, by
 * the generated destroy rows or with its context (on_gone in call.c).
 * Worker thread only. */
#include "internal.h"

#include <limits.h>
#include <string.h>

/* A 3D descriptor from the request's members. */
static CUresult descriptor(uint64_t w, uint64_t h, uint64_t d, int32_t format,
                           uint32_t channels, uint32_t flags, CUDA_ARRAY3D_DESCRIPTOR *out)
{
  if (w > SIZE_MAX || h > SIZE_MAX || d > SIZE_MAX || format < 0)
    return CUDA_ERROR_INVALID_VALUE;
  memset(out, 0, sizeof *out);
  out->Width = (size_t)w;
  out->Height = (size_t)h;
  out->Depth = (size_t)d;
  out->Format = (CUarray_format)format;
  out->NumChannels = channels;
  out->Flags = flags;
  return CUDA_SUCCESS;
}

/* Register a new array made by the driver and count its bytes against the
 * quota, or destroy it when the table is full or the quota refuses it. */
static CUresult register_array(struct cf_call *c, CUarray a, uint64_t bytes, uint64_t *id)
{
  CUresult r = CUDA_ERROR_OUT_OF_MEMORY;

  if ((*id = cf__handle_register_new(c, CF_HK_ARRAY, a, 0)) &&
      (r = cf__quota_record(c, CF_QUOTA_ARRAY, (uint64_t)(uintptr_t)a, bytes)) == CUDA_SUCCESS)
    return CUDA_SUCCESS;
  if (*id)
    cf__handle_forget(c, *id);
  *id = 0;
  if (c->drv->cuArrayDestroy)
    c->drv->cuArrayDestroy(a);
  return r;
}

CUresult cf__srv_cuArrayCreate_v2(struct cf_call *c, const CuArrayCreateV2Req *req,
                                  CuArrayCreateV2Rep *rep)
{
  CUDA_ARRAY3D_DESCRIPTOR d3;
  CUDA_ARRAY_DESCRIPTOR d;
  CUarray a = NULL;
  uint64_t bytes = cf__quota_array_bytes(req->width, req->height, 0, req->format,
                                         req->numchannels, 1);
  CUresult r;

  if (!c->drv->cuArrayCreate_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = descriptor(req->width, req->height, 0, req->format, req->numchannels, 0, &d3)) !=
          CUDA_SUCCESS ||
      (r = cf__quota_charge(c->w, bytes)) != CUDA_SUCCESS)
    return r;
  memset(&d, 0, sizeof d);
  d.Width = d3.Width;
  d.Height = d3.Height;
  d.Format = d3.Format;
  d.NumChannels = d3.NumChannels;
  if ((r = c->drv->cuArrayCreate_v2(&a, &d)) != CUDA_SUCCESS)
    return r;
  return register_array(c, a, bytes, &rep->phandle);
}

CUresult cf__srv_cuArray3DCreate_v2(struct cf_call *c, const CuArray3DCreateV2Req *req,
                                    CuArray3DCreateV2Rep *rep)
{
  CUDA_ARRAY3D_DESCRIPTOR d;
  CUarray a = NULL;
  uint64_t bytes = cf__quota_array_bytes(req->width, req->height, req->depth, req->format,
                                         req->numchannels, 1);
  CUresult r;

  if (!c->drv->cuArray3DCreate_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = descriptor(req->width, req->height, req->depth, req->format, req->numchannels,
                      req->flags, &d)) != CUDA_SUCCESS ||
      (r = cf__quota_charge(c->w, bytes)) != CUDA_SUCCESS ||
      (r = c->drv->cuArray3DCreate_v2(&a, &d)) != CUDA_SUCCESS)
    return r;
  return register_array(c, a, bytes, &rep->phandle);
}

CUresult cf__srv_cuArrayGetDescriptor_v2(struct cf_call *c, const CuArrayGetDescriptorV2Req *req,
                                         CuArrayGetDescriptorV2Rep *rep)
{
  CUDA_ARRAY_DESCRIPTOR d;
  void *a;
  CUresult r;

  if (!c->drv->cuArrayGetDescriptor_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = cf__handle_lookup(c, req->harray, CF_HK_ARRAY, &a)) != CUDA_SUCCESS ||
      (r = c->drv->cuArrayGetDescriptor_v2(&d, (CUarray)a)) != CUDA_SUCCESS)
    return r;
  rep->width = d.Width;
  rep->height = d.Height;
  rep->format = (int32_t)d.Format;
  rep->numchannels = d.NumChannels;
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuArray3DGetDescriptor_v2(struct cf_call *c,
                                           const CuArray3DGetDescriptorV2Req *req,
                                           CuArray3DGetDescriptorV2Rep *rep)
{
  CUDA_ARRAY3D_DESCRIPTOR d;
  void *a;
  CUresult r;

  if (!c->drv->cuArray3DGetDescriptor_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = cf__handle_lookup(c, req->harray, CF_HK_ARRAY, &a)) != CUDA_SUCCESS ||
      (r = c->drv->cuArray3DGetDescriptor_v2(&d, (CUarray)a)) != CUDA_SUCCESS)
    return r;
  rep->width = d.Width;
  rep->height = d.Height;
  rep->depth = d.Depth;
  rep->format = (int32_t)d.Format;
  rep->numchannels = d.NumChannels;
  rep->flags = d.Flags;
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuMipmappedArrayCreate(struct cf_call *c, const CuMipmappedArrayCreateReq *req,
                                        CuMipmappedArrayCreateRep *rep)
{
  CUDA_ARRAY3D_DESCRIPTOR d;
  CUmipmappedArray m = NULL;
  uint64_t bytes = cf__quota_array_bytes(req->width, req->height, req->depth, req->format,
                                         req->numchannels, req->nummipmaplevels);
  CUresult r;

  if (!c->drv->cuMipmappedArrayCreate)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = descriptor(req->width, req->height, req->depth, req->format, req->numchannels,
                      req->flags, &d)) != CUDA_SUCCESS ||
      (r = cf__quota_charge(c->w, bytes)) != CUDA_SUCCESS ||
      (r = c->drv->cuMipmappedArrayCreate(&m, &d, req->nummipmaplevels)) != CUDA_SUCCESS)
    return r;
  r = CUDA_ERROR_OUT_OF_MEMORY;
  if ((rep->phandle = cf__handle_register_new(c, CF_HK_MIPMAPPED, m, 0)) &&
      (r = cf__quota_record(c, CF_QUOTA_ARRAY, (uint64_t)(uintptr_t)m, bytes)) == CUDA_SUCCESS)
    return CUDA_SUCCESS;
  if (rep->phandle)
    cf__handle_forget(c, rep->phandle);
  rep->phandle = 0;
  if (c->drv->cuMipmappedArrayDestroy)
    c->drv->cuMipmappedArrayDestroy(m);
  return r;
}
