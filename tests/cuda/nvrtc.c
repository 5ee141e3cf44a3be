/* A program that JIT-compiles its kernel at run time with NVRTC (from the
 * toolkit), as Numba- and PyTorch-style tools do, then loads the PTX with
 * cuModuleLoadDataEx and runs it. NVRTC loads libcuda itself, so this also
 * shows NVRTC keeps working with cuferry's stub (or the emulator) in place.
 * No arguments. */
#include <nvrtc.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define N 2048

static const char *source =
    "extern \"C\" __global__ void poly(const float *x, float *y, int n, float a)\n"
    "{\n"
    "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "  if (i < n) y[i] = a * x[i] * x[i] + 2.0f * x[i] + 1.0f;\n"
    "}\n";

int main(void)
{
  struct cf_host h;
  nvrtcProgram prog;
  const char *opts[] = { "--gpu-architecture=compute_80" };
  size_t ptx_size = 0;
  char *ptx;
  CUmodule mod;
  CUfunction f;
  CUdeviceptr dx, dy;
  static float x[N], y[N];
  float a = 0.5f;
  int n = N, bad = 0;

  cf_host_open(&h, "nvrtc", NULL);
  if (nvrtcCreateProgram(&prog, source, "poly.cu", 0, NULL, NULL) != NVRTC_SUCCESS ||
      nvrtcCompileProgram(prog, 1, opts) != NVRTC_SUCCESS ||
      nvrtcGetPTXSize(prog, &ptx_size) != NVRTC_SUCCESS || !(ptx = malloc(ptx_size)) ||
      nvrtcGetPTX(prog, ptx) != NVRTC_SUCCESS) {
    printf("FAIL nvrtc: compiling the kernel failed\n");
    return 1;
  }
  nvrtcDestroyProgram(&prog);
  cf_host_result(&h, 1, "NVRTC compiled the kernel", " ");
  CF_CHECK(&h, cuModuleLoadDataEx(&mod, ptx, 0, NULL, NULL));
  CF_CHECK(&h, cuModuleGetFunction(&f, mod, "poly"));
  for (int i = 0; i < N; i++)
    x[i] = (float)(i % 100) * 0.125f;
  CF_CHECK(&h, cuMemAlloc(&dx, sizeof x));
  CF_CHECK(&h, cuMemAlloc(&dy, sizeof y));
  CF_CHECK(&h, cuMemcpyHtoD(dx, x, sizeof x));
  void *args[] = { &dx, &dy, &n, &a };
  CF_CHECK(&h, cuLaunchKernel(f, N / 128, 1, 1, 128, 1, 1, 0, NULL, args, NULL));
  CF_CHECK(&h, cuMemcpyDtoH(y, dy, sizeof y));
  for (int i = 0; i < N; i++) {
    float want = a * x[i] * x[i] + 2.0f * x[i] + 1.0f;
    bad += y[i] < want - 1e-4f * want || y[i] > want + 1e-4f * want;
  }
  cf_host_result(&h, bad == 0, "JIT-compiled kernel computes", "%d wrong", bad);
  cf_host_digest("poly", y, sizeof y);
  free(ptx);
  printf("%s nvrtc\n", h.failures ? "FAIL" : "PASS");
  return h.failures ? 1 : 0;
}
