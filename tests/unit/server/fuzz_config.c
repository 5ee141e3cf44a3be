/* Fuzz target for the configuration parsers: the server's config file
 * (fuzz_config_server.c), the client's client.conf (fuzz_config_client.c)
 * and the tokens file (common/cf_token.c, cf_tokens_parse). Every input is
 * all three: it is written to one private temporary file, which both INI
 * parsers read (they take a path), and handed to cf_tokens_parse from
 * memory. Hostile files must give an error with a message, never a crash or
 * a leak.
 *
 * Built with -DCF_FUZZ_LIBFUZZER -fsanitize=fuzzer (meson -Dfuzz=true) it is
 * a libFuzzer target; otherwise main() replays the corpus folder named on
 * the command line and mutations of it (cf_fuzz_replay.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_fuzz_replay.h"
#include "cf_token.h"
#include "fuzz_config.h"

static char path[4096];
static int fd = -1;

void fuzz_config_fail(const char *what)
{
  if (write(cf_fuzz_report_fd, "fuzz_config: invariant failed: ", 31) < 0 ||
      write(cf_fuzz_report_fd, what, strlen(what)) < 0 || write(cf_fuzz_report_fd, "\n", 1) < 0)
    abort();
  abort();
}

static void remove_file(void)
{
  if (*path)
    unlink(path);
}

/* The temporary file (mode 0600: the client accepts a token in it) and an
 * environment that names it and nothing else. */
static void setup(void)
{
  static const char *const vars[] = { "CUFERRY_SERVER", "CUFERRY_CA", "CUFERRY_CERT",
                                      "CUFERRY_KEY", "CUFERRY_TOKEN" };
  const char *dir = getenv("TMPDIR");

  /* libFuzzer may end with _exit, skipping the unlink: scripts/fuzz.sh
   * points TMPDIR into its scratch folder. */
  snprintf(path, sizeof path, "%s/cf_fuzz_config_XXXXXX",
           dir && *dir && strlen(dir) < sizeof path - 32 ? dir : "/tmp");
  if ((fd = mkstemp(path)) < 0)
    fuzz_config_fail("mkstemp");
  atexit(remove_file);
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
    unsetenv(vars[i]);
  setenv("CUFERRY_CONFIG", path, 1);
}

static void tokens(const uint8_t *data, size_t size)
{
  struct cf_tokens *t = (struct cf_tokens *)1;
  char err[256];

  memset(err, 'x', sizeof err);
  int r = cf_tokens_parse("fuzz", (const char *)data, size, &t, err, sizeof err);
  if (r != 0) {
    if (t || !memchr(err, '\0', sizeof err) || (r != CF_EINVAL && r != CF_ENOMEM))
      fuzz_config_fail("a tokens error is EINVAL or ENOMEM with a message and no table");
    return;
  }
  for (size_t i = 0; i < cf_tokens_count(t); i++)
    if (cf_token_identity_check(cf_tokens_identity(t, i), err, sizeof err) != 0)
      fuzz_config_fail("every identity in a parsed tokens file is valid");
  (void)cf_tokens_match(t, "cft_not-a-token-in-this-file-at-all");
  cf_tokens_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (fd < 0)
    setup();
  if (size > 64 * 1024)
    return 0;
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
    fuzz_config_fail("writing the temporary file");
  fuzz_config_server(path);
  fuzz_config_client(path);
  tokens(data, size);
  return 0;
}

#ifndef CF_FUZZ_LIBFUZZER
static const char *const dict[] = {
  "[", "]", "[]", "=", ":", ";", "#", " ;", "\n", "\r\n", "\t", " ", "\\", "\"",
  "[listen]", "[tls]", "[auth]", "[limits]", "[quota]", "[driver]", "[server]",
  "[logging]", "address", "insecure", "cert", "key", "client_ca", "tokens",
  "memory_quota", "max_sessions", "max_body", "max_bulk", "library", "user",
  "level", "server", "ca", "token", "token_file", "compression", "connect_timeout",
  "call_timeout", "tls://", "tcp://", "[::1]", ":4242", "sha256$", "$", "0", "-1",
  "18446744073709551616", "1G", "10ms", "yes", "no", "", "alice", "cft_",
};

static const struct cf_fuzz_replay replay = {
  .name = "fuzz_config", .mutations = 600, .cut_dense = 16,
  .dict = dict, .n_dict = sizeof dict / sizeof *dict,
};

int main(int argc, char **argv)
{
  return cf_fuzz_replay_main(argc, argv, &replay);
}
#endif
