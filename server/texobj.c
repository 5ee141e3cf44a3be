/* Texture and surface objects (wire rows 359-361, 365-369). The
 * descriptors arrive as one bulk (common/cf_tex_wire.h) plus the array or
 * mipmapped array they name, rebuilt here for the driver, which checks the
 * values. The objects are the driver's own 64-bit values, because kernels
 * take them as parameters: the server registers each value it created
 * (CF_HK_TEXOBJ, CF_HK_SURFOBJ, under the current context, so a destroyed
 * context forgets them) and refuses to destroy or query any other, so a
 * client cannot hand the driver a value it made up. Worker thread only. */
#include "internal.h"

#include <string.h>

#include "cf_array.h"
#include "cf_tex_wire.h"

/* The request's descriptor bulk into *w; 0 when it is not one. */
static int wire_in(struct cf_call *c, uint64_t bytes, struct cf_tex_wire *w)
{
  if (bytes != sizeof *w || c->bulk_in_len != bytes)
    return 0;
  memcpy(w, c->bulk_in, sizeof *w); /* the bulk need not be aligned */
  return 1;
}

/* The resource the request describes, its handles translated. */
static CUresult resource(struct cf_call *c, const struct cf_tex_wire *w, uint64_t array_id,
                         uint64_t mipmap_id, CUDA_RESOURCE_DESC *out)
{
  void *a = NULL, *m = NULL;
  CUresult r;

  if (array_id && (r = cf__handle_lookup(c, array_id, CF_HK_ARRAY, &a)) != CUDA_SUCCESS)
    return r;
  if (mipmap_id && (r = cf__handle_lookup(c, mipmap_id, CF_HK_MIPMAPPED, &m)) != CUDA_SUCCESS)
    return r;
  cf_tex_wire_get_res(w, (CUarray)a, (CUmipmappedArray)m, out);
  /* Linear memory must lie inside one allocation (span.c); the driver
   * checks formats and extents, so an unknown format passes here as 1 byte. */
  if (w->res_type == CU_RESOURCE_TYPE_LINEAR)
    return cf__srv_span_check(c, NULL, w->dev_ptr, 0, w->width, 1, 1);
  if (w->res_type == CU_RESOURCE_TYPE_PITCH2D) {
    size_t elem = cf_array_format_bytes((CUarray_format)w->format);

    return cf__srv_span_check(c, NULL, w->dev_ptr, w->pitch, w->width, w->height,
                              (elem ? elem : 1) * (w->channels ? w->channels : 1));
  }
  return CUDA_SUCCESS;
}

/* Register a value the driver made, or destroy it when the table is full. */
static CUresult remember(struct cf_call *c, enum cf_handle_kind kind, uint64_t value,
                         CUresult (*destroy)(unsigned long long))
{
  if (value && cf__handle_register_new(c, kind, (void *)(uintptr_t)value, 0))
    return CUDA_SUCCESS;
  if (value && destroy)
    destroy(value);
  return value ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_ERROR_UNKNOWN;
}

/* The id under which value was registered as kind; 0 if it never was. */
static uint64_t known(struct cf_call *c, enum cf_handle_kind kind, uint64_t value)
{
  return value ? cf__handles_find(c->w->handles, kind, (void *)(uintptr_t)value) : 0;
}

/* The reply's descriptor bulk of bytes, or NULL. */
static struct cf_tex_wire *wire_out(struct cf_call *c, uint64_t bytes)
{
  struct cf_tex_wire *w;

  if (bytes != sizeof *w || !(w = cf__call_bulk_out(c, bytes)))
    return NULL;
  memset(w, 0, sizeof *w);
  return w;
}

/* Fill the reply's resource: the bulk and the ids of its handles. */
static void put_resource(struct cf_call *c, const CUDA_RESOURCE_DESC *res,
                             struct cf_tex_wire *w, uint64_t *array_id, uint64_t *mipmap_id)
{
  cf_tex_wire_put_res(w, res);
  if (res->resType == CU_RESOURCE_TYPE_ARRAY)
    *array_id = cf__handles_find(c->w->handles, CF_HK_ARRAY, res->res.array.hArray);
  if (res->resType == CU_RESOURCE_TYPE_MIPMAPPED_ARRAY)
    *mipmap_id = cf__handles_find(c->w->handles, CF_HK_MIPMAPPED,
                                  res->res.mipmap.hMipmappedArray);
}

CUresult cf__srv_cuTexObjectCreate(struct cf_call *c, const CuTexObjectCreateReq *req,
                                   CuTexObjectCreateRep *rep)
{
  struct cf_tex_wire w;
  CUDA_RESOURCE_VIEW_DESC view;
  CUDA_RESOURCE_DESC res;
  CUDA_TEXTURE_DESC tex;
  CUtexObject t = 0;
  CUresult r;

  if (!c->drv->cuTexObjectCreate)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!wire_in(c, req->descbytes, &w))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = resource(c, &w, req->harray, req->hmipmappedarray, &res)) != CUDA_SUCCESS)
    return r;
  cf_tex_wire_get_tex(&w, &tex);
  cf_tex_wire_get_view(&w, &view);
  if ((r = c->drv->cuTexObjectCreate(&t, &res, &tex, w.has_view ? &view : NULL)) !=
      CUDA_SUCCESS)
    return r;
  rep->ptexobject = t;
  return remember(c, CF_HK_TEXOBJ, t, c->drv->cuTexObjectDestroy);
}

CUresult cf__srv_cuTexObjectDestroy(struct cf_call *c, const CuTexObjectDestroyReq *req,
                                    CuTexObjectDestroyRep *rep)
{
  uint64_t id = known(c, CF_HK_TEXOBJ, req->texobject);
  CUresult r;

  (void)rep;
  if (!c->drv->cuTexObjectDestroy)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!id)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = c->drv->cuTexObjectDestroy(req->texobject)) == CUDA_SUCCESS)
    cf__handle_forget(c, id);
  return r;
}

CUresult cf__srv_cuTexObjectGetResourceDesc(struct cf_call *c,
                                            const CuTexObjectGetResourceDescReq *req,
                                            CuTexObjectGetResourceDescRep *rep)
{
  struct cf_tex_wire *w;
  CUDA_RESOURCE_DESC res;
  CUresult r;

  if (!c->drv->cuTexObjectGetResourceDesc)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!known(c, CF_HK_TEXOBJ, req->texobject))
    return CUDA_ERROR_INVALID_VALUE;
  if (!(w = wire_out(c, req->descbytes)))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = c->drv->cuTexObjectGetResourceDesc(&res, req->texobject)) != CUDA_SUCCESS) {
    c->bulk_out_len = 0;
    return r;
  }
  put_resource(c, &res, w, &rep->harray, &rep->hmipmappedarray);
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuTexObjectGetTextureDesc(struct cf_call *c,
                                           const CuTexObjectGetTextureDescReq *req,
                                           CuTexObjectGetTextureDescRep *rep)
{
  struct cf_tex_wire *w;
  CUDA_TEXTURE_DESC tex;
  CUresult r;

  (void)rep;
  if (!c->drv->cuTexObjectGetTextureDesc)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!known(c, CF_HK_TEXOBJ, req->texobject) || !(w = wire_out(c, req->descbytes)))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = c->drv->cuTexObjectGetTextureDesc(&tex, req->texobject)) != CUDA_SUCCESS) {
    c->bulk_out_len = 0;
    return r;
  }
  cf_tex_wire_put_tex(w, &tex);
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuTexObjectGetResourceViewDesc(struct cf_call *c,
                                                const CuTexObjectGetResourceViewDescReq *req,
                                                CuTexObjectGetResourceViewDescRep *rep)
{
  struct cf_tex_wire *w;
  CUDA_RESOURCE_VIEW_DESC view;
  CUresult r;

  (void)rep;
  if (!c->drv->cuTexObjectGetResourceViewDesc)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!known(c, CF_HK_TEXOBJ, req->texobject) || !(w = wire_out(c, req->descbytes)))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = c->drv->cuTexObjectGetResourceViewDesc(&view, req->texobject)) != CUDA_SUCCESS) {
    c->bulk_out_len = 0;
    return r;
  }
  cf_tex_wire_put_view(w, &view);
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuSurfObjectCreate(struct cf_call *c, const CuSurfObjectCreateReq *req,
                                    CuSurfObjectCreateRep *rep)
{
  struct cf_tex_wire w;
  CUDA_RESOURCE_DESC res;
  CUsurfObject s = 0;
  CUresult r;

  if (!c->drv->cuSurfObjectCreate)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!wire_in(c, req->descbytes, &w))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = resource(c, &w, req->harray, req->hmipmappedarray, &res)) != CUDA_SUCCESS ||
      (r = c->drv->cuSurfObjectCreate(&s, &res)) != CUDA_SUCCESS)
    return r;
  rep->psurfobject = s;
  return remember(c, CF_HK_SURFOBJ, s, c->drv->cuSurfObjectDestroy);
}

CUresult cf__srv_cuSurfObjectDestroy(struct cf_call *c, const CuSurfObjectDestroyReq *req,
                                     CuSurfObjectDestroyRep *rep)
{
  uint64_t id = known(c, CF_HK_SURFOBJ, req->surfobject);
  CUresult r;

  (void)rep;
  if (!c->drv->cuSurfObjectDestroy)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!id)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = c->drv->cuSurfObjectDestroy(req->surfobject)) == CUDA_SUCCESS)
    cf__handle_forget(c, id);
  return r;
}

CUresult cf__srv_cuSurfObjectGetResourceDesc(struct cf_call *c,
                                             const CuSurfObjectGetResourceDescReq *req,
                                             CuSurfObjectGetResourceDescRep *rep)
{
  struct cf_tex_wire *w;
  CUDA_RESOURCE_DESC res;
  CUresult r;

  if (!c->drv->cuSurfObjectGetResourceDesc)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!known(c, CF_HK_SURFOBJ, req->surfobject) || !(w = wire_out(c, req->descbytes)))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = c->drv->cuSurfObjectGetResourceDesc(&res, req->surfobject)) != CUDA_SUCCESS) {
    c->bulk_out_len = 0;
    return r;
  }
  put_resource(c, &res, w, &rep->harray, &rep->hmipmappedarray);
  return CUDA_SUCCESS;
}
