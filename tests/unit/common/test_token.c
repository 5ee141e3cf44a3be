/* Unit tests for common/cf_token.c: new tokens (form, randomness), hashes
 * (form, fresh salts, short and bad tokens refused), verification (right
 * token, wrong token, a changed hash, malformed hashes), the tokens file
 * parser (a good file; every bad line with its FILE:LINE message;
 * duplicate identities) and matching against a parsed file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_test.h"
#include "cf_token.h"

static char err[512];

#define ASSERT_ERR_HAS(s)                                                     \
  do {                                                                       \
    if (!strstr(err, (s)))                                                   \
      CF_FAIL_("error \"%s\" lacks \"%s\"", err, (s));                       \
  } while (0)

static void test_new(void)
{
  char a[CF_TOKEN_NEW_SIZE], b[CF_TOKEN_NEW_SIZE];

  ASSERT_EQ(cf_token_new(a), 0);
  ASSERT_EQ(cf_token_new(b), 0);
  ASSERT_EQ(strlen(a), CF_TOKEN_NEW_SIZE - 1);
  ASSERT_EQ(strncmp(a, "cft_", 4), 0);
  ASSERT(strcmp(a, b) != 0);
  for (const char *p = a + 4; *p; p++)
    ASSERT(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-_", *p));
  ASSERT_EQ(cf_token_check(a, err, sizeof err), 0);
}

static void test_hash_verify(void)
{
  char tok[CF_TOKEN_NEW_SIZE], h1[CF_TOKEN_HASH_SIZE], h2[CF_TOKEN_HASH_SIZE];
  char bad[CF_TOKEN_HASH_SIZE];

  ASSERT_EQ(cf_token_new(tok), 0);
  ASSERT_EQ(cf_token_hash(tok, h1, err, sizeof err), 0);
  ASSERT_EQ(cf_token_hash(tok, h2, err, sizeof err), 0);
  ASSERT_EQ(strlen(h1), CF_TOKEN_HASH_SIZE - 1);
  ASSERT_EQ(strncmp(h1, "sha256$", 7), 0);
  ASSERT_EQ(h1[7 + 32], '$');
  ASSERT(strcmp(h1, h2) != 0); /* fresh salt each time */
  ASSERT_EQ(cf_token_verify(tok, h1), 1);
  ASSERT_EQ(cf_token_verify(tok, h2), 1);

  /* A wrong token, one character off, and a prefix of the right one. */
  ASSERT_EQ(cf_token_verify("cft_this-is-not-the-token-at-all", h1), 0);
  {
    char was = tok[10];

    tok[10] = was == 'A' ? 'B' : 'A';
    ASSERT_EQ(cf_token_verify(tok, h1), 0);
    tok[10] = was;
    ASSERT_EQ(cf_token_verify(tok, h1), 1);
  }

  /* A changed hash: digest, salt, upper case, length, tag. */
  strcpy(bad, h1);
  bad[CF_TOKEN_HASH_SIZE - 2] = bad[CF_TOKEN_HASH_SIZE - 2] == '0' ? '1' : '0';
  ASSERT_EQ(cf_token_verify(tok, bad), 0);
  strcpy(bad, h1);
  bad[8] = bad[8] == '0' ? '1' : '0';
  ASSERT_EQ(cf_token_verify(tok, bad), 0);
  strcpy(bad, h1);
  bad[10] = 'G';
  ASSERT_EQ(cf_token_verify(tok, bad), CF_EINVAL);
  strcpy(bad, h1);
  bad[CF_TOKEN_HASH_SIZE - 2] = '\0';
  ASSERT_EQ(cf_token_verify(tok, bad), CF_EINVAL);
  strcpy(bad, h1);
  memcpy(bad, "sha512", 6);
  ASSERT_EQ(cf_token_verify(tok, bad), CF_EINVAL);
  ASSERT_EQ(cf_token_verify(tok, ""), CF_EINVAL);
}

static void test_refused(void)
{
  char h[CF_TOKEN_HASH_SIZE], longtok[300];

  ASSERT_EQ(cf_token_hash("short-token", h, err, sizeof err), CF_EINVAL);
  ASSERT_ERR_HAS("too short");
  ASSERT_STR_EQ(h, "");
  ASSERT_EQ(cf_token_hash("", h, err, sizeof err), CF_EINVAL);
  ASSERT_EQ(cf_token_hash("fifteen-chars-x", h, err, sizeof err), CF_EINVAL);
  ASSERT_EQ(cf_token_hash("sixteen-chars-xx", h, err, sizeof err), 0);
  ASSERT_EQ(cf_token_hash("has a space in the middle", h, err, sizeof err),
            CF_EINVAL);
  ASSERT_ERR_HAS("printable");
  ASSERT(!strstr(err, "has a space")); /* the token is never quoted */
  memset(longtok, 'x', sizeof longtok - 1);
  longtok[sizeof longtok - 1] = '\0';
  ASSERT_EQ(cf_token_hash(longtok, h, err, sizeof err), CF_EINVAL);
  ASSERT_ERR_HAS("too long");

  ASSERT_EQ(cf_token_identity_check("alice", err, sizeof err), 0);
  ASSERT_EQ(cf_token_identity_check("ci-runner_2.x+y@lab", err, sizeof err), 0);
  ASSERT_EQ(cf_token_identity_check("", err, sizeof err), CF_EINVAL);
  ASSERT_EQ(cf_token_identity_check("a:b", err, sizeof err), CF_EINVAL);
  ASSERT_EQ(cf_token_identity_check("a b", err, sizeof err), CF_EINVAL);
}

/* Parse text as file "tokens" and expect CF_EINVAL with want in err. */
static void bad_file(const char *text, const char *want)
{
  struct cf_tokens *t = (struct cf_tokens *)1;

  ASSERT_EQ(cf_tokens_parse("tokens", text, strlen(text), &t, err, sizeof err),
            CF_EINVAL);
  ASSERT_NULL(t);
  ASSERT_ERR_HAS(want);
}

static void test_file(void)
{
  char ta[CF_TOKEN_NEW_SIZE], tb[CF_TOKEN_NEW_SIZE], tc[CF_TOKEN_NEW_SIZE];
  char ha[CF_TOKEN_HASH_SIZE], hb[CF_TOKEN_HASH_SIZE], text[2048];
  char line[512];
  struct cf_tokens *t = NULL;

  ASSERT_EQ(cf_token_new(ta) | cf_token_new(tb) | cf_token_new(tc), 0);
  ASSERT_EQ(cf_token_hash(ta, ha, err, sizeof err), 0);
  ASSERT_EQ(cf_token_hash(tb, hb, err, sizeof err), 0);
  snprintf(text, sizeof text,
           "# cuferryd tokens\n"
           "\n"
           "alice:%s\r\n"
           "   # indented comment\n"
           "  bob@lab:%s  \n"
           "\t\n", ha, hb);
  ASSERT_EQ(cf_tokens_parse("tokens", text, strlen(text), &t, err, sizeof err), 0);
  ASSERT_EQ(cf_tokens_count(t), 2);
  ASSERT_STR_EQ(cf_tokens_identity(t, 0), "alice");
  ASSERT_STR_EQ(cf_tokens_identity(t, 1), "bob@lab");
  ASSERT_NULL(cf_tokens_identity(t, 2));
  ASSERT_STR_EQ(cf_tokens_match(t, ta), "alice");
  ASSERT_STR_EQ(cf_tokens_match(t, tb), "bob@lab");
  ASSERT_NULL(cf_tokens_match(t, tc));
  ASSERT_NULL(cf_tokens_match(t, ""));
  ASSERT_NULL(cf_tokens_match(t, "short"));
  ASSERT_NULL(cf_tokens_match(NULL, ta));
  cf_tokens_free(t);

  /* An empty file is valid: nobody matches. */
  ASSERT_EQ(cf_tokens_parse("tokens", "", 0, &t, err, sizeof err), 0);
  ASSERT_EQ(cf_tokens_count(t), 0);
  ASSERT_NULL(cf_tokens_match(t, ta));
  cf_tokens_free(t);

  /* Each bad line, with its line number. */
  bad_file("# x\nalice\n", "tokens:2: no ':'");
  snprintf(line, sizeof line, "\n\n:%s\n", ha);
  bad_file(line, "tokens:3: the identity is empty");
  snprintf(line, sizeof line, "al ice:%s\n", ha);
  bad_file(line, "tokens:1: identity \"al ice\" has a character");
  snprintf(line, sizeof line, "%s:%s\n",
           "a123456789012345678901234567890123456789012345678901234567890123",
           ha);
  bad_file(line, "tokens:1: identity \"a123456789012345...\" is too long");
  bad_file("alice:sha256$abc\n", "tokens:1: the hash for \"alice\" is not of the form");
  snprintf(line, sizeof line, "alice:%s:x\n", ha);
  bad_file(line, "tokens:1: the hash for \"alice\"");
  snprintf(line, sizeof line, "alice:%s\n", ta);
  bad_file(line, "tokens:1: the entry for \"alice\" is a token, not a hash");
  snprintf(line, sizeof line, "alice: %s\n", ha);
  bad_file(line, "tokens:1: the hash for \"alice\"");

  /* Duplicate identities name both lines. */
  snprintf(text, sizeof text, "alice:%s\nbob:%s\n# again\nalice:%s\n", ha, hb,
           hb);
  bad_file(text, "tokens:4: identity \"alice\" already appears on line 1");
}

static void test_load(void)
{
  char dir[] = "/tmp/cf_token_XXXXXX", path[256], tok[CF_TOKEN_NEW_SIZE];
  char hash[CF_TOKEN_HASH_SIZE];
  struct cf_tokens *t = NULL;
  FILE *f;

  ASSERT_NOT_NULL(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/tokens", dir);
  ASSERT_EQ(cf_tokens_load(path, &t, err, sizeof err), CF_ENOTFOUND);
  ASSERT_ERR_HAS("cannot open the tokens file");
  ASSERT_EQ(cf_token_new(tok), 0);
  ASSERT_EQ(cf_token_hash(tok, hash, err, sizeof err), 0);
  ASSERT_NOT_NULL(f = fopen(path, "w"));
  fprintf(f, "ci:%s\nbroken line\n", hash);
  fclose(f);
  ASSERT_EQ(cf_tokens_load(path, &t, err, sizeof err), CF_EINVAL);
  ASSERT(strncmp(err, path, strlen(path)) == 0);
  ASSERT_ERR_HAS(":2: no ':'");
  ASSERT_NOT_NULL(f = fopen(path, "w"));
  fprintf(f, "ci:%s\n", hash);
  fclose(f);
  ASSERT_EQ(cf_tokens_load(path, &t, err, sizeof err), 0);
  ASSERT_STR_EQ(cf_tokens_match(t, tok), "ci");
  cf_tokens_free(t);
  unlink(path);
  rmdir(dir);
}

int main(void)
{
  test_new();
  test_hash_verify();
  test_refused();
  test_file();
  test_load();
  printf("ok\n");
  return 0;
}
