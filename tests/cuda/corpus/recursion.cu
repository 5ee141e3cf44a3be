// Device functions and recursion: __noinline__ recursive functions with a
// per-thread stack (divide-and-conquer prefix sums, Fibonacci, Euclid's
// gcd, Ackermann-style nesting), a __noinline__ helper called from several
// kernels, and a function-pointer call through a __device__ table.

// Sum of a[lo..hi) by halving; recursion depth log2(hi - lo).
__device__ __noinline__ long long rsum(const int *a, int lo, int hi)
{
    if (hi - lo <= 2) {
        long long s = 0;
        for (int i = lo; i < hi; i++)
            s += a[i];
        return s;
    }
    int mid = lo + (hi - lo) / 2;
    return rsum(a, lo, mid) + rsum(a, mid, hi);
}

// out[i] = a[0] + ... + a[i] computed recursively per thread.
extern "C" __global__ void prefix_recursive(const int *a, long long *out,
                                            int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        out[i] = rsum(a, 0, i + 1);
}

__device__ __noinline__ unsigned fib(unsigned k)
{
    return k < 2 ? k : fib(k - 1) + fib(k - 2);
}

__device__ __noinline__ unsigned gcd(unsigned a, unsigned b)
{
    return b == 0 ? a : gcd(b, a % b);
}

extern "C" __global__ void fib_gcd(const unsigned *a, const unsigned *b,
                                   unsigned *fout, unsigned *gout, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    fout[i] = fib(i % 16);
    gout[i] = gcd(a[i], b[i]);
}

// Recursive exclusive prefix over a small per-thread array on the stack
// (local memory), written back through a pointer.
__device__ __noinline__ void scan_local(int *v, int len, int carry)
{
    if (len == 0)
        return;
    int x = v[0];
    v[0] = carry;
    scan_local(v + 1, len - 1, carry + x);
}

extern "C" __global__ void scan_local_recursive(const int *in, int *out)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int v[12];
    for (int k = 0; k < 12; k++)
        v[k] = in[t * 12 + k];
    scan_local(v, 12, 0);
    for (int k = 0; k < 12; k++)
        out[t * 12 + k] = v[k];
}

__device__ __noinline__ int op_add(int x, int y) { return x + y; }
__device__ __noinline__ int op_mul(int x, int y) { return x * y; }
__device__ __noinline__ int op_max(int x, int y) { return x > y ? x : y; }
__device__ __noinline__ int op_sub(int x, int y) { return x - y; }
typedef int (*binop)(int, int);
__device__ binop ops[4] = {op_add, op_mul, op_max, op_sub};

// A fold over in[] with the operation picked per thread from a table of
// device function pointers (an indirect call).
extern "C" __global__ void fold_indirect(const int *in, int *out, int len)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    binop f = ops[t & 3];
    int acc = in[t * len];
    for (int k = 1; k < len; k++)
        acc = f(acc, in[t * len + k]);
    out[t] = acc;
}
