// The library half of the cuLink test: device functions another PTX file
// calls (compiled with -rdc=true, so they stay visible across modules).
extern "C" __device__ float lib_scale(float x, float s) { return x * s + 1.0f; }
extern "C" __device__ int lib_sum_to(int n) { return n <= 0 ? 0 : n + lib_sum_to(n - 1); }
