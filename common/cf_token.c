/* Tokens and tokens files; see cf_token.h for the formats.
 *
 * Why a fast, salted hash (SHA-256) rather than a password hash (bcrypt,
 * scrypt, Argon2): slow hashes exist to make guessing a low-entropy secret
 * from a stolen hash expensive. Our tokens are 256 random bits, so guessing
 * is hopeless at any hash speed, and slowness would buy nothing; it would
 * only cost CPU on every connection (a lookup hashes the token once per
 * entry) and give unauthenticated clients a lever to burn it. The salt
 * makes equal tokens give different lines, and rules out precomputed
 * tables. The argument needs tokens with real entropy, which is why
 * cf_token_check refuses short ones (fewer than CF_TOKEN_MIN_LEN
 * characters): use cuferryd --new-token rather than inventing one.
 *
 * Comparisons of digests use CRYPTO_memcmp (constant time), and
 * cf_tokens_match looks at every entry. Secrets (tokens, digests of them)
 * are wiped from the stack after use. Nothing here logs. */
#include "cf_token.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cf_error.h"

#define SALT_LEN 16
#define DIGEST_LEN 32
#define HASH_TAG "sha256$"
#define TAG_LEN (sizeof HASH_TAG - 1)

struct entry {
  char identity[CF_TOKEN_IDENTITY_MAX + 1];
  uint8_t salt[SALT_LEN];
  uint8_t digest[DIGEST_LEN];
};

struct cf_tokens {
  struct entry *e;
  size_t n;
};


void cf_token_wipe(void *p, size_t n)
{
  OPENSSL_cleanse(p, n);
}

/* SHA-256(salt || token) into d. Returns 0 or CF_EIO. */
static int digest(const uint8_t salt[static SALT_LEN], const char *token,
                  uint8_t d[static DIGEST_LEN])
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
           EVP_DigestUpdate(ctx, salt, SALT_LEN) &&
           EVP_DigestUpdate(ctx, token, strlen(token)) &&
           EVP_DigestFinal_ex(ctx, d, &n) && n == DIGEST_LEN;

  EVP_MD_CTX_free(ctx);
  return ok ? 0 : CF_EIO;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
  static const char hex[] = "0123456789abcdef";

  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[b[i] >> 4];
    out[2 * i + 1] = hex[b[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hex_val(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1; /* upper case is not what we write: refuse it */
}

/* Exactly 2n lower-case hex characters at s into b. Returns 0 or -1. */
static int from_hex(const char *s, uint8_t *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    int hi = hex_val(s[2 * i]), lo = hi < 0 ? -1 : hex_val(s[2 * i + 1]);

    if (hi < 0 || lo < 0)
      return -1;
    b[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

/* Parse "sha256$SALT$DIGEST" (exactly, nothing after). Returns 0 or -1. */
static int parse_hash(const char *h, size_t len, uint8_t salt[static SALT_LEN],
                      uint8_t d[static DIGEST_LEN])
{
  if (len != CF_TOKEN_HASH_SIZE - 1 || memcmp(h, HASH_TAG, TAG_LEN) != 0 ||
      h[TAG_LEN + 2 * SALT_LEN] != '$' || from_hex(h + TAG_LEN, salt, SALT_LEN) ||
      from_hex(h + TAG_LEN + 2 * SALT_LEN + 1, d, DIGEST_LEN))
    return -1;
  return 0;
}

int cf_token_new(char out[static CF_TOKEN_NEW_SIZE])
{
  static const char b64url[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint8_t r[33]; /* 32 random bytes and a zero pad: 11 groups of 3 */
  char *p = out + sizeof CF_TOKEN_PREFIX - 1;

  out[0] = '\0';
  r[32] = 0;
  if (RAND_bytes(r, 32) != 1)
    return CF_EIO;
  memcpy(out, CF_TOKEN_PREFIX, sizeof CF_TOKEN_PREFIX - 1);
  for (size_t i = 0; i < sizeof r; i += 3) {
    uint32_t v = (uint32_t)r[i] << 16 | (uint32_t)r[i + 1] << 8 | r[i + 2];

    *p++ = b64url[v >> 18 & 63];
    *p++ = b64url[v >> 12 & 63];
    *p++ = b64url[v >> 6 & 63];
    *p++ = b64url[v & 63];
  }
  /* 44 characters were written for 33 bytes; the last one only encodes
   * the pad, so the token is 43 characters of 256 bits. */
  out[CF_TOKEN_NEW_SIZE - 1] = '\0';
  cf_token_wipe(r, sizeof r);
  return 0;
}

int cf_token_check(const char *token, char *err, size_t errlen)
{
  size_t n = strlen(token);

  if (n < CF_TOKEN_MIN_LEN)
    return cf_fail(err, errlen, CF_EINVAL,
                "the token is too short (%zu characters; at least %d, and "
                "random: make one with cuferryd --new-token NAME)",
                n, CF_TOKEN_MIN_LEN);
  if (n > CF_TOKEN_MAX_LEN)
    return cf_fail(err, errlen, CF_EINVAL,
                "the token is too long (%zu characters; at most %d)", n,
                CF_TOKEN_MAX_LEN);
  for (size_t i = 0; i < n; i++)
    if (token[i] <= 0x20 || token[i] >= 0x7f)
      return cf_fail(err, errlen, CF_EINVAL,
                  "the token has a character other than printable ASCII "
                  "(character %zu: spaces and control characters are not "
                  "allowed)", i + 1);
  return 0;
}

static int identity_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
         c == '+' || c == '-';
}

/* The check on len bytes at name (not NUL-terminated in a file line). */
static int identity_check(const char *name, size_t n, char *err, size_t errlen)
{
  if (n == 0)
    return cf_fail(err, errlen, CF_EINVAL, "the identity is empty");
  if (n > CF_TOKEN_IDENTITY_MAX)
    return cf_fail(err, errlen, CF_EINVAL,
                "identity \"%.*s...\" is too long (%zu characters; at most "
                "%d)", 16, name, n, CF_TOKEN_IDENTITY_MAX);
  for (size_t i = 0; i < n; i++)
    if (!identity_char(name[i]))
      return cf_fail(err, errlen, CF_EINVAL,
                  "identity \"%.*s\" has a character other than letters, "
                  "digits and . _ @ + -", (int)n, name);
  return 0;
}

int cf_token_identity_check(const char *name, char *err, size_t errlen)
{
  return identity_check(name, strlen(name), err, errlen);
}

int cf_token_hash(const char *token, char out[static CF_TOKEN_HASH_SIZE],
                  char *err, size_t errlen)
{
  uint8_t salt[SALT_LEN], d[DIGEST_LEN];
  int r;

  out[0] = '\0';
  if ((r = cf_token_check(token, err, errlen)) != 0)
    return r;
  if (RAND_bytes(salt, sizeof salt) != 1 || digest(salt, token, d) != 0)
    return cf_fail(err, errlen, CF_EIO, "libcrypto could not make a hash");
  memcpy(out, HASH_TAG, TAG_LEN);
  to_hex(salt, SALT_LEN, out + TAG_LEN);
  out[TAG_LEN + 2 * SALT_LEN] = '$';
  to_hex(d, DIGEST_LEN, out + TAG_LEN + 2 * SALT_LEN + 1);
  cf_token_wipe(d, sizeof d);
  return 0;
}

int cf_token_verify(const char *token, const char *hash)
{
  uint8_t salt[SALT_LEN], want[DIGEST_LEN], got[DIGEST_LEN];
  int same;

  if (parse_hash(hash, strlen(hash), salt, want) != 0)
    return CF_EINVAL;
  if (cf_token_check(token, NULL, 0) != 0 || digest(salt, token, got) != 0)
    return 0;
  same = CRYPTO_memcmp(want, got, DIGEST_LEN) == 0;
  cf_token_wipe(got, sizeof got);
  return same;
}

/* ---- Tokens files ------------------------------------------------------- */

static int is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* One line (without its newline) of the file; n is its length. */
static int parse_line(struct cf_tokens *t, const char *name, size_t lineno,
                      const char *s, size_t n, size_t *lines, char *err,
                      size_t errlen)
{
  const char *colon, *h;
  size_t idlen, hlen;
  struct entry *e = &t->e[t->n];
  char why[160];

  while (n && is_space(*s))
    s++, n--;
  while (n && is_space(s[n - 1]))
    n--;
  if (n == 0 || *s == '#')
    return 0;
  if (memchr(s, '\0', n))
    return cf_fail(err, errlen, CF_EINVAL, "%s:%zu: the line has a NUL byte",
                name, lineno);
  colon = memchr(s, ':', n);
  if (!colon)
    return cf_fail(err, errlen, CF_EINVAL,
                "%s:%zu: no ':' (expected IDENTITY:HASH, as cuferryd "
                "--new-token prints)", name, lineno);
  idlen = (size_t)(colon - s);
  h = colon + 1;
  hlen = n - idlen - 1;
  if (identity_check(s, idlen, why, sizeof why) != 0)
    return cf_fail(err, errlen, CF_EINVAL, "%s:%zu: %s", name, lineno, why);
  if (hlen >= sizeof CF_TOKEN_PREFIX - 1 &&
      !memcmp(h, CF_TOKEN_PREFIX, sizeof CF_TOKEN_PREFIX - 1))
    return cf_fail(err, errlen, CF_EINVAL,
                "%s:%zu: the entry for \"%.*s\" is a token, not a hash: store "
                "what cuferryd --hash-token prints, and keep the token itself "
                "secret", name, lineno, (int)idlen, s);
  if (parse_hash(h, hlen, e->salt, e->digest) != 0)
    return cf_fail(err, errlen, CF_EINVAL,
                "%s:%zu: the hash for \"%.*s\" is not of the form "
                "sha256$SALT$DIGEST (32 and 64 lower-case hex digits, as "
                "cuferryd --hash-token prints)", name, lineno, (int)idlen, s);
  for (size_t i = 0; i < t->n; i++)
    if (strlen(t->e[i].identity) == idlen &&
        !memcmp(t->e[i].identity, s, idlen))
      return cf_fail(err, errlen, CF_EINVAL,
                  "%s:%zu: identity \"%.*s\" already appears on line %zu "
                  "(one token per identity)", name, lineno, (int)idlen, s,
                  lines[i]);
  memcpy(e->identity, s, idlen);
  e->identity[idlen] = '\0';
  lines[t->n++] = lineno;
  return 0;
}

int cf_tokens_parse(const char *name, const char *text, size_t len,
                    struct cf_tokens **out, char *err, size_t errlen)
{
  struct cf_tokens *t = calloc(1, sizeof *t);
  size_t max = 1, lineno = 0, *lines = NULL;
  int r = 0;

  *out = NULL;
  if (err && errlen)
    err[0] = '\0';
  for (size_t i = 0; i < len; i++)
    max += text[i] == '\n';
  if (!t || !(t->e = calloc(max, sizeof *t->e)) ||
      !(lines = calloc(max, sizeof *lines))) {
    r = cf_fail(err, errlen, CF_ENOMEM, "%s: out of memory", name);
    goto out;
  }
  for (size_t at = 0; at < len && r == 0;) {
    const char *nl = memchr(text + at, '\n', len - at);
    size_t n = nl ? (size_t)(nl - (text + at)) : len - at;

    r = parse_line(t, name, ++lineno, text + at, n, lines, err, errlen);
    at += n + 1;
  }
out:
  free(lines);
  if (r != 0) {
    cf_tokens_free(t);
    return r;
  }
  *out = t;
  return 0;
}

int cf_tokens_load(const char *path, struct cf_tokens **out, char *err,
                   size_t errlen)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t n = 0;
  int r;

  *out = NULL;
  if (!f)
    return cf_fail(err, errlen, errno == ENOENT ? CF_ENOTFOUND : CF_EIO,
                "%s: cannot open the tokens file: %s", path, strerror(errno));
  if (!(buf = malloc(CF_TOKENS_FILE_MAX + 1))) {
    fclose(f);
    return cf_fail(err, errlen, CF_ENOMEM, "%s: out of memory", path);
  }
  n = fread(buf, 1, CF_TOKENS_FILE_MAX + 1, f);
  if (ferror(f))
    r = cf_fail(err, errlen, CF_EIO, "%s: cannot read the tokens file", path);
  else if (n > CF_TOKENS_FILE_MAX)
    r = cf_fail(err, errlen, CF_ETOOBIG, "%s: the tokens file is over %zu bytes",
             path, CF_TOKENS_FILE_MAX);
  else
    r = cf_tokens_parse(path, buf, n, out, err, errlen);
  fclose(f);
  free(buf);
  return r;
}

const char *cf_tokens_match(const struct cf_tokens *t, const char *token)
{
  uint8_t got[DIGEST_LEN];
  size_t found = 0, which = 0;

  if (!t || !token || cf_token_check(token, NULL, 0) != 0)
    return NULL;
  for (size_t i = 0; i < t->n; i++) {
    /* A failed digest leaves got unequal to any stored digest in practice;
     * it is zeroed so that it never holds a previous entry's value. */
    memset(got, 0, sizeof got);
    (void)digest(t->e[i].salt, token, got);
    size_t hit = (size_t)(CRYPTO_memcmp(got, t->e[i].digest, DIGEST_LEN) == 0);
    size_t mask = (size_t)0 - hit;

    which = (which & ~mask) | (i & mask);
    found |= hit;
  }
  cf_token_wipe(got, sizeof got);
  return found ? t->e[which].identity : NULL;
}

size_t cf_tokens_count(const struct cf_tokens *t)
{
  return t ? t->n : 0;
}

const char *cf_tokens_identity(const struct cf_tokens *t, size_t i)
{
  return t && i < t->n ? t->e[i].identity : NULL;
}

void cf_tokens_free(struct cf_tokens *t)
{
  if (!t)
    return;
  if (t->e)
    cf_token_wipe(t->e, t->n * sizeof *t->e);
  free(t->e);
  free(t);
}
