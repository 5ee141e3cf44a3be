// vector_add: c[i] = a[i] + b[i]. The smallest end-to-end kernel; the host
// program (vector_add.c) also uses it for its loop mode, which the
// integration tests kill mid-run.
extern "C" __global__ void vector_add(const float *a, const float *b, float *c,
                                      int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        c[i] = a[i] + b[i];
}
