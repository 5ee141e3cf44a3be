/* cuStreamCreate and cuEventCreate, whose new handle the client may name
 * itself (client/minted.c) so that creating one costs no round trip. The
 * client's id is checked (the client's id space, not in use) before the
 * driver is called, so a bad id creates nothing; minted 0 lets the handle
 * table name the object, as for every other handle. Worker thread only. */
#include "internal.h"

static CUresult check_minted(struct cf_call *c, uint64_t minted)
{
  return minted && !cf__handles_minted_free(c->w->handles, minted) ? CUDA_ERROR_INVALID_VALUE
                                                                   : CUDA_SUCCESS;
}

/* The id real is known by now: the client's, or one the table mints; 0
 * when the table is full. */
static uint64_t name(struct cf_call *c, enum cf_handle_kind kind, void *real, uint64_t minted)
{
  return minted ? cf__handle_register_minted(c, kind, real, minted)
                : cf__handle_register_new(c, kind, real, 0);
}

CUresult cf__srv_cuStreamCreate(struct cf_call *c, const CuStreamCreateReq *req,
                                CuStreamCreateRep *rep)
{
  CUstream s = NULL;
  CUresult r;

  if ((r = check_minted(c, req->minted)) != CUDA_SUCCESS)
    return r;
  if (!c->drv->cuStreamCreate || !c->drv->cuStreamDestroy_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  r = c->drv->cuStreamCreate(&s, req->flags);
  if (r == CUDA_SUCCESS && !(rep->phstream = name(c, CF_HK_STREAM, s, req->minted))) {
    c->drv->cuStreamDestroy_v2(s);
    r = CUDA_ERROR_OUT_OF_MEMORY;
  }
  return r;
}

CUresult cf__srv_cuEventCreate(struct cf_call *c, const CuEventCreateReq *req,
                               CuEventCreateRep *rep)
{
  CUevent e = NULL;
  CUresult r;

  if ((r = check_minted(c, req->minted)) != CUDA_SUCCESS)
    return r;
  if (!c->drv->cuEventCreate || !c->drv->cuEventDestroy_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  r = c->drv->cuEventCreate(&e, req->flags);
  if (r == CUDA_SUCCESS && !(rep->phevent = name(c, CF_HK_EVENT, e, req->minted))) {
    c->drv->cuEventDestroy_v2(e);
    r = CUDA_ERROR_OUT_OF_MEMORY;
  }
  return r;
}
