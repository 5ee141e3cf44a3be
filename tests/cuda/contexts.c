/* Contexts, threads and the less common calls a driver-API program makes:
 * primary context retained and made current beside a created one, the
 * context stack (push/pop), two threads each working in its own context at
 * the same time over the one connection (the server keeps each thread's
 * current context apart), a module loaded from memory with
 * cuModuleLoadData and cuModuleLoadDataEx (JIT options given), memory info,
 * UUID, function attributes, cross-stream ordering with cuStreamWaitEvent,
 * async memset and device-to-device copies, and stream/event queries.
 * usage: contexts VECTOR_ADD.ptx */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define N 4096

static char *read_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
    return NULL;
  buf = calloc(1, (size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

/* c = a + b in the calling thread's own context; returns failures. */
struct job {
  const char *ptx;
  float scale;
  int failures;
  uint64_t digest;
};

static void *worker(void *arg)
{
  struct job *j = arg;
  CUcontext ctx, cur;
  CUmodule mod;
  CUfunction f;
  CUdeviceptr a, b, c;
  int n = N;
  static __thread float ha[N], hb[N], hc[N];

  for (int i = 0; i < N; i++) {
    ha[i] = (float)i * j->scale;
    hb[i] = (float)(N - i);
  }
#define W(call) do { if ((call) != CUDA_SUCCESS) { j->failures++; return NULL; } } while (0)
  W(cuCtxCreate(&ctx, NULL, 0, 0));
  W(cuModuleLoadData(&mod, j->ptx));
  W(cuModuleGetFunction(&f, mod, "vector_add"));
  W(cuMemAlloc(&a, sizeof ha));
  W(cuMemAlloc(&b, sizeof hb));
  W(cuMemAlloc(&c, sizeof hc));
  for (int round = 0; round < 20; round++) {
    void *args[] = { &a, &b, &c, &n };
    W(cuMemcpyHtoD(a, ha, sizeof ha));
    W(cuMemcpyHtoD(b, hb, sizeof hb));
    W(cuLaunchKernel(f, N / 128, 1, 1, 128, 1, 1, 0, NULL, args, NULL));
    W(cuCtxGetCurrent(&cur));
    if (cur != ctx)
      j->failures++;
  }
  W(cuMemcpyDtoH(hc, c, sizeof hc));
  for (int i = 0; i < N; i++)
    if (hc[i] != ha[i] + hb[i])
      j->failures++;
  j->digest = cf_fnv1a(CF_FNV_SEED, hc, sizeof hc);
  W(cuMemFree(a));
  W(cuMemFree(b));
  W(cuMemFree(c));
  W(cuModuleUnload(mod));
  W(cuCtxDestroy(ctx));
#undef W
  return NULL;
}

int main(int argc, char **argv)
{
  struct cf_host h;
  CUcontext primary, created, cur, popped;
  CUmodule mod;
  CUfunction f;
  CUdevice dev;
  CUuuid uuid;
  size_t free_mem, total_mem;
  unsigned flags;
  int active, regs = -1, maxthreads = -1, n = N;
  char *ptx;

  cf_host_usage(argc, argv, 1, "VECTOR_ADD.ptx");
  memset(&h, 0, sizeof h);
  h.prog = "contexts";
  if (!(ptx = read_file(argv[1]))) {
    printf("FAIL contexts: cannot read %s\n", argv[1]);
    return 1;
  }
  CF_CHECK(&h, cuInit(0));
  CF_CHECK(&h, cuDeviceGet(&dev, 0));

  /* primary context, then a created one pushed over it */
  CF_CHECK(&h, cuDevicePrimaryCtxRetain(&primary, dev));
  CF_CHECK(&h, cuCtxSetCurrent(primary));
  CF_EXPECT(&h, cuDevicePrimaryCtxGetState(dev, &flags, &active), CUDA_SUCCESS);
  cf_host_result(&h, active == 1, "primary context active", "active=%d", active);
  CF_CHECK(&h, cuDevicePrimaryCtxRetain(&cur, dev));
  cf_host_result(&h, cur == primary, "primary context handle is stable", "%p vs %p",
                 (void *)cur, (void *)primary);
  CF_CHECK(&h, cuDevicePrimaryCtxRelease(dev));
  CF_CHECK(&h, cuCtxCreate(&created, NULL, 0, dev));
  CF_CHECK(&h, cuCtxGetCurrent(&cur));
  cf_host_result(&h, cur == created, "cuCtxCreate makes the new context current", " ");
  CF_CHECK(&h, cuCtxPopCurrent(&popped));
  CF_CHECK(&h, cuCtxGetCurrent(&cur));
  cf_host_result(&h, popped == created && cur == primary, "pop returns to the primary context", " ");
  CF_CHECK(&h, cuCtxPushCurrent(created));
  CF_CHECK(&h, cuCtxGetCurrent(&cur));
  cf_host_result(&h, cur == created, "push makes it current again", " ");
  CF_EXPECT(&h, cuCtxGetDevice(&dev), CUDA_SUCCESS);

  /* device facts */
  CF_EXPECT(&h, cuMemGetInfo(&free_mem, &total_mem), CUDA_SUCCESS);
  cf_host_result(&h, free_mem > 0 && free_mem <= total_mem, "cuMemGetInfo", "free %zu total %zu",
                 free_mem, total_mem);
  CF_EXPECT(&h, cuDeviceGetUuid(&uuid, dev), CUDA_SUCCESS);

  /* a module from memory, with and without JIT options */
  {
    char log[256] = "";
    CUjit_option opts[] = { CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES };
    void *vals[] = { log, (void *)(uintptr_t)sizeof log };
    CUmodule m2;
    CF_CHECK(&h, cuModuleLoadDataEx(&m2, ptx, 2, opts, vals));
    CF_CHECK(&h, cuModuleUnload(m2));
  }
  CF_CHECK(&h, cuModuleLoadData(&mod, ptx));
  CF_CHECK(&h, cuModuleGetFunction(&f, mod, "vector_add"));
  CF_EXPECT(&h, cuFuncGetAttribute(&regs, CU_FUNC_ATTRIBUTE_NUM_REGS, f), CUDA_SUCCESS);
  CF_EXPECT(&h, cuFuncGetAttribute(&maxthreads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f),
            CUDA_SUCCESS);
  cf_host_result(&h, regs > 0 && maxthreads >= 128, "function attributes", "regs %d max threads %d",
                 regs, maxthreads);

  /* two streams ordered by an event; async memset and device copy */
  {
    static float ha[N], hb[N], hc[N];
    CUstream s1, s2;
    CUevent e;
    CUdeviceptr a, b, c, d;
    void *args[] = { &a, &b, &c, &n };
    for (int i = 0; i < N; i++) {
      ha[i] = (float)i;
      hb[i] = 0.5f;
    }
    CF_CHECK(&h, cuStreamCreate(&s1, 0));
    CF_CHECK(&h, cuStreamCreate(&s2, CU_STREAM_NON_BLOCKING));
    CF_CHECK(&h, cuEventCreate(&e, CU_EVENT_DISABLE_TIMING));
    CF_CHECK(&h, cuMemAlloc(&a, sizeof ha));
    CF_CHECK(&h, cuMemAlloc(&b, sizeof hb));
    CF_CHECK(&h, cuMemAlloc(&c, sizeof hc));
    CF_CHECK(&h, cuMemAlloc(&d, sizeof hc));
    CF_CHECK(&h, cuMemsetD8Async(c, 0xff, sizeof hc, s1));
    CF_CHECK(&h, cuMemcpyHtoDAsync(a, ha, sizeof ha, s1));
    CF_CHECK(&h, cuMemcpyHtoDAsync(b, hb, sizeof hb, s1));
    CF_CHECK(&h, cuLaunchKernel(f, N / 256, 1, 1, 256, 1, 1, 0, s1, args, NULL));
    CF_CHECK(&h, cuEventRecord(e, s1));
    CF_CHECK(&h, cuStreamWaitEvent(s2, e, 0));
    CF_CHECK(&h, cuMemcpyDtoDAsync(d, c, sizeof hc, s2));
    CF_CHECK(&h, cuMemcpyDtoHAsync(hc, d, sizeof hc, s2));
    CF_CHECK(&h, cuStreamSynchronize(s2));
    CF_EXPECT(&h, cuStreamQuery(s1), CUDA_SUCCESS);
    CF_EXPECT(&h, cuEventQuery(e), CUDA_SUCCESS);
    int bad = 0;
    for (int i = 0; i < N; i++)
      bad += hc[i] != ha[i] + hb[i];
    cf_host_result(&h, bad == 0, "stream-ordered add, memset and device copy", "%d wrong", bad);
    cf_host_digest("streams", hc, sizeof hc);
    CF_CHECK(&h, cuEventDestroy(e));
    CF_CHECK(&h, cuStreamDestroy(s1));
    CF_CHECK(&h, cuStreamDestroy(s2));
    CF_CHECK(&h, cuMemFree(a));
    CF_CHECK(&h, cuMemFree(b));
    CF_CHECK(&h, cuMemFree(c));
    CF_CHECK(&h, cuMemFree(d));
  }

  /* two threads, each in its own context, at the same time */
  {
    struct job jobs[2] = { { ptx, 1.0f, 0, 0 }, { ptx, 3.0f, 0, 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
      pthread_create(&t[i], NULL, worker, &jobs[i]);
    for (int i = 0; i < 2; i++)
      pthread_join(t[i], NULL);
    cf_host_result(&h, jobs[0].failures == 0 && jobs[1].failures == 0,
                   "two threads in their own contexts", "%d and %d failures",
                   jobs[0].failures, jobs[1].failures);
    printf("digest thread0 %016llx\ndigest thread1 %016llx\n",
           (unsigned long long)jobs[0].digest, (unsigned long long)jobs[1].digest);
    CF_CHECK(&h, cuCtxGetCurrent(&cur));
    cf_host_result(&h, cur == created, "the main thread's context is untouched", " ");
  }

  CF_CHECK(&h, cuModuleUnload(mod));
  CF_EXPECT(&h, cuModuleGetFunction(&f, mod, "vector_add"), CUDA_ERROR_INVALID_HANDLE);
  CF_CHECK(&h, cuCtxDestroy(created));

  /* A primary-context reset destroys everything in it: handles from before
   * stay dead, even when new objects land where the old ones were. */
  {
    CUcontext p;
    CUmodule pm;
    CUfunction pf, pf2;
    CUdeviceptr buf;
    int small = 64;
    void *args[] = { &buf, &buf, &buf, &small };
    CF_CHECK(&h, cuCtxSetCurrent(primary));
    CF_CHECK(&h, cuModuleLoadData(&pm, ptx));
    CF_CHECK(&h, cuModuleGetFunction(&pf, pm, "vector_add"));
    CF_CHECK(&h, cuMemAlloc(&buf, 64 * sizeof(float)));
    CF_CHECK(&h, cuLaunchKernel(pf, 1, 1, 1, 64, 1, 1, 0, NULL, args, NULL));
    CF_CHECK(&h, cuCtxSynchronize());
    CF_CHECK(&h, cuDevicePrimaryCtxReset(dev));
    CF_CHECK(&h, cuDevicePrimaryCtxRetain(&p, dev));
    CF_CHECK(&h, cuCtxSetCurrent(p));
    CF_EXPECT(&h, cuLaunchKernel(pf, 1, 1, 1, 64, 1, 1, 0, NULL, args, NULL),
              CUDA_ERROR_INVALID_HANDLE);
    CF_EXPECT(&h, cuModuleGetFunction(&pf2, pm, "vector_add"), CUDA_ERROR_INVALID_HANDLE);
    CF_CHECK(&h, cuModuleLoadData(&pm, ptx));
    CF_CHECK(&h, cuModuleGetFunction(&pf, pm, "vector_add"));
    CF_CHECK(&h, cuMemAlloc(&buf, 64 * sizeof(float)));
    CF_CHECK(&h, cuLaunchKernel(pf, 1, 1, 1, 64, 1, 1, 0, NULL, args, NULL));
    CF_CHECK(&h, cuCtxSynchronize());
    CF_CHECK(&h, cuMemFree(buf));
    CF_CHECK(&h, cuModuleUnload(pm));
    cf_host_result(&h, 1, "primary context reset forgets its contents", " ");
  }
  CF_CHECK(&h, cuDevicePrimaryCtxRelease(dev));
  free(ptx);
  printf("%s contexts%s\n", h.failures ? "FAIL" : "PASS", "");
  return h.failures ? 1 : 0;
}
