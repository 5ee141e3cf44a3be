/* Shared-memory tree reduction with __syncthreads at block sizes 32 to 1024:
 * an exact integer sum (each block folds two elements per thread, partial
 * sums finished on the host) and a float sum with a grid-stride loop checked
 * with a tolerance. */
#include <math.h>
#include <stdio.h>

#include "host.h"

#define N 4099 /* odd on purpose: the last block is partial */

int main(int argc, char **argv)
{
  struct cf_host h;
  static int in[N];
  static float fin[N];
  static int partial[N];
  static float fpartial[64];
  uint32_t seed = 3;
  long long want = 0;
  double fwant = 0.0;

  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "reduction", argv[1]);
  CUfunction fi = cf_host_function(&h, "reduce_sum");
  CUfunction ff = cf_host_function(&h, "reduce_sum_f32");

  for (int i = 0; i < N; i++) {
    in[i] = (int)(cf_rand_u32(&seed) % 2001) - 1000;
    fin[i] = cf_rand_f32(&seed);
    want += in[i];
    fwant += fin[i];
  }
  CUdeviceptr din, dout, dfin, dfout;
  CF_CHECK(&h, cuMemAlloc(&din, sizeof in));
  CF_CHECK(&h, cuMemAlloc(&dout, sizeof partial));
  CF_CHECK(&h, cuMemAlloc(&dfin, sizeof fin));
  CF_CHECK(&h, cuMemAlloc(&dfout, sizeof fpartial));
  CF_CHECK(&h, cuMemcpyHtoD(din, in, sizeof in));
  CF_CHECK(&h, cuMemcpyHtoD(dfin, fin, sizeof fin));

  static const unsigned blocks[] = {32, 64, 128, 256, 512, 1024};
  uint64_t dig = CF_FNV_SEED;
  for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
    unsigned bs = blocks[b];
    unsigned grid = (N + 2 * bs - 1) / (2 * bs);
    int n = N;
    void *params[] = {&din, &dout, &n};
    CF_CHECK(&h, cuMemsetD32(dout, 0xdeadbeef, grid));
    CF_CHECK(&h, cuLaunchKernel(fi, grid, 1, 1, bs, 1, 1, 0, NULL, params,
                                NULL));
    CF_CHECK(&h, cuMemcpyDtoH(partial, dout, grid * sizeof(int)));
    long long got = 0;
    for (unsigned g = 0; g < grid; g++)
      got += partial[g];
    dig = cf_fnv1a(dig, partial, grid * sizeof(int));
    char label[64];
    snprintf(label, sizeof label, "int sum block %u", bs);
    cf_host_result(&h, got == want, label, "got %lld, expected %lld", got,
                   want);

    /* Float: 8 blocks, grid-stride; tolerance covers summation order. */
    void *fparams[] = {&dfin, &dfout, &n};
    CF_CHECK(&h, cuLaunchKernel(ff, 8, 1, 1, bs, 1, 1, 0, NULL, fparams,
                                NULL));
    CF_CHECK(&h, cuMemcpyDtoH(fpartial, dfout, 8 * sizeof(float)));
    double fgot = 0.0;
    for (int g = 0; g < 8; g++)
      fgot += fpartial[g];
    dig = cf_fnv1a(dig, fpartial, 8 * sizeof(float));
    snprintf(label, sizeof label, "float sum block %u", bs);
    cf_host_result(&h, fabs(fgot - fwant) <= 1e-3, label,
                   "got %.9g, expected %.9g", fgot, fwant);
  }
  printf("digest reduction.partials %016llx\n", (unsigned long long)dig);

  CF_CHECK(&h, cuMemFree(din));
  CF_CHECK(&h, cuMemFree(dout));
  CF_CHECK(&h, cuMemFree(dfin));
  CF_CHECK(&h, cuMemFree(dfout));
  return cf_host_finish(&h);
}
