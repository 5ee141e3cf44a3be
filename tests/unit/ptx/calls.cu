// Device-function test kernels for the PTX interpreter (test_ptx_calls.c):
// calls that nvcc -O3 keeps as calls: __noinline__ functions, recursion,
// struct returns, pointers into the caller's locals, function pointers,
// double-precision libm paths, powf/erff, printf and assert.
#include <cassert>
#include <cstdio>

__device__ __noinline__ int addmul(int a, int b) { return a * 3 + b; }
__device__ __noinline__ unsigned long long fact(unsigned n) {
  return n <= 1 ? 1ull : n * fact(n - 1);
}
__device__ __noinline__ int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

extern "C" __global__ void k_calls(int *out, unsigned long long *f, int n) {
  int i = threadIdx.x;
  out[i] = addmul(i, n);
  f[i] = fact(i);
  out[64 + i] = fib(i % 16);
}

// Each frame has its own local array; the recursion checks them on the way
// back, so frames that overlapped would show.
__device__ __noinline__ int deep(int n) {
  volatile int x[4];
  for (int k = 0; k < 4; k++) x[k] = n * 4 + k;
  int r = n == 0 ? 0 : deep(n - 1);
  for (int k = 0; k < 4; k++) r += x[k] - (n * 4 + k);
  return r + 1;
}
extern "C" __global__ void k_deep(int *out, int n) { out[threadIdx.x] = deep(n); }

struct pair { double x; int y; };
__device__ __noinline__ pair mkpair(double x, int y) { pair p; p.x = x * 2; p.y = y + 1; return p; }
__device__ __noinline__ int sum_arr(const int *a, int n) {
  int s = 0;
  for (int k = 0; k < n; k++) s += a[k];
  return s;
}
__device__ __noinline__ int warp_sum(int v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
extern "C" __global__ void k_misc(int *out, double *d) {
  int i = threadIdx.x;
  pair p = mkpair(i + 0.5, i);
  d[i] = p.x;
  out[i] = p.y;
  volatile int arr[8];
  for (int k = 0; k < 8; k++) arr[k] = k * i;
  out[32 + i] = sum_arr((const int *)arr, 8);
  out[64 + i] = warp_sum(i);
}

typedef int (*op_t)(int, int);
__device__ __noinline__ int op_add(int a, int b) { return a + b; }
__device__ __noinline__ int op_mul(int a, int b) { return a * b; }
__device__ op_t ops[2] = {op_add, op_mul};
extern "C" __global__ void k_indirect(int *out) {
  int i = threadIdx.x;
  out[i] = ops[i & 1](i, 3);
}

extern "C" __global__ void k_dmath(const double *x, double *o, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    double v = x[i];
    o[4 * i] = sin(v);
    o[4 * i + 1] = cos(v);
    o[4 * i + 2] = pow(fabs(v), 1.7);
    o[4 * i + 3] = exp(v * 0.01);
  }
}

extern "C" __global__ void k_fmath(const float *x, float *o, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    float v = x[i];
    o[3 * i] = powf(fabsf(v), 2.3f);
    o[3 * i + 1] = erff(v * 0.001f);
    o[3 * i + 2] = sinf(v);
  }
}

extern "C" __global__ void k_printf(int n, double d, const char *s) {
  int r = printf("t%d n=%5d d=%.3f %s %x %c %lld %-4u|%05.1f %e %g %o %%\n",
                 threadIdx.x, n, d, s, 255 + threadIdx.x, 'A' + threadIdx.x,
                 -5ll, 7u, 2.25, 1234.5, 0.0001, 8);
  if (threadIdx.x == 0) printf("ret=%d\n", r);
}

extern "C" __global__ void k_assert(const int *x) {
  assert(x[threadIdx.x] != 5);
}
