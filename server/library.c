/* Hand-written handlers for libraries whose answers are lists of handles:
 * cuLibraryEnumerateKernels registers every kernel the driver lists under
 * its library and replies with their ids (little-endian u64s) as the bulk;
 * cfLibraryKernelTable does the same with each kernel's name beside its id,
 * so that the client looks kernels up by name itself (client/
 * kernel_table.c). */
#include "internal.h"

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_ENTRY_HEAD 12u /* u64 id, u32 name length */

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

/* The library's kernels and their names (driver-owned strings), into
 * *kernels and *names (malloc'd, *n of each), and the table's size. */
static CUresult list_kernels(struct cf_call *c, CUlibrary lib, CUkernel **kernels,
                             const char ***names, unsigned *n, uint64_t *bytes)
{
  CUresult r;

  *kernels = NULL;
  *names = NULL;
  *bytes = 0;
  if ((r = c->drv->cuLibraryGetKernelCount(n, lib)) != CUDA_SUCCESS || *n == 0)
    return r;
  if (!(*kernels = calloc(*n, sizeof **kernels)) || !(*names = calloc(*n, sizeof **names)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if ((r = c->drv->cuLibraryEnumerateKernels(*kernels, *n, lib)) != CUDA_SUCCESS)
    return r;
  for (unsigned i = 0; i < *n; i++) {
    if (!(*kernels)[i])
      return CUDA_ERROR_UNKNOWN; /* the driver listed fewer than it counted */
    if ((r = c->drv->cuKernelGetName(&(*names)[i], (*kernels)[i])) != CUDA_SUCCESS)
      return r;
    if (!(*names)[i] || strlen((*names)[i]) > UINT32_MAX)
      return CUDA_ERROR_UNKNOWN;
    *bytes += TABLE_ENTRY_HEAD + strlen((*names)[i]);
  }
  return CUDA_SUCCESS;
}

CUresult cf__srv_cfLibraryKernelTable(struct cf_call *c, const CfLibraryKernelTableReq *req,
                                      CfLibraryKernelTableRep *rep)
{
  CUkernel *ks = NULL;
  const char **names = NULL;
  unsigned n = 0;
  uint64_t bytes = 0;
  uint8_t *out = NULL;
  void *lib = NULL;
  CUresult r;

  if (!c->drv->cuLibraryGetKernelCount || !c->drv->cuLibraryEnumerateKernels ||
      !c->drv->cuKernelGetName)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = cf__handle_lookup(c, req->lib, CF_HK_LIBRARY, &lib)) != CUDA_SUCCESS)
    return r;
  if ((r = list_kernels(c, (CUlibrary)lib, &ks, &names, &n, &bytes)) != CUDA_SUCCESS)
    goto out;
  rep->tablebytes = bytes;
  if (bytes > req->capacity)
    goto out; /* no table: the client asks again with room for it */
  if (bytes && !(out = cf__call_bulk_out(c, bytes))) {
    r = bytes > c->w->lim.max_bulk ? CUDA_ERROR_NOT_SUPPORTED : CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  for (unsigned i = 0; i < n; i++) {
    uint64_t id = cf__handle_register(c, CF_HK_KERNEL, ks[i], req->lib);
    uint32_t len = (uint32_t)strlen(names[i]);

    if (!id) {
      c->bulk_out_len = 0;
      r = CUDA_ERROR_OUT_OF_MEMORY;
      goto out;
    }
    id = htole64(id);
    memcpy(out, &id, 8);
    len = htole32(len);
    memcpy(out + 8, &len, 4);
    memcpy(out + TABLE_ENTRY_HEAD, names[i], strlen(names[i]));
    out += TABLE_ENTRY_HEAD + strlen(names[i]);
  }
out:
  free(ks);
  free((void *)names);
  return r;
}
