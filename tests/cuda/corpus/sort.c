/* Corpus group "sort" (sort.cu): bitonic sorts in shared memory (u32 keys,
 * float key/int value pairs ascending and descending) and an odd-even
 * transposition sort, checked against qsort.
 *
 * usage: corpus_sort MODULE */
#include <stdlib.h>

#include "corpus.h"

#define SORT_N 1024
#define BLOCKS 3

struct kv {
  float k;
  int v;
};

static int cmp_u32(const void *a, const void *b)
{
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return (x > y) - (x < y);
}

static int cmp_i32(const void *a, const void *b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int cmp_kv(const void *a, const void *b)
{
  const struct kv *x = a, *y = b;
  if (x->k != y->k)
    return x->k < y->k ? -1 : 1;
  return (x->v > y->v) - (x->v < y->v);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  static unsigned keys[BLOCKS * SORT_N], want[BLOCKS * SORT_N];
  static int ints[8 * 64], iwant[8 * 64];
  static float fk[512];
  static int fv[512];
  static struct kv kv[512];
  uint32_t seed = 51;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_sort", argv[1]);

  /* bitonic_sort_u32: 3 independent blocks; duplicates included. */
  {
    for (int i = 0; i < BLOCKS * SORT_N; i++)
      keys[i] = want[i] = cf_rand_u32(&seed) % 5000u;
    CUdeviceptr d = cx_upload(&h, keys, sizeof keys);
    void *p[] = {&d};
    cx_launch(&h, "bitonic_sort_u32", BLOCKS, 1, SORT_N / 2, 1, 0, p);
    cx_download(&h, keys, d, sizeof keys);
    for (int b = 0; b < BLOCKS; b++)
      qsort(want + b * SORT_N, SORT_N, sizeof(unsigned), cmp_u32);
    cf_host_cmp_u32(&h, "bitonic_sort_u32", keys, want, BLOCKS * SORT_N);
    cf_host_digest("bitonic_sort_u32", keys, sizeof keys);
    cx_free(&h, d);
  }

  /* bitonic_sort_kv: 512 pairs, ascending then descending. */
  for (int desc = 0; desc < 2; desc++) {
    int n = 512;
    for (int i = 0; i < n; i++) {
      fk[i] = kv[i].k = (float)(cf_rand_u32(&seed) % 300) * 0.25f - 30.0f;
      fv[i] = kv[i].v = i;
    }
    CUdeviceptr dk = cx_upload(&h, fk, sizeof fk);
    CUdeviceptr dv = cx_upload(&h, fv, sizeof fv);
    void *p[] = {&dk, &dv, &n, &desc};
    cx_launch(&h, "bitonic_sort_kv", 1, 1, n / 2, 1, 0, p);
    cx_download(&h, fk, dk, sizeof fk);
    cx_download(&h, fv, dv, sizeof fv);
    qsort(kv, n, sizeof kv[0], cmp_kv);
    int ok = 1;
    for (int i = 0; i < n; i++) {
      struct kv w = kv[desc ? n - 1 - i : i];
      ok &= fk[i] == w.k && fv[i] == w.v;
    }
    cf_host_result(&h, ok, desc ? "bitonic_sort_kv descending"
                                : "bitonic_sort_kv ascending",
                   "pairs out of order");
    cf_host_digest(desc ? "bitonic_sort_kv.desc" : "bitonic_sort_kv.asc", fv,
                   sizeof fv);
    cx_free(&h, dk);
    cx_free(&h, dv);
  }

  /* odd_even_sort: 8 blocks of 64. */
  {
    for (int i = 0; i < 8 * 64; i++)
      ints[i] = iwant[i] = (int)(cf_rand_u32(&seed) % 2001) - 1000;
    CUdeviceptr d = cx_upload(&h, ints, sizeof ints);
    void *p[] = {&d};
    cx_launch(&h, "odd_even_sort", 8, 1, 32, 1, 0, p);
    cx_download(&h, ints, d, sizeof ints);
    for (int b = 0; b < 8; b++)
      qsort(iwant + b * 64, 64, sizeof(int), cmp_i32);
    cf_host_cmp_u32(&h, "odd_even_sort", ints, iwant, 8 * 64);
    cf_host_digest("odd_even_sort", ints, sizeof ints);
    cx_free(&h, d);
  }
  return cf_host_finish(&h);
}
