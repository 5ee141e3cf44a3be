/* cuferryd's entry point: parse the settings (command line over config
 * file), then do one thing: print help or the version, run a tool
 * (--hash-token, --new-token, --check-config, all here), or become the
 * supervisor (the default) or, with the internal --worker flag, the worker
 * of one session. Only this file and the two top levels it calls print to
 * the user. The token tools print secrets to stdout only, never to a log,
 * and wipe them from memory. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_log.h"
#include "cf_token.h"
#include "config.h"

/* ---- --hash-token and --new-token -------------------------------------- */

/* Read one line from stdin into buf, without echo on a terminal. Returns 0,
 * or 1 with a message on stderr. */
static int read_token(char *buf, size_t len)
{
  struct termios saved, quiet;
  int tty = isatty(0) && tcgetattr(0, &saved) == 0;
  size_t n;
  int extra;

  if (tty) {
    fprintf(stderr, "Token (not echoed): ");
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(0, TCSAFLUSH, &quiet);
  }
  if (!fgets(buf, (int)len, stdin))
    buf[0] = '\0';
  if (tty) {
    tcsetattr(0, TCSAFLUSH, &saved);
    fprintf(stderr, "\n");
  }
  n = strcspn(buf, "\r\n");
  if (!buf[n] && n + 1 >= len) {
    fprintf(stderr, "cuferryd: --hash-token: the token is longer than %d "
            "characters\n", CF_TOKEN_MAX_LEN);
    return 1;
  }
  buf[n] = '\0';
  /* A second line is a mistake (two tokens, or a whole file). */
  while ((extra = getchar()) != EOF)
    if (extra != '\n' && extra != '\r') {
      fprintf(stderr, "cuferryd: --hash-token: stdin has more than one "
              "line; give one token\n");
      return 1;
    }
  return 0;
}

static int hash_token(void)
{
  char token[CF_TOKEN_MAX_LEN + 3], hash[CF_TOKEN_HASH_SIZE], err[256];
  int r = read_token(token, sizeof token);

  if (r == 0 && cf_token_hash(token, hash, err, sizeof err) != 0) {
    fprintf(stderr, "cuferryd: --hash-token: %s\n", err);
    r = 1;
  }
  cf_token_wipe(token, sizeof token);
  if (r == 0)
    printf("%s\n", hash);
  return r;
}

static int new_token(const char *name)
{
  char token[CF_TOKEN_NEW_SIZE], hash[CF_TOKEN_HASH_SIZE], err[256];

  if (cf_token_new(token) != 0 ||
      cf_token_hash(token, hash, err, sizeof err) != 0) {
    fprintf(stderr, "cuferryd: --new-token: no randomness from libcrypto\n");
    cf_token_wipe(token, sizeof token);
    return 1;
  }
  printf("%s\n%s:%s\n", token, name, hash);
  cf_token_wipe(token, sizeof token);
  if (isatty(1))
    fprintf(stderr, "\nGive the first line, the token, to %s (for example as "
            "a token_file of mode 600).\nAppend the second line to the "
            "tokens file; it is safe to keep there.\n", name);
  return 0;
}

/* ---- --check-config ---------------------------------------------------- */

struct report {
  int problems, warnings;
};

static void problem(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warning(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(struct report *r, const char *fmt, ...)
{
  va_list ap;

  printf("  problem: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  r->problems++;
}

static void warning(struct report *r, const char *fmt, ...)
{
  va_list ap;

  printf("  warning: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  r->warnings++;
}

/* "16G", "512M", "1000" (bytes as --memory-quota would take them). */
static const char *size_text(uint64_t v, char *buf, size_t len)
{
  static const char suffix[] = "GMK";

  for (int i = 0; i < 3; i++) {
    uint64_t unit = (uint64_t)1 << (10 * (3 - i));

    if (v && v % unit == 0) {
      snprintf(buf, len, "%" PRIu64 "%c", v / unit, suffix[i]);
      return buf;
    }
  }
  snprintf(buf, len, "%" PRIu64, v);
  return buf;
}

static const char *limit_text(uint64_t v, char *buf, size_t len)
{
  if (!v)
    return "no limit";
  snprintf(buf, len, "%" PRIu64, v);
  return buf;
}

static void show_file(struct report *r, const char *what, const char *path)
{
  FILE *f;

  printf("  %-26s %s\n", what, path ? path : "(none)");
  if (!path)
    return;
  if (!(f = fopen(path, "r")))
    problem(r, "%s %s: cannot open: %s", what, path, strerror(errno));
  else
    fclose(f);
}

static void check_tls(struct report *r, const struct cf_srv_options *o)
{
  struct cf_tls_config tc = { o->tls_client_ca, o->tls_cert, o->tls_key };
  struct cf_tls_ctx *ctx = NULL;
  char err[512];

  if (!o->tls_cert || !o->tls_key || r->problems)
    return;
  if (cf_tls_ctx_new_server(&tc, &ctx, err, sizeof err) != 0)
    problem(r, "TLS: %s", err);
  else
    printf("  %-26s %s\n", "TLS files", "read, and the key matches the "
           "certificate");
  cf_tls_ctx_free(ctx);
}

static void check_tokens(struct report *r, const struct cf_srv_options *o)
{
  struct cf_tokens *t = NULL;
  char err[512];
  size_t n;

  printf("  %-26s %s\n", "tokens file", o->tokens ? o->tokens : "(none)");
  if (!o->tokens)
    return;
  if (cf_tokens_load(o->tokens, &t, err, sizeof err) != 0) {
    problem(r, "%s", err);
    return;
  }
  n = cf_tokens_count(t);
  printf("  %-26s %zu:", "identities", n);
  for (size_t i = 0; i < n && i < 20; i++)
    printf(" %s", cf_tokens_identity(t, i));
  printf("%s\n", n > 20 ? " ..." : n ? "" : " (nobody can connect)");
  if (!n)
    warning(r, "the tokens file %s has no entries", o->tokens);
  for (size_t q = 0; q < o->n_quotas; q++) {
    size_t i = 0;

    while (i < n && strcmp(cf_tokens_identity(t, i), o->quotas[q].identity))
      i++;
    if (i == n && !o->tls_client_ca)
      warning(r, "[quota] %s: no such identity in the tokens file",
              o->quotas[q].identity);
  }
  cf_tokens_free(t);
}

static int check_config(const struct cf_srv_options *o)
{
  static const char *const levels[] = { "error", "warn", "info", "debug" };
  struct report r = { 0, 0 };
  char a[64], b[64], c[64], url[320], path[4096], err[512];
  struct passwd *pw;

  cf_url_format(&o->listen, url, sizeof url);
  printf("cuferryd %s: settings from %s%s\n", CF_VERSION,
         o->config ? o->config : "the command line",
         o->config ? " and the command line" : "");
  printf("  %-26s %s\n", "listen", url);
  if (o->have_rdma) {
    cf_url_format(&o->rdma_listen, url, sizeof url);
    printf("  %-26s %s (each worker on a port of its own)\n", "rdma", url);
  }
  printf("  %-26s %s\n", "insecure", o->insecure ? "yes" : "no");
  show_file(&r, "tls cert", o->tls_cert);
  show_file(&r, "tls key", o->tls_key);
  show_file(&r, "tls client CA", o->tls_client_ca);
  check_tls(&r, o);
  check_tokens(&r, o);
  printf("  %-26s %s\n", "memory quota per session",
         o->memory_quota ? size_text(o->memory_quota, a, sizeof a) : "none");
  for (size_t i = 0; i < o->n_quotas; i++)
    printf("  %-26s %s\n", o->quotas[i].identity,
           o->quotas[i].bytes ? size_text(o->quotas[i].bytes, a, sizeof a)
                              : "none");
  printf("  %-26s %s in total, %s per identity\n", "sessions",
         limit_text(o->max_sessions, a, sizeof a),
         limit_text(o->max_sessions_per_identity, b, sizeof b));
  printf("  %-26s %" PRIu64 " per session\n", "handles", o->max_handles);
  printf("  %-26s %s per identity\n", "module images kept",
         o->image_cache ? size_text(o->image_cache, a, sizeof a) : "none");
  printf("  %-26s body %s, bulk %s\n", "message sizes",
         size_text(o->lim.max_body, a, sizeof a),
         size_text(o->lim.max_bulk, c, sizeof c));
  if (cf__driver_find(o->driver, path, sizeof path, err, sizeof err) != 0)
    problem(&r, "driver: %s", err);
  else
    printf("  %-26s %s (%s)\n", "driver", cf__srv_driver_label(o->driver),
           path);
  if (!o->user)
    printf("  %-26s %s\n", "workers run as", "the user that starts cuferryd");
  else if (!(pw = getpwnam(o->user)))
    problem(&r, "user: no user \"%s\" on this system", o->user);
  else
    printf("  %-26s %s (uid %ld, gid %ld)\n", "workers run as", o->user,
           (long)pw->pw_uid, (long)pw->pw_gid);
  printf("  %-26s %s\n", "log level",
         levels[o->log_level >= 0 && o->log_level < 4 ? o->log_level : 2]);
  if (o->insecure && !strcmp(o->listen.scheme, "tcp"))
    warning(&r, "plain tcp://: traffic%s is neither encrypted nor "
            "authenticated", o->tokens ? ", tokens included," : "");
  else if (o->insecure && !o->tokens && !o->tls_client_ca)
    warning(&r, "--insecure: any client that reaches the port is admitted "
            "as \"anonymous\"");
  if (o->user && geteuid() != 0)
    warning(&r, "user %s: cuferryd is not running as root, so workers "
            "cannot switch to it", o->user);
  if (r.problems) {
    printf("cuferryd: the configuration has %d problem%s\n", r.problems,
           r.problems == 1 ? "" : "s");
    return 1;
  }
  printf("cuferryd: the configuration is valid%s\n",
         r.warnings ? " (see the warnings)" : "");
  return 0;
}

/* ---- main --------------------------------------------------------------- */

static int asked_to_check(int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--check-config"))
      return 1;
  return 0;
}

int main(int argc, char **argv)
{
  static const char *const levels[] = { "error", "warn", "info", "debug" };
  struct cf_srv_options o;
  char err[1024];
  int r;

  if (cf__srv_options_parse(argc, argv, &o, err, sizeof err) != 0) {
    if (asked_to_check(argc, argv)) {
      printf("  problem: %s\ncuferryd: the configuration is not valid\n",
             err);
      return 1;
    }
    fprintf(stderr, "cuferryd: %s\nTry 'cuferryd --help'.\n", err);
    return 2;
  }
  r = 0;
  if (o.help)
    cf__srv_usage(stdout);
  else if (o.version)
    printf("cuferryd %s (protocol %d)\n", CF_VERSION, CF_PROTOCOL_VERSION);
  else if (o.hash_token)
    r = hash_token();
  else if (o.new_token)
    r = new_token(o.new_token);
  else if (o.check_config)
    r = check_config(&o);
  else {
    /* cf_log_init (in both top levels) reads CUFERRY_LOG_LEVEL: a level
     * set by flag or file takes its place, and workers inherit it. */
    if (o.log_level_set && o.log_level >= 0 && o.log_level < 4)
      setenv("CUFERRY_LOG_LEVEL", levels[o.log_level], 1);
    r = o.worker ? cf__worker_run(&o) : cf__srv_supervisor_run(&o);
  }
  cf__srv_options_free(&o);
  return r;
}
