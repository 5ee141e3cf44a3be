// Warp votes and matches: __ballot_sync, __all_sync, __any_sync,
// __match_any_sync, __match_all_sync, __activemask inside divergent
// branches, and __shfl_sync broadcasts / __shfl_xor_sync exchanges.

// Per warp: the ballot of (in > 0), all/any of (in > 0) as bits 0 and 1.
extern "C" __global__ void vote_ballot_all_any(const int *in,
                                               unsigned *ballot,
                                               unsigned *flags, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int p = i < n && in[i] > 0;
    unsigned b = __ballot_sync(0xffffffffu, p);
    int a = __all_sync(0xffffffffu, p);
    int y = __any_sync(0xffffffffu, p);
    if ((threadIdx.x & 31) == 0) {
        ballot[i >> 5] = b;
        flags[i >> 5] = (a ? 1u : 0u) | (y ? 2u : 0u);
    }
}

// Each lane: the mask of lanes holding the same key, and whether the whole
// warp agrees (__match_all_sync's predicate in bit 31 of pred_out).
extern "C" __global__ void vote_match(const int *key, unsigned *any_mask,
                                      unsigned *all_out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int k = key[i];
    any_mask[i] = __match_any_sync(0xffffffffu, k);
    int pred = 0;
    unsigned m = __match_all_sync(0xffffffffu, k >> 8, &pred);
    all_out[i] = m | (pred ? 0x80000000u : 0u);
}

// __activemask in a data-dependent branch: lanes with odd input take one
// side, the rest the other; each records the mask seen and the ballot of
// its side (taken with the active mask as member mask).
extern "C" __global__ void vote_activemask(const int *in, unsigned *mask,
                                           unsigned *side_ballot)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int v = in[i];
    unsigned m, b;
    if (v & 1) {
        m = __activemask();
        b = __ballot_sync(m, v > 100);
    } else {
        m = __activemask();
        b = __ballot_sync(m, v < 50);
    }
    mask[i] = m;
    side_ballot[i] = b;
}

// out[i] = in[lane src] for a rotating source, plus xor-exchange partner
// and a width-8 sub-warp broadcast.
extern "C" __global__ void vote_shfl_idx(const int *in, int *rot, int *xchg,
                                         int *sub8)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x & 31;
    int v = in[i];
    rot[i] = __shfl_sync(0xffffffffu, v, (lane + 5) & 31);
    xchg[i] = __shfl_xor_sync(0xffffffffu, v, 6);
    sub8[i] = __shfl_sync(0xffffffffu, v, 3, 8);
}

// Lane-indexed count of how many lanes in the warp have a larger value
// (popc of a ballot per bit of the value) - a warp-level radix rank.
extern "C" __global__ void vote_rank(const unsigned *in, unsigned *rank)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x & 31;
    unsigned v = in[i] & 0xff;
    unsigned ltmask = (1u << lane) - 1u;
    unsigned r = 0;
    // Stable rank: the number of lanes with smaller keys, or equal keys at
    // lower lanes.
    for (int other = 0; other < 32; other++) {
        unsigned o = __shfl_sync(0xffffffffu, v, other);
        r += o < v || (o == v && ((ltmask >> other) & 1u));
    }
    unsigned eq = __match_any_sync(0xffffffffu, v);
    rank[i] = r | (unsigned)__popc(eq) << 16;
}
