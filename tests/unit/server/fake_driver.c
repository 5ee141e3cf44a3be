/* A tiny fake CUDA driver for the server's tests: just enough of the driver
 * API for cuferryd's worker to build a welcome and serve a few calls
 * (contexts with per-thread stacks, a module with one function whose
 * parameter layout is fixed, a launch that checks its arguments). It lets
 * the supervisor/worker path be tested without the emulator or a GPU.
 * Built with -DFAKE_STUB it also exports cuferry_client_stub, posing as
 * cuferry's own client stub, which cuferryd must refuse.
 *
 * Single-threaded (the worker is); state is file-static. */
#include <stdio.h>
#include <string.h>

#include <cuda.h>

#define FAKE_EXPORT __attribute__((visibility("default")))

/* CUDA 13's cuda.h no longer declares cuCtxCreate_v2 (the library still
 * exports it, and cuferry forwards it). */
FAKE_EXPORT CUresult cuCtxCreate_v2(CUcontext *c, unsigned int flags,
                                    CUdevice d);

#ifdef FAKE_STUB
FAKE_EXPORT extern const int cuferry_client_stub;
const int cuferry_client_stub = 1;
#endif

/* The fake device. */
#define FAKE_MEM ((size_t)6 << 30)

static int inited;

/* Contexts are addresses inside this array; 0 is the primary context. */
static char ctx_objs[16];
static int ctx_used[16];
static CUcontext stack[16];
static int depth;

/* The one module and function. */
static char module_obj, function_obj;

FAKE_EXPORT CUresult cuInit(unsigned int flags)
{
  if (flags)
    return CUDA_ERROR_INVALID_VALUE;
  inited = 1;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDriverGetVersion(int *v)
{
  *v = 12080;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetCount(int *n)
{
  *n = inited ? 1 : 0;
  return inited ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED;
}

FAKE_EXPORT CUresult cuDeviceGet(CUdevice *d, int ordinal)
{
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *d = 0;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice d)
{
  if (d != 0 || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  strncpy(name, "cuferry fake GPU", (size_t)len - 1);
  name[len - 1] = '\0';
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice d)
{
  (void)d;
  *bytes = FAKE_MEM;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetAttribute(int *v, CUdevice_attribute a,
                                          CUdevice d)
{
  (void)d;
  switch (a) {
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: *v = 1024; break;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: *v = 1024; break;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: *v = 64; break;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: *v = 0x7fffffff; break;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: *v = 65535; break;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: *v = 65535; break;
  case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *v = 32; break;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 8; break;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 6; break;
  case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 7; break;
  default:
    /* Unknown to the fake: answered as a real driver does for attributes
     * it does not have. */
    if ((int)a >= 100)
      return CUDA_ERROR_INVALID_VALUE;
    *v = (int)a;
    break;
  }
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetUuid_v2(CUuuid *u, CUdevice d)
{
  (void)d;
  for (int i = 0; i < 16; i++)
    u->bytes[i] = (char)(0xa0 + i);
  return CUDA_SUCCESS;
}

static int ctx_index(CUcontext c)
{
  char *p = (char *)c;

  if (p < ctx_objs || p >= ctx_objs + 16 || !ctx_used[p - ctx_objs])
    return -1;
  return (int)(p - ctx_objs);
}

FAKE_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice d)
{
  if (d != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  ctx_used[0] = 1;
  *c = (CUcontext)&ctx_objs[0];
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxCreate_v2(CUcontext *c, unsigned int flags,
                                    CUdevice d)
{
  (void)flags;
  (void)d;
  for (int i = 1; i < 16; i++) {
    if (ctx_used[i])
      continue;
    ctx_used[i] = 1;
    *c = (CUcontext)&ctx_objs[i];
    if (depth == 16)
      return CUDA_ERROR_OUT_OF_MEMORY;
    stack[depth++] = *c;
    return CUDA_SUCCESS;
  }
  return CUDA_ERROR_OUT_OF_MEMORY;
}

FAKE_EXPORT CUresult cuCtxDestroy_v2(CUcontext c)
{
  int i = ctx_index(c);

  if (i <= 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  ctx_used[i] = 0;
  if (depth && stack[depth - 1] == c)
    depth--;
  return CUDA_SUCCESS;
}

/* Prints like a device printf would: through stdio, left unflushed. */
FAKE_EXPORT CUresult cuCtxSynchronize(void)
{
  printf("fake device output %d\n", depth);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxGetCurrent(CUcontext *c)
{
  *c = depth ? stack[depth - 1] : NULL;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxSetCurrent(CUcontext c)
{
  if (c && ctx_index(c) < 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!c) {
    if (depth)
      depth--;
    return CUDA_SUCCESS;
  }
  if (depth)
    stack[depth - 1] = c;
  else
    stack[depth++] = c;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxPushCurrent_v2(CUcontext c)
{
  if (ctx_index(c) < 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (depth == 16)
    return CUDA_ERROR_OUT_OF_MEMORY;
  stack[depth++] = c;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxPopCurrent_v2(CUcontext *c)
{
  if (!depth)
    return CUDA_ERROR_INVALID_CONTEXT;
  depth--;
  if (c)
    *c = stack[depth];
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuModuleLoadData(CUmodule *m, const void *image)
{
  if (!depth)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (strcmp(image, "fake module") != 0)
    return CUDA_ERROR_INVALID_IMAGE;
  *m = (CUmodule)&module_obj;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuModuleUnload(CUmodule m)
{
  return m == (CUmodule)&module_obj ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

FAKE_EXPORT CUresult cuModuleGetFunction(CUfunction *f, CUmodule m,
                                         const char *name)
{
  if (m != (CUmodule)&module_obj)
    return CUDA_ERROR_INVALID_HANDLE;
  if (strcmp(name, "kern") != 0)
    return CUDA_ERROR_NOT_FOUND;
  *f = (CUfunction)&function_obj;
  return CUDA_SUCCESS;
}

/* kern(uint64_t a, uint32_t b, double c): offsets 0, 8, 16. */
static const size_t param_off[] = { 0, 8, 16 };
static const size_t param_size[] = { 8, 4, 8 };

FAKE_EXPORT CUresult cuFuncGetParamInfo(CUfunction f, size_t i, size_t *off,
                                        size_t *size)
{
  if (f != (CUfunction)&function_obj)
    return CUDA_ERROR_INVALID_HANDLE;
  if (i >= 3)
    return CUDA_ERROR_INVALID_VALUE;
  *off = param_off[i];
  *size = param_size[i];
  return CUDA_SUCCESS;
}

/* Succeeds only for a = 0x1122334455667788, b = 42, c = 2.5 on a 2x1x1 grid
 * of 32x1x1 blocks: proof that the server built kernelParams right. */
FAKE_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy,
                                    unsigned gz, unsigned bx, unsigned by,
                                    unsigned bz, unsigned shmem, CUstream s,
                                    void **params, void **extra)
{
  uint64_t a;
  uint32_t b;
  double c;

  (void)shmem;
  (void)s;
  if (f != (CUfunction)&function_obj)
    return CUDA_ERROR_INVALID_HANDLE;
  if (!depth)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (extra || !params || gx != 2 || gy != 1 || gz != 1 || bx != 32 ||
      by != 1 || bz != 1)
    return CUDA_ERROR_INVALID_VALUE;
  memcpy(&a, params[0], sizeof a);
  memcpy(&b, params[1], sizeof b);
  memcpy(&c, params[2], sizeof c);
  if (a != 0x1122334455667788ULL || b != 42 || c != 2.5)
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuGetErrorName(CUresult r, const char **s)
{
  *s = r == CUDA_SUCCESS ? "CUDA_SUCCESS" : "CUDA_ERROR_FAKE";
  return CUDA_SUCCESS;
}
