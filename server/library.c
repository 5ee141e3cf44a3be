/* Hand-written handlers for libraries whose answers are lists of handles:
 * cuLibraryEnumerateKernels registers every kernel the driver lists under
 * its library and replies with their ids (little-endian u64s) as the bulk. */
#include "internal.h"

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>

CUresult cf__srv_cuLibraryEnumerateKernels(struct cf_call *c,
                                           const CuLibraryEnumerateKernelsReq *req,
                                           CuLibraryEnumerateKernelsRep *rep)
{
  CUkernel small[64] = { 0 }, *ks = small; /* the driver may fill fewer */
  uint64_t *ids;
  void *lib = NULL;
  CUresult r;

  (void)rep;
  if (!c->drv->cuLibraryEnumerateKernels)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (req->numkernels == 0 || req->kernelsbytes != (uint64_t)req->numkernels * sizeof *ids)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__handle_lookup(c, req->lib, CF_HK_LIBRARY, &lib)) != CUDA_SUCCESS)
    return r;
  if (!(ids = cf__call_bulk_out(c, req->kernelsbytes)))
    return CUDA_ERROR_INVALID_VALUE; /* over the bulk limit */
  if (req->numkernels > sizeof small / sizeof small[0] &&
      !(ks = calloc(req->numkernels, sizeof *ks))) {
    c->bulk_out_len = 0;
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  r = c->drv->cuLibraryEnumerateKernels(ks, req->numkernels, (CUlibrary)lib);
  for (uint32_t i = 0; r == CUDA_SUCCESS && i < req->numkernels; i++) {
    uint64_t id = ks[i] ? cf__handle_register(c, CF_HK_KERNEL, ks[i], req->lib) : 0;
    if (ks[i] && !id)
      r = CUDA_ERROR_OUT_OF_MEMORY;
    ids[i] = htole64(id);
  }
  if (ks != small)
    free(ks);
  if (r != CUDA_SUCCESS)
    c->bulk_out_len = 0;
  return r;
}
