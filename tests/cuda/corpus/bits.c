/* Corpus group "bits" (bits.cu): 32- and 64-bit bit manipulation intrinsics
 * and shift-written bit fields, against a bit-by-bit CPU reference; and a
 * bitmap popcount reduced with shuffles. Exact.
 *
 * usage: corpus_bits MODULE */
#include "corpus.h"

#define N 777

static unsigned popc32(uint32_t x)
{
  unsigned c = 0;
  for (; x; x &= x - 1)
    c++;
  return c;
}

static unsigned popc64(uint64_t x)
{
  unsigned c = 0;
  for (; x; x &= x - 1)
    c++;
  return c;
}

static unsigned clz32(uint32_t x)
{
  unsigned c = 0;
  for (int b = 31; b >= 0 && !(x >> b & 1); b--)
    c++;
  return c;
}

static unsigned clz64(uint64_t x)
{
  unsigned c = 0;
  for (int b = 63; b >= 0 && !(x >> b & 1); b--)
    c++;
  return c;
}

static uint32_t brev32(uint32_t x)
{
  uint32_t r = 0;
  for (int b = 0; b < 32; b++)
    r |= (x >> b & 1u) << (31 - b);
  return r;
}

static uint64_t brev64(uint64_t x)
{
  uint64_t r = 0;
  for (int b = 0; b < 64; b++)
    r |= (x >> b & 1u) << (63 - b);
  return r;
}

static unsigned ffs32(uint32_t x)
{
  for (unsigned b = 0; b < 32; b++)
    if (x >> b & 1)
      return b + 1;
  return 0;
}

static unsigned ffs64(uint64_t x)
{
  for (unsigned b = 0; b < 64; b++)
    if (x >> b & 1)
      return b + 1;
  return 0;
}

static uint32_t byte_perm(uint32_t x, uint32_t y, uint32_t s)
{
  uint64_t v = (uint64_t)y << 32 | x;
  uint32_t r = 0;
  for (int k = 0; k < 4; k++) {
    unsigned sel = s >> (4 * k) & 7;
    r |= (uint32_t)(v >> (8 * sel) & 0xff) << (8 * k);
  }
  return r;
}

/* funnelshift: the 64-bit value hi:lo shifted, high (l) or low (r) word. */
static uint32_t fsl(uint32_t lo, uint32_t hi, unsigned s)
{
  uint64_t v = (uint64_t)hi << 32 | lo;
  return (uint32_t)((v << s) >> 32);
}

static uint32_t fsr(uint32_t lo, uint32_t hi, unsigned s)
{
  uint64_t v = (uint64_t)hi << 32 | lo;
  return (uint32_t)(v >> s);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  static uint32_t a[N], b[N], out[10 * N], want[10 * N];
  static uint64_t qa[N], qb[N], qout[8 * N], qwant[8 * N];
  static uint32_t counts[(N + 31) / 32], cwant[(N + 31) / 32], par[N],
      pwant[N];
  uint32_t seed = 91;
  int n = N;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_bits", argv[1]);
  for (int i = 0; i < N; i++) {
    uint32_t r = cf_rand_u32(&seed);
    /* Mix in sparse values and zeros: shift away a random number of bits. */
    a[i] = i % 17 == 0 ? 0 : r >> (cf_rand_u32(&seed) % 32);
    b[i] = cf_rand_u32(&seed);
    qa[i] = i % 19 == 0 ? 0
                        : ((uint64_t)cf_rand_u32(&seed) << 32 |
                           cf_rand_u32(&seed)) >> (cf_rand_u32(&seed) % 64);
    qb[i] = (uint64_t)cf_rand_u32(&seed) << 32 | cf_rand_u32(&seed);
  }

  {
    CUdeviceptr da = cx_upload(&h, a, sizeof a), db = cx_upload(&h, b, sizeof b);
    CUdeviceptr dout = cx_alloc(&h, sizeof out);
    void *p[] = {&da, &db, &dout, &n};
    cx_launch(&h, "bits32", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, out, dout, sizeof out);
    for (int i = 0; i < N; i++) {
      uint32_t x = a[i], y = b[i], s = y & 63;
      want[0 * N + i] = popc32(x);
      want[1 * N + i] = clz32(x);
      want[2 * N + i] = brev32(x);
      want[3 * N + i] = ffs32(x);
      want[4 * N + i] = byte_perm(x, y, y & 0x7777);
      want[5 * N + i] = fsl(x, y, s & 31);
      want[6 * N + i] = fsr(x, y, s & 31);
      want[7 * N + i] = fsl(x, y, s < 32 ? s : 32);
      want[8 * N + i] = fsr(x, y, s < 32 ? s : 32);
      unsigned pos = y & 15, len = 1 + ((y >> 8) & 15);
      uint32_t field = x >> pos & (uint32_t)((1ull << len) - 1);
      if (field >> (len - 1) & 1)
        field |= ~(uint32_t)((1ull << len) - 1);
      unsigned ipos = (y >> 4) & 15;
      uint32_t ins = (x & ~(0xffu << ipos)) | ((y & 0xffu) << ipos);
      want[9 * N + i] = field ^ ins;
    }
    static const char *names[10] = {
        "bits32.popc", "bits32.clz", "bits32.brev", "bits32.ffs",
        "bits32.byte_perm", "bits32.funnelshift_l", "bits32.funnelshift_r",
        "bits32.funnelshift_lc", "bits32.funnelshift_rc", "bits32.bfe_bfi"};
    for (int k = 0; k < 10; k++)
      cf_host_cmp_u32(&h, names[k], out + k * N, want + k * N, N);
    cf_host_digest("bits32", out, sizeof out);
    cx_free(&h, da);
    cx_free(&h, db);
    cx_free(&h, dout);
  }

  {
    CUdeviceptr da = cx_upload(&h, qa, sizeof qa),
                db = cx_upload(&h, qb, sizeof qb);
    CUdeviceptr dout = cx_alloc(&h, sizeof qout);
    void *p[] = {&da, &db, &dout, &n};
    cx_launch(&h, "bits64", (N + 63) / 64, 1, 64, 1, 0, p);
    cx_download(&h, qout, dout, sizeof qout);
    for (int i = 0; i < N; i++) {
      uint64_t x = qa[i], y = qb[i];
      unsigned s = (unsigned)(y & 63);
      qwant[0 * N + i] = popc64(x);
      qwant[1 * N + i] = clz64(x);
      qwant[2 * N + i] = brev64(x);
      qwant[3 * N + i] = ffs64(x);
      qwant[4 * N + i] = s ? (x << s) | (x >> (64 - s)) : x;
      qwant[5 * N + i] = s ? (x >> s) | (x << (64 - s)) : x;
      unsigned pos = (unsigned)(y >> 8) & 31,
               len = 1 + ((unsigned)(y >> 16) & 31);
      uint64_t mask = (UINT64_C(1) << len) - 1, field = x >> pos & mask;
      qwant[6 * N + i] = field;
      qwant[7 * N + i] = field >> (len - 1) & 1 ? field | ~mask : field;
    }
    static const char *names[8] = {
        "bits64.popcll", "bits64.clzll", "bits64.brevll", "bits64.ffsll",
        "bits64.rotl", "bits64.rotr", "bits64.bfe_u", "bits64.bfe_s"};
    for (int k = 0; k < 8; k++)
      cx_cmp_u64(&h, names[k], qout + k * N, qwant + k * N, N);
    cf_host_digest("bits64", qout, sizeof qout);
    cx_free(&h, da);
    cx_free(&h, db);
    cx_free(&h, dout);
  }

  {
    CUdeviceptr da = cx_upload(&h, b, sizeof b);
    CUdeviceptr dc = cx_alloc(&h, sizeof counts), dp = cx_alloc(&h, sizeof par);
    void *p[] = {&da, &dc, &dp, &n};
    cx_launch(&h, "bits_bitmap", (N + 255) / 256, 1, 256, 1, 0, p);
    cx_download(&h, counts, dc, sizeof counts);
    cx_download(&h, par, dp, sizeof par);
    for (int i = 0; i < N; i++) {
      cwant[i / 32] += popc32(b[i]);
      pwant[i] = popc32(b[i]) & 1;
    }
    cf_host_cmp_u32(&h, "bits_bitmap.counts", counts, cwant, (N + 31) / 32);
    cf_host_cmp_u32(&h, "bits_bitmap.parity", par, pwant, N);
    cf_host_digest("bits_bitmap", counts, sizeof counts);
    cx_free(&h, da);
    cx_free(&h, dc);
    cx_free(&h, dp);
  }
  return cf_host_finish(&h);
}
