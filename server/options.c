/* cuferryd's command line: parsing into struct cf_srv_options, the --help
 * text and the cross-option rules (wireguard-tools config.c style: read the
 * whole input, then check what depends on several options once). Every
 * error names the option and quotes the value. No globals; main() prints
 * the message and exits. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "config.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  if (err && errlen) {
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return CF_EINVAL;
}

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
    return fail(err, errlen, "%s: \"%s\" is not a number", opt, s);
  for (; *p >= '0' && *p <= '9'; p++) {
    unsigned d = (unsigned)(*p - '0');

    if (v > (UINT64_MAX - d) / 10)
      return fail(err, errlen, "%s: \"%s\" is too large (at most %" PRIu64 ")",
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
    return fail(err, errlen, "%s: \"%s\" is not a number%s", opt, s,
                sizes ? " (bytes, with an optional K, M or G suffix)" : "");
  if (v > UINT64_MAX / mul)
    return fail(err, errlen, "%s: \"%s\" is too large (at most %" PRIu64 ")",
                opt, s, max);
  v *= mul;
  if (v < min || v > max)
    return fail(err, errlen,
                "%s: \"%s\" is out of range (%" PRIu64 " to %" PRIu64 ")", opt,
                s, min, max);
  *out = v;
  return 0;
}

/* Options that take a value, and flags. */
enum opt_id {
  OPT_LISTEN, OPT_DRIVER, OPT_INSECURE, OPT_MAX_BODY, OPT_MAX_BULK,
  OPT_HELP, OPT_VERSION, OPT_WORKER, OPT_SESSION, OPT_PARENT
};

static const struct {
  const char *name;
  enum opt_id id;
  int has_value;
} opts[] = {
  { "--listen", OPT_LISTEN, 1 },     { "--driver", OPT_DRIVER, 1 },
  { "--insecure", OPT_INSECURE, 0 }, { "--max-body", OPT_MAX_BODY, 1 },
  { "--max-bulk", OPT_MAX_BULK, 1 }, { "--help", OPT_HELP, 0 },
  { "-h", OPT_HELP, 0 },             { "--version", OPT_VERSION, 0 },
  { "--worker", OPT_WORKER, 0 },     { "--session", OPT_SESSION, 1 },
  { "--parent", OPT_PARENT, 1 },
};

static int apply(struct cf_srv_options *o, enum opt_id id, const char *name,
                 const char *val, int *have_listen, char *err, size_t errlen)
{
  uint64_t v;
  int r = 0;

  switch (id) {
  case OPT_LISTEN:
    if (cf_url_parse(val, &o->listen) != 0)
      return fail(err, errlen,
                  "%s: \"%s\" is not an address of the form tcp://HOST:PORT "
                  "(port 0 to 65535; 0 picks a free port)", name, val);
    *have_listen = 1;
    break;
  case OPT_DRIVER:
    if (!*val)
      return fail(err, errlen, "%s: \"\" is empty (use emu or a library path)",
                  name);
    o->driver = val;
    break;
  case OPT_INSECURE: o->insecure = 1; break;
  case OPT_HELP: o->help = 1; break;
  case OPT_VERSION: o->version = 1; break;
  case OPT_WORKER: o->worker = 1; break;
  case OPT_MAX_BODY:
    r = parse_u64(name, val, 1, CF_SRV_MIN_BODY, CF_SRV_MAX_BODY, &v, err,
                  errlen);
    o->lim.max_body = (uint32_t)v;
    break;
  case OPT_MAX_BULK:
    r = parse_u64(name, val, 1, CF_SRV_MIN_BULK, CF_SRV_MAX_BULK, &v, err,
                  errlen);
    o->lim.max_bulk = v;
    break;
  case OPT_SESSION:
    r = parse_u64(name, val, 0, 1, UINT64_MAX, &v, err, errlen);
    o->session_id = v;
    break;
  case OPT_PARENT:
    r = parse_u64(name, val, 0, 1, INT32_MAX, &v, err, errlen);
    o->parent_pid = (long)v;
    break;
  }
  return r;
}

/* Rules that involve several options, checked once everything is read. */
static int finish(struct cf_srv_options *o, int have_listen, char *err,
                  size_t errlen)
{
  if (o->help || o->version)
    return 0;
  if (o->worker) {
    if (!o->session_id || !o->parent_pid)
      return fail(err, errlen,
                  "--worker is internal: it needs --session and --parent");
    return 0;
  }
  if (!have_listen)
    return fail(err, errlen, "--listen is required (e.g. --listen "
                "tcp://127.0.0.1:0 --insecure)");
  if (strcmp(o->listen.scheme, "tcp") != 0)
    return fail(err, errlen,
                "--listen: \"%s://...\" is not served yet; only tcp:// is "
                "(TLS comes in a later release)", o->listen.scheme);
  if (!o->insecure)
    return fail(err, errlen,
                "--listen: plain tcp:// is unencrypted and unauthenticated; "
                "TLS comes in a later release. To accept plain TCP anyway "
                "(trusted networks only), add --insecure");
  return 0;
}

int cf__srv_options_parse(int argc, char *const argv[],
                          struct cf_srv_options *o, char *err, size_t errlen)
{
  int have_listen = 0;

  memset(o, 0, sizeof *o);
  o->lim.max_body = CF_FRAME_DEFAULT_MAX_BODY;
  o->lim.max_bulk = CF_FRAME_DEFAULT_MAX_BULK;
  if (err && errlen)
    err[0] = '\0';

  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *eq = strchr(arg, '='), *val = NULL;
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    size_t k, nopts = sizeof opts / sizeof opts[0];
    int r;

    for (k = 0; k < nopts; k++)
      if (strlen(opts[k].name) == nlen && !strncmp(opts[k].name, arg, nlen))
        break;
    if (k == nopts)
      return fail(err, errlen, "unknown option \"%s\"", arg);
    if (opts[k].has_value) {
      if (eq)
        val = eq + 1;
      else if (i + 1 < argc)
        val = argv[++i];
      else
        return fail(err, errlen, "%s needs a value", opts[k].name);
    } else if (eq) {
      return fail(err, errlen, "%s takes no value (got \"%s\")", opts[k].name,
                  eq + 1);
    }
    r = apply(o, opts[k].id, opts[k].name, val, &have_listen, err, errlen);
    if (r)
      return r;
  }
  return finish(o, have_listen, err, errlen);
}

const char *cf__srv_driver_label(const char *driver)
{
  return driver ? driver : CF_SRV_DEFAULT_DRIVER;
}

void cf__srv_usage(FILE *f)
{
  fprintf(f,
"Usage: cuferryd --listen tcp://HOST:PORT [--insecure] [--driver emu|PATH]\n"
"                [--max-body BYTES] [--max-bulk BYTES]\n"
"\n"
"cuferryd serves CUDA driver API calls forwarded by cuferry's client stub\n"
"(libcuda.so.1) and replays them on a driver. Each client session runs in a\n"
"worker process of its own.\n"
"\n"
"Options:\n"
"  --listen tcp://HOST:PORT  Address to accept clients on. HOST is a name, an\n"
"                            IPv4 address or a bracketed IPv6 address; port 0\n"
"                            picks a free port. When ready, cuferryd prints\n"
"                            \"listening tcp://HOST:PORT\" with the real port.\n"
"  --insecure                Accept plain, unencrypted and unauthenticated TCP.\n"
"                            Required for tcp:// until TLS arrives; use it on\n"
"                            trusted networks only.\n"
"  --driver emu|PATH         The driver that runs the calls: \"emu\" is\n"
"                            cuferry's CPU emulator (libcuferry-emu.so, found\n"
"                            beside this program in a build tree, else in\n"
"                            %s); PATH loads that library;\n"
"                            the default is the NVIDIA driver, %s.\n"
"  --max-body BYTES          Largest message body a client may send\n"
"                            (default %u; %u to %u; K, M, G suffixes).\n"
"  --max-bulk BYTES          Largest bulk payload (copies, module images) in\n"
"                            one frame (default %" PRIu64 "; %" PRIu64 " to\n"
"                            %" PRIu64 ").\n"
"  --help, -h                Show this help and exit.\n"
"  --version                 Show the version and exit.\n"
"\n"
"SIGTERM or SIGINT stops accepting, ends every session and exits 0.\n"
"Log verbosity: CUFERRY_LOG_LEVEL=error|warn|info|debug.\n",
          CF_EMU_INSTALL_DIR, CF_SRV_DEFAULT_DRIVER,
          (unsigned)CF_FRAME_DEFAULT_MAX_BODY, CF_SRV_MIN_BODY,
          CF_SRV_MAX_BODY, (uint64_t)CF_FRAME_DEFAULT_MAX_BULK,
          CF_SRV_MIN_BULK, CF_SRV_MAX_BULK);
}
