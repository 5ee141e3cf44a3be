/* Kernel launches and parameter layouts: the two server=custom rows of the
 * API table. A client packs a launch's arguments into one bulk buffer, each
 * at the offset the real function's parameter list gives; here the worker
 * learns that list from the driver (cuFuncGetParamInfo), caches it on the
 * function's handle entry (freed when the function or its module goes),
 * checks every parameter lies inside the bulk, and builds the
 * kernelParams array pointing into it. Worker thread only. */
#include "internal.h"

#include <stdlib.h>

#include "cf_error.h"

struct param_layout {
  uint32_t count;
  struct { size_t off, size; } p[];
};

/* The function's parameter layout, from the cache or the driver. */
static CUresult get_layout(struct cf_call *c, uint64_t fid, CUfunction func,
                           int is_kernel, const struct param_layout **out)
{
  struct cf_handles *t = c->w->handles;
  struct param_layout *l = cf__handles_aux(t, fid), *nl;
  uint32_t cap = 8;

  *out = NULL;
  if (l) {
    *out = l;
    return CUDA_SUCCESS;
  }
  if (is_kernel ? !c->drv->cuKernelGetParamInfo : !c->drv->cuFuncGetParamInfo)
    return CUDA_ERROR_NOT_SUPPORTED;
  l = malloc(sizeof *l + cap * sizeof l->p[0]);
  if (!l)
    return CUDA_ERROR_OUT_OF_MEMORY;
  l->count = 0;
  /* The driver answers CUDA_ERROR_INVALID_VALUE for the first index past
   * the last parameter; any other error (a sticky context error, say) is
   * passed on and nothing is cached, so a later query can still succeed. */
  while (l->count < CF_MAX_KERNEL_PARAMS) {
    size_t off = 0, size = 0;
    CUresult pr = is_kernel
        ? c->drv->cuKernelGetParamInfo((CUkernel)func, l->count, &off, &size)
        : c->drv->cuFuncGetParamInfo(func, l->count, &off, &size);

    if (pr == CUDA_ERROR_INVALID_VALUE)
      break;
    if (pr != CUDA_SUCCESS || off > UINT32_MAX || size > UINT32_MAX) {
      free(l);
      return pr != CUDA_SUCCESS ? pr : CUDA_ERROR_INVALID_VALUE;
    }
    if (l->count == cap) {
      cap *= 2;
      nl = realloc(l, sizeof *l + cap * sizeof l->p[0]);
      if (!nl) {
        free(l);
        return CUDA_ERROR_OUT_OF_MEMORY;
      }
      l = nl;
    }
    l->p[l->count].off = off;
    l->p[l->count].size = size;
    l->count++;
  }
  if (cf__handles_set_aux(t, fid, l, free) != 0) {
    free(l);
    return CUDA_ERROR_INVALID_HANDLE;
  }
  *out = l;
  return CUDA_SUCCESS;
}

/* The launchable behind id: a function, or a kernel (cudart launches
 * CUkernels, which the driver accepts where a CUfunction is expected). */
static CUresult lookup_function(struct cf_call *c, uint64_t fid,
                                CUfunction *func, int *is_kernel)
{
  void *real = NULL;
  CUresult r = cf__handle_lookup(c, fid, CF_HK_FUNCTION, &real);

  *is_kernel = 0;
  if (r == CUDA_ERROR_INVALID_HANDLE &&
      cf__handle_lookup(c, fid, CF_HK_KERNEL, &real) == CUDA_SUCCESS) {
    *is_kernel = 1;
    r = CUDA_SUCCESS;
  }
  *func = real;
  if (r == CUDA_SUCCESS && !real)
    r = CUDA_ERROR_INVALID_HANDLE;
  return r;
}

CUresult cf__srv_cuLaunchKernel(struct cf_call *c, const CuLaunchKernelReq *req,
                                CuLaunchKernelRep *rep)
{
  const struct param_layout *l;
  CUfunction func;
  void *stream = NULL;
  void **params = NULL;
  uint64_t psize = req->paramssize;
  int is_kernel;
  CUresult r;

  (void)rep;
  if (!c->drv->cuLaunchKernel)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = lookup_function(c, req->f, &func, &is_kernel)) != CUDA_SUCCESS ||
      (r = cf__handle_lookup(c, req->hstream, CF_HK_STREAM, &stream)) !=
          CUDA_SUCCESS ||
      (r = get_layout(c, req->f, func, is_kernel, &l)) != CUDA_SUCCESS)
    return r;
  if (c->bulk_in_len != psize)
    return CUDA_ERROR_INVALID_VALUE;
  if (l->count) {
    params = malloc(l->count * sizeof *params);
    if (!params)
      return CUDA_ERROR_OUT_OF_MEMORY;
  }
  for (uint32_t i = 0; i < l->count; i++) {
    if (l->p[i].size > psize || l->p[i].off > psize - l->p[i].size) {
      free(params);
      return CUDA_ERROR_INVALID_VALUE;
    }
    /* The driver only reads through kernelParams. */
    params[i] = (void *)(uintptr_t)(c->bulk_in + l->p[i].off);
  }
  r = c->drv->cuLaunchKernel(func, req->griddimx, req->griddimy, req->griddimz,
                             req->blockdimx, req->blockdimy, req->blockdimz,
                             req->sharedmembytes, (CUstream)stream, params,
                             NULL);
  free(params);
  return r;
}

CUresult cf__srv_cfFuncGetParamLayout(struct cf_call *c,
                                      const CfFuncGetParamLayoutReq *req,
                                      CfFuncGetParamLayoutRep *rep)
{
  const struct param_layout *l;
  CUfunction func;
  uint8_t *out;
  uint64_t n;
  int is_kernel;
  CUresult r;

  rep->count = 0;
  if ((r = lookup_function(c, req->f, &func, &is_kernel)) != CUDA_SUCCESS ||
      (r = get_layout(c, req->f, func, is_kernel, &l)) != CUDA_SUCCESS)
    return r;
  rep->count = l->count;
  /* The reply carries what fits in the client's buffer and no more, however
   * large a buffer the client offers. */
  n = req->layoutbytes / 8;
  if (n > l->count)
    n = l->count;
  out = cf__call_bulk_out(c, n * 8);
  if (!out)
    return n * 8 > c->w->lim.max_bulk ? CUDA_ERROR_INVALID_VALUE
                                      : CUDA_ERROR_OUT_OF_MEMORY;
  for (uint64_t i = 0; i < n; i++) {
    uint32_t v[2] = { (uint32_t)l->p[i].off, (uint32_t)l->p[i].size };

    for (int k = 0; k < 2; k++)
      for (int b = 0; b < 4; b++)
        out[i * 8 + (uint64_t)k * 4 + (uint64_t)b] = (uint8_t)(v[k] >> (8 * b));
  }
  return CUDA_SUCCESS;
}
