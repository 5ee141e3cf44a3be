/* The session's module images (server/image_cache.c): keys are the SHA-256
 * the cache computes itself (the known vector of "abc"), lookups give the
 * bytes back NUL-terminated, an image over the cap is not kept, the least
 * recently used image goes first (a lookup counts as a use), and hex names
 * parse only as 64 lowercase hex digits. The cap is set here before the
 * first use, as the worker sets --image-cache. */
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_test.h"
#include "internal.h"

static const char abc_hex[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void fill(uint8_t *b, size_t n, uint8_t v)
{
  memset(b, v, n);
}

int main(void)
{
  static uint8_t a[400], b[400], c[400], big[1200];
  uint8_t ha[CF_IMAGE_HASH_BYTES], hb[CF_IMAGE_HASH_BYTES], hc[CF_IMAGE_HASH_BYTES],
      h[CF_IMAGE_HASH_BYTES];
  char hex[2 * CF_IMAGE_HASH_BYTES + 1];
  const uint8_t *got;
  uint64_t len;

  cf__image_cache_configure(1024);

  /* The hash is SHA-256, printed and parsed as lowercase hex. */
  ASSERT_EQ(cf__image_hash((const uint8_t *)"abc", 3, h), 0);
  cf__image_hash_hex(h, hex);
  ASSERT_STR_EQ(hex, abc_hex);
  ASSERT_EQ(cf__image_hash_parse(abc_hex, ha), 0);
  ASSERT_MEM_EQ(ha, h, sizeof h);
  ASSERT_EQ(cf__image_hash_parse("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
                                 ha), CF_EINVAL);
  ASSERT_EQ(cf__image_hash_parse("ba7816", ha), CF_EINVAL);
  ASSERT_EQ(cf__image_hash_parse("", ha), CF_EINVAL);
  ASSERT_EQ(cf__image_hash_parse("ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                                 ha), CF_EINVAL);

  /* Keep, find under the hash computed here, NUL after the bytes. */
  fill(a, sizeof a, 'a');
  fill(b, sizeof b, 'b');
  fill(c, sizeof c, 'c');
  ASSERT_EQ(cf__image_cache_put(a, sizeof a, ha), 0);
  ASSERT_EQ(cf__image_hash(a, sizeof a, h), 0);
  ASSERT_MEM_EQ(ha, h, sizeof h);
  ASSERT_NOT_NULL(got = cf__image_cache_get(ha, &len));
  ASSERT_UEQ(len, sizeof a);
  ASSERT_MEM_EQ(got, a, sizeof a);
  ASSERT_EQ(got[len], 0);
  ASSERT_EQ(cf__image_cache_put(a, sizeof a, h), 0); /* again: held once */
  ASSERT_UEQ(cf__image_cache_used(), sizeof a);

  /* Same size, other bytes: another image. */
  ASSERT_EQ(cf__image_cache_put(b, sizeof b, hb), 0);
  ASSERT(memcmp(ha, hb, sizeof ha) != 0);
  ASSERT_NOT_NULL(got = cf__image_cache_get(hb, &len));
  ASSERT_MEM_EQ(got, b, sizeof b);
  ASSERT_UEQ(cf__image_cache_used(), 2 * sizeof a);

  /* Over the cap: not kept, nothing evicted. */
  fill(big, sizeof big, 'z');
  ASSERT_EQ(cf__image_cache_put(big, sizeof big, h), CF_ETOOBIG);
  ASSERT_UEQ(cf__image_cache_used(), 2 * sizeof a);

  /* a used last; c needs room for one more: b, the least recent, goes. */
  ASSERT_NOT_NULL(cf__image_cache_get(ha, &len));
  ASSERT_EQ(cf__image_cache_put(c, sizeof c, hc), 0);
  ASSERT_NULL(cf__image_cache_get(hb, &len));
  ASSERT_UEQ(len, 0);
  ASSERT_NOT_NULL(cf__image_cache_get(ha, &len));
  ASSERT_NOT_NULL(got = cf__image_cache_get(hc, &len));
  ASSERT_MEM_EQ(got, c, sizeof c);
  ASSERT_UEQ(cf__image_cache_used(), 2 * sizeof a);

  /* A hash nobody put names nothing. */
  ASSERT_EQ(cf__image_hash_parse(abc_hex, h), 0);
  ASSERT_NULL(cf__image_cache_get(h, &len));
  return 0;
}
