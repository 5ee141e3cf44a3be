/* Module and library images travel once per session.
 *
 * The design: the server keeps the images its session has received, keyed
 * by the SHA-256 it computes itself over the bytes (server/image_cache.c),
 * in the session's worker process, up to a cap, least recently used out
 * first. A load (cuModuleLoadData, op 70, or cuLibraryLoadData, op 120)
 * either carries the image's bytes, as before, or names the image by its
 * hash (imageHash / codeHash, 64 lowercase hex digits) with no bytes; the
 * server answers a named image it does not hold with CUDA_ERROR_NOT_FOUND,
 * which a load with no bytes cannot otherwise return, and the client then
 * sends the bytes. No new op and no extra round trip:
 *
 *  - this process keeps the hashes of the images it has sent with success
 *    (at most SENT_MAX, the oldest replaced first). One it has sent goes
 *    by name: one small round trip, and a second one with the bytes only
 *    when the server has evicted it (or the session is new: a forked
 *    child, say).
 *  - an image it has not sent goes with its bytes at once, unless the
 *    server offers CF_FEATURE_SHARED_IMAGES (it keeps images across the
 *    sessions of one identity: server/image_store.c) and the image is at
 *    least NAME_FIRST_MIN bytes: then it too goes by name first, as another
 *    process of the same identity may have sent it. A miss costs one small
 *    round trip, against sending the bytes again on a hit.
 *  - the server never trusts the name: it only ever looks up hashes it
 *    computed over bytes it received in the same session.
 *  - a server from before names takes a named load for an empty image and
 *    answers CUDA_ERROR_INVALID_IMAGE: the bytes go, and if they load,
 *    this process names no image again.
 *
 * Threads: the set of sent hashes has one mutex, not held during calls; two
 * threads loading the same new image at once both send its bytes. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "internal.h"

#define HASH_BYTES 32
#define HASH_HEX (2 * HASH_BYTES + 1)
#define SENT_MAX 512 /* hashes of images sent, kept per process */
#define NAME_FIRST_MIN (64u << 10)

static struct {
  pthread_mutex_t lock;
  uint8_t hashes[SENT_MAX][HASH_BYTES];
  size_t n, next; /* entries used; the one replaced next when full */
  int no_names;    /* the server does not know names */
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Index of hash in the set, or -1. Lock held. */
static long sent_find(const uint8_t hash[static HASH_BYTES])
{
  for (size_t i = 0; i < S.n; i++)
    if (!memcmp(S.hashes[i], hash, HASH_BYTES))
      return (long)i;
  return -1;
}

static int sent_has(const uint8_t hash[static HASH_BYTES])
{
  long i;

  pthread_mutex_lock(&S.lock);
  i = S.no_names ? -1 : sent_find(hash);
  pthread_mutex_unlock(&S.lock);
  return i >= 0;
}

/* The server holds hash (held) or does not; no_names: it knows no names. */
static void sent_note(const uint8_t hash[static HASH_BYTES], int held, int no_names)
{
  long i;

  pthread_mutex_lock(&S.lock);
  S.no_names |= no_names;
  i = sent_find(hash);
  if (held && i < 0) {
    i = (long)(S.n < SENT_MAX ? S.n++ : S.next);
    S.next = ((size_t)i + 1) % SENT_MAX;
    memcpy(S.hashes[i], hash, HASH_BYTES);
  } else if (!held && i >= 0) {
    memset(S.hashes[i], 0, HASH_BYTES); /* matches no SHA-256 one can find */
  }
  pthread_mutex_unlock(&S.lock);
}

/* The server may hold images other processes of this identity sent. */
static int server_shares_images(void)
{
  const CfWelcome *w = cf__session_welcome();
  int no_names;

  pthread_mutex_lock(&S.lock);
  no_names = S.no_names;
  pthread_mutex_unlock(&S.lock);
  return w && (w->features & CF_FEATURE_SHARED_IMAGES) && !no_names;
}

/* One forwarded load: by name (hex, b NULL) or with the bytes (hex ""). */
static CUresult load(CUmodule *module, CUlibrary *library, const uint8_t *b, size_t len,
                     const char *hex)
{
  if (module)
    return cf__rpc_cuModuleLoadData(module, b, len, hex);
  return cf__rpc_cuLibraryLoadData(library, b, len, hex);
}

CUresult cf__image_load(CUmodule *module, CUlibrary *library, const uint8_t *b, size_t len)
{
  uint8_t hash[HASH_BYTES];
  char hex[HASH_HEX];
  unsigned int hlen = 0;
  int old_server = 0;
  CUresult r;

  /* Without a hash (OpenSSL failing), the bytes go every time. */
  if (!EVP_Digest(b, len, hash, &hlen, EVP_sha256(), NULL) || hlen != HASH_BYTES)
    return load(module, library, b, len, "");
  for (size_t i = 0; i < HASH_BYTES; i++)
    snprintf(hex + 2 * i, 3, "%02x", hash[i]);
  if (sent_has(hash) || (len >= NAME_FIRST_MIN && server_shares_images())) {
    r = load(module, library, NULL, 0, hex);
    if (r != CUDA_ERROR_NOT_FOUND && r != CUDA_ERROR_INVALID_IMAGE)
      return r;
    sent_note(hash, 0, 0);
    old_server = r == CUDA_ERROR_INVALID_IMAGE;
  }
  r = load(module, library, b, len, "");
  if (r == CUDA_SUCCESS)
    sent_note(hash, 1, old_server);
  return r;
}
