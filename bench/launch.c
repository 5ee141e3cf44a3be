/* The `launch` suite: N launches of an empty kernel on one stream, then one
 * stream synchronisation, through the stub (forwarded to cuferryd) and the
 * same on the emulator loaded directly in this process, in the same run.
 * Reports launches per second of each and the ratio of the remote time to
 * the local one; with the server on this host and on the emulator, the
 * ratio is what forwarding costs a launch-bound program. The ratio is of
 * times, so lower is better (1.0: as fast as the local emulator). */
#include <stdio.h>

#include "bench.h"

/* CUDA 13's cuda.h no longer declares it; every libcuda.so.1 (the stub
 * included) still exports it, and it has the emulator's shape. */
CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx, unsigned int flags, CUdevice dev);

/* The entry points one side needs: the stub's or the emulator's. */
struct side {
  CUresult (*init)(unsigned);
  CUresult (*ctx_create)(CUcontext *, unsigned, CUdevice);
  CUresult (*load)(CUmodule *, const char *);
  CUresult (*get_function)(CUfunction *, CUmodule, const char *);
  CUresult (*launch)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                     unsigned, unsigned, CUstream, void **, void **);
  CUresult (*stream_create)(CUstream *, unsigned);
  CUresult (*stream_sync)(CUstream);
};

/* Seconds for n launches and the synchronisation, after a warm-up; < 0 on
 * error (said which call). */
static double run(const struct side *s, const char *name, const char *ptx, int n)
{
  CUcontext ctx;
  CUmodule mod;
  CUfunction f;
  CUstream st;
  CUresult r;
  uint64_t t0;
  const char *what = "setting up";

  if ((r = s->init(0)) || (r = s->ctx_create(&ctx, 0, 0)) || (r = s->load(&mod, ptx)) ||
      (r = s->get_function(&f, mod, "empty")) ||
      (r = s->stream_create(&st, CU_STREAM_NON_BLOCKING)))
    goto fail;
  what = "warming up";
  for (int i = 0; i < 100; i++)
    if ((r = s->launch(f, 1, 1, 1, 1, 1, 1, 0, st, NULL, NULL)))
      goto fail;
  if ((r = s->stream_sync(st)))
    goto fail;
  what = "launching";
  t0 = cf_bench_now_ns();
  for (int i = 0; i < n; i++)
    if ((r = s->launch(f, 1, 1, 1, 1, 1, 1, 0, st, NULL, NULL)))
      goto fail;
  what = "synchronising";
  if ((r = s->stream_sync(st)))
    goto fail;
  return (cf_bench_now_ns() - t0) / 1e9;
fail:
  fprintf(stderr, "cuferry-bench: launch: %s, %s failed (CUresult %d)\n", name, what, (int)r);
  return -1;
}

int cf_bench_launch(const struct cf_bench_opts *o)
{
  const struct side remote = { cuInit, cuCtxCreate_v2, cuModuleLoad, cuModuleGetFunction,
                               cuLaunchKernel, cuStreamCreate, cuStreamSynchronize };
  struct cf_bench_emu e = { 0 };
  struct side local;
  char ptx[4096];
  double tl, tr;
  int rc;

  if ((rc = cf_bench_ptx_path(o, "launch", ptx, sizeof ptx)) != 0 ||
      (rc = cf_bench_emu_open(o, &e)) != 0)
    return rc;
  local = (struct side){ e.init, e.ctx_create, e.load, e.get_function, e.launch,
                         e.stream_create, e.stream_sync };
  if ((tl = run(&local, "local emulator", ptx, o->launches)) < 0 ||
      (tr = run(&remote, "through cuferry", ptx, o->launches)) < 0)
    return 1;
  cf_bench_json("{\"suite\":\"launch\",\"name\":\"launch\",\"unit\":\"launches/s\","
                "\"launches\":%d,\"transport\":\"%s\",\"value\":%.0f,"
                "\"baseline\":\"local emulator\",\"baseline_value\":%.0f,\"seconds\":%.4f,"
                "\"baseline_seconds\":%.4f,\"ratio\":%.3f}",
                o->launches, cf_bench_transport(), o->launches / tr, o->launches / tl, tr, tl,
                tr / tl);
  if (!o->json) {
    printf("launch: %d launches of an empty kernel on one stream, then one synchronisation\n",
           o->launches);
    printf("  %-28s %10.3f s %12.0f launches/s\n", "local emulator (baseline)", tl,
           o->launches / tl);
    printf("  %-28s %10.3f s %12.0f launches/s\n", "through cuferry", tr, o->launches / tr);
    printf("  ratio (time): %.2fx the local emulator\n", tr / tl);
  }
  return 0;
}
