// Occupancy queries through cudart: cudaOccupancyMaxActiveBlocksPerMultiprocessor
// for several block sizes and dynamic shared memory sizes, on kernels with
// different register, shared-memory and launch-bound limits, compared with a
// CPU recomputation of CUDA's rules (cuda_occupancy.h) from the same device
// and function attributes; cudaOccupancyMaxPotentialBlockSize(VariableSMem)
// and cudaOccupancyAvailableDynamicSMemPerBlock checked for plausibility,
// and a launch with the suggested configuration. Prints PASS/FAIL lines like
// tests/cuda/host.h.
#include <climits>
#include <cstdio>

static int failures;

static void check(bool ok, const char *what, cudaError_t e = cudaSuccess)
{
  if (ok) {
    printf("PASS %s\n", what);
  } else {
    printf("FAIL %s: %s\n", what, cudaGetErrorString(e));
    failures++;
  }
}

__global__ void plain(float *p, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    p[i] = p[i] * 2.0f + 1.0f;
}

__global__ void with_static_smem(float *p, int n)
{
  __shared__ float buf[4096]; // 16 KiB
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  buf[threadIdx.x] = i < n ? p[i] : 0.0f;
  __syncthreads();
  if (i < n)
    p[i] = buf[(threadIdx.x + 1) % blockDim.x];
}

__global__ void __launch_bounds__(128) bounded(float *p, int n)
{
  extern __shared__ float dyn[];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  dyn[threadIdx.x] = i < n ? p[i] : 0.0f;
  __syncthreads();
  if (i < n)
    p[i] = dyn[blockDim.x - 1 - threadIdx.x];
}

struct dev {
  int warp, threads_sm, threads_block, blocks_sm, regs_sm, regs_block, smem_sm, smem_optin,
      smem_reserved, sms, major, minor;
};

static int attr(cudaDeviceAttr a)
{
  int v = 0;
  cudaDeviceGetAttribute(&v, a, 0);
  return v;
}

static int div_up(int a, int b) { return (a + b - 1) / b; }

// CUDA's occupancy rules, written independently of the stub's code.
static int expected_blocks(const dev &d, const cudaFuncAttributes &f, int block, size_t dyn)
{
  if (block <= 0 || block > f.maxThreadsPerBlock || block > d.threads_block)
    return 0;
  int warps = div_up(block, d.warp);
  int by_warps = (d.threads_sm / d.warp) / warps;
  int by_blocks = d.blocks_sm;
  int by_regs = INT_MAX;
  if (f.numRegs > 0) {
    int per_warp = div_up(f.numRegs * d.warp, 256) * 256;
    int parts = (d.major == 6 && d.minor == 0) ? 2 : 4;
    if (per_warp * warps > d.regs_block)
      return 0;
    by_regs = (d.regs_sm / parts / per_warp) * parts / warps;
  }
  size_t smem = f.sharedSizeBytes + dyn;
  if ((long)dyn > f.maxDynamicSharedSizeBytes || smem > (size_t)d.smem_optin)
    return 0;
  smem += d.smem_reserved;
  int gran = d.major >= 8 ? 128 : 256;
  smem = (smem + gran - 1) / gran * gran;
  int by_smem = smem ? (int)(d.smem_sm / smem) : INT_MAX;
  int m = by_warps;
  if (by_blocks < m) m = by_blocks;
  if (by_regs < m) m = by_regs;
  if (by_smem < m) m = by_smem;
  return m;
}

static size_t smem_for_block(int block) { return (size_t)block * sizeof(float); }

static void check_kernel(const char *name, const void *fn, const dev &d)
{
  cudaFuncAttributes f;
  cudaError_t e = cudaFuncGetAttributes(&f, fn);
  char what[160];
  snprintf(what, sizeof what, "cudaFuncGetAttributes(%s)", name);
  check(e == cudaSuccess, what, e);
  printf("info %s regs %d static smem %zu max threads %d\n", name, f.numRegs,
         f.sharedSizeBytes, f.maxThreadsPerBlock);
  int mismatches = 0, plausible = 1, nonzero = 0;
  const size_t dyns[] = { 0, 1000, 8192, 40000 };
  for (int block = 32; block <= 1024; block += 32) {
    for (size_t dyn : dyns) {
      int got = -1;
      e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&got, fn, block, dyn);
      int want = expected_blocks(d, f, block, dyn);
      if (e != cudaSuccess || got != want) {
        if (mismatches++ < 5)
          printf("info %s block %d dyn %zu: got %d (%s), want %d\n", name, block, dyn, got,
                 cudaGetErrorString(e), want);
      }
      if (got < 0 || got > d.blocks_sm || got * block > d.threads_sm)
        plausible = 0;
      nonzero += got > 0;
    }
  }
  snprintf(what, sizeof what, "%s: occupancy equals the CPU recomputation", name);
  check(mismatches == 0, what);
  snprintf(what, sizeof what, "%s: occupancy within the SM's limits, some blocks fit", name);
  check(plausible && nonzero > 0, what);

  int grid = 0, block = 0;
  e = cudaOccupancyMaxPotentialBlockSize(&grid, &block, (void (*)(float *, int))fn, 0, 0);
  snprintf(what, sizeof what, "%s: cudaOccupancyMaxPotentialBlockSize", name);
  check(e == cudaSuccess && block > 0 && block % d.warp == 0 && block <= f.maxThreadsPerBlock &&
          grid == expected_blocks(d, f, block, 0) * d.sms, what, e);
  printf("info %s suggested grid %d block %d\n", name, grid, block);

  e = cudaOccupancyMaxPotentialBlockSizeVariableSMem(&grid, &block,
                                                     (void (*)(float *, int))fn, smem_for_block);
  snprintf(what, sizeof what, "%s: cudaOccupancyMaxPotentialBlockSizeVariableSMem", name);
  check(e == cudaSuccess && block > 0 && block <= f.maxThreadsPerBlock &&
          grid == expected_blocks(d, f, block, smem_for_block(block)) * d.sms, what, e);

  size_t avail = 0;
  e = cudaOccupancyAvailableDynamicSMemPerBlock(&avail, fn, 2, 128);
  snprintf(what, sizeof what, "%s: cudaOccupancyAvailableDynamicSMemPerBlock", name);
  check(e == cudaSuccess && avail > 0 && expected_blocks(d, f, 128, avail) >= 2 &&
          avail + f.sharedSizeBytes <= (size_t)d.smem_optin, what, e);
  printf("info %s available dynamic smem for 2 blocks of 128: %zu\n", name, avail);
}

int main()
{
  dev d;
  d.warp = attr(cudaDevAttrWarpSize);
  d.threads_sm = attr(cudaDevAttrMaxThreadsPerMultiProcessor);
  d.threads_block = attr(cudaDevAttrMaxThreadsPerBlock);
  d.blocks_sm = attr(cudaDevAttrMaxBlocksPerMultiprocessor);
  d.regs_sm = attr(cudaDevAttrMaxRegistersPerMultiprocessor);
  d.regs_block = attr(cudaDevAttrMaxRegistersPerBlock);
  d.smem_sm = attr(cudaDevAttrMaxSharedMemoryPerMultiprocessor);
  d.smem_optin = attr(cudaDevAttrMaxSharedMemoryPerBlockOptin);
  d.smem_reserved = attr(cudaDevAttrReservedSharedMemoryPerBlock);
  d.sms = attr(cudaDevAttrMultiProcessorCount);
  d.major = attr(cudaDevAttrComputeCapabilityMajor);
  d.minor = attr(cudaDevAttrComputeCapabilityMinor);
  if (d.smem_optin <= 0)
    d.smem_optin = attr(cudaDevAttrMaxSharedMemoryPerBlock);
  printf("info warp %d threads/SM %d blocks/SM %d regs/SM %d smem/SM %d reserved %d SMs %d\n",
         d.warp, d.threads_sm, d.blocks_sm, d.regs_sm, d.smem_sm, d.smem_reserved, d.sms);
  check(d.warp > 0 && d.threads_sm > 0 && d.blocks_sm > 0 && d.regs_sm > 0 && d.smem_sm > 0,
        "device attributes for occupancy");

  check_kernel("plain", (const void *)plain, d);
  check_kernel("with_static_smem", (const void *)with_static_smem, d);
  check_kernel("bounded", (const void *)bounded, d);

  // a launch with the suggested configuration works
  int grid = 0, block = 0;
  float *p = nullptr;
  cudaOccupancyMaxPotentialBlockSize(&grid, &block, plain, 0, 0);
  cudaError_t e = cudaMalloc(&p, 4096 * sizeof(float));
  if (e == cudaSuccess && block > 0) {
    cudaMemset(p, 0, 4096 * sizeof(float));
    plain<<<div_up(4096, block), block>>>(p, 4096);
    e = cudaDeviceSynchronize();
    float v = 0;
    cudaMemcpy(&v, p + 4095, sizeof v, cudaMemcpyDeviceToHost);
    check(e == cudaSuccess && v == 1.0f, "launch with the suggested block size", e);
  } else {
    check(false, "launch with the suggested block size", e);
  }
  cudaFree(p);
  printf("%s runtime_occupancy\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
