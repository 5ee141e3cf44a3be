// Launch errors and a faulting kernel through cudart. First, while the
// context is healthy: an invalid configuration (1025 threads per block) is
// reported by cudaPeekAtLastError (without clearing) and cudaGetLastError
// (clearing) as cudaErrorInvalidConfiguration, and leaves the context usable;
// a failed allocation is likewise not sticky. Then a kernel writes far out of
// bounds: cudaDeviceSynchronize returns cudaErrorIllegalAddress, and so does
// every later call that uses the context (sticky). cudaGetLastError reports
// it once: cudart 13 makes no driver call in cudaGetLastError (measured with
// the stub), so whether it clears the error is cudart's own behaviour, the
// same on any driver, and is not checked here.
// Prints PASS/FAIL lines and a final "PASS runtime_fault".
#include <cstdio>

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

__global__ void fill(int *p, int v, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    p[i] = v + i;
}

// Every thread writes 1 GiB and more past the end of p.
__global__ void wild(int *p, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  p[n + (1 << 28) + i * 4096] = i;
}

#define N 1024

static bool filled(const int *h, int v)
{
  for (int i = 0; i < N; i++)
    if (h[i] != v + i)
      return false;
  return true;
}

int main()
{
  cudaError_t e;
  static int h[N];
  int *d = nullptr;
  e = cudaMalloc(&d, N * sizeof(int));
  check(e == cudaSuccess, "cudaMalloc", e);

  check(cudaGetLastError() == cudaSuccess, "no error at the start");
  check(cudaPeekAtLastError() == cudaSuccess, "peek: no error at the start");

  // -- invalid configuration: not sticky --
  fill<<<1, 1025>>>(d, 1, N);
  e = cudaPeekAtLastError();
  check(e == cudaErrorInvalidConfiguration, "peek sees cudaErrorInvalidConfiguration", e);
  e = cudaPeekAtLastError();
  check(e == cudaErrorInvalidConfiguration, "peek does not clear it", e);
  e = cudaGetLastError();
  check(e == cudaErrorInvalidConfiguration, "cudaGetLastError returns cudaErrorInvalidConfiguration", e);
  e = cudaGetLastError();
  check(e == cudaSuccess, "cudaGetLastError cleared it", e);
  e = cudaPeekAtLastError();
  check(e == cudaSuccess, "peek after clearing", e);
  e = cudaDeviceSynchronize();
  check(e == cudaSuccess, "cudaDeviceSynchronize after the invalid configuration", e);

  // an oversized block in y, and an oversized grid in y, are also rejected
  fill<<<1, dim3(32, 64)>>>(d, 1, N);
  e = cudaGetLastError();
  check(e == cudaErrorInvalidConfiguration, "32x64 threads: cudaErrorInvalidConfiguration", e);
  fill<<<dim3(1, 70000), 32>>>(d, 1, N);
  e = cudaGetLastError();
  check(e == cudaErrorInvalidConfiguration, "grid y 70000: cudaErrorInvalidConfiguration", e);

  // the context still works: the skipped launches wrote nothing
  e = cudaMemset(d, 0, N * sizeof(int));
  check(e == cudaSuccess, "cudaMemset", e);
  fill<<<N / 256, 256>>>(d, 7, N);
  e = cudaGetLastError();
  check(e == cudaSuccess, "valid launch after the invalid ones", e);
  e = cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost);
  check(e == cudaSuccess && filled(h, 7), "valid launch computed the right values", e);

  // -- a failed allocation: not sticky either --
  void *huge = nullptr;
  e = cudaMalloc(&huge, (size_t)1 << 50);
  check(e == cudaErrorMemoryAllocation, "oversize cudaMalloc fails", e);
  e = cudaGetLastError();
  check(e == cudaErrorMemoryAllocation, "cudaGetLastError reports the failed cudaMalloc", e);
  e = cudaGetLastError();
  check(e == cudaSuccess, "and clears it", e);
  fill<<<N / 256, 256>>>(d, 9, N);
  e = cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost);
  check(e == cudaSuccess && filled(h, 9), "context usable after the failed cudaMalloc", e);

  // -- a faulting kernel: sticky --
  wild<<<4, 64>>>(d, N);
  e = cudaDeviceSynchronize();
  check(e == cudaErrorIllegalAddress, "cudaDeviceSynchronize returns cudaErrorIllegalAddress", e);
  e = cudaDeviceSynchronize();
  check(e == cudaErrorIllegalAddress, "a second cudaDeviceSynchronize returns it again", e);
  e = cudaPeekAtLastError();
  check(e == cudaErrorIllegalAddress, "cudaPeekAtLastError returns it", e);
  e = cudaGetLastError();
  check(e == cudaErrorIllegalAddress, "cudaGetLastError returns it", e);
  e = cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost);
  check(e == cudaErrorIllegalAddress, "cudaMemcpy after the fault fails with it", e);
  void *p = nullptr;
  e = cudaMalloc(&p, 4096);
  check(e == cudaErrorIllegalAddress, "cudaMalloc after the fault fails with it", e);
  fill<<<1, 32>>>(d, 1, N);
  e = cudaGetLastError();
  check(e == cudaErrorIllegalAddress, "a launch after the fault fails with it", e);
  e = cudaStreamSynchronize(0);
  check(e == cudaErrorIllegalAddress, "cudaStreamSynchronize after the fault", e);
  check(cudaGetErrorString(cudaErrorIllegalAddress) != nullptr, "cudaGetErrorString");
  printf("info sticky error %s: %s\n", cudaGetErrorName(cudaErrorIllegalAddress),
         cudaGetErrorString(cudaErrorIllegalAddress));

  printf("%s runtime_fault\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
