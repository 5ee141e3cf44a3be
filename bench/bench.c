/* cuferry-bench: what cuferry costs, each number beside a baseline measured
 * in the same run.
 *   latency    the round trip of a forwarded call that does no work, against
 *              a raw frame ping-pong over the same transport (latency.c)
 *   launch     launches of an empty kernel on a stream through cuferry,
 *              against the same on the emulator loaded directly (launch.c)
 *   bandwidth  host-to-device and device-to-host copies against a raw
 *              stream of the same bytes over the same transport (bandwidth.c)
 *   all        the three
 *   emu        the emulator's PTX interpreter: thread-instructions per second
 *              on an SGEMM and a reduction, on one core and on all (emu.c)
 * The program links the client stub like any CUDA program, so the null suite
 * also shows that the stub's whole path works. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cf_codec.h"

#define DEFAULT_ITERS 2000
#define DEFAULT_LAUNCHES 100000
#define DEFAULT_MAX_SIZE ((size_t)256 << 20)
#define DEFAULT_COMPRESSION "none,lz4,zstd,auto"
#define MAX_ROWS 1024

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

static char *rows[MAX_ROWS];
static int n_rows;

void cf_bench_json(const char *fmt, ...)
{
  va_list ap;
  char *row;

  va_start(ap, fmt);
  if (n_rows < MAX_ROWS && vasprintf(&row, fmt, ap) >= 0)
    rows[n_rows++] = row;
  va_end(ap);
}

const char *cf_bench_transport(void)
{
  const char *url = getenv("CUFERRY_SERVER");

  return url && !strncmp(url, "tcp://", 6) ? "tcp" : "tls";
}

static void usage(FILE *to)
{
  fprintf(to,
          "usage: cuferry-bench [--server URL] [--json] [--iters N] [--launches N]\n"
          "                     [--max-size BYTES] [--compression MODES] [--emu LIB]\n"
          "                     [--ptx FILE] [SUITE...]\n"
          "  Suites (default: latency):\n"
          "    latency    round trip of a forwarded call that does no work\n"
          "               (cuCtxGetCurrent) beside a raw ping-pong of frames of the same\n"
          "               size over the same transport (and plain TCP), interleaved\n"
          "    launch     N launches of an empty kernel on one stream and a synchronise,\n"
          "               through cuferry and on the emulator loaded directly\n"
          "    bandwidth  synchronous H2D and D2H copies, 4 KiB to --max-size, of zeros,\n"
          "               random bytes and float32 data, in each compression mode,\n"
          "               beside a raw stream of the same bytes over the same transport\n"
          "    all        latency, launch and bandwidth\n"
          "    emu        the emulator's PTX interpreter: thread-instructions per second\n"
          "               on an SGEMM and a reduction, one core and all cores\n"
          "  --server URL      the cuferryd to use (default: $CUFERRY_SERVER, else the\n"
          "                    client config file)\n"
          "  --json            print every result as one JSON array instead of tables\n"
          "  --iters N         round trips per latency measurement (default %d)\n"
          "  --launches N      launches in the launch suite (default %d)\n"
          "  --max-size BYTES  the bandwidth suite's largest copy (default %zu)\n"
          "  --compression MODES  the bandwidth suite's modes, comma-separated, of none,\n"
          "                    lz4, zstd[:LEVEL] and auto (default %s)\n"
          "  --emu LIB         the emulator library (default: the one built beside this tool)\n"
          "  --ptx FILE        the benchmark kernels (default: built beside this tool)\n",
          DEFAULT_ITERS, DEFAULT_LAUNCHES, DEFAULT_MAX_SIZE, DEFAULT_COMPRESSION);
}

/* argv[i] as a number in [lo, hi], or -1 after saying why. */
static long long number(const char *opt, const char *text, long long lo, long long hi)
{
  char *end;
  long long v = strtoll(text, &end, 10);

  if (*end || v < lo || v > hi) {
    fprintf(stderr, "cuferry-bench: %s \"%s\": want %lld..%lld\n", opt, text, lo, hi);
    return -1;
  }
  return v;
}

/* Whether list is a comma-separated list of compression modes; says why not. */
static int modes_ok(const char *list)
{
  if (!*list) {
    fprintf(stderr, "cuferry-bench: --compression: no mode given\n");
    return 0;
  }
  while (*list) {
    char mode[CF_BENCH_MODE_MAX], why[160];
    enum cf_compress_mode m;
    int level, fits;

    list = cf_bench_next_mode(list, mode, &fits);
    if (!fits || cf_compress_parse(mode, &m, &level, why, sizeof why) != 0) {
      fprintf(stderr, "cuferry-bench: --compression: %s\n", !fits ? "mode too long" : why);
      return 0;
    }
  }
  return 1;
}

const char *cf_bench_next_mode(const char *list, char mode[static CF_BENCH_MODE_MAX], int *fits)
{
  size_t len = strcspn(list, ",");

  snprintf(mode, CF_BENCH_MODE_MAX, "%.*s", (int)len, list);
  *fits = len < CF_BENCH_MODE_MAX;
  return list + len + (list[len] == ',');
}

static const struct {
  const char *name;
  int (*run)(const struct cf_bench_opts *);
} suites[] = {
  { "latency", cf_bench_latency },     { "launch", cf_bench_launch },
  { "bandwidth", cf_bench_bandwidth }, { "emu", cf_bench_emu },
};
#define N_SUITES (sizeof suites / sizeof suites[0])

int main(int argc, char **argv)
{
  struct cf_bench_opts o = { .iters = DEFAULT_ITERS, .launches = DEFAULT_LAUNCHES,
                             .max_size = DEFAULT_MAX_SIZE, .self = argv[0],
                             .compression = DEFAULT_COMPRESSION };
  int want[N_SUITES] = { 0 }, any = 0, rc = 0;
  long long v;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    size_t k = 0;

    if (!strcmp(a, "--server") && i + 1 < argc)
      setenv("CUFERRY_SERVER", argv[++i], 1);
    else if (!strcmp(a, "--iters") && i + 1 < argc) {
      if ((v = number(a, argv[++i], 10, 10000000)) < 0)
        return 2;
      o.iters = (int)v;
    } else if (!strcmp(a, "--launches") && i + 1 < argc) {
      if ((v = number(a, argv[++i], 1, 100000000)) < 0)
        return 2;
      o.launches = (int)v;
    } else if (!strcmp(a, "--max-size") && i + 1 < argc) {
      if ((v = number(a, argv[++i], 4096, (long long)1 << 32)) < 0)
        return 2;
      o.max_size = (size_t)v;
    } else if (!strcmp(a, "--compression") && i + 1 < argc) {
      o.compression = argv[++i];
      if (!modes_ok(o.compression))
        return 2;
    } else if (!strcmp(a, "--json"))
      o.json = 1;
    else if (!strcmp(a, "--emu") && i + 1 < argc)
      o.emu_path = argv[++i];
    else if (!strcmp(a, "--ptx") && i + 1 < argc)
      o.ptx_path = argv[++i];
    else if (!strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "all")) {
      want[0] = want[1] = want[2] = any = 1;
    } else {
      while (k < N_SUITES && strcmp(a, suites[k].name))
        k++;
      if (k == N_SUITES) {
        usage(stderr);
        return 2;
      }
      want[k] = any = 1;
    }
  }
  if (!any)
    want[0] = 1;
  for (size_t k = 0; k < N_SUITES; k++)
    if (want[k] && suites[k].run(&o) == 1)
      rc = 1;
  if (o.json) {
    printf("[\n");
    for (int i = 0; i < n_rows; i++)
      printf("  %s%s\n", rows[i], i + 1 < n_rows ? "," : "");
    printf("]\n");
  }
  for (int i = 0; i < n_rows; i++)
    free(rows[i]);
  return rc;
}
