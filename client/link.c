/* JIT linking (cuLink*): the server links, with its driver's linker, and
 * the linked image comes back in a second call once its size is known. The
 * stub keeps the image until cuLinkDestroy, as the driver would, so the
 * program can hand it to cuModuleLoadData. JIT options are not forwarded:
 * log buffers the program passes are left empty, and the rest take the
 * server driver's defaults. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "cf_log.h"
#include "internal.h"

struct image {
  struct image *next;
  CUlinkState state;
  void *data;
};

static struct image *images;
static pthread_mutex_t images_lock = PTHREAD_MUTEX_INITIALIZER;

/* Empty every log buffer among the options, so a program printing the JIT
 * log prints nothing stale. */
static void clear_logs(unsigned n, const CUjit_option *opt, void **val)
{
  for (unsigned i = 0; opt && val && i < n; i++)
    if ((opt[i] == CU_JIT_INFO_LOG_BUFFER || opt[i] == CU_JIT_ERROR_LOG_BUFFER) && val[i])
      *(char *)val[i] = '\0';
}

CF_EXPORT CUresult CUDAAPI cuLinkCreate_v2(unsigned int numOptions, CUjit_option *options,
                                           void **optionValues, CUlinkState *stateOut)
{
  clear_logs(numOptions, options, optionValues);
  if (numOptions)
    cf_debug("cuLinkCreate: %u JIT option(s) not forwarded", numOptions);
  return cf__rpc_cuLinkCreate_v2(stateOut);
}

CF_EXPORT CUresult CUDAAPI cuLinkAddData_v2(CUlinkState state, CUjitInputType type, void *data,
                                            size_t size, const char *name,
                                            unsigned int numOptions, CUjit_option *options,
                                            void **optionValues)
{
  clear_logs(numOptions, options, optionValues);
  return cf__rpc_cuLinkAddData_v2(state, type, data, size, name);
}

CF_EXPORT CUresult CUDAAPI cuLinkAddFile_v2(CUlinkState state, CUjitInputType type,
                                            const char *path, unsigned int numOptions,
                                            CUjit_option *options, void **optionValues)
{
  uint8_t *buf;
  size_t len;
  CUresult r;

  clear_logs(numOptions, options, optionValues);
  if (!path)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__client_read_file(path, &buf, &len)) != CUDA_SUCCESS)
    return r;
  r = cf__rpc_cuLinkAddData_v2(state, type, buf, len, path);
  free(buf);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuLinkComplete(CUlinkState state, void **cubinOut, size_t *sizeOut)
{
  struct image *img;
  size_t size = 0;
  CUresult r;

  if (!cubinOut || !sizeOut)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__rpc_cuLinkComplete(state, &size)) != CUDA_SUCCESS)
    return r;
  if (!(img = calloc(1, sizeof *img)) || !(img->data = malloc(size ? size : 1))) {
    free(img);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  if ((r = cf__rpc_cfLinkGetImage(state, img->data, size)) != CUDA_SUCCESS) {
    free(img->data);
    free(img);
    return r;
  }
  img->state = state;
  pthread_mutex_lock(&images_lock);
  img->next = images;
  images = img;
  pthread_mutex_unlock(&images_lock);
  *cubinOut = img->data;
  *sizeOut = size;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuLinkDestroy(CUlinkState state)
{
  struct image **link, *dead = NULL;
  CUresult r = cf__rpc_cuLinkDestroy(state);

  if (r != CUDA_SUCCESS)
    return r;
  pthread_mutex_lock(&images_lock);
  for (link = &images; *link;) {
    if ((*link)->state == state) {
      struct image *img = *link;
      *link = img->next;
      img->next = dead;
      dead = img;
    } else
      link = &(*link)->next;
  }
  pthread_mutex_unlock(&images_lock);
  while (dead) {
    struct image *next = dead->next;
    free(dead->data);
    free(dead);
    dead = next;
  }
  return CUDA_SUCCESS;
}
