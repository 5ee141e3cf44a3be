/* Dynamic shared memory (extern __shared__ sized by sharedMemBytes):
 * block_reverse at two block sizes, and two_arrays, which splits one dynamic
 * buffer into an int and a float array. */
#include <stdio.h>

#include "host.h"

#define N 1000 /* not a multiple of the block sizes: partial last blocks */

int main(int argc, char **argv)
{
  struct cf_host h;
  static float in[N], out[N], want[N];
  static int iv[N];
  uint32_t seed = 13;

  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "dynshared", argv[1]);
  CUfunction frev = cf_host_function(&h, "block_reverse");
  CUfunction ftwo = cf_host_function(&h, "two_arrays");

  for (int i = 0; i < N; i++) {
    in[i] = cf_rand_f32(&seed);
    iv[i] = (int)(cf_rand_u32(&seed) % 100);
  }
  CUdeviceptr din, dout, div_;
  CF_CHECK(&h, cuMemAlloc(&din, sizeof in));
  CF_CHECK(&h, cuMemAlloc(&dout, sizeof out));
  CF_CHECK(&h, cuMemAlloc(&div_, sizeof iv));
  CF_CHECK(&h, cuMemcpyHtoD(din, in, sizeof in));
  CF_CHECK(&h, cuMemcpyHtoD(div_, iv, sizeof iv));
  int n = N;

  static const unsigned blocks[] = {64, 256};
  for (size_t k = 0; k < 2; k++) {
    unsigned bs = blocks[k];
    for (int i = 0; i < N; i++) {
      int base = i / (int)bs * (int)bs, t = i - base;
      int src = (int)bs - 1 - t;
      want[i] = base + src < N ? in[base + src] : -1.0f;
    }
    void *params[] = {&din, &dout, &n};
    CF_CHECK(&h, cuLaunchKernel(frev, (N + bs - 1) / bs, 1, 1, bs, 1, 1,
                                bs * sizeof(float), NULL, params, NULL));
    CF_CHECK(&h, cuMemcpyDtoH(out, dout, sizeof out));
    char label[64];
    snprintf(label, sizeof label, "block_reverse block %u", bs);
    cf_host_cmp_u32(&h, label, out, want, N);
    snprintf(label, sizeof label, "dynshared.reverse%u", bs);
    cf_host_digest(label, out, sizeof out);
  }

  const unsigned bs = 128;
  for (int i = 0; i < N; i++) {
    int base = i / (int)bs * (int)bs, t = i - base;
    int o = (t + 1) % (int)bs;
    float si = base + o < N ? (float)iv[base + o] : 0.0f;
    want[i] = si * in[i];
  }
  void *params[] = {&div_, &din, &dout, &n};
  CF_CHECK(&h, cuLaunchKernel(ftwo, (N + bs - 1) / bs, 1, 1, bs, 1, 1,
                              bs * (sizeof(int) + sizeof(float)), NULL, params,
                              NULL));
  CF_CHECK(&h, cuMemcpyDtoH(out, dout, sizeof out));
  cf_host_cmp_u32(&h, "two_arrays", out, want, N);
  cf_host_digest("dynshared.two_arrays", out, sizeof out);

  CF_CHECK(&h, cuMemFree(din));
  CF_CHECK(&h, cuMemFree(dout));
  CF_CHECK(&h, cuMemFree(div_));
  return cf_host_finish(&h);
}
