// saxpy: y[i] = a * x[i] + y[i], with a grid-stride loop so one launch covers
// any n. Used by saxpy.c with two streams, events and pinned memory.
extern "C" __global__ void saxpy(int n, float a, const float *x, float *y)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += blockDim.x * gridDim.x)
        y[i] = a * x[i] + y[i];
}
