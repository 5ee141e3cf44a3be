/* Instruction-level tests of the PTX interpreter: hand-written PTX for each
 * supported instruction form, run on one thread (or a few), with expected
 * results computed by hand. Each test builds a kernel `t(.u64 out)` from a
 * body and checks the words it stores into out. */
#include <math.h>
#include <stdio.h>

#include "ptx_testlib.h"

static const char *const HDR =
    ".version 8.0\n.target sm_80\n.address_size 64\n";
static const char *const REGS =
    ".reg .pred %p<16>;\n.reg .b16 %rs<16>;\n.reg .b32 %r<64>;\n"
    ".reg .b64 %rd<64>;\n.reg .f32 %f<64>;\n.reg .f64 %fd<32>;\n";

static char *build(const char *mod, const char *body) {
  size_t n = strlen(HDR) + strlen(mod) + strlen(REGS) + strlen(body) + 256;
  char *s = malloc(n);
  ASSERT_NOT_NULL(s);
  snprintf(s, n,
           "%s%s\n.visible .entry t(.param .u64 t_param_0)\n{\n%s"
           "ld.param.u64 %%rd0, [t_param_0];\n%s\nret;\n}\n",
           HDR, mod, REGS, body);
  return s;
}

/* Bind every module variable to fresh memory holding its initialiser. */
static void bind_vars(struct cf_ptx_module *mod, struct tmem *m) {
  for (unsigned i = 0; i < cf_ptx_module_var_count(mod); i++) {
    const struct cf_ptx_var *v = cf_ptx_module_var(mod, i);
    uint64_t a = tmem_alloc(m, v->size);
    if (v->init)
      memcpy(tmem_host(m, a), v->init, v->init_len);
    cf_ptx_module_bind_var(mod, i, a);
  }
}

static uint8_t out[4096];

/* Run body on grid x block threads; out[] gets the output buffer. */
static void run_mod(const char *mod_decls, const char *body, unsigned grid,
                    unsigned block) {
  char *src = build(mod_decls, body);
  struct cf_ptx_module *mod = load_ok(src);
  struct tmem m;
  tmem_init(&m);
  bind_vars(mod, &m);
  uint64_t o = tmem_alloc(&m, sizeof out);
  launch_ok(kernel(mod, "t"), &m, grid, block, &o, sizeof o, 0);
  memcpy(out, tmem_host(&m, o), sizeof out);
  tmem_free(&m);
  cf_ptx_module_free(mod);
  free(src);
}
static void run(const char *body) { run_mod("", body, 1, 1); }

static uint32_t w32(unsigned i) {
  uint32_t v;
  memcpy(&v, out + 4 * i, 4);
  return v;
}
static uint64_t w64(unsigned i) {
  uint64_t v;
  memcpy(&v, out + 8 * i, 8);
  return v;
}
static float wf(unsigned i) { return f32_of(w32(i)); }
static double wd(unsigned i) {
  double d;
  uint64_t v = w64(i);
  memcpy(&d, &v, 8);
  return d;
}

static void test_int(void) {
  run("mov.u32 %r1, 7;\nmov.u32 %r2, -3;\n"
      "add.s32 %r3, %r1, %r2;\nst.global.u32 [%rd0], %r3;\n"
      "sub.s32 %r3, %r1, %r2;\nst.global.u32 [%rd0+4], %r3;\n"
      "mul.lo.s32 %r3, %r1, %r2;\nst.global.u32 [%rd0+8], %r3;\n"
      "mul.hi.s32 %r3, %r2, 1073741824;\nst.global.u32 [%rd0+12], %r3;\n"
      "mul.hi.u32 %r3, %r2, 16;\nst.global.u32 [%rd0+16], %r3;\n"
      "mad.lo.s32 %r3, %r1, %r1, %r2;\nst.global.u32 [%rd0+20], %r3;\n"
      "div.s32 %r3, %r2, 2;\nst.global.u32 [%rd0+24], %r3;\n"
      "div.u32 %r3, %r2, 2;\nst.global.u32 [%rd0+28], %r3;\n"
      "rem.s32 %r3, %r2, 2;\nst.global.u32 [%rd0+32], %r3;\n"
      "rem.u32 %r3, %r1, 4;\nst.global.u32 [%rd0+36], %r3;\n"
      "abs.s32 %r3, %r2;\nst.global.u32 [%rd0+40], %r3;\n"
      "neg.s32 %r3, %r1;\nst.global.u32 [%rd0+44], %r3;\n"
      "min.s32 %r3, %r1, %r2;\nst.global.u32 [%rd0+48], %r3;\n"
      "min.u32 %r3, %r1, %r2;\nst.global.u32 [%rd0+52], %r3;\n"
      "max.s32 %r3, %r1, %r2;\nst.global.u32 [%rd0+56], %r3;\n"
      "max.u32 %r3, %r1, %r2;\nst.global.u32 [%rd0+60], %r3;\n"
      "and.b32 %r3, %r1, 0xC;\nst.global.u32 [%rd0+64], %r3;\n"
      "or.b32 %r3, %r1, 0x10;\nst.global.u32 [%rd0+68], %r3;\n"
      "xor.b32 %r3, %r1, -1;\nst.global.u32 [%rd0+72], %r3;\n"
      "not.b32 %r3, %r1;\nst.global.u32 [%rd0+76], %r3;\n"
      "cnot.b32 %r3, %r1;\nst.global.u32 [%rd0+80], %r3;\n"
      "shl.b32 %r3, 1, 31;\nst.global.u32 [%rd0+84], %r3;\n"
      "mov.u32 %r4, 1;\nshl.b32 %r3, %r4, 32;\nst.global.u32 [%rd0+88], %r3;\n"
      "shr.u32 %r3, %r2, 28;\nst.global.u32 [%rd0+92], %r3;\n"
      "shr.s32 %r3, %r2, 1;\nst.global.u32 [%rd0+96], %r3;\n"
      "shr.s32 %r3, %r2, 40;\nst.global.u32 [%rd0+100], %r3;\n"
      "add.sat.s32 %r3, %r1, 2147483647;\nst.global.u32 [%rd0+104], %r3;\n"
      "div.s32 %r3, %r1, 0;\nst.global.u32 [%rd0+108], %r3;\n"
      "mov.u16 %rs1, 0xFFFF;\nadd.u16 %rs2, %rs1, 1;\n"
      "cvt.u32.u16 %r3, %rs2;\nst.global.u32 [%rd0+112], %r3;\n"
      "mul.wide.u16 %r3, %rs1, 4;\nst.global.u32 [%rd0+116], %r3;\n"
      "sub.s32 %r3, 0, %r1;\nst.global.u32 [%rd0+120], %r3;\n"
      "mad.hi.u32 %r3, %r2, 16, 5;\nst.global.u32 [%rd0+124], %r3;\n");
  ASSERT_EQ((int32_t)w32(0), 4);
  ASSERT_EQ((int32_t)w32(1), 10);
  ASSERT_EQ((int32_t)w32(2), -21);
  ASSERT_EQ((int32_t)w32(3), -1);
  ASSERT_EQ(w32(4), 0xF);
  ASSERT_EQ((int32_t)w32(5), 46);
  ASSERT_EQ((int32_t)w32(6), -1);
  ASSERT_EQ(w32(7), 0x7FFFFFFE);
  ASSERT_EQ((int32_t)w32(8), -1);
  ASSERT_EQ(w32(9), 3);
  ASSERT_EQ(w32(10), 3);
  ASSERT_EQ((int32_t)w32(11), -7);
  ASSERT_EQ((int32_t)w32(12), -3);
  ASSERT_EQ(w32(13), 7);
  ASSERT_EQ(w32(14), 7);
  ASSERT_EQ(w32(15), 0xFFFFFFFD);
  ASSERT_EQ(w32(16), 4);
  ASSERT_EQ(w32(17), 0x17);
  ASSERT_EQ(w32(18), ~7u);
  ASSERT_EQ(w32(19), ~7u);
  ASSERT_EQ(w32(20), 0);
  ASSERT_EQ(w32(21), 0x80000000u);
  ASSERT_EQ(w32(22), 0);
  ASSERT_EQ(w32(23), 0xF);
  ASSERT_EQ((int32_t)w32(24), -2);
  ASSERT_EQ((int32_t)w32(25), -1);
  ASSERT_EQ(w32(26), 0x7FFFFFFF);
  ASSERT_EQ(w32(27), 0xFFFFFFFF);   /* x/0: all ones, no host trap */
  ASSERT_EQ(w32(28), 0);
  ASSERT_EQ(w32(29), 0x3FFFC);
  ASSERT_EQ((int32_t)w32(30), -7);
  ASSERT_EQ(w32(31), 0xF + 5);
}

static void test_int64(void) {
  run("mov.u32 %r2, -3;\n"
      "mul.wide.s32 %rd1, %r2, 1000000;\nst.global.u64 [%rd0], %rd1;\n"
      "mul.wide.u32 %rd1, %r2, 2;\nst.global.u64 [%rd0+8], %rd1;\n"
      "mov.u64 %rd2, 0x8000000000000000;\nmov.u64 %rd3, -1;\n"
      "div.s64 %rd1, %rd2, %rd3;\nst.global.u64 [%rd0+16], %rd1;\n"
      "rem.s64 %rd1, %rd2, %rd3;\nst.global.u64 [%rd0+24], %rd1;\n"
      "mul.hi.u64 %rd1, %rd3, %rd3;\nst.global.u64 [%rd0+32], %rd1;\n"
      "mul.hi.s64 %rd1, %rd3, %rd3;\nst.global.u64 [%rd0+40], %rd1;\n"
      "shr.u64 %rd1, %rd2, 63;\nst.global.u64 [%rd0+48], %rd1;\n"
      "shr.s64 %rd1, %rd2, 63;\nst.global.u64 [%rd0+56], %rd1;\n"
      "mad.wide.s32 %rd1, %r2, 4, %rd2;\nst.global.u64 [%rd0+64], %rd1;\n"
      "add.s64 %rd1, %rd2, %rd2;\nst.global.u64 [%rd0+72], %rd1;\n"
      "min.s64 %rd1, %rd2, 5;\nst.global.u64 [%rd0+80], %rd1;\n"
      "max.u64 %rd1, %rd2, 5;\nst.global.u64 [%rd0+88], %rd1;\n"
      "popc.b64 %r3, %rd3;\ncvt.u64.u32 %rd1, %r3;\nst.global.u64 [%rd0+96], %rd1;\n"
      "clz.b64 %r3, 1;\ncvt.u64.u32 %rd1, %r3;\nst.global.u64 [%rd0+104], %rd1;\n");
  ASSERT_EQ((int64_t)w64(0), -3000000);
  ASSERT_UEQ(w64(1), 0x1FFFFFFFAull);
  ASSERT_UEQ(w64(2), 0x8000000000000000ull);   /* no SIGFPE */
  ASSERT_UEQ(w64(3), 0);
  ASSERT_UEQ(w64(4), 0xFFFFFFFFFFFFFFFEull);
  ASSERT_UEQ(w64(5), 0);
  ASSERT_UEQ(w64(6), 1);
  ASSERT_UEQ(w64(7), ~0ull);
  ASSERT_UEQ(w64(8), 0x8000000000000000ull - 12);
  ASSERT_UEQ(w64(9), 0);
  ASSERT_UEQ(w64(10), 0x8000000000000000ull);
  ASSERT_UEQ(w64(11), 0x8000000000000000ull);
  ASSERT_UEQ(w64(12), 64);
  ASSERT_UEQ(w64(13), 63);
}

static void test_float(void) {
  run("mov.f32 %f1, 0f3F800000;\n"           /* 1.0 */
      "mov.f32 %f2, 0f40400000;\n"           /* 3.0 */
      "add.f32 %f3, %f1, %f2;\nst.global.f32 [%rd0], %f3;\n"
      "sub.f32 %f3, %f1, %f2;\nst.global.f32 [%rd0+4], %f3;\n"
      "mul.rn.f32 %f3, %f2, %f2;\nst.global.f32 [%rd0+8], %f3;\n"
      "fma.rn.f32 %f3, %f2, %f2, %f1;\nst.global.f32 [%rd0+12], %f3;\n"
      "div.rn.f32 %f3, %f1, %f2;\nst.global.f32 [%rd0+16], %f3;\n"
      "div.approx.f32 %f3, %f1, %f2;\nst.global.f32 [%rd0+20], %f3;\n"
      "sqrt.rn.f32 %f3, %f2;\nst.global.f32 [%rd0+24], %f3;\n"
      "rcp.rn.f32 %f3, %f2;\nst.global.f32 [%rd0+28], %f3;\n"
      "rsqrt.approx.f32 %f3, 0f40800000;\nst.global.f32 [%rd0+32], %f3;\n"
      "ex2.approx.f32 %f3, %f2;\nst.global.f32 [%rd0+36], %f3;\n"
      "lg2.approx.f32 %f3, 0f41000000;\nst.global.f32 [%rd0+40], %f3;\n"
      "sin.approx.f32 %f3, 0f00000000;\nst.global.f32 [%rd0+44], %f3;\n"
      "cos.approx.f32 %f3, 0f00000000;\nst.global.f32 [%rd0+48], %f3;\n"
      "abs.f32 %f3, 0fC0000000;\nst.global.f32 [%rd0+52], %f3;\n"
      "neg.f32 %f3, %f2;\nst.global.f32 [%rd0+56], %f3;\n"
      "min.f32 %f3, 0f7FC00000, %f2;\nst.global.f32 [%rd0+60], %f3;\n"
      "max.f32 %f3, %f1, %f2;\nst.global.f32 [%rd0+64], %f3;\n"
      "add.rz.f32 %f3, %f1, 0f30800000;\nst.global.f32 [%rd0+68], %f3;\n"
      "add.rp.f32 %f3, %f1, 0f30800000;\nst.global.f32 [%rd0+72], %f3;\n"
      "add.rm.f32 %f3, 0fBF800000, 0fB0800000;\nst.global.f32 [%rd0+76], %f3;\n"
      "add.sat.f32 %f3, %f1, %f2;\nst.global.f32 [%rd0+80], %f3;\n"
      "mul.ftz.f32 %f3, 0f00000001, %f2;\nst.global.u32 [%rd0+84], %f3;\n"
      "mul.f32 %f3, 0f00000001, %f2;\nst.global.u32 [%rd0+88], %f3;\n"
      "mad.rn.f32 %f3, %f1, %f2, %f2;\nst.global.f32 [%rd0+92], %f3;\n"
      "tanh.approx.f32 %f3, 0f00000000;\nst.global.f32 [%rd0+96], %f3;\n"
      "mov.b32 %r1, %f2;\nst.global.u32 [%rd0+100], %r1;\n"
      "mov.f32 %f4, 0.5;\nst.global.f32 [%rd0+104], %f4;\n");
  ASSERT_DBL_EQ(wf(0), 4.0);
  ASSERT_DBL_EQ(wf(1), -2.0);
  ASSERT_DBL_EQ(wf(2), 9.0);
  ASSERT_DBL_EQ(wf(3), 10.0);
  ASSERT_DBL_EQ(wf(4), 1.0f / 3.0f);
  ASSERT(fabsf(wf(5) - 1.0f / 3.0f) < 1e-6f);
  ASSERT_DBL_EQ(wf(6), sqrtf(3.0f));
  ASSERT_DBL_EQ(wf(7), 1.0f / 3.0f);
  ASSERT(fabsf(wf(8) - 0.5f) < 1e-6f);
  ASSERT(fabsf(wf(9) - 8.0f) < 1e-5f);
  ASSERT(fabsf(wf(10) - 3.0f) < 1e-6f);
  ASSERT_DBL_EQ(wf(11), 0.0);
  ASSERT_DBL_EQ(wf(12), 1.0);
  ASSERT_DBL_EQ(wf(13), 2.0);
  ASSERT_DBL_EQ(wf(14), -3.0);
  ASSERT_DBL_EQ(wf(15), 3.0);   /* NaN operand: the other one */
  ASSERT_DBL_EQ(wf(16), 3.0);
  ASSERT_DBL_EQ(wf(17), 1.0);
  ASSERT_DBL_EQ(wf(18), nextafterf(1.0f, 2.0f));
  ASSERT_DBL_EQ(wf(19), nextafterf(-1.0f, -2.0f));
  ASSERT_DBL_EQ(wf(20), 1.0);
  ASSERT_EQ(w32(21), 0);           /* .ftz flushes the denormal */
  ASSERT_EQ(w32(22), 3);
  ASSERT_DBL_EQ(wf(23), 6.0);
  ASSERT_DBL_EQ(wf(24), 0.0);
  ASSERT_EQ(w32(25), 0x40400000);
  ASSERT_DBL_EQ(wf(26), 0.5);
}

static void test_double(void) {
  run("mov.f64 %fd1, 0d3FF0000000000000;\n"     /* 1.0 */
      "mov.f64 %fd2, 0d4008000000000000;\n"     /* 3.0 */
      "add.f64 %fd3, %fd1, %fd2;\nst.global.f64 [%rd0], %fd3;\n"
      "sub.f64 %fd3, %fd1, %fd2;\nst.global.f64 [%rd0+8], %fd3;\n"
      "mul.f64 %fd3, %fd2, %fd2;\nst.global.f64 [%rd0+16], %fd3;\n"
      "fma.rn.f64 %fd3, %fd2, %fd2, %fd1;\nst.global.f64 [%rd0+24], %fd3;\n"
      "div.rn.f64 %fd3, %fd1, %fd2;\nst.global.f64 [%rd0+32], %fd3;\n"
      "sqrt.rn.f64 %fd3, %fd2;\nst.global.f64 [%rd0+40], %fd3;\n"
      "rcp.rn.f64 %fd3, %fd2;\nst.global.f64 [%rd0+48], %fd3;\n"
      "neg.f64 %fd3, %fd2;\nst.global.f64 [%rd0+56], %fd3;\n"
      "abs.f64 %fd3, %fd3;\nst.global.f64 [%rd0+64], %fd3;\n"
      "min.f64 %fd3, %fd1, %fd2;\nst.global.f64 [%rd0+72], %fd3;\n"
      "max.f64 %fd3, %fd1, %fd2;\nst.global.f64 [%rd0+80], %fd3;\n"
      "mov.b64 {%r1, %r2}, %fd2;\nmov.b64 %fd4, {%r1, %r2};\n"
      "st.global.f64 [%rd0+88], %fd4;\nst.global.u32 [%rd0+96], %r2;\n"
      "rsqrt.approx.f64 %fd3, 0d4010000000000000;\nst.global.f64 [%rd0+104], %fd3;\n");
  ASSERT_DBL_EQ(wd(0), 4.0);
  ASSERT_DBL_EQ(wd(1), -2.0);
  ASSERT_DBL_EQ(wd(2), 9.0);
  ASSERT_DBL_EQ(wd(3), 10.0);
  ASSERT_DBL_EQ(wd(4), 1.0 / 3.0);
  ASSERT_DBL_EQ(wd(5), sqrt(3.0));
  ASSERT_DBL_EQ(wd(6), 1.0 / 3.0);
  ASSERT_DBL_EQ(wd(7), -3.0);
  ASSERT_DBL_EQ(wd(8), 3.0);
  ASSERT_DBL_EQ(wd(9), 1.0);
  ASSERT_DBL_EQ(wd(10), 3.0);
  ASSERT_DBL_EQ(wd(11), 3.0);
  ASSERT_EQ(w32(24), 0x40080000);
  ASSERT_DBL_EQ(wd(13), 0.5);
}

static void test_cvt(void) {
  run("cvt.rn.f32.s32 %f1, -7;\nst.global.f32 [%rd0], %f1;\n"
      "cvt.rzi.s32.f32 %r1, 0fC02CCCCD;\nst.global.u32 [%rd0+4], %r1;\n"      /* -2.7 */
      "cvt.rni.s32.f32 %r1, 0f40200000;\nst.global.u32 [%rd0+8], %r1;\n"      /* 2.5 */
      "cvt.rmi.s32.f32 %r1, 0fC0200000;\nst.global.u32 [%rd0+12], %r1;\n"    /* -2.5 */
      "cvt.rpi.s32.f32 %r1, 0f40066666;\nst.global.u32 [%rd0+16], %r1;\n"    /* 2.1 */
      "cvt.rzi.u32.f32 %r1, 0fC0A00000;\nst.global.u32 [%rd0+20], %r1;\n"    /* -5 */
      "cvt.rzi.s32.f32 %r1, 0f4F32D05E;\nst.global.u32 [%rd0+24], %r1;\n"    /* 3e9 */
      "cvt.rzi.s32.f32 %r1, 0f7FC00000;\nst.global.u32 [%rd0+28], %r1;\n"    /* NaN */
      "cvt.s64.s32 %rd1, -5;\nst.global.u64 [%rd0+32], %rd1;\n"
      "mov.u32 %r2, -1;\ncvt.u64.u32 %rd1, %r2;\nst.global.u64 [%rd0+40], %rd1;\n"
      "cvt.u8.u32 %r1, 0x1FF;\nst.global.u32 [%rd0+48], %r1;\n"
      "cvt.s8.s32 %r1, 0x80;\nst.global.u32 [%rd0+52], %r1;\n"
      "cvt.sat.u8.s32 %r1, -5;\nst.global.u32 [%rd0+56], %r1;\n"
      "cvt.sat.s8.s32 %r1, 300;\nst.global.u32 [%rd0+60], %r1;\n"
      "cvt.rni.f32.f32 %f1, 0f40200000;\nst.global.f32 [%rd0+64], %f1;\n"
      "cvt.rz.f32.s32 %f1, 16777217;\nst.global.f32 [%rd0+68], %f1;\n"
      "cvt.rp.f32.s32 %f1, 16777217;\nst.global.f32 [%rd0+72], %f1;\n"
      "cvt.f64.f32 %fd1, 0f3EAAAAAB;\nst.global.f64 [%rd0+80], %fd1;\n"
      "cvt.rn.f32.f64 %f1, 0d3FD5555555555555;\nst.global.f32 [%rd0+88], %f1;\n"
      "cvt.rz.f32.f64 %f1, 0d3FD5555555555555;\nst.global.f32 [%rd0+92], %f1;\n"
      "cvt.rn.f64.u64 %fd1, 12345678901;\nst.global.f64 [%rd0+96], %fd1;\n"
      "cvt.rzi.s64.f64 %rd1, 0dC0C3880000000000;\nst.global.u64 [%rd0+104], %rd1;\n"
      "cvt.u32.u64 %r1, 0x123456789;\nst.global.u32 [%rd0+112], %r1;\n"
      "cvt.sat.f32.f32 %f1, 0f40000000;\nst.global.f32 [%rd0+116], %f1;\n"
      "cvt.rn.f32.u32 %f1, -1;\nst.global.f32 [%rd0+120], %f1;\n"
      "cvt.s32.s16 %r1, 0xFFFE;\nst.global.u32 [%rd0+124], %r1;\n");
  ASSERT_DBL_EQ(wf(0), -7.0);
  ASSERT_EQ((int32_t)w32(1), -2);
  ASSERT_EQ((int32_t)w32(2), 2);
  ASSERT_EQ((int32_t)w32(3), -3);
  ASSERT_EQ((int32_t)w32(4), 3);
  ASSERT_EQ(w32(5), 0);
  ASSERT_EQ(w32(6), 0x7FFFFFFF);
  ASSERT_EQ(w32(7), 0);
  ASSERT_EQ((int64_t)w64(4), -5);
  ASSERT_UEQ(w64(5), 0xFFFFFFFFull);
  ASSERT_EQ(w32(12), 0xFF);
  ASSERT_EQ((int32_t)w32(13), -128);
  ASSERT_EQ(w32(14), 0);
  ASSERT_EQ(w32(15), 127);
  ASSERT_DBL_EQ(wf(16), 2.0);
  ASSERT_DBL_EQ(wf(17), 16777216.0);
  ASSERT_DBL_EQ(wf(18), 16777218.0);
  ASSERT_DBL_EQ(wd(10), (double)f32_of(0x3EAAAAAB));
  ASSERT_DBL_EQ(wf(22), (float)(1.0 / 3.0));
  ASSERT_EQ(w32(23), 0x3EAAAAAA);
  ASSERT_DBL_EQ(wd(12), 12345678901.0);
  ASSERT_EQ((int64_t)w64(13), -10000);
  ASSERT_EQ(w32(28), 0x23456789);
  ASSERT_DBL_EQ(wf(29), 1.0);
  ASSERT_DBL_EQ(wf(30), 4294967296.0);
  ASSERT_EQ((int32_t)w32(31), -2);
}

static void test_setp(void) {
  run("mov.u32 %r1, -3;\nmov.u32 %r2, 7;\n"
      "setp.lt.s32 %p1, %r1, %r2;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0], %r3;\n"
      "setp.lt.u32 %p1, %r1, %r2;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+4], %r3;\n"
      "setp.hi.u32 %p1, %r1, %r2;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+8], %r3;\n"
      "setp.ls.u32 %p1, %r2, %r2;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+12], %r3;\n"
      "setp.ne.f32 %p1, 0f7FC00000, 0f3F800000;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+16], %r3;\n"
      "setp.neu.f32 %p1, 0f7FC00000, 0f3F800000;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+20], %r3;\n"
      "setp.equ.f32 %p1, 0f7FC00000, 0f3F800000;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+24], %r3;\n"
      "setp.nan.f32 %p1, 0f7FC00000, 0f3F800000;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+28], %r3;\n"
      "setp.num.f64 %p1, 0d3FF0000000000000, 0d3FF0000000000000;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+32], %r3;\n"
      "setp.gtu.f32 %p1, 0f7FC00000, 0f3F800000;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+36], %r3;\n"
      "setp.lt.f32 %p1, 0f7FC00000, 0f3F800000;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+40], %r3;\n"
      "setp.eq.s32 %p2, %r1, %r1;\n"
      "setp.gt.and.s32 %p1, %r2, %r1, %p2;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+44], %r3;\n"
      "setp.gt.and.s32 %p1, %r2, %r1, !%p2;\nselp.u32 %r3, 1, 0, %p1;\nst.global.u32 [%rd0+48], %r3;\n"
      "setp.lt.or.s32 %p1|%p3, %r2, %r1, %p2;\nselp.u32 %r3, 1, 0, %p3;\nst.global.u32 [%rd0+52], %r3;\n"
      "setp.ge.s32 %p1|%p3, %r2, %r1;\nselp.u32 %r3, 1, 0, %p3;\nst.global.u32 [%rd0+56], %r3;\n"
      "and.pred %p4, %p1, %p3;\nselp.u32 %r3, 1, 0, %p4;\nst.global.u32 [%rd0+60], %r3;\n"
      "or.pred %p4, %p1, %p3;\nselp.u32 %r3, 1, 0, %p4;\nst.global.u32 [%rd0+64], %r3;\n"
      "xor.pred %p4, %p1, %p3;\nselp.u32 %r3, 1, 0, %p4;\nst.global.u32 [%rd0+68], %r3;\n"
      "not.pred %p4, %p1;\nselp.u32 %r3, 1, 0, %p4;\nst.global.u32 [%rd0+72], %r3;\n"
      "mov.u32 %r4, 10;\n@%p1 mov.u32 %r4, 11;\n@!%p1 mov.u32 %r4, 12;\nst.global.u32 [%rd0+76], %r4;\n"
      "selp.f32 %f1, 0f3F800000, 0f40000000, %p3;\nst.global.f32 [%rd0+80], %f1;\n"
      "setp.ne.b32 %p5, %r1, 0;\nselp.u32 %r3, 1, 0, %p5;\nst.global.u32 [%rd0+84], %r3;\n"
      "mov.pred %p6, %p5;\nselp.u32 %r3, 1, 0, %p6;\nst.global.u32 [%rd0+88], %r3;\n"
      "setp.lt.s64 %p7, -1, 0;\nselp.u32 %r3, 1, 0, %p7;\nst.global.u32 [%rd0+92], %r3;\n");
  static const uint32_t want[] = {1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1,
                                  0, 0, 1, 1, 0, 11, 0, 1, 1, 1};
  for (unsigned i = 0; i < sizeof want / sizeof *want; i++) {
    if (i == 20) {
      ASSERT_DBL_EQ(wf(i), 2.0);
      continue;
    }
    if (w32(i) != want[i])
      fprintf(stderr, "setp word %u\n", i);
    ASSERT_EQ(w32(i), want[i]);
  }
}

static void test_bits(void) {
  run("popc.b32 %r1, 0xF0F0;\nst.global.u32 [%rd0], %r1;\n"
      "clz.b32 %r1, 1;\nst.global.u32 [%rd0+4], %r1;\n"
      "clz.b32 %r1, 0;\nst.global.u32 [%rd0+8], %r1;\n"
      "brev.b32 %r1, 1;\nst.global.u32 [%rd0+12], %r1;\n"
      "bfe.u32 %r1, 0xABCD1234, 8, 8;\nst.global.u32 [%rd0+16], %r1;\n"
      "bfe.s32 %r1, 0x0000F000, 12, 4;\nst.global.u32 [%rd0+20], %r1;\n"
      "bfi.b32 %r1, 0xF, 0, 4, 4;\nst.global.u32 [%rd0+24], %r1;\n"
      "lop3.b32 %r1, 0xFF00, 0xF0F0, 0xCCCC, 0x96;\nst.global.u32 [%rd0+28], %r1;\n"
      "prmt.b32 %r1, 0x33221100, 0x77665544, 0x4321;\nst.global.u32 [%rd0+32], %r1;\n"
      "prmt.b32 %r1, 0x000080FF, 0, 0x0A98;\nst.global.u32 [%rd0+36], %r1;\n"
      "bfe.u32 %r1, 0xABCD1234, 28, 8;\nst.global.u32 [%rd0+40], %r1;\n"
      "brev.b64 %rd1, 1;\nst.global.u64 [%rd0+48], %rd1;\n"
      "bfe.u64 %rd1, 0xF000000000000000, 60, 4;\nst.global.u64 [%rd0+56], %rd1;\n"
      "bfind.u32 %r1, 0x00010000;\nst.global.u32 [%rd0+64], %r1;\n"
      "bfind.shiftamt.u32 %r1, 0x00010000;\nst.global.u32 [%rd0+68], %r1;\n"
      "bfind.u32 %r1, 0;\nst.global.u32 [%rd0+72], %r1;\n"
      "bfind.s32 %r1, -2;\nst.global.u32 [%rd0+76], %r1;\n"
      "shf.l.wrap.b32 %r1, 0x80000000, 0x1, 33;\nst.global.u32 [%rd0+80], %r1;\n"
      "shf.r.clamp.b32 %r1, 0x0, 0xF0, 40;\nst.global.u32 [%rd0+84], %r1;\n"
      "sad.s32 %r1, -5, 5, 1;\nst.global.u32 [%rd0+88], %r1;\n"
      "copysign.f32 %f1, 0fBF800000, 0f40000000;\nst.global.f32 [%rd0+92], %f1;\n"
      /* 64-bit add through 32-bit carries: 0x1_FFFFFFFF + 1 */
      "add.cc.u32 %r2, 0xFFFFFFFF, 1;\naddc.u32 %r3, 1, 0;\n"
      "st.global.u32 [%rd0+96], %r2;\nst.global.u32 [%rd0+100], %r3;\n"
      "sub.cc.u32 %r2, 0, 1;\nsubc.u32 %r3, 5, 0;\n"
      "st.global.u32 [%rd0+104], %r2;\nst.global.u32 [%rd0+108], %r3;\n"
      "mad.lo.cc.u32 %r2, 0x10000, 0x10000, 0xFFFFFFFF;\nmadc.hi.u32 %r3, 0x10000, 0x10000, 0;\n"
      "st.global.u32 [%rd0+112], %r2;\nst.global.u32 [%rd0+116], %r3;\n");
  ASSERT_EQ(w32(0), 8);
  ASSERT_EQ(w32(1), 31);
  ASSERT_EQ(w32(2), 32);
  ASSERT_EQ(w32(3), 0x80000000u);
  ASSERT_EQ(w32(4), 0x12);
  ASSERT_EQ(w32(5), 0xFFFFFFFFu);
  ASSERT_EQ(w32(6), 0xF0);
  ASSERT_EQ(w32(7), (0xFF00 ^ 0xF0F0 ^ 0xCCCC));
  ASSERT_EQ(w32(8), 0x44332211u);
  ASSERT_EQ(w32(9), 0xFF00FFFFu);
  ASSERT_EQ(w32(10), 0xA);
  ASSERT_UEQ(w64(6), 0x8000000000000000ull);
  ASSERT_UEQ(w64(7), 0xF);
  ASSERT_EQ(w32(16), 16);
  ASSERT_EQ(w32(17), 15);
  ASSERT_EQ(w32(18), 0xFFFFFFFFu);
  ASSERT_EQ(w32(19), 0);
  ASSERT_EQ(w32(20), 3);
  ASSERT_EQ(w32(21), 0xF0);
  ASSERT_EQ(w32(22), 11);
  ASSERT_DBL_EQ(wf(23), -2.0);
  ASSERT_EQ(w32(24), 0);
  ASSERT_EQ(w32(25), 2);
  ASSERT_EQ(w32(26), 0xFFFFFFFFu);
  ASSERT_EQ(w32(27), 4);
  ASSERT_EQ(w32(28), 0xFFFFFFFFu);
  ASSERT_EQ(w32(29), 1);
}

static void test_memory(void) {
  run_mod(".global .align 4 .u32 gv = 42;\n"
          ".const .align 4 .b32 cst[3] = {10, 20, 30};\n"
          ".global .align 8 .f64 gd[2] = {0d3FF0000000000000, 0d4000000000000000};\n"
          ".global .align 1 .b8 bytes[4] = {1, 255, 3, 4};\n",
          ".shared .align 16 .b8 sh[64];\n"
          ".local .align 8 .b8 loc[16];\n"
          "ld.global.u32 %r1, [gv];\nst.global.u32 [%rd0], %r1;\n"
          "st.global.u32 [gv], 43;\n"
          "ld.const.u32 %r1, [cst+8];\nst.global.u32 [%rd0+4], %r1;\n"
          "mov.u64 %rd1, cst;\nld.const.u32 %r1, [%rd1+4];\nst.global.u32 [%rd0+8], %r1;\n"
          "st.shared.u32 [sh+4], 5;\nld.shared.u32 %r1, [sh+4];\nst.global.u32 [%rd0+12], %r1;\n"
          "mov.u32 %r2, sh;\nld.shared.u32 %r1, [%r2+4];\nst.global.u32 [%rd0+16], %r1;\n"
          "mov.u64 %rd2, sh;\ncvta.shared.u64 %rd3, %rd2;\nld.u32 %r1, [%rd3+4];\n"
          "st.global.u32 [%rd0+20], %r1;\nst.u32 [%rd3+8], 77;\n"
          "ld.shared.u32 %r1, [sh+8];\nst.global.u32 [%rd0+24], %r1;\n"
          "cvta.to.shared.u64 %rd4, %rd3;\nst.global.u64 [%rd0+32], %rd4;\n"
          "mov.u64 %rd5, loc;\ncvta.local.u64 %rd6, %rd5;\nst.u32 [%rd6+8], 9;\n"
          "ld.local.u32 %r1, [loc+8];\nst.global.u32 [%rd0+40], %r1;\n"
          "mov.u64 %rd7, t_param_0;\ncvta.param.u64 %rd8, %rd7;\n"
          "ld.u64 %rd9, [%rd8];\nsub.s64 %rd9, %rd9, %rd0;\nst.global.u64 [%rd0+48], %rd9;\n"
          "mov.f32 %f1, 0f3F800000;\nmov.f32 %f2, 0f40000000;\n"
          "mov.f32 %f3, 0f40400000;\nmov.f32 %f4, 0f40800000;\n"
          "st.global.v4.f32 [%rd0+64], {%f1, %f2, %f3, %f4};\n"
          "ld.global.nc.v4.f32 {%f5, %f6, %f7, %f8}, [%rd0+64];\n"
          "add.f32 %f9, %f5, %f8;\nst.global.f32 [%rd0+80], %f9;\n"
          "st.shared.v2.u64 [sh+16], {%rd0, %rd9};\n"
          "ld.shared.v2.u64 {%rd10, %rd11}, [sh+16];\nst.global.u64 [%rd0+88], %rd10;\n"
          "ld.global.s8 %r1, [bytes+1];\nst.global.u32 [%rd0+96], %r1;\n"
          "ld.global.u8 %r1, [bytes+1];\nst.global.u32 [%rd0+100], %r1;\n"
          "ld.global.s8 %rs1, [bytes+1];\ncvt.s32.s16 %r1, %rs1;\nst.global.u32 [%rd0+104], %r1;\n"
          "mov.u64 %rd12, gd;\nld.global.f64 %fd1, [%rd12+8];\nst.global.f64 [%rd0+112], %fd1;\n"
          "add.s64 %rd13, %rd0, 128;\nst.global.ca.u32 [%rd13+-4], 123;\n"
          "ld.global.cg.u32 %r1, [%rd13-4];\nst.global.u32 [%rd0+128], %r1;\n"
          "ld.global.u32 %r1, [gv];\nst.global.u32 [%rd0+132], %r1;\n"
          "st.global.u16 [%rd0+136], 0x12345;\nld.global.u16 %rs2, [%rd0+136];\n"
          "cvt.u32.u16 %r1, %rs2;\nst.global.u32 [%rd0+140], %r1;\n",
          1, 1);
  ASSERT_EQ(w32(0), 42);
  ASSERT_EQ(w32(1), 30);
  ASSERT_EQ(w32(2), 20);
  ASSERT_EQ(w32(3), 5);
  ASSERT_EQ(w32(4), 5);
  ASSERT_EQ(w32(5), 5);
  ASSERT_EQ(w32(6), 77);
  ASSERT_UEQ(w64(4), 0);              /* sh is at offset 0 of the block's shared */
  ASSERT_EQ(w32(10), 9);
  ASSERT_UEQ(w64(6), 0);              /* param through the generic window */
  ASSERT_DBL_EQ(wf(20), 5.0);
  ASSERT_UEQ(w64(11), w64(11));
  ASSERT_EQ((int32_t)w32(24), -1);
  ASSERT_EQ(w32(25), 255);
  ASSERT_EQ((int32_t)w32(26), -1);
  ASSERT_DBL_EQ(wd(14), 2.0);
  ASSERT_EQ(w32(31), 123);
  ASSERT_EQ(w32(32), 123);
  ASSERT_EQ(w32(33), 43);
  ASSERT_EQ(w32(34) & 0xFFFF, 0x2345);
  ASSERT_EQ(w32(35), 0x2345);
}

static void test_atomics(void) {
  /* 4 blocks x 64 threads hammer global and shared counters */
  run_mod(".global .align 8 .b8 g[64];\n",
          ".shared .align 8 .b8 s[16];\n"
          ".reg .b32 %t;\n"
          "mov.u32 %t, %tid.x;\n"
          "mov.u64 %rd1, g;\n"
          "atom.global.add.u32 %r1, [%rd1], 1;\n"
          "atom.global.add.u64 %rd2, [%rd1+8], 2;\n"
          "atom.global.add.f32 %f1, [%rd1+16], 0f3F000000;\n"
          "atom.global.add.f64 %fd1, [%rd1+24], 0d3FF0000000000000;\n"
          "cvt.s32.u32 %r5, %t;\nneg.s32 %r6, %r5;\n"
          "atom.global.min.s32 %r2, [%rd1+32], %r6;\n"
          "atom.global.max.u32 %r2, [%rd1+36], %r5;\n"
          "atom.global.or.b32 %r2, [%rd1+40], 1;\n"
          "atom.global.inc.u32 %r2, [%rd1+44], 9;\n"
          "red.global.add.u32 [%rd1+48], 3;\n"
          "atom.add.u32 %r2, [%rd1+52], 1;\n"
          "atom.shared.add.u32 %r3, [s], 1;\n"
          "bar.sync 0;\n"
          "setp.ne.s32 %p1, %t, 0;\n"
          "@%p1 bra DONE;\n"
          "ld.shared.u32 %r4, [s];\n"
          "atom.global.add.u32 %r2, [%rd1+56], %r4;\n"
          "DONE:\n"
          "mul.wide.u32 %rd3, %r1, 4;\nadd.s64 %rd4, %rd0, %rd3;\n"
          "st.global.u32 [%rd4+256], 1;\n"
          "ld.global.u32 %r7, [%rd1];\n",
          4, 64);
  /* copy the counters out through a second kernel would be overkill: the
   * first 256 words at out+256 mark every distinct old value seen */
  for (unsigned i = 0; i < 256; i++)
    ASSERT_EQ(w32(64 + i), 1);
}

/* The counters of test_atomics, read back through module variable g. */
static void test_atomics_values(void) {
  const char *body =
      ".shared .align 8 .b8 s[16];\n"
      "mov.u64 %rd1, g;\n"
      "atom.global.add.u32 %r1, [%rd1], 1;\n"
      "atom.global.add.f32 %f1, [%rd1+16], 0f3F000000;\n"
      "atom.global.add.f64 %fd1, [%rd1+24], 0d3FF0000000000000;\n"
      "mov.u32 %r5, %tid.x;\nneg.s32 %r6, %r5;\n"
      "atom.global.min.s32 %r2, [%rd1+32], %r6;\n"
      "atom.global.max.u32 %r2, [%rd1+36], %r5;\n"
      "atom.global.xor.b32 %r2, [%rd1+40], 1;\n"
      "atom.global.inc.u32 %r2, [%rd1+44], 9;\n"
      "atom.global.dec.u32 %r2, [%rd1+48], 1000;\n"
      "atom.global.exch.b32 %r2, [%rd1+52], 7;\n"
      "atom.global.cas.b32 %r2, [%rd1+56], 0, 5;\n"
      "atom.global.and.b32 %r2, [%rd1+60], 0;\n"
      "atom.shared.add.u32 %r3, [s], 1;\n"
      "bar.sync 0;\n"
      "ld.shared.u32 %r4, [s];\n"
      "st.global.u32 [%rd0], %r4;\n";
  char *src = build(".global .align 8 .b8 g[64];\n", body);
  struct cf_ptx_module *mod = load_ok(src);
  struct tmem m;
  tmem_init(&m);
  bind_vars(mod, &m);
  uint64_t o = tmem_alloc(&m, 64);
  launch_ok(kernel(mod, "t"), &m, 8, 128, &o, sizeof o, 0);
  const struct cf_ptx_var *v = cf_ptx_module_var(mod, 0);
  ASSERT_STR_EQ(v->name, "g");
  ASSERT_EQ(v->size, 64);
  uint8_t *gh = m.a[0].host;
  uint32_t u;
  float f;
  double dd;
  memcpy(&u, gh, 4);
  ASSERT_EQ(u, 1024);
  memcpy(&f, gh + 16, 4);
  ASSERT_DBL_EQ(f, 512.0);
  memcpy(&dd, gh + 24, 8);
  ASSERT_DBL_EQ(dd, 1024.0);
  memcpy(&u, gh + 32, 4);
  ASSERT_EQ((int32_t)u, -127);
  memcpy(&u, gh + 36, 4);
  ASSERT_EQ(u, 127);
  memcpy(&u, gh + 40, 4);
  ASSERT_EQ(u, 0);                    /* 1024 xors */
  memcpy(&u, gh + 44, 4);
  ASSERT_EQ(u, 1024 % 10);
  memcpy(&u, gh + 48, 4);
  ASSERT_EQ(u, (1000 - ((1024 - 1) % 1001)) % 1001);
  memcpy(&u, gh + 52, 4);
  ASSERT_EQ(u, 7);
  memcpy(&u, gh + 56, 4);
  ASSERT_EQ(u, 5);
  memcpy(&u, tmem_host(&m, o), 4);
  ASSERT_EQ(u, 128);
  tmem_free(&m);
  cf_ptx_module_free(mod);
  free(src);
}

static void test_branch(void) {
  run("mov.u32 %r1, 0;\nmov.u32 %r2, 1;\n"
      "$L__loop:\n"
      "add.s32 %r1, %r1, %r2;\nadd.s32 %r2, %r2, 1;\n"
      "setp.le.s32 %p1, %r2, 10;\n@%p1 bra $L__loop;\n"
      "st.global.u32 [%rd0], %r1;\n"
      "bra.uni $L__skip;\nst.global.u32 [%rd0+4], 99;\n"
      "$L__skip:\n"
      "{\n.reg .b32 %inner;\nmov.u32 %inner, 5;\nst.global.u32 [%rd0+8], %inner;\n}\n"
      "{\n.reg .b32 %inner;\nmov.u32 %inner, 6;\nst.global.u32 [%rd0+12], %inner;\n}\n"
      "membar.gl;\nfence.acq_rel.gpu;\nmembar.cta;\n"
      "setp.eq.s32 %p2, %r1, 55;\n@%p2 exit;\nst.global.u32 [%rd0+16], 1;\n");
  ASSERT_EQ(w32(0), 55);
  ASSERT_EQ(w32(1), 0);
  ASSERT_EQ(w32(2), 5);
  ASSERT_EQ(w32(3), 6);
  ASSERT_EQ(w32(4), 0);
}

/* The rest of the special registers, WARP_SZ, memory-model and cache
 * qualifiers (accepted, strong semantics), createpolicy with
 * .L2::cache_hint operands, and cp.async (runs at once, zero-fills past
 * src-size). 40 threads: two warps, the second partial. */
static void test_specials_more(void) {
  const char *body =
      ".shared .align 16 .b8 sbuf[1024];\n"
      ".pragma \"nounroll\";\n"
      "mov.u32 %r1, %tid.x;\nmul.wide.u32 %rd1, %r1, 64;\n"
      "add.s64 %rd2, %rd0, %rd1;\n"
      "mov.u32 %r2, %laneid;\nst.global.wb.u32 [%rd2], %r2;\n"
      "mov.u32 %r2, %warpid;\nst.global.cs.u32 [%rd2+4], %r2;\n"
      "mov.u32 %r2, %nwarpid;\nst.relaxed.gpu.global.u32 [%rd2+8], %r2;\n"
      "mov.u32 %r2, %lanemask_eq;\nst.release.gpu.global.u32 [%rd2+12], %r2;\n"
      "mov.u32 %r2, %lanemask_le;\nst.volatile.global.u32 [%rd2+16], %r2;\n"
      "mov.u32 %r2, %lanemask_gt;\nst.global.u32 [%rd2+20], %r2;\n"
      "mov.u32 %r2, %lanemask_ge;\nst.global.u32 [%rd2+24], %r2;\n"
      "mov.u32 %r2, WARP_SZ;\nst.global.u32 [%rd2+28], %r2;\n"
      "mov.u32 %r2, %dynamic_smem_size;\nst.global.u32 [%rd2+32], %r2;\n"
      "mov.u32 %r2, %total_smem_size;\nst.global.u32 [%rd2+36], %r2;\n"
      "mov.u32 %r2, %smid;\nmov.u32 %r3, %nsmid;\n"
      "setp.lt.u32 %p1, %r2, %r3;\nselp.u32 %r2, 1, 0, %p1;\n"
      "st.global.u32 [%rd2+40], %r2;\n"
      "mov.u32 %r2, %gridid;\nmov.u64 %rd3, %clock64;\nmov.u32 %r4, %clock;\n"
      "mov.u64 %rd4, %globaltimer;\nmov.u32 %r5, %globaltimer_lo;\n"
      "mov.u32 %r6, %globaltimer_hi;\nmov.u64 %rd5, %clock64;\n"
      "setp.ge.u64 %p2, %rd5, %rd3;\nsetp.ne.u64 %p3, %rd4, 0;\n"
      "and.pred %p2, %p2, %p3;\nselp.u32 %r2, 1, 0, %p2;\n"
      "st.global.u32 [%rd2+44], %r2;\n"
      /* qualifiers on loads and atomics */
      "createpolicy.fractional.L2::evict_last.b64 %rd6, 1.0;\n"
      "ld.global.nc.L1::no_allocate.L2::128B.u32 %r7, [%rd2];\n"
      "ld.global.L2::cache_hint.u32 %r8, [%rd2+4], %rd6;\n"
      "ld.volatile.global.u32 %r9, [%rd2+8];\n"
      "ld.relaxed.gpu.global.u32 %r10, [%rd2+12];\n"
      "ld.acquire.gpu.global.u32 %r11, [%rd2+16];\n"
      "add.s32 %r7, %r7, %r8;\nadd.s32 %r7, %r7, %r9;\n"
      "add.s32 %r7, %r7, %r10;\nadd.s32 %r7, %r7, %r11;\n"
      "st.global.L2::cache_hint.u32 [%rd2+48], %r7, %rd6;\n"
      "atom.relaxed.gpu.global.add.u32 %r12, [%rd0+4000], 1;\n"
      "atom.acq_rel.sys.global.add.u32 %r12, [%rd0+4000], 1;\n"
      "atom.acquire.cta.shared.add.u32 %r12, [sbuf+1000], 1;\n"
      "red.release.gpu.global.add.u32 [%rd0+4000], 1;\n"
      "fence.acq_rel.gpu;\nmembar.gl;\nmembar.cta;\nmembar.sys;\n"
      "fence.sc.sys;\nbar.sync 0;\n"
      /* cp.async: 16 bytes per thread into shared, then read back */
      "mul.wide.u32 %rd7, %r1, 16;\nadd.s64 %rd8, %rd0, %rd7;\n"
      "cvt.u32.u64 %r13, %rd7;\nmov.u32 %r14, sbuf;\nadd.s32 %r14, %r14, %r13;\n"
      "setp.eq.u32 %p4, %r1, 3;\n"
      "@!%p4 cp.async.ca.shared.global [%r14], [%rd8], 16;\n"
      "@%p4 cp.async.cg.shared.global.L2::128B [%r14], [%rd8], 16, 6;\n"
      "cp.async.commit_group;\ncp.async.wait_group 0;\ncp.async.wait_all;\n"
      "bar.sync 0;\n"
      "ld.shared.v4.u32 {%r15, %r16, %r17, %r18}, [%r14];\n"
      "st.global.v4.u32 [%rd8+4096], {%r15, %r16, %r17, %r18};\n";
  char *src = build("", body);
  struct cf_ptx_module *mod = load_ok(src);
  struct tmem m;
  tmem_init(&m);
  uint64_t o = tmem_alloc(&m, 8192);
  uint8_t *h = tmem_host(&m, o);
  unsigned grid[3] = {1, 1, 1}, block[3] = {40, 1, 1};
  char err[256];
  ASSERT_EQ(launch3(kernel(mod, "t"), &m, grid, block, &o, 8, 64, err,
                    sizeof err), 0);
  const uint32_t *w = (const uint32_t *)h;
  for (unsigned t = 0; t < 40; t++) {
    const uint32_t *e = w + 16 * t;
    unsigned l = t % 32;
    ASSERT_EQ(e[0], l);
    ASSERT_EQ(e[1], t / 32);
    ASSERT_EQ(e[2], 2);
    ASSERT_UEQ(e[3], 1u << l);
    ASSERT_UEQ(e[4], (uint32_t)((2ull << l) - 1));
    ASSERT_UEQ(e[5], (uint32_t)~((2ull << l) - 1));
    ASSERT_UEQ(e[6], ~((1u << l) - 1));
    ASSERT_EQ(e[7], 32);
    ASSERT_EQ(e[8], 64);
    ASSERT_EQ(e[9], 1024 + 64);
    ASSERT_EQ(e[10], 1);
    ASSERT_EQ(e[11], 1);
    ASSERT_UEQ(e[12], e[0] + e[1] + e[2] + e[3] + e[4]);
  }
  ASSERT_EQ(w[1000], 3 * 40);
  const uint32_t *c = (const uint32_t *)(h + 4096);
  for (unsigned t = 0; t < 40; t++) {
    /* thread t's 16 bytes come from out[16t .. 16t+16), i.e. words
     * 4t..4t+3 of the stored table (row t/4, words (t%4)*4..) */
    const uint32_t *srcw = w + 4 * t;
    for (unsigned k = 0; k < 4; k++) {
      uint32_t want = srcw[k];
      if (t == 3)
        want = k == 0 ? srcw[0] : k == 1 ? (srcw[1] & 0xffff) : 0;
      ASSERT_UEQ(c[4 * t + k], want);
    }
  }
  tmem_free(&m);
  cf_ptx_module_free(mod);
  free(src);
}

/* The launch's instruction counter: every instruction each thread fetched
 * (false guards too), summed over the grid; a loop counts each pass. */
static void test_counter(void) {
  char *src = build("", "mov.u32 %r1, %tid.x;\nsetp.eq.u32 %p1, %r1, 0;\n"
                        "@%p1 add.s32 %r2, %r2, 1;\nmov.u32 %r3, 0;\n"
                        "L:\nadd.s32 %r3, %r3, 1;\nsetp.lt.u32 %p2, %r3, %r1;\n"
                        "@%p2 bra L;\n");
  struct cf_ptx_module *mod = load_ok(src);
  struct tmem m;
  tmem_init(&m);
  uint64_t o = tmem_alloc(&m, 64);
  struct cf_ptx_launch l;
  memset(&l, 0, sizeof l);
  l.grid[0] = 2;
  l.grid[1] = l.grid[2] = 1;
  l.block[0] = 40;
  l.block[1] = l.block[2] = 1;
  l.params = &o;
  l.params_len = 8;
  l.mem = &m.mem;
  uint64_t n = 12345;
  l.executed_out = &n;
  char err[256];
  ASSERT_EQ(cf_ptx_launch(kernel(mod, "t"), &l, err, sizeof err), 0);
  /* per thread: ld.param, mov, setp, add, mov, ret = 6, plus 3 per pass
   * of the loop: max(tid, 1) passes */
  uint64_t want = 0;
  for (unsigned t = 0; t < 40; t++)
    want += 6 + 3 * (t > 1 ? t : 1);
  ASSERT_UEQ(n, 2 * want);
  tmem_free(&m);
  cf_ptx_module_free(mod);
  free(src);
}

static void test_specials(void) {
  const char *body =
      "mov.u32 %r1, %tid.x;\nmov.u32 %r2, %tid.y;\nmov.u32 %r3, %tid.z;\n"
      "mov.u32 %r4, %ntid.x;\nmov.u32 %r5, %ntid.y;\nmov.u32 %r6, %ntid.z;\n"
      "mov.u32 %r7, %ctaid.x;\nmov.u32 %r8, %ctaid.y;\nmov.u32 %r9, %ctaid.z;\n"
      "mov.u32 %r10, %nctaid.x;\nmov.u32 %r11, %nctaid.y;\n"
      /* linear block and thread index */
      "mad.lo.s32 %r12, %r9, %r11, %r8;\nmad.lo.s32 %r12, %r12, %r10, %r7;\n"
      "mad.lo.s32 %r13, %r3, %r5, %r2;\nmad.lo.s32 %r13, %r13, %r4, %r1;\n"
      "mul.lo.s32 %r14, %r4, %r5;\nmul.lo.s32 %r14, %r14, %r6;\n"
      "mad.lo.s32 %r15, %r12, %r14, %r13;\n"
      "shl.b32 %r16, %r9, 24;\nshl.b32 %r17, %r8, 16;\nor.b32 %r16, %r16, %r17;\n"
      "shl.b32 %r17, %r7, 8;\nor.b32 %r16, %r16, %r17;\n"
      "shl.b32 %r17, %r3, 6;\nor.b32 %r16, %r16, %r17;\n"
      "shl.b32 %r17, %r2, 3;\nor.b32 %r16, %r16, %r17;\nor.b32 %r16, %r16, %r1;\n"
      "mul.wide.u32 %rd1, %r15, 16;\nadd.s64 %rd2, %rd0, %rd1;\n"
      "st.global.u32 [%rd2], %r16;\n"
      "mov.u32 %r18, %laneid;\nst.global.u32 [%rd2+4], %r18;\n"
      "mov.u32 %r18, %warpid;\nst.global.u32 [%rd2+8], %r18;\n"
      "mov.u32 %r18, %lanemask_lt;\nst.global.u32 [%rd2+12], %r18;\n";
  char *src = build("", body);
  struct cf_ptx_module *mod = load_ok(src);
  struct tmem m;
  tmem_init(&m);
  unsigned grid[3] = {3, 2, 2}, block[3] = {4, 3, 2};
  uint64_t o = tmem_alloc(&m, 12 * 24 * 16);
  char err[256];
  ASSERT_EQ(launch3(kernel(mod, "t"), &m, grid, block, &o, 8, 0, err,
                    sizeof err), 0);
  const uint32_t *w = tmem_host(&m, o);
  for (unsigned bz = 0; bz < 2; bz++)
    for (unsigned by = 0; by < 2; by++)
      for (unsigned bx = 0; bx < 3; bx++)
        for (unsigned tz = 0; tz < 2; tz++)
          for (unsigned ty = 0; ty < 3; ty++)
            for (unsigned tx = 0; tx < 4; tx++) {
              unsigned blk = (bz * 2 + by) * 3 + bx;
              unsigned t = (tz * 3 + ty) * 4 + tx;
              const uint32_t *e = w + 4 * (blk * 24 + t);
              ASSERT_EQ(e[0], (bz << 24) | (by << 16) | (bx << 8) |
                                  (tz << 6) | (ty << 3) | tx);
              ASSERT_EQ(e[1], t % 32);
              ASSERT_EQ(e[2], t / 32);
              ASSERT_EQ(e[3], (1u << (t % 32)) - 1);
            }
  tmem_free(&m);
  cf_ptx_module_free(mod);
  free(src);
}

static void test_warp(void) {
  /* 48 threads: warp 1 has only 16 lanes */
  run_mod("",
          "mov.u32 %r1, %tid.x;\n"
          "shfl.sync.bfly.b32 %r2, %r1, 1, 31, -1;\n"
          "shfl.sync.down.b32 %r3|%p1, %r1, 4, 31, -1;\n"
          "shfl.sync.up.b32 %r4|%p2, %r1, 2, 0, -1;\n"
          "shfl.sync.idx.b32 %r5, %r1, 3, 31, -1;\n"
          "and.b32 %r6, %r1, 1;\nsetp.eq.s32 %p3, %r6, 1;\n"
          "vote.sync.ballot.b32 %r7, %p3, -1;\n"
          "vote.sync.any.pred %p4, %p3, -1;\n"
          "vote.sync.all.pred %p5, %p3, -1;\n"
          "setp.lt.u32 %p6, %r1, 100;\n"
          "vote.sync.all.pred %p7, %p6, -1;\n"
          "vote.sync.uni.pred %p8, %p6, -1;\n"
          "bar.warp.sync -1;\n"
          "activemask.b32 %r8;\n"
          "selp.u32 %r9, 1, 0, %p1;\nselp.u32 %r10, 1, 0, %p2;\n"
          "selp.u32 %r11, 1, 0, %p4;\nselp.u32 %r12, 1, 0, %p5;\n"
          "selp.u32 %r13, 1, 0, %p7;\nselp.u32 %r14, 1, 0, %p8;\n"
          "mul.wide.u32 %rd1, %r1, 48;\nadd.s64 %rd2, %rd0, %rd1;\n"
          "st.global.v4.u32 [%rd2], {%r2, %r3, %r4, %r5};\n"
          "st.global.v4.u32 [%rd2+16], {%r7, %r8, %r9, %r10};\n"
          "st.global.v4.u32 [%rd2+32], {%r11, %r12, %r13, %r14};\n",
          1, 48);
  for (unsigned t = 0; t < 48; t++) {
    const uint8_t *e = out + 48 * t;
    uint32_t v[12];
    memcpy(v, e, sizeof v);
    unsigned lane = t % 32, wbase = t - lane, n = t < 32 ? 32 : 16;
    ASSERT_EQ(v[0], wbase + (lane ^ 1));
    ASSERT_EQ(v[1], lane + 4 < n ? t + 4 : t);
    ASSERT_EQ(v[6], lane + 4 < 32 ? 1u : 0u);   /* pred: in the segment */
    ASSERT_EQ(v[2], lane >= 2 ? t - 2 : t);
    ASSERT_EQ(v[7], lane >= 2 ? 1u : 0u);
    ASSERT_EQ(v[3], wbase + 3);
    ASSERT_EQ(v[4], n == 32 ? 0xAAAAAAAAu : 0xAAAAu);
    ASSERT_EQ(v[5], n == 32 ? 0xFFFFFFFFu : 0xFFFFu);
    ASSERT_EQ(v[8], 1);
    ASSERT_EQ(v[9], 0);
    ASSERT_EQ(v[10], 1);
    ASSERT_EQ(v[11], 1);
  }
}

/* Barrier semantics: thread 0 writes shared memory after a long loop; every
 * thread must see it after bar.sync. Threads >= 40 exit first and must not
 * block the barrier. bar.red.popc counts a predicate. */
static void test_barrier(void) {
  run_mod("",
          ".shared .align 4 .b32 flag;\n"
          "mov.u32 %r1, %tid.x;\n"
          "setp.ge.u32 %p1, %r1, 40;\n@%p1 bra $L__out;\n"
          "setp.ne.s32 %p2, %r1, 0;\n@%p2 bra $L__wait;\n"
          "mov.u32 %r2, 0;\n"
          "$L__spin:\nadd.s32 %r2, %r2, 1;\nsetp.lt.s32 %p3, %r2, 1000;\n@%p3 bra $L__spin;\n"
          "st.shared.u32 [flag], %r2;\n"
          "$L__wait:\nbar.sync 0;\n"
          "ld.shared.u32 %r3, [flag];\n"
          "mul.wide.u32 %rd1, %r1, 4;\nadd.s64 %rd2, %rd0, %rd1;\n"
          "st.global.u32 [%rd2], %r3;\n"
          "and.b32 %r4, %r1, 3;\nsetp.eq.s32 %p4, %r4, 0;\n"
          "bar.red.popc.u32 %r5, 0, %p4;\n"
          "st.global.u32 [%rd2+512], %r5;\n"
          "barrier.sync 1;\n"
          "bar.red.and.pred %p5, 0, %p4;\nselp.u32 %r6, 1, 0, %p5;\n"
          "bar.red.or.pred %p6, 0, %p4;\nselp.u32 %r7, 1, 0, %p6;\n"
          "add.s32 %r8, %r6, %r7;\nst.global.u32 [%rd2+1024], %r8;\n"
          "$L__out:\nret;\n",
          1, 64);
  for (unsigned t = 0; t < 64; t++) {
    ASSERT_EQ(w32(t), t < 40 ? 1000u : 0u);
    ASSERT_EQ(w32(128 + t), t < 40 ? 10u : 0u);
    ASSERT_EQ(w32(256 + t), t < 40 ? 1u : 0u);
  }
}

static void test_dynamic_shared(void) {
  const char *src =
      ".version 8.5\n.target sm_90\n.address_size 64\n"
      ".extern .shared .align 16 .b8 dsm[];\n"
      ".visible .entry k(.param .u64 k_param_0)\n"
      ".maxntid 256, 1, 1\n{\n"
      ".reg .b32 %r<10>;\n.reg .b64 %rd<10>;\n"
      ".shared .align 4 .b8 st[20];\n"
      "ld.param.u64 %rd1, [k_param_0];\n"
      "mov.u32 %r1, %tid.x;\nshl.b32 %r2, %r1, 2;\n"
      "mov.u32 %r3, dsm;\nadd.s32 %r4, %r3, %r2;\n"
      "st.shared.u32 [%r4], %r1;\n"
      "st.shared.u32 [st], 7;\n"
      "bar.sync 0;\n"
      "mov.u32 %r5, %ntid.x;\nsub.s32 %r6, %r5, 1;\nsub.s32 %r6, %r6, %r1;\n"
      "shl.b32 %r6, %r6, 2;\nadd.s32 %r7, %r3, %r6;\n"
      "ld.shared.u32 %r8, [%r7];\n"
      "ld.shared.u32 %r9, [st];\nadd.s32 %r8, %r8, %r9;\n"
      "mov.u32 %r9, %dynamic_smem_size;\nadd.s32 %r8, %r8, %r9;\n"
      "mul.wide.u32 %rd2, %r1, 4;\nadd.s64 %rd3, %rd1, %rd2;\n"
      "st.global.u32 [%rd3], %r8;\n"
      "mov.u64 %rd4, dsm;\ncvta.shared.u64 %rd5, %rd4;\n"
      "st.global.u64 [%rd1+4096], %rd4;\nret;\n}\n";
  struct cf_ptx_module *mod = load_ok(src);
  const struct cf_ptx_kernel *k = kernel(mod, "k");
  struct cf_ptx_kernel_info info;
  cf_ptx_kernel_get_info(k, &info);
  ASSERT_EQ(info.static_shared_bytes, 20);
  ASSERT_EQ(info.max_threads_per_block, 256);
  ASSERT_EQ(info.ptx_version, 85);
  ASSERT_EQ(info.target_sm, 90);
  struct tmem m;
  tmem_init(&m);
  uint64_t o = tmem_alloc(&m, 8192);
  launch_ok(k, &m, 2, 200, &o, 8, 200 * 4);
  const uint32_t *w = tmem_host(&m, o);
  for (unsigned t = 0; t < 200; t++)
    ASSERT_EQ(w[t], 199 - t + 7 + 800);
  uint64_t dynoff;
  memcpy(&dynoff, (const uint8_t *)w + 4096, 8);
  ASSERT_EQ(dynoff, 32);            /* after 20 static bytes, 16-aligned */
  /* too little dynamic shared memory for the accesses: a clean fault */
  char err[320];
  unsigned g[3] = {1, 1, 1}, b[3] = {200, 1, 1};
  ASSERT_EQ(launch3(k, &m, g, b, &o, 8, 16, err, sizeof err), 700);
  ASSERT(strstr(err, "illegal address") != NULL);
  /* over .maxntid */
  b[0] = 512;
  ASSERT_EQ(launch3(k, &m, g, b, &o, 8, 0, err, sizeof err), 1);
  tmem_free(&m);
  cf_ptx_module_free(mod);
}

static void test_params(void) {
  const char *src =
      ".version 8.0\n.target sm_75\n.address_size 64\n"
      ".visible .entry k(.param .u32 a, .param .u64 b, .param .align 4 .b8 s[12],"
      " .param .f32 c)\n{\n.reg .b32 %r<4>;\n.reg .b64 %rd<4>;\n.reg .f32 %f<3>;\n"
      "ld.param.u64 %rd1, [b];\nld.param.u32 %r1, [a];\n"
      "ld.param.u32 %r2, [s+8];\nadd.s32 %r1, %r1, %r2;\n"
      "ld.param.f32 %f1, [c];\ncvt.rzi.s32.f32 %r3, %f1;\nadd.s32 %r1, %r1, %r3;\n"
      "st.global.u32 [%rd1], %r1;\nret;\n}\n";
  struct cf_ptx_module *mod = load_ok(src);
  const struct cf_ptx_kernel *k = kernel(mod, "k");
  ASSERT_EQ(cf_ptx_kernel_param_count(k), 4);
  size_t off, size;
  ASSERT_EQ(cf_ptx_kernel_param(k, 1, &off, &size), 0);
  ASSERT_EQ(off, 8);
  ASSERT_EQ(size, 8);
  ASSERT_EQ(cf_ptx_kernel_param(k, 2, &off, &size), 0);
  ASSERT_EQ(off, 16);
  ASSERT_EQ(size, 12);
  ASSERT_EQ(cf_ptx_kernel_param(k, 3, &off, &size), 0);
  ASSERT_EQ(off, 28);
  ASSERT_EQ(cf_ptx_kernel_param(k, 4, &off, &size), CF_EINVAL);
  ASSERT_EQ(cf_ptx_kernel_param_bytes(k), 32);
  struct tmem m;
  tmem_init(&m);
  uint64_t o = tmem_alloc(&m, 16);
  uint8_t p[32] = {0};
  uint32_t a = 5, sv = 100;
  float c = 2.5f;
  memcpy(p, &a, 4);
  memcpy(p + 8, &o, 8);
  memcpy(p + 24, &sv, 4);
  memcpy(p + 28, &c, 4);
  launch_ok(k, &m, 1, 1, p, sizeof p, 0);
  uint32_t r;
  memcpy(&r, tmem_host(&m, o), 4);
  ASSERT_EQ(r, 107);
  char err[256];
  unsigned g[3] = {1, 1, 1}, b[3] = {1, 1, 1};
  ASSERT_EQ(launch3(k, &m, g, b, p, 24, 0, err, sizeof err), 1);
  g[0] = 0;
  ASSERT_EQ(launch3(k, &m, g, b, p, 32, 0, err, sizeof err), 1);
  tmem_free(&m);
  cf_ptx_module_free(mod);
}

/* set, slct, testp, mul24/mad24, min/max .NaN, .ftz on abs/neg/ex2 and
 * f64 rcp, div.full, cvt.rni. */
static void test_more_ops(void) {
  run("set.lt.u32.s32 %r1, -1, 2;\nst.global.u32 [%rd0], %r1;\n"
      "set.gt.f32.f32 %f1, 0f40000000, 0f3F800000;\nst.global.f32 [%rd0+4], %f1;\n"
      "set.lo.u32.u32 %r1, -1, 2;\nst.global.u32 [%rd0+8], %r1;\n"
      "setp.ne.s32 %p1, 0, 0;\n"
      "set.eq.and.s32.s32 %r1, 1, 1, !%p1;\nst.global.u32 [%rd0+12], %r1;\n"
      "set.nan.f32.f64 %f1, 0d7FF8000000000000, 0d3FF0000000000000;\n"
      "st.global.f32 [%rd0+16], %f1;\n"
      "slct.s32.s32 %r1, 10, 20, -5;\nst.global.u32 [%rd0+20], %r1;\n"
      "slct.f32.f32 %f1, 0f3F800000, 0f40000000, 0f80000000;\n"
      "st.global.f32 [%rd0+24], %f1;\n"
      "slct.u32.f32 %r1, 1, 2, 0f7FC00000;\nst.global.u32 [%rd0+28], %r1;\n"
      "testp.finite.f32 %p2, 0f7F800000;\nselp.u32 %r1, 1, 0, %p2;\n"
      "testp.subnormal.f32 %p2, 0f00000001;\nselp.u32 %r2, 2, 0, %p2;\n"
      "or.b32 %r1, %r1, %r2;\n"
      "testp.notanumber.f64 %p2, 0d7FF8000000000000;\nselp.u32 %r2, 4, 0, %p2;\n"
      "or.b32 %r1, %r1, %r2;\n"
      "testp.normal.f32 %p2, 0f3F800000;\nselp.u32 %r2, 8, 0, %p2;\n"
      "or.b32 %r1, %r1, %r2;\n"
      "testp.infinite.f64 %p2, 0dFFF0000000000000;\nselp.u32 %r2, 16, 0, %p2;\n"
      "or.b32 %r1, %r1, %r2;\n"
      "testp.number.f32 %p2, 0f7FC00000;\nselp.u32 %r2, 32, 0, %p2;\n"
      "or.b32 %r1, %r1, %r2;\nst.global.u32 [%rd0+32], %r1;\n"
      "mul24.lo.s32 %r1, 0x00800000, 2;\nst.global.u32 [%rd0+36], %r1;\n"
      "mul24.hi.u32 %r1, 0xFFFFFF, 0xFFFFFF;\nst.global.u32 [%rd0+40], %r1;\n"
      "mad24.lo.u32 %r1, 0x1000003, 5, 1;\nst.global.u32 [%rd0+44], %r1;\n"
      "min.NaN.f32 %f1, 0f7FC00000, 0f3F800000;\nst.global.f32 [%rd0+48], %f1;\n"
      "min.f32 %f1, 0f7FC00000, 0f3F800000;\nst.global.f32 [%rd0+52], %f1;\n"
      "max.NaN.f64 %fd1, 0d3FF0000000000000, 0d7FF8000000000000;\n"
      "st.global.f64 [%rd0+56], %fd1;\n"
      "abs.ftz.f32 %f1, 0f80000001;\nst.global.f32 [%rd0+64], %f1;\n"
      "neg.ftz.f32 %f1, 0f00000001;\nst.global.f32 [%rd0+68], %f1;\n"
      "ex2.approx.ftz.f32 %f1, 0fC30C0000;\nst.global.f32 [%rd0+72], %f1;\n"
      "ex2.approx.f32 %f1, 0fC30C0000;\nst.global.f32 [%rd0+76], %f1;\n"
      "rcp.approx.ftz.f64 %fd1, 0d7FE1CCF385EBC8A0;\nst.global.f64 [%rd0+80], %fd1;\n"
      "div.full.f32 %f1, 0f3F800000, 0f40400000;\nst.global.f32 [%rd0+88], %f1;\n"
      "cvt.rni.s32.f32 %r1, 0f40200000;\nst.global.u32 [%rd0+92], %r1;\n"
      "cvt.rni.f32.f32 %f1, 0fC0200000;\nst.global.f32 [%rd0+96], %f1;\n"
      "min.f32 %f1, 0f00000000, 0f80000000;\nst.global.f32 [%rd0+100], %f1;\n"
      "max.f32 %f1, 0f80000000, 0f00000000;\nst.global.f32 [%rd0+104], %f1;\n");
  ASSERT_UEQ(w32(0), 0xffffffffu);
  ASSERT_DBL_EQ(wf(1), 1.0f);
  ASSERT_UEQ(w32(2), 0);
  ASSERT_UEQ(w32(3), 0xffffffffu);
  ASSERT_DBL_EQ(wf(4), 1.0f);
  ASSERT_EQ((int32_t)w32(5), 20);
  ASSERT_DBL_EQ(wf(6), 1.0f);      /* -0 >= 0 */
  ASSERT_UEQ(w32(7), 2);           /* NaN selects b */
  ASSERT_UEQ(w32(8), 2 | 4 | 8 | 16);
  ASSERT_UEQ(w32(9), 0xff000000u);
  ASSERT_UEQ(w32(10), 0xfffffe00u);
  ASSERT_UEQ(w32(11), 16);
  ASSERT_UEQ(w32(12), 0x7fffffffu);
  ASSERT_DBL_EQ(wf(13), 1.0f);
  ASSERT(isnan(wd(7)));
  ASSERT_UEQ(w32(16), 0);
  ASSERT_UEQ(w32(17), 0x80000000u);
  ASSERT_UEQ(w32(18), 0);          /* 2^-140 flushed */
  ASSERT(wf(19) > 0.0f);
  ASSERT_UEQ(w64(10), 0);          /* 1/1e308 is subnormal: flushed */
  ASSERT(fabsf(wf(22) - 1.0f / 3.0f) < 1e-7f);
  ASSERT_EQ((int32_t)w32(23), 2);
  ASSERT_DBL_EQ(wf(24), -2.0f);
  ASSERT_UEQ(w32(25), 0x80000000u);
  ASSERT_UEQ(w32(26), 0);
}

/* match.sync and redux.sync across a warp. */
static void test_match_redux(void) {
  run_mod("", "mov.u32 %r1, %laneid;\nmul.wide.u32 %rd1, %r1, 32;\n"
          "add.s64 %rd1, %rd0, %rd1;\nand.b32 %r2, %r1, 3;\n"
          "match.any.sync.b32 %r3, %r2, -1;\nst.global.u32 [%rd1], %r3;\n"
          "match.all.sync.b32 %r3|%p1, %r2, -1;\nselp.u32 %r4, 1, 0, %p1;\n"
          "add.s32 %r3, %r3, %r4;\nst.global.u32 [%rd1+4], %r3;\n"
          "cvt.u64.u32 %rd2, %r2;\nmatch.all.sync.b64 %r3|%p1, 7, -1;\n"
          "selp.u32 %r4, 1, 0, %p1;\nxor.b32 %r3, %r3, %r4;\n"
          "st.global.u32 [%rd1+8], %r3;\n"
          "redux.sync.add.u32 %r3, %r1, -1;\nst.global.u32 [%rd1+12], %r3;\n"
          "add.s32 %r5, %r1, -5;\nredux.sync.min.s32 %r3, %r5, -1;\n"
          "st.global.u32 [%rd1+16], %r3;\n"
          "redux.sync.max.u32 %r3, %r5, -1;\nst.global.u32 [%rd1+20], %r3;\n"
          "shl.b32 %r6, 1, %r1;\nredux.sync.or.b32 %r3, %r6, -1;\n"
          "st.global.u32 [%rd1+24], %r3;\n"
          "redux.sync.xor.b32 %r3, %r1, -1;\n"
          "redux.sync.and.b32 %r7, %r6, -1;\nadd.s32 %r3, %r3, %r7;\n"
          "st.global.u32 [%rd1+28], %r3;\n", 1, 32);
  for (unsigned l = 0; l < 32; l++) {
    ASSERT_UEQ(w32(l * 8), 0x11111111u << (l & 3));
    ASSERT_UEQ(w32(l * 8 + 1), 0);
    ASSERT_UEQ(w32(l * 8 + 2), 0xfffffffeu);   /* all, pred 1 */
    ASSERT_UEQ(w32(l * 8 + 3), 496);
    ASSERT_EQ((int32_t)w32(l * 8 + 4), -5);
    ASSERT_UEQ(w32(l * 8 + 5), 0xffffffffu);   /* -1 unsigned */
    ASSERT_UEQ(w32(l * 8 + 6), 0xffffffffu);
    ASSERT_UEQ(w32(l * 8 + 7), 0);
  }
}

int main(void) {
  test_int();
  test_int64();
  test_float();
  test_double();
  test_cvt();
  test_setp();
  test_bits();
  test_memory();
  test_atomics();
  test_atomics_values();
  test_branch();
  test_specials();
  test_specials_more();
  test_counter();
  test_warp();
  test_barrier();
  test_dynamic_shared();
  test_params();
  test_more_ops();
  test_match_redux();
  printf("ptx isa: ok\n");
  return 0;
}
