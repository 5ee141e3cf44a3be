/* Corpus group "half" (half.cu): fp16 arithmetic on __half and __half2,
 * conversions in four rounding modes, and an f16 matrix multiply with f32
 * accumulation. The reference is a software binary16 in C: every operation
 * is computed exactly in double (exact for these operand ranges) and
 * rounded once; results are compared bit for bit (division within one
 * ulp).
 *
 * usage: corpus_half MODULE */
#include "corpus.h"

#define N 512
#define M 48 /* hgemm: M x M times M x M, not a multiple of the tile */

enum { RN, RZ, RU, RD };

static double h2d(uint16_t h)
{
  int s = h >> 15, e = h >> 10 & 31, m = h & 1023;
  double v;
  if (e == 31)
    v = m ? NAN : INFINITY;
  else if (e == 0)
    v = ldexp(m, -24);
  else
    v = ldexp(1024 + m, e - 25);
  return s ? -v : v;
}

/* v rounded to binary16 with mode. */
static uint16_t d2h(double v, int mode)
{
  if (isnan(v))
    return 0x7e00;
  uint16_t sign = signbit(v) ? 0x8000 : 0;
  double a = fabs(v);
  int neg = sign != 0;
  if (isinf(a))
    return sign | 0x7c00;
  if (a == 0)
    return sign;
  int e;
  frexp(a, &e); /* a in [2^(e-1), 2^e) */
  int qexp = e - 1 < -14 ? -24 : e - 1 - 10;
  double m = ldexp(a, -qexp), mi;
  switch (mode) {
  case RN: mi = nearbyint(m); break;
  case RZ: mi = floor(m); break;
  case RU: mi = neg ? floor(m) : ceil(m); break;
  default: mi = neg ? ceil(m) : floor(m); break;
  }
  double r = ldexp(mi, qexp);
  if (r > 65504.0) {
    int to_inf = mode == RN || (mode == RU && !neg) || (mode == RD && neg);
    return sign | (to_inf ? 0x7c00 : 0x7bff);
  }
  if (r < ldexp(1, -14))
    return sign | (uint16_t)ldexp(r, 24);
  frexp(r, &e);
  return sign | (uint16_t)((e - 1 + 15) << 10) |
         (uint16_t)(ldexp(r, -(e - 1) + 10) - 1024);
}

static uint16_t hrand(uint32_t *seed, int range)
{
  return d2h((double)((int)(cf_rand_u32(seed) % (2 * range + 1)) - range) /
                 256.0,
             RN);
}

/* 16-bit words equal, or (div) adjacent patterns of the same sign. */
static int cmp_u16(struct cf_host *h, const char *label, const uint16_t *g,
                   const uint16_t *w, size_t n, int ulp)
{
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    int d = (int)g[i] - (int)w[i];
    int ok = g[i] == w[i] ||
             (ulp && (g[i] >> 15) == (w[i] >> 15) && (d == 1 || d == -1));
    if (!ok) {
      if (bad < 5)
        printf("  %s[%zu] = 0x%04x (%g), expected 0x%04x (%g)\n", label, i,
               g[i], h2d(g[i]), w[i], h2d(w[i]));
      bad++;
    }
  }
  return cf_host_result(h, bad == 0, label, "%zu of %zu values differ", bad,
                        n);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  static uint16_t a[N], b[N], out[8 * N], want[8 * N];
  static float cf[N], fo[2 * N], fw[2 * N];
  static int ci[N], io[2 * N], iw[2 * N];
  static uint16_t ho[5 * N], hw[5 * N];
  static uint16_t ga[M * M], gb[M * M];
  static float gc[M * M], gw[M * M];
  uint32_t seed = 121;
  int n = N;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_half", argv[1]);
  for (int i = 0; i < N; i++) {
    a[i] = hrand(&seed, 1024);
    b[i] = hrand(&seed, 1024);
  }

  {
    CUdeviceptr da = cx_upload(&h, a, sizeof a), db = cx_upload(&h, b, sizeof b);
    CUdeviceptr d = cx_alloc(&h, sizeof out);
    void *p[] = {&da, &db, &d, &n};
    cx_launch(&h, "half_arith", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, out, d, sizeof out);
    for (int i = 0; i < N; i++) {
      double x = h2d(a[i]), y = h2d(b[i]);
      want[0 * N + i] = d2h(x + y, RN);
      want[1 * N + i] = d2h(x - y, RN);
      want[2 * N + i] = d2h(x * y, RN);
      want[3 * N + i] = d2h(x * y + 0.25, RN);
      want[4 * N + i] = d2h(x / h2d(d2h(fabs(y) + 1.0, RN)), RN);
      want[5 * N + i] = a[i] ^ 0x8000;
      want[6 * N + i] = x < y ? a[i] : b[i];
      want[7 * N + i] = x > y ? a[i] : y > x ? b[i] : (a[i] & 0x8000 ? b[i] : a[i]);
    }
    static const char *names[8] = {"half_arith.hadd", "half_arith.hsub",
                                   "half_arith.hmul", "half_arith.hfma",
                                   "half_arith.hdiv", "half_arith.hneg",
                                   "half_arith.hlt", "half_arith.hmax"};
    for (int k = 0; k < 8; k++)
      cmp_u16(&h, names[k], out + k * N, want + k * N, N, k == 4);
    /* hdiv may differ by an ulp between implementations: not digested. */
    memset(out + 4 * N, 0, N * sizeof(uint16_t));
    cf_host_digest("half_arith", out, sizeof out);

    /* half2_arith over the same data as N/2 pairs. */
    int n2 = N / 2;
    void *q[] = {&da, &db, &d, &n2};
    cx_launch(&h, "half2_arith", (n2 + 63) / 64, 1, 64, 1, 0, q);
    cx_download(&h, out, d, 4 * N * sizeof(uint16_t));
    for (int i = 0; i < N; i++) {
      double x = h2d(a[i]), y = h2d(b[i]);
      want[0 * N + i] = d2h(x + y, RN);
      want[1 * N + i] = d2h(x * y, RN);
      want[2 * N + i] = d2h(x * y + x, RN);
      want[3 * N + (i ^ 1)] = d2h(x - y, RN);
    }
    static const char *names2[4] = {"half2_arith.hadd2", "half2_arith.hmul2",
                                    "half2_arith.hfma2",
                                    "half2_arith.hsub2_swap"};
    for (int k = 0; k < 4; k++)
      cmp_u16(&h, names2[k], out + k * N, want + k * N, N, 0);
    cf_host_digest("half2_arith", out, 4 * N * sizeof(uint16_t));
    cx_free(&h, da);
    cx_free(&h, db);
    cx_free(&h, d);
  }

  {
    static const float fe[] = {65504.0f, 65519.0f, 65520.0f, 70000.0f,
                               -70000.0f, 1e-7f, -1e-7f, 6.1e-5f, 3e-8f,
                               0.33333334f, -0.33333334f, 2049.0f, 2051.0f,
                               -0.0f, 1.00048828125f, 1.000732421875f};
    static const int ie[] = {2049, 2051, 65519, 65520, 100000, -100000,
                             -2049, 0};
    int nfe = (int)(sizeof fe / sizeof fe[0]);
    int nie = (int)(sizeof ie / sizeof ie[0]);
    for (int i = 0; i < N; i++) {
      cf[i] = i < nfe ? fe[i]
                      : cf_rand_f32(&seed) * (float)ldexp(1, (int)(i % 40) - 24);
      ci[i] = i < nie ? ie[i] : (int)(cf_rand_u32(&seed) % 140001) - 70000;
    }
    CUdeviceptr df = cx_upload(&h, cf, sizeof cf), di = cx_upload(&h, ci, sizeof ci);
    CUdeviceptr dh = cx_alloc(&h, sizeof ho), dfo = cx_alloc(&h, sizeof fo);
    CUdeviceptr dio = cx_alloc(&h, sizeof io);
    void *p[] = {&df, &di, &dh, &dfo, &dio, &n};
    cx_launch(&h, "half_convert", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, ho, dh, sizeof ho);
    cx_download(&h, fo, dfo, sizeof fo);
    cx_download(&h, io, dio, sizeof io);
    for (int i = 0; i < N; i++) {
      for (int mode = 0; mode < 4; mode++)
        hw[mode * N + i] = d2h(cf[i], mode);
      hw[4 * N + i] = d2h(ci[i], RN);
      double hv = h2d(hw[i]);
      fw[i] = (float)hv;
      fw[N + i] = 0.0f;
      if (isinf(hv)) { /* half -> int of infinity: not checked */
        io[i] = io[N + i] = iw[i] = iw[N + i] = 0;
        fo[N + i] = fw[N + i] = 0.0f; /* inf + -inf */
      } else {
        iw[i] = (int)nearbyint(hv);
        iw[N + i] = (int)trunc(hv);
      }
    }
    static const char *names[5] = {"half_convert.float2half_rn",
                                   "half_convert.float2half_rz",
                                   "half_convert.float2half_ru",
                                   "half_convert.float2half_rd",
                                   "half_convert.int2half_rn"};
    for (int k = 0; k < 5; k++)
      cmp_u16(&h, names[k], ho + k * N, hw + k * N, N, 0);
    cf_host_cmp_u32(&h, "half_convert.half2float", fo, fw, 2 * N);
    cf_host_cmp_u32(&h, "half_convert.half2int", io, iw, 2 * N);
    cf_host_digest("half_convert", ho, sizeof ho);
    cx_free(&h, df);
    cx_free(&h, di);
    cx_free(&h, dh);
    cx_free(&h, dfo);
    cx_free(&h, dio);
  }

  {
    int m = M;
    for (int i = 0; i < M * M; i++) {
      ga[i] = hrand(&seed, 256);
      gb[i] = hrand(&seed, 256);
    }
    for (int i = 0; i < M; i++)
      for (int j = 0; j < M; j++) {
        double s = 0;
        for (int q = 0; q < M; q++)
          s += h2d(ga[i * M + q]) * h2d(gb[q * M + j]);
        gw[i * M + j] = (float)s;
      }
    CUdeviceptr da = cx_upload(&h, ga, sizeof ga), db = cx_upload(&h, gb, sizeof gb);
    CUdeviceptr dc = cx_alloc(&h, sizeof gc);
    void *p[] = {&da, &db, &dc, &m, &m, &m};
    cx_launch(&h, "hgemm_f32acc", (M + 15) / 16, (M + 15) / 16, 16, 16, 0, p);
    cx_download(&h, gc, dc, sizeof gc);
    cf_host_cmp_f32(&h, "hgemm_f32acc", gc, gw, M * M, 1e-6f, 1e-6f);
    cf_host_digest("hgemm_f32acc", gc, sizeof gc);
    cx_free(&h, da);
    cx_free(&h, db);
    cx_free(&h, dc);
  }
  return cf_host_finish(&h);
}
