// Half of tests/unit/emu/test_link.c's program: calls twice_plus and reads
// bias, both defined in link_b.cu; each file has its own static helper of
// the same name, which the linker must keep apart.
extern __device__ float twice_plus(float x, int k);
extern __device__ float bias;

static __device__ __noinline__ float helper(float x) { return x + bias; }

extern "C" __global__ void apply(float *x, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    x[i] = helper(twice_plus(x[i], i));
}
