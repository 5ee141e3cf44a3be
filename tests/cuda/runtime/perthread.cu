// Built with --default-stream per-thread, so cudart asks the driver for the
// _ptsz/_ptds entry points (cudaMemcpyAsync -> cuMemcpyHtoDAsync_v2_ptsz, a
// <<<>>> launch -> cuLaunchKernel_ptsz, ...). Four host threads each use
// their own default stream: copy in, launch, memset, copy out, synchronise,
// and check; then the legacy stream (cudaStreamLegacy) and an explicit
// stream are used from the main thread. Prints PASS/FAIL lines and a final
// "PASS runtime_perthread".
#include <cstdio>
#include <thread>
#include <vector>

static int failures;

#define CHECK(call)                                                          \
  do {                                                                       \
    cudaError_t e_ = (call);                                                 \
    if (e_ != cudaSuccess) {                                                 \
      printf("FAIL %s: %s\n", #call, cudaGetErrorString(e_));                \
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);                    \
      return;                                                                \
    }                                                                        \
  } while (0)

__global__ void scale(float *p, float k, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    p[i] = p[i] * k + (float)i;
}

static void worker(int id)
{
  const int n = 10000 + 777 * id;
  std::vector<float> h(n), back(n);
  for (int i = 0; i < n; i++)
    h[i] = (float)(i % 97) + id;
  float *d = nullptr, *z = nullptr;
  CHECK(cudaMalloc(&d, n * sizeof(float)));
  CHECK(cudaMalloc(&z, n * sizeof(float)));
  for (int round = 0; round < 3; round++) {
    CHECK(cudaMemcpyAsync(d, h.data(), n * sizeof(float), cudaMemcpyHostToDevice, 0));
    scale<<<(n + 255) / 256, 256>>>(d, 2.0f + round, n);
    CHECK(cudaGetLastError());
    CHECK(cudaMemsetAsync(z, 0xff, n * sizeof(float), 0));
    CHECK(cudaMemcpy(back.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost));
    CHECK(cudaStreamSynchronize(cudaStreamPerThread));
    CHECK(cudaStreamQuery(0));
    for (int i = 0; i < n; i++) {
      float want = h[i] * (2.0f + round) + (float)i;
      if (back[i] != want) {
        printf("FAIL thread %d round %d: [%d] = %g, want %g\n", id, round, i, back[i], want);
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
        return;
      }
    }
    unsigned word = 0;
    CHECK(cudaMemcpy(&word, z + n / 2, sizeof word, cudaMemcpyDeviceToHost));
    if (word != 0xffffffffu) {
      printf("FAIL thread %d: memset left %08x\n", id, word);
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
      return;
    }
  }
  cudaEvent_t ev;
  CHECK(cudaEventCreate(&ev));
  CHECK(cudaEventRecord(ev, 0));
  CHECK(cudaEventSynchronize(ev));
  CHECK(cudaEventDestroy(ev));
  CHECK(cudaFree(d));
  CHECK(cudaFree(z));
  printf("PASS thread %d\n", id);
}

static void main_thread_streams()
{
  const int n = 4096;
  std::vector<float> h(n, 1.0f), back(n);
  float *d = nullptr;
  cudaStream_t s;
  CHECK(cudaMalloc(&d, n * sizeof(float)));
  CHECK(cudaStreamCreate(&s));
  CHECK(cudaMemcpyAsync(d, h.data(), n * sizeof(float), cudaMemcpyHostToDevice, cudaStreamLegacy));
  scale<<<n / 256, 256, 0, cudaStreamLegacy>>>(d, 3.0f, n);
  scale<<<n / 256, 256, 0, s>>>(d, 0.5f, n);
  CHECK(cudaMemcpyAsync(back.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost, s));
  CHECK(cudaStreamSynchronize(s));
  for (int i = 0; i < n; i++) {
    float want = (1.0f * 3.0f + i) * 0.5f + i;
    if (back[i] != want) {
      printf("FAIL legacy+explicit stream: [%d] = %g, want %g\n", i, back[i], want);
      failures++;
      return;
    }
  }
  CHECK(cudaStreamDestroy(s));
  CHECK(cudaFree(d));
  printf("PASS legacy and explicit streams\n");
}

int main()
{
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; i++)
    ts.emplace_back(worker, i);
  for (auto &t : ts)
    t.join();
  main_thread_streams();
  printf("%s runtime_perthread\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
