/* saxpy with two streams, events, pinned host memory and async copies: the
 * vector is split in two halves, each copied in, transformed and copied out
 * on its own stream from page-locked buffers (cuMemAllocHost). Events bracket
 * the work; the elapsed time must be positive and is printed as info only
 * (timings never enter a digest). cuStreamQuery/cuEventQuery must report
 * completion after the syncs. */
#include <math.h>
#include <stdio.h>

#include "host.h"

#define N 6000
#define HALF (N / 2)

int main(int argc, char **argv)
{
  struct cf_host h;
  uint32_t seed = 7;

  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "saxpy", argv[1]);
  CUfunction f = cf_host_function(&h, "saxpy");

  float *x = NULL, *y = NULL;
  CF_CHECK(&h, cuMemAllocHost((void **)&x, N * sizeof *x));
  CF_CHECK(&h, cuMemAllocHost((void **)&y, N * sizeof *y));
  static float want[N];
  const float alpha = 2.5f;
  for (int i = 0; i < N; i++) {
    x[i] = cf_rand_f32(&seed);
    y[i] = cf_rand_f32(&seed);
    /* fmaf: nvcc contracts a * x + y into one fma.rn.f32. */
    want[i] = fmaf(alpha, x[i], y[i]);
  }

  CUstream s[2];
  CUevent start, stop;
  CUdeviceptr dx, dy;
  CF_CHECK(&h, cuStreamCreate(&s[0], CU_STREAM_NON_BLOCKING));
  CF_CHECK(&h, cuStreamCreate(&s[1], CU_STREAM_DEFAULT));
  CF_CHECK(&h, cuEventCreate(&start, CU_EVENT_DEFAULT));
  CF_CHECK(&h, cuEventCreate(&stop, CU_EVENT_DEFAULT));
  CF_CHECK(&h, cuMemAlloc(&dx, N * sizeof *x));
  CF_CHECK(&h, cuMemAlloc(&dy, N * sizeof *y));

  CF_CHECK(&h, cuEventRecord(start, s[0]));
  CF_CHECK(&h, cuStreamWaitEvent(s[1], start, 0));
  for (int k = 0; k < 2; k++) {
    size_t off = (size_t)k * HALF * sizeof(float);
    size_t bytes = HALF * sizeof(float);
    CUdeviceptr hx = dx + off, hy = dy + off;
    int n = HALF;
    float a = alpha;
    void *params[] = {&n, &a, &hx, &hy};
    CF_CHECK(&h, cuMemcpyHtoDAsync(hx, x + k * HALF, bytes, s[k]));
    CF_CHECK(&h, cuMemcpyHtoDAsync(hy, y + k * HALF, bytes, s[k]));
    /* 4 blocks of 128 threads: the grid-stride loop covers the rest. */
    CF_CHECK(&h, cuLaunchKernel(f, 4, 1, 1, 128, 1, 1, 0, s[k], params, NULL));
    CF_CHECK(&h, cuMemcpyDtoHAsync(y + k * HALF, hy, bytes, s[k]));
  }
  CUevent done1;
  CF_CHECK(&h, cuEventCreate(&done1, CU_EVENT_DEFAULT));
  CF_CHECK(&h, cuEventRecord(done1, s[1]));
  CF_CHECK(&h, cuStreamWaitEvent(s[0], done1, 0));
  CF_CHECK(&h, cuEventRecord(stop, s[0]));
  CF_CHECK(&h, cuEventSynchronize(stop));
  CF_CHECK(&h, cuStreamSynchronize(s[1]));

  CF_EXPECT(&h, cuStreamQuery(s[0]), CUDA_SUCCESS);
  CF_EXPECT(&h, cuStreamQuery(s[1]), CUDA_SUCCESS);
  CF_EXPECT(&h, cuEventQuery(stop), CUDA_SUCCESS);

  float ms = -1.0f;
  CF_CHECK(&h, cuEventElapsedTime(&ms, start, stop));
  printf("info elapsed_ms %.6f\n", (double)ms);
  cf_host_result(&h, ms > 0.0f, "event elapsed time > 0", "%g ms", (double)ms);

  cf_host_cmp_f32(&h, "saxpy", y, want, N, 1e-6f, 1e-6f);
  cf_host_digest("saxpy.y", y, N * sizeof *y);

  CF_CHECK(&h, cuEventDestroy(done1));
  CF_CHECK(&h, cuEventDestroy(start));
  CF_CHECK(&h, cuEventDestroy(stop));
  CF_CHECK(&h, cuStreamDestroy(s[0]));
  CF_CHECK(&h, cuStreamDestroy(s[1]));
  CF_CHECK(&h, cuMemFree(dx));
  CF_CHECK(&h, cuMemFree(dy));
  CF_CHECK(&h, cuMemFreeHost(x));
  CF_CHECK(&h, cuMemFreeHost(y));
  return cf_host_finish(&h);
}
