/* The module images a session has received, so that a client loading the
 * same image again names it by its SHA-256 instead of sending it (the
 * protocol is described in client/image.c).
 *
 * Where it lives: in the session's worker process, as a process-wide list
 * (a worker serves exactly one session), freed when the worker exits. It
 * is shared by every load of the session (modules and libraries, every
 * context). Across the sessions of one identity, images go through the
 * supervisor (image_share.c, image_store.c); an image fetched from there
 * lands here too.
 *
 * Trust: the key of an entry is the hash this file computes over the bytes
 * it is given; a client's claimed hash is only ever looked up. The bytes
 * kept passed cf__srv_image_ok and the driver loaded them, or came from
 * the supervisor's store and hashed to the name asked for.
 *
 * Bound: at most the cap in bytes of images (--image-cache, set with
 * cf__image_cache_configure; CF_IMAGE_CACHE_DEFAULT until then; 0 keeps
 * nothing), least recently used out first. Lookups walk the list: a session
 * loads tens to hundreds of images, each load costing far more than the
 * walk. Worker thread only. */
#include "internal.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"

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

void cf__image_cache_configure(uint64_t cap)
{
  C.configured = 1;
  C.cap = cap;
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
  int rc;

  if (!C.configured)
    cf__image_cache_configure(CF_IMAGE_CACHE_DEFAULT);
  memset(hash, 0, CF_IMAGE_HASH_BYTES);
  if (len > C.cap || len > SIZE_MAX - sizeof(struct image) - 1)
    return CF_ETOOBIG;
  if ((rc = cf__image_hash(b, len, hash)) != 0)
    return rc;
  return cf__image_cache_put_hashed(b, len, hash);
}

int cf__image_cache_put_hashed(const uint8_t *b, uint64_t len,
                               const uint8_t hash[static CF_IMAGE_HASH_BYTES])
{
  struct image *im;
  uint64_t got;

  if (!C.configured)
    cf__image_cache_configure(CF_IMAGE_CACHE_DEFAULT);
  if (len > C.cap || len > SIZE_MAX - sizeof *im - 1)
    return CF_ETOOBIG;
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
