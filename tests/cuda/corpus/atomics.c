/* Corpus group "atomics" (atomics.cu): a shared+global histogram and every
 * atomic on int, unsigned, unsigned long long, float and double, in global
 * and shared memory. Inputs are chosen so that every result is independent
 * of the order in which threads run (float values are multiples of 1/64, so
 * their sums are exact); exchanges are checked as permutations: the old
 * values returned plus the final value are the inputs plus the initial
 * value. Only order-independent results go into digests.
 *
 * usage: corpus_atomics MODULE */
#include <limits.h>
#include <stdlib.h>

#include "corpus.h"

#define N 1500
#define BINS 64

static int cmp_i32(const void *a, const void *b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* old[0..n) plus fin is a permutation of in[0..n) plus init. */
static int perm_i32(const int *old, int fin, const int *in, int init, int n)
{
  static int a[N + 1], b[N + 1];
  memcpy(a, old, n * sizeof(int));
  a[n] = fin;
  memcpy(b, in, n * sizeof(int));
  b[n] = init;
  qsort(a, n + 1, sizeof(int), cmp_i32);
  qsort(b, n + 1, sizeof(int), cmp_i32);
  return memcmp(a, b, (n + 1) * sizeof(int)) == 0;
}

static int perm_u64(const uint64_t *old, uint64_t fin, const uint64_t *in,
                    uint64_t init, int n)
{
  static uint64_t a[N + 1], b[N + 1];
  memcpy(a, old, n * sizeof(uint64_t));
  a[n] = fin;
  memcpy(b, in, n * sizeof(uint64_t));
  b[n] = init;
  qsort(a, n + 1, sizeof(uint64_t), cmp_u64);
  qsort(b, n + 1, sizeof(uint64_t), cmp_u64);
  return memcmp(a, b, (n + 1) * sizeof(uint64_t)) == 0;
}

int main(int argc, char **argv)
{
  struct cf_host h;
  static unsigned char bytes[4 * N];
  static int iin[N], iold[N];
  static unsigned uin[N];
  static uint64_t qin[N], qold[N];
  static float fin[N];
  static double dd_in[N];
  uint32_t seed = 41;
  int n = N;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_atomics", argv[1]);
  for (int i = 0; i < 4 * N; i++)
    bytes[i] = (unsigned char)(cf_rand_u32(&seed) >> 13);
  for (int i = 0; i < N; i++) {
    iin[i] = (int)cf_rand_u32(&seed);
    uin[i] = cf_rand_u32(&seed);
    qin[i] = (uint64_t)cf_rand_u32(&seed) << 32 | cf_rand_u32(&seed);
    fin[i] = (float)((int)(cf_rand_u32(&seed) % 1025) - 512) / 64.0f;
    dd_in[i] = (double)((int)(cf_rand_u32(&seed) % 4097) - 2048) / 1024.0;
  }

  /* hist_shared: 4 blocks of 128, grid-stride over 4N bytes. */
  {
    unsigned hist[BINS], want[BINS] = {0};
    int nb = 4 * N;
    CUdeviceptr din = cx_upload(&h, bytes, sizeof bytes);
    CUdeviceptr dh = cx_alloc(&h, sizeof hist);
    void *p[] = {&din, &dh, &nb};
    cx_launch(&h, "hist_shared", 4, 1, 128, 1, 0, p);
    cx_download(&h, hist, dh, sizeof hist);
    for (int i = 0; i < nb; i++)
      want[bytes[i] % BINS]++;
    cf_host_cmp_u32(&h, "hist_shared", hist, want, BINS);
    cf_host_digest("hist_shared", hist, sizeof hist);
    cx_free(&h, din);
    cx_free(&h, dh);
  }

  /* atomics_int */
  {
    int r[9] = {0, 0, INT_MAX, INT_MIN, -1, 0, 0, 0x7eadbeef, 0}, w[9];
    CUdeviceptr din = cx_upload(&h, iin, sizeof iin);
    CUdeviceptr dr = cx_upload(&h, r, sizeof r);
    CUdeviceptr dold = cx_alloc(&h, sizeof iold);
    void *p[] = {&din, &dr, &dold, &n};
    cx_launch(&h, "atomics_int", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, r, dr, sizeof r);
    cx_download(&h, iold, dold, sizeof iold);
    uint32_t sum = 0;
    w[2] = INT_MAX, w[3] = INT_MIN, w[4] = -1, w[5] = 0, w[6] = 0;
    for (int i = 0; i < N; i++) {
      sum += (uint32_t)iin[i];
      w[2] = iin[i] < w[2] ? iin[i] : w[2];
      w[3] = iin[i] > w[3] ? iin[i] : w[3];
      w[4] &= iin[i] | 0x0f0f0f0f;
      w[5] |= iin[i] & 0x00ff00ff;
      w[6] ^= iin[i];
    }
    w[0] = (int)sum;
    w[1] = (int)(0u - sum);
    w[7] = r[7]; /* checked below */
    w[8] = N;
    cf_host_cmp_u32(&h, "atomics_int", r, w, 9);
    cf_host_result(&h, perm_i32(iold, r[7], iin, 0x7eadbeef, N),
                   "atomics_int.exch", "exchanged values are not a "
                   "permutation of the inputs");
    r[7] = 0;
    cf_host_digest("atomics_int", r, sizeof r);
    cx_free(&h, din);
    cx_free(&h, dr);
    cx_free(&h, dold);
  }

  /* atomics_unsigned */
  {
    unsigned u[6] = {0, 0, 0xffffffffu, 0, 0, 0}, w[6];
    CUdeviceptr din = cx_upload(&h, uin, sizeof uin);
    CUdeviceptr du = cx_upload(&h, u, sizeof u);
    CUdeviceptr dflags = cx_alloc(&h, (N + 7) / 8 * sizeof(unsigned));
    void *p[] = {&din, &du, &dflags, &n};
    cx_launch(&h, "atomics_unsigned", (N + 255) / 256, 1, 256, 1, 0, p);
    cx_download(&h, u, du, sizeof u);
    w[0] = N % 18;
    w[1] = (24 - N % 24) % 24;
    w[2] = 0xffffffffu, w[3] = 0, w[4] = 0;
    for (int i = 0; i < N; i++) {
      w[2] = uin[i] < w[2] ? uin[i] : w[2];
      w[3] = uin[i] > w[3] ? uin[i] : w[3];
      w[4] += uin[i];
    }
    w[5] = (N + 7) / 8;
    cf_host_cmp_u32(&h, "atomics_unsigned", u, w, 6);
    cf_host_digest("atomics_unsigned", u, sizeof u);
    cx_free(&h, din);
    cx_free(&h, du);
    cx_free(&h, dflags);
  }

  /* atomics_u64 */
  {
    uint64_t q[8] = {0, UINT64_MAX, 0, UINT64_MAX, 0, 0,
                     UINT64_C(0x0123456789abcdef), 0}, w[8];
    CUdeviceptr din = cx_upload(&h, qin, sizeof qin);
    CUdeviceptr dq = cx_upload(&h, q, sizeof q);
    CUdeviceptr dold = cx_alloc(&h, sizeof qold);
    void *p[] = {&din, &dq, &dold, &n};
    cx_launch(&h, "atomics_u64", (N + 63) / 64, 1, 64, 1, 0, p);
    cx_download(&h, q, dq, sizeof q);
    cx_download(&h, qold, dold, sizeof qold);
    memset(w, 0, sizeof w);
    w[1] = UINT64_MAX, w[3] = UINT64_MAX;
    for (int i = 0; i < N; i++) {
      w[0] += qin[i];
      w[1] = qin[i] < w[1] ? qin[i] : w[1];
      w[2] = qin[i] > w[2] ? qin[i] : w[2];
      w[3] &= qin[i] | UINT64_C(0xf0f0f0f00f0f0f0f);
      w[4] |= qin[i] & UINT64_C(0x0000ffff0000ffff);
      w[5] ^= qin[i];
      w[7] += 2 * qin[i];
    }
    w[6] = q[6];
    cx_cmp_u64(&h, "atomics_u64", q, w, 8);
    cf_host_result(&h, perm_u64(qold, q[6], qin, UINT64_C(0x0123456789abcdef),
                                N),
                   "atomics_u64.exch", "exchanged values are not a "
                   "permutation of the inputs");
    q[6] = 0;
    cf_host_digest("atomics_u64", q, sizeof q);
    cx_free(&h, din);
    cx_free(&h, dq);
    cx_free(&h, dold);
  }

  /* atomics_float: 6 blocks of 256. */
  {
    enum { B = (N + 255) / 256 };
    float f[3 + B] = {0.0f, -INFINITY, 0.0f}, fw[3 + B];
    double d[2] = {0.0, 0.0}, dw = 0.0;
    CUdeviceptr dfin = cx_upload(&h, fin, sizeof fin);
    CUdeviceptr ddin = cx_upload(&h, dd_in, sizeof dd_in);
    CUdeviceptr df = cx_upload(&h, f, sizeof f);
    CUdeviceptr dd = cx_upload(&h, d, sizeof d);
    void *p[] = {&dfin, &ddin, &df, &dd, &n};
    cx_launch(&h, "atomics_float", B, 1, 256, 1, 0, p);
    cx_download(&h, f, df, sizeof f);
    cx_download(&h, d, dd, sizeof d);
    memset(fw, 0, sizeof fw);
    fw[1] = -INFINITY;
    for (int i = 0; i < N; i++) {
      fw[0] += fin[i];
      fw[1] = fin[i] > fw[1] ? fin[i] : fw[1];
      fw[3 + i / 256] += fin[i];
      dw += dd_in[i];
    }
    int fex = 0, dex = 0;
    for (int i = 0; i < N; i++) {
      fex |= f[2] == fin[i];
      dex |= d[1] == dd_in[i];
    }
    fw[2] = f[2];
    cf_host_cmp_f32(&h, "atomics_float.f32", f, fw, 3 + B, 0.0f, 0.0f);
    cx_cmp_f64(&h, "atomics_float.f64add", d, &dw, 1, 0.0, 0.0);
    cf_host_result(&h, fex, "atomics_float.f32exch", "final %g is no input",
                   (double)f[2]);
    cf_host_result(&h, dex, "atomics_float.f64exch", "final %g is no input",
                   d[1]);
    f[2] = 0.0f;
    d[1] = 0.0;
    cf_host_digest("atomics_float.f32", f, sizeof f);
    cf_host_digest("atomics_float.f64", d, sizeof d);
    cx_free(&h, dfin);
    cx_free(&h, ddin);
    cx_free(&h, df);
    cx_free(&h, dd);
  }
  return cf_host_finish(&h);
}
