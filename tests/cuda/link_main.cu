// The kernel half of the cuLink test: calls device functions that only the
// other input defines, so it runs only after JIT linking.
extern "C" __device__ float lib_scale(float x, float s);
extern "C" __device__ int lib_sum_to(int n);

extern "C" __global__ void linked(const float *in, float *out, int *sums, int n, float s)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    out[i] = lib_scale(in[i], s);
    sums[i] = lib_sum_to(i % 20);
  }
}
