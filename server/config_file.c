/* cuferryd's config file (--config FILE): an INI file read with inih
 * through cf_ini (common/), mapped key by key onto the command-line flags.
 * Each key is set through cf__srv_option_set, so a key and its flag share
 * the parser, the range checks and the wording of errors; this file only
 * knows which section holds which key. Unknown sections and keys, keys
 * given twice and keys outside a section are errors, reported as
 * "FILE:LINE: ..." by cf_ini. [quota] is the one section whose keys are
 * not fixed: IDENTITY = SIZE lines, per-identity device-memory quotas.
 * Single-threaded, no globals; the options own what is read. */
#include "internal.h"

#include <stdarg.h>
#include <string.h>

#include "cf_error.h"
#include "cf_ini.h"

static int bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return CF_EINVAL;
}

/* Every key and the flag it sets (--help lists the same). */
/* is_path: 1 a file name, taken relative to the config file's directory
 * unless absolute; 2 the same, but only when it has a '/' ([driver] library:
 * "emu" and bare library names are not paths). */
static const struct {
  const char *section, *key, *flag;
  int is_path;
} keys[] = {
  { "listen", "address", "--listen" },
  { "listen", "rdma", "--listen" },
  { "listen", "insecure", "--insecure" },
  { "tls", "cert", "--tls-cert", 1 },
  { "tls", "key", "--tls-key", 1 },
  { "tls", "client_ca", "--tls-client-ca", 1 },
  { "auth", "tokens", "--tokens", 1 },
  { "limits", "memory_quota", "--memory-quota" },
  { "limits", "max_sessions", "--max-sessions" },
  { "limits", "max_sessions_per_identity", "--max-sessions-per-identity" },
  { "limits", "max_handles", "--max-handles" },
  { "limits", "image_cache", "--image-cache" },
  { "limits", "max_body", "--max-body" },
  { "limits", "max_bulk", "--max-bulk" },
  { "driver", "library", "--driver", 2 },
  { "server", "user", "--user" },
  { "logging", "level", "--log-level" },
};
#define N_KEYS (sizeof keys / sizeof keys[0])

static const char *const sections[] = {
  "listen", "tls", "auth", "limits", "quota", "driver", "server", "logging",
};
#define N_SECTIONS (sizeof sections / sizeof sections[0])

static int known_section(const char *s)
{
  for (size_t i = 0; i < N_SECTIONS; i++)
    if (!strcmp(sections[i], s))
      return 1;
  return 0;
}

/* "a, b, c" of the keys of section into buf. */
static void list_keys(const char *section, char *buf, size_t len)
{
  size_t at = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < N_KEYS && at < len; i++)
    if (!strcmp(keys[i].section, section)) {
      int n = snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
                       keys[i].key);
      at += n > 0 ? (size_t)n : 0;
    }
}

struct load {
  struct cf_srv_options *o;
  const char *path;
};

static int on_key(void *arg, const char *section, const char *key,
                  const char *value, char *err, size_t errlen)
{
  struct load *l = arg;
  struct cf_srv_options *o = l->o;
  char shown[128], known[256], path[4096];

  if (!*section && !key) /* a "[]" line: cf_ini passes section "", key NULL */
    return bad(err, errlen, "\"[]\" names no section (known: listen, tls, auth, "
               "limits, quota, driver, server, logging)");
  if (!*section)
    return bad(err, errlen, "\"%s\" is outside any section (put it under "
                    "[listen], [tls], [auth], [limits], [quota], [driver], "
                    "[server] or [logging])", key ? key : "");
  if (!known_section(section))
    return bad(err, errlen, "unknown section [%s] (known: listen, tls, auth, "
               "limits, quota, driver, server, logging)", section);
  if (!key)
    return 0;
  if (!strcmp(section, "quota")) {
    int r = cf__srv_options_add_quota(o, key, value, err, errlen);

    return r == CF_EEXIST ? CF_EINVAL : r;
  }
  for (size_t i = 0; i < N_KEYS; i++)
    if (!strcmp(keys[i].section, section) && !strcmp(keys[i].key, key)) {
      snprintf(shown, sizeof shown, "[%s] %s", section, key);
      if (*value && (keys[i].is_path == 1 ||
                     (keys[i].is_path == 2 && strchr(value, '/')))) {
        if (cf_ini_path(l->path, value, path, sizeof path) != 0)
          return bad(err, errlen, "%s: the path is too long", shown);
        value = path;
      }
      return cf__srv_option_set(o, keys[i].flag, value, shown, err, errlen);
    }
  list_keys(section, known, sizeof known);
  return bad(err, errlen, "unknown key \"%s\" in [%s] (known: %s)", key,
             section, known);
}

int cf__srv_config_load(struct cf_srv_options *o, const char *path, char *err,
                        size_t errlen)
{
  struct load l = { o, path };

  return cf_ini_parse(path, on_key, &l, err, errlen);
}
