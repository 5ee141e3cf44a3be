/* 256-bin histogram of 6000 skewed random bytes with atomicAdd on global
 * memory (hist_global) and on shared memory (hist_shared), both compared bin
 * by bin with the CPU count. */
#include <stdio.h>

#include "host.h"

#define N 6000
#define BINS 256

int main(int argc, char **argv)
{
  struct cf_host h;
  static unsigned char data[N];
  static unsigned int want[BINS], got[BINS];
  uint32_t seed = 11;

  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "histogram", argv[1]);
  CUfunction fg = cf_host_function(&h, "hist_global");
  CUfunction fs = cf_host_function(&h, "hist_shared");

  for (int i = 0; i < N; i++) {
    /* Skewed so that many threads collide on the same bins. */
    uint32_t r = cf_rand_u32(&seed);
    data[i] = (unsigned char)((r & 3) == 0 ? r >> 8 : (r >> 8) % 8);
    want[data[i]]++;
  }
  CUdeviceptr dd, dbins;
  CF_CHECK(&h, cuMemAlloc(&dd, sizeof data));
  CF_CHECK(&h, cuMemAlloc(&dbins, sizeof got));
  CF_CHECK(&h, cuMemcpyHtoD(dd, data, sizeof data));
  int n = N;
  void *params[] = {&dd, &n, &dbins};

  CF_CHECK(&h, cuMemsetD32(dbins, 0, BINS));
  CF_CHECK(&h, cuLaunchKernel(fg, 6, 1, 1, 256, 1, 1, 0, NULL, params, NULL));
  CF_CHECK(&h, cuMemcpyDtoH(got, dbins, sizeof got));
  cf_host_cmp_u32(&h, "hist_global", got, want, BINS);
  cf_host_digest("histogram.global", got, sizeof got);

  CF_CHECK(&h, cuMemsetD32(dbins, 0, BINS));
  CF_CHECK(&h, cuLaunchKernel(fs, 4, 1, 1, 128, 1, 1, 0, NULL, params, NULL));
  CF_CHECK(&h, cuMemcpyDtoH(got, dbins, sizeof got));
  cf_host_cmp_u32(&h, "hist_shared", got, want, BINS);
  cf_host_digest("histogram.shared", got, sizeof got);

  CF_CHECK(&h, cuMemFree(dd));
  CF_CHECK(&h, cuMemFree(dbins));
  return cf_host_finish(&h);
}
