// The other half of test_link.c's program (see link_a.cu).
__device__ float bias = 0.5f;

static __device__ __noinline__ float helper(float x) { return x * 2.0f; }

__device__ float twice_plus(float x, int k) { return helper(x) + (float)k; }
