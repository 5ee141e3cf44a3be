// Streams and events through cudart: streams made with
// cudaStreamCreateWithFlags and cudaStreamCreateWithPriority, work ordered
// across streams with cudaStreamWaitEvent, cudaEventQuery and cudaStreamQuery,
// cudaMemcpyAsync both ways from pinned memory, cudaMemsetAsync,
// cudaDeviceSynchronize and cudaEventElapsedTime. Every result is checked on
// the CPU. Prints PASS/FAIL lines and a final "PASS runtime_streams".
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
#define NS 4

// Slow enough that a query right after the launch may see it pending.
__global__ void scale_add(const int *x, int *y, int a, int b, int n, int rounds)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    int v = x[i];
    for (int r = 0; r < rounds; r++)
      v = v * a + b;
    y[i] = v;
  }
}

__global__ void add_arrays(const int *x, const int *y, int *z, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    z[i] = x[i] + y[i];
}

static int model(int v, int a, int b, int rounds)
{
  unsigned u = (unsigned)v;
  for (int r = 0; r < rounds; r++)
    u = u * (unsigned)a + (unsigned)b;
  return (int)u;
}

int main()
{
  cudaError_t e;
  int lo = 0, hi = 0;
  e = cudaDeviceGetStreamPriorityRange(&lo, &hi);
  check(e == cudaSuccess && hi <= lo, "cudaDeviceGetStreamPriorityRange", e);
  printf("info stream priorities least %d greatest %d\n", lo, hi);

  cudaStream_t s[NS];
  e = cudaStreamCreateWithFlags(&s[0], cudaStreamNonBlocking);
  check(e == cudaSuccess, "cudaStreamCreateWithFlags non-blocking", e);
  e = cudaStreamCreateWithFlags(&s[1], cudaStreamDefault);
  check(e == cudaSuccess, "cudaStreamCreateWithFlags default", e);
  e = cudaStreamCreateWithPriority(&s[2], cudaStreamNonBlocking, hi);
  check(e == cudaSuccess, "cudaStreamCreateWithPriority greatest", e);
  e = cudaStreamCreateWithPriority(&s[3], cudaStreamDefault, lo);
  check(e == cudaSuccess, "cudaStreamCreateWithPriority least", e);

  unsigned flags = 99;
  int prio = 99;
  e = cudaStreamGetFlags(s[0], &flags);
  check(e == cudaSuccess && flags == cudaStreamNonBlocking, "cudaStreamGetFlags non-blocking", e);
  e = cudaStreamGetFlags(s[1], &flags);
  check(e == cudaSuccess && flags == cudaStreamDefault, "cudaStreamGetFlags default", e);
  e = cudaStreamGetPriority(s[2], &prio);
  check(e == cudaSuccess && prio == hi, "cudaStreamGetPriority greatest", e);
  e = cudaStreamGetPriority(s[3], &prio);
  check(e == cudaSuccess && prio == lo, "cudaStreamGetPriority least", e);

  int *hin, *hout[NS], *hsum;
  e = cudaMallocHost(&hin, N * sizeof(int));
  check(e == cudaSuccess, "cudaMallocHost", e);
  for (int k = 0; k < NS; k++)
    cudaHostAlloc(&hout[k], N * sizeof(int), cudaHostAllocDefault);
  cudaMallocHost(&hsum, N * sizeof(int));
  for (int i = 0; i < N; i++)
    hin[i] = i * 3 - 7;

  int *din[NS], *dout[NS], *dsum;
  for (int k = 0; k < NS; k++) {
    cudaMalloc(&din[k], N * sizeof(int));
    cudaMalloc(&dout[k], N * sizeof(int));
  }
  cudaMalloc(&dsum, N * sizeof(int));

  cudaEvent_t done[NS], t0, t1;
  for (int k = 0; k < NS; k++) {
    e = cudaEventCreateWithFlags(&done[k], cudaEventDisableTiming);
    check(e == cudaSuccess, "cudaEventCreateWithFlags disable timing", e);
  }
  cudaEventCreate(&t0);
  cudaEventCreate(&t1);

  // a fresh event and an idle stream are complete
  check(cudaEventQuery(t0) == cudaSuccess, "cudaEventQuery on an unrecorded event");
  check(cudaStreamQuery(s[0]) == cudaSuccess, "cudaStreamQuery on an idle stream");

  e = cudaEventRecord(t0, s[0]);
  check(e == cudaSuccess, "cudaEventRecord start", e);
  // each stream: copy in, memset out, kernel, copy out
  const int rounds = 200;
  for (int k = 0; k < NS; k++) {
    e = cudaMemcpyAsync(din[k], hin, N * sizeof(int), cudaMemcpyHostToDevice, s[k]);
    check(e == cudaSuccess, "cudaMemcpyAsync host to device", e);
    e = cudaMemsetAsync(dout[k], 0xff, N * sizeof(int), s[k]);
    check(e == cudaSuccess, "cudaMemsetAsync", e);
    // half the array is computed; the rest keeps the memset value
    scale_add<<<(N / 2 + 255) / 256, 256, 0, s[k]>>>(din[k], dout[k], k + 2, k, N / 2, rounds);
    check(cudaGetLastError() == cudaSuccess, "launch on a stream");
    e = cudaEventRecord(done[k], s[k]);
    check(e == cudaSuccess, "cudaEventRecord", e);
  }
  e = cudaStreamQuery(s[1]);
  check(e == cudaSuccess || e == cudaErrorNotReady, "cudaStreamQuery while busy: success or not ready", e);
  printf("info cudaStreamQuery while busy: %s\n", cudaGetErrorName(e));
  e = cudaEventQuery(done[1]);
  check(e == cudaSuccess || e == cudaErrorNotReady, "cudaEventQuery while busy: success or not ready", e);
  printf("info cudaEventQuery while busy: %s\n", cudaGetErrorName(e));
  cudaGetLastError(); // a not-ready query is not an error to carry on

  // stream 0 sums the results of streams 1..3 once their events fire
  for (int k = 1; k < NS; k++) {
    e = cudaStreamWaitEvent(s[0], done[k], 0);
    check(e == cudaSuccess, "cudaStreamWaitEvent", e);
  }
  add_arrays<<<N / 256, 256, 0, s[0]>>>(dout[1], dout[2], dsum, N);
  add_arrays<<<N / 256, 256, 0, s[0]>>>(dsum, dout[3], dsum, N);
  e = cudaMemcpyAsync(hsum, dsum, N * sizeof(int), cudaMemcpyDeviceToHost, s[0]);
  check(e == cudaSuccess, "cudaMemcpyAsync device to host (sum)", e);
  e = cudaEventRecord(t1, s[0]);
  check(e == cudaSuccess, "cudaEventRecord stop", e);
  for (int k = 0; k < NS; k++) {
    e = cudaMemcpyAsync(hout[k], dout[k], N * sizeof(int), cudaMemcpyDeviceToHost, s[k]);
    check(e == cudaSuccess, "cudaMemcpyAsync device to host", e);
  }

  e = cudaDeviceSynchronize();
  check(e == cudaSuccess, "cudaDeviceSynchronize", e);
  for (int k = 0; k < NS; k++) {
    check(cudaEventQuery(done[k]) == cudaSuccess, "cudaEventQuery after synchronize");
    check(cudaStreamQuery(s[k]) == cudaSuccess, "cudaStreamQuery after synchronize");
  }

  float ms = -1;
  e = cudaEventElapsedTime(&ms, t0, t1);
  check(e == cudaSuccess && ms >= 0.0f, "cudaEventElapsedTime", e);
  printf("info elapsed %.3f ms\n", ms);
  e = cudaEventElapsedTime(&ms, done[0], done[1]);
  check(e == cudaErrorInvalidResourceHandle, "cudaEventElapsedTime on events without timing fails", e);
  cudaGetLastError();

  bool ok = true;
  for (int k = 0; k < NS && ok; k++)
    for (int i = 0; i < N; i++) {
      int want = i < N / 2 ? model(hin[i], k + 2, k, rounds) : -1;
      if (hout[k][i] != want) {
        printf("info stream %d [%d] = %d, want %d\n", k, i, hout[k][i], want);
        ok = false;
        break;
      }
    }
  check(ok, "each stream's copy, memset and kernel results");
  ok = true;
  for (int i = 0; i < N; i++) {
    unsigned want = 0;
    for (int k = 1; k < NS; k++)
      want += (unsigned)(i < N / 2 ? model(hin[i], k + 2, k, rounds) : -1);
    if (hsum[i] != (int)want) {
      printf("info sum [%d] = %d, want %d\n", i, hsum[i], (int)want);
      ok = false;
      break;
    }
  }
  check(ok, "cross-stream sum ordered by cudaStreamWaitEvent");

  // a blocking stream waits for the legacy NULL stream and vice versa
  e = cudaMemsetAsync(dsum, 0, N * sizeof(int), 0);
  add_arrays<<<N / 256, 256, 0, s[1]>>>(dsum, dout[1], dsum, N);
  e = cudaMemcpy(hsum, dsum, N * sizeof(int), cudaMemcpyDeviceToHost);
  check(e == cudaSuccess && memcmp(hsum, hout[1], N * sizeof(int)) == 0,
        "NULL stream and blocking stream are ordered", e);

  for (int k = 0; k < NS; k++) {
    check(cudaStreamDestroy(s[k]) == cudaSuccess, "cudaStreamDestroy");
    cudaEventDestroy(done[k]);
    cudaFree(din[k]);
    cudaFree(dout[k]);
    cudaFreeHost(hout[k]);
  }
  cudaEventDestroy(t0);
  cudaEventDestroy(t1);
  cudaFree(dsum);
  cudaFreeHost(hin);
  cudaFreeHost(hsum);

  printf("%s runtime_streams\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
