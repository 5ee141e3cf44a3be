/* Server addresses: parses and formats "scheme://host:port". The parser reads
 * the whole string and rejects leftovers, so "tcp://h:80x" or "tcp://h:80/"
 * never half-succeed; schemes are only checked to be names we know ("tcp",
 * "tls", "rdma"), while whether one is built in is decided at connect time by
 * conn.c. Pure functions on caller memory: no allocation, no global state,
 * safe from any thread. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cf_error.h"

static const char *const known_schemes[] = { "tcp", "tls", "rdma" };

static int is_alnum(char ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9');
}

static int is_hex(char ch)
{
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
         (ch >= 'A' && ch <= 'F');
}

/* Host names and IPv4 literals: letters, digits, '-', '.', '_'. */
static int host_char_ok(char ch)
{
  return is_alnum(ch) || ch == '-' || ch == '.' || ch == '_';
}

/* Inside brackets: an IPv6 literal, possibly with an IPv4 tail ("::ffff:1.2.3.4")
 * and a zone ("fe80::1%eth0"). getaddrinfo does the real validation. */
static int v6_char_ok(char ch, int in_zone)
{
  if (in_zone)
    return is_alnum(ch) || ch == '-' || ch == '.' || ch == '_';
  return is_hex(ch) || ch == ':' || ch == '.';
}

/* Write "<reason> in address \"<s>\"" into err: the reason first, so a
 * long value cut off by a small err buffer still leaves the reason. */
static void bad_addr(char *err, size_t errlen, const char *s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void bad_addr(char *err, size_t errlen, const char *s, const char *fmt, ...)
{
  char why[128];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  cf__conn_seterr(err, errlen, "%s in address \"%s\"", why, s);
}

/* Parse decimal digits [p, end) as a port; no sign, no spaces, <= 65535. */
static int parse_port(const char *p, const char *end, uint16_t *port,
                      char *err, size_t errlen)
{
  uint32_t v = 0;

  if (p == end) {
    cf__conn_seterr(err, errlen, "missing port");
    return CF_EADDR;
  }
  for (; p < end; p++) {
    if (*p < '0' || *p > '9') {
      cf__conn_seterr(err, errlen, "port has a non-digit '%c'", *p);
      return CF_EADDR;
    }
    v = v * 10 + (uint32_t)(*p - '0');
    if (v > 65535) { /* checked per digit, so v never overflows */
      cf__conn_seterr(err, errlen, "port out of range (0..65535)");
      return CF_EADDR;
    }
  }
  *port = (uint16_t)v;
  return 0;
}

int cf_url_parse_err(const char *s, struct cf_url *u, char *err, size_t errlen)
{
  const char *sep, *host, *host_end, *port_start;
  size_t n, i;
  int in_zone = 0, known = 0;

  if (err && errlen)
    err[0] = '\0';
  if (u)
    memset(u, 0, sizeof *u);
  if (!s || !u) {
    cf__conn_seterr(err, errlen, "no address given");
    return CF_EADDR;
  }

  sep = strstr(s, "://");
  if (!sep) {
    bad_addr(err, errlen, s, "no scheme (want tcp://host:port)");
    return CF_EADDR;
  }
  n = (size_t)(sep - s);
  for (i = 0; i < sizeof known_schemes / sizeof known_schemes[0]; i++)
    if (strlen(known_schemes[i]) == n && !memcmp(s, known_schemes[i], n))
      known = 1;
  if (!known || n >= sizeof u->scheme) {
    bad_addr(err, errlen, s, "unknown scheme (tcp, tls, rdma)");
    return CF_EADDR;
  }

  host = sep + 3;
  if (*host == '[') {
    host++;
    host_end = strchr(host, ']');
    if (!host_end) {
      bad_addr(err, errlen, s, "missing ']'");
      goto bad;
    }
    for (const char *p = host; p < host_end; p++) {
      if (*p == '%' && !in_zone && p > host) {
        in_zone = 1;
        continue;
      }
      if (!v6_char_ok(*p, in_zone)) {
        bad_addr(err, errlen, s, "bad character in IPv6 host");
        goto bad;
      }
    }
    /* Brackets are for IPv6 only; "[1.2.3.4]" or "[name]" is a mistake
     * (and would not format back to the same string). */
    if (!memchr(host, ':', (size_t)(host_end - host)) && host_end > host) {
      bad_addr(err, errlen, s, "brackets hold only IPv6 addresses");
      goto bad;
    }
    port_start = host_end + 1;
  } else {
    host_end = host;
    while (host_char_ok(*host_end))
      host_end++;
    if (*host_end == '\0') {
      bad_addr(err, errlen, s, "missing port");
      goto bad;
    }
    if (*host_end != ':') {
      bad_addr(err, errlen, s, "bad character '%c' in host", *host_end);
      goto bad;
    }
    /* An unbracketed IPv6 literal ("::1:80") would have a second ':'. */
    if (strchr(host_end + 1, ':')) {
      bad_addr(err, errlen, s, "IPv6 hosts go in [brackets]");
      goto bad;
    }
    port_start = host_end;
  }

  n = (size_t)(host_end - host);
  if (n == 0) {
    bad_addr(err, errlen, s, "empty host");
    goto bad;
  }
  if (n >= sizeof u->host) {
    bad_addr(err, errlen, s, "host longer than %zu bytes", sizeof u->host - 1);
    goto bad;
  }
  if (*port_start != ':') {
    bad_addr(err, errlen, s, "missing port");
    goto bad;
  }
  {
    char why[64];
    if (parse_port(port_start + 1, port_start + 1 + strlen(port_start + 1),
                   &u->port, why, sizeof why) < 0) {
      bad_addr(err, errlen, s, "%s", why);
      goto bad;
    }
  }

  memcpy(u->scheme, s, (size_t)(sep - s));
  memcpy(u->host, host, n);
  return 0;

bad:
  memset(u, 0, sizeof *u);
  return CF_EADDR;
}

int cf_url_parse(const char *s, struct cf_url *u)
{
  return cf_url_parse_err(s, u, NULL, 0);
}

void cf_url_format(const struct cf_url *u, char *buf, size_t len)
{
  if (!buf || len == 0)
    return;
  if (!u) {
    buf[0] = '\0';
    return;
  }
  /* A host holding ':' is an IPv6 literal and needs its brackets back. */
  if (strchr(u->host, ':'))
    snprintf(buf, len, "%s://[%s]:%u", u->scheme, u->host, (unsigned)u->port);
  else
    snprintf(buf, len, "%s://%s:%u", u->scheme, u->host, (unsigned)u->port);
}
