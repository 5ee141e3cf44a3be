/* Module images: cuModuleLoad reads the file here and ships its bytes;
 * cuModuleLoadData(Ex) works out how long the image is (PTX text, a fatbin
 * container or wrapper, an ELF cubin) so that exactly those bytes travel. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "cf_log.h"
#include "internal.h"

#define FATBIN_MAGIC 0xBA55ED50u
#define FATBIN_WRAPPER_MAGIC 0x466243b1u
#define FATBIN_HEADER_SIZE 16

/* Bytes of the image at p, or 0 when its kind is not recognised. The image
 * is the caller's memory and is trusted as CUDA trusts it. */
static size_t image_size(const void *p)
{
  const uint8_t *b = p;
  uint32_t magic;
  uint64_t body;

  memcpy(&magic, b, sizeof magic);
  if (magic == FATBIN_WRAPPER_MAGIC) {
    const void *container;
    memcpy(&container, b + 8, sizeof container);
    return container ? image_size(container) : 0;
  }
  if (magic == FATBIN_MAGIC) {
    memcpy(&body, b + 8, sizeof body);
    return FATBIN_HEADER_SIZE + (size_t)body;
  }
  if (!memcmp(b, ELFMAG, SELFMAG)) {
    Elf64_Ehdr eh;
    size_t end;
    memcpy(&eh, b, sizeof eh);
    end = (size_t)eh.e_shoff + (size_t)eh.e_shnum * eh.e_shentsize;
    if ((size_t)eh.e_phoff + (size_t)eh.e_phnum * eh.e_phentsize > end)
      end = (size_t)eh.e_phoff + (size_t)eh.e_phnum * eh.e_phentsize;
    return end > sizeof eh ? end : sizeof eh;
  }
  return strlen(p) + 1; /* PTX text and its NUL */
}

/* The image travels unwrapped: a fatbin wrapper holds a pointer that means
 * nothing on the server, so its container is sent instead. */
static const void *unwrap(const void *image)
{
  uint32_t magic;
  memcpy(&magic, image, sizeof magic);
  if (magic == FATBIN_WRAPPER_MAGIC) {
    const void *container;
    memcpy(&container, (const uint8_t *)image + 8, sizeof container);
    return container;
  }
  return image;
}

CF_EXPORT CUresult CUDAAPI cuModuleLoadData(CUmodule *module, const void *image)
{
  size_t n;
  if (!module || !image)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(n = image_size(image)) || !(image = unwrap(image)))
    return CUDA_ERROR_INVALID_IMAGE;
  return cf__rpc_cuModuleLoadData(module, image, n);
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

CF_EXPORT CUresult CUDAAPI cuModuleLoad(CUmodule *module, const char *fname)
{
  FILE *f;
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, max = cf__session_max_bulk();
  CUresult r;

  if (!module || !fname)
    return CUDA_ERROR_INVALID_VALUE;
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!(f = fopen(fname, "rb")))
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
  r = cf__rpc_cuModuleLoadData(module, buf, len + 1);
  free(buf);
  return r;
}
