// Host functions in stream order, through cudart as a user writes them:
// cudaLaunchHostFunc and cudaStreamAddCallback between kernels and copies on
// a created stream and on the NULL stream. Each host function records what
// it saw in pinned memory that the stream's earlier copies filled, so a
// function that ran too early (before the copy) or too late (after a later
// kernel overwrote the value) is caught, and the order of all of them is
// checked at the end. Prints PASS/FAIL lines like tests/cuda/host.h.
#include <cstdio>

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

__global__ void fill(int *p, int v, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    p[i] = v + i;
}

#define N 1024

struct trace {
  const int *host;     // pinned copy target
  int seen[8];         // host[5] as each function saw it
  int order[8];        // which function ran, in order
  int n;
  cudaStream_t stream; // the stream a callback was given
  cudaError_t status;  // the status a callback was given
};

static void note(trace *l, int id)
{
  l->seen[l->n] = l->host[5];
  l->order[l->n++] = id;
}

static void CUDART_CB host_fn_a(void *p) { note((trace *)p, 1); }
static void CUDART_CB host_fn_c(void *p) { note((trace *)p, 3); }

static void CUDART_CB callback_b(cudaStream_t s, cudaError_t status, void *p)
{
  trace *l = (trace *)p;
  l->stream = s;
  l->status = status;
  note(l, 2);
}

int main()
{
  cudaError_t e;
  cudaStream_t s;
  int *d = nullptr, *h = nullptr;
  trace l = {};

  e = cudaStreamCreate(&s);
  check(e == cudaSuccess, "cudaStreamCreate", e);
  e = cudaMalloc(&d, N * sizeof(int));
  check(e == cudaSuccess, "cudaMalloc", e);
  e = cudaMallocHost(&h, N * sizeof(int));
  check(e == cudaSuccess, "cudaMallocHost", e);
  if (failures) {
    printf("FAIL runtime_hostfunc\n");
    return 1;
  }
  l.host = h;
  h[5] = -1;

  // stream s: fill 100, copy back, host function (sees 105), fill 200, copy,
  // callback (sees 205)
  fill<<<N / 256, 256, 0, s>>>(d, 100, N);
  cudaMemcpyAsync(h, d, N * sizeof(int), cudaMemcpyDeviceToHost, s);
  e = cudaLaunchHostFunc(s, host_fn_a, &l);
  check(e == cudaSuccess, "cudaLaunchHostFunc", e);
  fill<<<N / 256, 256, 0, s>>>(d, 200, N);
  cudaMemcpyAsync(h, d, N * sizeof(int), cudaMemcpyDeviceToHost, s);
  e = cudaStreamAddCallback(s, callback_b, &l, 0);
  check(e == cudaSuccess, "cudaStreamAddCallback", e);

  // the NULL stream: fill 300, copy, host function (sees 305)
  fill<<<N / 256, 256>>>(d, 300, N);
  cudaMemcpyAsync(h, d, N * sizeof(int), cudaMemcpyDeviceToHost, 0);
  e = cudaLaunchHostFunc(0, host_fn_c, &l);
  check(e == cudaSuccess, "cudaLaunchHostFunc on the NULL stream", e);

  e = cudaDeviceSynchronize();
  check(e == cudaSuccess, "cudaDeviceSynchronize", e);
  check(l.n == 3 && l.order[0] == 1 && l.order[1] == 2 && l.order[2] == 3,
        "host functions ran once each, in stream order");
  check(l.seen[0] == 105, "host function saw the copy before it and not the later kernel");
  check(l.seen[1] == 205, "callback saw the second copy");
  check(l.seen[2] == 305, "NULL-stream host function saw the NULL-stream copy");
  check(l.stream == s && l.status == cudaSuccess, "callback got its stream and cudaSuccess");
  check(cudaStreamAddCallback(s, callback_b, &l, 1) == cudaErrorInvalidValue,
        "cudaStreamAddCallback with nonzero flags fails");
  check(l.n == 3, "a refused callback does not run");

  cudaFreeHost(h);
  cudaFree(d);
  cudaStreamDestroy(s);
  printf("%s runtime_hostfunc\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
