/* Corpus group "scan" (scan.cu): block inclusive and exclusive scans in
 * shared memory, warp scans with __shfl_up_sync, and a two-pass multi-block
 * scan; all exact integer work checked against serial CPU scans.
 *
 * usage: corpus_scan MODULE  (PTX or fatbin of scan.cu) */
#include "corpus.h"

#define N 3000 /* not a multiple of any block size: partial last blocks */
#define BS 256

int main(int argc, char **argv)
{
  struct cf_host h;
  static int in[N], out[N], want[N];
  static unsigned uin[N], uout[N], uwant[N], sums[N], usums[N];
  static long long lout[N], lwant[N];
  static int bsums[N];
  uint32_t seed = 11;
  int n = N;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_scan", argv[1]);
  for (int i = 0; i < N; i++) {
    in[i] = (int)(cf_rand_u32(&seed) % 201) - 100;
    uin[i] = cf_rand_u32(&seed) % 100000u;
  }
  CUdeviceptr din = cx_upload(&h, in, sizeof in);
  CUdeviceptr duin = cx_upload(&h, uin, sizeof uin);
  CUdeviceptr dout = cx_alloc(&h, sizeof out);
  CUdeviceptr duout = cx_alloc(&h, sizeof uout);
  CUdeviceptr dsums = cx_alloc(&h, sizeof sums);
  CUdeviceptr dlout = cx_alloc(&h, sizeof lout);

  /* scan_hillis_steele: inclusive within each block of 256. */
  {
    void *p[] = {&din, &dout, &n};
    cx_launch(&h, "scan_hillis_steele", (N + BS - 1) / BS, 1, BS, 1, 0, p);
    cx_download(&h, out, dout, sizeof out);
    for (int i = 0; i < N; i++)
      want[i] = (i % BS ? want[i - 1] : 0) + in[i];
    cf_host_cmp_u32(&h, "scan_hillis_steele", out, want, N);
    cf_host_digest("scan_hillis_steele", out, sizeof out);
  }

  /* scan_blelloch: exclusive within each chunk of 512, chunk totals. */
  {
    unsigned blocks = (N + 2 * BS - 1) / (2 * BS);
    void *p[] = {&duin, &duout, &dsums, &n};
    cx_launch(&h, "scan_blelloch", blocks, 1, BS, 1, 0, p);
    cx_download(&h, uout, duout, sizeof uout);
    cx_download(&h, sums, dsums, blocks * sizeof(unsigned));
    unsigned acc = 0;
    for (int i = 0; i < N; i++) {
      if (i % (2 * BS) == 0)
        acc = 0;
      uwant[i] = acc;
      acc += uin[i];
      if (i % (2 * BS) == 2 * BS - 1 || i == N - 1)
        usums[i / (2 * BS)] = acc;
    }
    cf_host_cmp_u32(&h, "scan_blelloch", uout, uwant, N);
    cf_host_cmp_u32(&h, "scan_blelloch.sums", sums, usums, blocks);
    cf_host_digest("scan_blelloch", uout, sizeof uout);
  }

  /* scan_warp_shfl: inclusive within each warp, block size 96. */
  {
    void *p[] = {&din, &dout, &n};
    cx_launch(&h, "scan_warp_shfl", (N + 95) / 96, 1, 96, 1, 0, p);
    cx_download(&h, out, dout, sizeof out);
    for (int i = 0; i < N; i++)
      want[i] = (i % 32 ? want[i - 1] : 0) + in[i];
    cf_host_cmp_u32(&h, "scan_warp_shfl", out, want, N);
    cf_host_digest("scan_warp_shfl", out, sizeof out);
  }

  /* scan_block_warps + scan_add_offsets: a full inclusive scan of N. */
  {
    unsigned blocks = (N + BS - 1) / BS;
    CUdeviceptr dbs = cx_alloc(&h, blocks * sizeof(int));
    void *p[] = {&din, &dlout, &dbs, &n};
    cx_launch(&h, "scan_block_warps", blocks, 1, BS, 1, 0, p);
    cx_download(&h, bsums, dbs, blocks * sizeof(int));
    void *q[] = {&dlout, &dbs, &n};
    cx_launch(&h, "scan_add_offsets", blocks, 1, BS, 1, 0, q);
    cx_download(&h, lout, dlout, sizeof lout);
    long long acc = 0;
    for (int i = 0; i < N; i++)
      lwant[i] = acc += in[i];
    cx_cmp_u64(&h, "scan_block_warps+scan_add_offsets", lout, lwant, N);
    cf_host_digest("scan_full", lout, sizeof lout);
    cx_free(&h, dbs);
  }

  cx_free(&h, din);
  cx_free(&h, duin);
  cx_free(&h, dout);
  cx_free(&h, duout);
  cx_free(&h, dsums);
  cx_free(&h, dlout);
  return cf_host_finish(&h);
}
