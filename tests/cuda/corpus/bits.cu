// Bit manipulation: __popc, __clz, __brev, __ffs, __byte_perm,
// __funnelshift_l/r (wrapping and clamping), bit-field extract/insert
// written with shifts and masks, and the 64-bit variants (__popcll,
// __clzll, __brevll, __ffsll, 64-bit rotates and field extracts).

// out[k*n + i] for k = 0..9 (see the host program for the list).
extern "C" __global__ void bits32(const unsigned *a, const unsigned *b,
                                  unsigned *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    unsigned x = a[i], y = b[i], s = y & 63;
    out[0 * n + i] = __popc(x);
    out[1 * n + i] = __clz(x);
    out[2 * n + i] = __brev(x);
    out[3 * n + i] = __ffs(x);
    out[4 * n + i] = __byte_perm(x, y, y & 0x7777);
    out[5 * n + i] = __funnelshift_l(x, y, s);
    out[6 * n + i] = __funnelshift_r(x, y, s);
    out[7 * n + i] = __funnelshift_lc(x, y, s);
    out[8 * n + i] = __funnelshift_rc(x, y, s);
    // Field of (y >> 8) & 15 bits at position y & 15, sign-extended, plus
    // an insert of the low byte of y at position (y >> 4) & 15.
    unsigned pos = y & 15, len = 1 + ((y >> 8) & 15);
    int f = (int)(x << (32 - pos - len)) >> (32 - len);
    unsigned ipos = (y >> 4) & 15;
    unsigned ins = (x & ~(0xffu << ipos)) | ((y & 0xffu) << ipos);
    out[9 * n + i] = (unsigned)f ^ ins;
}

extern "C" __global__ void bits64(const unsigned long long *a,
                                  const unsigned long long *b,
                                  unsigned long long *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    unsigned long long x = a[i], y = b[i];
    unsigned s = (unsigned)(y & 63);
    out[0 * n + i] = __popcll(x);
    out[1 * n + i] = __clzll(x);
    out[2 * n + i] = __brevll(x);
    out[3 * n + i] = __ffsll((long long)x);
    out[4 * n + i] = (x << s) | (x >> ((64 - s) & 63));
    out[5 * n + i] = (x >> s) | (x << ((64 - s) & 63));
    unsigned pos = (unsigned)(y >> 8) & 31, len = 1 + ((unsigned)(y >> 16) & 31);
    out[6 * n + i] = (x >> pos) & ((1ull << len) - 1);
    out[7 * n + i] = (unsigned long long)((long long)(x << (64 - pos - len)) >>
                                          (64 - len));
}

// Count of set bits over a bitmap with one warp per 32 words, popc summed
// through shuffles; plus a parity (xor-reduce) per word.
extern "C" __global__ void bits_bitmap(const unsigned *words,
                                       unsigned *counts, unsigned *parity,
                                       int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned w = i < n ? words[i] : 0u;
    unsigned c = __popc(w);
    if (i < n)
        parity[i] = c & 1u;
    for (int off = 16; off > 0; off >>= 1)
        c += __shfl_down_sync(0xffffffffu, c, off);
    if ((threadIdx.x & 31) == 0 && i < n)
        counts[i >> 5] = c;
}
