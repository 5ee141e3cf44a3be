// f16/bf16 test kernels for the PTX interpreter, compiled by nvcc -ptx -O3
// at build time (tests/unit/ptx/meson.build) and checked bit-exactly against
// a CPU reference in test_ptx_half.c. Plain CUDA with extern "C" names;
// needs sm_80 or later (bf16 __hfma).
#include <cuda_fp16.h>
#include <cuda_bf16.h>

// f32 -> f16 -> f32 round trips, and f16 -> integers.
extern "C" __global__ void h_convert(const float *in, unsigned short *h,
                                     float *back, int *ints, unsigned short *hrz,
                                     int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  __half x = __float2half_rn(in[i]);
  h[i] = __half_as_ushort(x);
  back[i] = __half2float(x);
  ints[i] = __half2int_rn(x);
  hrz[i] = __half_as_ushort(__float2half_rz(in[i]));
}

// __half arithmetic: add, mul, fma, neg, abs, min/max, compare.
extern "C" __global__ void h_arith(const __half *a, const __half *b,
                                   const __half *c, __half *out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  __half x = a[i], y = b[i], z = c[i];
  out[8 * i + 0] = __hadd(x, y);
  out[8 * i + 1] = __hmul(x, y);
  out[8 * i + 2] = __hfma(x, y, z);
  out[8 * i + 3] = __hsub(x, y);
  out[8 * i + 4] = __hneg(x);
  out[8 * i + 5] = __habs(x);
  out[8 * i + 6] = __hmin(x, y);
  out[8 * i + 7] = __hlt(x, y) ? __hmax(x, z) : y;
}

// __half2 packed arithmetic.
extern "C" __global__ void h2_arith(const __half2 *a, const __half2 *b,
                                    const __half2 *c, __half2 *out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  __half2 x = a[i], y = b[i], z = c[i];
  out[4 * i + 0] = __hadd2(x, y);
  out[4 * i + 1] = __hmul2(x, y);
  out[4 * i + 2] = __hfma2(x, y, z);
  __half2 s = __halves2half2(__high2half(x), __low2half(y));
  out[4 * i + 3] = __hsub2(s, z);
}

// bf16 conversions and arithmetic.
extern "C" __global__ void bf_arith(const float *in, const float *in2,
                                    unsigned short *out, float *back, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  __nv_bfloat16 x = __float2bfloat16(in[i]);
  __nv_bfloat16 y = __float2bfloat16(in2[i]);
  out[6 * i + 0] = __bfloat16_as_ushort(x);
  out[6 * i + 1] = __bfloat16_as_ushort(__hadd(x, y));
  out[6 * i + 2] = __bfloat16_as_ushort(__hmul(x, y));
  out[6 * i + 3] = __bfloat16_as_ushort(__hfma(x, y, x));
  out[6 * i + 4] = __bfloat16_as_ushort(__hmax(x, y));
  __nv_bfloat162 p = __floats2bfloat162_rn(in[i], in2[i]);
  __nv_bfloat162 q = __hmul2(p, p);
  out[6 * i + 5] = __bfloat16_as_ushort(__high2bfloat16(q));
  back[i] = __bfloat162float(__low2bfloat16(q));
}

// f16 matrix multiply accumulating in f32: C = A * B, n x n.
extern "C" __global__ void h_matmul(const __half *A, const __half *B, float *C,
                                    int n) {
  int r = blockIdx.y * blockDim.y + threadIdx.y;
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= n || c >= n) return;
  float acc = 0.0f;
  for (int k = 0; k < n; k++)
    acc += __half2float(A[r * n + k]) * __half2float(B[k * n + c]);
  C[r * n + c] = acc;
}

// f16 dot product in __half2 with a warp shuffle reduction.
extern "C" __global__ void h2_dot(const __half2 *a, const __half2 *b,
                                  float *out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  float v = 0.0f;
  if (i < n) {
    __half2 p = __hmul2(a[i], b[i]);
    v = __low2float(p) + __high2float(p);
  }
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_down_sync(0xffffffffu, v, o);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, v);
}

// double/int conversions through half.
extern "C" __global__ void h_cvt_more(const double *d, const int *iv,
                                      unsigned short *out, double *dback,
                                      int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  __half a = __double2half(d[i]);
  __half b = __int2half_rn(iv[i]);
  __nv_bfloat16 c = __double2bfloat16(d[i]);
  __nv_bfloat16 e = __int2bfloat16_rn(iv[i]);
  out[4 * i + 0] = __half_as_ushort(a);
  out[4 * i + 1] = __half_as_ushort(b);
  out[4 * i + 2] = __bfloat16_as_ushort(c);
  out[4 * i + 3] = __bfloat16_as_ushort(e);
  dback[i] = (double)__half2float(a) + (double)__bfloat162float(c);
}
