// Device printf: a few formatted lines from chosen threads (ints of every
// width, unsigned hex, floats and doubles with precision, a char, a string
// literal, a pointer-free %%), each thread storing printf's return value
// (the number of arguments, as CUDA documents) so the host can check it.
#include <cstdio>

extern "C" __global__ void printf_lines(const int *v, int *ret)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int r = -100;
    if (threadIdx.x == 0)
        r = printf("corpus printf block %d: v=%d hex=0x%08x f=%.3f d=%.5e "
                   "c=%c s=%s 100%%\n",
                   blockIdx.x, v[t], (unsigned)v[t] * 2654435761u,
                   v[t] * 0.25f, (double)v[t] / 3.0, 'A' + blockIdx.x,
                   "ok");
    else if (threadIdx.x == 5 && blockIdx.x == 1)
        r = printf("corpus printf wide: %lld %llu %5d|%-5d|%+d\n",
                   -1234567890123LL * v[t], 18446744073709551615ull,
                   v[t], v[t], v[t]);
    else if (threadIdx.x == 7 && blockIdx.x == 2)
        r = printf("corpus printf plain line\n");
    ret[t] = r;
}
