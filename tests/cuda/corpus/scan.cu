// Scans: block-level inclusive (Hillis-Steele, double-buffered shared
// memory) and exclusive (Blelloch up/down sweep), warp-level inclusive with
// __shfl_up_sync, a two-level block scan built from warp scans, and the
// pass that adds block offsets for a multi-block scan. Block size 256
// (scan_blelloch: 256 threads over 512 elements).
#define BS 256

extern "C" __global__ void scan_hillis_steele(const int *in, int *out, int n)
{
    __shared__ int buf[2][BS];
    int t = threadIdx.x;
    int i = blockIdx.x * BS + t;
    int src = 0;
    buf[0][t] = i < n ? in[i] : 0;
    __syncthreads();
    for (int off = 1; off < BS; off <<= 1) {
        int v = buf[src][t];
        if (t >= off)
            v += buf[src][t - off];
        buf[src ^ 1][t] = v;
        src ^= 1;
        __syncthreads();
    }
    if (i < n)
        out[i] = buf[src][t];
}

// Exclusive scan of 2*BS elements per block; sums[blockIdx.x] gets the
// block total.
extern "C" __global__ void scan_blelloch(const unsigned *in, unsigned *out,
                                         unsigned *sums, int n)
{
    __shared__ unsigned s[2 * BS];
    int t = threadIdx.x;
    int base = blockIdx.x * 2 * BS;
    s[2 * t] = base + 2 * t < n ? in[base + 2 * t] : 0;
    s[2 * t + 1] = base + 2 * t + 1 < n ? in[base + 2 * t + 1] : 0;
    int off = 1;
    for (int d = BS; d > 0; d >>= 1) {
        __syncthreads();
        if (t < d) {
            int a = off * (2 * t + 1) - 1, b = off * (2 * t + 2) - 1;
            s[b] += s[a];
        }
        off <<= 1;
    }
    if (t == 0) {
        sums[blockIdx.x] = s[2 * BS - 1];
        s[2 * BS - 1] = 0;
    }
    for (int d = 1; d < 2 * BS; d <<= 1) {
        off >>= 1;
        __syncthreads();
        if (t < d) {
            int a = off * (2 * t + 1) - 1, b = off * (2 * t + 2) - 1;
            unsigned x = s[a];
            s[a] = s[b];
            s[b] += x;
        }
    }
    __syncthreads();
    if (base + 2 * t < n)
        out[base + 2 * t] = s[2 * t];
    if (base + 2 * t + 1 < n)
        out[base + 2 * t + 1] = s[2 * t + 1];
}

__device__ __forceinline__ int warp_inclusive(int v)
{
    int lane = threadIdx.x & 31;
    for (int off = 1; off < 32; off <<= 1) {
        int y = __shfl_up_sync(0xffffffffu, v, off);
        if (lane >= off)
            v += y;
    }
    return v;
}

// Each warp scans its own 32 elements independently.
extern "C" __global__ void scan_warp_shfl(const int *in, int *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int v = i < n ? in[i] : 0;
    v = warp_inclusive(v);
    if (i < n)
        out[i] = v;
}

// Block inclusive scan from warp scans: warp totals go through shared
// memory and are scanned by warp 0. 64-bit output of 32-bit inputs.
extern "C" __global__ void scan_block_warps(const int *in, long long *out,
                                            int *block_sums, int n)
{
    __shared__ int wsum[BS / 32];
    int t = threadIdx.x, lane = t & 31, w = t >> 5;
    int i = blockIdx.x * BS + t;
    int v = warp_inclusive(i < n ? in[i] : 0);
    if (lane == 31)
        wsum[w] = v;
    __syncthreads();
    if (w == 0) {
        int x = lane < BS / 32 ? wsum[lane] : 0;
        x = warp_inclusive(x);
        if (lane < BS / 32)
            wsum[lane] = x;
    }
    __syncthreads();
    if (w > 0)
        v += wsum[w - 1];
    if (i < n)
        out[i] = v;
    if (t == BS - 1)
        block_sums[blockIdx.x] = v;
}

// Second pass of a multi-block scan: adds the exclusive prefix of earlier
// blocks' sums (computed serially by thread 0 of each block).
extern "C" __global__ void scan_add_offsets(long long *data,
                                            const int *block_sums, int n)
{
    __shared__ long long off;
    if (threadIdx.x == 0) {
        long long s = 0;
        for (unsigned b = 0; b < blockIdx.x; b++)
            s += block_sums[b];
        off = s;
    }
    __syncthreads();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        data[i] += off;
}
