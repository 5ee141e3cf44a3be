/* vector_add: c = a + b over 5000 floats (a partial last block), checked
 * exactly against the CPU. Also reads cuFuncGetAttribute and a few device
 * attributes (printed as info, checked for plausibility).
 *
 * usage: vector_add PTX [LOOPS]
 * With LOOPS > 0 it then repeats copy-in, launch, copy-out LOOPS times,
 * printing "looping" once first: the integration tests SIGKILL it there to
 * check that the server drops the session's worker. */
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define N 5000
#define BLOCK 256

int main(int argc, char **argv)
{
  struct cf_host h;
  static float a[N], b[N], c[N], want[N];
  uint32_t seed = 1;

  cf_host_usage(argc, argv, 1, "PTX [LOOPS]");
  long loops = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
  cf_host_open(&h, "vector_add", argv[1]);
  CUfunction f = cf_host_function(&h, "vector_add");

  for (int i = 0; i < N; i++) {
    a[i] = cf_rand_f32(&seed);
    b[i] = cf_rand_f32(&seed);
    want[i] = a[i] + b[i];
  }

  int max_threads = 0, num_params_ok;
  CF_CHECK(&h, cuFuncGetAttribute(&max_threads,
                                  CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f));
  cf_host_result(&h, max_threads >= BLOCK && max_threads <= 1024,
                 "func max threads per block", "%d", max_threads);
  int warp = 0, dev_max_threads = 0, major = 0;
  CF_CHECK(&h, cuDeviceGetAttribute(&warp, CU_DEVICE_ATTRIBUTE_WARP_SIZE,
                                    h.dev));
  CF_CHECK(&h, cuDeviceGetAttribute(&dev_max_threads,
                                    CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                                    h.dev));
  CF_CHECK(&h, cuDeviceGetAttribute(
                   &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, h.dev));
  printf("info warp %d max_threads %d cc_major %d func_max_threads %d\n", warp,
         dev_max_threads, major, max_threads);
  num_params_ok = warp == 32 && dev_max_threads == 1024 && major >= 1;
  cf_host_result(&h, num_params_ok, "device attributes",
                 "warp %d max threads %d cc major %d", warp, dev_max_threads,
                 major);

  CUdeviceptr da, db, dc;
  CF_CHECK(&h, cuMemAlloc(&da, sizeof a));
  CF_CHECK(&h, cuMemAlloc(&db, sizeof b));
  CF_CHECK(&h, cuMemAlloc(&dc, sizeof c));
  CF_CHECK(&h, cuMemcpyHtoD(da, a, sizeof a));
  CF_CHECK(&h, cuMemcpyHtoD(db, b, sizeof b));
  int n = N;
  void *params[] = {&da, &db, &dc, &n};
  CF_CHECK(&h, cuLaunchKernel(f, (N + BLOCK - 1) / BLOCK, 1, 1, BLOCK, 1, 1, 0,
                              NULL, params, NULL));
  CF_CHECK(&h, cuCtxSynchronize());
  CF_CHECK(&h, cuMemcpyDtoH(c, dc, sizeof c));
  cf_host_cmp_f32(&h, "vector_add", c, want, N, 0.0f, 0.0f);
  cf_host_digest("vector_add.c", c, sizeof c);

  if (loops > 0) {
    printf("looping %ld\n", loops);
    fflush(stdout);
    for (long it = 0; it < loops; it++) {
      a[it % N] += 1.0f;
      CF_CHECK(&h, cuMemcpyHtoD(da, a, sizeof a));
      CF_CHECK(&h, cuLaunchKernel(f, (N + BLOCK - 1) / BLOCK, 1, 1, BLOCK, 1,
                                  1, 0, NULL, params, NULL));
      CF_CHECK(&h, cuMemcpyDtoH(c, dc, sizeof c));
    }
    printf("info loops done\n");
  }

  CF_CHECK(&h, cuMemFree(da));
  CF_CHECK(&h, cuMemFree(db));
  CF_CHECK(&h, cuMemFree(dc));
  return cf_host_finish(&h);
}
