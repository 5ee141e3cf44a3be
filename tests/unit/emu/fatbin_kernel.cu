// Kernel for tests/unit/emu/test_fatbin.c, built by nvcc into fatbins of
// every kind the emulator reads. It records __CUDA_ARCH__ so the test sees
// which PTX entry of a multi-arch fatbin was chosen.
extern "C" __global__ void scale(float *x, float a, int n, int *arch)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    x[i] = x[i] * a + 1.0f;
  if (i == 0)
    *arch = __CUDA_ARCH__;
}
