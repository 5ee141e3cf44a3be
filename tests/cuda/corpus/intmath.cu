// Integer arithmetic in every width: 8- and 16-bit wrapping arithmetic
// through char/short types, 32/64-bit mul.hi (__umulhi, __mulhi,
// __umul64hi, __mul64hi), widening multiplies, signed and unsigned
// division/remainder in 32 and 64 bits (negative operands, division by
// constants), saturating adds and clamps, __sad/__usad, __hadd/__rhadd,
// abs/min/max.

// 8/16-bit: out8[k*n+i] and out16[k*n+i].
extern "C" __global__ void int_narrow(const int *a, const int *b,
                                      signed char *out8, short *out16, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    signed char x8 = (signed char)a[i], y8 = (signed char)b[i];
    unsigned char ux8 = (unsigned char)a[i], uy8 = (unsigned char)b[i];
    short x16 = (short)a[i], y16 = (short)b[i];
    unsigned short ux16 = (unsigned short)a[i], uy16 = (unsigned short)b[i];
    out8[0 * n + i] = (signed char)(x8 + y8);
    out8[1 * n + i] = (signed char)(x8 * y8);
    out8[2 * n + i] = (signed char)(ux8 >> (uy8 & 7));
    out8[3 * n + i] = (signed char)(x8 >> (uy8 & 7));
    out8[4 * n + i] = y8 ? (signed char)(x8 / y8) : 0;
    out8[5 * n + i] = uy8 ? (signed char)(ux8 % uy8) : 0;
    out16[0 * n + i] = (short)(x16 - y16);
    out16[1 * n + i] = (short)(x16 * y16);
    out16[2 * n + i] = (short)((unsigned)ux16 * uy16 >> 16);
    out16[3 * n + i] = y16 ? (short)(x16 % y16) : 0;
    out16[4 * n + i] = (short)max(-32768, min(32767, (int)x16 + (int)y16));
    out16[5 * n + i] = (short)(ux16 < uy16 ? ux16 : uy16);
}

// 32-bit: out[k*n+i], k = 0..11.
extern "C" __global__ void int32_ops(const int *a, const int *b,
                                     unsigned *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    int x = a[i], y = b[i];
    unsigned ux = (unsigned)x, uy = (unsigned)y;
    out[0 * n + i] = __umulhi(ux, uy);
    out[1 * n + i] = (unsigned)__mulhi(x, y);
    out[2 * n + i] = y ? (unsigned)(x / y) : 0u;
    out[3 * n + i] = y ? (unsigned)(x % y) : 0u;
    out[4 * n + i] = uy ? ux / uy : 0u;
    out[5 * n + i] = uy ? ux % uy : 0u;
    out[6 * n + i] = (unsigned)(x / 7) ^ (ux / 10u) ^ (unsigned)(x % -13);
    // Saturating signed add, unsigned add and sub.
    long long s = (long long)x + y;
    out[7 * n + i] = (unsigned)(int)(s > 2147483647LL ? 2147483647LL
                                     : s < -2147483648LL ? -2147483648LL : s);
    unsigned us = ux + uy;
    out[8 * n + i] = (us < ux ? 0xffffffffu : us) ^ (ux > uy ? ux - uy : 0u);
    out[9 * n + i] = __sad(x, y, 5u) + __usad(ux, uy, 7u);
    out[10 * n + i] = (unsigned)__hadd(x, y) ^ (unsigned)__rhadd(x, y) ^
                      __uhadd(ux, uy) ^ __urhadd(ux, uy);
    out[11 * n + i] = ((unsigned)abs(x) + (unsigned)min(x, y)) ^ (unsigned)max(x, y) ^
                      min(ux, uy) ^ max(ux, uy);
}

// 64-bit: out[k*n+i], k = 0..9.
extern "C" __global__ void int64_ops(const long long *a, const long long *b,
                                     unsigned long long *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    long long x = a[i], y = b[i];
    unsigned long long ux = (unsigned long long)x, uy = (unsigned long long)y;
    out[0 * n + i] = __umul64hi(ux, uy);
    out[1 * n + i] = (unsigned long long)__mul64hi(x, y);
    out[2 * n + i] = y ? (unsigned long long)(x / y) : 0ull;
    out[3 * n + i] = y ? (unsigned long long)(x % y) : 0ull;
    out[4 * n + i] = uy ? ux / uy : 0ull;
    out[5 * n + i] = uy ? ux % uy : 0ull;
    out[6 * n + i] = ux * uy + (ux >> 7) - (uy << 3);
    out[7 * n + i] = (unsigned long long)((long long)(int)x * (long long)(int)y)
                     ^ ((unsigned long long)(unsigned)ux * (unsigned)uy);
    out[8 * n + i] = (unsigned long long)(x >> (uy & 63)) ^ (ux >> (uy & 63));
    out[9 * n + i] = (unsigned long long)(llabs(x) / 3) ^
                     (unsigned long long)min(x, y) ^ max(ux, uy);
}
