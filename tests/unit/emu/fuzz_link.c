/* Fuzz target for JIT linking (emu/link.c, with fatbin.c for its inputs):
 * cuLinkCreate, one to three cuLinkAddData, cuLinkComplete, cuLinkDestroy
 * must give errors or a linked image, never crash, read outside an input or
 * leak. A linked image must be NUL-terminated text of the size reported,
 * the same on a second cuLinkComplete, and must load with cuModuleLoadData
 * (the link already parsed it).
 *
 * Input format: byte 0 is a control byte, the rest is split into at most
 * three inputs at "\n@@\n" (the last keeps any further separators). Control
 * bit i (0-2) makes input i CU_JIT_INPUT_FATBINARY instead of PTX (either
 * may hold either form), bit 3 passes no input names, bit 4 gives no log
 * buffers to cuLinkCreate. Each input is passed as an exact-size copy.
 *
 * Built with -DCF_FUZZ_LIBFUZZER -fsanitize=fuzzer it is a libFuzzer target;
 * otherwise main() (cf_fuzz_replay.h) runs built-in PTX seeds, every file in the folders named
 * on the command line (inputs in the format above), every plain file named
 * there alone and paired with each other one, and then a bounded number of
 * deterministic mutations. Under meson it is the `emu-fuzz-link` test. */
#include <cuda.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_fuzz_replay.h"

#define SEP "\n@@\n"
#define SEP_LEN 4u
#define WRAPPER_MAGIC "\xb1\x43\x62\x46"

static unsigned n_added, n_linked;  /* successes, for main's summary */

static void fail(const char *what, CUresult r)
{
  char line[256];
  int n = snprintf(line, sizeof line, "fuzz_link: invariant failed: %s "
                   "(CUresult %d)\n", what, (int)r);
  if (n > 0 && write(cf_fuzz_report_fd, line, (size_t)n) < 0)
    abort();
  abort();
}

static void emu_init(void)
{
  static int done;
  CUcontext ctx;
  if (done)
    return;
  done = 1;
  setenv("CUFERRY_EMU_MEMORY", "256M", 0);
  if (cuInit(0) != CUDA_SUCCESS || cuCtxCreate(&ctx, NULL, 0, 0) !=
      CUDA_SUCCESS)
    fail("emulator starts", CUDA_ERROR_UNKNOWN);
}

static const uint8_t *find_sep(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i + SEP_LEN <= n; i++)
    if (p[i] == '\n' && !memcmp(p + i, SEP, SEP_LEN))
      return p + i;
  return NULL;
}

static void check_log(const char *log, size_t len, const char *what)
{
  if (!memchr(log, '\0', len))
    fail(what, CUDA_SUCCESS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const uint8_t *part[3];
  size_t plen[3];
  unsigned n = 0;
  char elog[256], ilog[256];
  CUjit_option opt[4] = { CU_JIT_ERROR_LOG_BUFFER,
                          CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                          CU_JIT_INFO_LOG_BUFFER,
                          CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES };
  void *val[4] = { elog, (void *)(uintptr_t)sizeof elog, ilog,
                   (void *)(uintptr_t)sizeof ilog };
  CUlinkState ls = NULL;
  CUresult r;

  emu_init();
  if (size < 1 || size > (1u << 20))
    return 0;
  unsigned ctl = data[0];
  const uint8_t *p = data + 1, *end = data + size;
  while (n < 3) {
    const uint8_t *s = n < 2 ? find_sep(p, (size_t)(end - p)) : NULL;
    part[n] = p;
    plen[n] = s ? (size_t)(s - p) : (size_t)(end - p);
    n++;
    if (!s)
      break;
    p = s + SEP_LEN;
  }

  memset(elog, 'x', sizeof elog);
  memset(ilog, 'x', sizeof ilog);
  r = (ctl & 16) ? cuLinkCreate(0, NULL, NULL, &ls)
                 : cuLinkCreate(4, opt, val, &ls);
  if (r != CUDA_SUCCESS || !ls)
    fail("cuLinkCreate", r);

  unsigned added = 0;
  for (unsigned i = 0; i < n; i++) {
    char name[16];
    /* A fatbin wrapper holds a pointer: only an in-process caller can pass
     * one, and cuferryd refuses them, so none reaches the emulator. */
    if (plen[i] >= 4 && !memcmp(part[i], WRAPPER_MAGIC, 4))
      continue;
    snprintf(name, sizeof name, "in%u", i);
    uint8_t *copy = malloc(plen[i] ? plen[i] : 1);
    if (!copy)
      abort();
    memcpy(copy, part[i], plen[i]);
    r = cuLinkAddData(ls, (ctl >> i) & 1 ? CU_JIT_INPUT_FATBINARY
                                         : CU_JIT_INPUT_PTX,
                      copy, plen[i], (ctl & 8) ? NULL : name, 0, NULL, NULL);
    free(copy);
    if (r == CUDA_SUCCESS)
      added++, n_added++;
    else if (r != CUDA_ERROR_INVALID_IMAGE && r != CUDA_ERROR_INVALID_VALUE &&
             r != CUDA_ERROR_NO_BINARY_FOR_GPU &&
             r != CUDA_ERROR_OUT_OF_MEMORY)
      fail("cuLinkAddData result is an input error", r);
  }

  void *img = NULL, *img2 = NULL;
  size_t isz = 0, isz2 = 0;
  /* cuLinkComplete always fills both logs (AddData only on some errors). */
  r = cuLinkComplete(ls, &img, &isz);
  if (!(ctl & 16)) {
    check_log(elog, sizeof elog, "error log is NUL-terminated");
    check_log(ilog, sizeof ilog, "info log is NUL-terminated");
  }
  if (r == CUDA_SUCCESS) {
    if (!added || !img || isz == 0 || strlen(img) + 1 != isz)
      fail("linked image is text of the reported size", r);
    n_linked++;
    r = cuLinkComplete(ls, &img2, &isz2);
    if (r != CUDA_SUCCESS || img2 != img || isz2 != isz)
      fail("a second cuLinkComplete gives the same image", r);
    CUmodule m = NULL;
    r = cuModuleLoadData(&m, img);
    if (r == CUDA_SUCCESS)
      r = cuModuleUnload(m);
    else if (r != CUDA_ERROR_OUT_OF_MEMORY && r != CUDA_ERROR_INVALID_PTX)
      fail("a linked image loads", r);
  } else if (r != CUDA_ERROR_INVALID_PTX && r != CUDA_ERROR_INVALID_VALUE &&
             r != CUDA_ERROR_OUT_OF_MEMORY) {
    fail("cuLinkComplete result is a link error", r);
  } else if (r == CUDA_ERROR_INVALID_VALUE && added) {
    fail("cuLinkComplete with inputs is not INVALID_VALUE", r);
  }
  r = cuLinkDestroy(ls);
  if (r != CUDA_SUCCESS)
    fail("cuLinkDestroy", r);
  return 0;
}

#ifndef CF_FUZZ_LIBFUZZER

#define FUZZ_MAX_INPUT (256u * 1024)

/* ctl, then the inputs joined by SEP. */
static void add_seed3(unsigned ctl, const void *a, size_t na, const void *b,
                      size_t nb, const void *c, size_t nc)
{
  size_t len = 1 + na + (b ? SEP_LEN + nb : 0) + (c ? SEP_LEN + nc : 0);
  if (len > FUZZ_MAX_INPUT)
    return;
  uint8_t *s = malloc(len), *p = s;
  if (!s)
    abort();
  *p++ = (uint8_t)ctl;
  memcpy(p, a, na), p += na;
  if (b) {
    memcpy(p, SEP, SEP_LEN), p += SEP_LEN;
    memcpy(p, b, nb), p += nb;
  }
  if (c) {
    memcpy(p, SEP, SEP_LEN), p += SEP_LEN;
    memcpy(p, c, nc), p += nc;
  }
  cf_fuzz_add_seed(s, len);
  free(s);
}

#define HDR ".version 8.0\n.target sm_80\n.address_size 64\n"

static const char ptx_a[] =
  "// a\n" HDR
  ".file 1 \"a.cu\"\n"
  ".extern .func (.param .b32 r) add_k (.param .b32 x);\n"
  ".weak .func (.param .b32 r) wk ()\n{\n.reg .b32 %a;\nmov.u32 %a, 1;\n"
  "st.param.u32 [r], %a;\nret;\n}\n"
  ".extern .global .align 4 .u32 shared_v;\n"
  ".common .global .align 4 .u32 cm;\n"
  ".extern .shared .align 16 .b8 dyn[];\n"
  ".global .align 4 .u32 tbl[2] = {10, 20};\n"
  ".func (.param .b32 r) local_f (.param .b32 x)\n{\n.reg .b32 %a;\n"
  "ld.param.u32 %a, [x];\nadd.u32 %a, %a, 1;\nst.param.u32 [r], %a;\nret;\n}\n"
  ".visible .entry run (.param .u64 out)\n{\n.reg .b32 %t, %v;\n"
  ".reg .b64 %p;\n.loc 1 4 2\nmov.u32 %t, %tid.x;\n"
  "{\n.param .b32 a0;\n.param .b32 r0;\nst.param.b32 [a0], %t;\n"
  "call.uni (r0), add_k, (a0);\nld.param.b32 %v, [r0];\n}\n"
  "{\n.param .b32 a1;\n.param .b32 r1;\nst.param.b32 [a1], %v;\n"
  "call.uni (r1), local_f, (a1);\nld.param.b32 %v, [r1];\n}\n"
  "ld.global.u32 %t, [shared_v];\nld.global.u32 %t, [tbl+4];\n"
  "ld.param.u64 %p, [out];\nst.global.u32 [%p], %v;\nret;\n}\n";

static const char ptx_b[] =
  "/* b */\n.version 8.3\n.target sm_75, debug\n.address_size 64\n"
  ".visible .global .align 4 .u32 shared_v = 7;\n"
  ".common .global .align 4 .u32 cm;\n"
  ".global .align 4 .u32 tbl[2] = {1, 2};\n"
  ".func (.param .b32 r) local_f (.param .b32 x)\n{\nret;\n}\n"
  ".func (.param .b32 r) wk ()\n{\n.reg .b32 %a;\nmov.u32 %a, 2;\n"
  "st.param.u32 [r], %a;\nret;\n}\n"
  ".visible .func (.param .b32 r) add_k (.param .b32 x)\n{\n.reg .b32 %a;\n"
  "ld.param.u32 %a, [x];\nadd.u32 %a, %a, 3;\nst.param.u32 [r], %a;\nret;\n}\n";

static const char ptx_c[] =
  HDR ".extern .func (.param .b32 r) vprintf (.param .b64 f, .param .b64 a);\n"
  ".global .align 1 .b8 fmt[4] = {104, 105, 10, 0};\n"
  ".weak .func (.param .b32 r) wk ()\n{\nret;\n}\n"
  ".visible .entry other ()\n{\n.reg .b64 %f;\nmov.u64 %f, fmt;\n"
  "{\n.param .b64 p0;\n.param .b64 p1;\n.param .b32 r0;\n"
  "st.param.b64 [p0], %f;\nst.param.b64 [p1], 0;\n"
  "call.uni (r0), vprintf, (p0, p1);\n}\nret;\n}\n";

static const char ptx_dup[] =
  HDR ".visible .func (.param .b32 r) add_k (.param .b32 x)\n{\nret;\n}\n";

static const char ptx_undef[] =
  HDR ".extern .func missing ();\n.visible .entry u ()\n{\ncall.uni missing, ();"
  "\nret;\n}\n";

static void builtin_seeds(void)
{
  size_t a = strlen(ptx_a), b = strlen(ptx_b), c = strlen(ptx_c);
  add_seed3(0, ptx_a, a, ptx_b, b, NULL, 0);
  add_seed3(0x8, ptx_b, b, ptx_a, a, ptx_c, c);
  add_seed3(0x12, ptx_a, a, ptx_b, b, ptx_c, c);
  add_seed3(0, ptx_a, a, ptx_b, b, ptx_dup, strlen(ptx_dup));
  add_seed3(0, ptx_undef, strlen(ptx_undef), NULL, 0, NULL, 0);
  add_seed3(0, ptx_c, c, NULL, 0, NULL, 0);
  add_seed3(0, "", 0, NULL, 0, NULL, 0);
}

static int is_fatbin(const uint8_t *b, size_t n)
{
  return n >= 4 && b[0] == 0x50 && b[1] == 0xed && b[2] == 0x55 && b[3] == 0xba;
}

/* ---- Deterministic mutations ------------------------------------------- */

static const char *const dict[] = {
  ".extern", ".weak", ".common", ".visible", ".func", ".entry", ".global",
  ".shared", ".const", ".version 9.9", ".target sm_90", ".address_size 64",
  ".file", ".loc", "{", "}", "(", ")", "[", "]", ";", "=", ",", "\"", "/*",
  "*/", "//", "\n", SEP, "add_k", "wk", "shared_v", "cm", "tbl", "local_f",
  "vprintf", "dyn", "$cf1", "0", "9999999999", "sm_", "\\",
};

static size_t mutate(uint8_t *b, size_t len, size_t cap, const struct cf_fuzz_seed *s)
{
  (void)s;
  unsigned edits = 1 + cf_fuzz_rng() % 4;
  for (unsigned e = 0; e < edits; e++) {
    size_t at = len > 1 ? 1 + cf_fuzz_rng() % (len - 1) : len;
    switch (cf_fuzz_rng() % 6) {
    case 0:
      if (len)
        b[cf_fuzz_rng() % len] ^= (uint8_t)(1 + cf_fuzz_rng() % 255);
      break;
    case 1:                             /* delete a run */
      len = cf_fuzz_delete_run(b, len, at);
      break;
    case 2:                             /* duplicate a run */
      len = cf_fuzz_duplicate_run(b, len, cap, at);
      break;
    case 3:
      len = at;
      break;
    default: {                          /* insert a token */
      const char *w = dict[cf_fuzz_rng() % (sizeof dict / sizeof *dict)];
      len = cf_fuzz_insert(b, len, cap, at, w, strlen(w));
      break;
    }
    }
  }
  return len;
}

/* Plain files named on the command line are single inputs: each alone,
 * and every ordered pair (prepare). */
static struct cf_fuzz_seed raw[16];
static unsigned nraw;

static void plain_file(const uint8_t *b, size_t len)
{
  if (nraw == 16)
    return;
  raw[nraw].b = malloc(len ? len : 1);
  if (!raw[nraw].b)
    abort();
  memcpy(raw[nraw].b, b, len);
  raw[nraw++].len = len;
}

static void prepare(void)
{
  for (unsigned i = 0; i < nraw; i++) {
    unsigned ti = is_fatbin(raw[i].b, raw[i].len);
    add_seed3(ti, raw[i].b, raw[i].len, NULL, 0, NULL, 0);
    for (unsigned j = 0; j < nraw; j++)
      if (j != i)
        add_seed3(ti | is_fatbin(raw[j].b, raw[j].len) << 1, raw[i].b,
                  raw[i].len, raw[j].b, raw[j].len, NULL, 0);
  }
  for (unsigned i = 0; i < nraw; i++)
    free(raw[i].b);
}

static void summary(char *buf, size_t len)
{
  snprintf(buf, len, "%u inputs added, %u links", n_added, n_linked);
}

static const struct cf_fuzz_replay replay = {
  .name = "fuzz_link", .max_input = FUZZ_MAX_INPUT, .mutations = 1000,
  .cut_samples = 16, .builtin = builtin_seeds, .plain_file = plain_file,
  .prepare = prepare, .mutate = mutate, .quiet = 1, .summary = summary,
};

int main(int argc, char **argv)
{
  return cf_fuzz_replay_main(argc, argv, &replay);
}
#endif
