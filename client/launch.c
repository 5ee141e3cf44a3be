/* cuLaunchKernel: check what can be checked here (dimensions against the
 * device's limits, argument forms), pack the kernel's arguments by their
 * real sizes and offsets, and forward the launch. cuLaunchKernelEx and
 * cuLaunchCooperativeKernel become this launch when their extras are
 * trivial or mere hints (see launch_ex_attrs).
 *
 * A kernel's parameter layout comes from the server once per function
 * (cfFuncGetParamLayout) and is cached here; function handles are never
 * reused within a session, so the cache cannot go stale. */
#include <endian.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "cf_curesult.h"
#include "internal.h"

#define LAYOUT_BUCKETS 256
#define LAYOUT_FIRST_GUESS 64 /* parameters asked for in the first query */
#define MAX_PARAM_BYTES 32764 /* CUDA's limit on a kernel's parameters */

struct layout {
  struct layout *next;
  CUfunction f;
  unsigned count;
  size_t bytes;          /* packed size: max offset + size */
  uint32_t (*param)[2];  /* offset, size */
};

static struct layout *layouts[LAYOUT_BUCKETS];
static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned bucket(CUfunction f)
{
  return (unsigned)(((uintptr_t)f >> 4) % LAYOUT_BUCKETS);
}

static CUresult fetch_layout(CUfunction f, struct layout **out)
{
  unsigned want = LAYOUT_FIRST_GUESS, count = 0;
  uint8_t *raw = NULL;
  struct layout *l;
  CUresult r;

  for (;;) {
    uint8_t *nr = realloc(raw, (size_t)want * 8);
    if (!nr) {
      free(raw);
      return CUDA_ERROR_OUT_OF_MEMORY;
    }
    raw = nr;
    r = cf__rpc_cfFuncGetParamLayout(f, &count, raw, (size_t)want * 8);
    if (r != CUDA_SUCCESS || count <= want)
      break;
    if (count > MAX_PARAM_BYTES) {
      r = CUDA_ERROR_INVALID_VALUE;
      break;
    }
    want = count;
  }
  if (r != CUDA_SUCCESS || !(l = calloc(1, sizeof *l))) {
    free(raw);
    return r != CUDA_SUCCESS ? r : CUDA_ERROR_OUT_OF_MEMORY;
  }
  l->f = f;
  l->count = count;
  l->param = (uint32_t (*)[2])raw;
  for (unsigned i = 0; i < count; i++) {
    uint32_t off, size;
    memcpy(&off, raw + 8 * i, 4);
    memcpy(&size, raw + 8 * i + 4, 4);
    off = le32toh(off);
    size = le32toh(size);
    l->param[i][0] = off;
    l->param[i][1] = size;
    if ((size_t)off + size > l->bytes)
      l->bytes = (size_t)off + size;
  }
  if (l->bytes > MAX_PARAM_BYTES) {
    free(raw);
    free(l);
    return CUDA_ERROR_INVALID_VALUE;
  }
  *out = l;
  return CUDA_SUCCESS;
}

static CUresult get_layout(CUfunction f, const struct layout **out)
{
  struct layout *l, *fresh = NULL;
  unsigned b = bucket(f);
  CUresult r;

  pthread_mutex_lock(&layout_lock);
  for (l = layouts[b]; l && l->f != f; l = l->next)
    ;
  pthread_mutex_unlock(&layout_lock);
  if (l) {
    *out = l;
    return CUDA_SUCCESS;
  }
  if ((r = fetch_layout(f, &fresh)) != CUDA_SUCCESS)
    return r;
  pthread_mutex_lock(&layout_lock);
  fresh->next = layouts[b];
  layouts[b] = fresh;
  pthread_mutex_unlock(&layout_lock);
  *out = fresh;
  return CUDA_SUCCESS;
}

/* The dimensions checks the device would make, from its cached attributes. */
static CUresult check_dims(const unsigned grid[3], const unsigned block[3])
{
  static const int grid_attr[3] = { CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X,
                                    CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y,
                                    CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z };
  static const int block_attr[3] = { CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X,
                                     CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y,
                                     CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z };
  int max;
  uint64_t threads = (uint64_t)block[0] * block[1] * block[2];

  for (int i = 0; i < 3; i++) {
    if (grid[i] == 0 || block[i] == 0)
      return CF_CUDA_ERROR_INVALID_CONFIGURATION;
    if (cf__device_attribute(0, grid_attr[i], &max) == CUDA_SUCCESS && max > 0 &&
        grid[i] > (unsigned)max)
      return CF_CUDA_ERROR_INVALID_CONFIGURATION;
    if (cf__device_attribute(0, block_attr[i], &max) == CUDA_SUCCESS && max > 0 &&
        block[i] > (unsigned)max)
      return CF_CUDA_ERROR_INVALID_CONFIGURATION;
  }
  if (cf__device_attribute(0, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &max) == CUDA_SUCCESS &&
      max > 0 && threads > (uint64_t)max)
    return CF_CUDA_ERROR_INVALID_CONFIGURATION;
  return CUDA_SUCCESS;
}

/* The argument buffer given through `extra`, or an error. */
static CUresult parse_extra(void **extra, const void **buf, size_t *len)
{
  int have_size = 0;
  *buf = NULL;
  *len = 0;
  for (size_t i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
    if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER)
      *buf = extra[i + 1];
    else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE && extra[i + 1]) {
      *len = *(size_t *)extra[i + 1];
      have_size = 1;
    } else
      return CUDA_ERROR_INVALID_VALUE;
  }
  if (!*buf || !have_size || *len > MAX_PARAM_BYTES)
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
                                          unsigned int gridDimZ, unsigned int blockDimX,
                                          unsigned int blockDimY, unsigned int blockDimZ,
                                          unsigned int sharedMemBytes, CUstream hStream,
                                          void **kernelParams, void **extra)
{
  const unsigned grid[3] = { gridDimX, gridDimY, gridDimZ };
  const unsigned block[3] = { blockDimX, blockDimY, blockDimZ };
  const struct layout *l;
  uint8_t small[256], *args = small;
  const void *buf;
  size_t len;
  CUresult r;

  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  if ((r = check_dims(grid, block)) != CUDA_SUCCESS)
    return r;
  if (kernelParams && extra)
    return CUDA_ERROR_INVALID_VALUE;
  if (extra) {
    if ((r = parse_extra(extra, &buf, &len)) != CUDA_SUCCESS)
      return r;
    return cf__rpc_cuLaunchKernel(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY,
                                  blockDimZ, sharedMemBytes, hStream, buf, len);
  }
  if ((r = get_layout(f, &l)) != CUDA_SUCCESS)
    return r;
  if (l->count && !kernelParams)
    return CUDA_ERROR_INVALID_VALUE;
  if (l->bytes > sizeof small && !(args = calloc(1, l->bytes)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (args == small)
    memset(small, 0, sizeof small); /* padding between arguments */
  for (unsigned i = 0; i < l->count; i++) {
    if (!kernelParams[i]) {
      r = CUDA_ERROR_INVALID_VALUE;
      goto out;
    }
    memcpy(args + l->param[i][0], kernelParams[i], l->param[i][1]);
  }
  r = cf__rpc_cuLaunchKernel(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
                             sharedMemBytes, hStream, args, l->bytes);
out:
  if (args != small)
    free(args);
  return r;
}

/* The launch attributes a plain launch honours: hints (priority, access
 * policy, carveout, scheduling and sync-domain preferences) are dropped,
 * which the driver may do too; programmatic stream serialisation may be
 * refused, keeping strict stream order; a 1x1x1 cluster and cooperative = 0
 * change nothing. Real clusters, cooperative launches (the device attribute
 * COOPERATIVE_LAUNCH says 0), events recorded by the launch and graph-only
 * attributes answer CUDA_ERROR_NOT_SUPPORTED. */
static CUresult launch_ex_attrs(const CUlaunchAttribute *attrs, unsigned n)
{
  if (n && !attrs)
    return CUDA_ERROR_INVALID_VALUE;
  for (unsigned i = 0; i < n; i++) {
    const CUlaunchAttributeValue *v = &attrs[i].value;
    switch (attrs[i].id) {
    case CU_LAUNCH_ATTRIBUTE_IGNORE:
    case CU_LAUNCH_ATTRIBUTE_ACCESS_POLICY_WINDOW:
    case CU_LAUNCH_ATTRIBUTE_SYNCHRONIZATION_POLICY:
    case CU_LAUNCH_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
    case CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION:
    case CU_LAUNCH_ATTRIBUTE_PRIORITY:
    case CU_LAUNCH_ATTRIBUTE_MEM_SYNC_DOMAIN_MAP:
    case CU_LAUNCH_ATTRIBUTE_MEM_SYNC_DOMAIN:
    case CU_LAUNCH_ATTRIBUTE_PREFERRED_CLUSTER_DIMENSION:
    case CU_LAUNCH_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
      break;
    case CU_LAUNCH_ATTRIBUTE_COOPERATIVE:
      if (v->cooperative)
        return CUDA_ERROR_NOT_SUPPORTED;
      break;
    case CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION:
      if (v->clusterDim.x > 1 || v->clusterDim.y > 1 || v->clusterDim.z > 1)
        return CUDA_ERROR_NOT_SUPPORTED;
      break;
    case CU_LAUNCH_ATTRIBUTE_DEVICE_UPDATABLE_KERNEL_NODE:
      if (v->deviceUpdatableKernelNode.deviceUpdatable)
        return CUDA_ERROR_NOT_SUPPORTED;
      break;
    default: /* launch-completion and programmatic events, newer ids */
      return CUDA_ERROR_NOT_SUPPORTED;
    }
  }
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuLaunchKernelEx(const CUlaunchConfig *config, CUfunction f,
                                            void **kernelParams, void **extra)
{
  CUresult r;
  if (!config)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = launch_ex_attrs(config->attrs, config->numAttrs)) != CUDA_SUCCESS)
    return r;
  return cuLaunchKernel(f, config->gridDimX, config->gridDimY, config->gridDimZ,
                        config->blockDimX, config->blockDimY, config->blockDimZ,
                        config->sharedMemBytes, config->hStream, kernelParams, extra);
}

/* The per-thread-default-stream forms: a NULL stream is the calling
 * thread's default stream (CU_STREAM_PER_THREAD on the server). */
CUresult CUDAAPI cuLaunchKernel_ptsz(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
                                     unsigned int gridDimZ, unsigned int blockDimX,
                                     unsigned int blockDimY, unsigned int blockDimZ,
                                     unsigned int sharedMemBytes, CUstream hStream,
                                     void **kernelParams, void **extra);
CF_EXPORT CUresult CUDAAPI cuLaunchKernel_ptsz(CUfunction f, unsigned int gridDimX,
                                               unsigned int gridDimY, unsigned int gridDimZ,
                                               unsigned int blockDimX, unsigned int blockDimY,
                                               unsigned int blockDimZ, unsigned int sharedMemBytes,
                                               CUstream hStream, void **kernelParams, void **extra)
{
  return cuLaunchKernel(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
                        sharedMemBytes, hStream ? hStream : CU_STREAM_PER_THREAD, kernelParams,
                        extra);
}

CF_EXPORT CUresult CUDAAPI cuLaunchKernelEx_ptsz(const CUlaunchConfig *config, CUfunction f,
                                                 void **kernelParams, void **extra)
{
  CUlaunchConfig c;
  if (!config)
    return CUDA_ERROR_INVALID_VALUE;
  c = *config;
  if (!c.hStream)
    c.hStream = CU_STREAM_PER_THREAD;
  return cuLaunchKernelEx(&c, f, kernelParams, extra);
}

/* A cooperative launch needs all blocks resident at once and grid-wide
 * synchronisation, which neither the emulator nor a forwarded launch
 * promises: NOT_SUPPORTED, as the device attribute COOPERATIVE_LAUNCH = 0
 * announces. */
CF_EXPORT CUresult CUDAAPI cuLaunchCooperativeKernel(CUfunction f, unsigned int gridDimX,
                                                     unsigned int gridDimY, unsigned int gridDimZ,
                                                     unsigned int blockDimX, unsigned int blockDimY,
                                                     unsigned int blockDimZ,
                                                     unsigned int sharedMemBytes, CUstream hStream,
                                                     void **kernelParams)
{
  (void)f, (void)gridDimX, (void)gridDimY, (void)gridDimZ, (void)blockDimX, (void)blockDimY;
  (void)blockDimZ, (void)sharedMemBytes, (void)hStream, (void)kernelParams;
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  return CUDA_ERROR_NOT_SUPPORTED;
}

CF_EXPORT CUresult CUDAAPI cuLaunchCooperativeKernel_ptsz(
  CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
  unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
  unsigned int sharedMemBytes, CUstream hStream, void **kernelParams)
{
  return cuLaunchCooperativeKernel(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY,
                                   blockDimZ, sharedMemBytes,
                                   hStream ? hStream : CU_STREAM_PER_THREAD, kernelParams);
}
