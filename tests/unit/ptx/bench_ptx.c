/* Interpreter throughput, for the benchmark (not a test: it only prints
 * numbers). Runs nvcc's sgemm_tiled (16x16 tiles, shared memory, two
 * barriers per tile) and reduce_sum from kernels.cu and prints
 * thread-instructions per second from the launch's instruction counter.
 * Usage: bench_ptx kernels.ptx [n] [reps]; CF_PTX_THREADS=1 for one core.
 * Results are checked loosely (a benchmark of a wrong answer is useless). */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "ptx_testlib.h"

static struct tmem M;
static struct cf_ptx_module *MOD;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
/* CPU seconds of the whole process (all interpreter threads): steadier
 * than wall time on a shared machine. */
static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double last_cpu;

/* Launch name; returns seconds, *ins the thread-instructions. */
static double run(const char *name, const void *const *args, unsigned nargs,
                  unsigned gx, unsigned gy, unsigned bx, unsigned by,
                  uint32_t dyn, uint64_t *ins) {
  const struct cf_ptx_kernel *k = kernel(MOD, name);
  uint8_t buf[256];
  for (unsigned i = 0; i < nargs; i++) {
    size_t off, size;
    ASSERT_EQ(cf_ptx_kernel_param(k, i, &off, &size), 0);
    memcpy(buf + off, args[i], size);
  }
  struct cf_ptx_launch l;
  memset(&l, 0, sizeof l);
  l.grid[0] = gx;
  l.grid[1] = gy;
  l.grid[2] = 1;
  l.block[0] = bx;
  l.block[1] = by;
  l.block[2] = 1;
  l.dynamic_shared_bytes = dyn;
  l.params = buf;
  l.params_len = cf_ptx_kernel_param_bytes(k);
  l.mem = &M.mem;
  l.executed_out = ins;
  char err[320];
  double t0 = now(), c0 = cpu();
  int rc = cf_ptx_launch(k, &l, err, sizeof err);
  double t1 = now();
  last_cpu = cpu() - c0;
  if (rc != 0)
    fprintf(stderr, "%s: %d %s\n", name, rc, err);
  ASSERT_EQ(rc, 0);
  return t1 - t0;
}

static void report(const char *what, double secs, double cpus,
                   uint64_t ins) {
  printf("%-22s wall %7.3f s  cpu %7.3f s  %11llu thread-insns  "
         "%7.1f M/s wall  %7.1f M/s per cpu-second\n", what, secs, cpus,
         (unsigned long long)ins, (double)ins / secs / 1e6,
         (double)ins / cpus / 1e6);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_ptx kernels.ptx [n] [reps]\n");
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 256, reps = argc > 3 ? atoi(argv[3]) : 3;
  FILE *f = fopen(argv[1], "rb");
  ASSERT_NOT_NULL(f);
  static char text[1 << 20];
  size_t len = fread(text, 1, sizeof text, f);
  fclose(f);
  char err[256];
  ASSERT_EQ(cf_ptx_module_load(text, len, &MOD, err, sizeof err), 0);
  tmem_init(&M);
  const char *th = getenv("CF_PTX_THREADS");
  printf("threads: %s\n", th ? th : "default (all cores)");
  /* SGEMM n x n x n */
  size_t bytes = sizeof(float) * (size_t)n * (size_t)n;
  uint64_t dA = tmem_alloc(&M, bytes), dB = tmem_alloc(&M, bytes);
  uint64_t dC = tmem_alloc(&M, bytes);
  float *A = tmem_host(&M, dA), *B = tmem_host(&M, dB);
  for (int i = 0; i < n * n; i++) {
    A[i] = (float)(i % 7) - 3.0f;
    B[i] = (float)(i % 5) - 2.0f;
  }
  const void *sa[] = {&dA, &dB, &dC, &n, &n, &n};
  double best = 1e30, bcpu = 1e30;
  uint64_t ins = 0;
  for (int r = 0; r < reps; r++) {
    double s = run("sgemm_tiled", sa, 6, (unsigned)(n + 15) / 16,
                   (unsigned)(n + 15) / 16, 16, 16, 0, &ins);
    best = s < best ? s : best;
    bcpu = last_cpu < bcpu ? last_cpu : bcpu;
  }
  const float *C = tmem_host(&M, dC);
  float c0 = 0;
  for (int k = 0; k < n; k++)
    c0 = fmaf(A[k], B[k * n], c0);
  ASSERT(C[0] == c0);
  char what[64];
  snprintf(what, sizeof what, "sgemm %dx%dx%d", n, n, n);
  report(what, best, bcpu, ins);
  /* reduction over 4M floats, 256 threads a block */
  enum { BS = 256 };
  int rn = 1 << 22;
  unsigned grid = (unsigned)(rn + 2 * BS - 1) / (2 * BS);
  uint64_t din = tmem_alloc(&M, sizeof(float) * (size_t)rn);
  uint64_t dout = tmem_alloc(&M, sizeof(float) * grid);
  float *in = tmem_host(&M, din);
  for (int i = 0; i < rn; i++)
    in[i] = 1.0f;
  const void *ra[] = {&din, &dout, &rn};
  best = bcpu = 1e30;
  for (int r = 0; r < reps; r++) {
    double s = run("reduce_sum", ra, 3, grid, 1, BS, 1, BS * 4, &ins);
    best = s < best ? s : best;
    bcpu = last_cpu < bcpu ? last_cpu : bcpu;
  }
  ASSERT(((const float *)tmem_host(&M, dout))[0] == 2.0f * BS);
  report("reduce_sum 4M", best, bcpu, ins);
  tmem_free(&M);
  cf_ptx_module_free(MOD);
  return 0;
}
