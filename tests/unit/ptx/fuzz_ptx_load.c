/* Fuzz target for the PTX loader (cf_ptx_module_load): hostile text must
 * give an error code, never a crash, a hang or a leak. Built with libFuzzer
 * (-fsanitize=fuzzer and -DCF_FUZZ_LIBFUZZER) it is a normal fuzz target;
 * otherwise main() (cf_fuzz_replay.h) runs a bounded, deterministic
 * mutation loop over built-in seeds and the seed files named on the command
 * line: sampled truncation points, byte flips, deletions, duplications and
 * inserted PTX tokens. Under meson it is the `ptx-fuzz-load` test. */
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_fuzz_replay.h"
#include "ptx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct cf_ptx_module *m = NULL;
  char err[128];
  int rc = cf_ptx_module_load((const char *)data, size, &m, err, sizeof err);
  if (rc == 0)
    cf_ptx_module_free(m);
  else if (m != NULL || memchr(err, '\0', sizeof err) == NULL)
    abort();
  return 0;
}

#ifndef CF_FUZZ_LIBFUZZER
static const char *const seeds[] = {
  ".version 8.0\n.target sm_80\n.address_size 64\n"
  ".global .align 4 .u32 g[4] = {1, 2, 3, 4};\n"
  ".extern .shared .align 16 .b8 dsm[];\n"
  ".visible .entry k(.param .u64 p, .param .u32 n)\n.maxntid 128, 1, 1\n{\n"
  ".reg .pred %p<4>;\n.reg .b32 %r<16>;\n.reg .b64 %rd<8>;\n.reg .f32 %f<8>;\n"
  ".shared .align 4 .b8 sh[64];\n.local .align 8 .b8 loc[16];\n"
  "ld.param.u64 %rd1, [p];\nld.param.u32 %r1, [n];\nmov.u32 %r2, %tid.x;\n"
  "setp.ge.u32 %p1, %r2, %r1;\n@%p1 bra $L__end;\n"
  "$L__loop:\nadd.s32 %r2, %r2, 1;\nsetp.lt.and.s32 %p2, %r2, 10, !%p1;\n"
  "@%p2 bra.uni $L__loop;\n{\n.reg .b32 %t;\nmov.b32 %t, 0f3F800000;\n}\n"
  "shfl.sync.bfly.b32 %r3|%p3, %r2, 1, 31, -1;\nvote.sync.ballot.b32 %r4, %p3, -1;\n"
  "atom.global.add.u32 %r5, [%rd1+4], 1;\nld.global.v4.f32 {%f1,%f2,%f3,%f4}, [%rd1];\n"
  "cvt.rzi.s32.f32 %r6, %f1;\nbar.sync 0;\nmov.u64 %rd2, g;\nmov.u32 %r7, dsm;\n"
  "st.shared.u32 [sh+-4], %r6;\ncvta.local.u64 %rd3, %rd2;\n"
  "$L__end:\nret;\n}\n",
  ".version 8.0\n.target sm_80\n.address_size 64\n"
  ".extern .func (.param .b32 r) vprintf(.param .b64 a, .param .b64 b);\n"
  ".func (.param .b32 rv) f(.param .b32 a, .param .align 8 .b8 s[16]);\n"
  ".func (.reg .b32 %o) g(.reg .b32 %i)\n{\nadd.s32 %o, %i, 1;\n}\n"
  ".global .align 8 .u64 tab[2] = {f, g};\n"
  ".func (.param .b32 rv) f(.param .b32 a, .param .align 8 .b8 s[16])\n{\n"
  ".local .align 8 .b8 __local_depot0[8];\n.reg .b64 %SP;\n.reg .b64 %SPL;\n"
  ".reg .b32 %x<4>;\nmov.u64 %SPL, __local_depot0;\ncvta.local.u64 %SP, %SPL;\n"
  "ld.param.b32 %x1, [a];\nld.param.b32 %x2, [s+8];\n"
  "{\n.param .b32 p0;\nst.param.b32 [p0+0], %x1;\n.param .align 8 .b8 p1[16];\n"
  ".param .b32 r0;\ncall.uni (r0), f, (p0, p1);\nld.param.b32 %x3, [r0+0];\n}\n"
  "call (%x1), g, (%x3);\nst.param.b32 [rv+0], %x1;\nret;\n}\n"
  ".visible .entry k(.param .u64 p)\n{\n.reg .b64 %rd<4>;\n.reg .b32 %r<4>;\n"
  "mov.u64 %rd1, f;\n{\n.param .b32 p0;\n.param .b32 r0;\n"
  ".param .align 8 .b8 p1[16];\n"
  "pr : .callprototype (.param .b32 _) _ (.param .b32 _, .param .b8 _[16]);\n"
  "call (r0), %rd1, (p0, p1), pr;\n}\n"
  "{\n.param .b64 q0;\nst.param.b64 [q0], %rd1;\n.param .b64 q1;\n"
  ".param .b32 r1;\ncall.uni (r1), vprintf, (q0, q1);\n}\nret;\n}\n",
};

static const char *const dict[] = {
  "{", "}", "[", "]", ";", ",", "@", "!", "%r1", "%p1", "%rd1", ".reg", ".b32",
  ".shared", ".extern", "bra", "$L__loop", "0f7FC00000", "-", "+", "<", ">",
  "9999999999999999999", ".entry", "ld.global.f32", "(", ")", "=", "|", ":",
  "/*", "//", "\"", "\n", "\0", ".v4", "call", ".func", "0d", "0x", "%tid.x",
  ".param", "call.uni", ".callprototype", "_", "ret;", ".extern", "f", "g",
};

static void builtin(void) {
  for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
    cf_fuzz_add_seed(seeds[i], strlen(seeds[i]));
}

static const struct cf_fuzz_replay replay = {
  .name = "fuzz_ptx_load", .max_input = 1u << 20, .mutations = 6000,
  .cut_samples = 400, .dict = dict, .n_dict = sizeof dict / sizeof *dict,
  .builtin = builtin,
};

int main(int argc, char **argv) {
  return cf_fuzz_replay_main(argc, argv, &replay);
}
#endif
