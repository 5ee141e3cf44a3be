/* Error paths with exact CUresult codes, as the real driver gives them:
 * launch shapes (1025 threads, zero grid and block dimensions), allocation
 * beyond the device's memory, malformed PTX, a missing module file, an
 * unknown kernel, use of a destroyed stream, event, module and context,
 * cuMemFree of pointers that were never allocated or already freed, a null
 * function, an unsupported function (CUDA_ERROR_NOT_SUPPORTED), and the
 * locally answered cuGetErrorName/cuGetErrorString. Errors must not be
 * sticky: a correct launch still works at the end.
 *
 * usage: errors GOOD_PTX BAD_PTX  (GOOD_PTX holds vector_add)
 *
 * The digest covers the list of codes seen, so a stub run and an emulator
 * run must agree on every one of them. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

static uint64_t codes = CF_FNV_SEED; /* digest of every code checked */

static void expect(struct cf_host *h, CUresult got, CUresult want,
                   const char *what, int line)
{
  int g = (int)got;
  codes = cf_fnv1a(codes, &g, sizeof g);
  cf_host_expect_(h, got, want, what, __FILE__, line);
}

#define EXPECT(h, call, want) expect((h), (call), (want), #call, __LINE__)

static void check_names(struct cf_host *h)
{
  static const struct {
    CUresult r;
    const char *name, *str;
  } t[] = {
      {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
      {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE",
       "invalid argument"},
      {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
      {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", NULL},
      {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX", NULL},
      {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE",
       "invalid resource handle"},
      {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
      {CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED",
       "operation not supported"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    const char *name = NULL, *str = NULL;
    CUresult rn = cuGetErrorName(t[i].r, &name);
    CUresult rs = cuGetErrorString(t[i].r, &str);
    char label[96];
    snprintf(label, sizeof label, "cuGetErrorName(%d)", (int)t[i].r);
    cf_host_result(h, rn == CUDA_SUCCESS && name && !strcmp(name, t[i].name),
                   label, "returned %d, \"%s\"", (int)rn, name ? name : "NULL");
    snprintf(label, sizeof label, "cuGetErrorString(%d)", (int)t[i].r);
    int ok = rs == CUDA_SUCCESS && str != NULL && str[0] != '\0' &&
             (t[i].str == NULL || !strcmp(str, t[i].str));
    cf_host_result(h, ok, label, "returned %d, \"%s\"", (int)rs,
                   str ? str : "NULL");
  }
  /* An unknown code: CUDA_ERROR_INVALID_VALUE and a NULL string. */
  const char *name = "unchanged", *str = "unchanged";
  EXPECT(h, cuGetErrorName((CUresult)987654, &name), CUDA_ERROR_INVALID_VALUE);
  cf_host_result(h, name == NULL, "cuGetErrorName(unknown) sets NULL", "%s",
                 name ? name : "NULL");
  EXPECT(h, cuGetErrorString((CUresult)987654, &str),
         CUDA_ERROR_INVALID_VALUE);
  cf_host_result(h, str == NULL, "cuGetErrorString(unknown) sets NULL", "%s",
                 str ? str : "NULL");
}

/* Managed memory is not forwarded (by design: host and device memory live
 * on different machines): the stub must answer 801 and log once. It is
 * looked up with dlsym so that the program still runs on a driver that does
 * not export it (the emulator need not), and its codes stay out of the digest
 * for the same reason; the integration test checks the stub's log line. */
static void check_unsupported(struct cf_host *h)
{
  typedef CUresult (*managed_fn)(CUdeviceptr *, size_t, unsigned int);
  managed_fn fn;
  void *sym = dlsym(RTLD_DEFAULT, "cuMemAllocManaged");
  if (sym == NULL) {
    printf("info cuMemAllocManaged not exported by this driver\n");
    return;
  }
  memcpy(&fn, &sym, sizeof fn); /* object to function pointer, portably */
  CUdeviceptr p = 0;
  CF_EXPECT(h, fn(&p, 4096, CU_MEM_ATTACH_GLOBAL), CUDA_ERROR_NOT_SUPPORTED);
  CF_EXPECT(h, fn(&p, 4096, CU_MEM_ATTACH_GLOBAL), CUDA_ERROR_NOT_SUPPORTED);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  cf_host_usage(argc, argv, 2, "GOOD_PTX BAD_PTX");
  cf_host_open(&h, "errors", argv[1]);
  CUfunction f = cf_host_function(&h, "vector_add");

  const int n = 256;
  CUdeviceptr da, db, dc;
  CF_CHECK(&h, cuMemAlloc(&da, n * sizeof(float)));
  CF_CHECK(&h, cuMemAlloc(&db, n * sizeof(float)));
  CF_CHECK(&h, cuMemAlloc(&dc, n * sizeof(float)));
  CF_CHECK(&h, cuMemsetD32(da, 0x3f800000u, n)); /* 1.0f */
  CF_CHECK(&h, cuMemsetD32(db, 0x40000000u, n)); /* 2.0f */
  int nn = n;
  void *params[] = {&da, &db, &dc, &nn};

  /* Launch shapes. */
  EXPECT(&h, cuLaunchKernel(f, 1, 1, 1, 1025, 1, 1, 0, NULL, params, NULL),
         (CUresult)9 /* cudaErrorInvalidConfiguration */);
  EXPECT(&h, cuLaunchKernel(f, 1, 1, 1, 32, 32, 2, 0, NULL, params, NULL),
         (CUresult)9 /* cudaErrorInvalidConfiguration */);
  EXPECT(&h, cuLaunchKernel(f, 0, 1, 1, 256, 1, 1, 0, NULL, params, NULL),
         (CUresult)9 /* cudaErrorInvalidConfiguration */);
  EXPECT(&h, cuLaunchKernel(f, 1, 0, 1, 256, 1, 1, 0, NULL, params, NULL),
         (CUresult)9 /* cudaErrorInvalidConfiguration */);
  EXPECT(&h, cuLaunchKernel(f, 1, 1, 1, 256, 1, 0, 0, NULL, params, NULL),
         (CUresult)9 /* cudaErrorInvalidConfiguration */);
  EXPECT(&h, cuLaunchKernel(NULL, 1, 1, 1, 256, 1, 1, 0, NULL, params, NULL),
         CUDA_ERROR_INVALID_HANDLE);

  /* Allocation beyond the device's memory. */
  size_t total = 0;
  CF_CHECK(&h, cuDeviceTotalMem(&total, h.dev));
  printf("info total_mem %zu\n", total);
  CUdeviceptr big = 0;
  EXPECT(&h, cuMemAlloc(&big, total + ((size_t)1 << 20)),
         CUDA_ERROR_OUT_OF_MEMORY);
  EXPECT(&h, cuMemAlloc(&big, (size_t)1 << 44), CUDA_ERROR_OUT_OF_MEMORY);
  EXPECT(&h, cuMemAlloc(&big, 0), CUDA_ERROR_INVALID_VALUE);

  /* Bad pointers to cuMemFree: never allocated, then freed twice. */
  EXPECT(&h, cuMemFree((CUdeviceptr)0xdead0000ull), CUDA_ERROR_INVALID_VALUE);
  CUdeviceptr tmp;
  CF_CHECK(&h, cuMemAlloc(&tmp, 4096));
  EXPECT(&h, cuMemFree(tmp), CUDA_SUCCESS);
  EXPECT(&h, cuMemFree(tmp), CUDA_ERROR_INVALID_VALUE);

  /* Modules: malformed PTX, a missing file, unknown kernel. */
  CUmodule bad = NULL;
  EXPECT(&h, cuModuleLoad(&bad, argv[2]), CUDA_ERROR_INVALID_PTX);
  EXPECT(&h, cuModuleLoad(&bad, "/nonexistent/cuferry/no-such-module.ptx"),
         CUDA_ERROR_FILE_NOT_FOUND);
  CUfunction nf = NULL;
  EXPECT(&h, cuModuleGetFunction(&nf, h.mod, "no_such_kernel"),
         CUDA_ERROR_NOT_FOUND);

  /* Destroyed handles: stream, event, module, context. */
  CUstream s;
  CF_CHECK(&h, cuStreamCreate(&s, CU_STREAM_DEFAULT));
  EXPECT(&h, cuStreamDestroy(s), CUDA_SUCCESS);
  EXPECT(&h, cuStreamSynchronize(s), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuStreamQuery(s), CUDA_ERROR_INVALID_HANDLE);
  CUevent ev;
  CF_CHECK(&h, cuEventCreate(&ev, CU_EVENT_DEFAULT));
  EXPECT(&h, cuEventDestroy(ev), CUDA_SUCCESS);
  EXPECT(&h, cuEventRecord(ev, NULL), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(&h, cuEventSynchronize(ev), CUDA_ERROR_INVALID_HANDLE);
  CUmodule m2;
  CF_CHECK(&h, cuModuleLoad(&m2, argv[1]));
  EXPECT(&h, cuModuleUnload(m2), CUDA_SUCCESS);
  EXPECT(&h, cuModuleGetFunction(&nf, m2, "vector_add"),
         CUDA_ERROR_INVALID_HANDLE);
  CUcontext c2, cur = NULL;
  CF_CHECK(&h, cuCtxCreate(&c2, NULL, 0, h.dev));
  EXPECT(&h, cuCtxDestroy(c2), CUDA_SUCCESS);
  EXPECT(&h, cuCtxSetCurrent(c2), CUDA_ERROR_INVALID_CONTEXT);
  /* Destroying the current context leaves none current: bring ours back. */
  CF_CHECK(&h, cuCtxSetCurrent(h.ctx));
  CF_CHECK(&h, cuCtxGetCurrent(&cur));
  cf_host_result(&h, cur == h.ctx, "context restored", "current %p", cur);

  check_unsupported(&h);
  check_names(&h);

  /* Not sticky: the good launch still works after all of the above. */
  float out[256];
  CF_CHECK(&h, cuLaunchKernel(f, 1, 1, 1, 256, 1, 1, 0, NULL, params, NULL));
  CF_CHECK(&h, cuMemcpyDtoH(out, dc, sizeof out));
  int good = 1;
  for (int i = 0; i < n; i++)
    good &= out[i] == 3.0f;
  cf_host_result(&h, good, "launch after errors", "wrong sums");

  CF_CHECK(&h, cuMemFree(da));
  CF_CHECK(&h, cuMemFree(db));
  CF_CHECK(&h, cuMemFree(dc));
  printf("digest errors.codes %016llx\n", (unsigned long long)codes);
  return cf_host_finish(&h);
}
