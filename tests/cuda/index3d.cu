// index3d: every thread of a 3D grid of 3D blocks writes its coordinates
// (threadIdx, blockIdx, blockDim, gridDim packed into one word each) at its
// linear global index, so the host can check every special register.
extern "C" __global__ void index3d(unsigned int *tid_out,
                                   unsigned int *ctaid_out,
                                   unsigned int *dims_out)
{
    unsigned int block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x +
                         blockIdx.x;
    unsigned int thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x +
                          threadIdx.x;
    unsigned int i = block * (blockDim.x * blockDim.y * blockDim.z) + thread;
    tid_out[i] = (threadIdx.z << 20) | (threadIdx.y << 10) | threadIdx.x;
    ctaid_out[i] = (blockIdx.z << 20) | (blockIdx.y << 10) | blockIdx.x;
    dims_out[i] = (gridDim.z << 24) | (gridDim.y << 18) | (gridDim.x << 12) |
                  (blockDim.z << 8) | (blockDim.y << 4) | blockDim.x;
}
