/* Device-function calls in the PTX interpreter: hand-written PTX for the
 * call forms (.param and .reg parameters, scoped call sequences, early and
 * implicit returns, recursion with per-frame .local, indirect calls through
 * a .callprototype, vprintf), their load errors and launch faults (call
 * depth, bad indirect targets); then, given a PTX file compiled by nvcc from
 * calls.cu, real nvcc -O3 output: __noinline__ functions, recursion, struct
 * returns, pointers into a caller's locals, warp shuffles in a callee,
 * function-pointer tables, double sin/cos/pow/exp and powf/erff against
 * libm, printf and assert. Without the argument only the hand-written part
 * runs. printf output is captured by pointing fd 1 at a temporary file. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "ptx_testlib.h"

#define HDR ".version 8.0\n.target sm_80\n.address_size 64\n"

static struct tmem M;

/* Point stdout at a temporary file until cap_end(), which returns what was
 * written (static buffer). */
static FILE *cap_file;
static int cap_saved = -1;
static void cap_start(void) {
  fflush(stdout);
  cap_file = tmpfile();
  ASSERT_NOT_NULL(cap_file);
  cap_saved = dup(1);
  ASSERT(cap_saved >= 0);
  ASSERT(dup2(fileno(cap_file), 1) == 1);
}
static const char *cap_end(void) {
  static char buf[1 << 16];
  fflush(stdout);
  ASSERT(dup2(cap_saved, 1) == 1);
  close(cap_saved);
  rewind(cap_file);
  size_t n = fread(buf, 1, sizeof buf - 1, cap_file);
  buf[n] = '\0';
  fclose(cap_file);
  return buf;
}

/* Load text, run kernel k with one u64 parameter (an output buffer of
 * 4 KiB) on grid x block threads; returns the launch code, err the
 * message, out the buffer. */
static uint8_t out[4096];
static int run_k(const char *ptx, unsigned grid, unsigned block, char *err,
                 size_t errlen) {
  struct cf_ptx_module *mod = load_ok(ptx);
  for (unsigned v = 0; v < cf_ptx_module_var_count(mod); v++) {
    const struct cf_ptx_var *var = cf_ptx_module_var(mod, v);
    uint64_t a = tmem_alloc(&M, var->size);
    if (var->init)
      memcpy(tmem_host(&M, a), var->init, var->init_len);
    cf_ptx_module_bind_var(mod, v, a);
  }
  uint64_t o = tmem_alloc(&M, sizeof out);
  unsigned g[3] = {grid, 1, 1}, b[3] = {block, 1, 1};
  int rc = launch3(kernel(mod, "k"), &M, g, b, &o, sizeof o, 0, err, errlen);
  memcpy(out, tmem_host(&M, o), sizeof out);
  cf_ptx_module_free(mod);
  return rc;
}
static int32_t o32(unsigned i) {
  int32_t v;
  memcpy(&v, out + 4 * i, 4);
  return v;
}

#define KOPEN ".visible .entry k(.param .u64 k_p)\n{\n" \
  ".reg .pred %p<4>;\n.reg .b32 %r<16>;\n.reg .b64 %rd<16>;\n" \
  "ld.param.u64 %rd1, [k_p];\nmov.u32 %r1, %tid.x;\n" \
  "mul.wide.u32 %rd2, %r1, 4;\nadd.s64 %rd3, %rd1, %rd2;\n"

static void test_param_and_reg_calls(void) {
  const char *ptx = HDR
    ".func (.param .b32 rv) madd(.param .b32 a, .param .b32 b);\n"
    ".func (.reg .b32 %o) twice(.reg .b32 %i)\n{\nadd.s32 %o, %i, %i;\n}\n"
    ".func (.param .b32 rv) madd(.param .b32 a, .param .b32 b)\n{\n"
    ".reg .b32 %x<4>;\n.reg .pred %q;\nld.param.b32 %x1, [a];\n"
    "ld.param.b32 %x2, [b];\nsetp.lt.s32 %q, %x1, 2;\n"
    "mad.lo.s32 %x3, %x1, 10, %x2;\nst.param.b32 [rv], %x3;\n"
    "@%q ret;\nst.param.b32 [rv], -1;\nret;\n}\n"
    KOPEN
    "{\n.param .b32 param0;\nst.param.b32 [param0+0], %r1;\n"
    ".param .b32 param1;\nst.param.b32 [param1+0], 7;\n.param .b32 retval0;\n"
    "call.uni (retval0), madd, (param0, param1);\n"
    "ld.param.b32 %r2, [retval0+0];\n}\n"
    "call (%r3), twice, (%r2);\nadd.s32 %r3, %r3, 1;\n"
    "st.global.u32 [%rd3], %r3;\nret;\n}\n";
  char err[320];
  ASSERT_EQ(run_k(ptx, 1, 4, err, sizeof err), 0);
  ASSERT_EQ(o32(0), 15);      /* (0*10+7)*2+1 */
  ASSERT_EQ(o32(1), 35);
  ASSERT_EQ(o32(2), -1);      /* madd fell through to the second store */
  ASSERT_EQ(o32(3), -1);
}

/* Recursion, each frame with a .local depot reached through %SP (generic)
 * and %SPL; a pointer to the caller's depot is passed down and read. */
static const char *const REC = HDR
  ".func (.param .b32 rv) rec(.param .b32 n, .param .b64 up)\n{\n"
  ".local .align 8 .b8 __local_depot0[8];\n.reg .b64 %SP;\n.reg .b64 %SPL;\n"
  ".reg .b32 %x<8>;\n.reg .b64 %y<4>;\n.reg .pred %q;\n"
  "mov.u64 %SPL, __local_depot0;\ncvta.local.u64 %SP, %SPL;\n"
  "ld.param.b32 %x1, [n];\nld.param.b64 %y1, [up];\n"
  "st.local.u32 [%SPL], %x1;\nmov.u32 %x2, 0;\n"
  "setp.eq.s32 %q, %x1, 0;\n@%q bra DONE;\n"
  "add.s32 %x3, %x1, -1;\n"
  "{\n.param .b32 p0;\nst.param.b32 [p0], %x3;\n.param .b64 p1;\n"
  "st.param.b64 [p1], %SP;\n.param .b32 r0;\n"
  "call.uni (r0), rec, (p0, p1);\nld.param.b32 %x2, [r0];\n}\n"
  "ld.local.u32 %x4, [%SPL];\nsub.s32 %x4, %x4, %x1;\n"   /* 0 if intact */
  "add.s32 %x2, %x2, %x4;\n"
  "DONE:\nsetp.eq.s64 %q, %y1, 0;\n@%q bra OUT;\n"
  "ld.u32 %x5, [%y1];\nsub.s32 %x5, %x5, %x1;\n"          /* caller's n: +1 */
  "add.s32 %x2, %x2, %x5;\n"
  "OUT:\nst.param.b32 [rv], %x2;\nret;\n}\n"
  ".visible .entry k(.param .u64 k_p, .param .u32 k_n)\n{\n"
  ".reg .b32 %r<8>;\n.reg .b64 %rd<8>;\n"
  "ld.param.u64 %rd1, [k_p];\nld.param.u32 %r1, [k_n];\n"
  "mov.u32 %r2, %tid.x;\nadd.s32 %r1, %r1, %r2;\n"
  "{\n.param .b32 p0;\nst.param.b32 [p0], %r1;\n.param .b64 p1;\n"
  "st.param.b64 [p1], 0;\n.param .b32 r0;\n"
  "call.uni (r0), rec, (p0, p1);\nld.param.b32 %r3, [r0];\n}\n"
  "mul.wide.u32 %rd2, %r2, 4;\nadd.s64 %rd3, %rd1, %rd2;\n"
  "st.global.u32 [%rd3], %r3;\nret;\n}\n";

static int run_rec(uint32_t n, unsigned threads, char *err, size_t errlen) {
  struct cf_ptx_module *mod = load_ok(REC);
  uint64_t o = tmem_alloc(&M, sizeof out);
  uint8_t params[16];
  memcpy(params, &o, 8);
  memcpy(params + 8, &n, 4);
  unsigned g[3] = {1, 1, 1}, b[3] = {threads, 1, 1};
  int rc = launch3(kernel(mod, "k"), &M, g, b, params, 12, 0, err, errlen);
  memcpy(out, tmem_host(&M, o), sizeof out);
  cf_ptx_module_free(mod);
  return rc;
}

static void test_recursion_and_depth(void) {
  char err[320];
  /* rec(n) = n (one per level below the top), frames intact */
  ASSERT_EQ(run_rec(10, 32, err, sizeof err), 0);
  for (int t = 0; t < 32; t++)
    ASSERT_EQ(o32((unsigned)t), 10 + t);
  ASSERT_EQ(run_rec(1000, 4, err, sizeof err), 0);
  ASSERT_EQ(o32(3), 1003);
  /* 1024 frames is the limit: rec(1023) uses 1024, rec(1024) faults */
  ASSERT_EQ(run_rec(1023, 1, err, sizeof err), 0);
  ASSERT_EQ(run_rec(1024, 1, err, sizeof err), 719);
  ASSERT(strstr(err, "call stack overflow") != NULL);
  ASSERT(strstr(err, "function 'rec'") != NULL);
  /* a hostile depth on many threads is still just a fault */
  ASSERT_EQ(run_rec(100000000, 256, err, sizeof err), 719);
}

static void test_indirect(void) {
  const char *ptx = HDR
    ".func (.param .b32 rv) inc(.param .b32 a)\n{\n.reg .b32 %x;\n"
    "ld.param.b32 %x, [a];\nadd.s32 %x, %x, 1;\nst.param.b32 [rv], %x;\n}\n"
    ".func (.param .b32 rv) neg(.param .b32 a)\n{\n.reg .b32 %x;\n"
    "ld.param.b32 %x, [a];\nneg.s32 %x, %x;\nst.param.b32 [rv], %x;\n}\n"
    ".func (.param .b64 rv) wide(.param .b32 a)\n{\nst.param.b64 [rv], 0;\n}\n"
    ".global .align 8 .u64 tab[2] = {inc, neg};\n"
    KOPEN
    "and.b32 %r2, %r1, 1;\nmul.wide.u32 %rd4, %r2, 8;\nmov.u64 %rd5, tab;\n"
    "add.s64 %rd5, %rd5, %rd4;\nld.global.u64 %rd6, [%rd5];\n"
    "setp.eq.u32 %p1, %r1, 2;\n@%p1 mov.u64 %rd6, wide;\n"
    "setp.eq.u32 %p2, %r1, 3;\n@%p2 mov.u64 %rd6, 12345;\n"
    "{\n.param .b32 param0;\nst.param.b32 [param0], %r1;\n"
    ".param .b32 retval0;\n"
    "proto : .callprototype (.param .b32 _) _ (.param .b32 _);\n"
    "call (retval0), %rd6, (param0), proto;\n"
    "ld.param.b32 %r3, [retval0];\n}\n"
    "st.global.u32 [%rd3], %r3;\nret;\n}\n";
  char err[320];
  ASSERT_EQ(run_k(ptx, 1, 2, err, sizeof err), 0);
  ASSERT_EQ(o32(0), 1);
  ASSERT_EQ(o32(1), -1);
  /* thread 2 reaches a function of another signature, 3 a wild pointer */
  ASSERT_EQ(run_k(ptx, 1, 3, err, sizeof err), 719);
  ASSERT(strstr(err, "'wide' does not match") != NULL);
  ASSERT_EQ(run_k(ptx, 1, 4, err, sizeof err), 719);
}

/* A hand-made printf call: format in .global, arguments packed in .local. */
static void test_vprintf(void) {
  const char *ptx = HDR
    ".extern .func (.param .b32 func_retval0) vprintf(.param .b64 p0, "
    ".param .b64 p1);\n"
    ".global .align 1 .b8 fmt[24] = {60, 37, 100, 32, 37, 115, 32, 37, 46, "
    "50, 102, 32, 37, 35, 120, 62, 10, 0};\n"     /* "<%d %s %.2f %#x>\n" */
    ".global .align 1 .b8 str[3] = {104, 105, 0};\n"
    ".visible .entry k(.param .u64 k_p)\n{\n"
    ".local .align 8 .b8 __local_depot0[32];\n.reg .b64 %SP;\n"
    ".reg .b64 %SPL;\n.reg .b32 %r<8>;\n.reg .b64 %rd<8>;\n"
    ".reg .f64 %fd<2>;\n"
    "mov.u64 %SPL, __local_depot0;\ncvta.local.u64 %SP, %SPL;\n"
    "ld.param.u64 %rd1, [k_p];\nmov.u32 %r1, %tid.x;\n"
    "st.local.u32 [%SPL], %r1;\nmov.u64 %rd2, str;\n"
    "cvta.global.u64 %rd2, %rd2;\nst.local.u64 [%SPL+8], %rd2;\n"
    "cvt.rn.f64.u32 %fd1, %r1;\nst.local.f64 [%SPL+16], %fd1;\n"
    "add.s32 %r2, %r1, 250;\nst.local.u32 [%SPL+24], %r2;\n"
    "mov.u64 %rd3, fmt;\ncvta.global.u64 %rd3, %rd3;\n"
    "{\n.param .b64 param0;\nst.param.b64 [param0], %rd3;\n"
    ".param .b64 param1;\nst.param.b64 [param1], %SP;\n"
    ".param .b32 retval0;\ncall.uni (retval0), vprintf, (param0, param1);\n"
    "ld.param.b32 %r3, [retval0];\n}\n"
    "mul.wide.u32 %rd4, %r1, 4;\nadd.s64 %rd5, %rd1, %rd4;\n"
    "st.global.u32 [%rd5], %r3;\nret;\n}\n";
  char err[320];
  cap_start();
  int rc = run_k(ptx, 1, 2, err, sizeof err);
  const char *text = cap_end();
  ASSERT_EQ(rc, 0);
  ASSERT_STR_EQ(text, "<0 hi 0.00 0xfa>\n<1 hi 1.00 0xfb>\n");
  ASSERT_EQ(o32(0), 4);     /* arguments consumed, as CUDA's printf */
}

static void expect_load(const char *ptx, int rc, const char *needle) {
  char err[256];
  int got = load_err(ptx, err, sizeof err);
  if (got != rc || strstr(err, needle) == NULL)
    fprintf(stderr, "want %s '%s', got %s '%s'\n", cf_errname(rc), needle,
            cf_errname(got), err);
  ASSERT_EQ(got, rc);
  ASSERT(strstr(err, needle) != NULL);
}

#define F1 ".func (.param .b32 rv) f(.param .b32 a)\n{\nret;\n}\n"
#define KE ".visible .entry k()\n{\n.reg .b32 %r<4>;\n.reg .b64 %rd<4>;\n"

static void test_load_errors(void) {
  expect_load(HDR F1 KE "{\n.param .b64 p;\n.param .b32 r;\n"
              "call (r), f, (p);\n}\nret;\n}\n", CF_EPROTO,
              "does not match the signature of 'f'");
  expect_load(HDR F1 KE "{\n.param .b32 p;\ncall f, (p);\n}\nret;\n}\n",
              CF_EPROTO, "does not match the signature");
  expect_load(HDR ".func g(.param .b32 a);\n" KE
              "{\n.param .b32 p;\ncall g, (p);\n}\nret;\n}\n", CF_EUNSUP,
              "unsupported call to 'g', which has no body");
  expect_load(HDR F1 F1 KE "ret;\n}\n", CF_EPROTO, "defined twice");
  expect_load(HDR F1 ".func (.param .b64 rv) f(.param .b32 a);\n" KE
              "ret;\n}\n", CF_EPROTO, "conflicting declarations");
  expect_load(HDR F1 KE "mov.u64 %rd1, f;\n{\n.param .b32 p;\n.param .b32 r;\n"
              "call (r), %rd1, (p);\n}\nret;\n}\n", CF_EUNSUP,
              "indirect call without a prototype");
  expect_load(HDR F1 KE "mov.u64 %rd1, f;\n{\n.param .b32 p;\n.param .b32 r;\n"
              "pr : .callprototype (.param .b64 _) _ (.param .b32 _);\n"
              "call (r), %rd1, (p), pr;\n}\nret;\n}\n", CF_EPROTO,
              "does not match its prototype");
  expect_load(HDR ".func (.param .b32 rv) f(.param .b32 a)\n{\n"
              ".reg .b64 %x;\ncvta.param.u64 %x, a;\nret;\n}\n" KE "ret;\n}\n",
              CF_EUNSUP, "generic address of a function .param");
  expect_load(HDR F1 KE "{\n.param .b32 p;\ncall (p), f, (1);\n}\nret;\n}\n",
              CF_EPROTO, "does not match");
  expect_load(HDR F1 KE "call (%r1), f, (%r2), (%r3);\nret;\n}\n", CF_EPROTO,
              "expected a prototype");
  expect_load(HDR F1 KE "call.foo f;\nret;\n}\n", CF_EUNSUP,
              "unsupported instruction 'call.foo'");
  expect_load(HDR ".shared .b32 sh;\n.func g()\n{\n.reg .b64 %x;\n"
              "mov.u64 %x, sh;\n}\n" KE "ret;\n}\n", CF_EUNSUP,
              "module .shared variable 'sh' in a .func");
  expect_load(HDR ".extern .func (.param .b32 r) vprintf(.param .b64 a, "
              ".param .b64 b)\n{\nret;\n}\n" KE "ret;\n}\n", CF_EPROTO,
              "with a body");
  /* a .func alone, and exit inside one, are fine */
  expect_load(HDR F1, 0, "");
}

/* exit in a function ends the thread; bar.sync inside a function */
static void test_exit_and_barrier_in_func(void) {
  const char *ptx = HDR
    ".func stop()\n{\nexit;\n}\n"
    ".func sync(.param .b64 a)\n{\n.reg .b64 %y;\n.reg .b32 %x;\n"
    "ld.param.b64 %y, [a];\nmov.u32 %x, %tid.x;\nst.shared.u32 [%y], %x;\n"
    "bar.sync 0;\n}\n"
    ".visible .entry k(.param .u64 k_p)\n{\n"
    ".shared .align 4 .b8 sm[64];\n"
    ".reg .pred %p<4>;\n.reg .b32 %r<16>;\n.reg .b64 %rd<16>;\n"
    "ld.param.u64 %rd1, [k_p];\nmov.u32 %r1, %tid.x;\n"
    "mul.wide.u32 %rd2, %r1, 4;\nadd.s64 %rd3, %rd1, %rd2;\n"
    "mov.u64 %rd4, sm;\nadd.s64 %rd4, %rd4, %rd2;\n"
    "{\n.param .b64 p0;\nst.param.b64 [p0], %rd4;\ncall.uni sync, (p0);\n}\n"
    "xor.b32 %r2, %r1, 1;\nmul.wide.u32 %rd5, %r2, 4;\nmov.u64 %rd6, sm;\n"
    "add.s64 %rd6, %rd6, %rd5;\nld.shared.u32 %r3, [%rd6];\n"
    "st.global.u32 [%rd3], %r3;\n"
    "setp.eq.u32 %p1, %r1, 1;\n@%p1 call.uni stop;\n"
    "st.global.u32 [%rd3], 99;\nret;\n}\n";
  char err[320];
  ASSERT_EQ(run_k(ptx, 1, 16, err, sizeof err), 0);
  ASSERT_EQ(o32(0), 99);
  ASSERT_EQ(o32(1), 0);      /* stopped before the second store */
  ASSERT_EQ(o32(2), 99);
}

/* ---- nvcc output (calls.cu) ---- */

static struct cf_ptx_module *MOD;

static int go(const char *name, const void *params, size_t plen,
              unsigned grid, unsigned block, char *err, size_t errlen) {
  const struct cf_ptx_kernel *k = kernel(MOD, name);
  ASSERT_EQ(cf_ptx_kernel_param_bytes(k), plen);
  unsigned g[3] = {grid, 1, 1}, b[3] = {block, 1, 1};
  int rc = launch3(k, &M, g, b, params, plen, 0, err, errlen);
  if (rc != 0 && rc != 719 && rc != 710)
    fprintf(stderr, "%s: %d %s\n", name, rc, err);
  return rc;
}

struct p2 { uint64_t a, b; };
struct p3 { uint64_t a, b; int32_t n; int32_t pad; };

static void nv_calls(void) {
  char err[320];
  uint64_t o = tmem_alloc(&M, 4096), f = tmem_alloc(&M, 8 * 64);
  struct p3 pa = {o, f, 5, 0};
  ASSERT_EQ(go("k_calls", &pa, 20, 1, 64, err, sizeof err), 0);
  const int32_t *r = tmem_host(&M, o);
  const uint64_t *fa = tmem_host(&M, f);
  uint64_t fact = 1;
  int fib[16] = {0, 1};
  for (int i = 2; i < 16; i++)
    fib[i] = fib[i - 1] + fib[i - 2];
  for (int i = 0; i < 64; i++) {
    if (i > 1)
      fact *= (uint64_t)i;
    ASSERT_EQ(r[i], i * 3 + 5);
    ASSERT_EQ(fa[i], fact);
    ASSERT_EQ(r[64 + i], fib[i % 16]);
  }
}

static void nv_deep(void) {
  char err[320];
  uint64_t o = tmem_alloc(&M, 4 * 64);
  struct p2 pa = {o, 200};
  ASSERT_EQ(go("k_deep", &pa, 12, 1, 64, err, sizeof err), 0);
  const int32_t *r = tmem_host(&M, o);
  for (int i = 0; i < 64; i++)
    ASSERT_EQ(r[i], 201);
  pa.b = 5000;
  ASSERT_EQ(go("k_deep", &pa, 12, 2, 32, err, sizeof err), 719);
  ASSERT(strstr(err, "call stack overflow") != NULL);
}

static void nv_misc(void) {
  char err[320];
  uint64_t o = tmem_alloc(&M, 4 * 96), d = tmem_alloc(&M, 8 * 32);
  struct p2 pa = {o, d};
  ASSERT_EQ(go("k_misc", &pa, 16, 1, 32, err, sizeof err), 0);
  const int32_t *r = tmem_host(&M, o);
  const double *dd = tmem_host(&M, d);
  for (int i = 0; i < 32; i++) {
    ASSERT_DBL_EQ(dd[i], (i + 0.5) * 2);
    ASSERT_EQ(r[i], i + 1);
    ASSERT_EQ(r[32 + i], 28 * i);
    ASSERT_EQ(r[64 + i], 496);
  }
}

static void nv_indirect(void) {
  char err[320];
  struct tmem *m = &M;
  uint64_t o = tmem_alloc(m, 4 * 32);
  ASSERT_EQ(go("k_indirect", &o, 8, 1, 32, err, sizeof err), 0);
  const int32_t *r = tmem_host(m, o);
  for (int i = 0; i < 32; i++)
    ASSERT_EQ(r[i], (i & 1) ? i * 3 : i + 3);
}

static double relerr(double got, double want) {
  if (got == want)
    return 0;
  return fabs(got - want) / (fabs(want) > 1e-300 ? fabs(want) : 1e-300);
}

static void nv_math(void) {
  enum { N = 256 };
  char err[320];
  double x[N];
  float xf[N];
  for (int i = 0; i < N; i++) {
    x[i] = (i - N / 2) * 0.37 + (i % 7) * 1e-3;
    xf[i] = (float)x[i];
  }
  x[0] = 1e22;     /* sin/cos: the Payne-Hanek slow path (a call) */
  x[1] = -3.5e15;
  xf[0] = 1e30f;
  uint64_t dx = tmem_alloc(&M, sizeof x), dox = tmem_alloc(&M, 4 * sizeof x);
  memcpy(tmem_host(&M, dx), x, sizeof x);
  struct p3 pa = {dx, dox, N, 0};
  ASSERT_EQ(go("k_dmath", &pa, 20, N / 64, 64, err, sizeof err), 0);
  const double *o = tmem_host(&M, dox);
  for (int i = 0; i < N; i++) {
    ASSERT(relerr(o[4 * i], sin(x[i])) < 1e-14 || fabs(o[4 * i] - sin(x[i])) < 1e-15);
    ASSERT(relerr(o[4 * i + 1], cos(x[i])) < 1e-14 ||
           fabs(o[4 * i + 1] - cos(x[i])) < 1e-15);
    ASSERT(relerr(o[4 * i + 2], pow(fabs(x[i]), 1.7)) < 1e-15);
    ASSERT(relerr(o[4 * i + 3], exp(x[i] * 0.01)) < 1e-15);
  }
  uint64_t fx = tmem_alloc(&M, sizeof xf), fo = tmem_alloc(&M, 3 * sizeof xf);
  memcpy(tmem_host(&M, fx), xf, sizeof xf);
  struct p3 pf = {fx, fo, N, 0};
  ASSERT_EQ(go("k_fmath", &pf, 20, N / 64, 64, err, sizeof err), 0);
  const float *of = tmem_host(&M, fo);
  for (int i = 0; i < N; i++) {
    ASSERT(relerr(of[3 * i], powf(fabsf(xf[i]), 2.3f)) < 1e-6);
    ASSERT(relerr(of[3 * i + 1], erff(xf[i] * 0.001f)) < 1e-6);
    ASSERT(relerr(of[3 * i + 2], sinf(xf[i])) < 1e-6 ||
           fabsf(of[3 * i + 2] - sinf(xf[i])) < 1e-7f);
  }
}

static void nv_printf(void) {
  char err[320];
  uint64_t s = tmem_alloc(&M, 8);
  memcpy(tmem_host(&M, s), "str", 4);
  uint8_t pa[24];
  int32_t n = 42;
  double d = 3.14159;
  memcpy(pa, &n, 4);
  memcpy(pa + 8, &d, 8);
  memcpy(pa + 16, &s, 8);
  cap_start();
  int rc = go("k_printf", pa, 24, 1, 2, err, sizeof err);
  const char *text = cap_end();
  ASSERT_EQ(rc, 0);
  ASSERT_STR_EQ(text,
      "t0 n=   42 d=3.142 str ff A -5 7   |002.2 1.234500e+03 0.0001 10 %\n"
      "ret=12\n"
      "t1 n=   42 d=3.142 str 100 B -5 7   |002.2 1.234500e+03 0.0001 10 %\n");
}

static void nv_assert(void) {
  char err[320];
  int32_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  uint64_t dv = tmem_alloc(&M, sizeof v);
  memcpy(tmem_host(&M, dv), v, sizeof v);
  ASSERT_EQ(go("k_assert", &dv, 8, 1, 5, err, sizeof err), 0);
  fprintf(stderr, "(an assertion message is expected next)\n");
  ASSERT_EQ(go("k_assert", &dv, 8, 1, 8, err, sizeof err), 710);
  ASSERT(strstr(err, "assertion") != NULL);
}

static void run_nvcc(const char *path) {
  FILE *fp = fopen(path, "rb");
  ASSERT_NOT_NULL(fp);
  static char text[1 << 22];
  size_t n = fread(text, 1, sizeof text - 1, fp);
  fclose(fp);
  text[n] = '\0';
  MOD = load_ok(text);
  for (unsigned v = 0; v < cf_ptx_module_var_count(MOD); v++) {
    const struct cf_ptx_var *var = cf_ptx_module_var(MOD, v);
    uint64_t a = tmem_alloc(&M, var->size);
    if (var->init)
      memcpy(tmem_host(&M, a), var->init, var->init_len);
    cf_ptx_module_bind_var(MOD, v, a);
  }
  nv_calls();
  nv_deep();
  nv_misc();
  nv_indirect();
  nv_math();
  nv_printf();
  nv_assert();
  cf_ptx_module_free(MOD);
}

int main(int argc, char **argv) {
  tmem_init(&M);
  test_param_and_reg_calls();
  tmem_free(&M);
  test_recursion_and_depth();
  tmem_free(&M);
  test_indirect();
  tmem_free(&M);
  test_vprintf();
  tmem_free(&M);
  test_load_errors();
  test_exit_and_barrier_in_func();
  tmem_free(&M);
  if (argc > 1) {
    tmem_init(&M);
    run_nvcc(argv[1]);
    tmem_free(&M);
  }
  printf("ptx calls: ok%s\n", argc > 1 ? " (with nvcc output)" : "");
  return 0;
}
