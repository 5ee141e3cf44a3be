// Kernels that fault, as on a GPU: a store far outside every allocation
// (CUDA_ERROR_ILLEGAL_ADDRESS), an 8-byte load from an address that is
// only 4-byte aligned (CUDA_ERROR_MISALIGNED_ADDRESS) and __trap()
// (CUDA_ERROR_LAUNCH_FAILED); each fault only from one thread, after the
// others did useful work. fault_ok is the healthy kernel used to show
// that a faulted context stays unusable and a new one works.

extern "C" __global__ void fault_ok(int *p, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] = i * 3 + 1;
}

extern "C" __global__ void fault_oob_store(int *p, long long off)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    p[i] = i;
    if (i == 37)
        p[off] = 42;
}

extern "C" __global__ void fault_misaligned_load(const char *base, int off,
                                                 unsigned long long *out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    out[i] = i;
    if (i == 3)
        out[i] = *(const unsigned long long *)(base + off);
}

extern "C" __global__ void fault_trap(int *p)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    p[i] = i;
    if (i == 9)
        __trap();
}
