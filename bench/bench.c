/* cuferry-bench: what cuferry costs, each number beside a baseline measured
 * in the same run.
 *   null  the round trip of a forwarded call that does no work, against a
 *         raw frame ping-pong over the same transport (null.c)
 *   emu   the emulator's PTX interpreter: thread-instructions per second on
 *         an SGEMM and a reduction, on one core and on all (emu.c)
 *   launch  launches of an empty kernel on a stream through cuferry, against
 *         the same on the emulator loaded directly (launch.c)
 * The program links the client stub like any CUDA program, so the null suite
 * also shows that the stub's whole path works. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define DEFAULT_ITERS 2000
#define DEFAULT_LAUNCHES 100000

uint64_t cf_bench_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

struct cf_bench_stats cf_bench_summarise(uint64_t *ns, int n)
{
  struct cf_bench_stats s;
  qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
  s.p50 = ns[n / 2] / 1000.0;
  s.p99 = ns[(int)(n * 0.99)] / 1000.0;
  s.p999 = ns[(int)(n * 0.999)] / 1000.0;
  return s;
}

void cf_bench_sibling(const char *self, const char *rel, char *buf, unsigned len)
{
  char exe[4096];
  const char *slash;
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

  (void)self;
  exe[n > 0 ? n : 0] = '\0';
  slash = strrchr(exe, '/');
  snprintf(buf, len, "%.*s/../%s", slash ? (int)(slash - exe) : 1, slash ? exe : ".", rel);
}

static void usage(FILE *to)
{
  fprintf(to,
          "usage: cuferry-bench [--server URL] [--iters N] [--json] [--emu LIB]\n"
          "                     [--ptx FILE] [SUITE...]\n"
          "  Suites (default: null):\n"
          "    null  round trip of a forwarded call that does no work (cuCtxGetCurrent),\n"
          "          beside raw ping-pongs of frames of the same size over TCP and\n"
          "          over TLS on loopback, measured in the same run\n"
          "    emu   the emulator's PTX interpreter: thread-instructions per second\n"
          "          on an SGEMM and a reduction, one core and all cores\n"
          "    launch  N launches of an empty kernel on one stream and a synchronise,\n"
          "          through cuferry and on the emulator loaded directly, same run\n"
          "  --server URL  the cuferryd to use (default: $CUFERRY_SERVER)\n"
          "  --iters N     round trips per measurement (default %d)\n"
          "  --launches N  launches in the launch suite (default %d)\n"
          "  --json        one JSON object per suite instead of a table\n"
          "  --emu LIB     the emulator library (default: the one built beside this tool)\n"
          "  --ptx FILE    the emu suite's kernels (default: built beside this tool)\n",
          DEFAULT_ITERS, DEFAULT_LAUNCHES);
}

int main(int argc, char **argv)
{
  struct cf_bench_opts o = { .iters = DEFAULT_ITERS, .launches = DEFAULT_LAUNCHES, .self = argv[0] };
  const char *suites[8];
  int nsuites = 0, rc = 0;

  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--server") && i + 1 < argc)
      setenv("CUFERRY_SERVER", argv[++i], 1);
    else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 10 || v > 10000000) {
        fprintf(stderr, "cuferry-bench: --iters \"%s\": want 10..10000000\n", argv[i]);
        return 2;
      }
      o.iters = (int)v;
    } else if (!strcmp(argv[i], "--launches") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 1 || v > 100000000) {
        fprintf(stderr, "cuferry-bench: --launches \"%s\": want 1..100000000\n", argv[i]);
        return 2;
      }
      o.launches = (int)v;
    } else if (!strcmp(argv[i], "--json"))
      o.json = 1;
    else if (!strcmp(argv[i], "--emu") && i + 1 < argc)
      o.emu_path = argv[++i];
    else if (!strcmp(argv[i], "--ptx") && i + 1 < argc)
      o.ptx_path = argv[++i];
    else if ((!strcmp(argv[i], "null") || !strcmp(argv[i], "emu") ||
              !strcmp(argv[i], "launch")) && nsuites < 8)
      suites[nsuites++] = argv[i];
    else if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (!nsuites)
    suites[nsuites++] = "null";
  for (int i = 0; i < nsuites; i++) {
    int r = !strcmp(suites[i], "null")   ? cf_bench_null(&o)
            : !strcmp(suites[i], "launch") ? cf_bench_launch(&o)
                                           : cf_bench_emu(&o);
    if (r == 1)
      rc = 1;
  }
  return rc;
}
