/* Corpus group "intmath" (intmath.cu): 8/16/32/64-bit integer arithmetic
 * with wrapping, mul.hi, division and remainder (negative operands and
 * constant divisors), saturation, sad and halving adds; exact against C on
 * the host (C's semantics for these are the same; the few spots where C
 * has undefined behaviour are written with unsigned arithmetic here).
 *
 * usage: corpus_intmath MODULE */
#include <stdlib.h>

#include "corpus.h"

#define N 640

static uint32_t umulhi(uint32_t x, uint32_t y)
{
  return (uint32_t)(((uint64_t)x * y) >> 32);
}

static uint64_t umul64hi(uint64_t x, uint64_t y)
{
  return (uint64_t)(((unsigned __int128)x * y) >> 64);
}

static int64_t mul64hi(int64_t x, int64_t y)
{
  return (int64_t)(((__int128)x * y) >> 64);
}

static int32_t hadd(int32_t x, int32_t y)
{
  return (int32_t)(((int64_t)x + y) >> 1);
}

static int32_t rhadd(int32_t x, int32_t y)
{
  return (int32_t)(((int64_t)x + y + 1) >> 1);
}

static int32_t imin(int32_t x, int32_t y) { return x < y ? x : y; }
static int32_t imax(int32_t x, int32_t y) { return x > y ? x : y; }

int main(int argc, char **argv)
{
  struct cf_host h;
  static int a[N], b[N];
  static signed char o8[6 * N], w8[6 * N];
  static short o16[6 * N], w16[6 * N];
  static uint32_t o32[12 * N], w32[12 * N];
  static long long qa[N], qb[N];
  static uint64_t o64[10 * N], w64[10 * N];
  uint32_t seed = 101;
  int n = N;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_intmath", argv[1]);
  for (int i = 0; i < N; i++) {
    /* Edge values first, then random of random magnitude. */
    static const int edge[] = {0, 1, -1, INT32_MAX, INT32_MIN, 127, -128,
                               255, 32767, -32768, 65535, 7, -7};
    int ne = (int)(sizeof edge / sizeof edge[0]);
    a[i] = i < ne * ne ? edge[i % ne]
                       : (int)(cf_rand_u32(&seed) >> (cf_rand_u32(&seed) % 32));
    b[i] = i < ne * ne ? edge[i / ne]
                       : (int)(cf_rand_u32(&seed) >> (cf_rand_u32(&seed) % 32));
    if (i >= ne * ne && (cf_rand_u32(&seed) & 1))
      b[i] = -b[i];
    qa[i] = (long long)((uint64_t)cf_rand_u32(&seed) << 32 |
                        cf_rand_u32(&seed)) >> (cf_rand_u32(&seed) % 64);
    qb[i] = (long long)((uint64_t)cf_rand_u32(&seed) << 32 |
                        cf_rand_u32(&seed)) >> (cf_rand_u32(&seed) % 64);
    if (i < ne * ne) {
      qa[i] = i % ne == 3 ? INT64_MAX : i % ne == 4 ? INT64_MIN : a[i];
      qb[i] = i / ne == 3 ? INT64_MAX : i / ne == 4 ? INT64_MIN : b[i];
    }
  }
  /* INT_MIN / -1 overflows (UB in C, a trap-free but unspecified result in
   * PTX): keep that pair out in every width. */
  for (int i = 0; i < N; i++) {
    if (a[i] == INT32_MIN && b[i] == -1)
      b[i] = 1;
    if (qa[i] == INT64_MIN && qb[i] == -1)
      qb[i] = 1;
  }
  CUdeviceptr da = cx_upload(&h, a, sizeof a), db = cx_upload(&h, b, sizeof b);

  {
    CUdeviceptr d8 = cx_alloc(&h, sizeof o8), d16 = cx_alloc(&h, sizeof o16);
    void *p[] = {&da, &db, &d8, &d16, &n};
    cx_launch(&h, "int_narrow", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, o8, d8, sizeof o8);
    cx_download(&h, o16, d16, sizeof o16);
    for (int i = 0; i < N; i++) {
      signed char x8 = (signed char)a[i], y8 = (signed char)b[i];
      unsigned char ux8 = (unsigned char)a[i], uy8 = (unsigned char)b[i];
      short x16 = (short)a[i], y16 = (short)b[i];
      unsigned short ux16 = (unsigned short)a[i], uy16 = (unsigned short)b[i];
      w8[0 * N + i] = (signed char)(x8 + y8);
      w8[1 * N + i] = (signed char)(x8 * y8);
      w8[2 * N + i] = (signed char)(ux8 >> (uy8 & 7));
      w8[3 * N + i] = (signed char)(x8 >> (uy8 & 7));
      w8[4 * N + i] = y8 ? (signed char)(x8 / y8) : 0;
      w8[5 * N + i] = uy8 ? (signed char)(ux8 % uy8) : 0;
      w16[0 * N + i] = (short)(x16 - y16);
      w16[1 * N + i] = (short)(x16 * y16);
      w16[2 * N + i] = (short)((unsigned)ux16 * uy16 >> 16);
      w16[3 * N + i] = y16 ? (short)(x16 % y16) : 0;
      int s = (int)x16 + y16;
      w16[4 * N + i] = (short)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
      w16[5 * N + i] = (short)(ux16 < uy16 ? ux16 : uy16);
    }
    cx_cmp_bytes(&h, "int_narrow.8bit", o8, w8, sizeof o8);
    cx_cmp_bytes(&h, "int_narrow.16bit", o16, w16, sizeof o16);
    cf_host_digest("int_narrow.8bit", o8, sizeof o8);
    cf_host_digest("int_narrow.16bit", o16, sizeof o16);
    cx_free(&h, d8);
    cx_free(&h, d16);
  }

  {
    CUdeviceptr dout = cx_alloc(&h, sizeof o32);
    void *p[] = {&da, &db, &dout, &n};
    cx_launch(&h, "int32_ops", (N + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, o32, dout, sizeof o32);
    for (int i = 0; i < N; i++) {
      int32_t x = a[i], y = b[i];
      uint32_t ux = (uint32_t)x, uy = (uint32_t)y;
      w32[0 * N + i] = umulhi(ux, uy);
      w32[1 * N + i] = (uint32_t)(((int64_t)x * y) >> 32);
      w32[2 * N + i] = y ? (uint32_t)(x / y) : 0u;
      w32[3 * N + i] = y ? (uint32_t)(x % y) : 0u;
      w32[4 * N + i] = uy ? ux / uy : 0u;
      w32[5 * N + i] = uy ? ux % uy : 0u;
      w32[6 * N + i] = (uint32_t)(x / 7) ^ (ux / 10u) ^ (uint32_t)(x % -13);
      int64_t s = (int64_t)x + y;
      w32[7 * N + i] = (uint32_t)(int32_t)(s > INT32_MAX   ? INT32_MAX
                                           : s < INT32_MIN ? INT32_MIN
                                                           : s);
      uint32_t us = ux + uy;
      w32[8 * N + i] = (us < ux ? 0xffffffffu : us) ^ (ux > uy ? ux - uy : 0u);
      uint32_t sad = (uint32_t)(x > y ? (int64_t)x - y : (int64_t)y - x);
      uint32_t usad = ux > uy ? ux - uy : uy - ux;
      w32[9 * N + i] = sad + 5u + usad + 7u;
      w32[10 * N + i] = (uint32_t)hadd(x, y) ^ (uint32_t)rhadd(x, y) ^
                        (uint32_t)(((uint64_t)ux + uy) >> 1) ^
                        (uint32_t)(((uint64_t)ux + uy + 1) >> 1);
      uint32_t ab = x < 0 ? 0u - ux : ux; /* abs(INT_MIN) wraps */
      w32[11 * N + i] = (ab + (uint32_t)imin(x, y)) ^ (uint32_t)imax(x, y) ^
                        (ux < uy ? ux : uy) ^ (ux > uy ? ux : uy);
    }
    static const char *names[12] = {
        "int32.umulhi", "int32.mulhi", "int32.sdiv", "int32.srem",
        "int32.udiv", "int32.urem", "int32.div_const", "int32.sat_add",
        "int32.usat", "int32.sad", "int32.hadd", "int32.abs_min_max"};
    for (int k = 0; k < 12; k++)
      cf_host_cmp_u32(&h, names[k], o32 + k * N, w32 + k * N, N);
    cf_host_digest("int32_ops", o32, sizeof o32);
    cx_free(&h, dout);
  }

  {
    CUdeviceptr dqa = cx_upload(&h, qa, sizeof qa),
                dqb = cx_upload(&h, qb, sizeof qb);
    CUdeviceptr dout = cx_alloc(&h, sizeof o64);
    void *p[] = {&dqa, &dqb, &dout, &n};
    cx_launch(&h, "int64_ops", (N + 63) / 64, 1, 64, 1, 0, p);
    cx_download(&h, o64, dout, sizeof o64);
    for (int i = 0; i < N; i++) {
      int64_t x = qa[i], y = qb[i];
      uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
      w64[0 * N + i] = umul64hi(ux, uy);
      w64[1 * N + i] = (uint64_t)mul64hi(x, y);
      w64[2 * N + i] = y ? (uint64_t)(x / y) : 0u;
      w64[3 * N + i] = y ? (uint64_t)(x % y) : 0u;
      w64[4 * N + i] = uy ? ux / uy : 0u;
      w64[5 * N + i] = uy ? ux % uy : 0u;
      w64[6 * N + i] = ux * uy + (ux >> 7) - (uy << 3);
      w64[7 * N + i] = (uint64_t)((int64_t)(int32_t)x * (int32_t)y) ^
                       ((uint64_t)(uint32_t)ux * (uint32_t)uy);
      w64[8 * N + i] = (uint64_t)(x >> (uy & 63)) ^ (ux >> (uy & 63));
      uint64_t ab = x < 0 ? 0u - ux : ux;
      w64[9 * N + i] = (x == INT64_MIN ? (uint64_t)(INT64_MIN / 3)
                                       : (uint64_t)((int64_t)ab / 3)) ^
                       (uint64_t)(x < y ? x : y) ^ (ux > uy ? ux : uy);
    }
    static const char *names[10] = {
        "int64.umul64hi", "int64.mul64hi", "int64.sdiv", "int64.srem",
        "int64.udiv", "int64.urem", "int64.mul_shift", "int64.wide32",
        "int64.shr", "int64.abs_min_max"};
    for (int k = 0; k < 10; k++)
      cx_cmp_u64(&h, names[k], o64 + k * N, w64 + k * N, N);
    cf_host_digest("int64_ops", o64, sizeof o64);
    cx_free(&h, dqa);
    cx_free(&h, dqb);
    cx_free(&h, dout);
  }
  cx_free(&h, da);
  cx_free(&h, db);
  return cf_host_finish(&h);
}
