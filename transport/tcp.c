/* Plain TCP transport: name resolution, a non-blocking connect bounded by
 * poll(), then a blocking socket with TCP_NODELAY (frames are small and
 * latency-bound) and SO_KEEPALIVE (to notice a vanished peer). Writes go
 * through sendmsg(MSG_NOSIGNAL) so a closed peer gives CF_ECLOSED rather than
 * SIGPIPE in the host program; reads honour the receive timeout with poll()
 * against one deadline per read_exact call, so a peer dripping bytes cannot
 * stretch it. Every socket is close-on-exec (the client lives inside a user's
 * program, which may fork and exec). With read-ahead on
 * (cf_conn_set_read_ahead), writes send with MSG_DONTWAIT and, only when the
 * socket is full, wait in conn.c's cf__conn_wait_writable, which receives
 * what the peer sends meanwhile; reads take those bytes first. With it off
 * (the default) writes block in sendmsg as always. One connection is used by
 * one thread at a time; conn.c has already checked the arguments. */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cf_error.h"

/* sendmsg gets at most this many iovecs per call; longer lists are sent in
 * batches, so any iovcnt works without allocating. */
#define TCP_IOV_BATCH 64

int cf__tcp_wait_fd(int fd, short events, int64_t deadline_ms)
{
  short revents;

  return cf__tcp_poll_fd(fd, events, deadline_ms, &revents);
}

int cf__poll_until(struct pollfd *p, nfds_t n, int64_t deadline_ms)
{
  int rc, wait;

  for (;;) {
    wait = -1;
    if (deadline_ms >= 0) {
      int64_t left = deadline_ms - cf_monotonic_ms();
      if (left <= 0)
        return CF_ETIMEDOUT;
      wait = left > 1000000000 ? 1000000000 : (int)left;
    }
    rc = poll(p, n, wait);
    if (rc > 0)
      return 0; /* readable, writable or an error the next call reports */
    if (rc == 0)
      continue; /* loop recomputes the time left and returns ETIMEDOUT */
    if (errno != EINTR)
      return CF_EIO;
  }
}

int cf__tcp_poll_fd(int fd, short events, int64_t deadline_ms, short *revents)
{
  struct pollfd p = { .fd = fd, .events = events };
  int rc = cf__poll_until(&p, 1, deadline_ms);

  *revents = rc == 0 ? p.revents : 0;
  return rc;
}

/* TCP_NODELAY fails on a non-TCP stream (a socketpair in tests), which is
 * harmless, so only SO_KEEPALIVE and the flags are checked. */
int cf__tcp_setup_fd(int fd)
{
  int one = 1, fl;

  fl = fcntl(fd, F_GETFD);
  if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
    return cf__conn_errno(errno);
  fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
    return cf__conn_errno(errno);
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) < 0)
    return cf__conn_errno(errno);
  return 0;
}

void cf_socket_peer(int fd, char *buf, size_t len)
{
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  char host[INET6_ADDRSTRLEN];

  if (!buf || len == 0)
    return;
  snprintf(buf, len, "?");
  if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
    return;
  if (ss.ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
    if (inet_ntop(AF_INET, &a->sin_addr, host, sizeof host))
      snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(a->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
    if (inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host))
      snprintf(buf, len, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
  } else if (ss.ss_family == AF_UNIX) {
    snprintf(buf, len, "unix");
  }
}

/* Try one resolved address. Returns 0 with *fd set, or a CF_E* code and the
 * errno behind it in *sys_err (0 for a timeout). */
static int try_addr(const struct addrinfo *ai, int64_t deadline_ms, int *fd,
                    int *sys_err)
{
  int s, rc, soerr = 0;
  socklen_t sl = sizeof soerr;

  *fd = -1;
  *sys_err = 0;
  s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
             ai->ai_protocol);
  if (s < 0) {
    *sys_err = errno;
    return cf__conn_errno(errno);
  }
  do
    rc = connect(s, ai->ai_addr, ai->ai_addrlen);
  while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EINPROGRESS) {
    *sys_err = errno;
    rc = cf__conn_errno(errno);
    goto fail;
  }
  if (rc < 0) {
    rc = cf__tcp_wait_fd(s, POLLOUT, deadline_ms);
    if (rc < 0) {
      *sys_err = rc == CF_EIO ? errno : 0;
      goto fail;
    }
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
      soerr = errno;
    if (soerr) {
      *sys_err = soerr;
      rc = cf__conn_errno(soerr);
      goto fail;
    }
  }
  rc = cf__tcp_setup_fd(s);
  if (rc < 0) {
    *sys_err = errno;
    goto fail;
  }
  *fd = s;
  return 0;

fail:
  close(s);
  return rc;
}

int cf__tcp_connect_fd(const struct cf_url *u, int timeout_ms, int *fd,
                       char *err, size_t errlen)
{
  struct addrinfo hints, *res = NULL, *ai;
  char port[8];
  int64_t deadline = timeout_ms > 0 ? cf_monotonic_ms() + timeout_ms : -1;
  int rc = CF_ENOTFOUND, sys_err = 0, gai;

  *fd = -1;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  snprintf(port, sizeof port, "%u", (unsigned)u->port);
  gai = getaddrinfo(u->host, port, &hints, &res);
  if (gai != 0) {
    if (gai == EAI_NONAME || gai == EAI_NODATA || gai == EAI_FAIL) {
      cf__conn_seterr(err, errlen, "no such host");
      return CF_ENOTFOUND;
    }
    if (gai == EAI_MEMORY)
      return CF_ENOMEM;
    cf__conn_seterr(err, errlen, "name resolution failed: %s",
                    gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
    return gai == EAI_AGAIN ? CF_ENOTFOUND : CF_EIO;
  }

  /* Try each address in order until one connects; keep the last failure. */
  for (ai = res; ai; ai = ai->ai_next) {
    rc = try_addr(ai, deadline, fd, &sys_err);
    if (rc == 0 || rc == CF_ETIMEDOUT)
      break;
  }
  freeaddrinfo(res);
  if (rc == 0)
    return 0;
  if (rc == CF_ETIMEDOUT)
    cf__conn_seterr(err, errlen, "connect timed out after %d ms", timeout_ms);
  else if (rc == CF_EREFUSED)
    cf__conn_seterr(err, errlen, "connection refused");
  else
    cf__conn_seterr(err, errlen, "%s", sys_err ? strerror(sys_err) : "connect failed");
  return rc;
}

static int tcp_wrap(int fd, struct cf_conn **out)
{
  struct cf_conn *c = calloc(1, sizeof *c);

  if (!c)
    return CF_ENOMEM;
  c->ops = &cf__tcp_ops;
  c->fd = fd;
  c->timeout_ms = 0;
  cf_socket_peer(fd, c->peer, sizeof c->peer);
  *out = c;
  return 0;
}

static int tcp_connect(const struct cf_url *u, int timeout_ms,
                       struct cf_conn **out, char *err, size_t errlen)
{
  int fd, rc;

  rc = cf__tcp_connect_fd(u, timeout_ms, &fd, err, errlen);
  if (rc < 0)
    return rc;
  rc = tcp_wrap(fd, out);
  if (rc < 0) {
    close(fd);
    cf__conn_seterr(err, errlen, "out of memory");
  }
  return rc;
}

/* The fd comes from the caller's accept(); on failure the caller still owns
 * it, since nothing was taken over. */
static int tcp_from_fd(int fd, struct cf_conn **out)
{
  int type = 0, rc;
  socklen_t sl = sizeof type;

  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0 || type != SOCK_STREAM)
    return CF_EINVAL;
  rc = cf__tcp_setup_fd(fd);
  if (rc < 0)
    return rc;
  return tcp_wrap(fd, out);
}

static int tcp_writev(struct cf_conn *c, const struct iovec *iov, int iovcnt)
{
  struct iovec v[TCP_IOV_BATCH];
  struct msghdr mh;
  size_t off = 0; /* bytes of iov[i] already sent */
  int i = 0, n, rc;
  /* With read-ahead on, a full socket must not block the send: the peer
   * may be blocked writing to us, so the wait below reads it meanwhile. */
  int ahead = c->ra.max > 0;
  ssize_t w;

  while (i < iovcnt) {
    /* Skip what is done (and empty entries), then batch the rest. */
    if (off == iov[i].iov_len) {
      i++;
      off = 0;
      continue;
    }
    n = 0;
    v[n].iov_base = (char *)iov[i].iov_base + off;
    v[n].iov_len = iov[i].iov_len - off;
    for (n = 1; n < TCP_IOV_BATCH && i + n < iovcnt; n++)
      v[n] = iov[i + n];
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = v;
    mh.msg_iovlen = (size_t)n;
    w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | (ahead ? MSG_DONTWAIT : 0));
    if (w < 0) {
      if (errno == EINTR)
        continue;
      if (ahead && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        rc = cf__conn_wait_writable(c, -1);
        if (rc < 0)
          return CF_EIO;
        continue;
      }
      return cf__conn_errno(errno) == CF_ECLOSED ? CF_ECLOSED : CF_EIO;
    }
    /* Advance by w bytes across the caller's entries. */
    while (w > 0) {
      size_t left = iov[i].iov_len - off;
      if ((size_t)w < left) {
        off += (size_t)w;
        w = 0;
      } else {
        w -= (ssize_t)left;
        i++;
        off = 0;
      }
    }
  }
  return 0;
}

static int tcp_read_exact(struct cf_conn *c, void *buf, size_t len)
{
  uint8_t *p = buf;
  int64_t deadline = c->timeout_ms > 0 ? cf_monotonic_ms() + c->timeout_ms : -1;
  size_t got;
  ssize_t r;
  int rc;

  /* Bytes a write read ahead come first, then its EOF or error, if any;
   * with none held this costs no system call. */
  got = cf__conn_ra_take(c, p, len);
  if (got == len)
    return 0;
  p += got;
  len -= got;
  if (c->ra.err)
    return c->ra.err;
  while (len > 0) {
    if (deadline >= 0) {
      rc = cf__tcp_wait_fd(c->fd, POLLIN, deadline);
      if (rc < 0)
        return rc;
    }
    /* MSG_DONTWAIT only when polling: a spurious wake-up must loop back to
     * poll instead of blocking past the deadline. */
    r = recv(c->fd, p, len, deadline >= 0 ? MSG_DONTWAIT : 0);
    if (r > 0) {
      p += r;
      len -= (size_t)r;
      continue;
    }
    if (r == 0)
      return CF_ECLOSED;
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
      continue;
    rc = cf__conn_errno(errno);
    return rc == CF_ECLOSED ? CF_ECLOSED : CF_EIO;
  }
  return 0;
}

static void tcp_close(struct cf_conn *c)
{
  if (c->fd >= 0)
    close(c->fd);
  cf__conn_ra_free(c);
  free(c);
}

const struct cf_transport_ops cf__tcp_ops = {
  .scheme = "tcp",
  .connect = tcp_connect,
  .from_fd = tcp_from_fd,
  .writev = tcp_writev,
  .read_exact = tcp_read_exact,
  .close = tcp_close,
};
