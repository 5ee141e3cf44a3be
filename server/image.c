/* cuModuleLoadData and cuLibraryLoadData on the server: the image comes off
 * the network (or, named by its hash, from the images the session sent
 * before: image_cache.c, or that another session of its identity sent:
 * image_share.c), and the NVIDIA driver trusts the sizes inside
 * fatbin and ELF headers, so before the driver sees an image we check that
 * everything those headers describe lies inside the bytes the client sent.
 * PTX text needs no check: the frame layer NUL-terminates every bulk
 * payload (and image_cache.c keeps that NUL). A fatbin wrapper holds a
 * client pointer, meaningless here (the stub sends the container instead).
 * Worker thread only. */
#include "internal.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"

#define FATBIN_MAGIC 0xBA55ED50u
#define FATBIN_WRAPPER_MAGIC 0x466243b1u
#define FATBIN_HEADER_MIN 16u
#define FATBIN_ENTRY_MIN 0x40u

static uint64_t get_le(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* [off, off+len) lies inside [0, size). */
static int inside(uint64_t off, uint64_t len, uint64_t size)
{
  return off <= size && len <= size - off;
}

static int fatbin_ok(const uint8_t *b, uint64_t size)
{
  uint64_t hdr, body, at, end;

  if (size < FATBIN_HEADER_MIN)
    return 0;
  hdr = get_le(b + 6, 2);
  body = get_le(b + 8, 8);
  if (hdr < FATBIN_HEADER_MIN || !inside(hdr, body, size))
    return 0;
  /* every entry: header, then its payload, inside the container */
  for (at = hdr, end = hdr + body; at < end;) {
    uint64_t ehdr, payload;
    if (!inside(at, FATBIN_ENTRY_MIN, end))
      return 0;
    ehdr = get_le(b + at + 4, 4);
    payload = get_le(b + at + 8, 8);
    if (ehdr < FATBIN_ENTRY_MIN || !inside(at, ehdr, end) || !inside(at + ehdr, payload, end))
      return 0;
    at += ehdr + payload;
  }
  return 1;
}

static int elf_ok(const uint8_t *b, uint64_t size)
{
  Elf64_Ehdr eh;

  if (size < sizeof eh || b[EI_CLASS] != ELFCLASS64)
    return 0;
  memcpy(&eh, b, sizeof eh);
  if (eh.e_shnum && (eh.e_shentsize != sizeof(Elf64_Shdr) ||
                     !inside(eh.e_shoff, (uint64_t)eh.e_shnum * eh.e_shentsize, size)))
    return 0;
  if (eh.e_phnum && (eh.e_phentsize != sizeof(Elf64_Phdr) ||
                     !inside(eh.e_phoff, (uint64_t)eh.e_phnum * eh.e_phentsize, size)))
    return 0;
  for (unsigned i = 0; i < eh.e_shnum; i++) {
    Elf64_Shdr sh;
    memcpy(&sh, b + eh.e_shoff + (uint64_t)i * sizeof sh, sizeof sh);
    if (sh.sh_type != SHT_NOBITS && !inside(sh.sh_offset, sh.sh_size, size))
      return 0;
  }
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    Elf64_Phdr ph;
    memcpy(&ph, b + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
    if (!inside(ph.p_offset, ph.p_filesz, size))
      return 0;
  }
  return 1;
}

int cf__srv_image_ok(const uint8_t *b, uint64_t size)
{
  uint32_t magic;

  if (size < sizeof magic)
    return size > 0; /* short PTX text; the bulk is NUL-terminated */
  magic = (uint32_t)get_le(b, 4);
  if (magic == FATBIN_MAGIC)
    return fatbin_ok(b, size);
  if (magic == FATBIN_WRAPPER_MAGIC)
    return 0;
  if (size >= SELFMAG && !memcmp(b, ELFMAG, SELFMAG))
    return elf_ok(b, size);
  return 1;
}

/* The image a load names, into *img and *len: the request's bulk, or with
 * hex (a name; no bulk then) the image this session, or failing that
 * another session of its identity, sent before under that hash. CUDA_ERROR_NOT_FOUND asks the client for the bytes:
 * a driver load of no bytes cannot answer it. */
static CUresult image_of(struct cf_call *c, uint64_t size, const char *hex, const uint8_t **img,
                         uint64_t *len)
{
  uint8_t hash[CF_IMAGE_HASH_BYTES];

  *img = NULL;
  *len = 0;
  if (hex && *hex) {
    if (c->bulk_in_len || size || cf__image_hash_parse(hex, hash) != 0)
      return CUDA_ERROR_INVALID_VALUE;
    if (!(*img = cf__image_cache_get(hash, len))) {
      if (cf__image_share_fetch(hash) != 0 || !(*img = cf__image_cache_get(hash, len))) {
        cf_debug("image %s: not held, the client must send it", hex);
        return CUDA_ERROR_NOT_FOUND;
      }
      cf_debug("image %s: %" PRIu64 " bytes from this identity's other sessions", hex, *len);
      return CUDA_SUCCESS;
    }
    cf_debug("image %s: %" PRIu64 " bytes held, not sent again", hex, *len);
    return CUDA_SUCCESS;
  }
  if (c->bulk_in_len != size || !cf__srv_image_ok(c->bulk_in, c->bulk_in_len))
    return CUDA_ERROR_INVALID_IMAGE;
  *img = c->bulk_in;
  *len = c->bulk_in_len;
  return CUDA_SUCCESS;
}

/* The driver loaded the request's bulk: keep it for the session's next
 * loads of the same image, and offer it to the identity's later sessions.
 * Failing to keep it costs only a resend. */
static void keep(const struct cf_call *c)
{
  uint8_t hash[CF_IMAGE_HASH_BYTES];
  char hex[2 * CF_IMAGE_HASH_BYTES + 1];
  int rc = cf__image_cache_put(c->bulk_in, c->bulk_in_len, hash);

  cf__image_hash_hex(hash, hex);
  if (rc == 0)
    cf__image_share_offer(c->bulk_in, c->bulk_in_len, hash);
  if (rc == 0)
    cf_debug("image %s: %" PRIu64 " bytes received and kept", hex, c->bulk_in_len);
  else
    cf_debug("image %s: %" PRIu64 " bytes received, not kept: %s", rc == CF_ETOOBIG ? "-" : hex,
             c->bulk_in_len, cf_strerror(rc));
}

CUresult cf__srv_cuLibraryLoadData(struct cf_call *c, const CuLibraryLoadDataReq *req,
                                   CuLibraryLoadDataRep *rep)
{
  CUlibrary lib = NULL;
  const uint8_t *img;
  uint64_t len;
  CUresult r;

  if (!c->drv->cuLibraryLoadData)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = image_of(c, req->codesize, req->codehash, &img, &len)) != CUDA_SUCCESS)
    return r;
  if ((r = c->drv->cuLibraryLoadData(&lib, img, NULL, NULL, 0, NULL, NULL, 0)) != CUDA_SUCCESS)
    return r;
  rep->library = cf__handle_register_new(c, CF_HK_LIBRARY, lib, 0);
  if (!rep->library) {
    c->drv->cuLibraryUnload(lib);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  if (img == c->bulk_in)
    keep(c);
  return CUDA_SUCCESS;
}

CUresult cf__srv_cuModuleLoadData(struct cf_call *c, const CuModuleLoadDataReq *req,
                                  CuModuleLoadDataRep *rep)
{
  CUmodule mod = NULL;
  const uint8_t *img;
  uint64_t len;
  CUresult r;

  if (!c->drv->cuModuleLoadData)
    return CUDA_ERROR_NOT_SUPPORTED;
  if ((r = image_of(c, req->imagesize, req->imagehash, &img, &len)) != CUDA_SUCCESS)
    return r;
  if ((r = c->drv->cuModuleLoadData(&mod, img)) != CUDA_SUCCESS)
    return r;
  rep->module = cf__handle_register_new(c, CF_HK_MODULE, mod, 0);
  if (!rep->module) {
    c->drv->cuModuleUnload(mod);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  if (img == c->bulk_in)
    keep(c);
  return CUDA_SUCCESS;
}
