/* Device spans: every device range a copy, a memset or a texture names must
 * lie inside one allocation of the session, or the call gives
 * CUDA_ERROR_INVALID_VALUE before the driver sees it. A range that strays
 * past its allocation would otherwise reach the driver, where it can fault
 * the context (a sticky error that ends the session's work) or, on the
 * emulator, whose device memory is the worker's own memory, touch bytes
 * that are no device memory at all.
 *
 * The allocation map is the driver's own (cuMemGetAddressRange_v2): the
 * worker is one process per session and allocates no device memory of its
 * own, so every allocation its driver knows is one this session made
 * (cuMemAlloc*, pitch and pool allocations, module and library globals).
 * Keeping a second map here would be a list that must agree with the
 * driver's, for no gain in what it can refuse. A range in another context
 * (the sides of a peer copy) is looked up with that context current.
 * Worker lane threads only. */
#include "internal.h"

/* The context the check runs in: ctx pushed when given. */
static CUresult range_in(struct cf_call *c, CUcontext ctx, uint64_t at, uint64_t len)
{
  const struct cf_driver *d = c->drv;
  CUdeviceptr base = 0;
  size_t size = 0;
  CUresult r;

  if (!d->cuMemGetAddressRange_v2)
    return CUDA_ERROR_INVALID_VALUE; /* cannot check: refuse */
  if (ctx) {
    CUcontext popped;

    if (!d->cuCtxPushCurrent_v2 || !d->cuCtxPopCurrent_v2)
      return CUDA_ERROR_INVALID_VALUE;
    if ((r = d->cuCtxPushCurrent_v2(ctx)) != CUDA_SUCCESS)
      return r;
    r = d->cuMemGetAddressRange_v2(&base, &size, (CUdeviceptr)at);
    d->cuCtxPopCurrent_v2(&popped);
  } else {
    r = d->cuMemGetAddressRange_v2(&base, &size, (CUdeviceptr)at);
  }
  /* No allocation there; any other error (no context, or a sticky fault
   * that ended the context) is the call's own answer, as the driver would
   * give it. */
  if (r == CUDA_ERROR_NOT_FOUND || r == CUDA_ERROR_INVALID_VALUE)
    return CUDA_ERROR_INVALID_VALUE;
  if (r != CUDA_SUCCESS)
    return r;
  if (at < base || len > size || at - base > size - len)
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

CUresult cf__srv_range_check(struct cf_call *c, CUcontext ctx, uint64_t at, uint64_t len)
{
  if (len == 0)
    return CUDA_SUCCESS; /* touches nothing, as the driver has it */
  return range_in(c, ctx, at, len);
}

CUresult cf__srv_span_check(struct cf_call *c, CUcontext ctx, uint64_t ptr, uint64_t pitch,
                            uint64_t width, uint64_t height, uint64_t elem)
{
  uint64_t row, len;

  if (width == 0 || height == 0)
    return CUDA_SUCCESS;
  if (width > UINT64_MAX / elem)
    return CUDA_ERROR_INVALID_VALUE;
  row = width * elem;
  /* len = (height-1)*pitch + row, the bytes from ptr to the last one touched */
  if (height > 1 && pitch > (UINT64_MAX - row) / (height - 1))
    return CUDA_ERROR_INVALID_VALUE;
  len = (height - 1) * pitch + row;
  return cf__srv_range_check(c, ctx, ptr, len);
}
