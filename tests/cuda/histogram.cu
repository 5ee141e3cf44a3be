// 256-bin byte histograms: hist_global does atomicAdd straight into global
// memory; hist_shared accumulates per block in shared memory with atomicAdd,
// then merges into global memory with one atomicAdd per bin.
#define BINS 256

extern "C" __global__ void hist_global(const unsigned char *data, int n,
                                       unsigned int *bins)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += blockDim.x * gridDim.x)
        atomicAdd(&bins[data[i]], 1u);
}

extern "C" __global__ void hist_shared(const unsigned char *data, int n,
                                       unsigned int *bins)
{
    __shared__ unsigned int local[BINS];
    for (int b = threadIdx.x; b < BINS; b += blockDim.x)
        local[b] = 0;
    __syncthreads();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += blockDim.x * gridDim.x)
        atomicAdd(&local[data[i]], 1u);
    __syncthreads();
    for (int b = threadIdx.x; b < BINS; b += blockDim.x)
        if (local[b] != 0)
            atomicAdd(&bins[b], local[b]);
}
