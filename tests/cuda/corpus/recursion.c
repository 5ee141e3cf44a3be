/* Corpus group "recursion" (recursion.cu): recursive __noinline__ device
 * functions (prefix sums by halving, Fibonacci, gcd, a recursive scan of a
 * stack array) and indirect calls through a table of device function
 * pointers. Exact integer results.
 *
 * usage: corpus_recursion MODULE */
#include "corpus.h"

#define N 600
#define T 128 /* threads of scan_local_recursive and fold_indirect */
#define LEN 12

static unsigned fib(unsigned k) { return k < 2 ? k : fib(k - 1) + fib(k - 2); }
static unsigned gcd(unsigned a, unsigned b) { return b ? gcd(b, a % b) : a; }

int main(int argc, char **argv)
{
  struct cf_host h;
  static int a[N];
  static long long out[N], want[N];
  static unsigned ua[N], ub[N], fo[N], go[N], fw[N], gw[N];
  static int arr[T * LEN], aout[T * LEN], awant[T * LEN];
  static int fold[T], foldw[T];
  uint32_t seed = 81;
  int n = N;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_recursion", argv[1]);
  for (int i = 0; i < N; i++) {
    a[i] = (int)(cf_rand_u32(&seed) % 1999) - 999;
    unsigned g = 1 + cf_rand_u32(&seed) % 50;
    ua[i] = g * (1 + cf_rand_u32(&seed) % 5000);
    ub[i] = g * (cf_rand_u32(&seed) % 5000);
  }
  for (int i = 0; i < T * LEN; i++)
    arr[i] = (int)(cf_rand_u32(&seed) % 21) - 10;

  {
    CUdeviceptr da = cx_upload(&h, a, sizeof a);
    CUdeviceptr dout = cx_alloc(&h, sizeof out);
    void *p[] = {&da, &dout, &n};
    cx_launch(&h, "prefix_recursive", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, out, dout, sizeof out);
    long long acc = 0;
    for (int i = 0; i < N; i++)
      want[i] = acc += a[i];
    cx_cmp_u64(&h, "prefix_recursive", out, want, N);
    cf_host_digest("prefix_recursive", out, sizeof out);
    cx_free(&h, da);
    cx_free(&h, dout);
  }
  {
    CUdeviceptr da = cx_upload(&h, ua, sizeof ua);
    CUdeviceptr db = cx_upload(&h, ub, sizeof ub);
    CUdeviceptr df = cx_alloc(&h, sizeof fo), dg = cx_alloc(&h, sizeof go);
    void *p[] = {&da, &db, &df, &dg, &n};
    cx_launch(&h, "fib_gcd", (N + 63) / 64, 1, 64, 1, 0, p);
    cx_download(&h, fo, df, sizeof fo);
    cx_download(&h, go, dg, sizeof go);
    for (int i = 0; i < N; i++) {
      fw[i] = fib((unsigned)i % 16);
      gw[i] = gcd(ua[i], ub[i]);
    }
    cf_host_cmp_u32(&h, "fib_gcd.fib", fo, fw, N);
    cf_host_cmp_u32(&h, "fib_gcd.gcd", go, gw, N);
    cf_host_digest("fib_gcd", go, sizeof go);
    cx_free(&h, da);
    cx_free(&h, db);
    cx_free(&h, df);
    cx_free(&h, dg);
  }
  CUdeviceptr darr = cx_upload(&h, arr, sizeof arr);
  {
    CUdeviceptr dout = cx_alloc(&h, sizeof aout);
    void *p[] = {&darr, &dout};
    cx_launch(&h, "scan_local_recursive", T / 32, 1, 32, 1, 0, p);
    cx_download(&h, aout, dout, sizeof aout);
    for (int t = 0; t < T; t++) {
      int c = 0;
      for (int k = 0; k < LEN; k++) {
        awant[t * LEN + k] = c;
        c += arr[t * LEN + k];
      }
    }
    cf_host_cmp_u32(&h, "scan_local_recursive", aout, awant, T * LEN);
    cf_host_digest("scan_local_recursive", aout, sizeof aout);
    cx_free(&h, dout);
  }
  {
    int len = LEN;
    CUdeviceptr dout = cx_alloc(&h, sizeof fold);
    void *p[] = {&darr, &dout, &len};
    cx_launch(&h, "fold_indirect", T / 64, 1, 64, 1, 0, p);
    cx_download(&h, fold, dout, sizeof fold);
    for (int t = 0; t < T; t++) {
      int acc = arr[t * LEN];
      for (int k = 1; k < LEN; k++) {
        int y = arr[t * LEN + k];
        switch (t & 3) {
        case 0: acc += y; break;
        case 1: acc = (int)((unsigned)acc * (unsigned)y); break;
        case 2: acc = acc > y ? acc : y; break;
        default: acc -= y; break;
        }
      }
      foldw[t] = acc;
    }
    cf_host_cmp_u32(&h, "fold_indirect", fold, foldw, T);
    cf_host_digest("fold_indirect", fold, sizeof fold);
    cx_free(&h, dout);
  }
  cx_free(&h, darr);
  return cf_host_finish(&h);
}
