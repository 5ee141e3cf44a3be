// Stream-ordered allocation through cudart: cudaDeviceGetAttribute
// (cudaDevAttrMemoryPoolsSupported), cudaDeviceGetDefaultMemPool,
// cudaMemPoolSetAttribute/GetAttribute (release threshold, reserved and used
// memory), cudaMallocAsync/cudaFreeAsync on two streams ordered by an event,
// a created pool (cudaMemPoolCreate) with cudaMallocFromPoolAsync, a kernel
// on that memory checked on the CPU, cudaMemPoolTrimTo shrinking the
// reservation, and cudaMemPoolDestroy. Prints PASS/FAIL lines and a final
// "PASS runtime_mallocasync".
#include <cstdio>
#include <cstring>

static int failures;

static void check(bool ok, const char *what, cudaError_t e = cudaSuccess)
{
  if (ok) {
    printf("PASS %s\n", what);
  } else {
    printf("FAIL %s: %s (%d)\n", what, cudaGetErrorString(e), (int)e);
    failures++;
  }
}

#define N (1 << 16)

__global__ void iota(int *x, int base, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    x[i] = base + i;
}

__global__ void axpy(const int *x, int *y, int a, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = a * x[i] + y[i];
}

static unsigned long long pool_attr(cudaMemPool_t p, cudaMemPoolAttr a)
{
  unsigned long long v = 0;
  cudaError_t e = cudaMemPoolGetAttribute(p, a, &v);
  check(e == cudaSuccess, "cudaMemPoolGetAttribute", e);
  return v;
}

static bool matches(const int *h, int a, int base, int n)
{
  for (int i = 0; i < n; i++)
    if (h[i] != a * (base + i) + (7 + i)) {
      printf("info [%d] = %d, want %d\n", i, h[i], a * (base + i) + (7 + i));
      return false;
    }
  return true;
}

int main()
{
  static int h[N];
  cudaError_t e;
  int dev = 0, supported = 0;
  cudaStream_t s1, s2;
  cudaEvent_t ready;

  e = cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, dev);
  check(e == cudaSuccess && supported == 1, "cudaDevAttrMemoryPoolsSupported", e);
  check(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking) == cudaSuccess, "stream 1");
  check(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking) == cudaSuccess, "stream 2");
  check(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming) == cudaSuccess, "event");

  // The default pool keeps what is freed once the threshold allows it.
  cudaMemPool_t def;
  e = cudaDeviceGetDefaultMemPool(&def, dev);
  check(e == cudaSuccess, "cudaDeviceGetDefaultMemPool", e);
  unsigned long long threshold = ~0ull;
  e = cudaMemPoolSetAttribute(def, cudaMemPoolAttrReleaseThreshold, &threshold);
  check(e == cudaSuccess, "cudaMemPoolSetAttribute(ReleaseThreshold)", e);
  check(pool_attr(def, cudaMemPoolAttrReleaseThreshold) == threshold,
        "release threshold reads back");

  // x on s1, y on s2; s2 waits for x before using it; both freed in order.
  int *x = nullptr, *y = nullptr;
  e = cudaMallocAsync(&x, N * sizeof(int), s1);
  check(e == cudaSuccess && x, "cudaMallocAsync x", e);
  e = cudaMallocAsync((void **)&y, N * sizeof(int), s2);
  check(e == cudaSuccess && y, "cudaMallocAsync y", e);
  iota<<<N / 256, 256, 0, s1>>>(x, 100, N);
  cudaEventRecord(ready, s1);
  iota<<<N / 256, 256, 0, s2>>>(y, 7, N);
  cudaStreamWaitEvent(s2, ready, 0);
  axpy<<<N / 256, 256, 0, s2>>>(x, y, 3, N);
  e = cudaMemcpyAsync(h, y, sizeof h, cudaMemcpyDeviceToHost, s2);
  check(e == cudaSuccess, "cudaMemcpyAsync", e);
  e = cudaFreeAsync(x, s2);
  check(e == cudaSuccess, "cudaFreeAsync x on the stream that used it last", e);
  e = cudaFreeAsync(y, s2);
  check(e == cudaSuccess, "cudaFreeAsync y", e);
  e = cudaStreamSynchronize(s2);
  check(e == cudaSuccess, "cudaStreamSynchronize", e);
  check(matches(h, 3, 100, N), "kernel results on async allocations");
  check(pool_attr(def, cudaMemPoolAttrUsedMemCurrent) == 0, "default pool: nothing in use");
  check(pool_attr(def, cudaMemPoolAttrReservedMemCurrent) >= 2 * N * sizeof(int),
        "default pool keeps the freed memory under its threshold");
  e = cudaMemPoolTrimTo(def, 0);
  check(e == cudaSuccess && pool_attr(def, cudaMemPoolAttrReservedMemCurrent) == 0,
        "cudaMemPoolTrimTo(default, 0)", e);
  threshold = 0;
  cudaMemPoolSetAttribute(def, cudaMemPoolAttrReleaseThreshold, &threshold);

  // A created pool: allocations from it, a kernel, trim, destroy.
  cudaMemPoolProps props;
  memset(&props, 0, sizeof props);
  props.allocType = cudaMemAllocationTypePinned;
  props.handleTypes = cudaMemHandleTypeNone;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = dev;
  cudaMemPool_t pool;
  e = cudaMemPoolCreate(&pool, &props);
  check(e == cudaSuccess, "cudaMemPoolCreate", e);
  threshold = ~0ull;
  e = cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold);
  check(e == cudaSuccess, "cudaMemPoolSetAttribute on the created pool", e);
  int *a = nullptr, *b = nullptr;
  e = cudaMallocFromPoolAsync((void **)&a, N * sizeof(int), pool, s1);
  check(e == cudaSuccess && a, "cudaMallocFromPoolAsync a", e);
  e = cudaMallocFromPoolAsync((void **)&b, N * sizeof(int), pool, s1);
  check(e == cudaSuccess && b, "cudaMallocFromPoolAsync b", e);
  check(pool_attr(pool, cudaMemPoolAttrUsedMemCurrent) >= 2 * N * sizeof(int),
        "created pool: used memory counted");
  iota<<<N / 256, 256, 0, s1>>>(a, -50, N);
  iota<<<N / 256, 256, 0, s1>>>(b, 7, N);
  axpy<<<N / 256, 256, 0, s1>>>(a, b, -2, N);
  e = cudaMemcpyAsync(h, b, sizeof h, cudaMemcpyDeviceToHost, s1);
  cudaFreeAsync(a, s1);
  cudaFreeAsync(b, s1);
  e = cudaStreamSynchronize(s1);
  check(e == cudaSuccess && matches(h, -2, -50, N), "kernel results from the created pool", e);
  unsigned long long before = pool_attr(pool, cudaMemPoolAttrReservedMemCurrent);
  e = cudaMemPoolTrimTo(pool, 0);
  unsigned long long after = pool_attr(pool, cudaMemPoolAttrReservedMemCurrent);
  printf("info created pool reserved %llu -> %llu after trim\n", before, after);
  check(e == cudaSuccess && before >= 2 * N * sizeof(int) && after < before,
        "cudaMemPoolTrimTo reduces reserved memory", e);
  e = cudaMemPoolDestroy(pool);
  check(e == cudaSuccess, "cudaMemPoolDestroy", e);

  cudaEventDestroy(ready);
  cudaStreamDestroy(s1);
  cudaStreamDestroy(s2);
  printf("%s runtime_mallocasync\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
