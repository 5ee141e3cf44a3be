/* Libraries and kernels as frameworks enumerate them, each with its error
 * cases: a library of two kernels and a global, loaded from PTX text;
 * cuLibraryGetKernelCount and cuLibraryEnumerateKernels, cuKernelGetName and
 * cuFuncGetName (the names must stay valid and be the same pointer on a
 * second call), a launch through a CUkernel and through its CUfunction,
 * cuLibraryGetGlobal, cuKernelSetCacheConfig, cuFuncSetSharedMemConfig, and
 * cuCtxDetach. Bad handles are an unloaded library and its kernels.
 * Lookups by name come in the hundreds, as cudart makes them (the stub
 * answers them from a table of the library's kernels: client/
 * kernel_table.c), with a name the library lacks, and again after the
 * library is loaded anew. The same image as a module: its functions
 * counted, listed and looked up by name in the hundreds, and looked up
 * again after the module, or the context holding it, has gone.
 *
 * usage: library
 *
 * The digest covers every code checked, so a stub run and an emulator run
 * must agree on all of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

/* cuFuncSetSharedMemConfig and cuCtxDetach are deprecated, not gone: old
 * programs still call them. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static const char lib_ptx[] =
  CF_HOST_PTX_HEADER
  ".global .align 4 .u32 gcount;\n"
  CF_HOST_PTX_FILL("k_fill")
  ".visible .entry k_count()\n"
  "{\n"
  "  .reg .u32 %r<2>;\n"
  "  atom.global.add.u32 %r1, [gcount], 1;\n"
  "  ret;\n"
  "}\n";

#define EXPECT CF_EXPECT_CODE

/* Many lookups by name: always the same kernel for a name; NOT_FOUND for
 * a name the library lacks (a prefix of one it has, one it has with more
 * after it, ""); INVALID_VALUE without a name or an out pointer. */
static void lookups(struct cf_host *h, CUlibrary lib, CUkernel kfill, CUkernel kcount)
{
  int wrong = 0;

  for (int i = 0; i < 300; i++) {
    CUkernel k = NULL;

    wrong += cuLibraryGetKernel(&k, lib, i % 2 ? "k_fill" : "k_count") != CUDA_SUCCESS ||
             k != (i % 2 ? kfill : kcount);
  }
  for (int i = 0; i < 2; i++) {
    CUkernel k = NULL;

    wrong += cuLibraryGetKernel(&k, lib, i ? "k_fil" : "k_fill_") != CUDA_ERROR_NOT_FOUND;
  }
  cf_host_result(h, wrong == 0, "300 lookups by name", "%d wrong", wrong);
  EXPECT(h, cuLibraryGetKernel(&kfill, lib, ""), CUDA_ERROR_NOT_FOUND);
  EXPECT(h, cuLibraryGetKernel(&kfill, lib, NULL), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuLibraryGetKernel(NULL, lib, "k_fill"), CUDA_ERROR_INVALID_VALUE);
}

/* The library's image as a module: two functions, counted and listed in
 * declaration order under their names, found by name many times (the same
 * handle as listed), NOT_FOUND for a name it lacks, run through; after
 * cuModuleUnload every lookup says INVALID_HANDLE. */
static void module_functions(struct cf_host *h, CUdeviceptr d)
{
  CUmodule m = NULL;
  CUfunction fs[3] = { 0 }, f = NULL;
  unsigned count = 0, v = 5, out[32];
  const char *name = NULL;
  int wrong = 0;
  void *args[] = { &d, &v };

  CF_CHECK(h, cuModuleLoadData(&m, lib_ptx));
  EXPECT(h, cuModuleGetFunctionCount(&count, m), CUDA_SUCCESS);
  cf_host_result(h, count == 2, "a module of two functions", "count %u", count);
  EXPECT(h, cuModuleGetFunctionCount(NULL, m), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuModuleEnumerateFunctions(fs, 0, m), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuModuleEnumerateFunctions(fs, 3, m), CUDA_SUCCESS);
  EXPECT(h, cuFuncGetName(&name, fs[0]), CUDA_SUCCESS);
  cf_host_result(h, name && !strcmp(name, "k_fill") && !fs[2], "listed in declaration order",
                 "first '%s', third %p", name ? name : "(null)", (void *)fs[2]);
  for (int i = 0; i < 300; i++) {
    wrong += cuModuleGetFunction(&f, m, i % 2 ? "k_fill" : "k_count") != CUDA_SUCCESS ||
             f != fs[i % 2 ? 0 : 1];
  }
  cf_host_result(h, wrong == 0, "300 function lookups by name", "%d wrong", wrong);
  EXPECT(h, cuModuleGetFunction(&f, m, "k_fil"), CUDA_ERROR_NOT_FOUND);
  EXPECT(h, cuModuleGetFunction(&f, m, NULL), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuModuleGetFunction(&f, m, "k_fill"), CUDA_SUCCESS);
  EXPECT(h, cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL), CUDA_SUCCESS);
  CF_CHECK(h, cuMemcpyDtoH(out, d, sizeof out));
  cf_host_result(h, out[0] == 5 && out[31] == 36, "launch through a function found by name",
                 "out[0] %u out[31] %u", out[0], out[31]);
  CF_CHECK(h, cuModuleUnload(m));
  EXPECT(h, cuModuleGetFunction(&f, m, "k_fill"), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(h, cuModuleGetFunctionCount(&count, m), CUDA_ERROR_INVALID_HANDLE);
}

int main(void)
{
  struct cf_host h;
  CUlibrary lib = NULL;
  CUkernel ks[4] = { 0 }, kfill = NULL, kcount = NULL;
  CUfunction ffill = NULL;
  CUdeviceptr d = 0, g = 0;
  const char *n1 = NULL, *n2 = NULL;
  unsigned count = 0, v = 100, out[32], gcount = 0;
  size_t gbytes = 0;
  int fill_seen = 0, count_seen = 0;

  cf_host_open(&h, "library", NULL);

  /* The loading mode follows the program's CUDA_MODULE_LOADING. */
  CUmoduleLoadingMode mode = CU_MODULE_EAGER_LOADING;
  const char *lm = getenv("CUDA_MODULE_LOADING");
  EXPECT(&h, cuModuleGetLoadingMode(&mode), CUDA_SUCCESS);
  cf_host_result(&h, mode == (lm && !strcmp(lm, "EAGER") ? CU_MODULE_EAGER_LOADING
                                                          : CU_MODULE_LAZY_LOADING),
                 "loading mode", "mode %d, CUDA_MODULE_LOADING %s", (int)mode, lm ? lm : "unset");
  EXPECT(&h, cuModuleGetLoadingMode(NULL), CUDA_ERROR_INVALID_VALUE);
  CF_CHECK(&h, cuLibraryLoadData(&lib, lib_ptx, NULL, NULL, 0, NULL, NULL, 0));

  /* Counting and listing. */
  EXPECT(&h, cuLibraryGetKernelCount(&count, lib), CUDA_SUCCESS);
  cf_host_result(&h, count == 2, "two kernels", "count %u", count);
  EXPECT(&h, cuLibraryGetKernelCount(NULL, lib), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuLibraryEnumerateKernels(ks, 0, lib), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuLibraryEnumerateKernels(NULL, 2, lib), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuLibraryEnumerateKernels(ks, 2, lib), CUDA_SUCCESS);
  for (int i = 0; i < 2; i++) {
    const char *name = NULL;
    EXPECT(&h, cuKernelGetName(&name, ks[i]), CUDA_SUCCESS);
    if (name && strcmp(name, "k_fill") == 0)
      fill_seen++;
    if (name && strcmp(name, "k_count") == 0)
      count_seen++;
  }
  cf_host_result(&h, fill_seen == 1 && count_seen == 1, "enumerated names",
                 "k_fill seen %d, k_count seen %d", fill_seen, count_seen);

  /* Names by kernel and by function, stable pointers. */
  EXPECT(&h, cuLibraryGetKernel(&kfill, lib, "k_fill"), CUDA_SUCCESS);
  EXPECT(&h, cuLibraryGetKernel(&kcount, lib, "k_count"), CUDA_SUCCESS);
  cf_host_result(&h, kfill == ks[0] || kfill == ks[1], "GetKernel gives an enumerated kernel",
                 "%p not in {%p, %p}", (void *)kfill, (void *)ks[0], (void *)ks[1]);
  EXPECT(&h, cuKernelGetName(&n1, kfill), CUDA_SUCCESS);
  EXPECT(&h, cuKernelGetName(&n2, kfill), CUDA_SUCCESS);
  cf_host_result(&h, n1 && n1 == n2 && strcmp(n1, "k_fill") == 0, "cuKernelGetName",
                 "'%s' at %p then %p", n1 ? n1 : "(null)", (const void *)n1, (const void *)n2);
  EXPECT(&h, cuKernelGetName(NULL, kfill), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuKernelGetFunction(&ffill, kfill), CUDA_SUCCESS);
  n1 = n2 = NULL;
  EXPECT(&h, cuFuncGetName(&n1, ffill), CUDA_SUCCESS);
  EXPECT(&h, cuFuncGetName(&n2, ffill), CUDA_SUCCESS);
  cf_host_result(&h, n1 && n1 == n2 && strcmp(n1, "k_fill") == 0, "cuFuncGetName",
                 "'%s' at %p then %p", n1 ? n1 : "(null)", (const void *)n1, (const void *)n2);
  EXPECT(&h, cuFuncGetName(NULL, ffill), CUDA_ERROR_INVALID_VALUE);
  lookups(&h, lib, kfill, kcount);

  /* Launches through the kernel and through its function; the global. */
  CF_CHECK(&h, cuMemAlloc(&d, sizeof out));
  void *fill_args[] = { &d, &v };
  EXPECT(&h, cuLaunchKernel((CUfunction)kfill, 1, 1, 1, 32, 1, 1, 0, NULL, fill_args, NULL),
         CUDA_SUCCESS);
  CF_CHECK(&h, cuMemcpyDtoH(out, d, sizeof out));
  cf_host_result(&h, out[0] == 100 && out[31] == 131, "launch through the CUkernel",
                 "out[0] %u out[31] %u", out[0], out[31]);
  v = 7;
  EXPECT(&h, cuLaunchKernel(ffill, 1, 1, 1, 32, 1, 1, 0, NULL, fill_args, NULL), CUDA_SUCCESS);
  CF_CHECK(&h, cuMemcpyDtoH(out, d, sizeof out));
  cf_host_result(&h, out[0] == 7 && out[31] == 38, "launch through its CUfunction",
                 "out[0] %u out[31] %u", out[0], out[31]);
  cf_host_digest("fill", out, sizeof out);
  EXPECT(&h, cuLaunchKernel((CUfunction)kcount, 4, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL),
         CUDA_SUCCESS);
  EXPECT(&h, cuLibraryGetGlobal(&g, &gbytes, lib, "gcount"), CUDA_SUCCESS);
  CF_CHECK(&h, cuMemcpyDtoH(&gcount, g, sizeof gcount));
  cf_host_result(&h, gcount == 128 && gbytes == 4, "the library's global counted 128",
                 "gcount %u, %zu bytes", gcount, gbytes);

  /* Preferences. */
  EXPECT(&h, cuKernelSetCacheConfig(kfill, CU_FUNC_CACHE_PREFER_SHARED, h.dev), CUDA_SUCCESS);
  EXPECT(&h, cuKernelSetCacheConfig(kfill, (CUfunc_cache)99, h.dev), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuFuncSetSharedMemConfig(ffill, CU_SHARED_MEM_CONFIG_FOUR_BYTE_BANK_SIZE),
         CUDA_SUCCESS);
  EXPECT(&h, cuFuncSetSharedMemConfig(ffill, (CUsharedconfig)7), CUDA_ERROR_INVALID_VALUE);

  /* After unloading, every handle of the library is gone, its module and
   * the module of its kernel's function included. */
  CUmodule lmod = NULL, fmod = NULL;
  CUfunction f2 = NULL;
  EXPECT(&h, cuLibraryGetModule(&lmod, lib), CUDA_SUCCESS);
  EXPECT(&h, cuFuncGetModule(&fmod, ffill), CUDA_SUCCESS);
  CF_CHECK(&h, cuLibraryUnload(lib));
  EXPECT(&h, cuModuleGetFunction(&f2, lmod, "k_fill"), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuModuleGetFunction(&f2, fmod, "k_fill"), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuFuncGetName(&n1, ffill), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuLibraryGetKernelCount(&count, lib), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuLibraryEnumerateKernels(ks, 2, lib), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuKernelGetName(&n1, kfill), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuKernelSetCacheConfig(kfill, CU_FUNC_CACHE_PREFER_L1, h.dev),
         CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuLibraryGetKernel(&kfill, lib, "k_fill"), CUDA_ERROR_INVALID_HANDLE);

  /* Loaded anew: its kernels are found again, and run. */
  CF_CHECK(&h, cuLibraryLoadData(&lib, lib_ptx, NULL, NULL, 0, NULL, NULL, 0));
  EXPECT(&h, cuLibraryGetKernel(&kfill, lib, "k_fill"), CUDA_SUCCESS);
  EXPECT(&h, cuLibraryGetKernel(&kcount, lib, "k_nothing"), CUDA_ERROR_NOT_FOUND);
  v = 9;
  EXPECT(&h, cuLaunchKernel((CUfunction)kfill, 1, 1, 1, 32, 1, 1, 0, NULL, fill_args, NULL),
         CUDA_SUCCESS);
  CF_CHECK(&h, cuMemcpyDtoH(out, d, sizeof out));
  cf_host_result(&h, out[0] == 9 && out[31] == 40, "launch after loading anew",
                 "out[0] %u out[31] %u", out[0], out[31]);
  CF_CHECK(&h, cuLibraryUnload(lib));

  module_functions(&h, d);

  /* cuCtxDetach ends a context made by cuCtxCreate; its module goes with it. */
  CUcontext c2 = NULL;
  CUmodule m2 = NULL;
  CUfunction f3 = NULL;
  unsigned api = 0;
  CF_CHECK(&h, cuCtxCreate(&c2, NULL, 0, h.dev));
  CF_CHECK(&h, cuModuleLoadData(&m2, lib_ptx));
  EXPECT(&h, cuModuleGetFunction(&f3, m2, "k_fill"), CUDA_SUCCESS);
  EXPECT(&h, cuCtxDetach(c2), CUDA_SUCCESS);
  EXPECT(&h, cuCtxGetApiVersion(c2, &api), CUDA_ERROR_INVALID_CONTEXT);
  CF_CHECK(&h, cuCtxSetCurrent(h.ctx));
  EXPECT(&h, cuModuleGetFunction(&f3, m2, "k_fill"), CUDA_ERROR_INVALID_HANDLE);
  CF_CHECK(&h, cuCtxSetCurrent(h.ctx));

  CF_CHECK(&h, cuMemFree(d));
  cf_host_codes_digest(&h);
  printf("%s library\n", h.failures ? "FAIL" : "PASS");
  return h.failures ? 1 : 0;
}
