/* Unit tests for emu/link.c: cuLinkCreate/AddData/AddFile/Complete/Destroy
 * over hand-written PTX (extern functions and variables across inputs, weak
 * definitions, file-local names that clash, the log buffers, refused input
 * types, unresolved and duplicate symbols, damaged inputs), and over nvcc
 * -rdc output of link_a.cu and link_b.cu as PTX and as a fatbin.
 *
 *   test_emu_link                     hand-written PTX only
 *   test_emu_link A.ptx B.ptx B.fatbin  also nvcc's output
 *   test_emu_link nvcc-missing        exits 77 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_test.h"

#define HDR ".version 8.0\n.target sm_80\n.address_size 64\n"

/* run(out): out[tid] = local_f(add_k(tid)) + tbl[1] + shared_v + wk(),
 * with local_f and tbl file-local here and in P2 too. */
static const char p1[] =
  "// input 1\n" HDR
  ".extern .func (.param .b32 r) add_k (.param .b32 x);\n"
  ".extern .func (.param .b32 r) wk ();\n"
  ".extern .global .align 4 .u32 shared_v;\n"
  ".global .align 4 .u32 tbl[2] = {10, 20};\n"
  ".func (.param .b32 r) local_f (.param .b32 x)\n"
  "{\n"
  "  .reg .b32 %a;\n"
  "  ld.param.u32 %a, [x];\n"
  "  add.u32 %a, %a, 1;\n"
  "  st.param.u32 [r], %a;\n"
  "  ret;\n"
  "}\n"
  ".visible .entry run (.param .u64 out)\n"
  "{\n"
  "  .reg .b32 %t, %v, %w;\n"
  "  .reg .b64 %p, %q;\n"
  "  mov.u32 %t, %tid.x;\n"
  "  {\n"
  "  .param .b32 a0;\n"
  "  .param .b32 r0;\n"
  "  st.param.b32 [a0], %t;\n"
  "  call.uni (r0), add_k, (a0);\n"
  "  ld.param.b32 %v, [r0];\n"
  "  }\n"
  "  {\n"
  "  .param .b32 a1;\n"
  "  .param .b32 r1;\n"
  "  st.param.b32 [a1], %v;\n"
  "  call.uni (r1), local_f, (a1);\n"
  "  ld.param.b32 %v, [r1];\n"
  "  }\n"
  "  {\n"
  "  .param .b32 r2;\n"
  "  call.uni (r2), wk, ();\n"
  "  ld.param.b32 %w, [r2];\n"
  "  }\n"
  "  add.u32 %v, %v, %w;\n"
  "  ld.global.u32 %w, [tbl+4];\n"
  "  add.u32 %v, %v, %w;\n"
  "  ld.global.u32 %w, [shared_v];\n"
  "  add.u32 %v, %v, %w;\n"
  "  ld.param.u64 %p, [out];\n"
  "  cvta.to.global.u64 %p, %p;\n"
  "  mul.wide.u32 %q, %t, 4;\n"
  "  add.s64 %p, %p, %q;\n"
  "  st.global.u32 [%p], %v;\n"
  "  ret;\n"
  "}\n";

/* add_k(x) = local_f(x) * 2 with this input's local_f(x) = x + 100; the
 * definition of shared_v; a weak wk returning 1. A higher .version. */
static const char p2[] =
  ".version 8.5\n.target sm_80\n.address_size 64\n"
  ".global .align 4 .u32 tbl[2] = {1, 2};\n"
  ".visible .global .align 4 .u32 shared_v = 1000;\n"
  ".func (.param .b32 r) local_f (.param .b32 x);\n"
  ".visible .func (.param .b32 r) add_k (.param .b32 x)\n"
  "{\n"
  "  .reg .b32 %a;\n"
  "  ld.param.u32 %a, [x];\n"
  "  {\n"
  "  .param .b32 a0;\n"
  "  .param .b32 r0;\n"
  "  st.param.b32 [a0], %a;\n"
  "  call.uni (r0), local_f, (a0);\n"
  "  ld.param.b32 %a, [r0];\n"
  "  }\n"
  "  shl.b32 %a, %a, 1;\n"
  "  st.param.u32 [r], %a;\n"
  "  ret;\n"
  "}\n"
  ".func (.param .b32 r) local_f (.param .b32 x)\n"
  "{\n"
  "  .reg .b32 %a;\n"
  "  ld.param.u32 %a, [x];\n"
  "  add.u32 %a, %a, 100;\n"
  "  st.param.u32 [r], %a;\n"
  "  ret;\n"
  "}\n"
  ".weak .func (.param .b32 r) wk ()\n"
  "{\n"
  "  st.param.u32 [r], 1;\n"
  "  ret;\n"
  "}\n";

/* wk again: weak (5) and strong (7). */
static const char p3_weak[] =
  HDR ".weak .func (.param .b32 r) wk ()\n"
  "{\n  st.param.u32 [r], 5;\n  ret;\n}\n";
static const char p3_strong[] =
  HDR ".visible .func (.param .b32 r) wk ()\n"
  "{\n  st.param.u32 [r], 7;\n  ret;\n}\n";

/* The dynamic shared area, declared in two inputs. */
static const char p_dyn[] =
  HDR ".extern .shared .align 4 .b8 dyn[];\n";

/* A second definition of shared_v. */
static const char p_dup[] =
  HDR ".visible .global .align 4 .u32 shared_v = 5;\n";

/* An unknown instruction on line 7 of its input. */
static const char p_bad[] =
  HDR "\n.visible .func g ()\n{\n  bogus.op;\n  ret;\n}\n";

static CUmodule link_load(CUjit_option *opts, void **vals, unsigned nopts,
                          const char *const *inputs, unsigned n,
                          CUresult *rc)
{
  CUlinkState ls;
  void *image = NULL;
  size_t size = 0;
  CUmodule m = NULL;
  CU_OK(cuLinkCreate(nopts, opts, vals, &ls));
  for (unsigned i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "p%u", i + 1);
    CU_OK(cuLinkAddData(ls, CU_JIT_INPUT_PTX, (void *)inputs[i],
                        strlen(inputs[i]) + 1, name, 0, NULL, NULL));
  }
  *rc = cuLinkComplete(ls, &image, &size);
  if (*rc == CUDA_SUCCESS) {
    ASSERT_NOT_NULL(image);
    ASSERT_EQ(size, strlen(image) + 1);
    CU_OK(cuModuleLoadData(&m, image));
  }
  CU_OK(cuLinkDestroy(ls));
  return m;
}

static void check_run(CUmodule m, unsigned wk)
{
  enum { N = 64 };
  CUfunction f;
  CUdeviceptr out;
  uint32_t h[N];
  CU_OK(cuModuleGetFunction(&f, m, "run"));
  CU_OK(cuMemAlloc(&out, sizeof h));
  void *args[] = { &out };
  CU_OK(cuLaunchKernel(f, 1, 1, 1, N, 1, 1, 0, NULL, args, NULL));
  CU_OK(cuCtxSynchronize());
  CU_OK(cuMemcpyDtoH(h, out, sizeof h));
  for (unsigned t = 0; t < N; t++)
    ASSERT_EQ(h[t], (t + 100) * 2 + 1 + 20 + 1000 + wk);
  CU_OK(cuMemFree(out));
}

/* Run fn with stderr captured; returns what it printed. */
static char *quietly(CUresult (*fn)(void *), void *arg, CUresult *r)
{
  char path[] = "/tmp/cf_emu_link_XXXXXX";
  int fd = mkstemp(path), saved = dup(2);
  ASSERT(fd >= 0 && saved >= 0);
  fflush(stderr);
  dup2(fd, 2);
  *r = fn(arg);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char *out = calloc(1, 4096);
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, out, 4095);
  ASSERT(n >= 0);
  close(fd);
  unlink(path);
  return out;
}

struct fail_case {
  const char *const *inputs;
  unsigned n;
  char elog[1024];
};

static CUresult link_case(void *arg)
{
  struct fail_case *c = arg;
  CUjit_option opts[] = { CU_JIT_ERROR_LOG_BUFFER,
                          CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
  void *vals[] = { c->elog, (void *)(uintptr_t)sizeof c->elog };
  CUresult r;
  CUmodule m = link_load(opts, vals, 2, c->inputs, c->n, &r);
  ASSERT_NULL(m);
  ASSERT_EQ((uintptr_t)vals[1], strlen(c->elog) + 1);
  return r;
}

static void expect_link_error(const char *const *inputs, unsigned n,
                              const char *needle)
{
  struct fail_case c = { inputs, n, "" };
  CUresult r;
  char *log = quietly(link_case, &c, &r);
  CU_EXPECT(r, CUDA_ERROR_INVALID_PTX);
  if (!strstr(c.elog, needle))
    CF_FAIL_("error log \"%s\" lacks \"%s\"", c.elog, needle);
  if (!strstr(log, needle))
    CF_FAIL_("stderr \"%s\" lacks \"%s\"", log, needle);
  free(log);
}

static CUresult add_cubin(void *arg)
{
  static const char elf[64] = "\177ELF\2\1\1";
  return cuLinkAddData(arg, CU_JIT_INPUT_CUBIN, (void *)elf, sizeof elf,
                       "k.cubin", 0, NULL, NULL);
}

static CUresult add_nvvm(void *arg)
{
  return cuLinkAddData(arg, CU_JIT_INPUT_NVVM, (void *)"BC", 2, NULL, 0,
                       NULL, NULL);
}

static void test_handwritten(void)
{
  CUresult r;
  CUmodule m;

  /* Extern function and variable across inputs, clashing file-local
   * names, the first weak definition of wk, .extern .shared twice; the info
   * log when verbose. */
  char ilog[256] = "x", elog[64] = "x";
  CUjit_option opts[] = { CU_JIT_INFO_LOG_BUFFER,
                          CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                          CU_JIT_ERROR_LOG_BUFFER,
                          CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                          CU_JIT_LOG_VERBOSE, CU_JIT_OPTIMIZATION_LEVEL,
                          CU_JIT_WALL_TIME };
  void *vals[] = { ilog, (void *)(uintptr_t)sizeof ilog, elog,
                   (void *)(uintptr_t)sizeof elog, (void *)(uintptr_t)1,
                   (void *)(uintptr_t)3, NULL };
  const char *const in3[] = { p1, p_dyn, p2, p3_weak, p_dyn };
  m = link_load(opts, vals, 7, in3, 5, &r);
  CU_OK(r);
  ASSERT_STR_EQ(elog, "");
  ASSERT_NOT_NULL(strstr(ilog, "cuferry-emu"));
  ASSERT_EQ((uintptr_t)vals[1], strlen(ilog) + 1);
  check_run(m, 1);
  /* tbl keeps its name in the first input, whose module variable it is. */
  CUdeviceptr tbl;
  size_t tbl_size;
  uint32_t tv[2];
  CU_OK(cuModuleGetGlobal(&tbl, &tbl_size, m, "tbl"));
  ASSERT_EQ(tbl_size, 8);
  CU_OK(cuMemcpyDtoH(tv, tbl, sizeof tv));
  ASSERT_EQ(tv[1], 20);
  CU_OK(cuModuleUnload(m));

  /* A strong wk beats the weak one, in either order. */
  const char *const in4[] = { p1, p2, p3_strong };
  m = link_load(NULL, NULL, 0, in4, 3, &r);
  CU_OK(r);
  check_run(m, 7);
  CU_OK(cuModuleUnload(m));
  const char *const in4b[] = { p3_strong, p2, p1 };
  m = link_load(NULL, NULL, 0, in4b, 3, &r);
  CU_OK(r);
  check_run(m, 7);
  CU_OK(cuModuleUnload(m));

  /* Definitions before their uses: shared_v's declaration goes away. */
  const char *const rev[] = { p2, p1 };
  m = link_load(NULL, NULL, 0, rev, 2, &r);
  CU_OK(r);
  check_run(m, 1);
  CU_OK(cuModuleUnload(m));

  /* Unresolved, duplicate, and a front-end error mapped to its input. */
  const char *const only1[] = { p1 };
  expect_link_error(only1, 1, "undefined reference to 'add_k'");
  const char *const no_wk[] = { p1, p2 + 0, p_dup };
  expect_link_error(no_wk, 3, "multiple definitions of 'shared_v' (in p2 "
                    "and p3)");
  const char *const twice[] = { p1, p2, p3_strong, p3_strong };
  expect_link_error(twice, 4, "multiple definitions of 'wk'");
  const char *const bad[] = { p1, p2, p_bad };
  expect_link_error(bad, 3, "p3: line 7");

  /* Refused input types: NOT_SUPPORTED and a line naming the type. */
  CUlinkState ls;
  char elog2[256] = "";
  CUjit_option eo[] = { CU_JIT_ERROR_LOG_BUFFER,
                        CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
  void *ev[] = { elog2, (void *)(uintptr_t)sizeof elog2 };
  CU_OK(cuLinkCreate(2, eo, ev, &ls));
  char *log = quietly(add_cubin, ls, &r);
  CU_EXPECT(r, CUDA_ERROR_NOT_SUPPORTED);
  ASSERT_NOT_NULL(strstr(log, "CU_JIT_INPUT_CUBIN"));
  ASSERT_NOT_NULL(strstr(elog2, "CU_JIT_INPUT_CUBIN"));
  free(log);
  log = quietly(add_nvvm, ls, &r);
  CU_EXPECT(r, CUDA_ERROR_NOT_SUPPORTED);
  ASSERT_NOT_NULL(strstr(log, "CU_JIT_INPUT_NVVM"));
  free(log);
  CU_EXPECT(cuLinkAddData(ls, CU_JIT_INPUT_PTX, NULL, 4, NULL, 0, NULL, NULL),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuLinkAddData(ls, (CUjitInputType)99, (void *)p1, sizeof p1,
                          NULL, 0, NULL, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuLinkAddFile(ls, CU_JIT_INPUT_PTX, "/nonexistent/x.ptx", 0,
                          NULL, NULL), CUDA_ERROR_FILE_NOT_FOUND);
  void *img;
  size_t sz;
  CU_EXPECT(cuLinkComplete(ls, &img, &sz), CUDA_ERROR_INVALID_VALUE);
  /* A PTX input given without its NUL is fine: size bounds it. */
  CU_OK(cuLinkAddData(ls, CU_JIT_INPUT_PTX, (void *)p3_strong,
                      strlen(p3_strong), NULL, 0, NULL, NULL));
  CU_OK(cuLinkComplete(ls, &img, &sz));
  void *img2;
  CU_OK(cuLinkComplete(ls, &img2, NULL));
  ASSERT(img2 == img);
  CU_EXPECT(cuLinkAddData(ls, CU_JIT_INPUT_PTX, (void *)p1, sizeof p1, NULL,
                          0, NULL, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuLinkDestroy(ls));
  CU_EXPECT(cuLinkDestroy(ls), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuLinkComplete(NULL, &img, &sz), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuLinkCreate(0, NULL, NULL, NULL), CUDA_ERROR_INVALID_VALUE);
}

/* Damaged inputs: the linker scans untrusted text too. Any answer but a
 * crash will do; what links must also load. */
static CUresult link_damaged(void *arg)
{
  (void)arg;
  char *a = strdup(p1), *b = strdup(p2);
  ASSERT(a && b);
  for (int k = 0, n = 1 + rand() % 6; k < n; k++) {
    char *t = rand() % 2 ? a : b;
    size_t len = strlen(t);
    static const char pool[] = "{}();=.,[]\"/*\n $%ab0";
    t[(size_t)rand() % len] = rand() % 2 ? pool[rand() % (sizeof pool - 1)]
                                         : (char)(1 + rand() % 255);
  }
  CUlinkState ls;
  void *image;
  size_t size;
  CU_OK(cuLinkCreate(0, NULL, NULL, &ls));
  CUresult r = cuLinkAddData(ls, CU_JIT_INPUT_PTX, a, strlen(a) + 1, "a", 0,
                             NULL, NULL);
  if (r == CUDA_SUCCESS)
    r = cuLinkAddData(ls, CU_JIT_INPUT_PTX, b, strlen(b) + 1, "b", 0, NULL,
                      NULL);
  if (r == CUDA_SUCCESS)
    r = cuLinkComplete(ls, &image, &size);
  if (r == CUDA_SUCCESS) {
    CUmodule m;
    r = cuModuleLoadData(&m, image);
    if (r == CUDA_SUCCESS)
      CU_OK(cuModuleUnload(m));
  }
  CU_OK(cuLinkDestroy(ls));
  free(a);
  free(b);
  return r;
}

static void test_damaged(void)
{
  srand(4321);
  for (int it = 0; it < 2000; it++) {
    CUresult r;
    free(quietly(link_damaged, NULL, &r));
    if (r != CUDA_SUCCESS && r != CUDA_ERROR_INVALID_PTX &&
        r != CUDA_ERROR_INVALID_IMAGE)
      CU_EXPECT(r, CUDA_ERROR_INVALID_PTX);
  }
}

/* ---- nvcc -rdc output --------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
  FILE *fp = fopen(path, "rb");
  if (!fp)
    CF_FAIL_("cannot open %s", path);
  ASSERT(fseek(fp, 0, SEEK_END) == 0);
  long n = ftell(fp);
  ASSERT(n > 0);
  rewind(fp);
  char *b = calloc(1, (size_t)n + 1);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(fread(b, 1, (size_t)n, fp), (size_t)n);
  fclose(fp);
  *len = (size_t)n;
  return b;
}

static void run_apply(CUmodule m)
{
  enum { N = 300 };
  CUfunction f;
  CUdeviceptr x;
  float h[N];
  int n = N;
  for (int i = 0; i < N; i++)
    h[i] = (float)i * 0.25f;
  CU_OK(cuModuleGetFunction(&f, m, "apply"));
  CU_OK(cuMemAlloc(&x, sizeof h));
  CU_OK(cuMemcpyHtoD(x, h, sizeof h));
  void *args[] = { &x, &n };
  CU_OK(cuLaunchKernel(f, 3, 1, 1, 128, 1, 1, 0, NULL, args, NULL));
  CU_OK(cuCtxSynchronize());
  CU_OK(cuMemcpyDtoH(h, x, sizeof h));
  for (int i = 0; i < N; i++)
    ASSERT_DBL_EQ(h[i], (float)i * 0.25f * 2.0f + (float)i + 0.5f);
  CU_OK(cuMemFree(x));
}

static void test_nvcc(const char *a_ptx, const char *b_ptx,
                      const char *b_fatbin)
{
  size_t alen, blen, flen;
  char *a = read_file(a_ptx, &alen), *b = read_file(b_ptx, &blen);
  char *fb = read_file(b_fatbin, &flen);
  CUlinkState ls;
  void *image;
  size_t size;
  CUmodule m;
  CUresult r;

  /* Two PTX inputs from memory, in both orders, loaded both ways. */
  for (int order = 0; order < 2; order++) {
    CU_OK(cuLinkCreate(0, NULL, NULL, &ls));
    CU_OK(cuLinkAddData(ls, CU_JIT_INPUT_PTX, order ? b : a,
                        (order ? blen : alen) + 1, order ? "b" : "a", 0,
                        NULL, NULL));
    CU_OK(cuLinkAddData(ls, CU_JIT_INPUT_PTX, order ? a : b,
                        (order ? alen : blen) + 1, order ? "a" : "b", 0,
                        NULL, NULL));
    CU_OK(cuLinkComplete(ls, &image, &size));
    CU_OK(cuModuleLoadData(&m, image));
    run_apply(m);
    CU_OK(cuModuleUnload(m));
    CU_OK(cuModuleLoadDataEx(&m, image, 0, NULL, NULL));
    run_apply(m);
    CU_OK(cuModuleUnload(m));
    CU_OK(cuLinkDestroy(ls));
  }

  /* From files, the second half as a fatbin (its best PTX entry). */
  CU_OK(cuLinkCreate(0, NULL, NULL, &ls));
  CU_OK(cuLinkAddFile(ls, CU_JIT_INPUT_PTX, a_ptx, 0, NULL, NULL));
  CU_OK(cuLinkAddFile(ls, CU_JIT_INPUT_FATBINARY, b_fatbin, 0, NULL, NULL));
  CU_OK(cuLinkComplete(ls, &image, &size));
  CU_OK(cuModuleLoadData(&m, image));
  run_apply(m);
  CU_OK(cuModuleUnload(m));
  CU_OK(cuLinkDestroy(ls));

  /* The fatbin from memory, and a truncated copy of it. */
  CU_OK(cuLinkCreate(0, NULL, NULL, &ls));
  CU_OK(cuLinkAddData(ls, CU_JIT_INPUT_FATBINARY, fb, flen, "b.fatbin", 0,
                      NULL, NULL));
  int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
  fflush(stderr);
  dup2(devnull, 2);
  r = cuLinkAddData(ls, CU_JIT_INPUT_FATBINARY, fb, flen - 9, "cut", 0, NULL,
                    NULL);
  dup2(saved, 2);
  close(saved);
  close(devnull);
  CU_EXPECT(r, CUDA_ERROR_INVALID_IMAGE);
  CU_OK(cuLinkAddData(ls, CU_JIT_INPUT_PTX, a, alen, "a", 0, NULL, NULL));
  CU_OK(cuLinkComplete(ls, &image, &size));
  CU_OK(cuModuleLoadData(&m, image));
  run_apply(m);
  CU_OK(cuModuleUnload(m));
  CU_OK(cuLinkDestroy(ls));

  /* a alone: twice_plus and bias are unresolved. */
  const char *const only_a[] = { a };
  expect_link_error(only_a, 1, "undefined reference to '");
  /* b twice: duplicate definitions. */
  const char *const ab_b[] = { a, b, b };
  expect_link_error(ab_b, 3, "multiple definitions of '");
  free(a);
  free(b);
  free(fb);
}

int main(int argc, char **argv)
{
  if (argc >= 2 && !strcmp(argv[1], "nvcc-missing")) {
    fprintf(stderr, "nvcc is missing: the -rdc inputs were not built\n");
    return CF_TEST_SKIP;
  }
  emu_test_context();
  if (argc == 1) {
    test_handwritten();
    test_damaged();
  }
  else if (argc == 4)
    test_nvcc(argv[1], argv[2], argv[3]);
  else
    CF_FAIL_("usage: %s [A.ptx B.ptx B.fatbin | nvcc-missing]", argv[0]);
  return 0;
}
