/* PTX lexer: turns the text into tokens (identifiers, directives, numbers,
 * strings, punctuation), skipping // and block comments, and counting lines
 * for error messages. It also parses numeric literals. It never reads past
 * lx->end (the text need not be NUL-terminated; a NUL ends it) and caps
 * token length, so hostile text can only produce CF_EPROTO. No state beyond
 * the struct; any number of lexers may run at once. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "ptx_internal.h"

static int is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }
/* Characters inside identifiers: dots join an opcode's modifiers
 * (ld.global.f32) and a special register's component (%tid.x). */
static int is_ident(int c) {
  return is_alpha(c) || is_digit(c) || c == '_' || c == '$' || c == '.';
}

int cf__ptx_lex_next(struct cf__ptx_lex *lx, struct cf__ptx_tok *t) {
  const char *p = lx->p, *e = lx->end;
  for (;;) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
                     *p == '\f' || *p == '\v')) {
      if (*p == '\n')
        lx->line++;
      p++;
    }
    if (p + 1 < e && p[0] == '/' && p[1] == '/') {
      while (p < e && *p != '\n')
        p++;
      continue;
    }
    if (p + 1 < e && p[0] == '/' && p[1] == '*') {
      uint32_t start = lx->line;
      p += 2;
      for (;;) {
        if (p + 1 >= e) {
          t->line = start;
          lx->p = e;
          return CF_EPROTO;
        }
        if (p[0] == '*' && p[1] == '/')
          break;
        if (*p == '\n')
          lx->line++;
        p++;
      }
      p += 2;
      continue;
    }
    break;
  }
  t->line = lx->line;
  t->s = p;
  t->len = 0;
  if (p >= e || *p == '\0') {
    t->kind = CF__PTX_TK_EOF;
    lx->p = p;
    return 0;
  }
  int c = (unsigned char)*p;
  const char *q = p;
  if (c == '.' && q + 1 < e && (is_alpha(q[1]) || q[1] == '_')) {
    q++;
    while (q < e && (is_alpha(*q) || is_digit(*q) || *q == '_'))
      q++;
    t->kind = CF__PTX_TK_DIR;
  } else if (is_alpha(c) || c == '_' || c == '$' || c == '%') {
    q++;
    /* "::" joins qualifiers such as L2::128B and shared::cta */
    while (q < e && (is_ident((unsigned char)*q) ||
                     (*q == ':' && q + 2 < e && q[1] == ':' &&
                      is_ident((unsigned char)q[2]))))
      q += *q == ':' ? 2 : 1;
    t->kind = CF__PTX_TK_IDENT;
  } else if (is_digit(c)) {
    q++;
    while (q < e && (is_alpha(*q) || is_digit(*q) || *q == '.' ||
                     ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E') &&
                      !(p + 1 < e && (p[1] == 'x' || p[1] == 'X' || p[1] == 'f' ||
                                      p[1] == 'F' || p[1] == 'd' || p[1] == 'D')))))
      q++;
    t->kind = CF__PTX_TK_NUM;
  } else if (c == '"') {
    q++;
    while (q < e && *q != '"' && *q != '\n')
      q++;
    if (q >= e || *q != '"') {
      lx->p = q;
      return CF_EPROTO;
    }
    q++;
    t->kind = CF__PTX_TK_STRING;
  } else if (strchr(",;:[]{}()<>+-@!=|", c) != NULL) {
    q++;
    t->kind = CF__PTX_TK_PUNCT;
  } else {
    lx->p = p;
    return CF_EPROTO;
  }
  if ((size_t)(q - p) > CF__PTX_MAX_NAME) {
    lx->p = q;
    return CF_EPROTO;
  }
  t->len = (uint32_t)(q - p);
  lx->p = q;
  return 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Digits of s[0..n) in base; 0 or CF_EPROTO on a bad digit or overflow. */
static int parse_uint(const char *s, size_t n, unsigned base, uint64_t *out) {
  uint64_t v = 0;
  if (n == 0)
    return CF_EPROTO;
  for (size_t i = 0; i < n; i++) {
    int d = hexval((unsigned char)s[i]);
    if (d < 0 || (unsigned)d >= base)
      return CF_EPROTO;
    if (v > (UINT64_MAX - (unsigned)d) / base)
      return CF_EPROTO;
    v = v * base + (unsigned)d;
  }
  *out = v;
  return 0;
}

int cf__ptx_num_parse(const struct cf__ptx_tok *t, int negate,
                      struct cf__ptx_num *out) {
  const char *s = t->s;
  size_t n = t->len;
  memset(out, 0, sizeof *out);
  if (t->kind != CF__PTX_TK_NUM || n == 0)
    return CF_EPROTO;
  if (n >= 2 && s[0] == '0' && (s[1] == 'f' || s[1] == 'F')) {
    uint64_t v;
    if (n != 10 || parse_uint(s + 2, 8, 16, &v) != 0)
      return CF_EPROTO;
    out->kind = CF__PTX_NUM_F32;
    out->bits = negate ? v ^ 0x80000000u : v;
    return 0;
  }
  if (n >= 2 && s[0] == '0' && (s[1] == 'd' || s[1] == 'D')) {
    uint64_t v;
    if (n != 18 || parse_uint(s + 2, 16, 16, &v) != 0)
      return CF_EPROTO;
    out->kind = CF__PTX_NUM_F64;
    out->bits = negate ? v ^ 0x8000000000000000ull : v;
    return 0;
  }
  int is_float = 0;
  if (!(n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
    for (size_t i = 0; i < n; i++)
      if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
        is_float = 1;
  if (is_float) {
    char buf[80];
    if (n >= sizeof buf)
      return CF_EPROTO;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end != buf + n)
      return CF_EPROTO;
    out->kind = CF__PTX_NUM_DBL;
    out->d = negate ? -d : d;
    return 0;
  }
  int unsig = 0;
  if (s[n - 1] == 'U' || s[n - 1] == 'u') {
    unsig = 1;
    n--;
  }
  uint64_t v;
  int rc;
  if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    rc = parse_uint(s + 2, n - 2, 16, &v);
  else if (n >= 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
    rc = parse_uint(s + 2, n - 2, 2, &v);
  else if (n >= 2 && s[0] == '0')
    rc = parse_uint(s + 1, n - 1, 8, &v);
  else
    rc = parse_uint(s, n, 10, &v);
  if (rc != 0)
    return rc;
  (void)unsig;
  out->kind = CF__PTX_NUM_INT;
  out->bits = negate ? (uint64_t)0 - v : v;
  return 0;
}
