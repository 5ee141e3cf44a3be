/* Tiled 16x16 SGEMM, C = alpha * A * B + beta * C (row-major), at 128x128x128
 * and at sizes that are not multiples of 16 (100x75 by 37), compared with a
 * double-precision CPU product within a tolerance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define TILE 16

static void run_case(struct cf_host *h, CUfunction f, int M, int N, int K,
                     uint32_t seed)
{
  size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * N;
  float *A = malloc(na * sizeof *A), *B = malloc(nb * sizeof *B);
  float *C = malloc(nc * sizeof *C), *want = malloc(nc * sizeof *want);
  if (!A || !B || !C || !want) {
    cf_host_result(h, 0, "sgemm malloc", "out of host memory");
    exit(1);
  }
  const float alpha = 1.5f, beta = -0.5f;
  for (size_t i = 0; i < na; i++)
    A[i] = cf_rand_f32(&seed);
  for (size_t i = 0; i < nb; i++)
    B[i] = cf_rand_f32(&seed);
  for (size_t i = 0; i < nc; i++)
    C[i] = cf_rand_f32(&seed);
  for (int r = 0; r < M; r++)
    for (int c = 0; c < N; c++) {
      double acc = 0.0;
      for (int k = 0; k < K; k++)
        acc += (double)A[(size_t)r * K + k] * B[(size_t)k * N + c];
      want[(size_t)r * N + c] =
          (float)(alpha * acc + beta * C[(size_t)r * N + c]);
    }

  CUdeviceptr dA, dB, dC;
  CF_CHECK(h, cuMemAlloc(&dA, na * sizeof *A));
  CF_CHECK(h, cuMemAlloc(&dB, nb * sizeof *B));
  CF_CHECK(h, cuMemAlloc(&dC, nc * sizeof *C));
  CF_CHECK(h, cuMemcpyHtoD(dA, A, na * sizeof *A));
  CF_CHECK(h, cuMemcpyHtoD(dB, B, nb * sizeof *B));
  CF_CHECK(h, cuMemcpyHtoD(dC, C, nc * sizeof *C));
  float a = alpha, b = beta;
  void *params[] = {&M, &N, &K, &a, &dA, &dB, &b, &dC};
  CF_CHECK(h, cuLaunchKernel(f, (N + TILE - 1) / TILE, (M + TILE - 1) / TILE,
                             1, TILE, TILE, 1, 0, NULL, params, NULL));
  CF_CHECK(h, cuMemcpyDtoH(C, dC, nc * sizeof *C));

  char label[64];
  snprintf(label, sizeof label, "sgemm %dx%dx%d", M, N, K);
  /* K products of values in [-1, 1): float accumulation error stays well
   * below 1e-4 * K. */
  cf_host_cmp_f32(h, label, C, want, nc, 1e-4f * (float)K, 1e-5f);
  snprintf(label, sizeof label, "sgemm.%dx%dx%d", M, N, K);
  cf_host_digest(label, C, nc * sizeof *C);

  CF_CHECK(h, cuMemFree(dA));
  CF_CHECK(h, cuMemFree(dB));
  CF_CHECK(h, cuMemFree(dC));
  free(A);
  free(B);
  free(C);
  free(want);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "sgemm", argv[1]);
  CUfunction f = cf_host_function(&h, "sgemm");
  run_case(&h, f, 128, 128, 128, 5);
  run_case(&h, f, 100, 75, 37, 6);
  run_case(&h, f, 17, 1, 33, 8);
  return cf_host_finish(&h);
}
