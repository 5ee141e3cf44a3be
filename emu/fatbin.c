/* Module images: working out what an image handed to cuModuleLoad* or
 * cuLinkAdd* is (PTX text, a fatbin container, the 24-byte fatbin wrapper
 * cudart registers, an ELF cubin) and producing the PTX text the emulator
 * runs. From a container it picks the PTX entry that suits the emulated
 * device and decompresses it (zstd frame or raw LZ4 block, as nvcc 13 writes
 * them). Parsing the PTX is left to emu/ptx/, loading it to module.c.
 *
 * Images are untrusted: they may come off the network through cuferryd. The
 * server checks a container against the bytes the client sent, but we do not
 * rely on that. When the caller knows the image's size every offset is
 * checked against it; cuModuleLoadData and cuModuleLoadFatBinary carry no
 * size, so a container is walked from its own header and never read past
 * header size + entries size. Every size read from the image is checked
 * before it is used to size an allocation or to read (MAX_IMAGE_BYTES caps
 * all of them). A wrapper holds a pointer, which is only meaningful to a
 * program running the emulator in-process; cuferryd refuses wrappers before
 * they reach us.
 *
 * No global state, no lock needed except to read the configured compute
 * capability (set once at cuInit). Results are owned by the caller. */
#include "internal.h"

#include <limits.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "cf_log.h"

#define FATBIN_MAGIC         0xBA55ED50u
#define FATBIN_WRAPPER_MAGIC 0x466243B1u
#define FATBIN_HEADER_MIN    16u
#define FATBIN_ENTRY_MIN     0x40u
#define WRAPPER_BYTES        24u
#define ELF_MAGIC            0x464C457Fu  /* "\177ELF" read little-endian */
#define ELF_HEADER_BYTES     64u

#define ENTRY_PTX     1u
#define ENTRY_ELF     2u
#define ENTRY_LTOIR   8u

#define FLAG_LZ4      0x2000u
#define FLAG_ZSTD     0x8000u

/* Entries looked at per container; nvcc writes one or two per arch. */
#define MAX_ENTRIES   4096u

static uint64_t get_le(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* [off, off+len) lies inside [0, size), written so nothing can overflow. */
static int inside(uint64_t off, uint64_t len, uint64_t size)
{
  return off <= size && len <= size - off;
}

/* Read the first four bytes, stopping at a NUL: a short PTX string must not
 * be read past its end. None of the magics has a zero byte. */
static uint32_t read_magic(const uint8_t *b, size_t size)
{
  uint8_t head[4] = { 0 };
  for (size_t i = 0; i < 4 && (size == 0 || i < size) && (i == 0 || head[i - 1]);
       i++)
    head[i] = b[i];
  return (uint32_t)get_le(head, 4);
}

static CUresult bad_image(char *err, size_t errlen, const char *what,
                          const char *why)
{
  snprintf(err, errlen, "%s: %s", what, why);
  return CUDA_ERROR_INVALID_IMAGE;
}

/* PTX text must be text: a stray control byte means a binary image we did
 * not recognise, and the front end would only report it as a syntax error. */
static CUresult check_text(const char *text, size_t len, const char *what,
                           char *err, size_t errlen)
{
  if (len == 0)
    return bad_image(err, errlen, what, "empty image");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
        c != '\v') {
      snprintf(err, errlen, "%s: not PTX text (byte 0x%02x at offset %zu)",
               what, c, i);
      return CUDA_ERROR_INVALID_IMAGE;
    }
  }
  return CUDA_SUCCESS;
}

/* The "<what> holds no PTX" message, naming what the image does hold. */
static CUresult no_ptx(char *err, size_t errlen, const char *what,
                       const char *kind, unsigned arch)
{
  if (arch)
    snprintf(err, errlen, "%s holds no PTX, only %s for sm_%u; rebuild with "
             "-gencode arch=compute_%u,code=compute_%u so the emulator can "
             "run it", what, kind, arch, arch, arch);
  else
    snprintf(err, errlen, "%s holds no PTX, only %s; rebuild with -gencode "
             "arch=compute_XX,code=compute_XX so the emulator can run it",
             what, kind);
  cf_error("%s", err);
  return CUDA_ERROR_NO_BINARY_FOR_GPU;
}

/* An ELF cubin keeps its SM in e_flags: bits 8-15 from the CUDA 12.8 ABI
 * (OSABI 0x41), bits 0-7 before. */
static unsigned elf_arch(const uint8_t *b, size_t size)
{
  if (size != 0 && size < ELF_HEADER_BYTES)
    return 0;
  uint32_t flags = (uint32_t)get_le(b + 48, 4);
  return b[7] == 0x41 ? (flags >> 8) & 0xff : flags & 0xff;
}

struct entry {
  uint64_t at;       /* offset of the entry header in the container */
  uint64_t hdr;      /* header size; the payload follows */
  uint64_t payload;  /* padded payload size */
  uint32_t csize;    /* compressed size, 0 when stored raw */
  uint64_t flags;
  uint64_t usize;    /* uncompressed size */
  unsigned kind;
  unsigned arch;
};

static void read_entry(const uint8_t *c, uint64_t at, struct entry *e)
{
  const uint8_t *p = c + at;
  e->at = at;
  e->kind = (unsigned)get_le(p, 2);
  e->hdr = get_le(p + 4, 4);
  e->payload = get_le(p + 8, 8);
  e->csize = (uint32_t)get_le(p + 0x10, 4);
  e->arch = (unsigned)get_le(p + 0x1c, 4);
  e->flags = get_le(p + 0x28, 8);
  e->usize = get_le(p + 0x38, 8);
}

/* Decompress or copy out one PTX entry (already bounds-checked against the
 * container) as NUL-terminated text. */
static CUresult entry_text(const uint8_t *c, const struct entry *e,
                           const char *what, struct cf_emu_ptx_text *out,
                           char *err, size_t errlen)
{
  const uint8_t *src = c + e->at + e->hdr;
  char *buf;

  if (e->csize == 0) {
    /* Stored raw: text up to its NUL inside the padded payload. */
    const char *text = (const char *)src;
    out->text = text;
    out->len = strnlen(text, (size_t)e->payload);
    return check_text(out->text, out->len, what, err, errlen);
  }
  if (e->csize > e->payload)
    return bad_image(err, errlen, what, "compressed entry larger than its "
                     "payload");
  if (e->usize == 0 || e->usize > CF_EMU_MAX_IMAGE_BYTES)
    return bad_image(err, errlen, what, "compressed entry with a bad "
                     "uncompressed size");
  if (!(buf = malloc((size_t)e->usize + 1)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (e->flags & FLAG_ZSTD) {
    size_t n = ZSTD_decompress(buf, (size_t)e->usize, src, e->csize);
    if (ZSTD_isError(n) || n != e->usize) {
      free(buf);
      return bad_image(err, errlen, what, "corrupt zstd entry");
    }
  } else if (e->flags & FLAG_LZ4) {
    /* Both sizes are below MAX_IMAGE_BYTES, so they fit an int. */
    int n = LZ4_decompress_safe((const char *)src, buf, (int)e->csize,
                                (int)e->usize);
    if (n < 0 || (uint64_t)n != e->usize) {
      free(buf);
      return bad_image(err, errlen, what, "corrupt lz4 entry");
    }
  } else {
    free(buf);
    return bad_image(err, errlen, what, "compressed entry of unknown kind");
  }
  buf[e->usize] = '\0';
  out->owned = buf;
  out->text = buf;
  out->len = strlen(buf);
  CUresult r = check_text(out->text, out->len, what, err, errlen);
  if (r != CUDA_SUCCESS)
    cf__emu_ptx_text_free(out);
  return r;
}

/* The emulated device as an sm number (8.0 -> 80). */
static unsigned device_arch(void)
{
  return (unsigned)(cf__emu_g.cfg.cc_major * 10 + cf__emu_g.cfg.cc_minor);
}

CUresult cf__emu_fatbin_ptx(const void *image, size_t size, const char *what,
                            struct cf_emu_ptx_text *out, char *err,
                            size_t errlen)
{
  const uint8_t *c = image;
  uint64_t hdr, body, end, at;
  struct entry best = { 0 }, other = { 0 };
  unsigned want = device_arch(), n = 0, other_kinds = 0;
  int have_best = 0;

  if (size != 0 && size < FATBIN_HEADER_MIN)
    return bad_image(err, errlen, what, "truncated fatbin header");
  hdr = get_le(c + 6, 2);
  body = get_le(c + 8, 8);
  if (hdr < FATBIN_HEADER_MIN || body > CF_EMU_MAX_IMAGE_BYTES)
    return bad_image(err, errlen, what, "bad fatbin header");
  end = hdr + body;
  if (size != 0 && end > size)
    return bad_image(err, errlen, what, "fatbin larger than the image");
  for (at = hdr; at < end; n++) {
    struct entry e;
    if (n == MAX_ENTRIES)
      return bad_image(err, errlen, what, "too many fatbin entries");
    if (!inside(at, FATBIN_ENTRY_MIN, end))
      return bad_image(err, errlen, what, "truncated fatbin entry");
    read_entry(c, at, &e);
    if (e.hdr < FATBIN_ENTRY_MIN || !inside(at, e.hdr, end) ||
        !inside(at + e.hdr, e.payload, end))
      return bad_image(err, errlen, what, "fatbin entry out of bounds");
    if (e.kind == ENTRY_PTX) {
      /* Highest arch the device runs, else the lowest there is. */
      int fits = e.arch <= want, best_fits = have_best && best.arch <= want;
      if (!have_best || (fits && (!best_fits || e.arch > best.arch)) ||
          (!fits && !best_fits && e.arch < best.arch))
        best = e, have_best = 1;
    } else {
      other_kinds |= e.kind == ENTRY_ELF ? 1u : e.kind == ENTRY_LTOIR ? 2u : 0u;
      if (e.kind == ENTRY_ELF || e.kind == ENTRY_LTOIR)
        if (!other.kind || e.arch > other.arch)
          other = e;
    }
    at += e.hdr + e.payload;
  }
  if (!have_best) {
    if (!other_kinds)
      return bad_image(err, errlen, what, "empty fatbin");
    return no_ptx(err, errlen, what,
                  other_kinds == 1 ? "SASS" : other_kinds == 2
                                                  ? "LTO-IR"
                                                  : "SASS and LTO-IR",
                  other.arch);
  }
  return entry_text(c, &best, what, out, err, errlen);
}

CUresult cf__emu_image_ptx(const void *image, size_t size, const char *what,
                           struct cf_emu_ptx_text *out, char *err,
                           size_t errlen)
{
  const uint8_t *b = image;
  uint32_t magic;

  memset(out, 0, sizeof *out);
  if (errlen)
    err[0] = '\0';
  if (!image)
    return CUDA_ERROR_INVALID_VALUE;
  if (size > CF_EMU_MAX_IMAGE_BYTES)
    return bad_image(err, errlen, what, "oversized image");
  magic = read_magic(b, size);
  if (magic == FATBIN_WRAPPER_MAGIC) {
    const void *container;
    if (size != 0 && size < WRAPPER_BYTES)
      return bad_image(err, errlen, what, "truncated fatbin wrapper");
    memcpy(&container, b + 8, sizeof container);
    if (!container)
      return bad_image(err, errlen, what, "fatbin wrapper without a fatbin");
    if (read_magic(container, 0) != FATBIN_MAGIC)
      return bad_image(err, errlen, what, "fatbin wrapper points at no fatbin");
    /* The container's size is its own header's to tell. */
    return cf__emu_fatbin_ptx(container, 0, what, out, err, errlen);
  }
  if (magic == FATBIN_MAGIC)
    return cf__emu_fatbin_ptx(image, size, what, out, err, errlen);
  if (magic == ELF_MAGIC)
    return no_ptx(err, errlen, what, "SASS", elf_arch(b, size));
  out->text = image;
  out->len = strnlen(image, size ? size : CF_EMU_MAX_IMAGE_BYTES);
  if (out->len == CF_EMU_MAX_IMAGE_BYTES)
    return bad_image(err, errlen, what, "oversized image");
  return check_text(out->text, out->len, what, err, errlen);
}

void cf__emu_ptx_text_free(struct cf_emu_ptx_text *t)
{
  free(t->owned);
  memset(t, 0, sizeof *t);
}
