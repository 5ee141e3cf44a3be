/* INI files through inih; see cf_ini.h.
 *
 * inih numbers lines itself but tells a handler neither the line (unless
 * built with INI_HANDLER_LINENO, which Debian's is not) nor much about
 * errors: ini_parse returns the first bad line, and a line longer than its
 * fixed buffer (200 bytes in Debian's build) is silently read as two. So
 * the file is fed through ini_parse_stream with our own reader, which reads
 * whole lines, counts them (the handler runs while its line is the last one
 * read), refuses lines that would not fit the buffer inih passes, refuses
 * indented keys (inih's multi-line values), reports section headers, and
 * ends the stream at the first error. Single-threaded per call; no globals,
 * and inih's compile-time options are left as Debian built them. */
#include "cf_ini.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "cf_error.h"

struct seen {
  char *section, *key;
  int line;
};

struct ctx {
  FILE *f;
  const char *path;
  cf_ini_fn fn;
  void *arg;
  char *line;       /* getline's buffer */
  size_t line_cap;
  int lineno;       /* lines read so far */
  int err_code;     /* first error (0: none) */
  int err_line;
  char *err;
  size_t errlen;
  struct seen *seen;
  size_t n_seen, cap_seen;
};

static int ctx_fail(struct ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first error, at the line just read. */
static int ctx_fail(struct ctx *c, int code, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  if (c->err_code)
    return c->err_code;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  c->err_code = code;
  c->err_line = c->lineno;
  if (c->err && c->errlen)
    snprintf(c->err, c->errlen, "%s:%d: %s", c->path, c->lineno, msg);
  return code;
}

/* The section header on line s, if it is one: what lies between '[' and
 * the first ']', as inih takes it. */
static int section_of(const char *s, char *name, size_t len)
{
  const char *end;

  while (*s == ' ' || *s == '\t')
    s++;
  if (*s != '[' || !(end = strchr(s, ']')))
    return 0;
  snprintf(name, len, "%.*s", (int)(end - s - 1), s + 1);
  return 1;
}

/* inih's fgets-style reader: one whole line into str (num bytes). */
static char *reader(char *str, int num, void *stream)
{
  struct ctx *c = stream;
  ssize_t n;
  char section[128];
  const char *p;

  if (c->err_code)
    return NULL;
  n = getline(&c->line, &c->line_cap, c->f);
  if (n < 0)
    return NULL;
  c->lineno++;
  if (memchr(c->line, '\0', (size_t)n)) {
    ctx_fail(c, CF_EINVAL, "the line has a NUL byte");
    return NULL;
  }
  /* inih needs room for the line, its "\r\n" and the NUL. */
  if (n + 3 > num) {
    ctx_fail(c, CF_EINVAL, "the line is longer than %d characters (inih's "
             "limit; use shorter paths, e.g. through a symbolic link)",
             num - 3);
    return NULL;
  }
  for (p = c->line; *p == ' ' || *p == '\t'; p++)
    ;
  if (p != c->line && *p && !strchr(";#\r\n", *p)) {
    ctx_fail(c, CF_EINVAL, "the line is indented (continuation lines are "
             "not supported: start keys and sections in the first column)");
    return NULL;
  }
  if (section_of(c->line, section, sizeof section)) {
    char why[400] = "";
    int r = c->fn(c->arg, section, NULL, NULL, why, sizeof why);

    if (r) {
      ctx_fail(c, r, "%s", why);
      return NULL;
    }
  }
  memcpy(str, c->line, (size_t)n + 1);
  return str;
}

static int handler(void *user, const char *section, const char *name,
                   const char *value)
{
  struct ctx *c = user;
  char why[400] = "";
  int r;

  if (c->err_code)
    return 0;
  for (size_t i = 0; i < c->n_seen; i++)
    if (!strcmp(c->seen[i].section, section) && !strcmp(c->seen[i].key, name)) {
      ctx_fail(c, CF_EINVAL, "\"%s\"%s%s%s is given twice (first on line %d)",
               name, *section ? " in [" : "", section, *section ? "]" : "",
               c->seen[i].line);
      return 0;
    }
  if (c->n_seen == c->cap_seen) {
    size_t cap = c->cap_seen ? 2 * c->cap_seen : 16;
    struct seen *s = realloc(c->seen, cap * sizeof *s);

    if (!s) {
      ctx_fail(c, CF_ENOMEM, "out of memory");
      return 0;
    }
    c->seen = s;
    c->cap_seen = cap;
  }
  c->seen[c->n_seen].section = strdup(section);
  c->seen[c->n_seen].key = strdup(name);
  c->seen[c->n_seen].line = c->lineno;
  if (!c->seen[c->n_seen].section || !c->seen[c->n_seen].key) {
    free(c->seen[c->n_seen].section);
    free(c->seen[c->n_seen].key);
    ctx_fail(c, CF_ENOMEM, "out of memory");
    return 0;
  }
  c->n_seen++;
  r = c->fn(c->arg, section, name, value, why, sizeof why);
  if (r) {
    ctx_fail(c, r, "%s", why);
    return 0;
  }
  return 1;
}

int cf_ini_parse(const char *path, cf_ini_fn fn, void *arg, char *err,
                 size_t errlen)
{
  struct ctx c = { .path = path, .fn = fn, .arg = arg, .err = err,
                   .errlen = errlen };
  int r;

  if (err && errlen)
    err[0] = '\0';
  if (!(c.f = fopen(path, "r"))) {
    int e = errno;

    if (err && errlen)
      snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
    return e == ENOENT ? CF_ENOTFOUND : CF_EIO;
  }
  r = ini_parse_stream(reader, &c, handler, &c);
  if (!c.err_code && ferror(c.f)) {
    c.err_code = CF_EIO;
    if (err && errlen)
      snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
  } else if (r > 0 && (!c.err_code || r < c.err_line)) {
    /* inih found a line it could not parse (it goes on after one; the
     * reader stopped the stream at our first error, so any earlier one is
     * inih's). */
    c.err_code = CF_EINVAL;
    if (err && errlen)
      snprintf(err, errlen, "%s:%d: not a \"key = value\" line or a "
               "\"[section]\" header", path, r);
  } else if (r == -2 && !c.err_code) {
    c.err_code = CF_ENOMEM;
    if (err && errlen)
      snprintf(err, errlen, "%s: out of memory", path);
  }
  for (size_t i = 0; i < c.n_seen; i++) {
    free(c.seen[i].section);
    free(c.seen[i].key);
  }
  free(c.seen);
  free(c.line);
  fclose(c.f);
  return c.err_code;
}

int cf_ini_path(const char *ini_path, const char *value, char *out,
                size_t len)
{
  const char *slash = strrchr(ini_path, '/');
  int n;

  if (value[0] == '/' || !slash)
    n = snprintf(out, len, "%s", value);
  else
    n = snprintf(out, len, "%.*s/%s", (int)(slash - ini_path), ini_path,
                 value);
  return n < 0 || (size_t)n >= len ? CF_ETOOBIG : 0;
}
