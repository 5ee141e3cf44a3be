/* The module images a session has received, so that a client loading the
 * same image again names it by its SHA-256 instead of sending it (the
 * protocol is described in client/image.c).
 *
 * Where it lives: in the session's worker process, as a process-wide list
 * (a worker serves exactly one session), freed when the worker exits. So
 * an image is shared by every load of the session (modules and libraries,
 * every context) but never across sessions, not even of one identity:
 * workers are separate processes, and sharing would need storage outside
 * them that one identity's worker cannot read for another's (the workers
 * all run as the one --user), re-hashed on every read. Not done yet.
 *
 * Trust: the key of an entry is the hash this file computes over the bytes
 * the client sent; a client's claimed hash is only ever looked up. The
 * bytes kept passed cf__srv_image_ok and the driver loaded them.
 *
 * Bound: at most the cap in bytes of images (CUFERRY_IMAGE_CACHE in the
 * worker's environment: bytes, with an optional K, M or G suffix; default
 * CF_IMAGE_CACHE_DEFAULT; 0 keeps nothing), least recently used out first.
 * Lookups walk the list: a session loads tens to hundreds of images, each
 * load costing far more than the walk. Worker thread only. */
#include "internal.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"

struct image {
  struct image *prev, *next; /* most recently used first */
  uint8_t hash[CF_IMAGE_HASH_BYTES];
  uint64_t len;
  uint8_t bytes[]; /* len bytes and a NUL, as the frame layer pads a bulk */
};

static struct {
  int configured;
  uint64_t cap, used;
  struct image *head, *tail;
} C;

/* The cap from the environment, once. A bad value keeps the default, with
 * a warning naming it. */
static void configure(void)
{
  const char *s = getenv("CUFERRY_IMAGE_CACHE");
  uint64_t v = 0, mul = 1;
  const char *p = s;

  if (C.configured)
    return;
  C.configured = 1;
  C.cap = CF_IMAGE_CACHE_DEFAULT;
  if (!s || !*s)
    return;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (UINT64_MAX - 9) / 10)
      break;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  switch (*p) {
  case 'K': case 'k': mul = (uint64_t)1 << 10; p++; break;
  case 'M': case 'm': mul = (uint64_t)1 << 20; p++; break;
  case 'G': case 'g': mul = (uint64_t)1 << 30; p++; break;
  default: break;
  }
  if (p == s || *p || v > UINT64_MAX / mul) {
    cf_warn("CUFERRY_IMAGE_CACHE: \"%s\" is not a size (bytes, with an optional K, M or G "
            "suffix); keeping %" PRIu64 " bytes", s, C.cap);
    return;
  }
  C.cap = v * mul;
}

static void unlink_image(struct image *im)
{
  if (im->prev)
    im->prev->next = im->next;
  else
    C.head = im->next;
  if (im->next)
    im->next->prev = im->prev;
  else
    C.tail = im->prev;
  im->prev = im->next = NULL;
}

static void push_front(struct image *im)
{
  im->prev = NULL;
  im->next = C.head;
  if (C.head)
    C.head->prev = im;
  C.head = im;
  if (!C.tail)
    C.tail = im;
}

int cf__image_hash(const uint8_t *b, uint64_t len, uint8_t hash[static CF_IMAGE_HASH_BYTES])
{
  unsigned int n = 0;

  if (len > SIZE_MAX || !EVP_Digest(b, (size_t)len, hash, &n, EVP_sha256(), NULL) ||
      n != CF_IMAGE_HASH_BYTES)
    return CF_EIO;
  return 0;
}

int cf__image_hash_parse(const char *hex, uint8_t hash[static CF_IMAGE_HASH_BYTES])
{
  memset(hash, 0, CF_IMAGE_HASH_BYTES);
  if (strlen(hex) != 2 * CF_IMAGE_HASH_BYTES)
    return CF_EINVAL;
  for (size_t i = 0; i < 2 * CF_IMAGE_HASH_BYTES; i++) {
    int d = hex[i] >= '0' && hex[i] <= '9' ? hex[i] - '0'
          : hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 'a' + 10 : -1;
    if (d < 0) {
      memset(hash, 0, CF_IMAGE_HASH_BYTES);
      return CF_EINVAL;
    }
    hash[i / 2] = (uint8_t)(hash[i / 2] << 4 | d);
  }
  return 0;
}

void cf__image_hash_hex(const uint8_t hash[static CF_IMAGE_HASH_BYTES],
                        char hex[static 2 * CF_IMAGE_HASH_BYTES + 1])
{
  static const char digits[] = "0123456789abcdef";

  for (size_t i = 0; i < CF_IMAGE_HASH_BYTES; i++) {
    hex[2 * i] = digits[hash[i] >> 4];
    hex[2 * i + 1] = digits[hash[i] & 15];
  }
  hex[2 * CF_IMAGE_HASH_BYTES] = '\0';
}

const uint8_t *cf__image_cache_get(const uint8_t hash[static CF_IMAGE_HASH_BYTES], uint64_t *len)
{
  *len = 0;
  for (struct image *im = C.head; im; im = im->next)
    if (!memcmp(im->hash, hash, CF_IMAGE_HASH_BYTES)) {
      unlink_image(im);
      push_front(im);
      *len = im->len;
      return im->bytes;
    }
  return NULL;
}

int cf__image_cache_put(const uint8_t *b, uint64_t len, uint8_t hash[static CF_IMAGE_HASH_BYTES])
{
  struct image *im;
  uint64_t got;
  int rc;

  configure();
  memset(hash, 0, CF_IMAGE_HASH_BYTES);
  if (len > C.cap || len > SIZE_MAX - sizeof *im - 1)
    return CF_ETOOBIG;
  if ((rc = cf__image_hash(b, len, hash)) != 0)
    return rc;
  if (cf__image_cache_get(hash, &got))
    return 0; /* held already (and now the most recent) */
  while (C.tail && C.cap - C.used < len) {
    struct image *old = C.tail;

    unlink_image(old);
    C.used -= old->len;
    free(old);
  }
  if (!(im = malloc(sizeof *im + (size_t)len + 1)))
    return CF_ENOMEM;
  memcpy(im->hash, hash, CF_IMAGE_HASH_BYTES);
  memcpy(im->bytes, b, (size_t)len);
  im->bytes[len] = '\0';
  im->len = len;
  push_front(im);
  C.used += len;
  return 0;
}

uint64_t cf__image_cache_used(void)
{
  return C.used;
}
