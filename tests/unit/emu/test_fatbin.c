/* Unit tests for emu/fatbin.c through the module entry points: fatbin
 * containers (raw, zstd and lz4 PTX entries), the 24-byte wrapper, the
 * choice among several PTX entries, images holding only SASS or LTO-IR,
 * and truncated or corrupt containers, which must give
 * CUDA_ERROR_INVALID_IMAGE and never a crash.
 *
 *   test_emu_fatbin synthetic ARCH   containers built here from hand-written
 *                                    PTX; ARCH is the entry that the
 *                                    environment's CUFERRY_EMU_CC must pick
 *                                    from {52, 75, 90}
 *   test_emu_fatbin nvcc ARCH ZSTD LZ4 RAW TWO CUBIN SASS
 *                                    nvcc's output (see meson.build); ARCH is
 *                                    the entry to pick from TWO (75, 90)
 *   test_emu_fatbin nvcc-missing     exits 77 */
#include <fcntl.h>
#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "emu_test.h"

/* The scale kernel of fatbin_kernel.cu as nvcc -ptx writes it, with the
 * target and the stored __CUDA_ARCH__ left as %u. */
static const char scale_fmt[] =
  ".version 8.0\n"
  ".target sm_%u\n"
  ".address_size 64\n"
  ".visible .entry scale(\n"
  "\t.param .u64 scale_param_0,\n"
  "\t.param .f32 scale_param_1,\n"
  "\t.param .u32 scale_param_2,\n"
  "\t.param .u64 scale_param_3\n"
  ")\n"
  "{\n"
  "\t.reg .pred %%p<3>;\n"
  "\t.reg .f32 %%f<4>;\n"
  "\t.reg .b32 %%r<7>;\n"
  "\t.reg .b64 %%rd<7>;\n"
  "\tld.param.u64 %%rd1, [scale_param_0];\n"
  "\tld.param.f32 %%f1, [scale_param_1];\n"
  "\tld.param.u32 %%r2, [scale_param_2];\n"
  "\tld.param.u64 %%rd2, [scale_param_3];\n"
  "\tmov.u32 %%r3, %%ntid.x;\n"
  "\tmov.u32 %%r4, %%ctaid.x;\n"
  "\tmov.u32 %%r5, %%tid.x;\n"
  "\tmad.lo.s32 %%r1, %%r4, %%r3, %%r5;\n"
  "\tsetp.ge.s32 %%p1, %%r1, %%r2;\n"
  "\t@%%p1 bra $L__BB0_2;\n"
  "\tcvta.to.global.u64 %%rd3, %%rd1;\n"
  "\tmul.wide.s32 %%rd4, %%r1, 4;\n"
  "\tadd.s64 %%rd5, %%rd3, %%rd4;\n"
  "\tld.global.f32 %%f2, [%%rd5];\n"
  "\tfma.rn.f32 %%f3, %%f2, %%f1, 0f3F800000;\n"
  "\tst.global.f32 [%%rd5], %%f3;\n"
  "$L__BB0_2:\n"
  "\tsetp.ne.s32 %%p2, %%r1, 0;\n"
  "\t@%%p2 bra $L__BB0_4;\n"
  "\tcvta.to.global.u64 %%rd6, %%rd2;\n"
  "\tmov.u32 %%r6, %u;\n"
  "\tst.global.u32 [%%rd6], %%r6;\n"
  "$L__BB0_4:\n"
  "\tret;\n"
  "}\n";

/* ---- Building containers ------------------------------------------------ */

enum comp { RAW, ZSTD, LZ4 };

struct fatbin {
  uint8_t *b;
  size_t len;
};

static void put_le(uint8_t *p, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void fb_begin(struct fatbin *f)
{
  f->b = calloc(1, 16);
  ASSERT_NOT_NULL(f->b);
  f->len = 16;
  put_le(f->b, 0xBA55ED50u, 4);
  put_le(f->b + 4, 1, 2);
  put_le(f->b + 6, 16, 2);
}

/* Append an entry as nvcc lays it out: a 0x50-byte header, the payload
 * padded to 16 bytes. Returns the entry's offset. */
static size_t fb_add(struct fatbin *f, unsigned kind, unsigned arch,
                     const void *data, size_t len, enum comp comp)
{
  size_t cap = comp == RAW ? len : comp == ZSTD ? ZSTD_compressBound(len)
                                               : (size_t)LZ4_compressBound((int)len);
  uint8_t *payload = malloc(cap + 16);
  size_t plen = len, at = f->len;
  uint64_t flags = 0x11;
  ASSERT_NOT_NULL(payload);
  if (comp == RAW) {
    memcpy(payload, data, len);
  } else if (comp == ZSTD) {
    plen = ZSTD_compress(payload, cap, data, len, 3);
    ASSERT(!ZSTD_isError(plen));
    flags |= 0x8000;
  } else {
    int n = LZ4_compress_default(data, (char *)payload, (int)len, (int)cap);
    ASSERT(n > 0);
    plen = (size_t)n;
    flags |= 0x2000;
  }
  size_t padded = (plen + 15) & ~(size_t)15;
  f->b = realloc(f->b, f->len + 0x50 + padded);
  ASSERT_NOT_NULL(f->b);
  uint8_t *e = f->b + at;
  memset(e, 0, 0x50 + padded);
  put_le(e, kind, 2);
  put_le(e + 2, 0x101, 2);
  put_le(e + 4, 0x50, 4);
  put_le(e + 8, padded, 8);
  put_le(e + 0x10, comp == RAW ? 0 : plen, 4);
  put_le(e + 0x14, 0x40, 4);
  put_le(e + 0x18, 0, 2);
  put_le(e + 0x1a, 8, 2);
  put_le(e + 0x1c, arch, 4);
  put_le(e + 0x28, flags, 8);
  put_le(e + 0x38, comp == RAW ? 0 : len, 8);
  memcpy(e + 0x50, payload, plen);
  free(payload);
  f->len += 0x50 + padded;
  put_le(f->b + 8, f->len - 16, 8);
  return at;
}

static size_t fb_add_ptx(struct fatbin *f, unsigned arch, enum comp comp)
{
  char text[4096];
  int n = snprintf(text, sizeof text, scale_fmt, arch, arch * 10);
  ASSERT(n > 0 && (size_t)n < sizeof text);
  return fb_add(f, 1, arch, text, (size_t)n + 1, comp);
}

/* ---- Loading and running ------------------------------------------------ */

static char *capture_stderr(CUresult (*fn)(void *), void *arg, CUresult *r)
{
  char path[] = "/tmp/cf_emu_fatbin_XXXXXX";
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

static CUresult load_data(void *image)
{
  CUmodule m = NULL;
  CUresult r = cuModuleLoadData(&m, image);
  if (r == CUDA_SUCCESS)
    CU_OK(cuModuleUnload(m));
  return r;
}

/* Load quietly (corrupt images log a line each). */
static CUresult load_quiet(const void *image)
{
  CUresult r;
  free(capture_stderr(load_data, (void *)image, &r));
  return r;
}

/* Run scale over 100 floats; check them and return the arch it stored. */
static int run_scale(CUmodule m)
{
  enum { N = 100 };
  CUfunction f;
  CUdeviceptr x, arch;
  float h[N];
  int n = N, got = -1;
  float a = 3.0f;
  for (int i = 0; i < N; i++)
    h[i] = (float)i;
  CU_OK(cuModuleGetFunction(&f, m, "scale"));
  CU_OK(cuMemAlloc(&x, sizeof h));
  CU_OK(cuMemAlloc(&arch, sizeof got));
  CU_OK(cuMemcpyHtoD(x, h, sizeof h));
  CU_OK(cuMemsetD32(arch, 0, 1));
  void *args[] = { &x, &a, &n, &arch };
  CU_OK(cuLaunchKernel(f, 2, 1, 1, 64, 1, 1, 0, NULL, args, NULL));
  CU_OK(cuCtxSynchronize());
  CU_OK(cuMemcpyDtoH(h, x, sizeof h));
  CU_OK(cuMemcpyDtoH(&got, arch, sizeof got));
  for (int i = 0; i < N; i++)
    ASSERT_DBL_EQ(h[i], (float)i * 3.0f + 1.0f);
  CU_OK(cuMemFree(x));
  CU_OK(cuMemFree(arch));
  return got;
}

static char *write_temp(const void *b, size_t len)
{
  char *path = strdup("/tmp/cf_emu_fatbin_XXXXXX");
  int fd = mkstemp(path);
  ASSERT(fd >= 0);
  ASSERT_EQ(write(fd, b, len), (ssize_t)len);
  close(fd);
  return path;
}

/* Every way in: cuModuleLoadData, cuModuleLoadFatBinary, cuModuleLoadDataEx
 * with log options, the wrapper, and cuModuleLoad of a file. Each run must
 * store want. */
static void load_every_way(const uint8_t *image, size_t len, int want)
{
  CUmodule m;
  CU_OK(cuModuleLoadData(&m, image));
  ASSERT_EQ(run_scale(m), want);
  CU_OK(cuModuleUnload(m));

  CU_OK(cuModuleLoadFatBinary(&m, image));
  ASSERT_EQ(run_scale(m), want);
  CU_OK(cuModuleUnload(m));

  char elog[64] = "x", ilog[64] = "x";
  CUjit_option opts[] = { CU_JIT_ERROR_LOG_BUFFER,
                          CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                          CU_JIT_INFO_LOG_BUFFER,
                          CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                          CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_TARGET };
  void *vals[] = { elog, (void *)(uintptr_t)sizeof elog, ilog,
                   (void *)(uintptr_t)sizeof ilog, (void *)(uintptr_t)4,
                   (void *)(uintptr_t)CU_TARGET_COMPUTE_80 };
  CU_OK(cuModuleLoadDataEx(&m, image, 6, opts, vals));
  ASSERT_STR_EQ(elog, "");
  ASSERT_STR_EQ(ilog, "");
  ASSERT_EQ((uintptr_t)vals[3], 1);
  ASSERT_EQ(run_scale(m), want);
  CU_OK(cuModuleUnload(m));

  uint64_t wrapper[3] = { 0x466243B1u | (1ull << 32), (uintptr_t)image, 0 };
  CU_OK(cuModuleLoadData(&m, wrapper));
  ASSERT_EQ(run_scale(m), want);
  CU_OK(cuModuleUnload(m));
  CU_OK(cuModuleLoadFatBinary(&m, wrapper));
  CU_OK(cuModuleUnload(m));

  char *path = write_temp(image, len);
  CU_OK(cuModuleLoad(&m, path));
  ASSERT_EQ(run_scale(m), want);
  CU_OK(cuModuleUnload(m));
  unlink(path);
  free(path);
}

/* Only SASS (or LTO-IR): NO_BINARY_FOR_GPU and one line with the hint. */
static void expect_no_ptx(const void *image, const char *needle)
{
  CUresult r;
  char *log = capture_stderr(load_data, (void *)image, &r);
  CU_EXPECT(r, CUDA_ERROR_NO_BINARY_FOR_GPU);
  if (!strstr(log, needle))
    CF_FAIL_("log \"%s\" lacks \"%s\"", log, needle);
  ASSERT(strchr(log, '\n') == log + strlen(log) - 1);  /* one line */
  free(log);

  /* cuModuleLoadDataEx puts the same message in the error log. */
  char elog[512] = "";
  CUjit_option opts[] = { CU_JIT_ERROR_LOG_BUFFER,
                          CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
  void *vals[] = { elog, (void *)(uintptr_t)sizeof elog };
  CUmodule m;
  int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
  fflush(stderr);
  dup2(devnull, 2);
  r = cuModuleLoadDataEx(&m, image, 2, opts, vals);
  dup2(saved, 2);
  close(saved);
  close(devnull);
  CU_EXPECT(r, CUDA_ERROR_NO_BINARY_FOR_GPU);
  if (!strncmp(needle, "cuferry-emu: ", 13))  /* the log's tag only */
    needle += 13;
  if (!strstr(elog, needle))
    CF_FAIL_("error log \"%s\" lacks \"%s\"", elog, needle);
  ASSERT_EQ((uintptr_t)vals[1], strlen(elog) + 1);
}

/* ---- Corrupt containers ------------------------------------------------- */

static uint8_t *dup_image(const struct fatbin *f)
{
  uint8_t *b = malloc(f->len);
  ASSERT_NOT_NULL(b);
  memcpy(b, f->b, f->len);
  return b;
}

/* Set one field of a copy of f (at offset off, n bytes) and expect
 * INVALID_IMAGE from the no-length entry points. */
static void expect_bad_field(const struct fatbin *f, size_t off, int n,
                             uint64_t v)
{
  uint8_t *b = dup_image(f);
  put_le(b + off, v, n);
  CU_EXPECT(load_quiet(b), CUDA_ERROR_INVALID_IMAGE);
  free(b);
}

static void test_corrupt(enum comp comp)
{
  struct fatbin f;
  fb_begin(&f);
  size_t e = fb_add_ptx(&f, 80, comp);
  uint64_t csize = 0, usize = 0;
  memcpy(&csize, f.b + e + 0x10, 4);
  memcpy(&usize, f.b + e + 0x38, 8);

  CU_EXPECT(load_quiet(f.b), CUDA_SUCCESS);
  /* Container header: header size too small, entries size not covering an
   * entry header, entries size past the cap. */
  expect_bad_field(&f, 6, 2, 8);
  expect_bad_field(&f, 8, 8, 0x20);
  expect_bad_field(&f, 8, 8, 0);
  expect_bad_field(&f, 8, 8, 1ull << 40);
  /* Entry header size below 0x40 or past the end; payload past the end;
   * a size that wraps. */
  expect_bad_field(&f, e + 4, 4, 0x10);
  expect_bad_field(&f, e + 4, 4, 0xfffffff0u);
  expect_bad_field(&f, e + 8, 8, f.len);
  expect_bad_field(&f, e + 8, 8, UINT64_MAX - 0x40);
  if (comp == RAW) {
    /* Raw text with a control byte in it. */
    uint8_t *b = dup_image(&f);
    b[e + 0x50 + 20] = 0x01;
    CU_EXPECT(load_quiet(b), CUDA_ERROR_INVALID_IMAGE);
    free(b);
  } else {
    /* Compressed size past the payload; the uncompressed size lies (too
     * big, too small, zero, over the cap); unknown compression; garbled
     * compressed bytes. */
    uint64_t padded = 0;
    memcpy(&padded, f.b + e + 8, 8);
    expect_bad_field(&f, e + 0x10, 4, padded + 1);
    expect_bad_field(&f, e + 0x38, 8, usize + 1);
    expect_bad_field(&f, e + 0x38, 8, usize + 4096);
    expect_bad_field(&f, e + 0x38, 8, usize - 1);
    expect_bad_field(&f, e + 0x38, 8, 0);
    expect_bad_field(&f, e + 0x38, 8, 1ull << 40);
    expect_bad_field(&f, e + 0x38, 8, UINT64_MAX);
    expect_bad_field(&f, e + 0x28, 8, 0x11);
    expect_bad_field(&f, e + 0x10, 4, csize / 2);
    uint8_t *b = dup_image(&f);
    for (size_t i = 8; i < csize; i += 5)
      b[e + 0x50 + i] ^= 0x5a;
    CUresult r = load_quiet(b);
    if (r != CUDA_ERROR_INVALID_IMAGE && r != CUDA_ERROR_INVALID_PTX)
      CU_EXPECT(r, CUDA_ERROR_INVALID_IMAGE);
    free(b);
  }

  /* Every truncation of the file: cuModuleLoad knows the size. */
  for (size_t n = 0; n < f.len; n += n < 32 ? 1 : 7) {
    char *path = write_temp(f.b, n);
    CUmodule m;
    CUresult r;
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    fflush(stderr);
    dup2(devnull, 2);
    r = cuModuleLoad(&m, path);
    dup2(saved, 2);
    close(saved);
    close(devnull);
    /* Under four bytes there is no magic: then it is (bad) PTX text. */
    if (n < 4 && r == CUDA_ERROR_INVALID_PTX)
      r = CUDA_ERROR_INVALID_IMAGE;
    CU_EXPECT(r, CUDA_ERROR_INVALID_IMAGE);
    unlink(path);
    free(path);
  }

  /* Random damage inside the entries (the container header stays, so the
   * walk stays inside the buffer): never a crash, only clean answers. */
  srand(1234 + (unsigned)comp);
  for (int it = 0; it < 3000; it++) {
    uint8_t *b = dup_image(&f);
    int flips = 1 + rand() % 4;
    for (int k = 0; k < flips; k++) {
      size_t at = 16 + (size_t)rand() % (f.len - 16);
      b[at] = rand() % 3 ? (uint8_t)(b[at] ^ (1u << (rand() % 8)))
                         : (uint8_t)rand();
    }
    CUresult r = load_quiet(b);
    if (r != CUDA_SUCCESS && r != CUDA_ERROR_INVALID_IMAGE &&
        r != CUDA_ERROR_INVALID_PTX && r != CUDA_ERROR_NO_BINARY_FOR_GPU)
      CU_EXPECT(r, CUDA_ERROR_INVALID_IMAGE);
    free(b);
  }
  free(f.b);
}

/* ---- Synthetic containers ----------------------------------------------- */

static void test_synthetic(int want_arch)
{
  static const uint8_t sass[64] = "\177ELF fake cubin";
  for (int comp = RAW; comp <= LZ4; comp++) {
    struct fatbin f;
    fb_begin(&f);
    /* A cubin first, as nvcc orders them: it must be skipped. */
    fb_add(&f, 2, 80, sass, sizeof sass, RAW);
    fb_add_ptx(&f, 80, (enum comp)comp);
    load_every_way(f.b, f.len, 800);
    free(f.b);
  }

  /* Several PTX entries, unordered, mixed compression. */
  struct fatbin f;
  fb_begin(&f);
  fb_add_ptx(&f, 90, ZSTD);
  fb_add(&f, 2, 86, sass, sizeof sass, RAW);
  fb_add_ptx(&f, 52, LZ4);
  fb_add_ptx(&f, 75, RAW);
  load_every_way(f.b, f.len, want_arch * 10);
  free(f.b);

  /* Only SASS, only LTO-IR, a bare cubin, nothing at all. */
  fb_begin(&f);
  fb_add(&f, 2, 75, sass, sizeof sass, RAW);
  fb_add(&f, 2, 86, sass, sizeof sass, ZSTD);
  expect_no_ptx(f.b, "cuferry-emu: module image holds no PTX, only SASS for "
                "sm_86; rebuild with -gencode arch=compute_86,code=compute_86 "
                "so the emulator can run it");
  free(f.b);
  fb_begin(&f);
  fb_add(&f, 8, 90, sass, sizeof sass, RAW);
  expect_no_ptx(f.b, "holds no PTX, only LTO-IR for sm_90");
  free(f.b);
  fb_begin(&f);
  CU_EXPECT(load_quiet(f.b), CUDA_ERROR_INVALID_IMAGE);
  free(f.b);

  /* Wrappers: a NULL or non-fatbin pointer. */
  uint64_t wrapper[3] = { 0x466243B1u | (1ull << 32), 0, 0 };
  CU_EXPECT(load_quiet(wrapper), CUDA_ERROR_INVALID_IMAGE);
  wrapper[1] = (uintptr_t)"not a fatbin";
  CU_EXPECT(load_quiet(wrapper), CUDA_ERROR_INVALID_IMAGE);

  test_corrupt(RAW);
  test_corrupt(ZSTD);
  test_corrupt(LZ4);
}

/* ---- nvcc output -------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *len)
{
  FILE *fp = fopen(path, "rb");
  if (!fp)
    CF_FAIL_("cannot open %s", path);
  ASSERT(fseek(fp, 0, SEEK_END) == 0);
  long n = ftell(fp);
  ASSERT(n > 0);
  rewind(fp);
  uint8_t *b = malloc((size_t)n);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(fread(b, 1, (size_t)n, fp), (size_t)n);
  fclose(fp);
  *len = (size_t)n;
  return b;
}

static void test_nvcc(int want_arch, char **files)
{
  const char *hint = "cuferry-emu: module image holds no PTX, only SASS for "
                     "sm_80; rebuild with -gencode "
                     "arch=compute_80,code=compute_80 so the emulator can "
                     "run it";
  size_t len;
  for (int i = 0; i < 3; i++) {  /* zstd, lz4, raw */
    uint8_t *b = read_file(files[i], &len);
    load_every_way(b, len, 800);
    free(b);
  }
  uint8_t *two = read_file(files[3], &len);
  load_every_way(two, len, want_arch * 10);
  free(two);
  for (int i = 4; i < 6; i++) {  /* cubin, SASS-only fatbin */
    uint8_t *b = read_file(files[i], &len);
    expect_no_ptx(b, hint);
    free(b);
  }

  /* nvcc's default (zstd) fatbin, damaged. */
  uint8_t *b = read_file(files[0], &len);
  srand(99);
  for (int it = 0; it < 2000; it++) {
    uint8_t *c = malloc(len);
    ASSERT_NOT_NULL(c);
    memcpy(c, b, len);
    size_t at = 16 + (size_t)rand() % (len - 16);
    c[at] = (uint8_t)rand();
    CUresult r = load_quiet(c);
    if (r != CUDA_SUCCESS && r != CUDA_ERROR_INVALID_IMAGE &&
        r != CUDA_ERROR_INVALID_PTX && r != CUDA_ERROR_NO_BINARY_FOR_GPU)
      CU_EXPECT(r, CUDA_ERROR_INVALID_IMAGE);
    free(c);
  }
  free(b);
}

int main(int argc, char **argv)
{
  if (argc >= 2 && !strcmp(argv[1], "nvcc-missing")) {
    fprintf(stderr, "nvcc is missing: no fatbins were built\n");
    return CF_TEST_SKIP;
  }
  if (argc < 3)
    CF_FAIL_("usage: %s synthetic|nvcc ARCH [files]", argv[0]);
  emu_test_context();

  /* Loading mode: lazy unless CUDA_MODULE_LOADING=EAGER, as NVIDIA's. */
  CUmoduleLoadingMode mode;
  const char *lm = getenv("CUDA_MODULE_LOADING");
  CU_OK(cuModuleGetLoadingMode(&mode));
  ASSERT_EQ(mode, lm && !strcmp(lm, "EAGER") ? CU_MODULE_EAGER_LOADING
                                             : CU_MODULE_LAZY_LOADING);
  CU_EXPECT(cuModuleGetLoadingMode(NULL), CUDA_ERROR_INVALID_VALUE);

  int want = atoi(argv[2]);
  if (!strcmp(argv[1], "synthetic")) {
    test_synthetic(want);
  } else if (!strcmp(argv[1], "nvcc") && argc == 9) {
    test_nvcc(want, argv + 3);
  } else {
    CF_FAIL_("bad arguments (%d)", argc);
  }
  return 0;
}
