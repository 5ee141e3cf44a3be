/* Primary-context release and reset: the two server=custom rows that destroy
 * a context's contents behind its handle. CUDA keeps a device's primary
 * context handle across a reset, but every module, function, stream and
 * event in it is gone; the session's handle table must forget those too, or
 * an old id could later name a new object that the driver put at the same
 * address. Worker thread only. */
#include "internal.h"

/* The device's primary context if it is active, else NULL. Retaining and
 * releasing it at once leaves its reference count as it was. */
static CUcontext active_primary(struct cf_call *c, CUdevice dev)
{
  const struct cf_driver *d = c->drv;
  unsigned flags = 0;
  int active = 0;
  CUcontext p = NULL;

  if (!d->cuDevicePrimaryCtxGetState || !d->cuDevicePrimaryCtxRetain ||
      d->cuDevicePrimaryCtxGetState(dev, &flags, &active) != CUDA_SUCCESS ||
      !active || d->cuDevicePrimaryCtxRetain(&p, dev) != CUDA_SUCCESS)
    return NULL;
  d->cuDevicePrimaryCtxRelease_v2(dev);
  return p;
}

/* The driver destroyed p's contents: forget their handles and give back
 * the quota charges of the memory allocated in it (quota.c). */
static void forget_contents(struct cf_call *c, CUcontext p)
{
  uint64_t id = p ? cf__handles_find(c->w->handles, CF_HK_CONTEXT, p) : 0;

  if (id)
    cf__handle_forget_children(c, id);
  cf__quota_context_gone(c->w, p);
}

CUresult cf__srv_cuDevicePrimaryCtxRelease_v2(struct cf_call *c,
                                              const CuDevicePrimaryCtxReleaseV2Req *req,
                                              CuDevicePrimaryCtxReleaseV2Rep *rep)
{
  const struct cf_driver *d = c->drv;
  CUdevice dev = (CUdevice)req->dev;
  CUcontext p;
  unsigned flags = 0;
  int active = 1;
  CUresult r;

  (void)rep;
  if (!d->cuDevicePrimaryCtxRelease_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  p = active_primary(c, dev);
  if ((r = d->cuDevicePrimaryCtxRelease_v2(dev)) != CUDA_SUCCESS)
    return r;
  /* The last release destroys the context's contents. */
  if (d->cuDevicePrimaryCtxGetState &&
      d->cuDevicePrimaryCtxGetState(dev, &flags, &active) == CUDA_SUCCESS && !active)
    forget_contents(c, p);
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuDevicePrimaryCtxReset_v2(struct cf_call *c,
                                            const CuDevicePrimaryCtxResetV2Req *req,
                                            CuDevicePrimaryCtxResetV2Rep *rep)
{
  const struct cf_driver *d = c->drv;
  CUdevice dev = (CUdevice)req->dev;
  CUcontext p;
  CUresult r;

  (void)rep;
  if (!d->cuDevicePrimaryCtxReset_v2)
    return CUDA_ERROR_NOT_SUPPORTED;
  p = active_primary(c, dev);
  if ((r = d->cuDevicePrimaryCtxReset_v2(dev)) == CUDA_SUCCESS)
    forget_contents(c, p);
  return r;
}
