/* Declarations shared by the files of the transport piece: the connection
 * base struct every transport extends, the ops table each transport fills in
 * (Redis connection.h ConnectionType style) and socket helpers that the TCP
 * code shares with the transports layered on it (TLS later). Nothing here is
 * visible outside transport/. */
#ifndef CF_TRANSPORT_INTERNAL_H
#define CF_TRANSPORT_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "cf_transport.h"

/* ---- Connection base ---------------------------------------------------- */

/* Room for "[" IPv6 "]:" port plus a NUL, with slack for scope ids. */
#define CF__PEER_MAX 80

/* Every transport's connection starts with this struct (a transport that
 * needs more state embeds it as its first member and casts). */
struct cf_conn {
  const struct cf_transport_ops *ops;
  int fd;                    /* owned; -1 once closed */
  int timeout_ms;            /* receive timeout for read_exact; 0 = none */
  char peer[CF__PEER_MAX];   /* "host:port" for logs, filled at connect */
};

/* ---- Ops table ---------------------------------------------------------- */

/* One table per transport. conn.c checks arguments (non-NULL, lengths) before
 * calling through it, so the ops may assume valid arguments. The contracts are
 * those of the matching cf_conn_* function in cf_transport.h. */
struct cf_transport_ops {
  const char *scheme;   /* "tcp" */
  int (*connect)(const struct cf_url *u, int timeout_ms, struct cf_conn **out,
                 char *err, size_t errlen);
  int (*from_fd)(int fd, struct cf_conn **out);
  int (*writev)(struct cf_conn *c, const struct iovec *iov, int iovcnt);
  int (*read_exact)(struct cf_conn *c, void *buf, size_t len);
  int (*set_timeout)(struct cf_conn *c, int timeout_ms);
  void (*peer)(const struct cf_conn *c, char *buf, size_t len);
  void (*close)(struct cf_conn *c);
};

extern const struct cf_transport_ops cf__tcp_ops;

/* ---- Helpers (conn.c) --------------------------------------------------- */

/* Format a one-line reason into err (if err and errlen are non-zero). */
void cf__conn_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Map an errno value from a socket call to a CF_E* code: connection refused
 * -> CF_EREFUSED, reset/pipe -> CF_ECLOSED, timeouts -> CF_ETIMEDOUT, out of
 * memory -> CF_ENOMEM, anything else -> CF_EIO. */
int cf__conn_errno(int e);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t cf__conn_now_ms(void);

/* ---- Socket helpers (tcp.c), reused by stream transports over TCP ------- */

/* Resolve u->host and connect a TCP socket within timeout_ms (<= 0: no
 * limit; name resolution itself is not bounded by it). Returns 0 with *fd a
 * blocking, close-on-exec socket with TCP_NODELAY and SO_KEEPALIVE set, or a
 * CF_E* code with a reason in err. */
int cf__tcp_connect_fd(const struct cf_url *u, int timeout_ms, int *fd,
                       char *err, size_t errlen);

/* Write the peer address of fd as "host:port", "[v6]:port" or "unix". */
void cf__tcp_format_peer(int fd, char *buf, size_t len);

#endif
