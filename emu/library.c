/* Libraries and kernels (cuLibrary*, cuKernel*): the context-independent
 * loading API that cudart 12+ registers every module through.
 *
 * A library is loaded without a context. Its image (PTX text, a fatbin
 * container, or the 24-byte fatbin wrapper cudart passes) is decoded once,
 * at load, into lib->ptx; kernel handles are made then for every .entry.
 * Using the library in a context (cuKernelGetFunction, cuLibraryGetModule,
 * cuLibraryGetGlobal, or cuLaunchKernel given a CUkernel) makes that
 * context's instance: an ordinary module (module.c) in the context's module
 * list, with lib set, holding the context's own copy of the module
 * variables. Destroying the context frees its instance with its other
 * modules; unloading the library frees every instance, each after its
 * context's queued work has finished.
 *
 * The interpreter keeps a module's variable addresses in the decoded module
 * itself (cf_ptx_module_bind_var), so one decoded module serves every
 * context only when it has no variables. Otherwise the first instance binds
 * lib->ptx and each further context's instance decodes its own copy from the
 * PTX text kept for that purpose (decoding is load-time validation of
 * untrusted text, so the copy is as safe as the original).
 *
 * Kernel attributes set with cuKernelSetAttribute are device-wide: they are
 * kept on the kernel, given to each function made for it later, and written
 * to the functions that exist. (CUDA lets a cuFuncSetAttribute value win over
 * a later cuKernelSetAttribute; here the later call wins. Nothing we run
 * depends on that order.)
 *
 * All entry points hold the global lock for their whole body; unloading
 * drops it while it waits for queued work (queue.c). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"

/* Cap on library options per call, as on JIT options. */
#define MAX_LIBRARY_OPTIONS 64
/* Longest kernel name looked for in the text; nvcc's mangled names of
 * heavily templated kernels stay well under this. */
#define MAX_NAME_BYTES 4096

struct CUkern_st {
  struct cf_emu_obj hdr;
  struct CUlib_st *lib;
  struct CUkern_st *next;        /* in lib->kernels, in declaration order */
  const struct cf_ptx_kernel *k; /* in lib->ptx, for static queries */
  char *name;
  int max_dynamic_shared;        /* device-wide settings (cuKernelSet*) */
  int carveout;
};

struct CUlib_st {
  struct cf_emu_obj hdr;
  struct cf_ptx_module *ptx;     /* decoded at load */
  char *text;                    /* PTX text, kept only if ptx has variables */
  size_t text_len;
  unsigned nvars;
  uint64_t const_bytes;          /* .const bytes, for CONST_SIZE_BYTES */
  int ptx_bound;                 /* an instance's variables are bound in ptx */
  int unloading;                 /* cuLibraryUnload is waiting: no new use */
  struct CUkern_st *kernels, **kernels_tail;
  unsigned nkernels;
  struct cf_emu_link insts;      /* CUmod_st.lib_link */
};

/* ---- Kernels ------------------------------------------------------------ */

static CUkernel kernel_find(CUlibrary lib, const char *name)
{
  for (CUkernel k = lib->kernels; k; k = k->next)
    if (!strcmp(k->name, name))
      return k;
  return NULL;
}

/* The handle for .entry name of lib, made if the PTX has that entry.
 * CUDA_SUCCESS, NOT_FOUND or OUT_OF_MEMORY. */
static CUresult kernel_get(CUlibrary lib, const char *name, CUkernel *out)
{
  const struct cf_ptx_kernel *pk;
  CUkernel k;

  if ((*out = kernel_find(lib, name)))
    return CUDA_SUCCESS;
  if (!(pk = cf_ptx_module_kernel(lib->ptx, name)))
    return CUDA_ERROR_NOT_FOUND;
  if (!(k = calloc(1, sizeof *k)) || !(k->name = strdup(name)) ||
      cf__emu_handle_add(k, CF_EMU_KIND_KERNEL) != 0) {
    if (k)
      free(k->name);
    free(k);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  k->lib = lib;
  k->k = pk;
  k->max_dynamic_shared = cf__emu_default_max_dynamic_shared(pk);
  k->carveout = -1;
  *lib->kernels_tail = k;
  lib->kernels_tail = &k->next;
  lib->nkernels++;
  *out = k;
  return CUDA_SUCCESS;
}

static int ident_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '%';
}

static int space_char(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

/* Make a kernel handle for every ".entry NAME" of the text, in order, so
 * that cuLibraryEnumerateKernels sees them all. The interpreter offers no
 * list of its kernels, so the names come from the text, and each one is
 * kept only if the decoded module has that entry: a match inside a comment
 * or a string adds nothing. A name this misses is still found by
 * cuLibraryGetKernel, which asks the decoded module directly. */
static CUresult kernels_from_text(CUlibrary lib, const char *t, size_t len)
{
  static const char kw[] = ".entry";
  const size_t kwlen = sizeof kw - 1;
  char name[MAX_NAME_BYTES + 1];

  for (size_t i = 0; i + kwlen < len; i++) {
    if (t[i] != '.' || memcmp(t + i, kw, kwlen) != 0 ||
        (i > 0 && !space_char(t[i - 1])) || !space_char(t[i + kwlen]))
      continue;
    size_t j = i + kwlen, n = 0;
    while (j < len && space_char(t[j]))
      j++;
    while (j < len && ident_char(t[j]) && n < MAX_NAME_BYTES)
      name[n++] = t[j++];
    name[n] = '\0';
    i = j - 1;
    if (n == 0 || n == MAX_NAME_BYTES)
      continue;
    CUkernel k;
    CUresult r = kernel_get(lib, name, &k);
    if (r == CUDA_ERROR_OUT_OF_MEMORY)
      return r;
  }
  return CUDA_SUCCESS;
}

/* ---- Instances ---------------------------------------------------------- */

void cf__emu_library_forget(CUmodule m)
{
  if (m->ptx_shared && m->lib->nvars)
    m->lib->ptx_bound = 0;   /* the next context's instance may bind it */
  cf__emu_list_del(&m->lib_link);
  m->lib = NULL;
}

/* ctx's instance of lib, made on first use. Lock held; ctx usable. */
static CUresult instance(CUlibrary lib, CUcontext ctx, CUmodule *out)
{
  struct cf_ptx_module *ptx = lib->ptx;
  char err[512] = "";
  int shared = 1;
  CUmodule m;
  CUresult r;

  *out = NULL;
  if (lib->unloading)
    return CUDA_ERROR_INVALID_HANDLE;
  for (struct cf_emu_link *l = lib->insts.next; l != &lib->insts;
       l = l->next) {
    m = CF_EMU_CONTAINER(l, struct CUmod_st, lib_link);
    if (m->ctx == ctx) {
      *out = m;
      return CUDA_SUCCESS;
    }
  }
  if (lib->nvars && lib->ptx_bound) {
    /* lib->ptx holds another context's variable addresses. */
    int rc = cf_ptx_module_load(lib->text, lib->text_len, &ptx, err,
                                sizeof err);
    if (rc != 0)   /* it decoded at load, so only memory can run out */
      return rc == CF_ENOMEM ? CUDA_ERROR_OUT_OF_MEMORY
                             : CUDA_ERROR_INVALID_PTX;
    shared = 0;
  }
  if ((r = cf__emu_module_new(ctx, ptx, shared, &m, err, sizeof err)) !=
      CUDA_SUCCESS)
    return r;
  m->lib = lib;
  cf__emu_list_add(&lib->insts, &m->lib_link);
  if (shared && lib->nvars)
    lib->ptx_bound = 1;
  *out = m;
  return CUDA_SUCCESS;
}

CUresult cf__emu_kernel_function(CUcontext ctx, CUkernel k, CUfunction *out)
{
  CUmodule m;
  CUfunction f;
  int created;
  CUresult r;

  *out = NULL;
  if ((r = instance(k->lib, ctx, &m)) != CUDA_SUCCESS ||
      (r = cf__emu_module_function(m, k->name, &f, &created)) !=
          CUDA_SUCCESS)
    return r;
  if (created) {
    f->max_dynamic_shared = k->max_dynamic_shared;
    f->carveout = k->carveout;
  }
  *out = f;
  return CUDA_SUCCESS;
}

/* ---- Loading and unloading ---------------------------------------------- */

static void library_free(CUlibrary lib)
{
  CUkernel k = lib->kernels;
  while (k) {
    CUkernel next = k->next;
    cf__emu_handle_del(k);
    free(k->name);
    free(k);
    k = next;
  }
  cf_ptx_module_free(lib->ptx);
  free(lib->text);
  cf__emu_handle_del(lib);
  free(lib);
}

/* Library options. Both that CUDA defines are hints an emulator that copies
 * the PTX out of every image can ignore; unknown ones are ignored as
 * unknown JIT options are, so newer programs keep working. from_file: a
 * file's bytes are ours, so "the binary is preserved" makes no sense there
 * and CUDA refuses it. */
static CUresult library_opts(unsigned n, const CUlibraryOption *opts,
                             void **vals, int from_file)
{
  if (n > MAX_LIBRARY_OPTIONS || (n && (!opts || !vals)))
    return CUDA_ERROR_INVALID_VALUE;
  for (unsigned i = 0; i < n; i++)
    if (from_file && opts[i] == CU_LIBRARY_BINARY_IS_PRESERVED)
      return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

/* Decode the image and make the library with its kernel handles. size:
 * readable bytes at code, 0 when unknown. */
static CUresult library_load(CUlibrary *out, const void *code, size_t size,
                             char *err, size_t errlen)
{
  CUlibrary lib;
  CUresult r;

  *out = NULL;
  if (!(lib = calloc(1, sizeof *lib)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  cf__emu_list_init(&lib->insts);
  lib->kernels_tail = &lib->kernels;
  r = cf__emu_image_decode(code, size, "library image", &lib->ptx,
                           &lib->text, &lib->text_len, err, errlen);
  if (r != CUDA_SUCCESS) {
    free(lib);
    return r;
  }
  if (cf__emu_handle_add(lib, CF_EMU_KIND_LIBRARY) != 0) {
    cf_ptx_module_free(lib->ptx);
    free(lib->text);
    free(lib);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  if ((r = kernels_from_text(lib, lib->text, lib->text_len)) !=
      CUDA_SUCCESS) {
    library_free(lib);
    return r;
  }
  lib->nvars = cf_ptx_module_var_count(lib->ptx);
  for (unsigned i = 0; i < lib->nvars; i++) {
    const struct cf_ptx_var *v = cf_ptx_module_var(lib->ptx, i);
    if (v && v->is_const)
      lib->const_bytes += v->size;
  }
  if (!lib->nvars) {
    /* Every context shares lib->ptx: the text is not needed again. */
    free(lib->text);
    lib->text = NULL;
    lib->text_len = 0;
  }
  *out = lib;
  return CUDA_SUCCESS;
}

/* Both load entry points: check the options, load under the lock, fill
 * the JIT logs as cuModuleLoadDataEx does. */
static CUresult load_with_opts(CUlibrary *library, const void *code,
                               size_t size, CUjit_option *jitOptions,
                               void **jitOptionsValues, unsigned numJitOptions,
                               CUlibraryOption *libraryOptions,
                               void **libraryOptionValues,
                               unsigned numLibraryOptions, int from_file)
{
  struct cf_emu_jit_opts o;
  char err[512] = "", info[128] = "";
  CUresult r;

  if ((r = cf__emu_jit_opts_parse(numJitOptions, jitOptions, jitOptionsValues,
                                  &o)) != CUDA_SUCCESS ||
      (r = library_opts(numLibraryOptions, libraryOptions,
                        libraryOptionValues, from_file)) != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_lock_init()) != CUDA_SUCCESS)
    return r;
  r = library_load(library, code, size, err, sizeof err);
  cf__emu_unlock();
  if (r == CUDA_SUCCESS && o.verbose)
    snprintf(info, sizeof info, "cuferry-emu: PTX loaded for the CPU "
             "emulator (sm_%d%d); no machine code is generated",
             cf__emu_g.cfg.cc_major, cf__emu_g.cfg.cc_minor);
  cf__emu_jit_opts_report(&o, r == CUDA_SUCCESS ? "" : err, info);
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryLoadData(
    CUlibrary *library, const void *code, CUjit_option *jitOptions,
    void **jitOptionsValues, unsigned int numJitOptions,
    CUlibraryOption *libraryOptions, void **libraryOptionValues,
    unsigned int numLibraryOptions)
{
  if (library)
    *library = NULL;
  if (!library || !code) {
    CUresult r = cf__emu_lock_init();
    if (r != CUDA_SUCCESS)
      return r;
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_VALUE;
  }
  return load_with_opts(library, code, 0, jitOptions, jitOptionsValues,
                        numJitOptions, libraryOptions, libraryOptionValues,
                        numLibraryOptions, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryLoadFromFile(
    CUlibrary *library, const char *fileName, CUjit_option *jitOptions,
    void **jitOptionsValues, unsigned int numJitOptions,
    CUlibraryOption *libraryOptions, void **libraryOptionValues,
    unsigned int numLibraryOptions)
{
  CUresult r;
  char *buf;
  size_t n;

  if (library)
    *library = NULL;
  if ((r = cf__emu_lock_init()) != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!library || !fileName)
    return CUDA_ERROR_INVALID_VALUE;
  /* Bad options are refused before the file is read. */
  if ((r = library_opts(numLibraryOptions, libraryOptions,
                        libraryOptionValues, 1)) != CUDA_SUCCESS ||
      (r = cf__emu_read_file(fileName, &buf, &n)) != CUDA_SUCCESS)
    return r;
  r = load_with_opts(library, buf, n, jitOptions, jitOptionsValues,
                     numJitOptions, libraryOptions, libraryOptionValues,
                     numLibraryOptions, 1);
  free(buf);
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryUnload(CUlibrary library)
{
  CUresult r = cf__emu_lock_handle(library, CF_EMU_KIND_LIBRARY);
  if (r != CUDA_SUCCESS)
    return r;
  if (library->unloading) {   /* another thread is unloading it */
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_HANDLE;
  }
  library->unloading = 1;
  /* Free each instance once its context has no queued work (a launch of one
   * of its kernels may be queued or running). Waiting drops the lock, so
   * contexts may be destroyed (freeing their instances) meanwhile: look
   * again from the start after every wait. unloading keeps new instances
   * from appearing and other unloaders away. */
  for (;;) {
    struct cf_emu_link *l = library->insts.next;
    if (l == &library->insts)
      break;
    CUmodule m = CF_EMU_CONTAINER(l, struct CUmod_st, lib_link);
    if (m->ctx->pending == 0) {
      cf__emu_module_free(m);
      continue;
    }
    if ((r = cf__emu_ctx_wait(m->ctx)) != CUDA_SUCCESS) {
      library->unloading = 0;   /* a stream callback: still loaded */
      cf__emu_unlock();
      return r;
    }
  }
  library_free(library);
  cf__emu_unlock();
  return CUDA_SUCCESS;
}

/* ---- Library queries ---------------------------------------------------- */

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryGetKernel(CUkernel *pKernel,
                                                  CUlibrary library,
                                                  const char *name)
{
  CUresult r;

  if (pKernel)
    *pKernel = NULL;
  if ((r = cf__emu_lock_handle(library, CF_EMU_KIND_LIBRARY)) != CUDA_SUCCESS)
    return r;
  if (!pKernel || !name)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    r = kernel_get(library, name, pKernel);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryGetKernelCount(unsigned int *count,
                                                       CUlibrary lib)
{
  CUresult r = cf__emu_lock_handle(lib, CF_EMU_KIND_LIBRARY);
  if (r != CUDA_SUCCESS)
    return r;
  if (!count)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *count = lib->nkernels;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryEnumerateKernels(CUkernel *kernels,
                                                         unsigned int numKernels,
                                                         CUlibrary lib)
{
  CUresult r = cf__emu_lock_handle(lib, CF_EMU_KIND_LIBRARY);
  if (r != CUDA_SUCCESS)
    return r;
  if (!kernels || numKernels == 0) {
    r = CUDA_ERROR_INVALID_VALUE;
  } else {
    unsigned i = 0;
    for (CUkernel k = lib->kernels; k && i < numKernels; k = k->next)
      kernels[i++] = k;
  }
  cf__emu_unlock();
  return r;
}

/* Lock, check the current context and the library, and find the context's
 * instance. On CUDA_SUCCESS the lock is held. */
static CUresult lock_instance(CUlibrary lib, CUmodule *m)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(lib, CF_EMU_KIND_LIBRARY))
    r = CUDA_ERROR_INVALID_HANDLE;
  else
    r = instance(lib, ctx, m);
  if (r != CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryGetModule(CUmodule *pMod,
                                                  CUlibrary library)
{
  CUmodule m;
  CUresult r;

  if (pMod)
    *pMod = NULL;
  if ((r = lock_instance(library, &m)) != CUDA_SUCCESS)
    return r;
  if (!pMod)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *pMod = m;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryGetGlobal(CUdeviceptr *dptr,
                                                  size_t *bytes,
                                                  CUlibrary library,
                                                  const char *name)
{
  CUmodule m;
  CUresult r;

  if (!name) {
    if ((r = cf__emu_lock_handle(library, CF_EMU_KIND_LIBRARY)) !=
        CUDA_SUCCESS)
      return r;
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_VALUE;
  }
  if ((r = lock_instance(library, &m)) != CUDA_SUCCESS)
    return r;
  r = cf__emu_module_global(m, name, dptr, bytes);
  cf__emu_unlock();
  return r;
}

/* Managed variables need managed memory, which the emulator reports it does
 * not have (CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY 0); host-callable "unified"
 * functions do not exist for PTX we interpret. */
CF_EMU_EXPORT CUresult CUDAAPI cuLibraryGetManaged(CUdeviceptr *dptr,
                                                   size_t *bytes,
                                                   CUlibrary library,
                                                   const char *name)
{
  CUresult r = cf__emu_lock_handle(library, CF_EMU_KIND_LIBRARY);
  (void)dptr, (void)bytes, (void)name;
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  return CUDA_ERROR_NOT_SUPPORTED;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLibraryGetUnifiedFunction(void **fptr,
                                                           CUlibrary library,
                                                           const char *symbol)
{
  CUresult r = cf__emu_lock_handle(library, CF_EMU_KIND_LIBRARY);
  (void)symbol;
  if (fptr)
    *fptr = NULL;
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  return CUDA_ERROR_NOT_SUPPORTED;
}

/* ---- Kernel queries ----------------------------------------------------- */

CF_EMU_EXPORT CUresult CUDAAPI cuKernelGetFunction(CUfunction *pFunc,
                                                   CUkernel kernel)
{
  CUcontext ctx;
  CUresult r;

  if (pFunc)
    *pFunc = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(kernel, CF_EMU_KIND_KERNEL))
    r = CUDA_ERROR_INVALID_HANDLE;
  else if (!pFunc)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    r = cf__emu_kernel_function(ctx, kernel, pFunc);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuKernelGetLibrary(CUlibrary *pLib,
                                                  CUkernel kernel)
{
  CUresult r = cf__emu_lock_handle(kernel, CF_EMU_KIND_KERNEL);
  if (pLib && r != CUDA_SUCCESS)
    *pLib = NULL;
  if (r != CUDA_SUCCESS)
    return r;
  if (!pLib)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *pLib = kernel->lib;
  cf__emu_unlock();
  return r;
}

/* Lock and check a kernel handle and a device ordinal. */
static CUresult lock_kernel_dev(CUkernel kernel, CUdevice dev)
{
  CUresult r = cf__emu_lock_handle(kernel, CF_EMU_KIND_KERNEL);
  if (r == CUDA_SUCCESS && dev != 0) {
    cf__emu_unlock();
    r = CUDA_ERROR_INVALID_DEVICE;
  }
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuKernelGetAttribute(int *pi,
                                                    CUfunction_attribute attrib,
                                                    CUkernel kernel,
                                                    CUdevice dev)
{
  CUresult r = lock_kernel_dev(kernel, dev);
  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_func_attr_get(kernel->k, kernel->lib->const_bytes,
                            kernel->max_dynamic_shared, kernel->carveout,
                            attrib, pi);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuKernelSetAttribute(CUfunction_attribute attrib,
                                                    int val, CUkernel kernel,
                                                    CUdevice dev)
{
  CUresult r = lock_kernel_dev(kernel, dev);
  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_func_attr_set(kernel->k, &kernel->max_dynamic_shared,
                            &kernel->carveout, attrib, val);
  if (r == CUDA_SUCCESS) {
    /* Device-wide: the kernel's functions in every context follow. */
    CUlibrary lib = kernel->lib;
    for (struct cf_emu_link *l = lib->insts.next; l != &lib->insts;
         l = l->next) {
      CUmodule m = CF_EMU_CONTAINER(l, struct CUmod_st, lib_link);
      for (struct CUfunc_st *f = m->funcs; f; f = f->next)
        if (!strcmp(f->name, kernel->name)) {
          f->max_dynamic_shared = kernel->max_dynamic_shared;
          f->carveout = kernel->carveout;
        }
    }
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuKernelSetCacheConfig(CUkernel kernel,
                                                      CUfunc_cache config,
                                                      CUdevice dev)
{
  CUresult r = lock_kernel_dev(kernel, dev);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  /* A preference only; the emulator has no L1 to split. */
  return (unsigned)config > CU_FUNC_CACHE_PREFER_EQUAL
             ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuKernelGetName(const char **name,
                                               CUkernel hfunc)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (!name || !hfunc)   /* cuda.h: INVALID_VALUE for either NULL */
    r = CUDA_ERROR_INVALID_VALUE;
  else if (!cf__emu_handle_live(hfunc, CF_EMU_KIND_KERNEL))
    r = CUDA_ERROR_INVALID_HANDLE;
  else
    *name = hfunc->name;   /* valid until the library is unloaded */
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuKernelGetParamInfo(CUkernel kernel,
                                                    size_t paramIndex,
                                                    size_t *paramOffset,
                                                    size_t *paramSize)
{
  size_t off, size;
  CUresult r = cf__emu_lock_handle(kernel, CF_EMU_KIND_KERNEL);
  if (r != CUDA_SUCCESS)
    return r;
  /* paramSize may be NULL (cuda.h); paramOffset may not. */
  if (!paramOffset || paramIndex >= cf_ptx_kernel_param_count(kernel->k) ||
      cf_ptx_kernel_param(kernel->k, (unsigned)paramIndex, &off, &size) != 0)
    r = CUDA_ERROR_INVALID_VALUE;
  else {
    *paramOffset = off;
    if (paramSize)
      *paramSize = size;
  }
  cf__emu_unlock();
  return r;
}
