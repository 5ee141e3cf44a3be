/* cuGetProcAddress: how cudart and frameworks find every other entry point.
 * A name and the CUDA version the caller was built for select one version
 * of the function (cuCtxCreate at 3020 is cuCtxCreate_v2, at 12050
 * cuCtxCreate_v4), and the per-thread-default-stream flag its _ptds/_ptsz
 * form. The table is generated from the toolkit's typedefs, so it covers
 * every function, implemented or not: a known but unimplemented one gives its
 * NOT_SUPPORTED entry, an unknown name gives NULL. */
#include <string.h>

#include "internal.h"
#include "procs.h"

static const struct cf_proc *find(const char *name)
{
  size_t lo = 0, hi = cf__procs_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(cf__procs[mid].name, name);
    if (!c)
      return &cf__procs[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* The newest version of p applying at cuda_version, per-thread form first
 * when asked for and available. NULL when none applies yet. */
static cf_proc_fn pick(const struct cf_proc *p, int cuda_version, int per_thread)
{
  const struct cf_proc_version *best = NULL, *best_pt = NULL;
  for (unsigned i = 0; i < p->n; i++) {
    if ((int)p->v[i].since > cuda_version)
      continue;
    if (p->v[i].per_thread)
      best_pt = &p->v[i];
    else
      best = &p->v[i];
  }
  if (per_thread && best_pt)
    return best_pt->fn;
  return best ? best->fn : NULL;
}

CF_EXPORT CUresult CUDAAPI cuGetProcAddress_v2(const char *symbol, void **pfn, int cudaVersion,
                                               cuuint64_t flags,
                                               CUdriverProcAddressQueryResult *symbolStatus)
{
  const struct cf_proc *p;
  cf_proc_fn fn;
  CUdriverProcAddressQueryResult status;
  CUresult r;

  if (!symbol || !pfn)
    return CUDA_ERROR_INVALID_VALUE;
  if (flags & ~(cuuint64_t)(CU_GET_PROC_ADDRESS_LEGACY_STREAM |
                            CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM))
    return CUDA_ERROR_INVALID_VALUE;
  *pfn = NULL;
  if (!(p = find(symbol))) {
    status = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
    r = CUDA_ERROR_NOT_FOUND;
  } else if (!(fn = pick(p, cudaVersion,
                         (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) != 0))) {
    status = CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT;
    r = CUDA_ERROR_NOT_FOUND;
  } else {
    *pfn = (void *)fn;
    status = CU_GET_PROC_ADDRESS_SUCCESS;
    r = CUDA_SUCCESS;
  }
  if (symbolStatus)
    *symbolStatus = status;
  return r;
}

#undef cuGetProcAddress
CUresult CUDAAPI cuGetProcAddress(const char *symbol, void **pfn, int cudaVersion,
                                  cuuint64_t flags);
CF_EXPORT CUresult CUDAAPI cuGetProcAddress(const char *symbol, void **pfn, int cudaVersion,
                                            cuuint64_t flags)
{
  return cuGetProcAddress_v2(symbol, pfn, cudaVersion, flags, NULL);
}
