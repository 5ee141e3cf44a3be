// Module globals: counter is bumped once per thread with atomicAdd and
// scale_table is read by every thread; the host sets and reads both through
// cuModuleGetGlobal.
__device__ int counter;
__device__ float scale_table[16];

extern "C" __global__ void count_and_scale(const float *in, float *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        atomicAdd(&counter, 1);
        out[i] = in[i] * scale_table[i & 15];
    }
}
