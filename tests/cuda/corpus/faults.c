/* Corpus group "faults" (faults.cu): an out-of-bounds store, a misaligned
 * 8-byte load and __trap(), each in its own context. The launch may report
 * the fault itself or leave it to the next synchronisation (a GPU does the
 * latter); from then on the error is sticky: launches, allocations, copies
 * and synchronisations in that context return it. The faulted context can
 * still be destroyed, and a new context then runs fault_ok correctly.
 *
 * The digest covers every code after the first synchronisation (the
 * launch's own code is left out: it depends on whether launches are
 * asynchronous).
 *
 * usage: corpus_faults MODULE */
#include "corpus.h"

static uint64_t codes = CF_FNV_SEED;

static void expect(struct cf_host *h, CUresult got, CUresult want,
                   const char *what, int line)
{
  int g = (int)got;
  codes = cf_fnv1a(codes, &g, sizeof g);
  cf_host_expect_(h, got, want, what, __FILE__, line);
}

#define EXPECT(h, call, want) expect((h), (call), (want), #call, __LINE__)

/* fault_ok in the current context: p[i] == 3i+1 for 1000 elements. */
static void run_ok(struct cf_host *h, CUmodule mod, const char *label)
{
  enum { N = 1000 };
  static int got[N];
  CUfunction f;
  CUdeviceptr d;
  int n = N, ok = 1;
  CF_CHECK(h, cuModuleGetFunction(&f, mod, "fault_ok"));
  CF_CHECK(h, cuMemAlloc(&d, sizeof got));
  void *p[] = {&d, &n};
  CF_CHECK(h, cuLaunchKernel(f, 4, 1, 1, 256, 1, 1, 0, NULL, p, NULL));
  CF_CHECK(h, cuCtxSynchronize());
  CF_CHECK(h, cuMemcpyDtoH(got, d, sizeof got));
  CF_CHECK(h, cuMemFree(d));
  for (int i = 0; i < N; i++)
    ok &= got[i] == i * 3 + 1;
  cf_host_result(h, ok, label, "fault_ok wrote wrong values");
}

static void fault_case(struct cf_host *h, const char *path, int kind)
{
  static const char *names[3] = {"fault_oob_store", "fault_misaligned_load",
                                 "fault_trap"};
  static const CUresult want[3] = {CUDA_ERROR_ILLEGAL_ADDRESS,
                                   CUDA_ERROR_MISALIGNED_ADDRESS,
                                   CUDA_ERROR_LAUNCH_FAILED};
  CUcontext ctx;
  CUmodule mod;
  CUfunction f;
  CUdeviceptr buf, out;
  char label[96];
  printf("info case %s\n", names[kind]);
  CF_CHECK(h, cuCtxCreate(&ctx, NULL, 0, h->dev));
  CF_CHECK(h, cuModuleLoad(&mod, path));
  CF_CHECK(h, cuModuleGetFunction(&f, mod, names[kind]));
  CUfunction ok; /* looked up now: lookups may fail once the context has */
  CF_CHECK(h, cuModuleGetFunction(&ok, mod, "fault_ok"));
  run_ok(h, mod, "fault_ok before the fault");
  CF_CHECK(h, cuMemAlloc(&buf, 4096));
  CF_CHECK(h, cuMemAlloc(&out, 4096));
  long long off = (long long)1 << 34; /* 64 GiB past buf: no allocation */
  int moff = 4;
  void *p_oob[] = {&buf, &off};
  void *p_mis[] = {&buf, &moff, &out};
  void *p_trap[] = {&buf};
  void **params = kind == 0 ? p_oob : kind == 1 ? p_mis : p_trap;
  CUresult lr = cuLaunchKernel(f, 2, 1, 1, 64, 1, 1, 0, NULL, params, NULL);
  snprintf(label, sizeof label, "%s launch returns success or the fault",
           names[kind]);
  cf_host_result(h, lr == CUDA_SUCCESS || lr == want[kind], label,
                 "returned %s", cf_host_err_name(lr));
  EXPECT(h, cuCtxSynchronize(), want[kind]);
  /* Sticky: everything in this context now fails the same way. */
  EXPECT(h, cuCtxSynchronize(), want[kind]);
  int n = 16;
  void *p_ok[] = {&out, &n};
  EXPECT(h, cuLaunchKernel(ok, 1, 1, 1, 32, 1, 1, 0, NULL, p_ok, NULL),
         want[kind]);
  CUdeviceptr more = 0;
  EXPECT(h, cuMemAlloc(&more, 256), want[kind]);
  int tmp[4];
  EXPECT(h, cuMemcpyDtoH(tmp, out, sizeof tmp), want[kind]);
  EXPECT(h, cuMemcpyHtoD(out, tmp, sizeof tmp), want[kind]);
  EXPECT(h, cuCtxSynchronize(), want[kind]);
  /* Teardown: unloading may report the error too; destroying works. */
  CUresult ur = cuModuleUnload(mod);
  printf("info cuModuleUnload after %s: %s\n", names[kind],
         cf_host_err_name(ur));
  EXPECT(h, cuCtxDestroy(ctx), CUDA_SUCCESS);

  /* A new context is healthy. */
  CF_CHECK(h, cuCtxCreate(&ctx, NULL, 0, h->dev));
  CF_CHECK(h, cuModuleLoad(&mod, path));
  snprintf(label, sizeof label, "fault_ok in a new context after %s",
           names[kind]);
  run_ok(h, mod, label);
  CF_CHECK(h, cuModuleUnload(mod));
  EXPECT(h, cuCtxDestroy(ctx), CUDA_SUCCESS);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_faults", NULL);
  for (int kind = 0; kind < 3; kind++)
    fault_case(&h, argv[1], kind);
  /* The program's own first context was never touched by a fault. */
  CF_CHECK(&h, cuModuleLoad(&h.mod, argv[1]));
  run_ok(&h, h.mod, "fault_ok in the first context");
  printf("digest faults.codes %016llx\n", (unsigned long long)codes);
  return cf_host_finish(&h);
}
