/* Corpus group "mathlib" (mathlib.cu): single- and double-precision libm
 * calls against the host's libm evaluated in double (tolerances a few ulp
 * wider than CUDA's documented maxima), the fast intrinsics with the looser
 * bounds CUDA documents for them, and conversions with every rounding mode
 * and saturation checked exactly. Float-to-integer conversions of NaN are
 * not checked (the PTX ISA leaves the 64-bit result to the hardware).
 *
 * usage: corpus_mathlib MODULE */
#include <float.h>
#include <limits.h>

#include "corpus.h"

#define N 512

/* float -> int with rounding fn (rint/trunc/ceil/floor) saturated to
 * [lo, hi]. */
static double sat_round(double x, double (*fn)(double), double lo, double hi)
{
  double r = fn(x);
  return r < lo ? lo : r > hi ? hi : r;
}

/* v rounded to float toward zero (dir 0), up (1) or down (-1). */
static float round_dir(double v, int dir)
{
  float rn = (float)v;
  if (isnan(v) || (double)rn == v)
    return rn;
  if (isinf(rn)) {
    if (dir == 0 || (dir > 0) != (v > 0))
      return v > 0 ? FLT_MAX : -FLT_MAX;
    return rn;
  }
  if (dir == 0)
    return fabs((double)rn) > fabs(v) ? nextafterf(rn, 0.0f) : rn;
  if (dir > 0)
    return (double)rn < v ? nextafterf(rn, INFINITY) : rn;
  return (double)rn > v ? nextafterf(rn, -INFINITY) : rn;
}

/* Exact float comparison where two NaNs match. */
static int cmp_f32_exact(struct cf_host *h, const char *label, const float *g,
                         const float *w, size_t n)
{
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    int same = isnan(g[i]) ? isnan(w[i]) : memcmp(&g[i], &w[i], 4) == 0;
    if (!same) {
      if (bad < 5)
        printf("  %s[%zu] = %.9g, expected %.9g\n", label, i, (double)g[i],
               (double)w[i]);
      bad++;
    }
  }
  return cf_host_result(h, bad == 0, label, "%zu of %zu values differ", bad,
                        n);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  static float x[N], y[N], out[14 * N], want[14 * N];
  static double dx[N], dy[N], dout[6 * N], dwant[6 * N];
  static float cf[N];
  static double cd[N];
  static int ci[N];
  static long long cl[N];
  static uint32_t io[8 * N], iw[8 * N];
  static uint64_t lo[3 * N], lw[3 * N];
  static float fo[11 * N], fw[11 * N];
  static double dco[3 * N], dcw[3 * N];
  uint32_t seed = 111;
  int n = N;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_mathlib", argv[1]);
  for (int i = 0; i < N; i++) {
    x[i] = cf_rand_f32(&seed) * 10.0f;
    y[i] = cf_rand_f32(&seed) * 3.0f;
    dx[i] = (double)cf_rand_f32(&seed) * 10.0 + 1e-9 * (i % 7);
    dy[i] = (double)cf_rand_f32(&seed) * 3.0;
  }
  CUdeviceptr dxp = cx_upload(&h, x, sizeof x), dyp = cx_upload(&h, y, sizeof y);

  {
    CUdeviceptr d = cx_alloc(&h, sizeof out);
    void *p[] = {&dxp, &dyp, &d, &n};
    cx_launch(&h, "math_f32", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, out, d, sizeof out);
    for (int i = 0; i < N; i++) {
      float a = x[i], b = y[i], pp = fabsf(a) + 0.001f;
      want[0 * N + i] = (float)sqrt(pp);
      want[1 * N + i] = (float)(1.0 / sqrt(pp));
      want[2 * N + i] = (float)exp(a);
      want[3 * N + i] = (float)log(pp);
      want[4 * N + i] = (float)sin(a);
      want[5 * N + i] = (float)cos(a);
      want[6 * N + i] = (float)tanh(a);
      want[7 * N + i] = (float)pow(pp, b);
      want[8 * N + i] = (float)erf(a);
      want[9 * N + i] = floorf(a * 3.0f);
      want[10 * N + i] = ceilf(a * 3.0f);
      want[11 * N + i] = truncf(a * 3.0f);
      want[12 * N + i] = rintf(a * 3.0f);
      want[13 * N + i] = fmaf(a, b, -a);
    }
    static const char *names[14] = {
        "math_f32.sqrtf", "math_f32.rsqrtf", "math_f32.expf",
        "math_f32.logf", "math_f32.sinf", "math_f32.cosf", "math_f32.tanhf",
        "math_f32.powf", "math_f32.erff", "math_f32.floorf",
        "math_f32.ceilf", "math_f32.truncf", "math_f32.rintf",
        "math_f32.fmaf"};
    cf_host_cmp_f32(&h, names[0], out, want, N, 0.0f, 0.0f); /* IEEE sqrt */
    for (int k = 1; k < 9; k++)
      cf_host_cmp_f32(&h, names[k], out + k * N, want + k * N, N, 1e-7f,
                      1e-6f);
    for (int k = 9; k < 14; k++)
      cmp_f32_exact(&h, names[k], out + k * N, want + k * N, N);
    cf_host_digest("math_f32", out, sizeof out);
    cx_free(&h, d);
  }

  {
    CUdeviceptr da = cx_upload(&h, dx, sizeof dx), db = cx_upload(&h, dy, sizeof dy);
    CUdeviceptr d = cx_alloc(&h, sizeof dout);
    void *p[] = {&da, &db, &d, &n};
    cx_launch(&h, "math_f64", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, dout, d, sizeof dout);
    for (int i = 0; i < N; i++) {
      double a = dx[i], b = dy[i], pp = fabs(a) + 0.001;
      dwant[0 * N + i] = sqrt(pp);
      dwant[1 * N + i] = sin(a);
      dwant[2 * N + i] = cos(a);
      dwant[3 * N + i] = exp(a);
      dwant[4 * N + i] = log(pp);
      dwant[5 * N + i] = pow(pp, b);
    }
    static const char *names[6] = {"math_f64.sqrt", "math_f64.sin",
                                   "math_f64.cos", "math_f64.exp",
                                   "math_f64.log", "math_f64.pow"};
    cx_cmp_f64(&h, names[0], dout, dwant, N, 0.0, 0.0);
    for (int k = 1; k < 6; k++)
      cx_cmp_f64(&h, names[k], dout + k * N, dwant + k * N, N, 1e-300,
                 1e-15);
    cf_host_digest("math_f64", dout, sizeof dout);
    cx_free(&h, da);
    cx_free(&h, db);
    cx_free(&h, d);
  }

  {
    /* x scaled into [-pi, pi] for the fast intrinsics. */
    static float fx[N];
    for (int i = 0; i < N; i++)
      fx[i] = x[i] * 0.314159f;
    CUdeviceptr da = cx_upload(&h, fx, sizeof fx);
    CUdeviceptr d = cx_alloc(&h, 5 * N * sizeof(float));
    void *p[] = {&da, &dyp, &d, &n};
    cx_launch(&h, "math_fast", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, out, d, 5 * N * sizeof(float));
    for (int i = 0; i < N; i++) {
      want[0 * N + i] = (float)exp(fx[i]);
      want[1 * N + i] = (float)log(fabsf(y[i]) + 0.5f);
      want[2 * N + i] = (float)sin(fx[i]);
      want[3 * N + i] = (float)cos(fx[i]);
      want[4 * N + i] = (float)((double)fx[i] / (y[i] + 2.0f));
    }
    static const char *names[5] = {"math_fast.__expf", "math_fast.__logf",
                                   "math_fast.__sinf", "math_fast.__cosf",
                                   "math_fast.__fdividef"};
    for (int k = 0; k < 5; k++)
      cf_host_cmp_f32(&h, names[k], out + k * N, want + k * N, N, 2e-6f,
                      2e-5f);
    cf_host_digest("math_fast", out, 5 * N * sizeof(float));
    cx_free(&h, da);
    cx_free(&h, d);
  }

  {
    static const float fe[] = {2.5f, -2.5f, 0.5f, -0.5f, 1.5f, -1.5f, 3e9f,
                               -3e9f, 1e20f, -1e20f, -0.0f, 2147483520.0f,
                               -2147483648.0f, 4294967040.0f, INFINITY,
                               -INFINITY, NAN, 0.99999994f, 1.0000001f};
    static const double de[] = {2.5, -2.5, 1e39, -1e39, 1e-50, -1e-50,
                                3.4028235e38, 4294967295.7, -0.7, NAN,
                                1.0000000000000002, 16777217.0, -16777217.0,
                                9.3e18, 1.9e19, -2147483648.6};
    static const int ie[] = {16777217, -16777217, 2147483647, -2147483647,
                             33554435, 0, -1, 1 << 30};
    int nfe = (int)(sizeof fe / sizeof fe[0]);
    int nde = (int)(sizeof de / sizeof de[0]);
    int nie = (int)(sizeof ie / sizeof ie[0]);
    for (int i = 0; i < N; i++) {
      cf[i] = i < nfe ? fe[i] : cf_rand_f32(&seed) * (float)(1 << (i % 24));
      cd[i] = i < nde ? de[i]
                      : (double)cf_rand_f32(&seed) * (double)(1 << (i % 30)) +
                            cf_rand_f32(&seed) * 1e-9;
      ci[i] = i < nie ? ie[i] : (int)cf_rand_u32(&seed) >> (i % 31);
      cl[i] = (long long)((uint64_t)cf_rand_u32(&seed) << 32 |
                          cf_rand_u32(&seed)) >> (i % 63);
    }
    CUdeviceptr d1 = cx_upload(&h, cf, sizeof cf), d2 = cx_upload(&h, cd, sizeof cd);
    CUdeviceptr d3 = cx_upload(&h, ci, sizeof ci), d4 = cx_upload(&h, cl, sizeof cl);
    CUdeviceptr o1 = cx_alloc(&h, sizeof io), o2 = cx_alloc(&h, sizeof lo);
    CUdeviceptr o3 = cx_alloc(&h, sizeof fo), o4 = cx_alloc(&h, sizeof dco);
    void *p[] = {&d1, &d2, &d3, &d4, &o1, &o2, &o3, &o4, &n};
    cx_launch(&h, "convert", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, io, o1, sizeof io);
    cx_download(&h, lo, o2, sizeof lo);
    cx_download(&h, fo, o3, sizeof fo);
    cx_download(&h, dco, o4, sizeof dco);
    const double i32lo = INT_MIN, i32hi = INT_MAX, u32hi = UINT_MAX;
    const double i64lo = -9223372036854775808.0;
    for (int i = 0; i < N; i++) {
      double a = cf[i], b = cd[i];
      iw[0 * N + i] = (uint32_t)(int32_t)sat_round(a, rint, i32lo, i32hi);
      iw[1 * N + i] = (uint32_t)(int32_t)sat_round(a, trunc, i32lo, i32hi);
      iw[2 * N + i] = (uint32_t)(int32_t)sat_round(a, ceil, i32lo, i32hi);
      iw[3 * N + i] = (uint32_t)(int32_t)sat_round(a, floor, i32lo, i32hi);
      iw[4 * N + i] = (uint32_t)sat_round(a, rint, 0, u32hi);
      iw[5 * N + i] = (uint32_t)(int32_t)sat_round(b, rint, i32lo, i32hi);
      iw[6 * N + i] = (uint32_t)(int32_t)sat_round(b, trunc, i32lo, i32hi);
      iw[7 * N + i] = (uint32_t)sat_round(b, floor, 0, u32hi);
      double r = rint(a);
      lw[0 * N + i] = r >= 9223372036854775807.0 ? (uint64_t)INT64_MAX
                      : r <= i64lo ? (uint64_t)INT64_MIN
                                   : (uint64_t)(int64_t)r;
      r = trunc(b);
      lw[1 * N + i] = r >= 9223372036854775807.0 ? (uint64_t)INT64_MAX
                      : r <= i64lo ? (uint64_t)INT64_MIN
                                   : (uint64_t)(int64_t)r;
      r = ceil(b);
      lw[2 * N + i] = r >= 18446744073709551615.0 ? UINT64_MAX
                      : r <= 0 ? 0 : (uint64_t)r;
      if (isnan(a)) { /* not checked: see the header comment */
        for (int k = 0; k < 5; k++)
          io[k * N + i] = iw[k * N + i] = 0;
        lo[i] = lw[i] = 0;
      }
      if (isnan(b)) {
        for (int k = 5; k < 8; k++)
          io[k * N + i] = iw[k * N + i] = 0;
        lo[N + i] = lw[N + i] = lo[2 * N + i] = lw[2 * N + i] = 0;
      }
      fw[0 * N + i] = (float)ci[i];
      fw[1 * N + i] = round_dir(ci[i], 0);
      fw[2 * N + i] = round_dir(ci[i], 1);
      fw[3 * N + i] = round_dir(ci[i], -1);
      fw[4 * N + i] = (float)(unsigned)ci[i];
      fw[5 * N + i] = (float)cl[i];
      fw[6 * N + i] = (float)b;
      fw[7 * N + i] = round_dir(b, 0);
      fw[8 * N + i] = round_dir(b, 1);
      fw[9 * N + i] = round_dir(b, -1);
      fw[10 * N + i] = isnan(a) ? 0.0f : a < 0 ? 0.0f : a > 1 ? 1.0f : (float)a;
      dcw[0 * N + i] = a;
      dcw[1 * N + i] = (double)cl[i];
      dcw[2 * N + i] = ci[i];
    }
    static const char *inames[8] = {
        "convert.__float2int_rn", "convert.__float2int_rz",
        "convert.__float2int_ru", "convert.__float2int_rd",
        "convert.__float2uint_rn", "convert.__double2int_rn",
        "convert.__double2int_rz", "convert.__double2uint_rd"};
    for (int k = 0; k < 8; k++)
      cf_host_cmp_u32(&h, inames[k], io + k * N, iw + k * N, N);
    static const char *lnames[3] = {"convert.__float2ll_rn",
                                    "convert.__double2ll_rz",
                                    "convert.__double2ull_ru"};
    for (int k = 0; k < 3; k++)
      cx_cmp_u64(&h, lnames[k], lo + k * N, lw + k * N, N);
    static const char *fnames[11] = {
        "convert.__int2float_rn", "convert.__int2float_rz",
        "convert.__int2float_ru", "convert.__int2float_rd",
        "convert.__uint2float_rn", "convert.__ll2float_rn",
        "convert.__double2float_rn", "convert.__double2float_rz",
        "convert.__double2float_ru", "convert.__double2float_rd",
        "convert.__saturatef"};
    for (int k = 0; k < 11; k++)
      cmp_f32_exact(&h, fnames[k], fo + k * N, fw + k * N, N);
    int dok = 1;
    for (int i = 0; i < 3 * N; i++)
      dok &= isnan(dcw[i]) ? isnan(dco[i]) != 0 : dco[i] == dcw[i];
    cf_host_result(&h, dok, "convert.to_double", "a conversion differs");
    cf_host_digest("convert.int", io, sizeof io);
    cf_host_digest("convert.ll", lo, sizeof lo);
    cf_host_digest("convert.float", fo, sizeof fo);
    cx_free(&h, d1);
    cx_free(&h, d2);
    cx_free(&h, d3);
    cx_free(&h, d4);
    cx_free(&h, o1);
    cx_free(&h, o2);
    cx_free(&h, o3);
    cx_free(&h, o4);
  }
  cx_free(&h, dxp);
  cx_free(&h, dyp);
  return cf_host_finish(&h);
}
