/* MD2 as RFC 1319 defines it, with the errata's checksum rule
 * (C[j] ^= S[M[j] ^ L]), and HMAC over it as RFC 2104 defines it.
 * Owns nothing beyond the caller's context; no locks, no allocation.
 * Only the integrity check uses it (see md2.h for why it exists). */
#include <string.h>

#include "md2.h"

/* RFC 1319's substitution table, a permutation of 0..255 built from the
 * digits of pi. */
static const uint8_t S[256] = {
  41, 46, 67, 201, 162, 216, 124, 1, 61, 54, 84, 161, 236, 240, 6,
  19, 98, 167, 5, 243, 192, 199, 115, 140, 152, 147, 43, 217, 188,
  76, 130, 202, 30, 155, 87, 60, 253, 212, 224, 22, 103, 66, 111, 24,
  138, 23, 229, 18, 190, 78, 196, 214, 218, 158, 222, 73, 160, 251,
  245, 142, 187, 47, 238, 122, 169, 104, 121, 145, 21, 178, 7, 63,
  148, 194, 16, 137, 11, 34, 95, 33, 128, 127, 93, 154, 90, 144, 50,
  39, 53, 62, 204, 231, 191, 247, 151, 3, 255, 25, 48, 179, 72, 165,
  181, 209, 215, 94, 146, 42, 172, 86, 170, 198, 79, 184, 56, 210,
  150, 164, 125, 182, 118, 252, 107, 226, 156, 116, 4, 241, 69, 157,
  112, 89, 100, 113, 135, 32, 134, 91, 207, 101, 230, 45, 168, 2, 27,
  96, 37, 173, 174, 176, 185, 246, 28, 70, 97, 105, 52, 64, 126, 15,
  85, 71, 163, 35, 221, 81, 175, 58, 195, 92, 249, 206, 186, 197,
  234, 38, 44, 83, 13, 110, 133, 40, 132, 9, 211, 223, 205, 244, 65,
  129, 77, 82, 106, 220, 55, 200, 108, 193, 171, 250, 36, 225, 123,
  8, 12, 189, 177, 74, 120, 136, 149, 139, 227, 99, 232, 109, 233,
  203, 213, 254, 59, 0, 29, 57, 242, 239, 183, 14, 102, 88, 208, 228,
  166, 119, 114, 248, 235, 117, 75, 10, 49, 68, 80, 180, 143, 237,
  31, 26, 219, 153, 141, 51, 159, 17, 131, 20,
};

/* One 16-byte block: the checksum step (RFC 1319 3.2, errata form) and
 * the 18-round compression (3.4). */
static void block(struct cf_md2 *m, const uint8_t b[static CF_MD2_BLOCK])
{
  uint8_t t;

  for (int j = 0; j < CF_MD2_BLOCK; j++)
    m->l = m->c[j] ^= S[b[j] ^ m->l];
  for (int j = 0; j < CF_MD2_BLOCK; j++) {
    m->x[16 + j] = b[j];
    m->x[32 + j] = m->x[j] ^ b[j];
  }
  t = 0;
  for (int r = 0; r < 18; r++) {
    for (int k = 0; k < 48; k++)
      t = m->x[k] ^= S[t];
    t = (uint8_t)(t + r);
  }
}

void cf__md2_init(struct cf_md2 *m)
{
  memset(m, 0, sizeof *m);
}

void cf__md2_update(struct cf_md2 *m, const void *data, size_t len)
{
  const uint8_t *p = data;

  while (len > 0) {
    size_t take = CF_MD2_BLOCK - m->n;
    if (take > len)
      take = len;
    memcpy(m->buf + m->n, p, take);
    m->n = (uint8_t)(m->n + take);
    p += take;
    len -= take;
    if (m->n == CF_MD2_BLOCK) {
      block(m, m->buf);
      m->n = 0;
    }
  }
}

void cf__md2_final(struct cf_md2 *m, uint8_t out[static CF_MD2_DIGEST])
{
  uint8_t pad = (uint8_t)(CF_MD2_BLOCK - m->n), c[CF_MD2_BLOCK];

  /* 1 to 16 bytes of value pad, then the checksum as one last block. */
  memset(m->buf + m->n, pad, pad);
  block(m, m->buf);
  memcpy(c, m->c, sizeof c);
  block(m, c);
  memcpy(out, m->x, CF_MD2_DIGEST);
  cf__md2_init(m);
}

void cf__hmac_md2_init(struct cf_hmac_md2 *h, const void *key, size_t key_len)
{
  uint8_t k[CF_MD2_BLOCK] = {0}, ikey[CF_MD2_BLOCK];

  if (key_len > CF_MD2_BLOCK) {
    cf__md2_init(&h->inner);
    cf__md2_update(&h->inner, key, key_len);
    cf__md2_final(&h->inner, k);
  } else if (key_len > 0) {
    memcpy(k, key, key_len);
  }
  for (int i = 0; i < CF_MD2_BLOCK; i++) {
    ikey[i] = k[i] ^ 0x36;
    h->okey[i] = k[i] ^ 0x5c;
  }
  cf__md2_init(&h->inner);
  cf__md2_update(&h->inner, ikey, sizeof ikey);
}

void cf__hmac_md2_update(struct cf_hmac_md2 *h, const void *data, size_t len)
{
  cf__md2_update(&h->inner, data, len);
}

void cf__hmac_md2_final(struct cf_hmac_md2 *h, uint8_t out[static CF_MD2_DIGEST])
{
  uint8_t inner[CF_MD2_DIGEST];
  struct cf_md2 outer;

  cf__md2_final(&h->inner, inner);
  cf__md2_init(&outer);
  cf__md2_update(&outer, h->okey, sizeof h->okey);
  cf__md2_update(&outer, inner, sizeof inner);
  cf__md2_final(&outer, out);
  memset(h->okey, 0, sizeof h->okey);
}
