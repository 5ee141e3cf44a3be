/* cuGetProcAddress answers exactly what NVIDIA's driver answers for the 439
 * look-ups cudart 13 makes at start-up (tests/unit/client/
 * cudart13-lookups.txt, measured against a logging libcuda): for each name,
 * requested cudaVersion and flags, the address of the same exported symbol.
 * Plus the refusals: unknown names, versions older than a function, bad
 * arguments. argv[1]: the stub, argv[2]: the look-up list. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <cuda.h>

#include "cf_test.h"

typedef CUresult (*getproc_fn)(const char *, void **, int, cuuint64_t,
                               CUdriverProcAddressQueryResult *);

int main(int argc, char **argv)
{
  void *lib, *p, *want;
  getproc_fn getproc;
  CUdriverProcAddressQueryResult st;
  char line[512], name[128], sym[128];
  int ver, flags, n = 0, idx;
  FILE *f;

  ASSERT_EQ(argc, 3);
  if (!(lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)))
    CF_FAIL_("dlopen: %s", dlerror());
  ASSERT_NOT_NULL(getproc = (getproc_fn)dlsym(lib, "cuGetProcAddress_v2"));
  ASSERT_NOT_NULL(f = fopen(argv[2], "r"));
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || sscanf(line, "%d %127s %d %d %127s", &idx, name, &ver, &flags, sym) != 5 ||
        name[0] == '(')
      continue;
    p = NULL;
    st = (CUdriverProcAddressQueryResult)-1;
    if (getproc(name, &p, ver, (cuuint64_t)flags, &st) != CUDA_SUCCESS || !p ||
        st != CU_GET_PROC_ADDRESS_SUCCESS)
      CF_FAIL_("%s at %d flags %d: not found", name, ver, flags);
    /* GL/EGL/VDPAU names are not exported by CUDA 13's libcuda either: they
     * answer with an internal NOT_SUPPORTED stub. */
    want = dlsym(lib, sym);
    if (want && p != want)
      CF_FAIL_("%s at %d flags %d: not %s", name, ver, flags, sym);
    n++;
  }
  fclose(f);
  ASSERT_EQ(n, 439);

  ASSERT_EQ(getproc("cuNoSuchFunction", &p, 13000, 0, &st), CUDA_ERROR_NOT_FOUND);
  ASSERT_NULL(p);
  ASSERT_EQ(st, CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND);
  ASSERT_EQ(getproc("cuCtxCreate", &p, 1000, 0, &st), CUDA_ERROR_NOT_FOUND);
  ASSERT_EQ(st, CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT);
  ASSERT_EQ(getproc("cuCtxCreate", &p, 12050, 0, &st), CUDA_SUCCESS);
  ASSERT(p == dlsym(lib, "cuCtxCreate_v4"));
  ASSERT_EQ(getproc("cuCtxCreate", &p, 12040, 0, &st), CUDA_SUCCESS);
  ASSERT(p == dlsym(lib, "cuCtxCreate_v3"));
  ASSERT_EQ(getproc("cuMemcpyHtoD", &p, 13000, CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM,
                    &st), CUDA_SUCCESS);
  ASSERT(p == dlsym(lib, "cuMemcpyHtoD_v2_ptds"));
  ASSERT_EQ(getproc("cuMemcpyHtoD", &p, 13000, 4, &st), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(getproc(NULL, &p, 13000, 0, &st), CUDA_ERROR_INVALID_VALUE);
  dlclose(lib);
  printf("cuGetProcAddress: %d cudart look-ups answered as NVIDIA's driver does\n", n);
  return 0;
}
