/* The quick-start demo: an ordinary driver-API program (nothing in it knows
 * about cuferry) that multiplies two matrices on whatever "GPU" libcuda.so.1
 * gives it, says which device that was, and checks the answer on the CPU.
 * usage: demo MATMUL.ptx [N] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <cuda.h>

#define CHECK(call)                                                          \
  do {                                                                      \
    CUresult r_ = (call);                                                   \
    if (r_ != CUDA_SUCCESS) {                                               \
      const char *s_ = "?";                                                 \
      cuGetErrorName(r_, &s_);                                              \
      fprintf(stderr, "demo: %s failed: %s\n", #call, s_);                  \
      return 1;                                                             \
    }                                                                       \
  } while (0)

int main(int argc, char **argv)
{
  int n = argc > 2 ? atoi(argv[2]) : 128, major, minor, version;
  size_t bytes, total;
  char name[128];
  CUdevice dev;
  CUcontext ctx;
  CUmodule mod;
  CUfunction fn;
  CUdeviceptr da, db, dc;
  CUevent t0, t1;
  float ms, *a, *b, *c, worst = 0;

  if (argc < 2 || n <= 0 || n > 2048) {
    fprintf(stderr, "usage: demo MATMUL.ptx [N<=2048]\n");
    return 2;
  }
  bytes = (size_t)n * n * sizeof(float);
  a = malloc(bytes), b = malloc(bytes), c = malloc(bytes);
  for (int i = 0; i < n * n; i++) {
    a[i] = (float)(i % 7) - 3.0f;
    b[i] = (float)(i % 5) * 0.5f;
  }

  CHECK(cuInit(0));
  CHECK(cuDriverGetVersion(&version));
  CHECK(cuDeviceGet(&dev, 0));
  CHECK(cuDeviceGetName(name, sizeof name, dev));
  CHECK(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
  CHECK(cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
  CHECK(cuDeviceTotalMem(&total, dev));
  printf("device 0: %s, compute capability %d.%d, %zu MiB, driver API %d\n",
         name, major, minor, total >> 20, version);

  CHECK(cuCtxCreate(&ctx, NULL, 0, dev));
  CHECK(cuModuleLoad(&mod, argv[1]));
  CHECK(cuModuleGetFunction(&fn, mod, "matmul"));
  CHECK(cuMemAlloc(&da, bytes));
  CHECK(cuMemAlloc(&db, bytes));
  CHECK(cuMemAlloc(&dc, bytes));
  CHECK(cuMemcpyHtoD(da, a, bytes));
  CHECK(cuMemcpyHtoD(db, b, bytes));
  CHECK(cuEventCreate(&t0, 0));
  CHECK(cuEventCreate(&t1, 0));

  void *args[] = { &da, &db, &dc, &n };
  unsigned grid = (unsigned)(n + 15) / 16;
  CHECK(cuEventRecord(t0, 0));
  CHECK(cuLaunchKernel(fn, grid, grid, 1, 16, 16, 1, 0, 0, args, NULL));
  CHECK(cuEventRecord(t1, 0));
  CHECK(cuMemcpyDtoH(c, dc, bytes));
  CHECK(cuEventSynchronize(t1));
  CHECK(cuEventElapsedTime(&ms, t0, t1));

  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double want = 0;
      for (int k = 0; k < n; k++)
        want += (double)a[i * n + k] * b[k * n + j];
      double err = fabs(want - c[i * n + j]);
      if (err > worst)
        worst = (float)err;
    }
  printf("matmul %dx%d: %.1f ms on the device; C[1][2] = %.2f; largest error vs CPU %.2g\n",
         n, n, ms, c[1 * n + 2], worst);
  printf("%s\n", worst < 1e-3f ? "result: correct" : "result: WRONG");

  CHECK(cuMemFree(da));
  CHECK(cuMemFree(db));
  CHECK(cuMemFree(dc));
  CHECK(cuModuleUnload(mod));
  CHECK(cuCtxDestroy(ctx));
  free(a), free(b), free(c);
  return worst < 1e-3f ? 0 : 1;
}
