/* The generic connection API: picks the ops table for a scheme, checks the
 * caller's arguments once (libuv uv-common.c style) and dispatches through
 * c->ops, so no transport repeats those checks and no caller branches on the
 * transport type. Also holds the small helpers every transport shares (error
 * text, errno mapping, the monotonic clock) and the read-ahead buffer that
 * both transports' writes fill when the socket is full (see struct
 * cf_read_ahead in internal.h).
 *
 * A connection is used by one thread at a time: the caller serialises every
 * call, including cf_conn_buffered; only cf_conn_fd may be polled without
 * that lock. A client can still have one thread send a large frame while
 * others wait for replies: with read-ahead on, a write blocked on a full
 * socket keeps receiving into memory, so a peer that is itself blocked
 * writing to us is drained and no lock holder waits on it forever. Nothing
 * here allocates except through the transport's connect/from_fd and the
 * read-ahead buffer, which the transport's close frees. */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
#if CF_HAVE_RDMA
  { "rdma", &cf__rdma_ops },
#else
  { "rdma", NULL },
#endif
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
  c->timeout_ms = timeout_ms; /* each transport's reads honour it */
  return 0;
}

void cf_conn_peer(const struct cf_conn *c, char *buf, size_t len)
{
  if (!buf || len == 0)
    return;
  if (!c) {
    snprintf(buf, len, "?");
    return;
  }
  snprintf(buf, len, "%s", c->peer);
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

short cf_conn_hangup_events(const struct cf_conn *c)
{
  return c && c->ops->hung_up ? POLLIN : POLLRDHUP;
}

int cf_conn_hung_up(struct cf_conn *c, short revents)
{
  if (!c)
    return 1;
  if (c->ops->hung_up)
    return c->ops->hung_up(c);
  return (revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

int cf_conn_settle(struct cf_conn *c)
{
  if (!c || !c->ops->settle)
    return 1;
  return c->ops->settle(c);
}

/* ---- zero-copy bulk: no-ops on transports that always copy ---------------- */

void cf_conn_set_pinned_query(struct cf_conn *c, cf_pinned_query q)
{
  if (c && c->ops->set_pinned_query)
    c->ops->set_pinned_query(c, q);
}

void cf_conn_forget_memory(struct cf_conn *c, const void *p, size_t len)
{
  if (c && p && len && c->ops->forget_memory)
    c->ops->forget_memory(c, p, len);
}

void cf_conn_rdma_stats(const struct cf_conn *c, struct cf_conn_rdma_stats *st)
{
  if (!st)
    return;
  memset(st, 0, sizeof *st);
  if (c && c->ops->rdma_stats)
    c->ops->rdma_stats(c, st);
}

/* ---- sharing a connection between a reading and a writing thread ---------- */

int cf_conn_fd(const struct cf_conn *c)
{
  return c ? c->fd : -1;
}

size_t cf_conn_buffered(const struct cf_conn *c)
{
  size_t n;

  if (!c || c->fd < 0)
    return 0;
  n = c->ra.len - c->ra.off;
  if (c->ops->pending)
    n += c->ops->pending(c);
  return n;
}

/* The first buffer; it doubles while a write keeps receiving, up to the cap,
 * and falls back to this size once read empty. */
#define RA_FIRST ((size_t)64 << 10)

int cf_conn_set_read_ahead(struct cf_conn *c, size_t max_bytes)
{
  struct cf_read_ahead *ra;
  size_t first;

  if (!c)
    return CF_EINVAL;
  ra = &c->ra;
  /* Allocate now, so that running out of memory shows here, not in a write. */
  if (max_bytes > 0 && !ra->buf) {
    first = max_bytes < RA_FIRST ? max_bytes : RA_FIRST;
    ra->buf = malloc(first);
    if (!ra->buf)
      return CF_ENOMEM;
    ra->size = first;
  }
  ra->max = max_bytes;
  if (max_bytes == 0 && ra->off == ra->len) {
    free(ra->buf); /* off and empty; held bytes stay for the reads */
    ra->buf = NULL;
    ra->size = ra->off = ra->len = 0;
  }
  return 0;
}

/* Bytes a fill may still receive: 0 when off, at the cap, or ended. */
static size_t ra_room(const struct cf_read_ahead *ra)
{
  size_t held = ra->len - ra->off;

  return ra->err || held >= ra->max ? 0 : ra->max - held;
}

/* Free space at the end of the buffer, made by sliding the unread bytes to
 * the front or by growing (doubling, at most to the cap). Called only with
 * ra_room() > 0. Returns 0 when the buffer could not grow. */
static size_t ra_space(struct cf_read_ahead *ra)
{
  size_t held = ra->len - ra->off, size;
  uint8_t *nb;

  if (ra->len < ra->size)
    return ra->size - ra->len;
  if (ra->off > 0) {
    memmove(ra->buf, ra->buf + ra->off, held);
    ra->off = 0;
    ra->len = held;
    return ra->size - held;
  }
  /* Full with held == size < max (there is room), so size grows. */
  if (ra->size == 0)
    size = ra->max < RA_FIRST ? ra->max : RA_FIRST;
  else
    size = ra->size > ra->max / 2 ? ra->max : ra->size * 2;
  nb = realloc(ra->buf, size);
  if (!nb)
    return 0;
  ra->buf = nb;
  ra->size = size;
  return size - ra->len;
}

/* Receive what the socket holds without blocking, never past the cap. EOF
 * and receive errors go to ra.err (the reads report them after the held
 * bytes; the write goes on and meets whatever the socket says). Returns 0,
 * or CF_ENOMEM when the buffer could not grow (nothing is lost). */
static int ra_fill(struct cf_conn *c)
{
  struct cf_read_ahead *ra = &c->ra;
  size_t room, space, want;
  ssize_t r;

  while ((room = ra_room(ra)) > 0) {
    space = ra_space(ra);
    if (space == 0)
      return CF_ENOMEM;
    want = space < room ? space : room;
    r = recv(c->fd, ra->buf + ra->len, want, MSG_DONTWAIT);
    if (r > 0) {
      ra->len += (size_t)r;
      if ((size_t)r < want)
        return 0; /* the socket is empty: spare the call that says EAGAIN */
      continue;
    }
    if (r == 0) {
      ra->err = CF_ECLOSED;
      return 0;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      ra->err = cf__conn_errno(errno) == CF_ECLOSED ? CF_ECLOSED : CF_EIO;
    return 0;
  }
  return 0;
}

int cf__conn_wait_writable(struct cf_conn *c, int64_t deadline_ms)
{
  int reading = 1, rc;
  short events, revents;

  for (;;) {
    /* POLLIN only while there is room: at the cap, after EOF (which stays
     * readable) or without memory, poll would otherwise return at once. */
    events = POLLOUT;
    if (reading && ra_room(&c->ra) > 0)
      events |= POLLIN;
    rc = cf__tcp_poll_fd(c->fd, events, deadline_ms, &revents);
    if (rc < 0)
      return rc;
    if ((revents & POLLIN) && ra_fill(c) < 0)
      reading = 0; /* out of memory: wait as without read-ahead */
    if (revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL))
      return 0; /* the send tells whether it was room or an error */
  }
}

size_t cf__conn_ra_room(const struct cf_conn *c)
{
  return ra_room(&c->ra);
}

int cf__conn_ra_put(struct cf_conn *c, const void *buf, size_t len)
{
  struct cf_read_ahead *ra = &c->ra;
  size_t space;

  if (len > ra_room(ra))
    return CF_ETOOBIG;
  while (len > 0) {
    space = ra_space(ra);
    if (space == 0)
      return CF_ENOMEM;
    if (space > len)
      space = len;
    memcpy(ra->buf + ra->len, buf, space);
    ra->len += space;
    buf = (const uint8_t *)buf + space;
    len -= space;
  }
  return 0;
}

size_t cf__conn_ra_take(struct cf_conn *c, void *buf, size_t len)
{
  struct cf_read_ahead *ra = &c->ra;
  size_t n = ra->len - ra->off;
  uint8_t *nb;

  if (n == 0)
    return 0;
  if (n > len)
    n = len;
  memcpy(buf, ra->buf + ra->off, n);
  ra->off += n;
  if (ra->off < ra->len)
    return n;
  ra->off = ra->len = 0;
  /* Read empty: give back what a large episode grew (or all of it, off). */
  if (ra->max == 0) {
    cf__conn_ra_free(c);
  } else if (ra->size > RA_FIRST && (nb = realloc(ra->buf, RA_FIRST)) != NULL) {
    ra->buf = nb;
    ra->size = RA_FIRST;
  }
  return n;
}

void cf__conn_ra_free(struct cf_conn *c)
{
  free(c->ra.buf);
  c->ra.buf = NULL;
  c->ra.size = c->ra.off = c->ra.len = 0;
}
