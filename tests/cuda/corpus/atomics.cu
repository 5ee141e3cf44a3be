// Histograms and atomics: a shared-memory histogram merged with global
// atomicAdd, and every atomic function on every type it takes: int
// (Add/Sub/Min/Max/And/Or/Xor/Exch/CAS), unsigned (Inc/Dec/Min/Max/CAS),
// unsigned long long (Add/Min/Max/And/Or/Xor/Exch/CAS), float and double
// (Add, Exch, a CAS-loop max). Results are order-independent by
// construction so they are exact; exchanges are checked for membership.
#define BINS 64

extern "C" __global__ void hist_shared(const unsigned char *in,
                                       unsigned *hist, int n)
{
    __shared__ unsigned s[BINS];
    for (int b = threadIdx.x; b < BINS; b += blockDim.x)
        s[b] = 0;
    __syncthreads();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += blockDim.x * gridDim.x)
        atomicAdd(&s[in[i] % BINS], 1u);
    __syncthreads();
    for (int b = threadIdx.x; b < BINS; b += blockDim.x)
        if (s[b])
            atomicAdd(&hist[b], s[b]);
}

// r[0] add, r[1] sub, r[2] min, r[3] max, r[4] and, r[5] or, r[6] xor,
// r[7] exch (last writer wins: any input), r[8] CAS-increment count;
// old[i] = value returned by the exchange.
extern "C" __global__ void atomics_int(const int *in, int *r, int *old, int n)
{
    __shared__ int smin;
    if (threadIdx.x == 0)
        smin = 0x7fffffff;
    __syncthreads();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int v = in[i];
        atomicAdd(&r[0], v);
        atomicSub(&r[1], v);
        atomicMin(&smin, v);
        atomicMax(&r[3], v);
        atomicAnd(&r[4], v | 0x0f0f0f0f);
        atomicOr(&r[5], v & 0x00ff00ff);
        atomicXor(&r[6], v);
        old[i] = atomicExch(&r[7], v);
        int cur = r[8], seen;
        while ((seen = atomicCAS(&r[8], cur, cur + 1)) != cur)
            cur = seen;
    }
    __syncthreads();
    if (threadIdx.x == 0)
        atomicMin(&r[2], smin);
}

// u[0] inc wrapping at 17, u[1] dec wrapping at 23, u[2] min, u[3] max,
// u[4] add via CAS loop, u[5] count of threads that won a CAS 0->1 race
// on per-bucket flags (exactly one per bucket), flags[n/8] buckets.
extern "C" __global__ void atomics_unsigned(const unsigned *in, unsigned *u,
                                            unsigned *flags, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    unsigned v = in[i];
    atomicInc(&u[0], 17u);
    atomicDec(&u[1], 23u);
    atomicMin(&u[2], v);
    atomicMax(&u[3], v);
    unsigned cur = u[4], seen;
    while ((seen = atomicCAS(&u[4], cur, cur + v)) != cur)
        cur = seen;
    if (atomicCAS(&flags[i / 8], 0u, 1u) == 0u)
        atomicAdd(&u[5], 1u);
}

// q[0] add, q[1] min, q[2] max, q[3] and, q[4] or, q[5] xor, q[6] exch,
// q[7] CAS-loop multiply-free "add 2*v"; old[i] = exchange's old value.
extern "C" __global__ void atomics_u64(const unsigned long long *in,
                                       unsigned long long *q,
                                       unsigned long long *old, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    unsigned long long v = in[i];
    atomicAdd(&q[0], v);
    atomicMin(&q[1], v);
    atomicMax(&q[2], v);
    atomicAnd(&q[3], v | 0xf0f0f0f00f0f0f0full);
    atomicOr(&q[4], v & 0x0000ffff0000ffffull);
    atomicXor(&q[5], v);
    old[i] = atomicExch(&q[6], v);
    unsigned long long cur = q[7], seen;
    while ((seen = atomicCAS(&q[7], cur, cur + 2 * v)) != cur)
        cur = seen;
}

__device__ float atomic_max_f32(float *addr, float v)
{
    int *a = (int *)addr;
    int cur = *a, seen;
    while (__int_as_float(cur) < v &&
           (seen = atomicCAS(a, cur, __float_as_int(v))) != cur)
        cur = seen;
    return __int_as_float(cur);
}

// f[0] float add (values are multiples of 1/64 so any order is exact),
// f[1] CAS-loop float max, f[2] exch; d[0] double add, d[1] double exch;
// shared-memory float add per block into f[3 + blockIdx.x].
extern "C" __global__ void atomics_float(const float *in, const double *din,
                                         float *f, double *d, int n)
{
    __shared__ float sacc;
    if (threadIdx.x == 0)
        sacc = 0.0f;
    __syncthreads();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = in[i];
        atomicAdd(&f[0], v);
        atomic_max_f32(&f[1], v);
        atomicExch(&f[2], v);
        atomicAdd(&d[0], din[i]);
        atomicExch((unsigned long long *)&d[1],
                   (unsigned long long)__double_as_longlong(din[i]));
        atomicAdd(&sacc, v);
    }
    __syncthreads();
    if (threadIdx.x == 0)
        f[3 + blockIdx.x] = sacc;
}
