// An ordinary runtime-API program, built by nvcc with the static cudart
// (default) and again with -cudart shared, and run unmodified through the
// stub: device properties, a kernel launch with <<<>>>, templates,
// __constant__ and __device__ symbols with cudaMemcpyToSymbol/FromSymbol, a
// struct passed by value, streams, events and async copies from pinned
// memory, cudaMemset, and an allocation too large to succeed.
// Prints "digest" and PASS/FAIL lines like tests/cuda/host.h.
#include <cstdint>
#include <cstdio>
#include <cstring>

#define N 4096

static int failures;

static void check(bool ok, const char *what, cudaError_t e = cudaSuccess)
{
  if (ok) {
    printf("PASS %s\n", what);
  } else {
    printf("FAIL %s: %s\n", what, cudaGetErrorString(e));
    failures++;
  }
}

static void digest(const char *label, const void *p, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ull;
  printf("digest %s %016llx\n", label, (unsigned long long)h);
}

struct Affine {
  float scale, shift;
  int stride;
};

__constant__ float c_bias[4];
__device__ int d_counter;

template <typename T>
__global__ void axpb(const T *x, T *y, Affine f, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    y[i] = (T)(x[i] * f.scale + f.shift) + (T)c_bias[i % 4];
    atomicAdd(&d_counter, 1);
  }
}

int main()
{
  cudaError_t e;
  cudaDeviceProp prop;
  int count = 0;

  e = cudaGetDeviceCount(&count);
  check(e == cudaSuccess && count >= 1, "cudaGetDeviceCount", e);
  e = cudaGetDeviceProperties(&prop, 0);
  check(e == cudaSuccess && prop.warpSize == 32 && prop.maxThreadsPerBlock >= 1024,
        "cudaGetDeviceProperties", e);
  printf("info device %s cc %d.%d\n", prop.name, prop.major, prop.minor);

  static float hx[N], hy[N];
  static double dx[N], dy[N];
  for (int i = 0; i < N; i++) {
    hx[i] = (float)i * 0.25f;
    dx[i] = i * 0.5;
  }
  const float bias[4] = { 1, 2, 3, 4 };
  int zero = 0, counted = -1;
  check(cudaMemcpyToSymbol(c_bias, bias, sizeof bias) == cudaSuccess, "cudaMemcpyToSymbol __constant__");
  check(cudaMemcpyToSymbol(d_counter, &zero, sizeof zero) == cudaSuccess, "cudaMemcpyToSymbol __device__");

  float *x, *y;
  double *x2, *y2;
  check(cudaMalloc(&x, sizeof hx) == cudaSuccess, "cudaMalloc");
  cudaMalloc(&y, sizeof hy);
  cudaMalloc(&x2, sizeof dx);
  cudaMalloc(&y2, sizeof dy);
  check(cudaMemset(y, 0, sizeof hy) == cudaSuccess, "cudaMemset");
  cudaMemcpy(x, hx, sizeof hx, cudaMemcpyHostToDevice);
  cudaMemcpy(x2, dx, sizeof dx, cudaMemcpyHostToDevice);

  Affine f = { 2.0f, 1.0f, 1 };
  axpb<float><<<N / 256, 256>>>(x, y, f, N);
  check(cudaGetLastError() == cudaSuccess, "launch <float>");
  axpb<double><<<N / 128, 128>>>(x2, y2, f, N);
  e = cudaDeviceSynchronize();
  check(e == cudaSuccess, "cudaDeviceSynchronize", e);
  cudaMemcpy(hy, y, sizeof hy, cudaMemcpyDeviceToHost);
  cudaMemcpy(dy, y2, sizeof dy, cudaMemcpyDeviceToHost);
  cudaMemcpyFromSymbol(&counted, d_counter, sizeof counted);
  int bad = 0;
  for (int i = 0; i < N; i++)
    bad += hy[i] != hx[i] * 2.0f + 1.0f + bias[i % 4] ||
           dy[i] != (double)(float)(dx[i] * 2.0f + 1.0f) + bias[i % 4];
  check(bad == 0, "template kernels with a struct by value and symbols");
  check(counted == 2 * N, "cudaMemcpyFromSymbol __device__ counter");
  digest("axpb_f32", hy, sizeof hy);
  digest("axpb_f64", dy, sizeof dy);

  // streams, events, pinned memory, async copies
  float *pin, *out;
  cudaStream_t s;
  cudaEvent_t a, b;
  float ms = -1;
  cudaMallocHost(&pin, sizeof hx);
  cudaMallocHost(&out, sizeof hx);
  memcpy(pin, hx, sizeof hx);
  cudaStreamCreate(&s);
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  cudaEventRecord(a, s);
  cudaMemcpyAsync(x, pin, sizeof hx, cudaMemcpyHostToDevice, s);
  axpb<float><<<N / 256, 256, 0, s>>>(x, y, f, N);
  cudaMemcpyAsync(out, y, sizeof hx, cudaMemcpyDeviceToHost, s);
  cudaEventRecord(b, s);
  e = cudaStreamSynchronize(s);
  check(e == cudaSuccess && cudaEventElapsedTime(&ms, a, b) == cudaSuccess && ms >= 0,
        "stream, events and async copies", e);
  check(memcmp(out, hy, sizeof hy) == 0, "async result matches");

  // an allocation too large fails cleanly, and the runtime goes on
  void *huge = nullptr;
  e = cudaMalloc(&huge, (size_t)1 << 50);
  check(e == cudaErrorMemoryAllocation, "oversize cudaMalloc fails cleanly", e);
  cudaGetLastError();
  check(cudaMemset(y, 0, sizeof hy) == cudaSuccess, "runtime usable after the failure");

  cudaFreeHost(pin);
  cudaFreeHost(out);
  cudaStreamDestroy(s);
  cudaFree(x);
  cudaFree(y);
  cudaFree(x2);
  cudaFree(y2);
  printf("%s runtime_basics\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
