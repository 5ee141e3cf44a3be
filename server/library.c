/* Hand-written handlers whose answers are lists of handles:
 * cuLibraryEnumerateKernels registers every kernel the driver lists under
 * its library and replies with their ids (little-endian u64s) as the bulk;
 * cfLibraryKernelTable and cfModuleFunctionTable do the same for a
 * library's kernels or a module's functions with each one's name beside
 * its id, so that the client looks them up by name itself (client/
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

/* One kind of container of named kernels: a library's kernels or a
 * module's functions, as the driver counts, lists and names them. */
struct container {
  enum cf_handle_kind kind, member_kind;
  CUresult (*count)(struct cf_call *c, void *h, unsigned *n);
  CUresult (*list)(struct cf_call *c, void *h, void **items, unsigned n);
  CUresult (*name)(struct cf_call *c, void *item, const char **name);
};

static CUresult library_count(struct cf_call *c, void *h, unsigned *n)
{
  return c->drv->cuLibraryGetKernelCount(n, h);
}

static CUresult library_list(struct cf_call *c, void *h, void **items, unsigned n)
{
  return c->drv->cuLibraryEnumerateKernels((CUkernel *)items, n, h);
}

static CUresult kernel_name(struct cf_call *c, void *item, const char **name)
{
  return c->drv->cuKernelGetName(name, item);
}

static CUresult module_count(struct cf_call *c, void *h, unsigned *n)
{
  return c->drv->cuModuleGetFunctionCount(n, h);
}

static CUresult module_list(struct cf_call *c, void *h, void **items, unsigned n)
{
  return c->drv->cuModuleEnumerateFunctions((CUfunction *)items, n, h);
}

static CUresult function_name(struct cf_call *c, void *item, const char **name)
{
  return c->drv->cuFuncGetName(name, item);
}

static const struct container libraries = { CF_HK_LIBRARY, CF_HK_KERNEL, library_count,
                                            library_list, kernel_name };
static const struct container modules = { CF_HK_MODULE, CF_HK_FUNCTION, module_count,
                                          module_list, function_name };

/* The container's members and their names (driver-owned strings), into
 * *items and *names (malloc'd, *n of each), and the table's size. */
static CUresult list_members(struct cf_call *c, const struct container *k, void *h,
                             void ***items, const char ***names, unsigned *n, uint64_t *bytes)
{
  CUresult r;

  *items = NULL;
  *names = NULL;
  *bytes = 0;
  if ((r = k->count(c, h, n)) != CUDA_SUCCESS || *n == 0)
    return r;
  if (!(*items = calloc(*n, sizeof **items)) || !(*names = calloc(*n, sizeof **names)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if ((r = k->list(c, h, *items, *n)) != CUDA_SUCCESS)
    return r;
  for (unsigned i = 0; i < *n; i++) {
    if (!(*items)[i])
      return CUDA_ERROR_UNKNOWN; /* the driver listed fewer than it counted */
    if ((r = k->name(c, (*items)[i], &(*names)[i])) != CUDA_SUCCESS)
      return r;
    if (!(*names)[i] || strlen((*names)[i]) > UINT32_MAX)
      return CUDA_ERROR_UNKNOWN;
    *bytes += TABLE_ENTRY_HEAD + strlen((*names)[i]);
  }
  return CUDA_SUCCESS;
}

/* The table of the container with wire id `id`: with a capacity too small,
 * only the size it needs. */
static CUresult member_table(struct cf_call *c, const struct container *k, uint64_t id,
                             uint64_t capacity, uint64_t *table_bytes)
{
  void **items = NULL, *h = NULL;
  const char **names = NULL;
  unsigned n = 0;
  uint64_t bytes = 0;
  uint8_t *out = NULL;
  CUresult r;

  if ((r = cf__handle_lookup(c, id, k->kind, &h)) != CUDA_SUCCESS)
    return r;
  if ((r = list_members(c, k, h, &items, &names, &n, &bytes)) != CUDA_SUCCESS)
    goto out;
  *table_bytes = bytes;
  if (bytes > capacity)
    goto out; /* no table: the client asks again with room for it */
  if (bytes && !(out = cf__call_bulk_out(c, bytes))) {
    r = bytes > c->w->lim.max_bulk ? CUDA_ERROR_NOT_SUPPORTED : CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  for (unsigned i = 0; i < n; i++) {
    uint64_t member = cf__handle_register(c, k->member_kind, items[i], id);
    uint32_t len = (uint32_t)strlen(names[i]);

    if (!member) {
      c->bulk_out_len = 0;
      r = CUDA_ERROR_OUT_OF_MEMORY;
      goto out;
    }
    member = htole64(member);
    memcpy(out, &member, 8);
    len = htole32(len);
    memcpy(out + 8, &len, 4);
    memcpy(out + TABLE_ENTRY_HEAD, names[i], strlen(names[i]));
    out += TABLE_ENTRY_HEAD + strlen(names[i]);
  }
out:
  free(items);
  free((void *)names);
  return r;
}

CUresult cf__srv_cfLibraryKernelTable(struct cf_call *c, const CfLibraryKernelTableReq *req,
                                      CfLibraryKernelTableRep *rep)
{
  if (!c->drv->cuLibraryGetKernelCount || !c->drv->cuLibraryEnumerateKernels ||
      !c->drv->cuKernelGetName)
    return CUDA_ERROR_NOT_SUPPORTED;
  return member_table(c, &libraries, req->lib, req->capacity, &rep->tablebytes);
}

CUresult cf__srv_cfModuleFunctionTable(struct cf_call *c, const CfModuleFunctionTableReq *req,
                                       CfModuleFunctionTableRep *rep)
{
  if (!c->drv->cuModuleGetFunctionCount || !c->drv->cuModuleEnumerateFunctions ||
      !c->drv->cuFuncGetName)
    return CUDA_ERROR_NOT_SUPPORTED;
  return member_table(c, &modules, req->mod, req->capacity, &rep->tablebytes);
}
