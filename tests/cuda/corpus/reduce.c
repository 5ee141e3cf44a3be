/* Corpus group "reduce" (reduce.cu): shuffle reductions (down, xor),
 * __reduce_*_sync (sm_80+; a shuffle fallback on sm_75), a double block
 * reduction and a grid reduction with one atomic per warp. Integer results
 * are exact; float and double sums use tolerances that cover summation
 * order.
 *
 * usage: corpus_reduce MODULE */
#include "corpus.h"

#define N 2500

int main(int argc, char **argv)
{
  struct cf_host h;
  static int in[N];
  static unsigned uin[N];
  static float fin[N], fout[N], fwant[N];
  static double din_h[N];
  static int part[64];
  static unsigned rout[3 * (N + 31) / 32 + 3], rwant[3 * (N + 31) / 32 + 3];
  uint32_t seed = 21;
  int n = N;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_reduce", argv[1]);
  for (int i = 0; i < N; i++) {
    in[i] = (int)(cf_rand_u32(&seed) % 20001) - 10000;
    uin[i] = cf_rand_u32(&seed) >> 4;
    fin[i] = cf_rand_f32(&seed);
    din_h[i] = (double)cf_rand_f32(&seed) * 1e3 + 1.0 / 3.0;
  }
  CUdeviceptr din = cx_upload(&h, in, sizeof in);
  CUdeviceptr duin = cx_upload(&h, uin, sizeof uin);
  CUdeviceptr dfin = cx_upload(&h, fin, sizeof fin);
  CUdeviceptr ddin = cx_upload(&h, din_h, sizeof din_h);

  /* reduce_shfl_down at 64, 256 and 1024 threads per block. */
  {
    static const unsigned bss[] = {64, 256, 1024};
    CUdeviceptr dpart = cx_alloc(&h, sizeof part);
    uint64_t dig = CF_FNV_SEED;
    for (int k = 0; k < 3; k++) {
      unsigned bs = bss[k], g = (N + bs - 1) / bs;
      void *p[] = {&din, &dpart, &n};
      cx_launch(&h, "reduce_shfl_down", g, 1, bs, 1, 0, p);
      cx_download(&h, part, dpart, g * sizeof(int));
      int ok = 1;
      for (unsigned b = 0; b < g; b++) {
        int want = 0;
        for (unsigned i = b * bs; i < (b + 1) * bs && i < N; i++)
          want += in[i];
        ok &= part[b] == want;
      }
      char label[64];
      snprintf(label, sizeof label, "reduce_shfl_down block %u", bs);
      cf_host_result(&h, ok, label, "a block sum differs");
      dig = cf_fnv1a(dig, part, g * sizeof(int));
    }
    printf("digest reduce_shfl_down %016llx\n", (unsigned long long)dig);
    cx_free(&h, dpart);
  }

  /* reduce_shfl_xor_f32: every lane holds its warp's total. */
  {
    CUdeviceptr dfout = cx_alloc(&h, sizeof fout);
    void *p[] = {&dfin, &dfout, &n};
    cx_launch(&h, "reduce_shfl_xor_f32", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, fout, dfout, sizeof fout);
    for (int w = 0; w < (N + 31) / 32; w++) {
      double s = 0;
      for (int i = w * 32; i < w * 32 + 32 && i < N; i++)
        s += fin[i];
      for (int i = w * 32; i < w * 32 + 32 && i < N; i++)
        fwant[i] = (float)s;
    }
    cf_host_cmp_f32(&h, "reduce_shfl_xor_f32", fout, fwant, N, 1e-5f, 1e-5f);
    int same = 1;
    for (int i = 0; i < N; i++)
      same &= fout[i] == fout[i & ~31];
    cf_host_result(&h, same, "reduce_shfl_xor_f32 lanes agree",
                   "lanes of a warp hold different totals");
    cf_host_digest("reduce_shfl_xor_f32", fout, sizeof fout);
    cx_free(&h, dfout);
  }

  /* reduce_warp_redux: sum, min, max per warp. */
  {
    int warps = (N + 31) / 32;
    CUdeviceptr dr = cx_alloc(&h, sizeof rout);
    void *p[] = {&duin, &dr, &n};
    cx_launch(&h, "reduce_warp_redux", (N + 255) / 256, 1, 256, 1, 0, p);
    cx_download(&h, rout, dr, 3 * warps * sizeof(unsigned));
    for (int w = 0; w < warps; w++) {
      unsigned s = 0, lo = 0xffffffffu, hi = 0;
      for (int l = 0; l < 32; l++) {
        int i = w * 32 + l;
        unsigned v = i < N ? uin[i] : 0u;
        s += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      rwant[3 * w] = s;
      rwant[3 * w + 1] = lo;
      rwant[3 * w + 2] = hi;
    }
    cf_host_cmp_u32(&h, "reduce_warp_redux", rout, rwant, 3 * warps);
    cf_host_digest("reduce_warp_redux", rout, 3 * warps * sizeof(unsigned));
    cx_free(&h, dr);
  }

  /* reduce_f64_block: 8 blocks of 256, grid-stride. */
  {
    double dpart[8], want = 0, got = 0;
    CUdeviceptr dd = cx_alloc(&h, sizeof dpart);
    void *p[] = {&ddin, &dd, &n};
    cx_launch(&h, "reduce_f64_block", 8, 1, 256, 1, 0, p);
    cx_download(&h, dpart, dd, sizeof dpart);
    for (int i = 0; i < N; i++)
      want += din_h[i];
    for (int b = 0; b < 8; b++)
      got += dpart[b];
    cx_cmp_f64(&h, "reduce_f64_block", &got, &want, 1, 1e-9, 1e-12);
    cf_host_digest("reduce_f64_block", dpart, sizeof dpart);
    cx_free(&h, dd);
  }

  /* reduce_grid_atomic: exact 64-bit sum of squares. */
  {
    unsigned long long got = 0, want = 0;
    CUdeviceptr dt = cx_alloc(&h, sizeof got);
    void *p[] = {&din, &dt, &n};
    cx_launch(&h, "reduce_grid_atomic", 5, 1, 128, 1, 0, p);
    cx_download(&h, &got, dt, sizeof got);
    for (int i = 0; i < N; i++)
      want += (unsigned long long)((long long)in[i] * in[i]);
    cx_cmp_u64(&h, "reduce_grid_atomic", &got, &want, 1);
    cf_host_digest("reduce_grid_atomic", &got, sizeof got);
    cx_free(&h, dt);
  }

  cx_free(&h, din);
  cx_free(&h, duin);
  cx_free(&h, dfin);
  cx_free(&h, ddin);
  return cf_host_finish(&h);
}
