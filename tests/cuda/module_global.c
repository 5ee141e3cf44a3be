/* Module globals through cuModuleGetGlobal: the __device__ int counter (size
 * 4) is zeroed from the host, bumped once per thread by the kernel and read
 * back; the __device__ float scale_table[16] (size 64) is written from the
 * host and used by the kernel. An unknown global name gives
 * CUDA_ERROR_NOT_FOUND. */
#include <stdio.h>

#include "host.h"

#define N 3000

int main(int argc, char **argv)
{
  struct cf_host h;
  static float in[N], out[N], want[N];
  float table[16];
  uint32_t seed = 17;

  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "module_global", argv[1]);
  CUfunction f = cf_host_function(&h, "count_and_scale");

  CUdeviceptr dcounter = 0, dtable = 0, dnone = 0;
  size_t bytes = 0;
  CF_CHECK(&h, cuModuleGetGlobal(&dcounter, &bytes, h.mod, "counter"));
  cf_host_result(&h, bytes == sizeof(int), "counter size", "%zu", bytes);
  CF_CHECK(&h, cuModuleGetGlobal(&dtable, &bytes, h.mod, "scale_table"));
  cf_host_result(&h, bytes == sizeof table, "scale_table size", "%zu", bytes);
  CF_EXPECT(&h, cuModuleGetGlobal(&dnone, &bytes, h.mod, "no_such_global"),
            CUDA_ERROR_NOT_FOUND);

  for (int i = 0; i < 16; i++)
    table[i] = (float)(i + 1) * 0.5f;
  for (int i = 0; i < N; i++) {
    in[i] = cf_rand_f32(&seed);
    want[i] = in[i] * table[i & 15];
  }
  int zero = 0, count = -1;
  CF_CHECK(&h, cuMemcpyHtoD(dcounter, &zero, sizeof zero));
  CF_CHECK(&h, cuMemcpyHtoD(dtable, table, sizeof table));

  CUdeviceptr din, dout;
  CF_CHECK(&h, cuMemAlloc(&din, sizeof in));
  CF_CHECK(&h, cuMemAlloc(&dout, sizeof out));
  CF_CHECK(&h, cuMemcpyHtoD(din, in, sizeof in));
  int n = N;
  void *params[] = {&din, &dout, &n};
  CF_CHECK(&h, cuLaunchKernel(f, (N + 127) / 128, 1, 1, 128, 1, 1, 0, NULL,
                              params, NULL));
  CF_CHECK(&h, cuMemcpyDtoH(out, dout, sizeof out));
  CF_CHECK(&h, cuMemcpyDtoH(&count, dcounter, sizeof count));
  cf_host_result(&h, count == N, "counter after one launch", "%d, expected %d",
                 count, N);
  cf_host_cmp_u32(&h, "scaled output", out, want, N);

  /* A second launch keeps counting: the global persists across launches. */
  CF_CHECK(&h, cuLaunchKernel(f, (N + 127) / 128, 1, 1, 128, 1, 1, 0, NULL,
                              params, NULL));
  CF_CHECK(&h, cuMemcpyDtoH(&count, dcounter, sizeof count));
  cf_host_result(&h, count == 2 * N, "counter after two launches",
                 "%d, expected %d", count, 2 * N);
  cf_host_digest("module_global.out", out, sizeof out);
  cf_host_digest("module_global.counter", &count, sizeof count);

  CF_CHECK(&h, cuMemFree(din));
  CF_CHECK(&h, cuMemFree(dout));
  return cf_host_finish(&h);
}
