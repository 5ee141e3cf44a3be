/* The generic connection API: picks the ops table for a scheme, checks the
 * caller's arguments once (libuv uv-common.c style) and dispatches through
 * c->ops, so no transport repeats those checks and no caller branches on the
 * transport type. Also holds the small helpers every transport shares (error
 * text, errno mapping, the monotonic clock). A connection belongs to one
 * thread at a time; the caller serialises access. Nothing here allocates
 * except through the transport's connect/from_fd. */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cf_error.h"

/* Schemes that cf_url_parse accepts. ops == NULL: named in the protocol but
 * not built in yet, so connecting says so instead of "bad address". */
static const struct {
  const char *scheme;
  const struct cf_transport_ops *ops;
} transports[] = {
  { "tcp", &cf__tcp_ops },
  { "tls", &cf__tls_ops },
  { "rdma", NULL },
};

static int lookup(const char *scheme, const struct cf_transport_ops **ops)
{
  size_t i;

  *ops = NULL;
  for (i = 0; i < sizeof transports / sizeof transports[0]; i++) {
    if (!strcmp(transports[i].scheme, scheme)) {
      *ops = transports[i].ops;
      return *ops ? 0 : CF_EUNSUP;
    }
  }
  return CF_EADDR;
}

void cf__conn_seterr(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  if (!err || errlen == 0)
    return;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

int cf__conn_errno(int e)
{
  switch (e) {
  case ECONNREFUSED: return CF_EREFUSED;
  case EPIPE:
  case ECONNRESET:
  case ECONNABORTED:
  case ENOTCONN:     return CF_ECLOSED;
  case ETIMEDOUT:    return CF_ETIMEDOUT;
  case ENOMEM:
  case ENOBUFS:      return CF_ENOMEM;
  default:           return CF_EIO;
  }
}

int64_t cf_monotonic_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t cf_monotonic_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int cf_conn_connect(const struct cf_url *u, int timeout_ms, struct cf_conn **out,
                    char *err, size_t errlen)
{
  const struct cf_transport_ops *ops;
  int rc;

  if (err && errlen)
    err[0] = '\0';
  if (out)
    *out = NULL;
  if (!u || !out) {
    cf__conn_seterr(err, errlen, "no address or result pointer");
    return CF_EINVAL;
  }
  rc = lookup(u->scheme, &ops);
  if (rc == CF_EUNSUP) {
    cf__conn_seterr(err, errlen,
                    "%s:// transport is not supported by this build (use tcp://)",
                    u->scheme);
    return rc;
  }
  if (rc < 0) {
    cf__conn_seterr(err, errlen, "unknown scheme \"%s\"", u->scheme);
    return rc;
  }
  return ops->connect(u, timeout_ms, out, err, errlen);
}

int cf_conn_from_fd(const char *scheme, int fd, struct cf_conn **out)
{
  const struct cf_transport_ops *ops;
  int rc;

  if (out)
    *out = NULL;
  if (!scheme || !out || fd < 0)
    return CF_EINVAL;
  rc = lookup(scheme, &ops);
  if (rc < 0)
    return CF_EUNSUP;
  return ops->from_fd(fd, out);
}

int cf_conn_writev(struct cf_conn *c, const struct iovec *iov, int iovcnt)
{
  if (!c || iovcnt < 0 || (iovcnt > 0 && !iov))
    return CF_EINVAL;
  if (c->fd < 0)
    return CF_ECLOSED;
  if (iovcnt == 0)
    return 0;
  return c->ops->writev(c, iov, iovcnt);
}

int cf_conn_read_exact(struct cf_conn *c, void *buf, size_t len)
{
  if (!c || (len > 0 && !buf))
    return CF_EINVAL;
  if (c->fd < 0)
    return CF_ECLOSED;
  if (len == 0)
    return 0;
  return c->ops->read_exact(c, buf, len);
}

int cf_conn_set_timeout(struct cf_conn *c, int timeout_ms)
{
  if (!c || timeout_ms < 0)
    return CF_EINVAL;
  return c->ops->set_timeout(c, timeout_ms);
}

void cf_conn_peer(const struct cf_conn *c, char *buf, size_t len)
{
  if (!buf || len == 0)
    return;
  if (!c) {
    snprintf(buf, len, "?");
    return;
  }
  c->ops->peer(c, buf, len);
}

void cf_conn_close(struct cf_conn *c)
{
  if (c)
    c->ops->close(c);
}

int cf_conn_peer_identity(const struct cf_conn *c, char *buf, size_t len)
{
  if (!buf || len == 0)
    return CF_EINVAL;
  buf[0] = '\0';
  if (!c)
    return CF_EINVAL;
  if (!c->ops->identity || c->fd < 0)
    return CF_ENOTFOUND;
  return c->ops->identity(c, buf, len);
}
