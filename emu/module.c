/* Modules and functions: loading PTX (from memory or a file) through the
 * interpreter's front end, allocating and initialising module variables in
 * device memory, kernel and variable lookup, function attributes and the
 * parameter layout the server marshals kernel arguments by.
 *
 * A module belongs to the context current at load; unloading it (or
 * destroying that context) frees its variables and its function handles.
 * Function handles are made once per kernel name and reused. Images are
 * untrusted: fatbins and cubins are recognised by their magic and refused
 * with a log line (fatbin extraction is a later step), anything else must be
 * NUL-terminated PTX text, and the front end reports malformed or unsupported
 * PTX with the line it stopped at.
 *
 * All under the global lock. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"

#define FATBIN_MAGIC         0xBA55ED50u
#define FATBIN_WRAPPER_MAGIC 0x466243B1u
#define MAX_IMAGE_BYTES      (256u << 20)
#define MAX_JIT_OPTIONS      64

void cf__emu_module_free(CUmodule m)
{
  struct CUfunc_st *f = m->funcs;
  while (f) {
    struct CUfunc_st *next = f->next;
    cf__emu_handle_del(f);
    free(f->name);
    free(f);
    f = next;
  }
  cf__emu_mem_free_owner(m->ctx, m);
  if (m->ptx)
    cf_ptx_module_free(m->ptx);
  free(m->var_addr);
  cf__emu_list_del(&m->link);
  cf__emu_handle_del(m);
  free(m);
}

/* Give each module variable device memory holding its initialiser. */
static CUresult bind_vars(CUcontext ctx, CUmodule m)
{
  unsigned n = cf_ptx_module_var_count(m->ptx);
  if (n == 0)
    return CUDA_SUCCESS;
  if (!(m->var_addr = calloc(n, sizeof *m->var_addr)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  m->nvars = n;
  for (unsigned i = 0; i < n; i++) {
    const struct cf_ptx_var *v = cf_ptx_module_var(m->ptx, i);
    uint64_t align = v->align ? v->align : 1, size = v->size ? v->size : 1;
    uint64_t a;
    CUresult r;
    /* The front end validates alignment; re-check what the allocator's
     * arithmetic relies on, since the text came over the network. */
    if ((align & (align - 1)) || align > (1u << 20))
      return CUDA_ERROR_INVALID_PTX;
    r = cf__emu_mem_alloc(ctx, size, align, CF_EMU_ALLOC_VAR, m, &a);
    if (r != CUDA_SUCCESS)
      return r;
    uint8_t *p = cf__emu_mem_map(ctx, a, size);
    if (!p)
      return CUDA_ERROR_UNKNOWN;
    memset(p, 0, size);
    if (v->init)
      memcpy(p, v->init, v->init_len < v->size ? v->init_len : v->size);
    m->var_addr[i] = a;
    if (v->is_const)
      m->const_bytes += v->size;
    cf_ptx_module_bind_var(m->ptx, i, a);
  }
  return CUDA_SUCCESS;
}

/* Identify the image and load it as PTX. err receives the front end's
 * message on INVALID_PTX. Lock held; ctx usable. */
static CUresult load_image(CUcontext ctx, const void *image, CUmodule *out,
                           char *err, size_t errlen)
{
  const char *text = image;
  uint32_t magic;
  size_t len;
  CUmodule m;
  CUresult r;
  int rc;

  *out = NULL;
  err[0] = '\0';
  if (!image)
    return CUDA_ERROR_INVALID_VALUE;
  /* Read the magic byte by byte, stopping at a NUL: a short PTX string
   * must not be read past its end. None of the magics has a zero byte. */
  uint8_t head[4] = { 0 };
  for (size_t i = 0; i < 4 && (i == 0 || head[i - 1]); i++)
    head[i] = ((const uint8_t *)image)[i];
  memcpy(&magic, head, sizeof magic);
  if (magic == FATBIN_MAGIC || magic == FATBIN_WRAPPER_MAGIC) {
    cf_error("module load: fatbin images are not supported yet; load the "
             "PTX text instead");
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  if (!memcmp(head, "\177ELF", 4)) {
    cf_error("module load: cubin (SASS) images cannot run on the emulator; "
             "load the PTX text instead");
    return CUDA_ERROR_NO_BINARY_FOR_GPU;
  }
  len = strnlen(text, MAX_IMAGE_BYTES);
  if (len == 0 || len == MAX_IMAGE_BYTES) {
    cf_error("module load: %s image", len ? "oversized" : "empty");
    return CUDA_ERROR_INVALID_IMAGE;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
        c != '\v') {
      cf_error("module load: not PTX text (byte 0x%02x at offset %zu)", c, i);
      return CUDA_ERROR_INVALID_IMAGE;
    }
  }

  if (!(m = calloc(1, sizeof *m)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (cf__emu_handle_add(m, CF_EMU_KIND_MODULE) != 0) {
    free(m);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  m->ctx = ctx;
  cf__emu_list_add(&ctx->modules, &m->link);

  rc = cf_ptx_module_load(text, len, &m->ptx, err, errlen);
  if (rc != 0) {
    m->ptx = NULL;
    if (rc == CF_ENOMEM) {
      r = CUDA_ERROR_OUT_OF_MEMORY;
    } else {
      cf_error("module load: %s", err[0] ? err : cf_strerror(rc));
      r = CUDA_ERROR_INVALID_PTX;
    }
    goto fail;
  }
  if ((r = bind_vars(ctx, m)) != CUDA_SUCCESS) {
    if (r == CUDA_ERROR_INVALID_PTX) {
      snprintf(err, errlen, "module variable alignment is not a power of "
               "two up to 1M");
      cf_error("module load: %s", err);
    }
    goto fail;
  }
  *out = m;
  return CUDA_SUCCESS;
fail:
  cf__emu_module_free(m);
  return r;
}

static CUresult module_load(CUmodule *module, const void *image, char *err,
                            size_t errlen)
{
  CUcontext ctx;
  CUresult r;

  if (module)
    *module = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!module)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    r = load_image(ctx, image, module, err, errlen);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleLoadData(CUmodule *module,
                                                const void *image)
{
  char err[512];
  return module_load(module, image, err, sizeof err);
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleLoadDataEx(CUmodule *module,
                                                  const void *image,
                                                  unsigned int numOptions,
                                                  CUjit_option *options,
                                                  void **optionValues)
{
  char err[512];
  CUresult r;
  char *elog = NULL, *ilog = NULL;
  size_t elog_len = 0, ilog_len = 0;
  unsigned elog_size_i = 0, ilog_size_i = 0;
  int have_esize = 0, have_isize = 0;

  if (numOptions > MAX_JIT_OPTIONS ||
      (numOptions && (!options || !optionValues))) {
    if (module)
      *module = NULL;
    return CUDA_ERROR_INVALID_VALUE;
  }
  /* Options tune the JIT, which the emulator does not have; only the log
   * buffers mean something here, and they get the front end's message. */
  for (unsigned i = 0; i < numOptions; i++) {
    switch (options[i]) {
    case CU_JIT_ERROR_LOG_BUFFER: elog = optionValues[i]; break;
    case CU_JIT_INFO_LOG_BUFFER: ilog = optionValues[i]; break;
    case CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES:
      elog_len = (size_t)(uintptr_t)optionValues[i];
      elog_size_i = i;
      have_esize = 1;
      break;
    case CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES:
      ilog_len = (size_t)(uintptr_t)optionValues[i];
      ilog_size_i = i;
      have_isize = 1;
      break;
    default:
      break;
    }
  }
  r = module_load(module, image, err, sizeof err);
  if (elog && have_esize && elog_len > 0) {
    int n = snprintf(elog, elog_len, "%s", r == CUDA_SUCCESS ? "" : err);
    size_t w = n < 0 ? 0 : (size_t)n < elog_len ? (size_t)n + 1 : elog_len;
    optionValues[elog_size_i] = (void *)(uintptr_t)w;
  }
  if (ilog && have_isize && ilog_len > 0) {
    ilog[0] = '\0';
    optionValues[ilog_size_i] = (void *)(uintptr_t)1;
  }
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleLoad(CUmodule *module,
                                            const char *fname)
{
  char err[512];
  CUresult r;
  FILE *f;
  char *buf = NULL;
  size_t n = 0, cap = 0;

  if (module)
    *module = NULL;
  if ((r = cf__emu_lock_init()) != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!module || !fname)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(f = fopen(fname, "rb")))
    return CUDA_ERROR_FILE_NOT_FOUND;
  for (;;) {
    if (cap - n < 4097) {
      size_t ncap = cap ? cap * 2 : 65536;
      char *nb;
      if (ncap > (size_t)MAX_IMAGE_BYTES + 4096 || !(nb = realloc(buf, ncap))) {
        r = ncap > MAX_IMAGE_BYTES ? CUDA_ERROR_INVALID_IMAGE
                                   : CUDA_ERROR_OUT_OF_MEMORY;
        goto out;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0)
      break;
  }
  if (ferror(f)) {
    r = CUDA_ERROR_FILE_NOT_FOUND;
    goto out;
  }
  /* Binary images carry their own size; pad so the magic check can read
   * four bytes and the text check sees a terminator. */
  memset(buf + n, 0, 4);  /* cap - n > 4096 when the loop ends */
  r = n == 0 ? CUDA_ERROR_INVALID_IMAGE
             : module_load(module, buf, err, sizeof err);
out:
  fclose(f);
  free(buf);
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleUnload(CUmodule hmod)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(hmod, CF_EMU_KIND_MODULE)) {
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_HANDLE;
  }
  /* Launches of its kernels may be running on other threads. */
  r = cf__emu_ctx_wait(hmod->ctx);
  if (r == CUDA_SUCCESS) {
    if (cf__emu_handle_live(hmod, CF_EMU_KIND_MODULE))
      cf__emu_module_free(hmod);
    else
      r = CUDA_ERROR_INVALID_HANDLE;
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleGetFunction(CUfunction *hfunc,
                                                   CUmodule hmod,
                                                   const char *name)
{
  CUcontext ctx;
  CUresult r;
  struct CUfunc_st *f;
  const struct cf_ptx_kernel *k;

  if (hfunc)
    *hfunc = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(hmod, CF_EMU_KIND_MODULE)) {
    r = CUDA_ERROR_INVALID_HANDLE;
    goto out;
  }
  if (!hfunc || !name) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  for (f = hmod->funcs; f; f = f->next)
    if (!strcmp(f->name, name)) {
      *hfunc = f;
      goto out;
    }
  if (!(k = cf_ptx_module_kernel(hmod->ptx, name))) {
    r = CUDA_ERROR_NOT_FOUND;
    goto out;
  }
  if (!(f = calloc(1, sizeof *f)) || !(f->name = strdup(name)) ||
      cf__emu_handle_add(f, CF_EMU_KIND_FUNC) != 0) {
    if (f)
      free(f->name);
    free(f);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  struct cf_ptx_kernel_info info;
  cf_ptx_kernel_get_info(k, &info);
  f->mod = hmod;
  f->k = k;
  f->max_dynamic_shared = info.static_shared_bytes >= CF_EMU_SHARED_PER_BLOCK
                              ? 0
                              : (int)(CF_EMU_SHARED_PER_BLOCK -
                                      info.static_shared_bytes);
  f->carveout = -1;
  f->next = hmod->funcs;
  hmod->funcs = f;
  *hfunc = f;
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleGetGlobal(CUdeviceptr *dptr,
                                                 size_t *bytes, CUmodule hmod,
                                                 const char *name)
{
  CUcontext ctx;
  CUresult r;

  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(hmod, CF_EMU_KIND_MODULE))
    r = CUDA_ERROR_INVALID_HANDLE;
  else if (!name)
    r = CUDA_ERROR_INVALID_VALUE;
  else {
    r = CUDA_ERROR_NOT_FOUND;
    for (unsigned i = 0; i < hmod->nvars; i++) {
      const struct cf_ptx_var *v = cf_ptx_module_var(hmod->ptx, i);
      if (v && v->name && !strcmp(v->name, name)) {
        if (dptr)
          *dptr = (CUdeviceptr)hmod->var_addr[i];
        if (bytes)
          *bytes = (size_t)v->size;
        r = CUDA_SUCCESS;
        break;
      }
    }
  }
  cf__emu_unlock();
  return r;
}

/* ---- Functions ---------------------------------------------------------- */

/* Registers reported: the kernel's virtual registers, capped at the
 * hardware's 255 and at what lets max_threads threads share 64K registers,
 * so occupancy calculators see a launchable kernel. */
static int reported_regs(const struct cf_ptx_kernel_info *info)
{
  uint32_t mt = info->max_threads_per_block ? info->max_threads_per_block
                                            : CF_EMU_MAX_THREADS;
  uint32_t cap = 65536 / mt, n = info->num_regs ? info->num_regs : 1;
  if (cap > 255)
    cap = 255;
  return (int)(n < cap ? n : cap);
}

CF_EMU_EXPORT CUresult CUDAAPI cuFuncGetAttribute(int *pi,
                                                  CUfunction_attribute attrib,
                                                  CUfunction hfunc)
{
  struct cf_ptx_kernel_info info;
  CUresult r = cf__emu_lock_handle(hfunc, CF_EMU_KIND_FUNC);
  int v = 0;

  if (r != CUDA_SUCCESS)
    return r;
  cf_ptx_kernel_get_info(hfunc->k, &info);
  switch (attrib) {
  case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
    v = (int)(info.max_threads_per_block && info.max_threads_per_block <
                                                CF_EMU_MAX_THREADS
                  ? info.max_threads_per_block : CF_EMU_MAX_THREADS);
    break;
  case CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: v = (int)info.static_shared_bytes; break;
  case CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES: v = (int)hfunc->mod->const_bytes; break;
  case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: v = (int)info.local_bytes; break;
  case CU_FUNC_ATTRIBUTE_NUM_REGS: v = reported_regs(&info); break;
  case CU_FUNC_ATTRIBUTE_PTX_VERSION: v = (int)info.ptx_version; break;
  case CU_FUNC_ATTRIBUTE_BINARY_VERSION:
    /* What the PTX was "JIT-compiled" for: this device. */
    v = cf__emu_g.cfg.cc_major * 10 + cf__emu_g.cfg.cc_minor;
    break;
  case CU_FUNC_ATTRIBUTE_CACHE_MODE_CA: v = 0; break;
  case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
    v = hfunc->max_dynamic_shared;
    break;
  case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT: v = hfunc->carveout; break;
  case CU_FUNC_ATTRIBUTE_CLUSTER_SIZE_MUST_BE_SET:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH:
  case CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED:
  case CU_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
    v = 0;
    break;
  default:
    r = CUDA_ERROR_INVALID_VALUE;
    break;
  }
  cf__emu_unlock();
  if (r == CUDA_SUCCESS) {
    if (!pi)
      return CUDA_ERROR_INVALID_VALUE;
    *pi = v;
  }
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuFuncSetAttribute(CUfunction hfunc,
                                                  CUfunction_attribute attrib,
                                                  int value)
{
  struct cf_ptx_kernel_info info;
  CUresult r = cf__emu_lock_handle(hfunc, CF_EMU_KIND_FUNC);

  if (r != CUDA_SUCCESS)
    return r;
  cf_ptx_kernel_get_info(hfunc->k, &info);
  switch (attrib) {
  case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
    if (value < 0 ||
        (uint64_t)value + info.static_shared_bytes > CF_EMU_SHARED_OPTIN)
      r = CUDA_ERROR_INVALID_VALUE;
    else
      hfunc->max_dynamic_shared = value;
    break;
  case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
    if (value < -1 || value > 100)
      r = CUDA_ERROR_INVALID_VALUE;
    else
      hfunc->carveout = value;
    break;
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH:
  case CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED:
  case CU_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
    /* Accepted; clusters are not emulated and launches ignore them. */
    break;
  default:
    r = CUDA_ERROR_INVALID_VALUE;  /* read-only or unknown */
    break;
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuFuncSetCacheConfig(CUfunction hfunc,
                                                    CUfunc_cache config)
{
  CUresult r = cf__emu_lock_handle(hfunc, CF_EMU_KIND_FUNC);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  return (unsigned)config > CU_FUNC_CACHE_PREFER_EQUAL
             ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuFuncSetSharedMemConfig(CUfunction hfunc,
                                                        CUsharedconfig config)
{
  CUresult r = cf__emu_lock_handle(hfunc, CF_EMU_KIND_FUNC);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  return (unsigned)config > CU_SHARED_MEM_CONFIG_EIGHT_BYTE_BANK_SIZE
             ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuFuncGetParamInfo(CUfunction func,
                                                  size_t paramIndex,
                                                  size_t *paramOffset,
                                                  size_t *paramSize)
{
  size_t off, size;
  CUresult r = cf__emu_lock_handle(func, CF_EMU_KIND_FUNC);
  if (r != CUDA_SUCCESS)
    return r;
  if (!paramOffset || !paramSize ||
      paramIndex >= cf_ptx_kernel_param_count(func->k) ||
      cf_ptx_kernel_param(func->k, (unsigned)paramIndex, &off, &size) != 0)
    r = CUDA_ERROR_INVALID_VALUE;
  else {
    *paramOffset = off;
    *paramSize = size;
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuFuncGetName(const char **name,
                                             CUfunction hfunc)
{
  CUresult r = cf__emu_lock_handle(hfunc, CF_EMU_KIND_FUNC);
  if (r != CUDA_SUCCESS)
    return r;
  if (!name)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *name = hfunc->name;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuFuncGetModule(CUmodule *hmod,
                                               CUfunction hfunc)
{
  CUresult r = cf__emu_lock_handle(hfunc, CF_EMU_KIND_FUNC);
  if (r != CUDA_SUCCESS)
    return r;
  if (!hmod)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *hmod = hfunc->mod;
  cf__emu_unlock();
  return r;
}
