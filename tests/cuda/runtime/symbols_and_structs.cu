// Symbols, struct parameters, templates and shared memory through cudart:
// __device__ arrays and a __constant__ struct with cudaGetSymbolAddress,
// cudaGetSymbolSize and cudaMemcpyToSymbol/FromSymbol (with offsets); kernel
// parameters of struct types with mixed alignment (char, double, float3,
// int2 arrays) passed by value; a template kernel with several
// instantiations; __noinline__ device functions; dynamic shared memory sized
// at launch. Every result is checked on the CPU. Prints PASS/FAIL lines and
// a final "PASS runtime_symbols_and_structs".
#include <cstdio>
#include <cstring>
#include <cstdint>

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

#define N 1000

struct Table {
  int n;
  float coef[8];
  double offset;
  short tag[3];
};

__device__ int d_arr[N];
__device__ float d_out[N];
__device__ unsigned long long d_acc[4];
__constant__ Table c_table;

// char, then double (8), float3 (4), int2 array (8), char at the end
struct Mixed {
  char c;
  double d;
  float3 f;
  int2 pairs[3];
  char tail;
};

struct Wide {
  double v[5];
  char flags[3];
  int2 p;
};

__global__ void use_symbols(int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    float s = 0;
    for (int k = 0; k < 8; k++)
      s += c_table.coef[k] * (float)((d_arr[i] >> k) & 1);
    d_out[i] = s + (float)c_table.offset + c_table.tag[i % 3];
    atomicAdd(&d_acc[i % 4], (unsigned long long)d_arr[i]);
  }
}

__global__ void take_mixed(Mixed m, char c2, Wide w, double *out)
{
  if (threadIdx.x == 0 && blockIdx.x == 0) {
    out[0] = m.c;
    out[1] = m.d;
    out[2] = m.f.x;
    out[3] = m.f.y;
    out[4] = m.f.z;
    for (int k = 0; k < 3; k++) {
      out[5 + 2 * k] = m.pairs[k].x;
      out[6 + 2 * k] = m.pairs[k].y;
    }
    out[11] = m.tail;
    out[12] = c2;
    for (int k = 0; k < 5; k++)
      out[13 + k] = w.v[k];
    out[18] = w.flags[0] + 256 * w.flags[1] + 65536 * w.flags[2];
    out[20] = w.p.x;
    out[21] = w.p.y;
    out[19] = sizeof(Mixed) * 1000 + sizeof(Wide);
  }
}

template <typename T, int K>
__global__ void poly(const T *x, T *y, T a, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    T v = x[i];
    T acc = 0;
    for (int k = 0; k < K; k++)
      acc = acc * v + a;
    y[i] = acc;
  }
}

__device__ __noinline__ int mix(int a, int b)
{
  return a * 31 + (b ^ 0x5a5a);
}

__device__ __noinline__ int mix3(int a, int b, int c)
{
  return mix(mix(a, b), c) - 1;
}

__global__ void call_noinline(const int *x, int *y, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = mix3(x[i], i, n);
}

// Block-wide reversal through dynamic shared memory.
extern __shared__ int dyn[];
__global__ void reverse_blocks(const int *x, int *y, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  dyn[threadIdx.x] = i < n ? x[i] : -1;
  __syncthreads();
  int j = blockIdx.x * blockDim.x + (blockDim.x - 1 - threadIdx.x);
  if (i < n)
    y[i] = dyn[blockDim.x - 1 - threadIdx.x] + (j < n ? 0 : 1000000);
}

static int mix_h(int a, int b) { return (int)((unsigned)a * 31u + (unsigned)(b ^ 0x5a5a)); }

template <typename T, int K>
static bool run_poly(const char *what, T a)
{
  T hx[N], hy[N];
  for (int i = 0; i < N; i++)
    hx[i] = (T)(i % 7);
  T *x, *y;
  cudaMalloc(&x, sizeof hx);
  cudaMalloc(&y, sizeof hy);
  cudaMemcpy(x, hx, sizeof hx, cudaMemcpyHostToDevice);
  poly<T, K><<<(N + 127) / 128, 128>>>(x, y, a, N);
  cudaError_t e = cudaMemcpy(hy, y, sizeof hy, cudaMemcpyDeviceToHost);
  bool ok = e == cudaSuccess;
  for (int i = 0; i < N && ok; i++) {
    T acc = 0;
    for (int k = 0; k < K; k++)
      acc = acc * hx[i] + a;
    if (hy[i] != acc)
      ok = false;
  }
  cudaFree(x);
  cudaFree(y);
  check(ok, what, e);
  return ok;
}

int main()
{
  cudaError_t e;

  // -- symbols --
  void *p_arr = nullptr, *p_out = nullptr, *p_tab = nullptr;
  size_t sz = 0;
  e = cudaGetSymbolAddress(&p_arr, d_arr);
  check(e == cudaSuccess && p_arr != nullptr, "cudaGetSymbolAddress __device__ array", e);
  e = cudaGetSymbolSize(&sz, d_arr);
  check(e == cudaSuccess && sz == sizeof(int) * N, "cudaGetSymbolSize __device__ array", e);
  e = cudaGetSymbolAddress(&p_out, d_out);
  check(e == cudaSuccess && p_out != nullptr && p_out != p_arr, "cudaGetSymbolAddress second array", e);
  e = cudaGetSymbolAddress(&p_tab, c_table);
  check(e == cudaSuccess && p_tab != nullptr, "cudaGetSymbolAddress __constant__ struct", e);
  e = cudaGetSymbolSize(&sz, c_table);
  check(e == cudaSuccess && sz == sizeof(Table), "cudaGetSymbolSize __constant__ struct", e);
  e = cudaGetSymbolSize(&sz, d_acc);
  check(e == cudaSuccess && sz == sizeof(unsigned long long) * 4, "cudaGetSymbolSize u64[4]", e);

  static int harr[N];
  for (int i = 0; i < N; i++)
    harr[i] = (i * 37) & 0xff;
  // the address from cudaGetSymbolAddress is ordinary device memory
  e = cudaMemcpy(p_arr, harr, sizeof harr, cudaMemcpyHostToDevice);
  check(e == cudaSuccess, "cudaMemcpy to a symbol's address", e);
  Table t;
  memset(&t, 0, sizeof t);
  t.n = N;
  for (int k = 0; k < 8; k++)
    t.coef[k] = 0.5f * (float)(k + 1);
  t.offset = 100.0;
  t.tag[0] = 1; t.tag[1] = 2; t.tag[2] = 3;
  // written in two parts, the second with an offset
  size_t half = offsetof(Table, offset);
  e = cudaMemcpyToSymbol(c_table, &t, half);
  check(e == cudaSuccess, "cudaMemcpyToSymbol __constant__ first part", e);
  e = cudaMemcpyToSymbol(c_table, (const char *)&t + half, sizeof t - half, half);
  check(e == cudaSuccess, "cudaMemcpyToSymbol __constant__ with offset", e);
  Table back;
  e = cudaMemcpyFromSymbol(&back, c_table, sizeof back);
  check(e == cudaSuccess && memcmp(&back, &t, sizeof t) == 0, "cudaMemcpyFromSymbol __constant__ round trip", e);
  void *p_acc;
  cudaGetSymbolAddress(&p_acc, d_acc);
  e = cudaMemset(p_acc, 0, sizeof(unsigned long long) * 4);
  check(e == cudaSuccess, "cudaMemset on a symbol's address", e);

  use_symbols<<<(N + 255) / 256, 256>>>(N);
  check(cudaGetLastError() == cudaSuccess, "launch using symbols");
  static float hout[N];
  unsigned long long acc[4];
  e = cudaMemcpyFromSymbol(hout, d_out, sizeof hout);
  check(e == cudaSuccess, "cudaMemcpyFromSymbol __device__ array", e);
  e = cudaMemcpyFromSymbol(acc, d_acc, sizeof acc);
  check(e == cudaSuccess, "cudaMemcpyFromSymbol accumulators", e);
  bool ok = true;
  unsigned long long want_acc[4] = { 0, 0, 0, 0 };
  for (int i = 0; i < N; i++) {
    float s = 0;
    for (int k = 0; k < 8; k++)
      s += t.coef[k] * (float)((harr[i] >> k) & 1);
    float want = s + (float)t.offset + t.tag[i % 3];
    if (hout[i] != want) {
      printf("info d_out[%d] = %g, want %g\n", i, hout[i], want);
      ok = false;
      break;
    }
    want_acc[i % 4] += harr[i];
  }
  check(ok, "kernel read __constant__ struct and __device__ array");
  check(memcmp(acc, want_acc, sizeof acc) == 0, "atomics on a __device__ array");
  int part[10];
  e = cudaMemcpyFromSymbol(part, d_arr, sizeof part, 500 * sizeof(int));
  check(e == cudaSuccess && memcmp(part, harr + 500, sizeof part) == 0,
        "cudaMemcpyFromSymbol with offset", e);
  e = cudaMemcpyToSymbol(d_arr, harr, sizeof harr + 4);
  check(e != cudaSuccess, "cudaMemcpyToSymbol past the end fails", e);
  cudaGetLastError();

  // -- struct parameters with mixed alignment --
  Mixed m;
  memset(&m, 0, sizeof m);
  m.c = 'q';
  m.d = 3.25e100;
  m.f = make_float3(1.5f, -2.25f, 1e-3f);
  m.pairs[0] = make_int2(1, -1);
  m.pairs[1] = make_int2(1 << 30, -(1 << 30));
  m.pairs[2] = make_int2(7, 8);
  m.tail = -5;
  Wide w;
  memset(&w, 0, sizeof w);
  for (int k = 0; k < 5; k++)
    w.v[k] = 1.0 / (k + 3);
  w.flags[0] = 1; w.flags[1] = 2; w.flags[2] = 3;
  w.p = make_int2(-42, 42);
  double *dres, hres[22];
  cudaMalloc(&dres, sizeof hres);
  cudaMemset(dres, 0, sizeof hres);
  take_mixed<<<1, 32>>>(m, 'Z', w, dres);
  check(cudaGetLastError() == cudaSuccess, "launch with struct parameters");
  e = cudaMemcpy(hres, dres, sizeof hres, cudaMemcpyDeviceToHost);
  double want[22] = { 'q', 3.25e100, 1.5, -2.25, (double)1e-3f, 1, -1, 1 << 30, -(1 << 30), 7, 8, -5, 'Z',
                      1.0 / 3, 1.0 / 4, 1.0 / 5, 1.0 / 6, 1.0 / 7, 1 + 256 * 2 + 65536 * 3,
                      (double)(sizeof(Mixed) * 1000 + sizeof(Wide)), -42, 42 };
  ok = e == cudaSuccess;
  for (int k = 0; k < 22; k++)
    if (hres[k] != want[k]) {
      printf("info struct field %d = %.17g, want %.17g\n", k, hres[k], want[k]);
      ok = false;
    }
  check(ok, "struct parameters arrive intact (and layouts agree)", e);
  printf("info sizeof Mixed %zu Wide %zu\n", sizeof(Mixed), sizeof(Wide));
  cudaFree(dres);

  // -- templates --
  run_poly<int, 3>("template poly<int, 3>", 2);
  run_poly<int, 5>("template poly<int, 5>", -1);
  run_poly<float, 4>("template poly<float, 4>", 0.5f);
  run_poly<double, 6>("template poly<double, 6>", 1.25);
  run_poly<unsigned long long, 7>("template poly<u64, 7>", 3ull);

  // -- __noinline__ device functions --
  static int hx[N], hy[N];
  for (int i = 0; i < N; i++)
    hx[i] = i * i - 300;
  int *x, *y;
  cudaMalloc(&x, sizeof hx);
  cudaMalloc(&y, sizeof hy);
  cudaMemcpy(x, hx, sizeof hx, cudaMemcpyHostToDevice);
  call_noinline<<<(N + 63) / 64, 64>>>(x, y, N);
  e = cudaMemcpy(hy, y, sizeof hy, cudaMemcpyDeviceToHost);
  ok = e == cudaSuccess;
  for (int i = 0; i < N && ok; i++)
    if (hy[i] != mix_h(mix_h(hx[i], i), N) - 1)
      ok = false;
  check(ok, "__noinline__ device functions", e);

  // -- dynamic shared memory sized at launch --
  const int blocks[] = { 32, 128, 256, 1024 };
  for (int b : blocks) {
    cudaMemset(y, 0, sizeof hy);
    reverse_blocks<<<(N + b - 1) / b, b, b * sizeof(int)>>>(x, y, N);
    e = cudaGetLastError();
    cudaError_t e2 = cudaMemcpy(hy, y, sizeof hy, cudaMemcpyDeviceToHost);
    ok = e == cudaSuccess && e2 == cudaSuccess;
    for (int i = 0; i < N && ok; i++) {
      int base = i / b * b, j = base + (b - 1 - i % b);
      int want = j < N ? hx[j] : -1 + 1000000;
      if (hy[i] != want) {
        printf("info block %d: y[%d] = %d, want %d\n", b, i, hy[i], want);
        ok = false;
      }
    }
    char what[80];
    snprintf(what, sizeof what, "dynamic shared memory, %d ints", b);
    check(ok, what, e != cudaSuccess ? e : e2);
  }
  cudaFree(x);
  cudaFree(y);

  printf("%s runtime_symbols_and_structs\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
