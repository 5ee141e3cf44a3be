/* Corpus group "vote" (vote.cu): ballots, all/any, match.any/all,
 * __activemask under divergence, shuffle broadcasts and a warp rank; all
 * exact, checked against a lane-by-lane CPU model of the warp.
 *
 * usage: corpus_vote MODULE */
#include "corpus.h"

#define N 512 /* 16 warps */
#define W (N / 32)

int main(int argc, char **argv)
{
  struct cf_host h;
  static int in[N], key[N];
  static unsigned uin[N];
  static unsigned got[N], want[N], got2[N], want2[N];
  static int igot[3][N], iwant[3][N];
  uint32_t seed = 31;
  int n = N - 7; /* the last warp has lanes past n */

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_vote", argv[1]);
  for (int i = 0; i < N; i++) {
    int w = i / 32;
    /* Warp 0: all positive; warp 1: all <= 0; others mixed. */
    int r = (int)(cf_rand_u32(&seed) % 200) - 100;
    in[i] = w == 0 ? 1 + (r & 63) : w == 1 ? -(r & 63) : r;
    /* Keys: few distinct per warp; warp 2 all the same. */
    key[i] = w == 2 ? 0x1234 : (int)(cf_rand_u32(&seed) % 4) + w * 16;
    uin[i] = cf_rand_u32(&seed) % 40;
  }
  CUdeviceptr din = cx_upload(&h, in, sizeof in);
  CUdeviceptr dkey = cx_upload(&h, key, sizeof key);
  CUdeviceptr duin = cx_upload(&h, uin, sizeof uin);
  CUdeviceptr d1 = cx_alloc(&h, sizeof got), d2 = cx_alloc(&h, sizeof got);
  CUdeviceptr d3 = cx_alloc(&h, sizeof got);

  /* vote_ballot_all_any */
  {
    void *p[] = {&din, &d1, &d2, &n};
    cx_launch(&h, "vote_ballot_all_any", N / 128, 1, 128, 1, 0, p);
    cx_download(&h, got, d1, W * 4);
    cx_download(&h, got2, d2, W * 4);
    for (int w = 0; w < W; w++) {
      unsigned b = 0;
      for (int l = 0; l < 32; l++)
        if (w * 32 + l < n && in[w * 32 + l] > 0)
          b |= 1u << l;
      want[w] = b;
      want2[w] = (b == 0xffffffffu ? 1u : 0u) | (b ? 2u : 0u);
    }
    cf_host_cmp_u32(&h, "vote_ballot_all_any.ballot", got, want, W);
    cf_host_cmp_u32(&h, "vote_ballot_all_any.flags", got2, want2, W);
    cf_host_digest("vote_ballot", got, W * 4);
    cf_host_digest("vote_all_any", got2, W * 4);
  }

  /* vote_match */
  {
    void *p[] = {&dkey, &d1, &d2};
    cx_launch(&h, "vote_match", N / 64, 1, 64, 1, 0, p);
    cx_download(&h, got, d1, sizeof got);
    cx_download(&h, got2, d2, sizeof got2);
    for (int i = 0; i < N; i++) {
      int w = i / 32;
      unsigned m = 0, same = 1;
      for (int l = 0; l < 32; l++) {
        if (key[w * 32 + l] == key[i])
          m |= 1u << l;
        if ((key[w * 32 + l] >> 8) != (key[w * 32] >> 8))
          same = 0;
      }
      want[i] = m;
      want2[i] = same ? 0xffffffffu : 0u;
    }
    cf_host_cmp_u32(&h, "vote_match.any", got, want, N);
    cf_host_cmp_u32(&h, "vote_match.all", got2, want2, N);
    cf_host_digest("vote_match", got, sizeof got);
  }

  /* vote_activemask: on a GPU (and in a faithful emulator) the two sides of
   * the branch run as separate groups, each seeing only its own lanes. */
  {
    void *p[] = {&din, &d1, &d2};
    cx_launch(&h, "vote_activemask", N / 256, 1, 256, 1, 0, p);
    cx_download(&h, got, d1, sizeof got);
    cx_download(&h, got2, d2, sizeof got2);
    for (int i = 0; i < N; i++) {
      int w = i / 32, odd = in[i] & 1;
      unsigned m = 0, b = 0;
      for (int l = 0; l < 32; l++) {
        int v = in[w * 32 + l];
        if ((v & 1) != odd)
          continue;
        m |= 1u << l;
        if (odd ? v > 100 : v < 50)
          b |= 1u << l;
      }
      want[i] = m;
      want2[i] = b;
    }
    cf_host_cmp_u32(&h, "vote_activemask.mask", got, want, N);
    cf_host_cmp_u32(&h, "vote_activemask.ballot", got2, want2, N);
    cf_host_digest("vote_activemask", got2, sizeof got2);
  }

  /* vote_shfl_idx */
  {
    void *p[] = {&din, &d1, &d2, &d3};
    cx_launch(&h, "vote_shfl_idx", N / 128, 1, 128, 1, 0, p);
    cx_download(&h, igot[0], d1, sizeof igot[0]);
    cx_download(&h, igot[1], d2, sizeof igot[1]);
    cx_download(&h, igot[2], d3, sizeof igot[2]);
    for (int i = 0; i < N; i++) {
      int base = i & ~31, lane = i & 31;
      iwant[0][i] = in[base + ((lane + 5) & 31)];
      iwant[1][i] = in[base + (lane ^ 6)];
      iwant[2][i] = in[base + (lane & ~7) + 3];
    }
    cf_host_cmp_u32(&h, "vote_shfl_idx.rot", igot[0], iwant[0], N);
    cf_host_cmp_u32(&h, "vote_shfl_idx.xor", igot[1], iwant[1], N);
    cf_host_cmp_u32(&h, "vote_shfl_idx.width8", igot[2], iwant[2], N);
    cf_host_digest("vote_shfl_idx", igot, sizeof igot);
  }

  /* vote_rank */
  {
    void *p[] = {&duin, &d1};
    cx_launch(&h, "vote_rank", N / 32, 1, 32, 1, 0, p);
    cx_download(&h, got, d1, sizeof got);
    for (int i = 0; i < N; i++) {
      int base = i & ~31, lane = i & 31;
      unsigned r = 0, eq = 0;
      for (int o = 0; o < 32; o++) {
        unsigned ov = uin[base + o], v = uin[i];
        r += ov < v || (ov == v && o < lane);
        eq += ov == v;
      }
      want[i] = r | eq << 16;
    }
    cf_host_cmp_u32(&h, "vote_rank", got, want, N);
    cf_host_digest("vote_rank", got, sizeof got);
  }

  cx_free(&h, din);
  cx_free(&h, dkey);
  cx_free(&h, duin);
  cx_free(&h, d1);
  cx_free(&h, d2);
  cx_free(&h, d3);
  return cf_host_finish(&h);
}
