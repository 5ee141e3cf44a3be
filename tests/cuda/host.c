/* Shared helpers for the driver-API test programs (see host.h for the output
 * format the integration tests rely on). Owns nothing beyond struct cf_host;
 * every helper reports on stdout and flushes it at once, so the lines the
 * tests read survive a program being killed mid-run. Single-threaded. */
#include "host.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHOWN 5 /* mismatches printed per comparison */

const char *cf_host_err_name(CUresult r)
{
  static char buf[32];
  const char *name = NULL;
  if (cuGetErrorName(r, &name) == CUDA_SUCCESS && name != NULL)
    return name;
  snprintf(buf, sizeof buf, "CUresult %d", (int)r);
  return buf;
}

void cf_host_check_(struct cf_host *h, CUresult r, const char *what,
                    const char *file, int line)
{
  if (r == CUDA_SUCCESS)
    return;
  printf("FAIL %s:%d: %s returned %s (%d)\n", file, line, what,
         cf_host_err_name(r), (int)r);
  printf("FAIL %s (setup failed)\n", h->prog ? h->prog : "program");
  fflush(stdout);
  exit(1);
}

int cf_host_expect_(struct cf_host *h, CUresult got, CUresult want,
                    const char *what, const char *file, int line)
{
  if (got == want) {
    printf("PASS %s == %s\n", what, cf_host_err_name(want));
    fflush(stdout);
    return 1;
  }
  /* cf_host_err_name reuses one buffer; copy the first answer. */
  char got_name[64];
  snprintf(got_name, sizeof got_name, "%s", cf_host_err_name(got));
  printf("FAIL %s:%d: %s returned %s (%d), expected %s (%d)\n", file, line,
         what, got_name, (int)got, cf_host_err_name(want), (int)want);
  fflush(stdout);
  h->failures++;
  return 0;
}

void cf_host_usage(int argc, char **argv, int min_args, const char *usage)
{
  if (argc >= min_args + 1)
    return;
  fprintf(stderr, "usage: %s %s\n", argc > 0 ? argv[0] : "prog", usage);
  exit(2);
}

void cf_host_open(struct cf_host *h, const char *prog, const char *ptx_path)
{
  memset(h, 0, sizeof *h);
  h->prog = prog;
  h->codes = CF_FNV_SEED;
  char name[256] = "";
  CF_CHECK(h, cuInit(0));
  CF_CHECK(h, cuDeviceGet(&h->dev, 0));
  CF_CHECK(h, cuDeviceGetName(name, (int)sizeof name, h->dev));
  printf("info device %s\n", name);
  CF_CHECK(h, cuCtxCreate(&h->ctx, NULL, 0, h->dev));
  if (ptx_path != NULL)
    CF_CHECK(h, cuModuleLoad(&h->mod, ptx_path));
  fflush(stdout);
}

CUfunction cf_host_function(struct cf_host *h, const char *name)
{
  CUfunction f = NULL;
  CF_CHECK(h, cuModuleGetFunction(&f, h->mod, name));
  return f;
}

uint64_t cf_fnv1a(uint64_t seed, const void *p, size_t n)
{
  const unsigned char *b = p;
  uint64_t x = seed;
  for (size_t i = 0; i < n; i++) {
    x ^= b[i];
    x *= UINT64_C(0x100000001b3);
  }
  return x;
}

void cf_host_digest(const char *label, const void *p, size_t n)
{
  printf("digest %s %016llx\n", label,
         (unsigned long long)cf_fnv1a(CF_FNV_SEED, p, n));
  fflush(stdout);
}

int cf_host_result(struct cf_host *h, int ok, const char *label,
                   const char *fmt, ...)
{
  if (ok) {
    printf("PASS %s\n", label);
  } else {
    va_list ap;
    printf("FAIL %s: ", label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    h->failures++;
  }
  fflush(stdout);
  return ok;
}

int cf_host_cmp_f32(struct cf_host *h, const char *label, const float *got,
                    const float *want, size_t n, float abs_tol, float rel_tol)
{
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    float d = fabsf(got[i] - want[i]);
    /* !(d <= tol) also catches NaN. */
    if (!(d <= abs_tol + rel_tol * fabsf(want[i]))) {
      if (bad < MAX_SHOWN)
        printf("  %s[%zu] = %.9g, expected %.9g\n", label, i, (double)got[i],
               (double)want[i]);
      bad++;
    }
  }
  return cf_host_result(h, bad == 0, label, "%zu of %zu values differ", bad,
                        n);
}

int cf_host_cmp_u32(struct cf_host *h, const char *label, const void *got,
                    const void *want, size_t n)
{
  const uint32_t *g = got, *w = want;
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (g[i] != w[i]) {
      if (bad < MAX_SHOWN)
        printf("  %s[%zu] = 0x%08x, expected 0x%08x\n", label, i,
               (unsigned)g[i], (unsigned)w[i]);
      bad++;
    }
  }
  return cf_host_result(h, bad == 0, label, "%zu of %zu words differ", bad,
                        n);
}

uint32_t cf_rand_u32(uint32_t *state)
{
  uint32_t x = *state ? *state : 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

float cf_rand_f32(uint32_t *state)
{
  /* 24 random bits scaled to [-1, 1): exactly representable. */
  return (float)(cf_rand_u32(state) >> 8) / (float)(1u << 23) - 1.0f;
}

int cf_host_finish(struct cf_host *h)
{
  if (h->mod != NULL)
    CF_CHECK(h, cuModuleUnload(h->mod));
  if (h->ctx != NULL)
    CF_CHECK(h, cuCtxDestroy(h->ctx));
  h->mod = NULL;
  h->ctx = NULL;
  if (h->failures == 0)
    printf("PASS %s\n", h->prog);
  else
    printf("FAIL %s (%d failures)\n", h->prog, h->failures);
  fflush(stdout);
  return h->failures == 0 ? 0 : 1;
}

void cf_host_note(struct cf_host *h, uint64_t v)
{
  h->codes = cf_fnv1a(h->codes, &v, sizeof v);
}

void cf_host_codes_digest(const struct cf_host *h)
{
  printf("digest codes %016llx\n", (unsigned long long)h->codes);
}
