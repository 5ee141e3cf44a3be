/* JIT linking: the server=custom rows. Inputs are checked like module
 * images before the driver's linker sees them. cuLinkComplete runs the driver's
 * linker and answers only the image's size; the image stays with the link
 * state (the driver owns it until cuLinkDestroy), remembered on the link's
 * handle entry, and cfLinkGetImage copies it out in a second call once the
 * client has a buffer of that size. Worker thread only. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct linked_image {
  const void *data; /* owned by the driver's link state */
  size_t size;
};

CUresult cf__srv_cuLinkAddData_v2(struct cf_call *c, const CuLinkAddDataV2Req *req,
                                  CuLinkAddDataV2Rep *rep)
{
  void *state = NULL;
  CUresult r;

  (void)rep;
  if (!c->drv->cuLinkAddData_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = cf__handle_lookup(c, req->state, CF_HK_LINK, &state)) != CUDA_SUCCESS)
    return r;
  if (!state)
    return CUDA_ERROR_INVALID_HANDLE;
  if (c->bulk_in_len != req->size || !cf__srv_image_ok(c->bulk_in, c->bulk_in_len))
    return CUDA_ERROR_INVALID_IMAGE;
  return c->drv->cuLinkAddData_v2((CUlinkState)state, (CUjitInputType)req->type,
                                  (void *)c->bulk_in, (size_t)req->size, req->name, 0,
                                  NULL, NULL);
}

CUresult cf__srv_cuLinkComplete(struct cf_call *c, const CuLinkCompleteReq *req,
                                CuLinkCompleteRep *rep)
{
  struct linked_image *img;
  void *state = NULL, *data = NULL;
  size_t size = 0;
  CUresult r;

  if (!c->drv->cuLinkComplete)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = cf__handle_lookup(c, req->state, CF_HK_LINK, &state)) != CUDA_SUCCESS)
    return r;
  if (!state)
    return CUDA_ERROR_INVALID_HANDLE;
  if ((r = c->drv->cuLinkComplete((CUlinkState)state, &data, &size)) != CUDA_SUCCESS)
    return r;
  if (!(img = malloc(sizeof *img)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  img->data = data;
  img->size = size;
  if (cf__handles_set_aux(c->w->handles, req->state, img, free) != 0) {
    free(img);
    return CUDA_ERROR_INVALID_HANDLE;
  }
  rep->sizeout = size;
  return CUDA_SUCCESS;
}

CUresult cf__srv_cfLinkGetImage(struct cf_call *c, const CfLinkGetImageReq *req,
                                CfLinkGetImageRep *rep)
{
  const struct linked_image *img;
  void *state = NULL, *out;
  CUresult r;

  (void)rep;
  if ((r = cf__handle_lookup(c, req->state, CF_HK_LINK, &state)) != CUDA_SUCCESS)
    return r;
  img = cf__handles_aux(c->w->handles, req->state);
  if (!state || !img)
    return CUDA_ERROR_INVALID_HANDLE; /* no cuLinkComplete yet */
  if (req->size != img->size)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(out = cf__call_bulk_out(c, img->size)))
    return img->size > c->w->lim.max_bulk ? CUDA_ERROR_INVALID_VALUE
                                          : CUDA_ERROR_OUT_OF_MEMORY;
  memcpy(out, img->data, img->size);
  return CUDA_SUCCESS;
}
