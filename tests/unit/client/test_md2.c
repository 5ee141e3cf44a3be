/* MD2 and HMAC-MD2 (client/md2.c), linked in directly: RFC 1319's test
 * suite, every split of a message into update calls, and HMAC-MD2 checked
 * against the intermediate states of cudart's integrity check that ZLUDA's
 * reverse engineering published (its tests of dark_api pass2, pass3 and
 * pass5): the inner hash after the key block, after the 48-byte header,
 * and a finalisation. Those states pin down the key, the 0x36/0x5c pads and
 * the header's byte layout. */
#include <stdio.h>
#include <string.h>

#include "cf_test.h"
#include "md2.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    ASSERT_EQ(sscanf(s + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
}

static void digest(const void *msg, size_t len, uint8_t out[16])
{
  struct cf_md2 m;
  cf__md2_init(&m);
  cf__md2_update(&m, msg, len);
  cf__md2_final(&m, out);
}

static const struct { const char *msg, *md; } rfc1319[] = {
  { "", "8350e5a3e24c153df2275c9f80692773" },
  { "a", "32ec01ec4a6dac72c0ab96fb34c0b5d1" },
  { "abc", "da853b0d3f88d99b30283a69e6ded6bb" },
  { "message digest", "ab4f496bfb2a530b219ff33031fe06b0" },
  { "abcdefghijklmnopqrstuvwxyz", "4e8ddff3650292ab5a4108c3aa47940b" },
  { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "da33def2a42df13975352846c30338cd" },
  { "1234567890123456789012345678901234567890123456789012345678901234567890"
    "1234567890",
    "d5976f79d83d3a0dc9806c3c66f3efd8" },
};

static void test_rfc1319(void)
{
  uint8_t want[16], got[16];

  for (size_t i = 0; i < sizeof rfc1319 / sizeof rfc1319[0]; i++) {
    const char *msg = rfc1319[i].msg;
    size_t len = strlen(msg);
    hex(rfc1319[i].md, want, 16);
    digest(msg, len, got);
    if (memcmp(want, got, 16) != 0)
      CF_FAIL_("MD2(\"%s\") is wrong", msg);
    /* the same message fed in two pieces split everywhere */
    for (size_t cut = 0; cut <= len; cut++) {
      struct cf_md2 m;
      cf__md2_init(&m);
      cf__md2_update(&m, msg, cut);
      cf__md2_update(&m, msg + cut, len - cut);
      cf__md2_final(&m, got);
      if (memcmp(want, got, 16) != 0)
        CF_FAIL_("MD2(\"%s\") split at %zu is wrong", msg, cut);
    }
  }
}

/* The state after whole blocks: x[0..16] and the checksum, as ZLUDA's
 * 66-byte accumulator holds them at 0..16 and 48..64. */
static void assert_state(const struct cf_md2 *m, const char *x16, const char *c16)
{
  uint8_t x[16], c[16];
  hex(x16, x, 16);
  hex(c16, c, 16);
  ASSERT_EQ(m->n, 0);
  ASSERT_MEM_EQ(m->x, x, 16);
  ASSERT_MEM_EQ(m->c, c, 16);
  ASSERT_EQ(m->l, c[15]);
}

static const uint8_t KEY[16] = {
  0x14, 0x6a, 0xdd, 0xae, 0x53, 0xa9, 0xa7, 0x52,
  0xaa, 0x08, 0x41, 0x36, 0x0b, 0xf5, 0x5a, 0x9f,
};

static void test_integrity_trace(void)
{
  struct cf_hmac_md2 h;
  struct cf_md2 m;
  uint8_t out[16], want[16];
  struct {
    uint32_t driver_version, version, pid, thread;
    uint64_t cudart_table, integrity_table, check_fn, unix_time;
  } head = { 0x2f30, 12082, 0x002fa423, 0xf79c1000, 0x00007ffff6958240,
             0x00007ffff6958220, 0x00007ffff2aaf4a0, 0x682b9cee };

  /* inner hash after (key ^ 0x36) */
  cf__hmac_md2_init(&h, KEY, sizeof KEY);
  assert_state(&h.inner, "8b219a49e86d1aeef237f9b54a8c3c75",
               "57a110860e60441e705f67d1eb67a13d");
  /* ... then the 48-byte header (u32 x4, three addresses, u64 time) */
  cf__hmac_md2_update(&h, &head, sizeof head);
  assert_state(&h.inner, "0afdabc9ff9ba0be4d303282744fa748",
               "6428d9e1d434c0a94988c96158dd6674");

  /* finalisation from a given state */
  cf__md2_init(&m);
  hex("3e4bf29571f56b5107bf4bf1040e8e0b", m.x, 16);
  hex("8bc6b2380d077dbd90d53963eb1d4f40", m.c, 16);
  m.l = 0x40;
  cf__md2_final(&m, out);
  hex("002353065e96f69c61aa962d2ecda858", want, 16);
  ASSERT_MEM_EQ(out, want, 16);
}

/* HMAC-MD2 against the construction spelled out with plain MD2, for keys
 * shorter than, equal to and longer than the block. */
static void test_hmac(void)
{
  static const char msg[] = "The quick brown fox jumps over the lazy dog";
  uint8_t key[40], k[16], pad[16 + 16], inner[16], want[16], got[16];

  for (size_t i = 0; i < sizeof key; i++)
    key[i] = (uint8_t)(i * 7 + 1);
  for (size_t klen = 0; klen <= sizeof key; klen += 4) {
    struct cf_hmac_md2 h;
    struct cf_md2 m;

    memset(k, 0, sizeof k);
    if (klen > 16)
      digest(key, klen, k);
    else
      memcpy(k, key, klen);
    cf__md2_init(&m);
    for (int i = 0; i < 16; i++)
      pad[i] = k[i] ^ 0x36;
    cf__md2_update(&m, pad, 16);
    cf__md2_update(&m, msg, strlen(msg));
    cf__md2_final(&m, inner);
    for (int i = 0; i < 16; i++)
      pad[i] = k[i] ^ 0x5c;
    memcpy(pad + 16, inner, 16);
    digest(pad, 32, want);

    cf__hmac_md2_init(&h, key, klen);
    cf__hmac_md2_update(&h, msg, 10);
    cf__hmac_md2_update(&h, msg + 10, strlen(msg) - 10);
    cf__hmac_md2_final(&h, got);
    if (memcmp(want, got, 16) != 0)
      CF_FAIL_("HMAC-MD2 with a %zu-byte key is wrong", klen);
  }
}

int main(void)
{
  test_rfc1319();
  test_integrity_trace();
  test_hmac();
  printf("md2: RFC 1319 suite, integrity-check trace and HMAC ok\n");
  return 0;
}
