/* cuferryd's settings: the command line, parsed into struct cf_srv_options
 * on top of the config file (config_file.c reads it and sets each key
 * through cf__srv_option_set, so a key and its flag share one parser and
 * one message), the cross-option rules, and the argv a worker gets. The
 * --help text is usage.c's.
 *
 * Order: defaults, then the file named by --config, then every other flag
 * in command-line order, then the rules that involve several options
 * (wireguard-tools config.c style: read the whole input, check once). Every
 * error names the option and quotes the value (never a secret). The
 * options own their strings; cf__srv_options_free releases them. No
 * globals; main() prints. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"
#include "cf_token.h"
#include "config.h"


/* Parse all of s as a decimal number in [min, max], with an optional K/M/G
 * suffix (x1024^n) when sizes is set. Signs, spaces, hex and leftovers are
 * refused. */
static int parse_u64(const char *opt, const char *s, int sizes, uint64_t min,
                     uint64_t max, uint64_t *out, char *err, size_t errlen)
{
  uint64_t v = 0, mul = 1;
  const char *p = s;

  *out = 0;
  if (*p < '0' || *p > '9')
    return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is not a number%s", opt, s,
                sizes ? " (bytes, with an optional K, M or G suffix)" : "");
  for (; *p >= '0' && *p <= '9'; p++) {
    unsigned d = (unsigned)(*p - '0');

    if (v > (UINT64_MAX - d) / 10)
      return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is too large (at most %" PRIu64 ")",
                  opt, s, max);
    v = v * 10 + d;
  }
  if (sizes && *p) {
    switch (*p) {
    case 'K': case 'k': mul = (uint64_t)1 << 10; break;
    case 'M': case 'm': mul = (uint64_t)1 << 20; break;
    case 'G': case 'g': mul = (uint64_t)1 << 30; break;
    default: mul = 0; break;
    }
    if (mul)
      p++;
  }
  if (*p || !mul)
    return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is not a number%s", opt, s,
                sizes ? " (bytes, with an optional K, M or G suffix)" : "");
  if (v > UINT64_MAX / mul)
    return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is too large (at most %" PRIu64 ")",
                opt, s, max);
  v *= mul;
  if (v < min || v > max)
    return cf_fail(err, errlen, CF_EINVAL,
                "%s: \"%s\" is out of range (%" PRIu64 " to %" PRIu64 ")", opt,
                s, min, max);
  *out = v;
  return 0;
}

/* A yes/no word; NULL (a bare flag) is yes. */
static int parse_bool(const char *opt, const char *s, int *out, char *err,
                      size_t errlen)
{
  static const char *yes[] = { "yes", "true", "on", "1" };
  static const char *no[] = { "no", "false", "off", "0" };

  if (!s) {
    *out = 1;
    return 0;
  }
  for (size_t i = 0; i < 4; i++) {
    if (!strcmp(s, yes[i]))
      return *out = 1, 0;
    if (!strcmp(s, no[i]))
      return *out = 0, 0;
  }
  return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is not yes or no (yes, no, true, "
              "false, on, off, 1, 0)", opt, s);
}

static const char *const level_names[] = { "error", "warn", "info", "debug" };

enum opt_id {
  OPT_CONFIG, OPT_CHECK_CONFIG, OPT_HASH_TOKEN, OPT_NEW_TOKEN,
  OPT_LISTEN, OPT_INSECURE, OPT_TLS_CERT, OPT_TLS_KEY, OPT_TLS_CLIENT_CA,
  OPT_TOKENS, OPT_MEMORY_QUOTA, OPT_MAX_SESSIONS, OPT_MAX_SESSIONS_ID,
  OPT_MAX_HANDLES, OPT_IMAGE_CACHE, OPT_MAX_BODY, OPT_MAX_BULK, OPT_DRIVER, OPT_USER,
  OPT_LOG_LEVEL, OPT_HELP, OPT_VERSION, OPT_WORKER, OPT_SESSION, OPT_PARENT
};

/* has_value: 1 takes a value, 0 is a flag. */
static const struct {
  const char *name;
  enum opt_id id;
  int has_value;
} opts[] = {
  { "--config", OPT_CONFIG, 1 },
  { "--check-config", OPT_CHECK_CONFIG, 0 },
  { "--hash-token", OPT_HASH_TOKEN, 0 },
  { "--new-token", OPT_NEW_TOKEN, 1 },
  { "--listen", OPT_LISTEN, 1 },
  { "--insecure", OPT_INSECURE, 0 },
  { "--tls-cert", OPT_TLS_CERT, 1 },
  { "--tls-key", OPT_TLS_KEY, 1 },
  { "--tls-client-ca", OPT_TLS_CLIENT_CA, 1 },
  { "--tokens", OPT_TOKENS, 1 },
  { "--memory-quota", OPT_MEMORY_QUOTA, 1 },
  { "--max-sessions", OPT_MAX_SESSIONS, 1 },
  { "--max-sessions-per-identity", OPT_MAX_SESSIONS_ID, 1 },
  { "--max-handles", OPT_MAX_HANDLES, 1 },
  { "--image-cache", OPT_IMAGE_CACHE, 1 },
  { "--max-body", OPT_MAX_BODY, 1 },
  { "--max-bulk", OPT_MAX_BULK, 1 },
  { "--driver", OPT_DRIVER, 1 },
  { "--user", OPT_USER, 1 },
  { "--log-level", OPT_LOG_LEVEL, 1 },
  { "--help", OPT_HELP, 0 },
  { "-h", OPT_HELP, 0 },
  { "--version", OPT_VERSION, 0 },
  { "--worker", OPT_WORKER, 0 },
  { "--session", OPT_SESSION, 1 },
  { "--parent", OPT_PARENT, 1 },
};
#define N_OPTS (sizeof opts / sizeof opts[0])

/* Replace *field with a copy of val. */
static int set_str(const char **field, const char *val, char *err,
                   size_t errlen)
{
  char *copy = strdup(val);

  if (!copy) {
    if (err && errlen)
      snprintf(err, errlen, "out of memory");
    return CF_ENOMEM;
  }
  free((void *)*field);
  *field = copy;
  return 0;
}

/* A path must not be empty; it is checked for existence by --check-config
 * and when used, not here (a worker may run where it is not readable). */
static int set_path(const char **field, const char *shown, const char *val,
                    char *err, size_t errlen)
{
  if (!*val)
    return cf_fail(err, errlen, CF_EINVAL, "%s: \"\" is empty (a file name)", shown);
  return set_str(field, val, err, errlen);
}

static int apply(struct cf_srv_options *o, enum opt_id id, const char *shown,
                 const char *val, char *err, size_t errlen)
{
  uint64_t v;
  int r = 0;

  switch (id) {
  case OPT_CONFIG: return set_path(&o->config, shown, val, err, errlen);
  case OPT_CHECK_CONFIG: o->check_config = 1; break;
  case OPT_HASH_TOKEN: o->hash_token = 1; break;
  case OPT_NEW_TOKEN:
    if (cf_token_identity_check(val, err, errlen) != 0) {
      char why[256];

      snprintf(why, sizeof why, "%s", err);
      return cf_fail(err, errlen, CF_EINVAL, "%s: %s", shown, why);
    }
    return set_str(&o->new_token, val, err, errlen);
  case OPT_LISTEN: {
    struct cf_url u;

    if (cf_url_parse(val, &u) != 0)
      return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is not an address of the form "
                  "tls://HOST:PORT, tcp://HOST:PORT (port 0 to 65535; 0 "
                  "picks a free port) or rdma://ADDR:0", shown, val);
    if (strcmp(u.scheme, "rdma") == 0) {
      o->rdma_listen = u;
      o->have_rdma = 1;
    } else {
      o->listen = u;
      o->have_listen = 1;
    }
    break;
  }
  case OPT_INSECURE: return parse_bool(shown, val, &o->insecure, err, errlen);
  case OPT_TLS_CERT: return set_path(&o->tls_cert, shown, val, err, errlen);
  case OPT_TLS_KEY: return set_path(&o->tls_key, shown, val, err, errlen);
  case OPT_TLS_CLIENT_CA:
    return set_path(&o->tls_client_ca, shown, val, err, errlen);
  case OPT_TOKENS: return set_path(&o->tokens, shown, val, err, errlen);
  case OPT_MEMORY_QUOTA:
    r = parse_u64(shown, val, 1, 0, UINT64_MAX, &v, err, errlen);
    o->memory_quota = v;
    break;
  case OPT_MAX_SESSIONS:
  case OPT_MAX_SESSIONS_ID:
    r = parse_u64(shown, val, 0, 0, CF_SRV_MAX_SESSIONS_CAP, &v, err, errlen);
    if (id == OPT_MAX_SESSIONS)
      o->max_sessions = (uint32_t)v;
    else
      o->max_sessions_per_identity = (uint32_t)v;
    break;
  case OPT_MAX_HANDLES:
    r = parse_u64(shown, val, 0, CF_SRV_MIN_HANDLES, CF_SRV_MAX_HANDLES, &v,
                  err, errlen);
    o->max_handles = v;
    break;
  case OPT_IMAGE_CACHE:
    r = parse_u64(shown, val, 1, 0, CF_IMAGE_CACHE_MAX, &v, err, errlen);
    o->image_cache = v;
    break;
  case OPT_MAX_BODY:
    r = parse_u64(shown, val, 1, CF_SRV_MIN_BODY, CF_SRV_MAX_BODY, &v, err,
                  errlen);
    o->lim.max_body = (uint32_t)v;
    break;
  case OPT_MAX_BULK:
    r = parse_u64(shown, val, 1, CF_SRV_MIN_BULK, CF_SRV_MAX_BULK, &v, err,
                  errlen);
    o->lim.max_bulk = v;
    break;
  case OPT_DRIVER:
    if (!*val)
      return cf_fail(err, errlen, CF_EINVAL, "%s: \"\" is empty (use emu or a library path)",
                  shown);
    return set_str(&o->driver, val, err, errlen);
  case OPT_USER:
    if (!*val || strpbrk(val, " \t:/"))
      return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is not a user name", shown, val);
    return set_str(&o->user, val, err, errlen);
  case OPT_LOG_LEVEL:
    for (int i = 0; i < 4; i++)
      if (!strcmp(val, level_names[i])) {
        o->log_level = i;
        o->log_level_set = 1;
        return 0;
      }
    return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is not a level (error, warn, info "
                "or debug)", shown, val);
  case OPT_HELP: o->help = 1; break;
  case OPT_VERSION: o->version = 1; break;
  case OPT_WORKER: o->worker = 1; break;
  case OPT_SESSION:
    r = parse_u64(shown, val, 0, 1, UINT64_MAX, &v, err, errlen);
    o->session_id = v;
    break;
  case OPT_PARENT:
    r = parse_u64(shown, val, 0, 1, INT32_MAX, &v, err, errlen);
    o->parent_pid = (long)v;
    break;
  }
  return r;
}

int cf__srv_option_set(struct cf_srv_options *o, const char *flag,
                       const char *val, const char *shown, char *err,
                       size_t errlen)
{
  for (size_t k = 0; k < N_OPTS; k++)
    if (!strcmp(opts[k].name, flag)) {
      if (opts[k].has_value && !val)
        return cf_fail(err, errlen, CF_EINVAL, "%s needs a value", shown);
      return apply(o, opts[k].id, shown, val, err, errlen);
    }
  if (err && errlen)
    snprintf(err, errlen, "%s: no such option", flag);
  return CF_ENOTFOUND;
}

int cf__srv_options_add_quota(struct cf_srv_options *o, const char *identity,
                              const char *size, char *err, size_t errlen)
{
  struct cf_srv_quota *q;
  uint64_t v;
  char why[256];
  int r;

  if (cf_token_identity_check(identity, why, sizeof why) != 0)
    return cf_fail(err, errlen, CF_EINVAL, "[quota]: %s", why);
  for (size_t i = 0; i < o->n_quotas; i++)
    if (!strcmp(o->quotas[i].identity, identity)) {
      cf_fail(err, errlen, CF_EINVAL, "[quota] %s is given twice", identity);
      return CF_EEXIST;
    }
  snprintf(why, sizeof why, "[quota] %s", identity);
  if ((r = parse_u64(why, size, 1, 0, UINT64_MAX, &v, err, errlen)) != 0)
    return r;
  if (o->n_quotas >= CF_SRV_MAX_QUOTAS) {
    cf_fail(err, errlen, CF_EINVAL, "[quota]: more than %d identities", CF_SRV_MAX_QUOTAS);
    return CF_ETOOBIG;
  }
  if (!(q = realloc(o->quotas, (o->n_quotas + 1) * sizeof *q))) {
    snprintf(err, errlen, "out of memory");
    return CF_ENOMEM;
  }
  o->quotas = q;
  snprintf(q[o->n_quotas].identity, sizeof q->identity, "%s", identity);
  q[o->n_quotas++].bytes = v;
  return 0;
}

uint64_t cf__srv_options_quota(const struct cf_srv_options *o,
                               const char *identity)
{
  for (size_t i = 0; identity && i < o->n_quotas; i++)
    if (!strcmp(o->quotas[i].identity, identity))
      return o->quotas[i].bytes;
  return o->memory_quota;
}

/* Rules that involve several options, checked once everything is read. */
static int finish(struct cf_srv_options *o, char *err, size_t errlen)
{
  int tls;

  if (o->help || o->version || o->hash_token || o->new_token)
    return 0;
  if (o->worker && (!o->session_id || !o->parent_pid))
    return cf_fail(err, errlen, CF_EINVAL,
                "--worker is internal: it needs --session and --parent");
  if (o->worker && !o->have_listen)
    return 0; /* the supervisor checked; a worker only passes them on */
  if (!o->have_listen && o->have_rdma)
    return cf_fail(err, errlen, CF_EINVAL, "--listen: rdma:// sessions open over TLS "
                "first; also listen on tls://HOST:PORT");
  if (!o->have_listen)
    return cf_fail(err, errlen, CF_EINVAL, "--listen is required (e.g. --listen "
                "tls://0.0.0.0:7100 with --tls-cert, --tls-key and --tokens, "
                "or --listen tcp://127.0.0.1:0 --insecure)");
  tls = !strcmp(o->listen.scheme, "tls");
  if (tls && !CF_HAVE_TLS)
    return cf_fail(err, errlen, CF_EINVAL, "--listen: tls:// needs TLS, and this cuferryd "
                "was built without OpenSSL");
  if (o->tls_key && !o->tls_cert)
    return cf_fail(err, errlen, CF_EINVAL, "--tls-key is set but --tls-cert is not");
  if (tls && (!o->tls_cert || !o->tls_key))
    return cf_fail(err, errlen, CF_EINVAL, "--listen: tls:// needs --tls-cert and "
                "--tls-key (the server's certificate chain and key)");
  if (!tls && (o->tls_cert || o->tls_key || o->tls_client_ca))
    return cf_fail(err, errlen, CF_EINVAL, "--listen: tcp:// is plain TCP, but TLS files "
                "are set (--tls-cert, --tls-key or --tls-client-ca); listen "
                "on tls:// to use them");
  if (o->have_rdma && !CF_HAVE_RDMA)
    return cf_fail(err, errlen, CF_EINVAL, "--listen: rdma:// needs RDMA, and this cuferryd "
                "was built without libibverbs and librdmacm");
  if (o->have_rdma && !tls)
    return cf_fail(err, errlen, CF_EINVAL, "--listen: rdma:// sessions open over TLS "
                "first; also listen on tls://HOST:PORT");
  if (o->have_rdma && o->rdma_listen.port != 0)
    return cf_fail(err, errlen, CF_EINVAL, "--listen: rdma://%s:%u: give port 0 (each "
                "session's worker listens on a port of its own and tells its client "
                "over TLS)", o->rdma_listen.host, (unsigned)o->rdma_listen.port);
  if (!tls && !o->insecure)
    return cf_fail(err, errlen, CF_EINVAL,
                "--listen: plain tcp:// is unencrypted and unauthenticated; "
                "use TLS (tls:// with --tls-cert and --tls-key), or to "
                "accept plain TCP anyway (trusted networks only), add "
                "--insecure");
  if (tls && !o->tokens && !o->tls_client_ca && !o->insecure)
    return cf_fail(err, errlen, CF_EINVAL, "--listen: tls:// with neither --tokens nor "
                "--tls-client-ca admits nobody; set one (or add --insecure to "
                "admit any TLS client as \"anonymous\")");
  return 0;
}

static void prepare_worker_text(struct cf_srv_options *o);

/* argv split into (option, value) pairs. */
struct pair {
  size_t k;
  const char *val;
};

static int split(int argc, char *const argv[], struct pair *pairs,
                 size_t *n, char *err, size_t errlen)
{
  *n = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *eq = strchr(arg, '='), *val = NULL;
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg), k;

    for (k = 0; k < N_OPTS; k++)
      if (strlen(opts[k].name) == nlen && !strncmp(opts[k].name, arg, nlen))
        break;
    if (k == N_OPTS)
      return cf_fail(err, errlen, CF_EINVAL, "unknown option \"%s\"", arg);
    if (opts[k].has_value) {
      if (eq)
        val = eq + 1;
      else if (i + 1 < argc)
        val = argv[++i];
      else
        return cf_fail(err, errlen, CF_EINVAL, "%s needs a value", opts[k].name);
    } else if (eq) {
      return cf_fail(err, errlen, CF_EINVAL, "%s takes no value (got \"%s\")", opts[k].name,
                  eq + 1);
    }
    pairs[*n].k = k;
    pairs[(*n)++].val = val;
  }
  return 0;
}

int cf__srv_options_parse(int argc, char *const argv[],
                          struct cf_srv_options *o, char *err, size_t errlen)
{
  struct pair *pairs = NULL;
  size_t n = 0;
  int r;

  memset(o, 0, sizeof *o);
  o->lim.max_body = CF_FRAME_DEFAULT_MAX_BODY;
  o->lim.max_bulk = CF_FRAME_DEFAULT_MAX_BULK;
  o->max_sessions = CF_SRV_DEFAULT_MAX_SESSIONS;
  o->max_sessions_per_identity = CF_SRV_DEFAULT_MAX_SESSIONS_PER_IDENTITY;
  o->max_handles = CF_SRV_DEFAULT_MAX_HANDLES;
  o->image_cache = CF_IMAGE_CACHE_DEFAULT;
  o->log_level = CF_LOG_INFO;
  if (err && errlen)
    err[0] = '\0';
  if (argc > 1 && !(pairs = calloc((size_t)argc, sizeof *pairs))) {
    snprintf(err, errlen, "out of memory");
    return CF_ENOMEM;
  }
  r = split(argc, argv, pairs, &n, err, errlen);
  /* The file first (the last --config wins), then the command line. */
  for (size_t i = n; r == 0 && i-- > 0;)
    if (opts[pairs[i].k].id == OPT_CONFIG) {
      r = apply(o, OPT_CONFIG, "--config", pairs[i].val, err, errlen);
      if (r == 0)
        r = cf__srv_config_load(o, o->config, err, errlen);
      break;
    }
  for (size_t i = 0; r == 0 && i < n; i++)
    if (opts[pairs[i].k].id != OPT_CONFIG)
      r = apply(o, opts[pairs[i].k].id, opts[pairs[i].k].name, pairs[i].val,
                err, errlen);
  free(pairs);
  if (r == 0)
    r = finish(o, err, errlen);
  if (r != 0)
    cf__srv_options_free(o);
  else
    prepare_worker_text(o);
  return r;
}

void cf__srv_options_free(struct cf_srv_options *o)
{
  if (!o)
    return;
  free((void *)o->new_token);
  free((void *)o->config);
  free((void *)o->tls_cert);
  free((void *)o->tls_key);
  free((void *)o->tls_client_ca);
  free((void *)o->tokens);
  free((void *)o->driver);
  free((void *)o->user);
  free(o->quotas);
  memset(o, 0, sizeof *o);
}

/* The text of the worker's listen address and numeric arguments, kept in
 * the options so that cf__srv_options_worker_args can hand out pointers. */
static void prepare_worker_text(struct cf_srv_options *o)
{
  const uint64_t nums[] = { o->lim.max_body, o->lim.max_bulk, o->max_handles,
                            o->memory_quota, o->image_cache };

  if (o->have_listen)
    cf_url_format(&o->listen, o->wlisten_, sizeof o->wlisten_);
  if (o->have_rdma)
    cf_url_format(&o->rdma_listen, o->wrdma_, sizeof o->wrdma_);
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    snprintf(o->warg_[i], sizeof o->warg_[i], "%" PRIu64, nums[i]);
}

int cf__srv_options_worker_args(const struct cf_srv_options *o, char **args,
                                size_t max)
{
  static const char *const num_flags[] = { "--max-body", "--max-bulk", "--max-handles",
                                           "--memory-quota", "--image-cache" };
  const char *a[CF_SRV_WORKER_ARGS_MAX];
  size_t n = 0;

  if (o->have_listen) {
    a[n++] = "--listen";
    a[n++] = o->wlisten_;
  }
  if (o->have_rdma) {
    a[n++] = "--listen";
    a[n++] = o->wrdma_;
  }
  if (o->insecure)
    a[n++] = "--insecure";
#define STR_ARG(flag, field) \
  if (o->field) { a[n++] = flag; a[n++] = o->field; }
  STR_ARG("--tls-cert", tls_cert)
  STR_ARG("--tls-key", tls_key)
  STR_ARG("--tls-client-ca", tls_client_ca)
  STR_ARG("--tokens", tokens)
  STR_ARG("--driver", driver)
  STR_ARG("--user", user)
#undef STR_ARG
  for (size_t i = 0; i < sizeof num_flags / sizeof num_flags[0]; i++) {
    a[n++] = num_flags[i];
    a[n++] = o->warg_[i];
  }
  a[n++] = "--log-level";
  a[n++] = level_names[o->log_level >= 0 && o->log_level < 4 ? o->log_level
                                                             : CF_LOG_INFO];
  if (n > max)
    n = max;
  for (size_t i = 0; i < n; i++)
    args[i] = (char *)a[i];
  return (int)n;
}

const char *cf__srv_driver_label(const char *driver)
{
  return driver ? driver : CF_SRV_DEFAULT_DRIVER;
}
