/* Error paths of the PTX loader and interpreter: malformed PTX is
 * CF_EPROTO naming the line, unimplemented instructions are CF_EUNSUP
 * naming the instruction, and launch faults come back as CUresult codes
 * with a message instead of crashing the process. */
#include <stdio.h>

#include "ptx_testlib.h"

#define HDR ".version 8.0\n.target sm_80\n.address_size 64\n"
#define KHEAD ".visible .entry k(.param .u64 p)\n{\n" \
              ".reg .b32 %r<8>;\n.reg .b64 %rd<8>;\n.reg .pred %p<4>;\n" \
              ".reg .f32 %f<4>; .reg .b16 %rs<4>;\nld.param.u64 %rd1, [p];\n"

static void expect_load(const char *ptx, int rc, const char *needle) {
  char err[256];
  int got = load_err(ptx, err, sizeof err);
  if (got != rc || strstr(err, needle) == NULL)
    fprintf(stderr, "want %s '%s', got %s '%s'\n", cf_errname(rc), needle,
            cf_errname(got), err);
  ASSERT_EQ(got, rc);
  ASSERT(strstr(err, needle) != NULL);
}

static void test_load_errors(void) {
  /* the line numbers count from 1 at ".version" */
  expect_load(HDR KHEAD "add.s32 %r1, %r2;\nret;\n}\n", CF_EPROTO,
              "line 11: wrong number of operands");
  expect_load(HDR KHEAD "frobnicate.b32 %r1, %r2;\nret;\n}\n", CF_EUNSUP,
              "line 11: unsupported instruction 'frobnicate.b32'");
  expect_load(HDR KHEAD "add.e4m3 %r1, %r2, %r3;\nret;\n}\n", CF_EUNSUP,
              "unsupported instruction 'add.e4m3'");
  /* half types reach only the instructions that implement them */
  expect_load(HDR KHEAD "atom.global.add.noftz.f16 %rs1, [%rd1], %rs2;\n"
              "ret;\n}\n", CF_EUNSUP, "atom.global.add.noftz.f16");
  expect_load(HDR KHEAD "shl.f16 %rs1, %rs2, 1;\nret;\n}\n", CF_EUNSUP,
              "shl.f16");
  expect_load(HDR KHEAD "max.relu.s32 %r1, %r2, %r3;\nret;\n}\n", CF_EUNSUP,
              "max.relu.s32");
  expect_load(HDR KHEAD "cp.async.bulk.shared::cluster.global [%r1], [%rd1], "
              "16, [%r2];\nret;\n}\n", CF_EUNSUP, "cp.async.bulk");
  expect_load(HDR KHEAD "cp.async.ca.shared.global [%r1], [%rd1], 12;\nret;\n}"
              "\n", CF_EPROTO, "cp-size");
  /* calls: the target must be declared, defined (or a builtin extern) and
   * called with its signature (more in test_ptx_calls.c) */
  expect_load(HDR KHEAD "call.uni foo, (%r1);\nret;\n}\n", CF_EPROTO,
              "line 11: unknown function 'foo'");
  expect_load(HDR ".extern .func (.param .b64 r) malloc(.param .b64 n);\n"
              KHEAD "{\n.param .b64 p0;\n.param .b64 r0;\n"
              "call.uni (r0), malloc, (p0);\n}\nret;\n}\n", CF_EUNSUP,
              "unsupported call to 'malloc'");
  expect_load(HDR ".extern .func (.param .b32 r) vprintf(.param .b64 a, "
              ".param .b64 b);\n" KHEAD "ret;\n}\n", 0, "");
  expect_load(HDR KHEAD "add.s32 %r1, %r9, 1;\nret;\n}\n", CF_EPROTO,
              "line 11: unknown name '%r9'");
  expect_load(HDR KHEAD "add.s32 %r99, %r1, 1;\nret;\n}\n", CF_EPROTO,
              "unknown register '%r99'");
  expect_load(HDR KHEAD "bra $L__nowhere;\nret;\n}\n", CF_EPROTO,
              "line 11: undefined label");
  expect_load(HDR KHEAD "L1:\nL1:\nret;\n}\n", CF_EPROTO, "defined twice");
  expect_load(HDR KHEAD "@%r1 bra L;\nL:\nret;\n}\n", CF_EPROTO,
              "guard is not a predicate");
  expect_load(HDR KHEAD "add.s32 %r1, %r2, %p1;\nret;\n}\n", CF_EPROTO,
              "predicate used as a value");
  expect_load(HDR KHEAD "add.f32 %f1, %f2, %rd1;\nret;\n}\n", CF_EPROTO,
              "register width");
  expect_load(HDR KHEAD "mov.u32 %r1, 1\nret;\n}\n", CF_EPROTO, "line 12");
  expect_load(HDR KHEAD "ret;\n", CF_EPROTO, "unexpected end of text");
  expect_load(HDR KHEAD "mov.u32 %r1, 0fZZ;\nret;\n}\n", CF_EPROTO,
              "bad number");
  expect_load(HDR KHEAD "ld.shared.u32 %r1, [p];\nret;\n}\n", CF_EPROTO,
              "not in the instruction's state space");
  expect_load(HDR KHEAD "mov.u32 %tid.x, 1;\nret;\n}\n", CF_EPROTO,
              "not a register");
  expect_load(HDR KHEAD "/* unterminated\nret;\n}\n", CF_EPROTO, "line 11");
  expect_load(HDR KHEAD "mov.u32 %r1, 1; # x\nret;\n}\n", CF_EPROTO, "line 11");
  expect_load(".target sm_80\n", CF_EPROTO, "missing .version");
  expect_load(".version 10.0\n", CF_EUNSUP, "unsupported PTX version");
  expect_load(HDR ".address_size 32\n", CF_EUNSUP, ".address_size 32");
  expect_load(HDR ".frob 1;\n", CF_EUNSUP, "unsupported directive '.frob'");
  expect_load(HDR ".global .tf32 h;\n", CF_EUNSUP, "unsupported type '.tf32'");
  expect_load(HDR KHEAD ".reg .b32 %x<99999999>;\nret;\n}\n", CF_EPROTO,
              "bad number");
  expect_load(HDR ".global .b8 big[99999999999];\n", CF_EPROTO, "bad number");
  expect_load(HDR KHEAD "cvt.f32.e4m3 %f1, %r1;\nret;\n}\n", CF_EUNSUP,
              "cvt.f32.e4m3");
  expect_load(HDR ".global .u32 g[2] = {1, 2, 3};\n", CF_EPROTO,
              "too many initialisers");
  /* deep nesting is bounded */
  char deep[4096];
  int n = snprintf(deep, sizeof deep, "%s", HDR KHEAD);
  for (int i = 0; i < 200; i++)
    deep[n++] = '{';
  deep[n] = '\0';
  expect_load(deep, CF_EPROTO, "nested too deeply");
  /* empty and binary input */
  expect_load("", CF_EPROTO, "missing .version");
  char bin[] = ".version 8.0\n\x01\x02";
  expect_load(bin, CF_EPROTO, "line 2");
  /* a NUL ends the text */
  const char withnul[] = HDR "\0garbage";
  struct cf_ptx_module *mod = NULL;
  char err[128];
  ASSERT_EQ(cf_ptx_module_load(withnul, sizeof withnul, &mod, err, sizeof err), 0);
  cf_ptx_module_free(mod);
  /* a tiny error buffer is still NUL-terminated */
  char small[8];
  ASSERT_EQ(load_err(HDR KHEAD "frob;\n}\n", small, sizeof small), CF_EUNSUP);
  ASSERT_EQ(strlen(small), 7);
}

static int run_fault(const char *body, char *err, size_t errlen) {
  char src[2048];
  snprintf(src, sizeof src, "%s%s\nret;\n}\n", HDR KHEAD, body);
  struct cf_ptx_module *mod = load_ok(src);
  struct tmem m;
  tmem_init(&m);
  uint64_t o = tmem_alloc(&m, 64);
  unsigned g[3] = {2, 1, 1}, b[3] = {32, 1, 1};
  int rc = launch3(kernel(mod, "k"), &m, g, b, &o, 8, 0, err, errlen);
  tmem_free(&m);
  cf_ptx_module_free(mod);
  return rc;
}

static void test_faults(void) {
  char err[320];
  /* out of bounds store: 700 with the address, not a crash (only block 0
   * faults: with both, which block's fault comes first is up to the pool) */
  ASSERT_EQ(run_fault("st.global.u32 [%rd1+64], 1;", err, sizeof err), 700);
  ASSERT_EQ(run_fault("mov.u32 %r1, %ctaid.x;\nsetp.eq.u32 %p1, %r1, 0;\n"
                      "@%p1 st.global.u32 [%rd1+64], 1;", err, sizeof err), 700);
  ASSERT_STR_EQ(err, "kernel 'k' block (0,0,0) thread (0,0,0): illegal "
                     "address: 4-byte global store at 0x10000040 (line 13)");
  ASSERT_EQ(run_fault("st.global.u32 [%rd1+-4], 1;", err, sizeof err), 700);
  ASSERT_EQ(run_fault("ld.global.u32 %r1, [0];", err, sizeof err), 700);
  ASSERT_EQ(run_fault("st.global.u64 [%rd1+64], %rd1;", err, sizeof err), 700);
  /* misaligned and out of bounds: misaligned, as the hardware checks it first */
  ASSERT_EQ(run_fault("st.global.u32 [%rd1+62], 1;", err, sizeof err), 716);
  ASSERT_EQ(run_fault("st.global.u32 [%rd1+2], 1;", err, sizeof err), 716);
  ASSERT(strstr(err, "misaligned 4-byte global store at 0x10000002") != NULL);
  /* misaligned is reported before out of bounds, in every space and size */
  ASSERT_EQ(run_fault("ld.global.u64 %rd2, [%rd1+0x100004];", err, sizeof err),
            716);
  ASSERT(strstr(err, "misaligned 8-byte global load at 0x10100004") != NULL);
  ASSERT_EQ(run_fault("ld.global.u16 %rs1, [%rd1+1];", err, sizeof err), 716);
  ASSERT_EQ(run_fault("ld.global.v4.u32 {%r1, %r2, %r3, %r4}, [%rd1+8];", err,
                      sizeof err), 716);
  ASSERT_EQ(run_fault("ld.shared.u32 %r1, [2];", err, sizeof err), 716);
  ASSERT_EQ(run_fault("st.local.u64 [4], %rd1;", err, sizeof err), 716);
  ASSERT_EQ(run_fault("atom.shared.add.u64 %rd2, [4], 1;", err, sizeof err),
            716);
  /* the faulting thread is named: thread 17 of block 1 */
  ASSERT_EQ(run_fault("mov.u32 %r1, %ctaid.x;\nmov.u32 %r2, %tid.x;\n"
                      "setp.eq.u32 %p1, %r1, 1;\nsetp.eq.u32 %p2, %r2, 17;\n"
                      "and.pred %p1, %p1, %p2;\n@%p1 ld.global.u64 %rd2, "
                      "[%rd1+4];", err, sizeof err), 716);
  ASSERT_STR_EQ(err, "kernel 'k' block (1,0,0) thread (17,0,0): misaligned "
                     "8-byte global load at 0x10000004 (line 16)");
  ASSERT_EQ(run_fault("mov.u32 %r1, %tid.x;\nmul.wide.u32 %rd2, %r1, 4096;\n"
                      "add.s64 %rd2, %rd2, %rd1;\nst.global.u32 [%rd2], 1;",
                      err, sizeof err), 700);
  ASSERT(strstr(err, "thread (1,0,0)") != NULL);
  ASSERT_EQ(run_fault("atom.global.add.u32 %r1, [%rd1+2], 1;", err, sizeof err),
            716);
  ASSERT_EQ(run_fault("ld.shared.u32 %r1, [1024];", err, sizeof err), 700);
  ASSERT_EQ(run_fault("ld.local.u32 %r1, [0];", err, sizeof err), 700);
  ASSERT_EQ(run_fault("ld.param.u32 %r1, [8];", err, sizeof err), 700);
  ASSERT_EQ(run_fault("mov.u64 %rd2, 0xFF00000100000000;\nld.u32 %r1, [%rd2];",
                      err, sizeof err), 700);
  ASSERT_EQ(run_fault("mov.u64 %rd2, 0xFF00000000000000;\nst.u32 [%rd2], 1;",
                      err, sizeof err), 700);
  ASSERT_EQ(run_fault("mov.u64 %rd2, 0xFFFFFFFFFFFFFFFC;\nld.u32 %r1, [%rd2];",
                      err, sizeof err), 700);
  ASSERT_EQ(run_fault("cp.async.ca.shared.global [8], [%rd1], 16;", err,
                      sizeof err), 716);
  ASSERT_EQ(run_fault("cp.async.ca.shared.global [0], [%rd1+64], 16;", err,
                      sizeof err), 700);
  ASSERT_EQ(run_fault("cp.async.ca.shared.global [4096], [%rd1], 16;", err,
                      sizeof err), 700);
  ASSERT_EQ(run_fault("trap;", err, sizeof err), 719);
  ASSERT(strstr(err, "trap (line 11)") != NULL);
  ASSERT_EQ(run_fault("brkpt;\nprefetch.global.L2 [%rd1];\nprefetchu.L1 [%rd1];"
                      "\nprefetch.global.L2::evict_last [%rd1+4096];\n"
                      "st.global.u32 [%rd1], 1;", err, sizeof err), 0);
  /* a barrier that can never complete is a launch failure, not a hang */
  ASSERT_EQ(run_fault("bar.sync 0, 64;", err, sizeof err), 719);
  ASSERT(strstr(err, "deadlock") != NULL);
  /* unbound module variable */
  const char *src = HDR ".global .u32 gv;\n" KHEAD
                    "st.global.u32 [gv], 1;\nret;\n}\n";
  struct cf_ptx_module *mod = load_ok(src);
  struct tmem m;
  tmem_init(&m);
  uint64_t o = tmem_alloc(&m, 64);
  unsigned g[3] = {1, 1, 1}, b[3] = {1, 1, 1};
  ASSERT_EQ(launch3(kernel(mod, "k"), &m, g, b, &o, 8, 0, err, sizeof err), 719);
  ASSERT(strstr(err, "not bound") != NULL);
  cf_ptx_module_bind_var(mod, 0, o + 8);
  ASSERT_EQ(launch3(kernel(mod, "k"), &m, g, b, &o, 8, 0, err, sizeof err), 0);
  ASSERT_EQ(*(uint32_t *)tmem_host(&m, o + 8), 1);
  ASSERT_NULL(cf_ptx_module_kernel(mod, "nope"));
  ASSERT_NULL(cf_ptx_module_var(mod, 5));
  tmem_free(&m);
  cf_ptx_module_free(mod);
}

int main(void) {
  test_load_errors();
  test_faults();
  printf("ptx errors: ok\n");
  return 0;
}
