/* Host memory registration: cuMemHostRegister makes a range of the caller's
 * memory "pinned" for the current context, cuMemHostUnregister ends that, and
 * cuMemHostGetFlags answers the flags of a pinned block (allocated by
 * cuMemHostAlloc or registered) holding a pointer. Registered ranges share
 * the context's pinned list with allocated blocks (memory.c), marked
 * `registered` so that they are never freed here. Mapping host memory into
 * the device (DEVICEMAP, cuMemHostGetDevicePointer) is not offered: the
 * device attribute CAN_MAP_HOST_MEMORY is 0, as through cuferryd, where the
 * host is another machine. All under the global lock. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

#define REGISTER_FLAGS                                                         \
  (CU_MEMHOSTREGISTER_PORTABLE | CU_MEMHOSTREGISTER_DEVICEMAP |                \
   CU_MEMHOSTREGISTER_IOMEMORY | CU_MEMHOSTREGISTER_READ_ONLY)

/* The pinned block of ctx holding p, or NULL. */
static struct cf_emu_pinned *find_block(CUcontext ctx, const void *p)
{
  uintptr_t a = (uintptr_t)p;
  for (struct cf_emu_link *l = ctx->pinned.next; l != &ctx->pinned; l = l->next) {
    struct cf_emu_pinned *pin = CF_EMU_CONTAINER(l, struct cf_emu_pinned, link);
    if (a >= (uintptr_t)pin->p && a - (uintptr_t)pin->p < pin->len)
      return pin;
  }
  return NULL;
}

/* 1 when [p, p+n) meets any pinned block of ctx. */
static int overlaps(CUcontext ctx, const void *p, size_t n)
{
  uintptr_t a = (uintptr_t)p;
  for (struct cf_emu_link *l = ctx->pinned.next; l != &ctx->pinned; l = l->next) {
    const struct cf_emu_pinned *pin = CF_EMU_CONTAINER(l, struct cf_emu_pinned, link);
    uintptr_t b = (uintptr_t)pin->p;
    if (a < b + pin->len && b < a + n)
      return 1;
  }
  return 0;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemHostRegister_v2(void *p, size_t bytesize,
                                                    unsigned int Flags)
{
  struct cf_emu_pinned *pin;
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!p || bytesize == 0 || bytesize > UINTPTR_MAX - (uintptr_t)p ||
      (Flags & ~(unsigned)REGISTER_FLAGS))
    r = CUDA_ERROR_INVALID_VALUE;
  else if (Flags & CU_MEMHOSTREGISTER_DEVICEMAP)
    r = CUDA_ERROR_NOT_SUPPORTED;
  else if (overlaps(ctx, p, bytesize))
    r = CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED;
  else if (!(pin = malloc(sizeof *pin)))
    r = CUDA_ERROR_OUT_OF_MEMORY;
  else {
    pin->p = p;
    pin->len = bytesize;
    pin->flags = Flags;
    pin->registered = 1;
    cf__emu_list_add(&ctx->pinned, &pin->link);
  }
  cf__emu_unlock();
  return r;
}

#undef cuMemHostRegister
CF_EMU_EXPORT CUresult CUDAAPI cuMemHostRegister(void *p, size_t bytesize, unsigned int Flags);
CUresult CUDAAPI cuMemHostRegister(void *p, size_t bytesize, unsigned int Flags)
{
  return cuMemHostRegister_v2(p, bytesize, Flags);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemHostUnregister(void *p)
{
  struct cf_emu_pinned *pin;
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  /* Queued copies may still read or write the range. */
  if ((r = cf__emu_ctx_wait(ctx)) != CUDA_SUCCESS)
    goto out;
  pin = p ? find_block(ctx, p) : NULL;
  if (!pin || !pin->registered || pin->p != p) {
    r = CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED;
    goto out;
  }
  cf__emu_list_del(&pin->link);
  free(pin);
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemHostGetFlags(unsigned int *pFlags, void *p)
{
  struct cf_emu_pinned *pin;
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!pFlags || !(pin = find_block(ctx, p)))
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *pFlags = pin->flags;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemHostGetDevicePointer_v2(CUdeviceptr *pdptr, void *p,
                                                            unsigned int Flags)
{
  (void)pdptr, (void)p, (void)Flags;
  return CUDA_ERROR_NOT_SUPPORTED;
}
