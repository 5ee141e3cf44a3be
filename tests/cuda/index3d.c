/* 3D grid (3,2,2) of 3D blocks (4,3,2): every thread records its threadIdx,
 * blockIdx, blockDim and gridDim; the host recomputes all of them from the
 * linear index. A second launch with a different shape (1,3,1)x(2,1,5) checks
 * that dimensions are not remembered from the first. */
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

static void run_case(struct cf_host *h, CUfunction f, const unsigned g[3],
                     const unsigned b[3])
{
  size_t nthreads = (size_t)b[0] * b[1] * b[2];
  size_t n = (size_t)g[0] * g[1] * g[2] * nthreads;
  size_t bytes = n * sizeof(uint32_t);
  uint32_t *got = malloc(3 * bytes), *want = malloc(3 * bytes);
  if (!got || !want) {
    cf_host_result(h, 0, "index3d malloc", "out of host memory");
    exit(1);
  }
  for (unsigned bz = 0; bz < g[2]; bz++)
    for (unsigned by = 0; by < g[1]; by++)
      for (unsigned bx = 0; bx < g[0]; bx++)
        for (unsigned tz = 0; tz < b[2]; tz++)
          for (unsigned ty = 0; ty < b[1]; ty++)
            for (unsigned tx = 0; tx < b[0]; tx++) {
              size_t blk = ((size_t)bz * g[1] + by) * g[0] + bx;
              size_t thr = ((size_t)tz * b[1] + ty) * b[0] + tx;
              size_t i = blk * nthreads + thr;
              want[i] = (tz << 20) | (ty << 10) | tx;
              want[n + i] = (bz << 20) | (by << 10) | bx;
              want[2 * n + i] = (g[2] << 24) | (g[1] << 18) | (g[0] << 12) |
                                (b[2] << 8) | (b[1] << 4) | b[0];
            }
  CUdeviceptr d;
  CF_CHECK(h, cuMemAlloc(&d, 3 * bytes));
  CF_CHECK(h, cuMemsetD8(d, 0xff, 3 * bytes));
  CUdeviceptr dt = d, dc = d + bytes, dd = d + 2 * bytes;
  void *params[] = {&dt, &dc, &dd};
  CF_CHECK(h, cuLaunchKernel(f, g[0], g[1], g[2], b[0], b[1], b[2], 0, NULL,
                             params, NULL));
  CF_CHECK(h, cuMemcpyDtoH(got, d, 3 * bytes));
  char label[96];
  snprintf(label, sizeof label, "index3d grid %ux%ux%u block %ux%ux%u", g[0],
           g[1], g[2], b[0], b[1], b[2]);
  cf_host_cmp_u32(h, label, got, want, 3 * n);
  snprintf(label, sizeof label, "index3d.%ux%ux%u.%ux%ux%u", g[0], g[1], g[2],
           b[0], b[1], b[2]);
  cf_host_digest(label, got, 3 * bytes);
  CF_CHECK(h, cuMemFree(d));
  free(got);
  free(want);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "index3d", argv[1]);
  CUfunction f = cf_host_function(&h, "index3d");
  static const unsigned g1[3] = {3, 2, 2}, b1[3] = {4, 3, 2};
  static const unsigned g2[3] = {1, 3, 1}, b2[3] = {2, 1, 5};
  run_case(&h, f, g1, b1);
  run_case(&h, f, g2, b2);
  return cf_host_finish(&h);
}
