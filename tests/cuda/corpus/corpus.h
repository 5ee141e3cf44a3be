/* Small helpers shared by the corpus host programs (tests/cuda/corpus/), on
 * top of ../host.h: device buffers, a checked launch-and-synchronise, and
 * comparisons for 64-bit and double results. Every setup failure exits
 * through CF_CHECK; comparisons print one PASS/FAIL line each. */
#ifndef CF_TESTS_CUDA_CORPUS_H
#define CF_TESTS_CUDA_CORPUS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

#define CX_SHOWN 5 /* mismatches printed per comparison */

static inline CUdeviceptr cx_alloc(struct cf_host *h, size_t n)
{
  CUdeviceptr d;
  CF_CHECK(h, cuMemAlloc(&d, n));
  CF_CHECK(h, cuMemsetD8(d, 0, n));
  return d;
}

static inline CUdeviceptr cx_upload(struct cf_host *h, const void *p, size_t n)
{
  CUdeviceptr d;
  CF_CHECK(h, cuMemAlloc(&d, n));
  CF_CHECK(h, cuMemcpyHtoD(d, p, n));
  return d;
}

static inline void cx_download(struct cf_host *h, void *p, CUdeviceptr d,
                               size_t n)
{
  CF_CHECK(h, cuMemcpyDtoH(p, d, n));
}

static inline void cx_free(struct cf_host *h, CUdeviceptr d)
{
  CF_CHECK(h, cuMemFree(d));
}

/* Launch name on a gx*gy grid of bx*by blocks and wait for it. */
static inline void cx_launch(struct cf_host *h, const char *name, unsigned gx,
                             unsigned gy, unsigned bx, unsigned by,
                             unsigned shared, void **params)
{
  CUfunction f = cf_host_function(h, name);
  CF_CHECK(h, cuLaunchKernel(f, gx, gy, 1, bx, by, 1, shared, NULL, params,
                             NULL));
  CF_CHECK(h, cuCtxSynchronize());
}

/* Exact comparison of n 64-bit words. */
static inline int cx_cmp_u64(struct cf_host *h, const char *label,
                             const void *got, const void *want, size_t n)
{
  const uint64_t *g = got, *w = want;
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (g[i] != w[i]) {
      if (bad < CX_SHOWN)
        printf("  %s[%zu] = 0x%016llx, expected 0x%016llx\n", label, i,
               (unsigned long long)g[i], (unsigned long long)w[i]);
      bad++;
    }
  }
  return cf_host_result(h, bad == 0, label, "%zu of %zu words differ", bad,
                        n);
}

/* Exact comparison of n bytes. */
static inline int cx_cmp_bytes(struct cf_host *h, const char *label,
                               const void *got, const void *want, size_t n)
{
  const unsigned char *g = got, *w = want;
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (g[i] != w[i]) {
      if (bad < CX_SHOWN)
        printf("  %s byte %zu = 0x%02x, expected 0x%02x\n", label, i, g[i],
               w[i]);
      bad++;
    }
  }
  return cf_host_result(h, bad == 0, label, "%zu of %zu bytes differ", bad,
                        n);
}

/* |got - want| <= abs_tol + rel_tol * |want| for n doubles (NaN fails). */
static inline int cx_cmp_f64(struct cf_host *h, const char *label,
                             const double *got, const double *want, size_t n,
                             double abs_tol, double rel_tol)
{
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs(got[i] - want[i]);
    if (!(d <= abs_tol + rel_tol * fabs(want[i]))) {
      if (bad < CX_SHOWN)
        printf("  %s[%zu] = %.17g, expected %.17g\n", label, i, got[i],
               want[i]);
      bad++;
    }
  }
  return cf_host_result(h, bad == 0, label, "%zu of %zu values differ", bad,
                        n);
}

#endif
