// fp16: __half arithmetic (add, sub, mul, fma, div, neg, compare, min/max),
// __half2 vector arithmetic, conversions (float <-> half in several
// rounding modes, int <-> half), and an f16 matrix multiply accumulating
// in f32 (16x16 shared tiles).
#include <cuda_fp16.h>

// out[k*n+i] (raw half bits), k = 0..7.
extern "C" __global__ void half_arith(const __half *a, const __half *b,
                                      __half *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    __half x = a[i], y = b[i];
    out[0 * n + i] = __hadd(x, y);
    out[1 * n + i] = __hsub(x, y);
    out[2 * n + i] = __hmul(x, y);
    out[3 * n + i] = __hfma(x, y, __float2half(0.25f));
    out[4 * n + i] = __hdiv(x, __hadd(__habs(y), __float2half(1.0f)));
    out[5 * n + i] = __hneg(x);
    out[6 * n + i] = __hlt(x, y) ? x : y;
    out[7 * n + i] = __hmax(x, y);
}

// Pairs: out[k*n+i], k = 0..3, on __half2 (n counts half2 elements).
extern "C" __global__ void half2_arith(const __half2 *a, const __half2 *b,
                                       __half2 *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    __half2 x = a[i], y = b[i];
    out[0 * n + i] = __hadd2(x, y);
    out[1 * n + i] = __hmul2(x, y);
    out[2 * n + i] = __hfma2(x, y, x);
    out[3 * n + i] = __lowhigh2highlow(__hsub2(x, y));
}

// Conversions: h[k*n+i] halves from f[i]/iv[i]; fo[k*n+i] floats from
// halves; io[k*n+i] ints from halves.
extern "C" __global__ void half_convert(const float *f, const int *iv,
                                        __half *h, float *fo, int *io, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    float x = f[i];
    h[0 * n + i] = __float2half_rn(x);
    h[1 * n + i] = __float2half_rz(x);
    h[2 * n + i] = __float2half_ru(x);
    h[3 * n + i] = __float2half_rd(x);
    h[4 * n + i] = __int2half_rn(iv[i]);
    __half hx = __float2half_rn(x);
    fo[0 * n + i] = __half2float(hx);
    fo[1 * n + i] = __low2float(__floats2half2_rn(x, -x)) +
                    __high2float(__floats2half2_rn(x, -x));
    io[0 * n + i] = __half2int_rn(hx);
    io[1 * n + i] = __half2int_rz(hx);
}

#define T 16
// c (m x n, f32) = a (m x k, f16) * b (k x n, f16).
extern "C" __global__ void hgemm_f32acc(const __half *a, const __half *b,
                                        float *c, int m, int n, int k)
{
    __shared__ __half as[T][T], bs[T][T];
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * T + ty, col = blockIdx.x * T + tx;
    float acc = 0.0f;
    for (int t0 = 0; t0 < k; t0 += T) {
        as[ty][tx] = row < m && t0 + tx < k ? a[row * k + t0 + tx]
                                            : __float2half(0.0f);
        bs[ty][tx] = col < n && t0 + ty < k ? b[(t0 + ty) * n + col]
                                            : __float2half(0.0f);
        __syncthreads();
        for (int q = 0; q < T; q++)
            acc = fmaf(__half2float(as[ty][q]), __half2float(bs[q][tx]), acc);
        __syncthreads();
    }
    if (row < m && col < n)
        c[row * n + col] = acc;
}
