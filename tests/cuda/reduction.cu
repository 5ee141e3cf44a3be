// reduce_sum: per-block tree reduction in static shared memory with
// __syncthreads between levels. Works for any power-of-two block size up to
// 1024; each block writes its partial sum to out[blockIdx.x]. reduce_sum_f32
// does the same for floats (checked with a tolerance on the host).
#define MAX_BLOCK 1024

extern "C" __global__ void reduce_sum(const int *in, int *out, int n)
{
    __shared__ int s[MAX_BLOCK];
    unsigned int t = threadIdx.x;
    unsigned int i = blockIdx.x * blockDim.x * 2 + threadIdx.x;
    int v = 0;
    if (i < n)
        v = in[i];
    if (i + blockDim.x < n)
        v += in[i + blockDim.x];
    s[t] = v;
    __syncthreads();
    for (unsigned int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (t < stride)
            s[t] += s[t + stride];
        __syncthreads();
    }
    if (t == 0)
        out[blockIdx.x] = s[0];
}

extern "C" __global__ void reduce_sum_f32(const float *in, float *out, int n)
{
    __shared__ float s[MAX_BLOCK];
    unsigned int t = threadIdx.x;
    float v = 0.0f;
    for (unsigned int i = blockIdx.x * blockDim.x + t; i < n;
         i += blockDim.x * gridDim.x)
        v += in[i];
    s[t] = v;
    __syncthreads();
    for (unsigned int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (t < stride)
            s[t] += s[t + stride];
        __syncthreads();
    }
    if (t == 0)
        out[blockIdx.x] = s[0];
}
