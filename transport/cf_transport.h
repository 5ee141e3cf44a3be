/* The transport interface: a byte-stream connection that the protocol layer
 * sends frames over. Every transport (plain TCP now; TLS and RDMA later) fills
 * in one ops table (struct cf_transport_ops in internal.h), and callers never
 * branch on the transport type. A connection is used by one thread at a time;
 * the caller serialises access. */
#ifndef CF_TRANSPORT_H
#define CF_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* A parsed server address: "tcp://host:port" (host may be a name, an IPv4
 * address or a bracketed IPv6 address; port 0..65535). */
struct cf_url {
  char scheme[8];  /* "tcp" (later "tls", "rdma") */
  char host[256];
  uint16_t port;
};

/* Parse the whole string into *u. Returns 0, or CF_EADDR if the scheme is
 * unknown, the host empty or too long, the port missing, non-numeric, out of
 * range or followed by anything. *u is cleared on entry. */
int cf_url_parse(const char *s, struct cf_url *u);

/* cf_url_parse that also writes a one-line reason quoting s into err (always
 * NUL-terminated when errlen > 0; "" on success) for config and CLI errors. */
int cf_url_parse_err(const char *s, struct cf_url *u, char *err, size_t errlen);

/* Format u as "scheme://host:port" into buf (always NUL-terminated). */
void cf_url_format(const struct cf_url *u, char *buf, size_t len);

struct cf_conn; /* opaque; one connected stream */

/* Connect to u within timeout_ms (<= 0: no limit; name resolution is not
 * bounded by it). A scheme that is parseable but not built in ("tls",
 * "rdma" for now) gives CF_EUNSUP. On failure returns a negative CF_E* code and
 * writes the reason ("connection refused", "no such host"; the caller names
 * the address) into err.
 * On success *out owns the connection; free it with cf_conn_close(). */
int cf_conn_connect(const struct cf_url *u, int timeout_ms, struct cf_conn **out,
                    char *err, size_t errlen);

/* Wrap an already-connected socket fd of the given scheme ("tcp"); the
 * connection takes ownership of fd. Returns 0, CF_EUNSUP or CF_ENOMEM (also
 * CF_EINVAL if fd is not a stream socket); on failure the caller still owns
 * fd and must close it. */
int cf_conn_from_fd(const char *scheme, int fd, struct cf_conn **out);

/* Write all of iov (blocking, retrying on EINTR and short writes). Returns 0,
 * CF_ECLOSED if the peer went away, or CF_EIO. */
int cf_conn_writev(struct cf_conn *c, const struct iovec *iov, int iovcnt);

/* Read exactly len bytes into buf (blocking). Returns 0, CF_ECLOSED on EOF
 * (also an EOF in the middle), CF_ETIMEDOUT if a receive timeout set with
 * cf_conn_set_timeout passed, or CF_EIO. */
int cf_conn_read_exact(struct cf_conn *c, void *buf, size_t len);

/* Receive timeout for later reads; 0 means wait forever. Returns 0 or CF_EIO. */
int cf_conn_set_timeout(struct cf_conn *c, int timeout_ms);

/* The peer address as "host:port" (for logs); always NUL-terminated. */
void cf_conn_peer(const struct cf_conn *c, char *buf, size_t len);

/* Close and free; NULL is ignored. */
void cf_conn_close(struct cf_conn *c);

#endif
