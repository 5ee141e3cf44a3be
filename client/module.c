/* Module and library images: cuModuleLoad and cuLibraryLoadFromFile read the
 * file here and ship its bytes; cuModuleLoadData(Ex) and cuLibraryLoadData
 * work out how long the image is (PTX text, a fatbin container or wrapper,
 * an ELF cubin) so that exactly those bytes travel; image.c sends them, once
 * per session. */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "cf_log.h"
#include "cf_module_loading.h"
#include "internal.h"


static uint64_t get_le(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* Whether the image starts with these bytes; reads no further than the first
 * byte that differs, so a short PTX string is never over-read. */
static int starts_with(const uint8_t *b, const uint8_t *magic, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (b[i] != magic[i])
      return 0;
  return 1;
}

static const uint8_t fatbin_magic[4] = { 0x50, 0xed, 0x55, 0xba };
static const uint8_t wrapper_magic[4] = { 0xb1, 0x43, 0x62, 0x46 };

/* The image a wrapper points to (the container), or the image itself. A
 * wrapper's pointer means nothing on the server, so the container travels. */
static const uint8_t *unwrap(const uint8_t *b)
{
  const void *container;
  if (!starts_with(b, wrapper_magic, 4))
    return b;
  memcpy(&container, b + 8, sizeof container);
  return container;
}

/* Bytes of the image at b: a fatbin container, an ELF cubin or PTX text
 * with its NUL. The image is the caller's memory and is trusted as CUDA
 * trusts it; the server checks whatever arrives. */
static size_t image_size(const uint8_t *b)
{
  if (starts_with(b, fatbin_magic, 4))
    return (size_t)(get_le(b + 6, 2) + get_le(b + 8, 8));
  if (starts_with(b, (const uint8_t *)ELFMAG, SELFMAG)) {
    Elf64_Ehdr eh;
    size_t end = sizeof eh;
    memcpy(&eh, b, sizeof eh);
    if ((size_t)eh.e_shoff + (size_t)eh.e_shnum * eh.e_shentsize > end)
      end = (size_t)eh.e_shoff + (size_t)eh.e_shnum * eh.e_shentsize;
    if ((size_t)eh.e_phoff + (size_t)eh.e_phnum * eh.e_phentsize > end)
      end = (size_t)eh.e_phoff + (size_t)eh.e_phnum * eh.e_phentsize;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
      Elf64_Shdr sh;
      memcpy(&sh, b + eh.e_shoff + (size_t)i * sizeof sh, sizeof sh);
      if (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > end)
        end = sh.sh_offset + sh.sh_size;
    }
    return end;
  }
  return strlen((const char *)b) + 1; /* PTX text and its NUL */
}

CF_EXPORT CUresult CUDAAPI cuModuleLoadData(CUmodule *module, const void *image)
{
  const uint8_t *b;
  if (!module || !image)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(b = unwrap(image)))
    return CUDA_ERROR_INVALID_IMAGE;
  return cf__image_load(module, NULL, b, image_size(b));
}

CF_EXPORT CUresult CUDAAPI cuModuleLoadDataEx(CUmodule *module, const void *image,
                                              unsigned int numOptions, CUjit_option *options,
                                              void **optionValues)
{
  /* JIT options tune or report on compilation; the emulator and the server
   * use their defaults, so the options are accepted and not forwarded. */
  (void)options;
  (void)optionValues;
  if (numOptions)
    cf_debug("ignoring %u JIT option(s)", numOptions);
  return cuModuleLoadData(module, image);
}

CUresult cf__client_read_file(const char *path, uint8_t **out, size_t *len_out)
{
  FILE *f;
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, max = cf__session_max_bulk();

  *out = NULL;
  *len_out = 0;
  if (!(f = fopen(path, "rb")))
    return errno == ENOENT ? CUDA_ERROR_FILE_NOT_FOUND : CUDA_ERROR_INVALID_VALUE;
  for (;;) {
    size_t got;
    if (cap - len < 65536) {
      uint8_t *nb;
      cap = cap ? cap * 2 : 65536;
      if (cap > max + 1 || !(nb = realloc(buf, cap + 1))) {
        fclose(f);
        free(buf);
        return cap > max + 1 ? CUDA_ERROR_INVALID_IMAGE : CUDA_ERROR_OUT_OF_MEMORY;
      }
      buf = nb;
    }
    got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0)
      break;
  }
  fclose(f);
  if (len == 0) {
    free(buf);
    return CUDA_ERROR_INVALID_IMAGE;
  }
  buf[len] = '\0'; /* PTX files carry no NUL of their own */
  *out = buf;
  *len_out = len + 1;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuModuleLoad(CUmodule *module, const char *fname)
{
  uint8_t *buf;
  size_t len;
  CUresult r;

  if (!module || !fname)
    return CUDA_ERROR_INVALID_VALUE;
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if ((r = cf__client_read_file(fname, &buf, &len)) != CUDA_SUCCESS)
    return r;
  r = cf__image_load(module, NULL, buf, len);
  free(buf);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuModuleLoadFatBinary(CUmodule *module, const void *fatCubin)
{
  return cuModuleLoadData(module, fatCubin);
}

/* Libraries (cudart's way of loading its fatbins): the same images as
 * modules, context-independent on the server. JIT and library options tune
 * or report on loading; the server uses its driver's defaults. */
CF_EXPORT CUresult CUDAAPI cuLibraryLoadData(CUlibrary *library, const void *code,
                                             CUjit_option *jitOptions, void **jitOptionsValues,
                                             unsigned int numJitOptions,
                                             CUlibraryOption *libraryOptions,
                                             void **libraryOptionValues,
                                             unsigned int numLibraryOptions)
{
  const uint8_t *b;

  (void)jitOptions, (void)jitOptionsValues, (void)libraryOptions, (void)libraryOptionValues;
  if (numJitOptions || numLibraryOptions)
    cf_debug("ignoring %u JIT and %u library option(s)", numJitOptions, numLibraryOptions);
  if (!library || !code)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(b = unwrap(code)))
    return CUDA_ERROR_INVALID_IMAGE;
  return cf__image_load(NULL, library, b, image_size(b));
}

CF_EXPORT CUresult CUDAAPI cuLibraryLoadFromFile(CUlibrary *library, const char *fileName,
                                                 CUjit_option *jitOptions,
                                                 void **jitOptionsValues,
                                                 unsigned int numJitOptions,
                                                 CUlibraryOption *libraryOptions,
                                                 void **libraryOptionValues,
                                                 unsigned int numLibraryOptions)
{
  uint8_t *buf;
  size_t len;
  CUresult r;

  (void)jitOptions, (void)jitOptionsValues, (void)libraryOptions, (void)libraryOptionValues;
  (void)numJitOptions, (void)numLibraryOptions;
  if (!library || !fileName)
    return CUDA_ERROR_INVALID_VALUE;
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if ((r = cf__client_read_file(fileName, &buf, &len)) != CUDA_SUCCESS)
    return r;
  r = cf__image_load(NULL, library, buf, len);
  free(buf);
  return r;
}

/* The kernels travel as the server's 64-bit handle ids, which are what a
 * CUkernel is on the client. */
CF_EXPORT CUresult CUDAAPI cuLibraryEnumerateKernels(CUkernel *kernels, unsigned int numKernels,
                                                     CUlibrary lib)
{
  uint64_t small[64] = { 0 }, *ids = small;
  CUresult r;

  if (!kernels || numKernels == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (numKernels > sizeof small / sizeof small[0] &&
      !(ids = calloc(numKernels, sizeof *ids)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  r = cf__rpc_cuLibraryEnumerateKernels(ids, numKernels, lib, (size_t)numKernels * sizeof *ids);
  if (r == CUDA_SUCCESS)
    for (unsigned i = 0; i < numKernels; i++)
      kernels[i] = (CUkernel)(uintptr_t)le64toh(ids[i]);
  if (ids != small)
    free(ids);
  return r;
}

/* The program's environment is here, not on the server (see
 * common/cf_module_loading.h). */
CF_EXPORT CUresult CUDAAPI cuModuleGetLoadingMode(CUmoduleLoadingMode *mode)
{
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!mode)
    return CUDA_ERROR_INVALID_VALUE;
  *mode = cf_module_loading_mode();
  return CUDA_SUCCESS;
}
