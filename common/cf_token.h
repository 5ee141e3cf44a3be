/* Client tokens: the secret a client sends in its hello (inside TLS) to
 * prove who it is, and the tokens file in which cuferryd keeps only salted
 * hashes of them, one "IDENTITY:HASH" line each.
 *
 * A new token is "cft_" and 32 random bytes in base64url (no padding), 47
 * characters. Tokens an operator makes up must be 16 to 255 printable ASCII
 * characters without spaces. A hash is "sha256$SALT$DIGEST": 16 random salt
 * bytes and SHA-256(salt || token), both in lower-case hex (cf_token.c says
 * why a fast hash is right here). Identities are 1 to 63 characters of
 * letters, digits and "._@+-", so they are safe in logs, in the admission
 * line between worker and supervisor and as keys of an INI file.
 *
 * Needs libcrypto (randomness, SHA-256, CRYPTO_memcmp). Thread-safe; a
 * loaded struct cf_tokens is read-only and may be shared between threads. */
#ifndef CF_TOKEN_H
#define CF_TOKEN_H

#include <stddef.h>

#define CF_TOKEN_PREFIX "cft_"
#define CF_TOKEN_MIN_LEN 16
#define CF_TOKEN_MAX_LEN 255
#define CF_TOKEN_NEW_SIZE 48    /* "cft_" + 43 base64url characters + NUL */
#define CF_TOKEN_HASH_SIZE 105  /* "sha256$" + 32 + "$" + 64 hex + NUL */
#define CF_TOKEN_IDENTITY_MAX 63
#define CF_TOKENS_FILE_MAX ((size_t)4 << 20) /* bytes */

/* A new random token into out (NUL-terminated). Returns 0, or CF_EIO when
 * the system's random generator failed (out is then ""). */
int cf_token_new(char out[static CF_TOKEN_NEW_SIZE]);

/* 0 when token is acceptable (length and characters as above), else
 * CF_EINVAL with the reason in err; the token itself is never quoted. */
int cf_token_check(const char *token, char *err, size_t errlen);

/* 0 when name is a valid identity, else CF_EINVAL with the reason (quoting
 * the name) in err. */
int cf_token_identity_check(const char *name, char *err, size_t errlen);

/* The salted hash of token into out, with a fresh random salt. Returns 0,
 * CF_EINVAL (token refused by cf_token_check; reason in err) or CF_EIO (no
 * randomness). out is "" on failure. */
int cf_token_hash(const char *token, char out[static CF_TOKEN_HASH_SIZE],
                  char *err, size_t errlen);

/* Does token match hash? Compares the digests in constant time. Returns 1
 * (match), 0 (no match, also for a token cf_token_check refuses) or
 * CF_EINVAL when hash is not of the form above. */
int cf_token_verify(const char *token, const char *hash);

/* Overwrite n bytes at p with zeros in a way the compiler keeps. */
void cf_token_wipe(void *p, size_t n);

/* ---- Tokens files --------------------------------------------------------
 * Lines "IDENTITY:HASH"; blank lines and lines starting with '#' (after
 * leading spaces) are skipped; spaces and tabs around a line are ignored,
 * none are allowed inside it. An identity appears at most once. */

struct cf_tokens; /* opaque */

/* Parse len bytes of text (need not be NUL-terminated) read from the file
 * named name (for messages). Returns 0 with *out owned by the caller (free
 * with cf_tokens_free), or CF_EINVAL with "NAME:LINE: what is wrong" in err
 * (*out NULL), or CF_ENOMEM. An empty file is valid (nobody may connect). */
int cf_tokens_parse(const char *name, const char *text, size_t len,
                    struct cf_tokens **out, char *err, size_t errlen);

/* cf_tokens_parse on the contents of the file at path (at most
 * CF_TOKENS_FILE_MAX bytes). Also CF_ENOTFOUND / CF_EIO / CF_ETOOBIG with
 * "PATH: reason" in err when it cannot be read. */
int cf_tokens_load(const char *path, struct cf_tokens **out, char *err,
                   size_t errlen);

/* The identity whose hash token matches, or NULL. Every entry is hashed and
 * compared, whether or not an earlier one matched, so the time taken does
 * not tell which line matched or whether one did. The string lives as long
 * as t. */
const char *cf_tokens_match(const struct cf_tokens *t, const char *token);

/* Number of entries, and the identity of entry i (< count; in file order;
 * lives as long as t). */
size_t cf_tokens_count(const struct cf_tokens *t);
const char *cf_tokens_identity(const struct cf_tokens *t, size_t i);

/* Free t; NULL is ignored. */
void cf_tokens_free(struct cf_tokens *t);

#endif
