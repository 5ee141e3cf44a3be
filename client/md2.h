/* MD2 (RFC 1319) and HMAC-MD2 (RFC 2104 with MD2's 16-byte block).
 *
 * cudart's integrity check (export table d4082055, see
 * client/integrity.c) asks the driver for an HMAC built on MD2. OpenSSL 3
 * as Debian ships it disables MD2, so the client carries its own. MD2 is
 * slow and broken as a hash; it is here for compatibility only and must not
 * be used for anything else. No state is shared: each context belongs to
 * its caller, so any number of threads may hash at once. */
#ifndef CF_CLIENT_MD2_H
#define CF_CLIENT_MD2_H

#include <stddef.h>
#include <stdint.h>

#define CF_MD2_BLOCK 16
#define CF_MD2_DIGEST 16

/* Public so callers can keep one on the stack; only md2.c and the tests
 * look inside. x: the 48-byte state (its first 16 bytes are the digest),
 * c: the running checksum, l: the checksum's last byte, buf/n: the bytes of
 * a block not yet complete. */
struct cf_md2 {
  uint8_t x[48];
  uint8_t c[CF_MD2_BLOCK];
  uint8_t buf[CF_MD2_BLOCK];
  uint8_t n;
  uint8_t l;
};

/* Start, feed and finish one digest. Update may be called any number of
 * times with any length (data may be NULL when len is 0); final writes the
 * 16-byte digest and leaves the context to be started again. No errors. */
void cf__md2_init(struct cf_md2 *m);
void cf__md2_update(struct cf_md2 *m, const void *data, size_t len);
void cf__md2_final(struct cf_md2 *m, uint8_t out[static CF_MD2_DIGEST]);

/* HMAC-MD2: H((K ^ opad) || H((K ^ ipad) || message)), K the key padded
 * with zeros to 16 bytes (a longer key is hashed first, as RFC 2104 says). */
struct cf_hmac_md2 {
  struct cf_md2 inner;
  uint8_t okey[CF_MD2_BLOCK];
};

void cf__hmac_md2_init(struct cf_hmac_md2 *h, const void *key, size_t key_len);
void cf__hmac_md2_update(struct cf_hmac_md2 *h, const void *data, size_t len);
void cf__hmac_md2_final(struct cf_hmac_md2 *h, uint8_t out[static CF_MD2_DIGEST]);

#endif
