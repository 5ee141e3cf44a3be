/* The `emu` suite: how fast the emulator's PTX interpreter runs, in
 * thread-instructions per second (every instruction each thread executes,
 * counted by the interpreter), on a tiled SGEMM and a shuffle reduction,
 * first on one core (CF_PTX_THREADS=1) and then on all of them. The
 * emulator is loaded with dlopen, beside the stub this tool links, and its
 * kernels come from bench/kernels.cu compiled by nvcc at build time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cuda.h>

#include "bench.h"

#define SGEMM_N 256
#define REDUCE_N (1 << 22)

struct result {
  double seconds;
  uint64_t instructions;
};

/* Launch once to warm up, then once measured. */
static int measure(struct cf_bench_emu *e, CUfunction f, const unsigned grid[2], const unsigned block[2],
                   void **args, struct result *res)
{
  uint64_t t0, i0;

  if (e->launch(f, grid[0], grid[1], 1, block[0], block[1], 1, 0, NULL, args, NULL) ||
      e->sync())
    return 1;
  i0 = e->instructions ? e->instructions() : 0;
  t0 = cf_bench_now_ns();
  if (e->launch(f, grid[0], grid[1], 1, block[0], block[1], 1, 0, NULL, args, NULL) ||
      e->sync())
    return 1;
  res->seconds = (cf_bench_now_ns() - t0) / 1e9;
  res->instructions = e->instructions ? e->instructions() - i0 : 0;
  return 0;
}

static void report(const struct cf_bench_opts *o, const char *kernel, const char *cores,
                   const struct result *r, const struct result *single)
{
  double rate = r->instructions / r->seconds, base = single->instructions / single->seconds;

  cf_bench_json("{\"suite\":\"emu\",\"name\":\"%s on %s\",\"unit\":\"thread-instr/s\","
                "\"kernel\":\"%s\",\"cores\":\"%s\",\"seconds\":%.4f,"
                "\"thread_instructions\":%llu,\"value\":%.0f,\"baseline\":\"one core\","
                "\"baseline_value\":%.0f,\"ratio\":%.3f}",
                kernel, cores, kernel, cores, r->seconds, (unsigned long long)r->instructions,
                rate, base, single->seconds / r->seconds);
  if (!o->json)
    printf("  %-8s %-9s %8.3f s %14llu %10.1f M/s %6.2fx\n", kernel, cores, r->seconds,
           (unsigned long long)r->instructions, rate / 1e6, single->seconds / r->seconds);
}

int cf_bench_emu(const struct cf_bench_opts *o)
{
  struct cf_bench_emu e = { 0 };
  char ptx[4096];
  CUdevice dev = 0;
  CUcontext ctx;
  CUmodule mod;
  CUfunction sgemm, reduce;
  CUdeviceptr a, b, c, in, out;
  int n = SGEMM_N, rn = REDUCE_N, rc;
  float *host;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  char all[32];

  if ((rc = cf_bench_emu_open(o, &e)) != 0)
    return rc;
  if ((rc = cf_bench_ptx_path(o, "emu", ptx, sizeof ptx)) != 0)
    return rc;
  host = malloc(sizeof(float) * REDUCE_N);
  for (int i = 0; i < REDUCE_N; i++)
    host[i] = (float)(i % 13) * 0.25f;
  if (!host || e.init(0) || e.ctx_create(&ctx, 0, dev) || e.load(&mod, ptx) ||
      e.get_function(&sgemm, mod, "sgemm") || e.get_function(&reduce, mod, "reduce") ||
      e.alloc(&a, sizeof(float) * n * n) || e.alloc(&b, sizeof(float) * n * n) ||
      e.alloc(&c, sizeof(float) * n * n) || e.alloc(&in, sizeof(float) * REDUCE_N) ||
      e.alloc(&out, sizeof(float)) || e.htod(a, host, sizeof(float) * n * n) ||
      e.htod(b, host, sizeof(float) * n * n) || e.htod(in, host, sizeof(float) * REDUCE_N)) {
    fprintf(stderr, "cuferry-bench: emu: setting up the kernels failed\n");
    free(host);
    return 1;
  }
  free(host);

  void *sargs[] = { &a, &b, &c, &n };
  void *rargs[] = { &in, &out, &rn };
  const unsigned sgrid[2] = { SGEMM_N / 16, SGEMM_N / 16 }, sblock[2] = { 16, 16 };
  const unsigned rgrid[2] = { 64, 1 }, rblock[2] = { 256, 1 };
  struct result s1, sn, r1, rn_;

  setenv("CF_PTX_THREADS", "1", 1);
  if (measure(&e, sgemm, sgrid, sblock, sargs, &s1) ||
      measure(&e, reduce, rgrid, rblock, rargs, &r1))
    return 1;
  unsetenv("CF_PTX_THREADS");
  if (measure(&e, sgemm, sgrid, sblock, sargs, &sn) ||
      measure(&e, reduce, rgrid, rblock, rargs, &rn_))
    return 1;
  snprintf(all, sizeof all, "all (%ld)", cpus);
  if (!o->json) {
    printf("emulator PTX interpreter: SGEMM %dx%d, reduction of %d floats\n", SGEMM_N,
           SGEMM_N, REDUCE_N);
    printf("  %-8s %-9s %10s %14s %14s %7s\n", "kernel", "cores", "time",
           "thread-instr", "rate", "speedup");
  }
  report(o, "sgemm", "1", &s1, &s1);
  report(o, "sgemm", all, &sn, &s1);
  report(o, "reduce", "1", &r1, &r1);
  report(o, "reduce", all, &rn_, &r1);
  if (!e.instructions)
    fprintf(stderr, "cuferry-bench: emu: this emulator does not count instructions; "
                    "rates read 0\n");
  return 0;
}
