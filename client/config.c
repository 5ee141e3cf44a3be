/* The client stub's configuration: which server, how to trust it and how
 * to prove who we are, from an INI file (client.conf, read with inih through
 * common/cf_ini) and then from environment variables that override single
 * keys for one-off runs.
 *
 * The file is the first that exists of $CUFERRY_CONFIG (which must exist
 * when set), $XDG_CONFIG_HOME/cuferry/client.conf (else
 * ~/.config/cuferry/client.conf) and /etc/cuferry/client.conf. Its keys sit
 * at the top, in no section: server, ca, cert, key, token, token_file,
 * compression, connect_timeout, call_timeout. Relative paths are taken
 * relative to the file's directory. Then CUFERRY_SERVER, CUFERRY_CA,
 * CUFERRY_CERT, CUFERRY_KEY, CUFERRY_TOKEN and CUFERRY_COMPRESSION replace
 * their key when set and not empty.
 *
 * Secrets: a token must not be readable by other users. token_file must be
 * a regular file of ours (or root's) with no group or other permissions
 * (like ssh's private keys: refused, not warned about, because a warning in
 * a CUDA program's stderr is easily missed), and a token written in the
 * config file itself needs the same of that file. Errors never quote a
 * token. Called once, from cuInit (session.c); no globals, no logging. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_codec.h"
#include "cf_error.h"
#include "cf_ini.h"
#include "cf_transport.h"
#include "internal.h"

/* Where the system-wide file lives; the unit test points it elsewhere. */
#ifndef CF_CLIENT_SYSTEM_CONFIG
#define CF_CLIENT_SYSTEM_CONFIG "/etc/cuferry/client.conf"
#endif

#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define MAX_TIMEOUT_MS (24 * 3600 * 1000)
#define TOKEN_MIN 16   /* as cf_token.h's CF_TOKEN_MIN_LEN */
#define TOKEN_FILE_MAX 4096


struct load {
  struct cf_client_config *c;
  const char *path;
  int token_line;       /* line of token / token_file, for the conflict */
  int file_private;     /* the file has no group/other permissions */
};

/* Copy s into dst (len bytes) or fail naming what. */
static int put(char *dst, size_t len, const char *what, const char *s,
               char *err, size_t errlen)
{
  if (strlen(s) >= len)
    return cf_fail(err, errlen, CF_EINVAL, "%s: the value is too long (at most %zu "
               "characters)", what, len - 1);
  memcpy(dst, s, strlen(s) + 1);
  return 0;
}

/* A token: TOKEN_MIN to 255 printable ASCII characters, no spaces. */
static int check_token(const char *what, const char *t, char *err,
                       size_t errlen)
{
  size_t n = strlen(t);

  if (n < TOKEN_MIN || n > 255)
    return cf_fail(err, errlen, CF_EINVAL, "%s: the token has %zu characters (%d to 255; "
               "ask the server's operator for one made by cuferryd "
               "--new-token)", what, n, TOKEN_MIN);
  for (size_t i = 0; i < n; i++)
    if (t[i] <= 0x20 || t[i] >= 0x7f)
      return cf_fail(err, errlen, CF_EINVAL, "%s: the token has a space or a character "
                 "other than printable ASCII", what);
  return 0;
}

/* Read the token in path into c->token, refusing a file others may read. */
static int read_token_file(struct cf_client_config *c, const char *what,
                           const char *path, char *err, size_t errlen)
{
  char buf[TOKEN_FILE_MAX + 1];
  struct stat st;
  size_t n;
  FILE *f = fopen(path, "r");
  int r = 0;

  if (!f)
    return cf_fail(err, errlen, CF_EINVAL, "%s: %s: cannot open: %s", what, path,
               strerror(errno));
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
    r = cf_fail(err, errlen, CF_EINVAL, "%s: %s is not a regular file", what, path);
  else if (st.st_mode & 077)
    r = cf_fail(err, errlen, CF_EINVAL, "%s: %s may be read or changed by other users "
            "(mode %03o); make it private: chmod 600 %s", what, path,
            (unsigned)(st.st_mode & 0777), path);
  else if (st.st_uid != getuid() && st.st_uid != 0)
    r = cf_fail(err, errlen, CF_EINVAL, "%s: %s belongs to another user (uid %ld)", what,
            path, (long)st.st_uid);
  if (r) {
    fclose(f);
    return r;
  }
  n = fread(buf, 1, sizeof buf - 1, f);
  if (ferror(f) || !feof(f))
    r = cf_fail(err, errlen, CF_EINVAL, "%s: %s: %s", what, path,
            ferror(f) ? "cannot read it" : "too large for a token");
  fclose(f);
  buf[r ? 0 : n] = '\0';
  /* The file is the token, with at most a trailing newline. */
  if (!r && n && buf[n - 1] == '\n')
    buf[--n] = '\0';
  if (!r && n && buf[n - 1] == '\r')
    buf[--n] = '\0';
  if (!r && strlen(buf) != n)
    r = cf_fail(err, errlen, CF_EINVAL, "%s: %s has a NUL byte", what, path);
  if (!r)
    r = check_token(what, buf, err, errlen);
  if (!r)
    r = put(c->token, sizeof c->token, what, buf, err, errlen);
  memset(buf, 0, sizeof buf);
  return r;
}

/* "5", "5s", "500ms", "2m": a duration into *ms; a bare number is seconds.
 * 0 means no limit. */
static int parse_duration(const char *what, const char *s, int *ms,
                          char *err, size_t errlen)
{
  unsigned long long v = 0, mul = 1000;
  const char *p = s;

  if (*p < '0' || *p > '9')
    goto no;
  for (; *p >= '0' && *p <= '9'; p++)
    if ((v = v * 10 + (unsigned)(*p - '0')) > MAX_TIMEOUT_MS)
      goto range;
  if (!strcmp(p, "ms"))
    mul = 1;
  else if (!strcmp(p, "m") || !strcmp(p, "min"))
    mul = 60000;
  else if (*p && strcmp(p, "s"))
    goto no;
  if (v * mul > MAX_TIMEOUT_MS)
    goto range;
  *ms = (int)(v * mul);
  return 0;
no:
  return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is not a duration (seconds, or a "
             "number with ms, s or m)", what, s);
range:
  return cf_fail(err, errlen, CF_EINVAL, "%s: \"%s\" is too long (at most 24 hours)", what,
             s);
}

/* Set key to value; what names it in messages. */
static int set_key(struct load *l, const char *key, const char *value,
                   const char *what, char *err, size_t errlen)
{
  struct cf_client_config *c = l->c;
  char path[4096];
  struct cf_url u;

  if (!strcmp(key, "server")) {
    char why[256];

    if (cf_url_parse_err(value, &u, why, sizeof why) != 0)
      return cf_fail(err, errlen, CF_EINVAL, "%s: %s (expected tls://HOST:PORT or "
                 "tcp://HOST:PORT)", what, why);
    return put(c->server, sizeof c->server, what, value, err, errlen);
  }
  if (!strcmp(key, "compression")) {
    enum cf_compress_mode mode;
    int level;
    char why[160];

    if (cf_compress_parse(value, &mode, &level, why, sizeof why) != 0)
      return cf_fail(err, errlen, CF_EINVAL, "%s: %s", what, why);
    return put(c->compression, sizeof c->compression, what, value, err, errlen);
  }
  if (!strcmp(key, "connect_timeout"))
    return parse_duration(what, value, &c->connect_timeout_ms, err, errlen);
  if (!strcmp(key, "call_timeout"))
    return parse_duration(what, value, &c->call_timeout_ms, err, errlen);
  if (!strcmp(key, "token")) {
    if (l->path && !l->file_private)
      return cf_fail(err, errlen, CF_EINVAL, "%s: a token in a file other users may read; "
                 "chmod 600 %s, or move the token to a private token_file",
                 what, l->path);
    if (check_token(what, value, err, errlen) != 0)
      return CF_EINVAL;
    return put(c->token, sizeof c->token, what, value, err, errlen);
  }
  /* The rest are paths, relative to the config file's directory. */
  if (!*value)
    return cf_fail(err, errlen, CF_EINVAL, "%s: \"\" is empty (a file name)", what);
  if (l->path && cf_ini_path(l->path, value, path, sizeof path) != 0)
    return cf_fail(err, errlen, CF_EINVAL, "%s: the path is too long", what);
  if (l->path)
    value = path;
  if (!strcmp(key, "token_file"))
    return read_token_file(c, what, value, err, errlen);
  if (!strcmp(key, "ca"))
    return put(c->ca_file, sizeof c->ca_file, what, value, err, errlen);
  if (!strcmp(key, "cert"))
    return put(c->cert_file, sizeof c->cert_file, what, value, err, errlen);
  if (!strcmp(key, "key"))
    return put(c->key_file, sizeof c->key_file, what, value, err, errlen);
  return cf_fail(err, errlen, CF_EINVAL, "unknown key \"%s\" (known: server, ca, cert, key, "
             "token, token_file, compression, connect_timeout, "
             "call_timeout)", key);
}

static int on_key(void *arg, const char *section, const char *key,
                  const char *value, char *err, size_t errlen)
{
  struct load *l = arg;

  /* cf_ini also calls with key NULL for each "[section]" line, "[]"
   * (section "") included: client.conf has none of either. */
  if (*section || !key)
    return cf_fail(err, errlen, CF_EINVAL, "[%s]: client.conf has no sections; put the "
               "keys at the top of the file", section);
  if (!strcmp(key, "token") || !strcmp(key, "token_file")) {
    if (l->token_line)
      return cf_fail(err, errlen, CF_EINVAL, "both token and token_file are given; keep "
                 "one");
    l->token_line = 1;
  }
  return set_key(l, key, value, key, err, errlen);
}

/* The first existing file of the search list into path; "" for none. */
static int find_file(char *path, size_t len, char *err, size_t errlen)
{
  const char *env = getenv("CUFERRY_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
  const char *home = getenv("HOME");
  char user[4096] = "";

  path[0] = '\0';
  if (env && *env) {
    if (access(env, F_OK) != 0)
      return cf_fail(err, errlen, CF_EINVAL, "CUFERRY_CONFIG=%s: cannot open: %s", env,
                 strerror(errno));
    snprintf(path, len, "%s", env);
    return 0;
  }
  if (xdg && xdg[0] == '/')
    snprintf(user, sizeof user, "%s/cuferry/client.conf", xdg);
  else if (home && home[0] == '/')
    snprintf(user, sizeof user, "%s/.config/cuferry/client.conf", home);
  if (*user && access(user, F_OK) == 0)
    snprintf(path, len, "%s", user);
  else if (access(CF_CLIENT_SYSTEM_CONFIG, F_OK) == 0)
    snprintf(path, len, "%s", CF_CLIENT_SYSTEM_CONFIG);
  return 0;
}

int cf__client_config_load(struct cf_client_config *c, char *err,
                           size_t errlen)
{
  static const struct {
    const char *env, *key;
  } env_keys[] = {
    { "CUFERRY_SERVER", "server" }, { "CUFERRY_CA", "ca" },
    { "CUFERRY_CERT", "cert" },     { "CUFERRY_KEY", "key" },
    { "CUFERRY_TOKEN", "token" },   { "CUFERRY_COMPRESSION", "compression" },
  };
  struct load l = { c, NULL, 0, 0 };
  struct stat st;
  int r;

  memset(c, 0, sizeof *c);
  snprintf(c->compression, sizeof c->compression, "auto");
  c->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  if (err && errlen)
    err[0] = '\0';
  if ((r = find_file(c->source, sizeof c->source, err, errlen)) != 0)
    goto fail;
  if (c->source[0]) {
    l.path = c->source;
    l.file_private = stat(c->source, &st) == 0 && !(st.st_mode & 077);
    if ((r = cf_ini_parse(c->source, on_key, &l, err, errlen)) != 0)
      goto fail;
  }
  /* The environment, key by key; paths in it are as given. */
  l.path = NULL;
  for (size_t i = 0; i < sizeof env_keys / sizeof env_keys[0]; i++) {
    const char *v = getenv(env_keys[i].env);
    char what[64];

    if (!v || !*v)
      continue;
    snprintf(what, sizeof what, "%s", env_keys[i].env);
    if ((r = set_key(&l, env_keys[i].key, v, what, err, errlen)) != 0)
      goto fail;
  }
  if (!c->cert_file[0] != !c->key_file[0]) {
    r = cf_fail(err, errlen, CF_EINVAL, "a client certificate needs its key and the key "
            "its certificate (set both cert and key, or neither)");
    goto fail;
  }
  return 0;
fail:
  {
    char source[sizeof c->source];

    memcpy(source, c->source, sizeof source);
    memset(c, 0, sizeof *c);
    memcpy(c->source, source, sizeof source);
  }
  return r == CF_ENOTFOUND || r == CF_EIO ? CF_EINVAL : r;
}
