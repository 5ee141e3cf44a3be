// Test kernels for the PTX interpreter, compiled by nvcc -ptx -O3 at build
// time (tests/unit/ptx/meson.build) and checked against CPU references in
// test_nvcc.c. Keep them plain CUDA C++ with extern "C" names.
#define TILE 16

extern "C" __global__ void vec_add(const float *a, const float *b, float *c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

extern "C" __global__ void saxpy(int n, float a, const float *x, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

extern "C" __global__ void reduce_sum(const float *in, float *out, int n) {
  extern __shared__ float sdata[];
  unsigned tid = threadIdx.x;
  unsigned i = blockIdx.x * blockDim.x * 2 + threadIdx.x;
  float v = 0.0f;
  if (i < n) v = in[i];
  if (i + blockDim.x < n) v += in[i + blockDim.x];
  sdata[tid] = v;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) sdata[tid] += sdata[tid + s];
    __syncthreads();
  }
  if (tid == 0) out[blockIdx.x] = sdata[0];
}

extern "C" __global__ void histogram(const unsigned char *data, int n, unsigned *bins) {
  __shared__ unsigned local[256];
  for (int i = threadIdx.x; i < 256; i += blockDim.x) local[i] = 0;
  __syncthreads();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
    atomicAdd(&local[data[i]], 1u);
  __syncthreads();
  for (int i = threadIdx.x; i < 256; i += blockDim.x) atomicAdd(&bins[i], local[i]);
}

extern "C" __global__ void sgemm_tiled(const float *A, const float *B, float *C, int M, int N, int K) {
  __shared__ float As[TILE][TILE];
  __shared__ float Bs[TILE][TILE];
  int row = blockIdx.y * TILE + threadIdx.y, col = blockIdx.x * TILE + threadIdx.x;
  float acc = 0.0f;
  for (int t = 0; t < (K + TILE - 1) / TILE; t++) {
    int ak = t * TILE + threadIdx.x, bk = t * TILE + threadIdx.y;
    As[threadIdx.y][threadIdx.x] = (row < M && ak < K) ? A[row * K + ak] : 0.0f;
    Bs[threadIdx.y][threadIdx.x] = (bk < K && col < N) ? B[bk * N + col] : 0.0f;
    __syncthreads();
    for (int k = 0; k < TILE; k++) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
    __syncthreads();
  }
  if (row < M && col < N) C[row * N + col] = acc;
}

extern "C" __global__ void transpose_padded(const float *in, float *out, int w, int h) {
  __shared__ float tile[TILE][TILE + 1];
  int x = blockIdx.x * TILE + threadIdx.x, y = blockIdx.y * TILE + threadIdx.y;
  if (x < w && y < h) tile[threadIdx.y][threadIdx.x] = in[y * w + x];
  __syncthreads();
  x = blockIdx.y * TILE + threadIdx.x;
  y = blockIdx.x * TILE + threadIdx.y;
  if (x < h && y < w) out[y * h + x] = tile[threadIdx.x][threadIdx.y];
}

extern "C" __global__ void warp_reduce(const float *in, float *out, unsigned *ballots) {
  float v = in[blockIdx.x * blockDim.x + threadIdx.x];
  for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
  unsigned b = __ballot_sync(0xffffffffu, in[blockIdx.x * blockDim.x + threadIdx.x] > 0.0f);
  if ((threadIdx.x & 31) == 0) {
    out[(blockIdx.x * blockDim.x + threadIdx.x) / 32] = v;
    ballots[(blockIdx.x * blockDim.x + threadIdx.x) / 32] = b;
  }
}

extern "C" __global__ void index3d(unsigned *out) {
  unsigned bx = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  unsigned nt = blockDim.x * blockDim.y * blockDim.z;
  unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  out[bx * nt + t] = (blockIdx.z << 24) | (blockIdx.y << 16) | (blockIdx.x << 8) |
                     (threadIdx.z << 6) | (threadIdx.y << 3) | threadIdx.x;
}

extern "C" __global__ void mathf(const float *x, float *y, double *z, int *q, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float v = x[i];
  y[4 * i + 0] = sqrtf(v) + 1.0f / v;
  y[4 * i + 1] = __expf(v) + __logf(v + 1.0f);
  y[4 * i + 2] = __sinf(v) * __cosf(v);
  y[4 * i + 3] = fminf(v, 2.0f) - fmaxf(-v, 0.5f) + fabsf(v);
  z[i] = (double)v / 3.0 + sqrt((double)v);
  q[i] = __float2int_rn(v * 10.0f) + (int)(v * 3.0f) + __popc(i) + __clz(i + 1) + (i % 7) + (i / 3);
}

// Struct parameter, __constant__ table and a __device__ variable.
struct S3 { int a; float b; double c; };
__device__ float gscale = 2.0f;
__constant__ float ctab[8] = {1, 2, 3, 4, 5, 6, 7, 8};
extern "C" __global__ void k_struct(S3 s, float *o) {
  o[threadIdx.x] = s.a + s.b + (float)s.c + ctab[threadIdx.x & 7] * gscale;
}

// A thread-local array indexed at run time (.local depot).
extern "C" __global__ void k_local(const int *in, int *o, int n) {
  int buf[32];
  for (int i = 0; i < 32; i++) buf[i] = in[(i * 7 + threadIdx.x) % n];
  o[threadIdx.x] = buf[in[threadIdx.x] & 31];
}

// Every atomic flavour on global memory.
extern "C" __global__ void k_atomics(unsigned *u, int *s, float *f, double *d,
                                     unsigned long long *ull) {
  atomicMax(s, (int)threadIdx.x); atomicMin(s + 1, -(int)threadIdx.x);
  atomicCAS(u, 0u, threadIdx.x + 1); atomicExch(u + 1, 77u);
  atomicAnd(u + 2, ~(1u << (threadIdx.x & 31))); atomicOr(u + 3, 1u << (threadIdx.x & 31));
  atomicXor(u + 4, 1u); atomicInc(u + 5, 17u); atomicDec(u + 6, 17u);
  atomicAdd(f, 0.5f); atomicAdd(d, 0.25); atomicAdd(ull, 3ull);
  atomicMax(ull + 1, (unsigned long long)threadIdx.x << 33);
}

// Block reductions through barriers, and warp intrinsics.
extern "C" __global__ void k_sync(int *o) {
  int c = __syncthreads_count(threadIdx.x & 1);
  int a = __syncthreads_and(threadIdx.x < 1000);
  int r = __syncthreads_or(threadIdx.x == 3);
  unsigned v = __shfl_xor_sync(0xffffffff, threadIdx.x, 3);
  v += __shfl_sync(0xffffffff, threadIdx.x, 5);
  v += __shfl_up_sync(0xffffffff, threadIdx.x, 1);
  __syncwarp();
  unsigned m = __activemask();
  int all = __all_sync(0xffffffff, threadIdx.x < 64);
  int any = __any_sync(0xffffffff, threadIdx.x == 0);
  o[threadIdx.x] = c + a + r + v + m + all + any + __popcll(threadIdx.x) +
                   __ffs(threadIdx.x) + __brev(threadIdx.x);
}

// 64-bit and narrow integer arithmetic, carries, funnel shifts, byte_perm.
extern "C" __global__ void k_int(const long long *a, long long *b,
                                 const unsigned *u, unsigned *w) {
  int i = threadIdx.x;
  b[i] = a[i] / (a[i + 1] | 1) + a[i] % 7 + (a[i] >> 3) + __mul64hi(a[i], a[i + 1]) +
         llabs(a[i]) + max(a[i], 5ll) + __clzll(a[i]);
  w[i] = u[i] / 3u + u[i] % 10u + __umulhi(u[i], 77u) + __funnelshift_l(u[i], u[i + 1], 5) +
         __byte_perm(u[i], u[i + 1], 0x5410) + __sad((int)u[i], (int)u[i + 1], 0) + (u[i] * 24);
  unsigned char ch = (unsigned char)u[i];
  short sh = (short)u[i + 1];
  w[i + 64] = ch * sh + (ch > 7) + (unsigned)(sh < -2);
}
