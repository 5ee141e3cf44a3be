// Dynamic shared memory (extern __shared__, sized by the launch's
// sharedMemBytes). block_reverse reverses each block's slice of the input;
// two_arrays carves an int array and a float array out of the same dynamic
// buffer (ints first, n_per_block of each).
extern "C" __global__ void block_reverse(const float *in, float *out, int n)
{
    extern __shared__ float sbuf[];
    int t = threadIdx.x;
    int base = blockIdx.x * blockDim.x;
    if (base + t < n)
        sbuf[t] = in[base + t];
    __syncthreads();
    int src = blockDim.x - 1 - t;
    if (base + t < n && base + src < n)
        out[base + t] = sbuf[src];
    else if (base + t < n)
        out[base + t] = -1.0f;
}

extern "C" __global__ void two_arrays(const int *iv, const float *fv,
                                      float *out, int n)
{
    extern __shared__ int sraw[];
    int *si = sraw;
    float *sf = (float *)&sraw[blockDim.x];
    int t = threadIdx.x;
    int i = blockIdx.x * blockDim.x + t;
    si[t] = i < n ? iv[i] : 0;
    sf[t] = i < n ? fv[i] : 0.0f;
    __syncthreads();
    int o = (t + 1) % blockDim.x;
    if (i < n)
        out[i] = (float)si[o] * sf[t];
}
