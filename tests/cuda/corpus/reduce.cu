// Reductions with warp shuffles: __shfl_down_sync trees, __shfl_xor_sync
// butterflies (every lane gets the total), __reduce_add/min/max_sync on
// sm_80 and later (a shuffle fallback below), a double-precision block
// reduction through shared memory, and a cooperative grid reduction (warp
// totals, then one atomicAdd per warp into a single counter).

__device__ __forceinline__ int warp_sum_down(int v)
{
    for (int off = 16; off > 0; off >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, off);
    return v;
}

// One int sum per block of any multiple of 32 threads.
extern "C" __global__ void reduce_shfl_down(const int *in, int *out, int n)
{
    __shared__ int ws[32];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
    int v = warp_sum_down(i < n ? in[i] : 0);
    if (lane == 0)
        ws[w] = v;
    __syncthreads();
    if (w == 0) {
        v = lane < (int)(blockDim.x >> 5) ? ws[lane] : 0;
        v = warp_sum_down(v);
        if (lane == 0)
            out[blockIdx.x] = v;
    }
}

// Butterfly float sum; every lane writes its warp total (all must agree).
extern "C" __global__ void reduce_shfl_xor_f32(const float *in, float *out,
                                               int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = i < n ? in[i] : 0.0f;
    for (int m = 16; m > 0; m >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, m);
    if (i < n)
        out[i] = v;
}

// Per-warp sum, min and max of unsigned values: out[3*warp + 0..2].
extern "C" __global__ void reduce_warp_redux(const unsigned *in,
                                             unsigned *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned v = i < n ? in[i] : 0u;
    unsigned s, lo, hi;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    s = __reduce_add_sync(0xffffffffu, v);
    lo = __reduce_min_sync(0xffffffffu, v);
    hi = __reduce_max_sync(0xffffffffu, v);
#else
    s = lo = hi = v;
    for (int off = 16; off > 0; off >>= 1) {
        s += __shfl_xor_sync(0xffffffffu, s, off);
        lo = min(lo, __shfl_xor_sync(0xffffffffu, lo, off));
        hi = max(hi, __shfl_xor_sync(0xffffffffu, hi, off));
    }
#endif
    if ((threadIdx.x & 31) == 0) {
        int w = i >> 5;
        out[3 * w] = s;
        out[3 * w + 1] = lo;
        out[3 * w + 2] = hi;
    }
}

// Block sum of doubles in shared memory (blockDim.x a power of two <= 256),
// finished with shuffles of the two 32-bit halves.
extern "C" __global__ void reduce_f64_block(const double *in, double *out,
                                            int n)
{
    __shared__ double s[256];
    int t = threadIdx.x;
    double v = 0.0;
    for (int i = blockIdx.x * blockDim.x + t; i < n;
         i += blockDim.x * gridDim.x)
        v += in[i];
    s[t] = v;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride >= 32; stride >>= 1) {
        if (t < stride)
            s[t] += s[t + stride];
        __syncthreads();
    }
    if (t < 32) {
        v = s[t];
        for (int off = 16; off > 0; off >>= 1)
            v += __shfl_down_sync(0xffffffffu, v, off);
        if (t == 0)
            out[blockIdx.x] = v;
    }
}

// Grid-wide 64-bit sum of squares: warp totals, one atomicAdd per warp.
extern "C" __global__ void reduce_grid_atomic(const int *in,
                                              unsigned long long *total, int n)
{
    unsigned long long v = 0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += blockDim.x * gridDim.x)
        v += (unsigned long long)((long long)in[i] * in[i]);
    for (int off = 16; off > 0; off >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, off);
    if ((threadIdx.x & 31) == 0)
        atomicAdd(total, v);
}
