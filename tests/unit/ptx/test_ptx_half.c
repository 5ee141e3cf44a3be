/* Half precision in the PTX interpreter: .f16/.bf16 (and x2) arithmetic,
 * comparisons and conversions, checked bit-exactly against CPU references
 * that do not share the interpreter's code: GCC's _Float16 (correctly
 * rounded conversions that honour the rounding mode, and arithmetic that
 * is correctly rounded because float has more than 2p+2 bits) and bf16
 * through float (round-to-odd to float, then round to nearest even by the
 * usual bit trick). Hand-written PTX covers every form; nvcc -O3 output of
 * half.cu (cuda_fp16.h / cuda_bf16.h code, an f16 matmul accumulating in
 * f32) runs when given as argv[1]. NaN results must be the canonical
 * 0x7fff, as the GPU gives. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>

#include "ptx_testlib.h"

static struct tmem M;

/* ---- references ---- */

static uint16_t h_of(_Float16 h) {
  uint16_t u;
  memcpy(&u, &h, 2);
  return u;
}
static _Float16 hf(uint16_t u) {
  _Float16 h;
  memcpy(&h, &u, 2);
  return h;
}
static double hd(uint16_t u) { return (double)hf(u); }
static double bd(uint16_t u) { return (double)f32_of((uint32_t)u << 16); }
static int hnan(uint16_t u) { return (u & 0x7c00) == 0x7c00 && (u & 0x3ff); }
static int bnan(uint16_t u) { return (u & 0x7f80) == 0x7f80 && (u & 0x7f); }

/* f16 of x rounded by mode (FE_*), through libgcc's conversion. */
static uint16_t h_rnd_f(float x, int mode) {
  int old = fegetround();
  fesetround(mode);
  volatile float vx = x;
  volatile _Float16 h = (_Float16)vx;
  fesetround(old);
  return isnan(x) ? 0x7fff : h_of(h);
}
static uint16_t h_rn(double x) {
  return isnan(x) ? 0x7fff : h_of((_Float16)x);
}
/* bf16 nearest-even of a float (bit trick). */
static uint16_t b_rn_f(float f) {
  if (isnan(f))
    return 0x7fff;
  uint32_t u = bits_f32(f);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}
/* bf16 nearest-even of a double: round to odd to float first. */
static uint16_t b_rn(double x) {
  if (isnan(x))
    return 0x7fff;
  int old = fegetround();
  fesetround(FE_TOWARDZERO);
  feclearexcept(FE_INEXACT);
  volatile double vx = x;
  volatile float f = (float)vx;
  int inexact = fetestexcept(FE_INEXACT) != 0;
  fesetround(old);
  float g = f;
  if (inexact && !isinf(g))
    g = f32_of(bits_f32(g) | 1);
  return b_rn_f(g);
}
/* fma in double; 0 when it was not exact (the reference then skips). */
static int fma_exact(double a, double b, double c, double *r) {
  feclearexcept(FE_INEXACT);
  volatile double va = a, vb = b, vc = c;
  volatile double vr = fma(va, vb, vc);   /* before the flag test */
  int inexact = fetestexcept(FE_INEXACT) != 0;
  *r = vr;
  return !inexact;
}
static uint16_t h_min(uint16_t a, uint16_t b, int max, int nanprop) {
  if (hnan(a) || hnan(b)) {
    if (nanprop || (hnan(a) && hnan(b)))
      return 0x7fff;
    return hnan(a) ? b : a;
  }
  double x = hd(a), y = hd(b);
  if (x == y)
    return ((a >> 15) == (unsigned)!max) ? a : b;
  return (max ? x > y : x < y) ? a : b;
}
static uint16_t ftz_h(uint16_t a) {
  return (a & 0x7c00) == 0 ? a & 0x8000 : a;
}
static int fcmp_lt(double x, double y) { return x < y; }

static uint32_t rng = 777;
static uint32_t rnd32(void) {
  rng = rng * 1664525u + 1013904223u;
  return rng ^ (rng >> 15);
}
/* A half bit pattern: mostly moderate values, some anything at all. */
static uint16_t rnd_h(void) {
  uint32_t r = rnd32();
  if ((r & 3) == 0)
    return (uint16_t)(r >> 8);
  uint16_t e = (uint16_t)(10 + (r >> 4) % 11);   /* 2^-5 .. 2^5 */
  return (uint16_t)(((r >> 20) & 1) << 15 | e << 10 | ((r >> 21) & 0x3ff));
}
static float rnd_f(void) {
  uint32_t r = rnd32();
  if ((r & 7) == 0)
    return f32_of(rnd32());
  return ((float)(int32_t)rnd32() / 2147483648.0f) * 300.0f;
}

#define CHECK_H(got, want, what, i)                                        \
  do {                                                                    \
    if ((got) != (want)) {                                                \
      fprintf(stderr, "%s: element %d: got 0x%04x want 0x%04x\n", what,   \
              (int)(i), (unsigned)(got), (unsigned)(want));               \
      ASSERT((got) == (want));                                            \
    }                                                                     \
  } while (0)

/* ---- hand-written PTX: every form ---- */

static const char HOPS[] =
  ".version 8.0\n.target sm_80\n.address_size 64\n"
  ".visible .entry hops(.param .u64 pa, .param .u64 pb, .param .u64 pc,\n"
  "  .param .u64 pf, .param .u64 po, .param .u64 pw, .param .u32 n)\n{\n"
  ".reg .b16 %h<40>;\n.reg .f16 %x<4>;\n.reg .bf16 %y<4>;\n"
  ".reg .f16x2 %v<4>;\n.reg .b32 %r<30>;\n.reg .b64 %rd<20>;\n"
  ".reg .pred %p<8>;\n.reg .f32 %f<8>;\n.reg .f64 %d<4>;\n"
  "mov.u32 %r1, %ctaid.x;\nmov.u32 %r2, %ntid.x;\nmov.u32 %r3, %tid.x;\n"
  "mad.lo.s32 %r4, %r1, %r2, %r3;\nld.param.u32 %r5, [n];\n"
  "setp.ge.u32 %p1, %r4, %r5;\n@%p1 bra DONE;\n"
  "ld.param.u64 %rd1, [pa];\nld.param.u64 %rd2, [pb];\n"
  "ld.param.u64 %rd3, [pc];\nld.param.u64 %rd4, [pf];\n"
  "ld.param.u64 %rd5, [po];\nld.param.u64 %rd6, [pw];\n"
  "mul.wide.u32 %rd7, %r4, 2;\nmul.wide.u32 %rd8, %r4, 8;\n"
  "mul.wide.u32 %rd9, %r4, 64;\nmul.wide.u32 %rd10, %r4, 32;\n"
  "add.s64 %rd1, %rd1, %rd7;\nadd.s64 %rd2, %rd2, %rd7;\n"
  "add.s64 %rd3, %rd3, %rd7;\nadd.s64 %rd4, %rd4, %rd8;\n"
  "add.s64 %rd5, %rd5, %rd9;\nadd.s64 %rd6, %rd6, %rd10;\n"
  "ld.global.b16 %h1, [%rd1];\nld.global.f16 %x1, [%rd2];\n"
  "ld.global.u16 %h3, [%rd3];\nmov.b16 %h2, %x1;\n"
  "ld.global.v2.f32 {%f1, %f2}, [%rd4];\n"
  "add.f16 %h4, %h1, %h2;\nst.global.b16 [%rd5+0], %h4;\n"
  "sub.f16 %h4, %h1, %h2;\nst.global.b16 [%rd5+2], %h4;\n"
  "mul.rn.f16 %h4, %h1, %h2;\nst.global.b16 [%rd5+4], %h4;\n"
  "fma.rn.f16 %x2, %h1, %h2, %h3;\nst.global.f16 [%rd5+6], %x2;\n"
  "min.f16 %h4, %h1, %h2;\nst.global.b16 [%rd5+8], %h4;\n"
  "max.f16 %h4, %h1, %h2;\nst.global.b16 [%rd5+10], %h4;\n"
  "neg.f16 %h4, %h1;\nst.global.b16 [%rd5+12], %h4;\n"
  "abs.f16 %h4, %h1;\nst.global.b16 [%rd5+14], %h4;\n"
  "mov.b16 %y1, %h1;\n"
  "add.bf16 %y2, %y1, %h2;\nst.global.b16 [%rd5+16], %y2;\n"
  "mul.bf16 %h4, %h1, %h2;\nst.global.b16 [%rd5+18], %h4;\n"
  "fma.rn.bf16 %h4, %h1, %h2, %h3;\nst.global.b16 [%rd5+20], %h4;\n"
  "min.NaN.f16 %h4, %h1, %h2;\nst.global.b16 [%rd5+22], %h4;\n"
  "cvt.rn.f16.f32 %h4, %f1;\nst.global.b16 [%rd5+24], %h4;\n"
  "cvt.rz.f16.f32 %h4, %f1;\nst.global.b16 [%rd5+26], %h4;\n"
  "cvt.rm.f16.f32 %h4, %f1;\nst.global.b16 [%rd5+28], %h4;\n"
  "cvt.rp.f16.f32 %h4, %f1;\nst.global.b16 [%rd5+30], %h4;\n"
  "cvt.rn.bf16.f32 %h4, %f1;\nst.global.b16 [%rd5+32], %h4;\n"
  "cvt.rz.bf16.f32 %h4, %f1;\nst.global.b16 [%rd5+34], %h4;\n"
  "mov.b32 %v1, {%h1, %h2};\nmov.b32 %r10, {%h2, %h3};\n"
  "mov.b32 %r11, {%h3, %h1};\n"
  "add.f16x2 %v2, %v1, %r10;\nmov.b32 {%h5, %h6}, %v2;\n"
  "st.global.b16 [%rd5+36], %h5;\nst.global.b16 [%rd5+38], %h6;\n"
  "fma.rn.bf16x2 %r12, %v1, %r10, %r11;\nmov.b32 {%h5, %h6}, %r12;\n"
  "st.global.b16 [%rd5+40], %h5;\nst.global.b16 [%rd5+42], %h6;\n"
  "cvt.rn.f16x2.f32 %r13, %f1, %f2;\nst.global.b32 [%rd5+44], %r13;\n"
  "add.ftz.f16 %h4, %h1, %h2;\nst.global.b16 [%rd5+48], %h4;\n"
  "fma.rn.sat.f16 %h4, %h1, %h2, %h3;\nst.global.b16 [%rd5+50], %h4;\n"
  "fma.rn.relu.f16 %h4, %h1, %h2, %h3;\nst.global.b16 [%rd5+52], %h4;\n"
  "mov.b32 %r14, %f1;\nshr.s32 %r14, %r14, 12;\n"
  "cvt.rn.f16.s32 %h4, %r14;\nst.global.b16 [%rd5+54], %h4;\n"
  "cvt.f64.f32 %d1, %f1;\ncvt.f64.f32 %d2, %f2;\nmul.f64 %d3, %d1, %d2;\n"
  "cvt.rn.f16.f64 %h4, %d3;\nst.global.b16 [%rd5+56], %h4;\n"
  "cvt.rn.bf16.f64 %h4, %d3;\nst.global.b16 [%rd5+58], %h4;\n"
  "cvt.rn.bf16x2.f32 %r13, %f1, %f2;\nst.global.b32 [%rd5+60], %r13;\n"
  /* 32-bit results */
  "cvt.f32.f16 %f3, %h1;\nst.global.f32 [%rd6+0], %f3;\n"
  "cvt.f32.bf16 %f3, %h1;\nst.global.f32 [%rd6+4], %f3;\n"
  "setp.lt.f16 %p2, %h1, %h2;\nsetp.gtu.f16 %p3|%p4, %h1, %h2;\n"
  "selp.u32 %r15, 1, 0, %p2;\nselp.u32 %r16, 2, 0, %p3;\n"
  "selp.u32 %r17, 4, 0, %p4;\nor.b32 %r15, %r15, %r16;\n"
  "or.b32 %r15, %r15, %r17;\nst.global.u32 [%rd6+8], %r15;\n"
  "set.lt.u32.f16x2 %r15, %v1, %r10;\nst.global.u32 [%rd6+12], %r15;\n"
  "set.le.f16x2.f16x2 %r15, %v1, %r10;\nst.global.u32 [%rd6+16], %r15;\n"
  "setp.eq.f16x2 %p5|%p6, %v1, %r10;\nselp.u32 %r15, 1, 0, %p5;\n"
  "selp.u32 %r16, 2, 0, %p6;\nor.b32 %r15, %r15, %r16;\n"
  "st.global.u32 [%rd6+20], %r15;\n"
  "cvt.rni.s32.f16 %r15, %h1;\nst.global.u32 [%rd6+24], %r15;\n"
  "cvt.rzi.s32.bf16 %r15, %h1;\nst.global.u32 [%rd6+28], %r15;\n"
  "DONE:\nret;\n}\n";

static void test_hops(void) {
  enum { N = 20000 };
  struct cf_ptx_module *mod = load_ok(HOPS);
  const struct cf_ptx_kernel *k = kernel(mod, "hops");
  static uint16_t a[N], b[N], c[N];
  static float f[2 * N];
  for (int i = 0; i < N; i++) {
    a[i] = rnd_h();
    b[i] = rnd_h();
    c[i] = rnd_h();
    f[2 * i] = rnd_f();
    f[2 * i + 1] = rnd_f();
  }
  /* a few values chosen to hit the edges */
  a[0] = 0x3f88; b[0] = 0x3f88; c[0] = 0x0d80;   /* bf16 fma: mid + tiny */
  f[0] = 65520.0f;                               /* f16 overflow tie */
  f[2] = 0x1p-25f;                               /* f16 underflow tie */
  f[4] = -0x1.8p-24f;
  a[3] = 0x7bff; b[3] = 0x7bff;                  /* overflow */
  a[4] = 0x8000; b[4] = 0x0000;                  /* -0 vs +0 */
  a[5] = 0x7e00; b[5] = 0x3c00;                  /* NaN */
  uint64_t da = tmem_alloc(&M, sizeof a), db = tmem_alloc(&M, sizeof b);
  uint64_t dc = tmem_alloc(&M, sizeof c), df = tmem_alloc(&M, sizeof f);
  uint64_t dout = tmem_alloc(&M, (uint64_t)N * 64);
  uint64_t dw = tmem_alloc(&M, (uint64_t)N * 32);
  memcpy(tmem_host(&M, da), a, sizeof a);
  memcpy(tmem_host(&M, db), b, sizeof b);
  memcpy(tmem_host(&M, dc), c, sizeof c);
  memcpy(tmem_host(&M, df), f, sizeof f);
  struct { uint64_t a, b, c, f, o, w; uint32_t n; } prm = {
      da, db, dc, df, dout, dw, N};
  launch_ok(k, &M, (N + 127) / 128, 128, &prm, cf_ptx_kernel_param_bytes(k),
            0);
  const uint16_t *o = tmem_host(&M, dout);
  const uint32_t *w = tmem_host(&M, dw);
  int skipped = 0;
  for (int i = 0; i < N; i++) {
    const uint16_t *r = o + 32 * i;
    const uint32_t *q = w + 8 * i;
    _Float16 x = hf(a[i]), y = hf(b[i]);
    double fx = hd(a[i]), fy = hd(b[i]), fz = hd(c[i]), e;
    CHECK_H(r[0], h_rn((double)(_Float16)(x + y)), "add.f16", i);
    CHECK_H(r[1], h_rn((double)(_Float16)(x - y)), "sub.f16", i);
    CHECK_H(r[2], h_rn((double)(_Float16)(x * y)), "mul.f16", i);
    if (fma_exact(fx, fy, fz, &e))
      CHECK_H(r[3], h_rn(e), "fma.f16", i);
    else
      skipped++;
    CHECK_H(r[4], h_min(a[i], b[i], 0, 0), "min.f16", i);
    CHECK_H(r[5], h_min(a[i], b[i], 1, 0), "max.f16", i);
    CHECK_H(r[6], a[i] ^ 0x8000, "neg.f16", i);
    CHECK_H(r[7], a[i] & 0x7fff, "abs.f16", i);
    double bx = bd(a[i]), by = bd(b[i]), bz = bd(c[i]);
    CHECK_H(r[8], b_rn_f((float)bx + (float)by), "add.bf16", i);
    CHECK_H(r[9], b_rn(bx * by), "mul.bf16", i);
    if (fma_exact(bx, by, bz, &e))
      CHECK_H(r[10], b_rn(e), "fma.bf16", i);
    else if (i != 0)
      skipped++;
    CHECK_H(r[11], h_min(a[i], b[i], 0, 1), "min.NaN.f16", i);
    float f1 = f[2 * i], f2 = f[2 * i + 1];
    CHECK_H(r[12], h_rnd_f(f1, FE_TONEAREST), "cvt.rn.f16.f32", i);
    CHECK_H(r[13], h_rnd_f(f1, FE_TOWARDZERO), "cvt.rz.f16.f32", i);
    CHECK_H(r[14], h_rnd_f(f1, FE_DOWNWARD), "cvt.rm.f16.f32", i);
    CHECK_H(r[15], h_rnd_f(f1, FE_UPWARD), "cvt.rp.f16.f32", i);
    CHECK_H(r[16], b_rn_f(f1), "cvt.rn.bf16.f32", i);
    CHECK_H(r[17], isnan(f1) ? 0x7fff : bits_f32(f1) >> 16, "cvt.rz.bf16.f32",
            i);
    CHECK_H(r[18], h_rn((double)(_Float16)(x + y)), "add.f16x2 lo", i);
    CHECK_H(r[19], h_rn((double)(_Float16)(y + hf(c[i]))), "add.f16x2 hi", i);
    if (fma_exact(bx, by, bz, &e))
      CHECK_H(r[20], b_rn(e), "fma.bf16x2 lo", i);
    if (fma_exact(by, bz, bx, &e))
      CHECK_H(r[21], b_rn(e), "fma.bf16x2 hi", i);
    CHECK_H(r[22], h_rnd_f(f2, FE_TONEAREST), "cvt.f16x2 lo", i);
    CHECK_H(r[23], h_rnd_f(f1, FE_TONEAREST), "cvt.f16x2 hi", i);
    uint16_t fa = ftz_h(a[i]), fb = ftz_h(b[i]);
    CHECK_H(r[24], ftz_h(h_rn((double)(_Float16)(hf(fa) + hf(fb)))),
            "add.ftz.f16", i);
    if (fma_exact(fx, fy, fz, &e)) {
      uint16_t h = h_rn(e);
      uint16_t sat = hnan(h) || (h & 0x8000) ? 0 : hd(h) > 1.0 ? 0x3c00 : h;
      CHECK_H(r[25], sat, "fma.sat.f16", i);
      uint16_t relu = hnan(h) ? 0x7fff : (h & 0x8000) ? 0 : h;
      CHECK_H(r[26], relu, "fma.relu.f16", i);
    }
    int32_t iv = (int32_t)bits_f32(f1) >> 12;
    CHECK_H(r[27], h_rn((double)iv), "cvt.rn.f16.s32", i);
    double prod = (double)f1 * (double)f2;
    CHECK_H(r[28], h_rn(prod), "cvt.rn.f16.f64", i);
    CHECK_H(r[29], b_rn(prod), "cvt.rn.bf16.f64", i);
    CHECK_H(r[30], b_rn_f(f2), "cvt.bf16x2 lo", i);
    CHECK_H(r[31], b_rn_f(f1), "cvt.bf16x2 hi", i);
    /* 32-bit results */
    float wf = (float)fx, wb = (float)bx;
    if (hnan(a[i]))
      ASSERT(isnan(f32_of(q[0])));
    else
      ASSERT_UEQ(q[0], bits_f32(wf));
    if (bnan(a[i]))
      ASSERT(isnan(f32_of(q[1])));
    else
      ASSERT_UEQ(q[1], bits_f32(wb));
    int lt = fcmp_lt(fx, fy), gtu = !(fx <= fy);
    ASSERT_UEQ(q[2], (unsigned)lt | (unsigned)gtu << 1 | (unsigned)!gtu << 2);
    double c0 = hd(b[i]), c1 = hd(c[i]);
    ASSERT_UEQ(q[3], (fx < c0 ? 0xffffu : 0) | (fy < c1 ? 0xffff0000u : 0));
    ASSERT_UEQ(q[4], (fx <= c0 ? 0x3c00u : 0) | (fy <= c1 ? 0x3c000000u : 0));
    ASSERT_UEQ(q[5], (unsigned)(fx == c0) | (unsigned)(fy == c1) << 1);
    int32_t want;
    if (isnan(fx))
      want = 0;
    else if (fx >= 2147483648.0)
      want = INT32_MAX;
    else if (fx < -2147483648.0)
      want = INT32_MIN;
    else
      want = (int32_t)nearbyint(fx);
    ASSERT_EQ((int32_t)q[6], want);
    if (isnan(bx))
      want = 0;
    else if (bx >= 2147483648.0)
      want = INT32_MAX;
    else if (bx <= -2147483648.0)
      want = INT32_MIN;
    else
      want = (int32_t)trunc(bx);
    ASSERT_EQ((int32_t)q[7], want);
  }
  /* the hand-picked cases */
  ASSERT_UEQ(o[10], 0x3f91);     /* one rounding, not two */
  ASSERT_UEQ(o[12], 0x7c00);     /* 65520 rounds to +inf */
  ASSERT_UEQ(o[32 + 12], 0x0000);/* 2^-25: tie to even zero */
  ASSERT_UEQ(o[32 + 15], 0x0001);/* rp: the smallest subnormal */
  ASSERT_UEQ(o[64 + 12], 0x8002);/* -1.5 * 2^-24: tie to even 2 */
  ASSERT_UEQ(o[96 + 0], 0x7c00); /* max + max */
  ASSERT_UEQ(o[128 + 4], 0x8000);/* min(-0, +0) */
  ASSERT_UEQ(o[128 + 5], 0x0000);
  ASSERT_UEQ(o[160 + 0], 0x7fff);/* NaN + 1: canonical */
  ASSERT_UEQ(o[160 + 4], 0x3c00);/* min(NaN, 1) = 1 */
  ASSERT_UEQ(o[160 + 11], 0x7fff);
  ASSERT(skipped < N);   /* fma results not exact in double: no reference */
  cf_ptx_module_free(mod);
  tmem_free(&M);
}

/* ---- nvcc output of half.cu ---- */

static struct cf_ptx_module *MOD;

static void go(const char *name, const void *const *args, unsigned nargs,
               unsigned gx, unsigned gy, unsigned bx, unsigned by) {
  const struct cf_ptx_kernel *k = kernel(MOD, name);
  uint8_t buf[256];
  ASSERT_EQ(cf_ptx_kernel_param_count(k), nargs);
  for (unsigned i = 0; i < nargs; i++) {
    size_t off, size;
    ASSERT_EQ(cf_ptx_kernel_param(k, i, &off, &size), 0);
    memcpy(buf + off, args[i], size);
  }
  unsigned g[3] = {gx, gy, 1}, b[3] = {bx, by, 1};
  char err[320];
  int rc = launch3(k, &M, g, b, buf, cf_ptx_kernel_param_bytes(k), 0, err,
                   sizeof err);
  if (rc != 0)
    fprintf(stderr, "%s: %d %s\n", name, rc, err);
  ASSERT_EQ(rc, 0);
}

static uint64_t upload(const void *p, size_t n) {
  uint64_t a = tmem_alloc(&M, n);
  memcpy(tmem_host(&M, a), p, n);
  return a;
}

static void test_nvcc_convert_arith(void) {
  enum { N = 4096 };
  static float in[N], in2[N];
  static uint16_t a[N], b[N], c[N];
  for (int i = 0; i < N; i++) {
    in[i] = rnd_f();
    in2[i] = rnd_f();
    a[i] = rnd_h();
    b[i] = rnd_h();
    c[i] = rnd_h();
  }
  int n = N;
  uint64_t din = upload(in, sizeof in), din2 = upload(in2, sizeof in2);
  uint64_t dh = tmem_alloc(&M, N * 2), dback = tmem_alloc(&M, N * 4);
  uint64_t dint = tmem_alloc(&M, N * 4), dhrz = tmem_alloc(&M, N * 2);
  const void *a1[] = {&din, &dh, &dback, &dint, &dhrz, &n};
  go("h_convert", a1, 6, N / 128, 1, 128, 1);
  const uint16_t *h = tmem_host(&M, dh), *hrz = tmem_host(&M, dhrz);
  const float *back = tmem_host(&M, dback);
  const int32_t *iv = tmem_host(&M, dint);
  for (int i = 0; i < N; i++) {
    uint16_t w = h_rnd_f(in[i], FE_TONEAREST);
    CHECK_H(h[i], w, "__float2half_rn", i);
    CHECK_H(hrz[i], h_rnd_f(in[i], FE_TOWARDZERO), "__float2half_rz", i);
    if (!hnan(w))
      ASSERT_UEQ(bits_f32(back[i]), bits_f32((float)hd(w)));
    double x = hd(w);
    int32_t want = isnan(x) ? 0 : x >= 2147483648.0 ? INT32_MAX
                 : x < -2147483648.0 ? INT32_MIN : (int32_t)nearbyint(x);
    ASSERT_EQ(iv[i], want);
  }
  uint64_t da = upload(a, sizeof a), db = upload(b, sizeof b);
  uint64_t dc = upload(c, sizeof c), dout = tmem_alloc(&M, N * 16);
  const void *a2[] = {&da, &db, &dc, &dout, &n};
  go("h_arith", a2, 5, N / 128, 1, 128, 1);
  const uint16_t *o = tmem_host(&M, dout);
  for (int i = 0; i < N; i++) {
    _Float16 x = hf(a[i]), y = hf(b[i]);
    const uint16_t *r = o + 8 * i;
    double e;
    CHECK_H(r[0], h_rn((double)(_Float16)(x + y)), "__hadd", i);
    CHECK_H(r[1], h_rn((double)(_Float16)(x * y)), "__hmul", i);
    if (fma_exact(hd(a[i]), hd(b[i]), hd(c[i]), &e))
      CHECK_H(r[2], h_rn(e), "__hfma", i);
    CHECK_H(r[3], h_rn((double)(_Float16)(x - y)), "__hsub", i);
    CHECK_H(r[4], a[i] ^ 0x8000, "__hneg", i);
    CHECK_H(r[5], a[i] & 0x7fff, "__habs", i);
    CHECK_H(r[6], h_min(a[i], b[i], 0, 0), "__hmin", i);
    uint16_t w7 = hd(a[i]) < hd(b[i]) ? h_min(a[i], c[i], 1, 0) : b[i];
    CHECK_H(r[7], w7, "__hlt/__hmax", i);
  }
  /* __half2: pairs (a[2j], a[2j+1]) */
  const void *a3[] = {&da, &db, &dc, &dout, &n};
  int n2 = N / 2;
  a3[4] = &n2;
  go("h2_arith", a3, 5, N / 2 / 128, 1, 128, 1);
  for (int j = 0; j < N / 2; j++) {
    const uint16_t *r = o + 8 * j;
    const uint16_t *x = a + 2 * j, *y = b + 2 * j, *z = c + 2 * j;
    double e;
    for (int l = 0; l < 2; l++) {
      CHECK_H(r[l], h_rn((double)(_Float16)(hf(x[l]) + hf(y[l]))), "__hadd2", j);
      CHECK_H(r[2 + l], h_rn((double)(_Float16)(hf(x[l]) * hf(y[l]))),
              "__hmul2", j);
      if (fma_exact(hd(x[l]), hd(y[l]), hd(z[l]), &e))
        CHECK_H(r[4 + l], h_rn(e), "__hfma2", j);
    }
    CHECK_H(r[6], h_rn((double)(_Float16)(hf(x[1]) - hf(z[0]))), "__hsub2 lo",
            j);
    CHECK_H(r[7], h_rn((double)(_Float16)(hf(y[0]) - hf(z[1]))), "__hsub2 hi",
            j);
  }
  /* bf16 */
  uint64_t dbo = tmem_alloc(&M, N * 12), dbb = tmem_alloc(&M, N * 4);
  const void *a4[] = {&din, &din2, &dbo, &dbb, &n};
  go("bf_arith", a4, 5, N / 128, 1, 128, 1);
  const uint16_t *bo = tmem_host(&M, dbo);
  const float *bb = tmem_host(&M, dbb);
  for (int i = 0; i < N; i++) {
    const uint16_t *r = bo + 6 * i;
    uint16_t x = b_rn_f(in[i]), y = b_rn_f(in2[i]);
    double X = bd(x), Y = bd(y), e;
    CHECK_H(r[0], x, "__float2bfloat16", i);
    CHECK_H(r[1], b_rn_f((float)X + (float)Y), "__hadd bf16", i);
    CHECK_H(r[2], b_rn(X * Y), "__hmul bf16", i);
    if (fma_exact(X, Y, X, &e))
      CHECK_H(r[3], b_rn(e), "__hfma bf16", i);
    uint16_t mx;
    if (bnan(x) || bnan(y))
      mx = bnan(x) && bnan(y) ? 0x7fff : bnan(x) ? y : x;
    else
      mx = X > Y ? x : Y > X ? y : (x >> 15) ? y : x;
    CHECK_H(r[4], mx, "__hmax bf16", i);
    CHECK_H(r[5], b_rn(Y * Y), "__hmul2 bf16 hi", i);
    uint16_t lo = b_rn(X * X);
    if (!bnan(lo))
      ASSERT_UEQ(bits_f32(bb[i]), (uint32_t)lo << 16);
  }
  /* conversions from double and int */
  static double d[N];
  static int32_t ii[N];
  for (int i = 0; i < N; i++) {
    d[i] = (double)rnd_f() * (1.0 + 0x1p-40 * (double)(rnd32() & 0xffff));
    ii[i] = (int32_t)rnd32() >> (rnd32() % 28);
  }
  uint64_t dd = upload(d, sizeof d), di = upload(ii, sizeof ii);
  uint64_t dco = tmem_alloc(&M, N * 8), ddb = tmem_alloc(&M, N * 8);
  const void *a5[] = {&dd, &di, &dco, &ddb, &n};
  go("h_cvt_more", a5, 5, N / 128, 1, 128, 1);
  const uint16_t *co = tmem_host(&M, dco);
  const double *db2 = tmem_host(&M, ddb);
  for (int i = 0; i < N; i++) {
    const uint16_t *r = co + 4 * i;
    CHECK_H(r[0], h_rn(d[i]), "__double2half", i);
    CHECK_H(r[1], h_rn((double)ii[i]), "__int2half_rn", i);
    CHECK_H(r[2], b_rn(d[i]), "__double2bfloat16", i);
    CHECK_H(r[3], b_rn((double)ii[i]), "__int2bfloat16_rn", i);
    double want = (double)(float)hd(r[0]) + (double)(float)bd(r[2]);
    if (!isnan(want))
      ASSERT_DBL_EQ(db2[i], want);
  }
  tmem_free(&M);
}

static void test_nvcc_matmul_dot(void) {
  enum { N = 48 };
  static uint16_t A[N * N], B[N * N];
  for (int i = 0; i < N * N; i++) {
    A[i] = h_rnd_f((float)((int)(rnd32() % 2001) - 1000) / 256.0f,
                   FE_TONEAREST);
    B[i] = h_rnd_f((float)((int)(rnd32() % 2001) - 1000) / 512.0f,
                   FE_TONEAREST);
  }
  uint64_t dA = upload(A, sizeof A), dB = upload(B, sizeof B);
  uint64_t dC = tmem_alloc(&M, N * N * 4);
  int n = N;
  const void *args[] = {&dA, &dB, &dC, &n};
  go("h_matmul", args, 4, (N + 15) / 16, (N + 15) / 16, 16, 16);
  const float *C = tmem_host(&M, dC);
  for (int r = 0; r < N; r++)
    for (int c = 0; c < N; c++) {
      float acc = 0.0f;
      for (int k = 0; k < N; k++)
        acc = fmaf((float)hd(A[r * N + k]), (float)hd(B[k * N + c]), acc);
      ASSERT_UEQ(bits_f32(C[r * N + c]), bits_f32(acc));
    }
  /* dot product: half2 products, f32 sums in any order */
  enum { P = 1000 };
  uint64_t dout = tmem_alloc(&M, 4);
  int np = P / 2;
  const void *a2[] = {&dA, &dB, &dout, &np};
  go("h2_dot", a2, 4, (P / 2 + 127) / 128, 1, 128, 1);
  double want = 0;
  for (int i = 0; i < P; i++)
    want += hd(h_rn((double)(_Float16)(hf(A[i]) * hf(B[i]))));
  float got = *(const float *)tmem_host(&M, dout);
  ASSERT(fabs(got - want) <= 1e-3 * fabs(want) + 1e-3);
  tmem_free(&M);
}

int main(int argc, char **argv) {
  tmem_init(&M);
  test_hops();
  if (argc < 2) {
    printf("ptx half: ok (no nvcc at build time: nvcc part skipped)\n");
    return 0;
  }
  FILE *f = fopen(argv[1], "rb");
  ASSERT_NOT_NULL(f);
  static char text[1 << 20];
  size_t n = fread(text, 1, sizeof text, f);
  fclose(f);
  char err[256];
  int rc = cf_ptx_module_load(text, n, &MOD, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "load: %s\n", err);
  ASSERT_EQ(rc, 0);
  test_nvcc_convert_arith();
  test_nvcc_matmul_dot();
  cf_ptx_module_free(MOD);
  printf("ptx half: ok\n");
  return 0;
}
