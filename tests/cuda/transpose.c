/* Matrix transpose through a padded [32][33] shared tile on a 2D grid of
 * 32x8 blocks, at 128x96 and at 100x70 (partial tiles), checked exactly. */
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define TILE 32
#define BLOCK_ROWS 8

static void run_case(struct cf_host *h, CUfunction f, int width, int height)
{
  size_t n = (size_t)width * height;
  float *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
  float *want = malloc(n * sizeof *want);
  if (!in || !out || !want) {
    cf_host_result(h, 0, "transpose malloc", "out of host memory");
    exit(1);
  }
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++) {
      in[(size_t)y * width + x] = (float)(y * 1000 + x);
      want[(size_t)x * height + y] = (float)(y * 1000 + x);
    }
  CUdeviceptr din, dout;
  CF_CHECK(h, cuMemAlloc(&din, n * sizeof *in));
  CF_CHECK(h, cuMemAlloc(&dout, n * sizeof *out));
  CF_CHECK(h, cuMemcpyHtoD(din, in, n * sizeof *in));
  CF_CHECK(h, cuMemsetD32(dout, 0x7fc00000u, n)); /* NaN: catches holes */
  void *params[] = {&dout, &din, &width, &height};
  CF_CHECK(h, cuLaunchKernel(f, (width + TILE - 1) / TILE,
                             (height + TILE - 1) / TILE, 1, TILE, BLOCK_ROWS,
                             1, 0, NULL, params, NULL));
  CF_CHECK(h, cuMemcpyDtoH(out, dout, n * sizeof *out));
  char label[64];
  snprintf(label, sizeof label, "transpose %dx%d", width, height);
  cf_host_cmp_u32(h, label, out, want, n);
  snprintf(label, sizeof label, "transpose.%dx%d", width, height);
  cf_host_digest(label, out, n * sizeof *out);
  CF_CHECK(h, cuMemFree(din));
  CF_CHECK(h, cuMemFree(dout));
  free(in);
  free(out);
  free(want);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "transpose", argv[1]);
  CUfunction f = cf_host_function(&h, "transpose");
  run_case(&h, f, 128, 96);
  run_case(&h, f, 100, 70);
  return cf_host_finish(&h);
}
