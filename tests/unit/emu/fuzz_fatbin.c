/* Fuzz target for module images (emu/fatbin.c, then the PTX front end and
 * module.c): whatever bytes arrive, the emulator must return an error or a
 * module, never crash, read outside the image or leak.
 *
 * Each input goes through two paths:
 *  - known length: cf__emu_image_ptx(data, size) on an exact-size copy (the
 *    cuLinkAddData path); a success must name non-empty text inside the
 *    image or in its own allocation, and that text is then handed to
 *    cf_ptx_module_load;
 *  - no length: cuModuleLoadData on a copy followed by 64 zero bytes. The
 *    API has no size, so the caller promises a NUL after PTX text, a whole
 *    ELF header, and a container as long as its header says; the harness
 *    keeps that promise by clamping the header's body size, and points a
 *    fatbin wrapper (which holds a pointer) at the bytes after it.
 * The emulated compute capability is taken from the last byte, so entry
 * selection sees several devices.
 *
 * Built with -DCF_FUZZ_LIBFUZZER -fsanitize=fuzzer it is a libFuzzer target;
 * otherwise main() (cf_fuzz_replay.h) runs built-in synthetic containers,
 * every file named on the command line (folders: every file in them) and a
 * bounded number of deterministic mutations of each. Under meson it is the `emu-fuzz-fatbin` test.
 *
 * fatbin.c is linked in from the library's objects (its functions are
 * hidden in libcuferry-emu.so); it reads the configured compute capability
 * from cf__emu_g, which for this copy is the one defined below. */
#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "cf_fuzz_replay.h"
#include "internal.h"

struct cf_emu_global cf__emu_g;

#define FATBIN_MAGIC 0xBA55ED50u
#define WRAPPER_MAGIC 0x466243B1u
#define PAD 64u

static unsigned n_text, n_loaded;   /* successes, for main's summary */

static void fail(const char *what, CUresult r)
{
  char line[256];
  int n = snprintf(line, sizeof line, "fuzz_fatbin: invariant failed: %s "
                   "(CUresult %d)\n", what, (int)r);
  if (n > 0 && write(cf_fuzz_report_fd, line, (size_t)n) < 0)
    abort();
  abort();
}

static uint64_t get_le(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
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

/* Make the container at c (avail readable bytes) keep the no-length
 * contract: its header and body lie inside avail. 0 when it cannot. */
static int clamp_container(uint8_t *c, size_t avail)
{
  if (avail < 16)
    return 0;
  uint64_t hdr = get_le(c + 6, 2), body = get_le(c + 8, 8);
  if (hdr > avail)
    return 0;
  if (body > avail - hdr)
    put_le(c + 8, avail - hdr, 8);
  return 1;
}

/* A wrapper's pointer aims at the bytes after its 24-byte header. 0 when
 * there is no room for a container there. */
static int aim_wrapper(uint8_t *b, size_t avail)
{
  if (avail < 24 + 16)
    return 0;
  const void *p = b + 24;
  memcpy(b + 8, &p, sizeof p);
  return get_le(b + 24, 4) != FATBIN_MAGIC || clamp_container(b + 24,
                                                              avail - 24);
}

static void known_length(const uint8_t *data, size_t size)
{
  struct cf_emu_ptx_text t;
  char err[200];
  uint8_t *img = malloc(size);   /* exact size: the sanitizer sees overreads */
  if (!img)
    abort();
  memcpy(img, data, size);
  if (size >= 4 && get_le(img, 4) == WRAPPER_MAGIC && !aim_wrapper(img, size)) {
    free(img);
    return;
  }
  memset(err, 'x', sizeof err);
  CUresult r = cf__emu_image_ptx(img, size, "fuzz image", &t, err, sizeof err);
  if (!memchr(err, '\0', sizeof err))
    fail("err is NUL-terminated", r);
  if (r == CUDA_SUCCESS) {
    if (t.len == 0 || !t.text)
      fail("success gives text", r);
    if (t.owned) {
      if (t.text != t.owned || strlen(t.owned) != t.len)
        fail("owned text is what was returned", r);
    } else if (size >= 4 && get_le(img, 4) == WRAPPER_MAGIC) {
      if ((const uint8_t *)t.text < img + 24 ||
          t.len > (size_t)(img + size - (const uint8_t *)t.text))
        fail("wrapped text lies inside the container", r);
    } else if ((const uint8_t *)t.text < img ||
               t.len > (size_t)(img + size - (const uint8_t *)t.text)) {
      fail("text lies inside the image", r);
    }
    n_text++;
    for (size_t i = 0; i < t.len; i++)
      if (t.text[i] == '\0')
        fail("text holds no NUL", r);
    struct cf_ptx_module *m = NULL;
    char perr[128];
    if (cf_ptx_module_load(t.text, t.len, &m, perr, sizeof perr) == 0)
      cf_ptx_module_free(m);
    cf__emu_ptx_text_free(&t);
    if (t.text || t.owned || t.len)
      fail("text_free clears", r);
  } else if (r != CUDA_ERROR_INVALID_IMAGE &&
             r != CUDA_ERROR_NO_BINARY_FOR_GPU &&
             r != CUDA_ERROR_OUT_OF_MEMORY) {
    fail("known-length result is an image error", r);
  } else if (t.owned) {
    fail("failure leaves nothing allocated", r);
  }
  free(img);
}

static void no_length(const uint8_t *data, size_t size)
{
  uint8_t *img = calloc(1, size + PAD);
  CUmodule m = NULL;
  if (!img)
    abort();
  memcpy(img, data, size);
  uint32_t magic = size >= 4 ? (uint32_t)get_le(img, 4) : 0;
  if ((magic == WRAPPER_MAGIC && !aim_wrapper(img, size + PAD)) ||
      (magic == FATBIN_MAGIC && !clamp_container(img, size + PAD))) {
    free(img);
    return;
  }
  CUresult r = cuModuleLoadData(&m, img);
  if (r == CUDA_SUCCESS) {
    if (!m)
      fail("success gives a module", r);
    n_loaded++;
    r = cuModuleUnload(m);
    if (r != CUDA_SUCCESS)
      fail("a loaded module unloads", r);
  } else if (m) {
    fail("failure gives no module", r);
  } else if (r != CUDA_ERROR_INVALID_IMAGE && r != CUDA_ERROR_INVALID_PTX &&
             r != CUDA_ERROR_NO_BINARY_FOR_GPU &&
             r != CUDA_ERROR_OUT_OF_MEMORY && r != CUDA_ERROR_NOT_SUPPORTED) {
    fail("cuModuleLoadData result is a load error", r);
  }
  free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const int cc[4][2] = { { 8, 0 }, { 9, 0 }, { 5, 2 }, { 7, 5 } };
  emu_init();
  if (size > (1u << 20))
    return 0;
  int k = size ? data[size - 1] & 3 : 0;
  cf__emu_g.cfg.cc_major = cc[k][0];
  cf__emu_g.cfg.cc_minor = cc[k][1];
  if (size)
    known_length(data, size);
  no_length(data, size);
  return 0;
}

#ifndef CF_FUZZ_LIBFUZZER

/* ---- Seeds ------------------------------------------------------------- */

#define FUZZ_MAX_INPUT (256u * 1024)

struct buf {
  uint8_t *b;
  size_t len;
};

#define add_seed cf_fuzz_add_seed

static const char ptx_text[] =
  ".version 8.0\n.target sm_%u\n.address_size 64\n"
  ".global .align 4 .u32 g[2] = {1, 2};\n"
  ".visible .entry k(.param .u64 p)\n{\n.reg .b32 %%r<3>;\n.reg .b64 %%rd<3>;\n"
  "ld.param.u64 %%rd1, [p];\ncvta.to.global.u64 %%rd2, %%rd1;\n"
  "mov.u32 %%r1, %%tid.x;\nst.global.u32 [%%rd2], %%r1;\nret;\n}\n";

static void fb_begin(struct buf *f)
{
  f->b = calloc(1, 16);
  if (!f->b)
    abort();
  f->len = 16;
  put_le(f->b, FATBIN_MAGIC, 4);
  put_le(f->b + 4, 1, 2);
  put_le(f->b + 6, 16, 2);
}

/* An entry as nvcc lays it out: a 0x50-byte header, the payload padded to
 * 16 bytes. comp: 0 raw, 1 zstd, 2 lz4. */
static void fb_add(struct buf *f, unsigned kind, unsigned arch, int comp)
{
  char text[1024];
  int len = snprintf(text, sizeof text, ptx_text, arch);
  size_t cap = (size_t)len + 1024, plen = (size_t)len + 1;
  uint8_t *payload = malloc(cap);
  uint64_t flags = 0x11;
  if (!payload)
    abort();
  if (comp == 0) {
    memcpy(payload, text, plen);
  } else if (comp == 1) {
    plen = ZSTD_compress(payload, cap, text, (size_t)len, 3);
    if (ZSTD_isError(plen))
      abort();
    flags |= 0x8000;
  } else {
    plen = (size_t)LZ4_compress_default(text, (char *)payload, len, (int)cap);
    flags |= 0x2000;
  }
  size_t padded = (plen + 15) & ~(size_t)15, at = f->len;
  f->b = realloc(f->b, f->len + 0x50 + padded);
  if (!f->b)
    abort();
  uint8_t *e = f->b + at;
  memset(e, 0, 0x50 + padded);
  put_le(e, kind, 2);
  put_le(e + 2, 0x101, 2);
  put_le(e + 4, 0x50, 4);
  put_le(e + 8, padded, 8);
  put_le(e + 0x10, comp ? plen : 0, 4);
  put_le(e + 0x14, 0x40, 4);
  put_le(e + 0x1a, 8, 2);
  put_le(e + 0x1c, arch, 4);
  put_le(e + 0x28, flags, 8);
  put_le(e + 0x38, comp ? (uint64_t)len : 0, 8);
  memcpy(e + 0x50, payload, plen);
  free(payload);
  f->len += 0x50 + padded;
  put_le(f->b + 8, f->len - 16, 8);
}

static void synthetic_seeds(void)
{
  struct buf f;
  for (int comp = 0; comp < 3; comp++) {
    fb_begin(&f);
    fb_add(&f, 1, 80, comp);
    add_seed(f.b, f.len);
    free(f.b);
  }
  fb_begin(&f);                       /* several arches, SASS and LTO-IR */
  fb_add(&f, 2, 80, 0);
  fb_add(&f, 1, 52, 2);
  fb_add(&f, 1, 90, 1);
  fb_add(&f, 8, 75, 0);
  fb_add(&f, 1, 75, 0);
  add_seed(f.b, f.len);
  /* ... behind a 24-byte wrapper (its pointer is set by the harness) */
  uint8_t *w = calloc(1, 24 + f.len);
  if (!w)
    abort();
  put_le(w, WRAPPER_MAGIC, 4);
  put_le(w + 4, 1, 4);
  memcpy(w + 24, f.b, f.len);
  add_seed(w, 24 + f.len);
  free(w);
  free(f.b);
  fb_begin(&f);                       /* SASS only */
  fb_add(&f, 2, 86, 0);
  add_seed(f.b, f.len);
  free(f.b);
  uint8_t elf[64] = "\177ELF\2\1\1\x41";
  put_le(elf + 48, 90u << 8, 4);
  add_seed(elf, sizeof elf);
  char text[1024];
  int n = snprintf(text, sizeof text, ptx_text, 80u);
  add_seed(text, (size_t)n);
}

/* Values that break size fields: 0, small, large, near 2^32 and 2^64. */
static const uint64_t magic_values[] = {
  0, 1, 0xf, 0x10, 0x40, 0x50, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff,
  0x80000000u, 0xffffffffu, 0x100000000ull, 0x10000000u, 0x10000001u,
  0x7fffffffffffffffull, 0xffffffffffffffffull, 0xfffffffffffffff0ull,
  FATBIN_MAGIC, WRAPPER_MAGIC, 0x8011, 0x2011, 0xa011,
};

static void summary(char *buf, size_t len)
{
  snprintf(buf, len, "%u gave PTX text, %u loaded", n_text, n_loaded);
}

static const struct cf_fuzz_replay replay = {
  .name = "fuzz_fatbin", .max_input = FUZZ_MAX_INPUT, .mutations = 2000,
  .cut_dense = 0x100, .cut_samples = 64,
  .values = magic_values, .n_values = sizeof magic_values / sizeof *magic_values,
  .builtin = synthetic_seeds, .quiet = 1, .summary = summary,
};

int main(int argc, char **argv)
{
  return cf_fuzz_replay_main(argc, argv, &replay);
}
#endif
