/* The client stub as a program sees it before any server is involved: every
 * name CUDA 13's libcuda exports resolves; an unimplemented one answers
 * CUDA_ERROR_NOT_SUPPORTED; calls before cuInit answer
 * CUDA_ERROR_NOT_INITIALIZED; cuInit without a server is an honest
 * CUDA_ERROR_NO_DEVICE; error names come from the local table.
 * argv[1]: the stub (libcuda.so.1), argv[2]: the export list. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda.h>

#include "cf_test.h"

typedef CUresult (*init_fn)(unsigned int);
typedef CUresult (*ver_fn)(int *);
typedef CUresult (*count_fn)(int *);
typedef CUresult (*alloc_fn)(CUdeviceptr *, size_t);
typedef CUresult (*errname_fn)(CUresult, const char **);
typedef CUresult (*managed_fn)(CUdeviceptr *, size_t, unsigned int);

int main(int argc, char **argv)
{
  void *lib;
  FILE *f;
  char name[256];
  int n = 0, v = 0;
  const char *s = NULL;
  CUdeviceptr p;

  ASSERT_EQ(argc, 3);
  unsetenv("CUFERRY_SERVER");
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    CF_FAIL_("dlopen: %s", dlerror());

  ASSERT_NOT_NULL(f = fopen(argv[2], "r"));
  while (fscanf(f, "%255s", name) == 1) {
    if (!dlsym(lib, name))
      CF_FAIL_("%s is not exported", name);
    n++;
  }
  fclose(f);
  ASSERT_EQ(n, 637);
  ASSERT_NOT_NULL(dlsym(lib, "cuferry_client_stub"));

  /* before cuInit */
  ASSERT_EQ(((count_fn)dlsym(lib, "cuDeviceGetCount"))(&n), CUDA_ERROR_NOT_INITIALIZED);
  ASSERT_EQ(((alloc_fn)dlsym(lib, "cuMemAlloc_v2"))(&p, 16), CUDA_ERROR_NOT_INITIALIZED);
  ASSERT_EQ(((ver_fn)dlsym(lib, "cuDriverGetVersion"))(&v), CUDA_SUCCESS);
  ASSERT_GE(v, 13000);

  /* unimplemented, twice (logged once) */
  ASSERT_EQ(((managed_fn)dlsym(lib, "cuMemAllocManaged"))(NULL, 0, 0), CUDA_ERROR_NOT_SUPPORTED);
  ASSERT_EQ(((managed_fn)dlsym(lib, "cuMemAllocManaged"))(NULL, 0, 0), CUDA_ERROR_NOT_SUPPORTED);

  /* local error names */
  ASSERT_EQ(((errname_fn)dlsym(lib, "cuGetErrorName"))(CUDA_ERROR_INVALID_VALUE, &s), CUDA_SUCCESS);
  ASSERT_STR_EQ(s, "CUDA_ERROR_INVALID_VALUE");
  ASSERT_EQ(((errname_fn)dlsym(lib, "cuGetErrorString"))(CUDA_ERROR_OUT_OF_MEMORY, &s), CUDA_SUCCESS);
  ASSERT_STR_EQ(s, "out of memory");
  ASSERT_EQ(((errname_fn)dlsym(lib, "cuGetErrorName"))((CUresult)12345, &s), CUDA_ERROR_INVALID_VALUE);

  /* no server configured: an honest error, the same on every call */
  ASSERT_EQ(((init_fn)dlsym(lib, "cuInit"))(1), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(((init_fn)dlsym(lib, "cuInit"))(0), CUDA_ERROR_NO_DEVICE);
  ASSERT_EQ(((init_fn)dlsym(lib, "cuInit"))(0), CUDA_ERROR_NO_DEVICE);
  ASSERT_EQ(((alloc_fn)dlsym(lib, "cuMemAlloc_v2"))(&p, 16), CUDA_ERROR_NOT_INITIALIZED);
  dlclose(lib);
  printf("stub: 637 exports, unsupported, pre-init and no-server paths ok\n");
  return 0;
}
