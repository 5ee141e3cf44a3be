// Sorting networks in shared memory: a bitonic sort of 1024 unsigned keys
// per block (512 threads, one compare-exchange each per step), a bitonic
// key/value sort of (float key, int index) pairs with a descending option,
// and an odd-even transposition sort of 64 ints per block.
#define SORT_N 1024

extern "C" __global__ void bitonic_sort_u32(unsigned *data)
{
    __shared__ unsigned s[SORT_N];
    unsigned *d = data + blockIdx.x * SORT_N;
    int t = threadIdx.x;
    s[t] = d[t];
    s[t + SORT_N / 2] = d[t + SORT_N / 2];
    __syncthreads();
    for (int k = 2; k <= SORT_N; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            // Thread t handles the pair (i, i ^ j) with bit j of i clear.
            int i = 2 * t - (t & (j - 1));
            int l = i ^ j;
            bool up = (i & k) == 0;
            unsigned a = s[i], b = s[l];
            if ((a > b) == up) {
                s[i] = b;
                s[l] = a;
            }
            __syncthreads();
        }
    }
    d[t] = s[t];
    d[t + SORT_N / 2] = s[t + SORT_N / 2];
}

// Sorts n (a power of two <= 1024, one block, n/2 threads) key/value
// pairs; ties ordered by value so the result is unique.
extern "C" __global__ void bitonic_sort_kv(float *keys, int *vals, int n,
                                           int descending)
{
    __shared__ float sk[SORT_N];
    __shared__ int sv[SORT_N];
    int t = threadIdx.x;
    for (int x = t; x < n; x += blockDim.x) {
        sk[x] = keys[x];
        sv[x] = vals[x];
    }
    __syncthreads();
    for (int k = 2; k <= n; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            int i = 2 * t - (t & (j - 1));
            int l = i ^ j;
            bool up = ((i & k) == 0) != (descending != 0);
            float ka = sk[i], kb = sk[l];
            int va = sv[i], vb = sv[l];
            bool gt = ka > kb || (ka == kb && va > vb);
            if (gt == up) {
                sk[i] = kb;
                sk[l] = ka;
                sv[i] = vb;
                sv[l] = va;
            }
            __syncthreads();
        }
    }
    for (int x = t; x < n; x += blockDim.x) {
        keys[x] = sk[x];
        vals[x] = sv[x];
    }
}

// 64 ints per block, 32 threads; 64 alternating odd/even phases.
extern "C" __global__ void odd_even_sort(int *data)
{
    __shared__ int s[64];
    int *d = data + blockIdx.x * 64;
    int t = threadIdx.x;
    s[2 * t] = d[2 * t];
    s[2 * t + 1] = d[2 * t + 1];
    __syncthreads();
    for (int phase = 0; phase < 64; phase++) {
        int i = 2 * t + (phase & 1);
        if (i + 1 < 64) {
            int a = s[i], b = s[i + 1];
            if (a > b) {
                s[i] = b;
                s[i + 1] = a;
            }
        }
        __syncthreads();
    }
    d[2 * t] = s[2 * t];
    d[2 * t + 1] = s[2 * t + 1];
}
