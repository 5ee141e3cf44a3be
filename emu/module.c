/* Modules and functions: loading PTX (from memory or a file) through the
 * interpreter's front end, allocating and initialising module variables in
 * device memory, kernel and variable lookup, function attributes and the
 * parameter layout the server marshals kernel arguments by.
 *
 * A module belongs to the context current at load; unloading it (or
 * destroying that context) frees its variables and its function handles.
 * Function handles are made once per kernel name and reused. Images are
 * untrusted: fatbin.c takes the PTX out of them (fatbin containers and
 * wrappers, PTX text; cubins are refused with a rebuild hint), and the front
 * end reports malformed or unsupported PTX with the line it stopped at. The
 * JIT options of cuModuleLoadDataEx (shared with cuLinkCreate) live here.
 * So do the pieces library.c builds a library's per-context modules from
 * (image decoding, module creation over decoded PTX, kernel and variable
 * lookup, the attribute rules); such a module is unloaded only with its
 * library or its context, and may share its decoded PTX with the library.
 *
 * All under the global lock. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"
#include "cf_module_loading.h"

#define MAX_IMAGE_BYTES      CF_EMU_MAX_IMAGE_BYTES

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
  if (m->lib)
    cf__emu_library_forget(m);  /* unlinks; a shared ptx stays the library's */
  if (m->ptx && !m->ptx_shared)
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

CUresult cf__emu_image_decode(const void *image, size_t size, const char *what,
                              struct cf_ptx_module **out, char **text,
                              size_t *text_len, char *err, size_t errlen)
{
  struct cf_emu_ptx_text t;
  CUresult r;
  int rc;

  *out = NULL;
  if (text)
    *text = NULL;
  if (text_len)
    *text_len = 0;
  r = cf__emu_image_ptx(image, size, what, &t, err, errlen);
  if (r == CUDA_ERROR_INVALID_IMAGE)
    cf_error("module load: %s", err);
  if (r != CUDA_SUCCESS)
    return r;   /* NO_BINARY_FOR_GPU was logged with its rebuild hint */
  if (text) {
    if (!(*text = malloc(t.len ? t.len : 1))) {
      cf__emu_ptx_text_free(&t);
      return CUDA_ERROR_OUT_OF_MEMORY;
    }
    memcpy(*text, t.text, t.len);
    *text_len = t.len;
  }
  rc = cf_ptx_module_load(t.text, t.len, out, err, errlen);
  cf__emu_ptx_text_free(&t);
  if (rc == 0)
    return CUDA_SUCCESS;
  *out = NULL;
  if (text) {
    free(*text);
    *text = NULL;
    *text_len = 0;
  }
  if (rc == CF_ENOMEM)
    return CUDA_ERROR_OUT_OF_MEMORY;
  cf_error("module load: %s", err[0] ? err : cf_strerror(rc));
  return CUDA_ERROR_INVALID_PTX;
}

CUresult cf__emu_module_new(CUcontext ctx, struct cf_ptx_module *ptx,
                            int shared, CUmodule *out, char *err,
                            size_t errlen)
{
  CUmodule m;
  CUresult r;

  *out = NULL;
  if (!(m = calloc(1, sizeof *m)) ||
      cf__emu_handle_add(m, CF_EMU_KIND_MODULE) != 0) {
    free(m);
    if (!shared)
      cf_ptx_module_free(ptx);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  m->ctx = ctx;
  m->ptx = ptx;
  m->ptx_shared = shared;
  cf__emu_list_init(&m->lib_link);
  cf__emu_list_add(&ctx->modules, &m->link);
  if ((r = bind_vars(ctx, m)) != CUDA_SUCCESS) {
    if (r == CUDA_ERROR_INVALID_PTX) {
      snprintf(err, errlen, "module variable alignment is not a power of "
               "two up to 1M");
      cf_error("module load: %s", err);
    }
    cf__emu_module_free(m);
    return r;
  }
  *out = m;
  return CUDA_SUCCESS;
}

/* Take the PTX out of the image (fatbin.c) and load it. size: readable
 * bytes at image, 0 when unknown. err receives the reason on failure. Lock
 * held; ctx usable. */
static CUresult load_image(CUcontext ctx, const void *image, size_t size,
                           CUmodule *out, char *err, size_t errlen)
{
  struct cf_ptx_module *ptx;
  CUresult r;

  *out = NULL;
  r = cf__emu_image_decode(image, size, "module image", &ptx, NULL, NULL,
                           err, errlen);
  if (r != CUDA_SUCCESS)
    return r;
  return cf__emu_module_new(ctx, ptx, 0, out, err, errlen);
}

static CUresult module_load(CUmodule *module, const void *image, size_t size,
                            char *err, size_t errlen)
{
  CUcontext ctx;
  CUresult r;

  if (module)
    *module = NULL;
  err[0] = '\0';
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!module || !image)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    r = load_image(ctx, image, size, module, err, errlen);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleLoadData(CUmodule *module,
                                                const void *image)
{
  char err[512];
  return module_load(module, image, 0, err, sizeof err);
}

/* A fatbin container or wrapper; like cuModuleLoadData, which accepts
 * those too, so PTX text is not refused here either. */
CF_EMU_EXPORT CUresult CUDAAPI cuModuleLoadFatBinary(CUmodule *module,
                                                     const void *fatCubin)
{
  char err[512];
  return module_load(module, fatCubin, 0, err, sizeof err);
}

/* ---- JIT options -------------------------------------------------------- */

CUresult cf__emu_jit_opts_parse(unsigned n, const CUjit_option *opts,
                                void **vals, struct cf_emu_jit_opts *o)
{
  memset(o, 0, sizeof *o);
  if (n > CF_EMU_MAX_JIT_OPTIONS || (n && (!opts || !vals)))
    return CUDA_ERROR_INVALID_VALUE;
  /* Options tune the JIT, which the emulator does not have; only the log
   * buffers and verbosity mean something here. Unknown options are ignored
   * rather than refused, so newer programs keep working. */
  for (unsigned i = 0; i < n; i++) {
    switch (opts[i]) {
    case CU_JIT_ERROR_LOG_BUFFER: o->elog = vals[i]; break;
    case CU_JIT_INFO_LOG_BUFFER: o->ilog = vals[i]; break;
    case CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES:
      o->elog_len = (unsigned)(uintptr_t)vals[i];
      o->elog_size_out = &vals[i];
      break;
    case CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES:
      o->ilog_len = (unsigned)(uintptr_t)vals[i];
      o->ilog_size_out = &vals[i];
      break;
    case CU_JIT_LOG_VERBOSE: o->verbose = (uintptr_t)vals[i] != 0; break;
    default: break;
    }
  }
  return CUDA_SUCCESS;
}

static void log_put(char *buf, size_t len, void **size_out, const char *msg)
{
  size_t n;
  if (!buf || len == 0)
    return;
  n = strlen(msg);
  if (n > len - 1)
    n = len - 1;
  memcpy(buf, msg, n);
  buf[n] = '\0';
  if (size_out)
    *size_out = (void *)(uintptr_t)(n + 1);
}

void cf__emu_jit_opts_report(const struct cf_emu_jit_opts *o, const char *err,
                             const char *info)
{
  log_put(o->elog, o->elog_len, o->elog_size_out, err ? err : "");
  log_put(o->ilog, o->ilog_len, o->ilog_size_out, info ? info : "");
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleLoadDataEx(CUmodule *module,
                                                  const void *image,
                                                  unsigned int numOptions,
                                                  CUjit_option *options,
                                                  void **optionValues)
{
  struct cf_emu_jit_opts o;
  char err[512], info[128] = "";
  CUresult r;

  if ((r = cf__emu_jit_opts_parse(numOptions, options, optionValues, &o)) !=
      CUDA_SUCCESS) {
    if (module)
      *module = NULL;
    return r;
  }
  r = module_load(module, image, 0, err, sizeof err);
  if (r == CUDA_SUCCESS && o.verbose)
    snprintf(info, sizeof info, "cuferry-emu: PTX loaded for the CPU "
             "emulator (sm_%d%d); no machine code is generated",
             cf__emu_g.cfg.cc_major, cf__emu_g.cfg.cc_minor);
  cf__emu_jit_opts_report(&o, r == CUDA_SUCCESS ? "" : err, info);
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleGetLoadingMode(CUmoduleLoadingMode *mode)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!mode)
    return CUDA_ERROR_INVALID_VALUE;
  /* Modules load when asked either way; only the answer changes, so that
   * cudart picks the same strategy it would on a GPU. */
  *mode = cf_module_loading_mode();
  return CUDA_SUCCESS;
}

CUresult cf__emu_read_file(const char *fname, char **out, size_t *len)
{
  CUresult r = CUDA_SUCCESS;
  FILE *f;
  char *buf = NULL;
  size_t n = 0, cap = 0;

  *out = NULL;
  *len = 0;
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
  if (n == 0) {
    r = CUDA_ERROR_INVALID_IMAGE;
    goto out;
  }
  /* Binary images carry their own size; pad so the magic check can read
   * four bytes and the text check sees a terminator. */
  memset(buf + n, 0, 4);  /* cap - n > 4096 when the loop ends */
  *out = buf;
  *len = n;
  buf = NULL;
out:
  fclose(f);
  free(buf);
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleLoad(CUmodule *module,
                                            const char *fname)
{
  char err[512];
  CUresult r;
  char *buf;
  size_t n;

  if (module)
    *module = NULL;
  if ((r = cf__emu_lock_init()) != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!module || !fname)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__emu_read_file(fname, &buf, &n)) != CUDA_SUCCESS)
    return r;
  r = module_load(module, buf, n, err, sizeof err);
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
  if (hmod->lib) {
    /* cuLibraryGetModule's modules go with their library (cuda.h). */
    cf__emu_unlock();
    return CUDA_ERROR_NOT_PERMITTED;
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

int cf__emu_default_max_dynamic_shared(const struct cf_ptx_kernel *k)
{
  struct cf_ptx_kernel_info info;
  cf_ptx_kernel_get_info(k, &info);
  return info.static_shared_bytes >= CF_EMU_SHARED_PER_BLOCK
             ? 0
             : (int)(CF_EMU_SHARED_PER_BLOCK - info.static_shared_bytes);
}

CUresult cf__emu_module_function(CUmodule m, const char *name, CUfunction *out,
                                 int *created)
{
  struct CUfunc_st *f;
  const struct cf_ptx_kernel *k;

  *out = NULL;
  if (created)
    *created = 0;
  for (f = m->funcs; f; f = f->next)
    if (!strcmp(f->name, name)) {
      *out = f;
      return CUDA_SUCCESS;
    }
  if (!(k = cf_ptx_module_kernel(m->ptx, name)))
    return CUDA_ERROR_NOT_FOUND;
  if (!(f = calloc(1, sizeof *f)) || !(f->name = strdup(name)) ||
      cf__emu_handle_add(f, CF_EMU_KIND_FUNC) != 0) {
    if (f)
      free(f->name);
    free(f);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  f->mod = m;
  f->k = k;
  f->max_dynamic_shared = cf__emu_default_max_dynamic_shared(k);
  f->carveout = -1;
  f->next = m->funcs;
  m->funcs = f;
  *out = f;
  if (created)
    *created = 1;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleGetFunction(CUfunction *hfunc,
                                                   CUmodule hmod,
                                                   const char *name)
{
  CUcontext ctx;
  CUresult r;

  if (hfunc)
    *hfunc = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(hmod, CF_EMU_KIND_MODULE))
    r = CUDA_ERROR_INVALID_HANDLE;
  else if (!hfunc || !name)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    r = cf__emu_module_function(hmod, name, hfunc, NULL);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuModuleGetFunctionCount(unsigned int *count, CUmodule mod)
{
  CUcontext ctx;
  CUresult r;

  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(mod, CF_EMU_KIND_MODULE))
    r = CUDA_ERROR_INVALID_HANDLE;
  else if (!count)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *count = cf_ptx_module_entry_count(mod->ptx);
  cf__emu_unlock();
  return r;
}

/* The module's entry functions in declaration order, each made as
 * cuModuleGetFunction would make it. */
CF_EMU_EXPORT CUresult CUDAAPI cuModuleEnumerateFunctions(CUfunction *functions,
                                                          unsigned int numFunctions,
                                                          CUmodule mod)
{
  CUcontext ctx;
  CUresult r;

  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(mod, CF_EMU_KIND_MODULE)) {
    r = CUDA_ERROR_INVALID_HANDLE;
  } else if (!functions || numFunctions == 0) {
    r = CUDA_ERROR_INVALID_VALUE;
  } else {
    const struct cf_ptx_kernel *k;

    for (unsigned i = 0; r == CUDA_SUCCESS && i < numFunctions &&
                         (k = cf_ptx_module_entry(mod->ptx, i));
         i++)
      r = cf__emu_module_function(mod, cf_ptx_kernel_name(k), &functions[i], NULL);
  }
  cf__emu_unlock();
  return r;
}

CUresult cf__emu_module_global(CUmodule m, const char *name, CUdeviceptr *dptr,
                               size_t *bytes)
{
  for (unsigned i = 0; i < m->nvars; i++) {
    const struct cf_ptx_var *v = cf_ptx_module_var(m->ptx, i);
    if (v && v->name && !strcmp(v->name, name)) {
      if (dptr)
        *dptr = (CUdeviceptr)m->var_addr[i];
      if (bytes)
        *bytes = (size_t)v->size;
      return CUDA_SUCCESS;
    }
  }
  return CUDA_ERROR_NOT_FOUND;
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
  else
    r = cf__emu_module_global(hmod, name, dptr, bytes);
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

CUresult cf__emu_func_attr_get(const struct cf_ptx_kernel *k,
                               uint64_t const_bytes, int max_dynamic_shared,
                               int carveout, CUfunction_attribute attrib,
                               int *out)
{
  struct cf_ptx_kernel_info info;
  int v = 0;

  cf_ptx_kernel_get_info(k, &info);
  switch (attrib) {
  case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
    v = (int)(info.max_threads_per_block && info.max_threads_per_block <
                                                CF_EMU_MAX_THREADS
                  ? info.max_threads_per_block : CF_EMU_MAX_THREADS);
    break;
  case CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: v = (int)info.static_shared_bytes; break;
  case CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES: v = (int)const_bytes; break;
  case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: v = (int)info.local_bytes; break;
  case CU_FUNC_ATTRIBUTE_NUM_REGS: v = reported_regs(&info); break;
  case CU_FUNC_ATTRIBUTE_PTX_VERSION: v = (int)info.ptx_version; break;
  case CU_FUNC_ATTRIBUTE_BINARY_VERSION:
    /* What the PTX was "JIT-compiled" for: this device. */
    v = cf__emu_g.cfg.cc_major * 10 + cf__emu_g.cfg.cc_minor;
    break;
  case CU_FUNC_ATTRIBUTE_CACHE_MODE_CA: v = 0; break;
  case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
    v = max_dynamic_shared;
    break;
  case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT: v = carveout; break;
  case CU_FUNC_ATTRIBUTE_CLUSTER_SIZE_MUST_BE_SET:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH:
  case CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED:
  case CU_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
    v = 0;
    break;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (!out)
    return CUDA_ERROR_INVALID_VALUE;
  *out = v;
  return CUDA_SUCCESS;
}

CUresult cf__emu_func_attr_set(const struct cf_ptx_kernel *k,
                               int *max_dynamic_shared, int *carveout,
                               CUfunction_attribute attrib, int value)
{
  struct cf_ptx_kernel_info info;

  cf_ptx_kernel_get_info(k, &info);
  switch (attrib) {
  case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
    if (value < 0 ||
        (uint64_t)value + info.static_shared_bytes > CF_EMU_SHARED_OPTIN)
      return CUDA_ERROR_INVALID_VALUE;
    *max_dynamic_shared = value;
    return CUDA_SUCCESS;
  case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
    if (value < -1 || value > 100)
      return CUDA_ERROR_INVALID_VALUE;
    *carveout = value;
    return CUDA_SUCCESS;
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT:
  case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH:
  case CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED:
  case CU_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
    /* Accepted; clusters are not emulated and launches ignore them. */
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;  /* read-only or unknown */
  }
}

CF_EMU_EXPORT CUresult CUDAAPI cuFuncGetAttribute(int *pi,
                                                  CUfunction_attribute attrib,
                                                  CUfunction hfunc)
{
  CUresult r = cf__emu_lock_handle(hfunc, CF_EMU_KIND_FUNC);
  int v = 0;

  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_func_attr_get(hfunc->k, hfunc->mod->const_bytes,
                            hfunc->max_dynamic_shared, hfunc->carveout,
                            attrib, &v);
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
  CUresult r = cf__emu_lock_handle(hfunc, CF_EMU_KIND_FUNC);

  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_func_attr_set(hfunc->k, &hfunc->max_dynamic_shared,
                            &hfunc->carveout, attrib, value);
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
