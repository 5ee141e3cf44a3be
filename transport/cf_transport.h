/* The transport interface: a byte-stream connection that the protocol layer
 * sends frames over. Every transport (plain TCP, TLS; RDMA later) fills in one
 * ops table (struct cf_transport_ops in internal.h), and callers never branch
 * on the transport type. A connection is used by one thread at a time; the
 * caller serialises access. TLS connections are made with a context
 * (struct cf_tls_ctx) that many connections and threads share. */
#ifndef CF_TRANSPORT_H
#define CF_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* A parsed server address: "tcp://host:port" (host may be a name, an IPv4
 * address or a bracketed IPv6 address; port 0..65535). */
struct cf_url {
  char scheme[8];  /* "tcp", "tls", "rdma" */
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
 * bounded by it). A scheme that is parseable but not built in ("rdma" in a
 * build without libibverbs and librdmacm, or on a machine without an RDMA
 * device) gives CF_EUNSUP. So does "tls": a TLS connection needs a context (CA
 * file, client certificate), so use cf_conn_connect_tls; err says so, and
 * there is deliberately no hidden default context that would trust the
 * system store behind the caller's back. On failure returns a negative CF_E* code and
 * writes the reason ("connection refused", "no such host"; the caller names
 * the address) into err.
 * On success *out owns the connection; free it with cf_conn_close(). */
int cf_conn_connect(const struct cf_url *u, int timeout_ms, struct cf_conn **out,
                    char *err, size_t errlen);

/* Wrap an already-connected socket fd of the given scheme ("tcp"; a TLS
 * server uses cf_conn_accept_tls instead, and "tls" here gives CF_EUNSUP); the
 * connection takes ownership of fd. Returns 0, CF_EUNSUP or CF_ENOMEM (also
 * CF_EINVAL if fd is not a stream socket); on failure the caller still owns
 * fd and must close it. */
int cf_conn_from_fd(const char *scheme, int fd, struct cf_conn **out);

/* Write all of iov (blocking, retrying on EINTR and short writes). Returns 0,
 * CF_ECLOSED if the peer went away, or CF_EIO. */
int cf_conn_writev(struct cf_conn *c, const struct iovec *iov, int iovcnt);

/* Read exactly len bytes into buf (blocking). Returns 0, CF_ECLOSED on EOF
 * (also an EOF in the middle), CF_ETIMEDOUT if a receive timeout set with
 * cf_conn_set_timeout passed (the connection stays usable), or CF_EIO. On a
 * TLS client connection, CF_EAUTH means the server refused our client
 * certificate after the handshake (TLS 1.3 tells the client only then);
 * CF_EPROTO means the peer broke the TLS record protocol. */
int cf_conn_read_exact(struct cf_conn *c, void *buf, size_t len);

/* ---- Sharing one connection between a reading and a writing thread ------
 * A connection is used by one thread at a time (the caller holds a lock
 * around every call), but a client whose threads wait for replies while
 * others send must never hold that lock while merely waiting for data:
 * it polls cf_conn_fd() without the lock, and takes the lock to read only
 * when cf_conn_buffered() or the poll says data is there. */

/* The socket, for poll(2) only: reading or writing it directly would bypass
 * the transport's buffers (TLS records, read-ahead). */
int cf_conn_fd(const struct cf_conn *c);

/* Non-zero when the transport already holds data a read can start on
 * without the socket: read-ahead bytes, decrypted TLS bytes, or TLS records
 * OpenSSL took off the socket but has not decrypted (then 1, as OpenSSL
 * does not say how much). A read may still wait for the rest of a frame.
 * Data may still be on the socket when this is 0: poll cf_conn_fd() for
 * that. Like every call here, made under the caller's lock. */
size_t cf_conn_buffered(const struct cf_conn *c);

/* For a reader that must leave the peer's data unread for now but wants to
 * know if the peer hangs up (a server holding a client's frames back): poll
 * cf_conn_fd() for cf_conn_hangup_events(c) (TCP, TLS: POLLRDHUP; RDMA:
 * POLLIN, as a disconnect arrives like a message), then ask
 * cf_conn_hung_up(c, revents), which takes in what arrived without
 * consuming the stream and answers non-zero when the peer is gone. */
short cf_conn_hangup_events(const struct cf_conn *c);
int cf_conn_hung_up(struct cf_conn *c, short revents);

/* After cf_conn_fd() polled readable: take in what the transport received
 * and answer non-zero when a read can start now (bytes are held, or the
 * connection ended), 0 when the wake-up carried nothing for reads (an RDMA
 * control message: poll again). Always non-zero on TCP and TLS, whose
 * readable socket is the answer. */
int cf_conn_settle(struct cf_conn *c);

/* With max_bytes > 0, a write that finds the socket full keeps reading what
 * the peer sends, up to max_bytes held in memory, instead of only waiting:
 * two peers that both write large frames before reading cannot deadlock on
 * full socket buffers. Later reads take those bytes first. 0 turns it off
 * (the default). Returns 0 or CF_ENOMEM. */
int cf_conn_set_read_ahead(struct cf_conn *c, size_t max_bytes);

/* Receive timeout for later reads; 0 means wait forever. Returns 0 or CF_EIO. */
int cf_conn_set_timeout(struct cf_conn *c, int timeout_ms);

/* The peer address as "host:port" (for logs); always NUL-terminated. */
void cf_conn_peer(const struct cf_conn *c, char *buf, size_t len);

/* The peer of the connected socket fd as "host:port" ("[v6]:port"),
 * "unix" or "?" into buf (always NUL-terminated), for logs. */
void cf_socket_peer(int fd, char *buf, size_t len);

/* The rate data crosses the link at, as TCP measured it (bytes per second);
 * *lower_bound when the sender was not keeping the link busy, so the link
 * may well be faster. -1 when there is no measurement (not TCP, nothing sent
 * yet, an old kernel). */
int cf_conn_link_rate(const struct cf_conn *c, uint64_t *bytes_per_s, int *lower_bound);

/* Milliseconds on CLOCK_MONOTONIC, for deadlines; and nanoseconds, for
 * timing writes and delays. */
int64_t cf_monotonic_ms(void);
uint64_t cf_monotonic_ns(void);

/* Close and free; NULL is ignored. A TLS connection first tries to send its
 * close_notify without blocking. */
void cf_conn_close(struct cf_conn *c);

/* ---- RDMA (transport/rdma*.c) ---------------------------------------------
 * rdma://HOST:PORT over librdmacm: one reliable-connected queue pair per
 * connection carrying the byte stream in SEND/RECV messages with credit-based
 * flow control. The client side is cf_conn_connect; the accepting side is
 * the listener below. cf_conn_fd of an RDMA connection is an epoll fd that
 * becomes readable when a message or a disconnect may have arrived (poll it
 * like a socket); cf_conn_buffered counts the bytes already received. Every
 * function below returns CF_EUNSUP ("this build has no RDMA") in a build
 * without libibverbs and librdmacm, and CF_EUNSUP too when the machine has
 * no RDMA device. A listener is used by one thread at a time. */

struct cf_rdma_listener; /* opaque */

/* Listen on u (scheme "rdma"; host an address of an RDMA device's netdev, or
 * 0.0.0.0; port 0 picks one). Returns 0 with *out owned by the caller (free
 * with cf_rdma_listener_free), or CF_EUNSUP, CF_EADDR (scheme not rdma),
 * CF_ENOTFOUND (no such host), CF_EIO (bind or listen failed), CF_ENOMEM,
 * with a one-line reason in err. */
int cf_rdma_listen(const struct cf_url *u, struct cf_rdma_listener **out, char *err,
                   size_t errlen);

/* The port the listener is bound to (host order), or -1 when l is NULL. */
int cf_rdma_listener_port(const struct cf_rdma_listener *l);

/* An fd that is readable when a connection request may be waiting, for
 * poll(2) only; -1 when l is NULL. */
int cf_rdma_listener_fd(const struct cf_rdma_listener *l);

/* Wait up to timeout_ms (<= 0: no limit) for one connection request and
 * accept it. Returns 0 with *out owned by the caller (free with
 * cf_conn_close; it stays valid after the listener is freed), or
 * CF_ETIMEDOUT (nothing came; *out NULL), CF_EIO, CF_ENOMEM, CF_ECLOSED (the
 * peer left during the accept), with a one-line reason in err. */
int cf_rdma_accept(struct cf_rdma_listener *l, int timeout_ms, struct cf_conn **out, char *err,
                   size_t errlen);

/* Stop listening and free; NULL is ignored. Connections accepted from it
 * are not affected. */
void cf_rdma_listener_free(struct cf_rdma_listener *l);

/* ---- Zero-copy bulk (RDMA; every call is harmless on TCP and TLS) --------
 * Over RDMA a large piece of a write that lies in registered memory goes as
 * a read descriptor, and the peer fetches it with RDMA READ straight into
 * its destination, registered too when it can be (transport/rdma_direct.c).
 * Memory is registrable when it is a bulk-pool buffer (below) or when the
 * caller's pinned query says it stays allocated until the caller reports
 * its end with cf_conn_forget_memory. cf_conn_writev still returns only
 * once the peer has read every such piece, so the caller may reuse the
 * memory at once, as with every transport. */

/* Answers non-zero when [p, p+len) lies in one block of memory that the
 * caller will report with cf_conn_forget_memory before freeing it, and
 * sets *base and *size to that whole block (registered in one go). Called
 * under the caller's connection lock; must not call into the connection. */
typedef int (*cf_pinned_query)(const void *p, size_t len, void **base, size_t *size);

/* Set (NULL: clear) c's pinned query. */
void cf_conn_set_pinned_query(struct cf_conn *c, cf_pinned_query q);

/* [p, p+len) is about to be freed or unregistered: c drops its
 * registrations of it (at once, or when a transfer in progress ends). Call
 * it before the memory goes. */
void cf_conn_forget_memory(struct cf_conn *c, const void *p, size_t len);

/* How c has moved bulk so far: bytes the peer read from our registered
 * memory (direct_sent), bytes we read from the peer straight into our
 * registered memory (direct_received) or through the staging buffer
 * (staged_received), and registrations made. All 0 on TCP and TLS. */
struct cf_conn_rdma_stats {
  uint64_t direct_sent, direct_received, staged_received, registrations;
};
void cf_conn_rdma_stats(const struct cf_conn *c, struct cf_conn_rdma_stats *st);

/* Bulk buffers (transport/bulk_pool.c): memory for frame payloads that is
 * recycled rather than returned to the system, so the RDMA transport can
 * register each buffer once. Off by default (cf_bulk_alloc is then malloc);
 * cf_bulk_pool_enable(max_bytes) lets the pool keep up to max_bytes in
 * buffers of 64 KiB and more. The pool never frees a buffer before the
 * process ends, so a registration of it never goes stale; requests it
 * cannot serve within max_bytes fall back to calloc. New memory is zeroed;
 * a recycled buffer holds what its last user left. Thread-safe. */
void cf_bulk_pool_enable(size_t max_bytes);
/* len bytes (NULL when out of memory; len 0 gives a valid 1-byte block). */
void *cf_bulk_alloc(size_t len);
/* Free what cf_bulk_alloc gave (NULL is ignored). */
void cf_bulk_free(void *p);

/* ---- TLS (transport/tls.c, tls_ctx.c) -----------------------------------
 * TLS 1.3 only with OpenSSL's default TLS 1.3 cipher suites; no session
 * tickets, no resumption, no renegotiation, no compression. Every function
 * below returns CF_EUNSUP ("this build has no TLS") when cuferry was built
 * without OpenSSL. None of them leaves entries in OpenSSL's thread-local error
 * queue (the client shares the process with programs that may use OpenSSL). */

/* TLS settings of one side; paths are PEM files. The strings are copied by
 * cf_tls_ctx_new_*, so they need only live for that call. */
struct cf_tls_config {
  const char *ca_file;   /* client: CAs that may sign the server (NULL: the system store);
                            server: CAs that may sign client certificates (NULL: none asked) */
  const char *cert_file; /* server: its certificate chain (required); client: optional client cert */
  const char *key_file;  /* the matching private key (required with cert_file) */
};

struct cf_tls_ctx; /* opaque; read-only after creation, shareable between the
                      connections and threads of one process */

/* Build a client or server context from c. Every file is read now, so a
 * missing or bad file, or a key that does not match its certificate, fails
 * here with a one-line err naming the file: CF_ENOTFOUND (cannot open),
 * CF_EINVAL (not PEM, no certificate in it, key mismatch, cert without key,
 * server without cert), CF_ENOMEM, CF_EUNSUP (no TLS in this build). On
 * success *out is owned by the caller; free it with cf_tls_ctx_free once
 * every connection made with it is closed. */
int cf_tls_ctx_new_client(const struct cf_tls_config *c, struct cf_tls_ctx **out,
                          char *err, size_t errlen);
int cf_tls_ctx_new_server(const struct cf_tls_config *c, struct cf_tls_ctx **out,
                          char *err, size_t errlen);

/* Free a context; NULL is ignored. */
void cf_tls_ctx_free(struct cf_tls_ctx *ctx);

/* Connect to u (scheme "tls") and run the handshake, both within timeout_ms
 * (one deadline; <= 0: no limit), verifying the server's chain against ctx's
 * CAs and its name against u->host (DNS name or IP address). Returns 0 with
 * *out owned by the caller (free with cf_conn_close), or with err set to one
 * line: the cf_conn_connect errors, CF_ETIMEDOUT (handshake timed out),
 * CF_EAUTH (the server's certificate is not signed by a known CA or not for
 * u->host; the server wants a client certificate and ctx has none), CF_ETLS
 * (the server did not answer with TLS, or the handshake failed otherwise). */
int cf_conn_connect_tls(const struct cf_url *u, struct cf_tls_ctx *ctx, int timeout_ms,
                        struct cf_conn **out, char *err, size_t errlen);

/* Server side: run the handshake on an accepted, connected socket fd within
 * timeout_ms (<= 0: no limit). On success *out owns fd (set close-on-exec).
 * On failure the caller still owns fd, err says why in one line, and *plain
 * (may be NULL; else set to 0 on entry) is set to 1 when the peer sent a
 * plain cuferry frame (its first bytes are the frame magic "CFRY") instead of
 * a TLS ClientHello; those bytes are only peeked, not consumed, so the caller
 * can answer with a plaintext refuse frame saying the server requires tls://.
 * Returns CF_ETLS (plain frame, not TLS, handshake failed), CF_EAUTH (client
 * certificate missing or not signed by a CA in the server's ca_file; the
 * client refused our certificate), CF_ETIMEDOUT, CF_ECLOSED (the client went
 * away), CF_ENOMEM or CF_EINVAL (fd not a stream socket). */
int cf_conn_accept_tls(int fd, struct cf_tls_ctx *ctx, int timeout_ms, struct cf_conn **out,
                       int *plain, char *err, size_t errlen);

/* The subject CN of the peer's verified certificate into buf (NUL-terminated).
 * Returns 0; CF_ENOTFOUND when the peer presented no certificate, it has no
 * CN, or c is not a TLS connection; CF_EPROTO when the CN is not printable
 * ASCII or appears more than once (refused rather than escaped, so that two
 * certificates can never map to one identity); CF_ETOOBIG when it does not fit
 * in len (never truncated). buf is "" on any failure. */
int cf_conn_peer_identity(const struct cf_conn *c, char *buf, size_t len);

#endif
