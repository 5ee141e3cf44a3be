/* Declarations shared by the files of the transport piece: the connection
 * base struct every transport extends, the ops table each transport fills in
 * (Redis connection.h ConnectionType style), socket helpers that the TCP
 * code shares with the transports layered on it (TLS), and the TLS context
 * that tls_ctx.c builds and tls.c uses. Nothing here is visible outside
 * transport/, and nothing here includes OpenSSL's headers (the OpenSSL types
 * are named by their struct tags). */
#ifndef CF_TRANSPORT_INTERNAL_H
#define CF_TRANSPORT_INTERNAL_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "cf_transport.h"
#include "config.h"
#include "rdma_mr_cache.h"

/* ---- Connection base ---------------------------------------------------- */

/* Room for "[" IPv6 "]:" port plus a NUL, with slack for scope ids. */
#define CF__PEER_MAX 80

/* Read-ahead (cf_conn_set_read_ahead): socket bytes that a write, finding
 * the socket full, received instead of only waiting, so that two peers that
 * both write large frames before reading cannot deadlock. The bytes are those
 * on the socket (for TLS: ciphertext, which the socket BIO hands to OpenSSL
 * before reading the socket again), so the transports share one buffer and
 * OpenSSL is never entered from inside a write. Unread bytes are
 * buf[off..len); never more than max are received into it (a lower max set
 * later keeps what is held). conn.c owns the code; a transport only calls
 * cf__conn_wait_writable, cf__conn_ra_take and cf__conn_ra_free. */
struct cf_read_ahead {
  uint8_t *buf;              /* NULL until turned on; grows geometrically */
  size_t off, len, size;     /* unread bytes buf[off..len); size allocated */
  size_t max;                /* cap on held bytes; 0: off (the default) */
  int err;                   /* CF_ECLOSED (EOF, reset) or CF_EIO the filling
                                met; sticky, reported by reads once the held
                                bytes are consumed; 0: none */
};

/* Every transport's connection starts with this struct (a transport that
 * needs more state embeds it as its first member and casts). */
struct cf_conn {
  const struct cf_transport_ops *ops;
  int fd;                    /* owned; -1 once closed */
  int timeout_ms;            /* receive timeout for read_exact; 0 = none */
  char peer[CF__PEER_MAX];   /* "host:port" for logs, filled at connect */
  struct cf_read_ahead ra;   /* zeroed (off) at creation */
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
  void (*close)(struct cf_conn *c);
  /* NULL when the transport has no peer identity (conn.c then answers
   * CF_ENOTFOUND); buf is non-NULL with len > 0 and already "". */
  int (*identity)(const struct cf_conn *c, char *buf, size_t len);
  /* Bytes the transport itself holds for reads beyond the read-ahead (TLS:
   * SSL_pending's decrypted bytes, else 1 when OpenSSL's own read_ahead
   * holds records not yet processed, whose size it does not tell); NULL
   * when it holds none (TCP). cf_conn_buffered adds the two. For TLS both
   * may end in an incomplete record (the read-ahead holds ciphertext): a
   * read after cf_conn_buffered() > 0 may then still wait on the socket for
   * the rest of that record (an accepted imprecision: the peer is sending
   * it). */
  size_t (*pending)(const struct cf_conn *c);
  /* Zero-copy bulk (cf_conn_set_pinned_query and the two after it); NULL
   * when the transport always copies (TCP, TLS): conn.c then does nothing
   * and reports zeroed counters. */
  void (*set_pinned_query)(struct cf_conn *c, cf_pinned_query q);
  void (*forget_memory)(struct cf_conn *c, const void *p, size_t len);
  void (*rdma_stats)(const struct cf_conn *c, struct cf_conn_rdma_stats *st);
  /* cf_conn_hung_up for a transport whose fd does not report POLLRDHUP
   * (RDMA); NULL: conn.c polls for POLLRDHUP and reads revents. */
  int (*hung_up)(struct cf_conn *c);
  /* cf_conn_settle for a transport whose fd also wakes for messages that
   * carry no stream bytes (RDMA); NULL: a readable fd means a read can
   * start. */
  int (*settle)(struct cf_conn *c);
  /* cf_conn_link_rate for a transport without a TCP socket (RDMA: the
   * port's rate); NULL: conn's fd is asked for TCP_INFO. */
  int (*link_rate)(const struct cf_conn *c, uint64_t *bytes_per_s, int *lower_bound);
};

extern const struct cf_transport_ops cf__tcp_ops;
/* tls.c, or tls_none.c in a build without OpenSSL; its connect and from_fd
 * refuse (a TLS connection needs a context: cf_conn_connect_tls). */
extern const struct cf_transport_ops cf__tls_ops;
/* rdma.c when built with libibverbs and librdmacm; NULL-equivalent rows
 * otherwise (conn.c then answers CF_EUNSUP for "rdma"). */
#if CF_HAVE_RDMA
extern const struct cf_transport_ops cf__rdma_ops;
#endif

/* ---- little-endian fields of RDMA message headers and descriptors ------- */

static inline void cf__put_le32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t cf__get_le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- RDMA flow control (rdma_credit.c), pure logic for rdma.c ------------ */

/* Credits for one direction of an RDMA connection (rules in rdma_credit.c).
 * All counts are in messages (one receive buffer each). */
struct cf__rdma_credit {
  uint32_t window;    /* the peer's data receive buffers */
  uint32_t avail;     /* data SENDs we may still post */
  uint32_t held;      /* peer data messages received and not yet reposted */
  uint32_t owed;      /* buffers reposted and not yet returned to the peer */
  uint32_t threshold; /* owed at which a credit-only message is due */
};

/* Start with avail = window. Returns 0, or CF_EINVAL when window or
 * threshold is 0, threshold > window, or reserve (the extra receive buffers
 * for credit-only messages) < ceil(window / threshold). */
int cf__rdma_credit_init(struct cf__rdma_credit *cr, uint32_t window, uint32_t threshold,
                         uint32_t reserve);
/* Spend one credit for a data SEND: 1 when taken, 0 when none is left. */
int cf__rdma_credit_take(struct cf__rdma_credit *cr);
/* The credits to put in an outgoing header (all owed); owed becomes 0. */
uint32_t cf__rdma_credit_piggyback(struct cf__rdma_credit *cr);
/* The peer returned n credits. Returns 0, or CF_EPROTO when that would make
 * avail exceed window (nothing changes then). */
int cf__rdma_credit_grant(struct cf__rdma_credit *cr, uint32_t n);
/* A data message arrived. Returns 0, or CF_EPROTO when the peer had no
 * credit for it (held + owed would exceed window; nothing changes). */
int cf__rdma_credit_received(struct cf__rdma_credit *cr);
/* A data buffer was consumed and reposted: one more credit is owed. */
void cf__rdma_credit_reposted(struct cf__rdma_credit *cr);
/* Non-zero when owed has reached threshold (send a credit-only message
 * unless a data SEND is about to carry them). */
int cf__rdma_credit_update_due(const struct cf__rdma_credit *cr);

/* ---- RDMA connections (rdma.c data path, rdma_cm.c setup) --------------- */

#if CF_HAVE_RDMA
/* Every message is one SEND into one pre-posted receive buffer: a 16-byte
 * header (le32 credits returned, le32 CF__RDMA_MAGIC, le32 reads done: how
 * many of the receiver's read descriptors the sender has finished reading,
 * counted since the start, le32 kind) and a payload:
 * - CF__RDMA_KIND_BYTES: up to CF__RDMA_BUF_SIZE - CF__RDMA_HDR_SIZE bytes of
 *   the stream; none means a control message (credits, reads done);
 * - CF__RDMA_KIND_READ: a read descriptor (le64 address, le32 rkey, le32
 *   length) standing for the next `length` bytes of the stream, which the
 *   receiver fetches with RDMA READ from the sender's registered memory
 *   (rdma_direct.c).
 * 64 KiB amortises the per-message cost (one completion each side, one
 * header) while 40 of them per side keep the registered memory of a
 * connection near 3.6 MiB. */
#define CF__RDMA_BUF_SIZE ((size_t)64 << 10)
#define CF__RDMA_HDR_SIZE 16
#define CF__RDMA_MAGIC 0x44524643u /* "CFRD" */
#define CF__RDMA_KIND_BYTES 0u
#define CF__RDMA_KIND_READ 1u
#define CF__RDMA_READ_DESC_SIZE 16
/* Receive buffers the peer may fill with data: the credit window. */
#define CF__RDMA_WINDOW 32u
/* Owed credits worth a message of their own (a quarter of the window, so a
 * streaming sender sees credits long before it runs dry) ... */
#define CF__RDMA_CREDIT_THRESHOLD 8u
/* ... hence window / threshold extra receive buffers for credit-only
 * messages (rdma_credit.c explains why that bound holds). */
#define CF__RDMA_RESERVE (CF__RDMA_WINDOW / CF__RDMA_CREDIT_THRESHOLD)
/* Read descriptors a sender may have out that the receiver has not reported
 * read. The receiver reports each finished one at once, in a control
 * message if nothing else is going (the sender is waiting for it), so up to
 * this many more control messages can be unprocessed: as many more receive
 * buffers. */
#define CF__RDMA_MAX_READS 4u
#define CF__RDMA_RECV_BUFS (CF__RDMA_WINDOW + CF__RDMA_RESERVE + CF__RDMA_MAX_READS)
/* Registered send buffers: bounds the send queue; more than the window buys
 * nothing, as each data SEND needs a credit too. */
#define CF__RDMA_SEND_BUFS 16u
/* Stream pieces at least this long go as a read descriptor when they lie in
 * registered memory (below it a copy into a send buffer is cheaper than the
 * round trip); one descriptor covers at most CF__RDMA_DIRECT_MAX bytes. */
#define CF__RDMA_DIRECT_MIN ((size_t)128 << 10)
#define CF__RDMA_DIRECT_MAX ((size_t)64 << 20)
/* The registered staging buffer a READ lands in when the reader's
 * destination is not registered (then copied out). */
#define CF__RDMA_STAGE_SIZE ((size_t)1 << 20)
/* Bounds of the per-connection registration cache (rdma_mr_cache.c). */
#define CF__RDMA_MR_CACHE_BYTES ((size_t)1 << 30)
#define CF__RDMA_MR_CACHE_ENTRIES 256u
/* wr_id of the one RDMA READ in flight (send buffers use 0..SEND_BUFS-1). */
#define CF__RDMA_READ_WRID 0xffffffffu

struct rdma_event_channel; /* librdmacm and libibverbs, by tag */
struct rdma_cm_id;
struct ibv_pd;
struct ibv_comp_channel;
struct ibv_cq;
struct ibv_mr;

struct cf__rdma_conn {
  struct cf_conn base;       /* first; base.fd is an epoll fd over rx_ch and
                                cm_ch, for callers' poll */
  struct rdma_event_channel *cm_ch; /* this connection's own CM events */
  struct rdma_cm_id *id;     /* owns the QP */
  struct ibv_pd *pd;
  struct ibv_comp_channel *rx_ch, *tx_ch;
  struct ibv_cq *rx_cq, *tx_cq; /* separate, so a send completion never
                                   wakes a reader polling base.fd */
  uint8_t *rx_mem, *tx_mem;  /* RECV_BUFS / SEND_BUFS buffers of BUF_SIZE */
  struct ibv_mr *rx_mr, *tx_mr;
  int rx_armed, tx_armed;    /* CQ notification requested, event not got */
  /* Received data buffers in arrival order: ring of buffer indices with
   * their payload lengths; the head is read from rx_off on. */
  uint32_t rx_ring[CF__RDMA_RECV_BUFS];
  uint32_t rx_len[CF__RDMA_RECV_BUFS];
  uint32_t rx_head, rx_count;
  size_t rx_off;
  size_t rx_bytes;           /* unread payload bytes in the ring */
  uint32_t tx_free[CF__RDMA_SEND_BUFS]; /* free send buffer indices */
  uint32_t tx_nfree;
  struct cf__rdma_credit cr;
  /* Read descriptors received (rx_kind[i] READ: rx_len[i] stream bytes at
   * the peer's rx_raddr[i] with rx_rkey[i]); reads_done counts those read
   * to the end, done_sent the count last put in a header. */
  uint8_t rx_kind[CF__RDMA_RECV_BUFS];
  uint64_t rx_raddr[CF__RDMA_RECV_BUFS];
  uint32_t rx_rkey[CF__RDMA_RECV_BUFS];
  uint32_t rx_reads_queued;  /* READ descriptors in the ring */
  uint32_t reads_done, done_sent;
  /* Our read descriptors: posted counts them, peer_done is the peer's
   * latest report; those between hold a registration each (ring index:
   * count % CF__RDMA_MAX_READS) that the peer may still read. */
  uint32_t reads_posted, peer_done;
  struct cf__mr_ref read_refs[CF__RDMA_MAX_READS];
  uint32_t read_lens[CF__RDMA_MAX_READS];
  /* The READ in flight (at most one) and its outcome. */
  int read_busy;
  uint32_t max_msg;          /* the port's largest message (one READ) */
  uint64_t link_bps;         /* the port's data rate, bytes/s; 0: unknown */
  uint8_t *stage;            /* CF__RDMA_STAGE_SIZE, registered */
  struct ibv_mr *stage_mr;
  /* Registrations of pinned and pool memory: as READ sources the peer
   * may read (REMOTE_READ only), and as READ destinations (LOCAL_WRITE
   * only), kept apart so that no destination is ever exposed. */
  struct cf__mr_cache *mrc_src, *mrc_dst;
  struct cf__rdma_reg_ctx {
    struct ibv_pd *pd;
    int access;
  } reg_src, reg_dst;
  /* A block whose whole registration failed (the locked-memory limit, say):
   * its copies register just their range instead of retrying the whole. */
  uintptr_t whole_failed;
  cf_pinned_query pinned;    /* the caller's memory we may register */
  struct cf_conn_rdma_stats st;
  int err;                   /* sticky CF_E*: CF_ECLOSED (flushed), CF_EIO,
                                CF_EPROTO (peer broke the credit rules) */
  int peer_gone;             /* RDMA_CM_EVENT_DISCONNECTED seen */
  int connected;             /* established: disconnect at close */
};

/* Allocate c for id (whose verbs context picks the device; the caller keeps
 * owning id and cm_ch until this succeeds), with its PD, CQs, completion
 * channels, QP, registered buffers and epoll fd, every receive posted.
 * Returns 0 with *out owning id and cm_ch, or CF_E* with err set. */
int cf__rdma_conn_new(struct rdma_cm_id *id, struct rdma_event_channel *cm_ch,
                      struct cf__rdma_conn **out, char *err, size_t errlen);
/* Post receive buffer i. Returns 0 or CF_EIO. */
int cf__rdma_post_recv(struct cf__rdma_conn *c, uint32_t i);
/* Disconnect (after the sends in flight complete, briefly bounded), free
 * every resource, the id and cm_ch. */
void cf__rdma_conn_free(struct cf__rdma_conn *c);
/* Connect to u (the ops' connect; rdma_cm.c). */
int cf__rdma_connect(const struct cf_url *u, int timeout_ms, struct cf_conn **out,
                     char *err, size_t errlen);
/* Wait for the sends in flight to complete, until deadline_ms (rdma.c;
 * close uses it so the peer has every byte before the disconnect). */
void cf__rdma_drain_sends(struct cf__rdma_conn *c, int64_t deadline_ms);
/* Set fd close-on-exec and non-blocking. Returns 0 or -1 (errno). */
int cf__rdma_fd_setup(int fd);

/* ---- the zero-copy bulk path (rdma_direct.c), for rdma.c ---- */
/* Make c's two registration caches (rdma_cm.c, at setup). Returns 0 or
 * a cf__mr_cache_new error. */
int cf__rdma_direct_init(struct cf__rdma_conn *c);
/* The connection failed with err (the first sticks); the QP is moved to
 * the error state unless err is CF_ECLOSED (rdma.c). */
void cf__rdma_fail(struct cf__rdma_conn *c, int err);
/* Post one read descriptor for [p, p+len) (len <= CF__RDMA_DIRECT_MAX) if
 * that memory is registrable (a bulk-pool buffer, or pinned as the caller's
 * query says): waits for a descriptor slot, a credit and a send buffer.
 * Returns 1 when posted, 0 when the memory is not registrable (use the copy
 * path), or a CF_E* error. */
int cf__rdma_direct_send(struct cf__rdma_conn *c, const void *p, size_t len);
/* Read n bytes (no more than the head descriptor has left) of the head READ
 * descriptor into dst: straight into dst when it is registrable, else
 * through the staging buffer. Waits for the READ whatever the deadline (the
 * adapter writes into dst until it completes). Returns 0 or a CF_E* error. */
int cf__rdma_direct_read(struct cf__rdma_conn *c, void *dst, size_t n);
/* Read the read descriptor of size bytes at d (the layout
 * cf__rdma_direct_send writes). Returns 0, or CF_EPROTO for a wrong size or
 * a length of 0 or over CF__RDMA_DIRECT_MAX. */
int cf__rdma_desc_parse(const uint8_t *d, uint32_t size, uint64_t *addr, uint32_t *rkey,
                        uint32_t *len);
/* The peer reported `done` of our descriptors read: release those
 * registrations. Returns 0, or CF_EPROTO for a count we never posted. */
int cf__rdma_direct_peer_done(struct cf__rdma_conn *c, uint32_t done);
/* Wait until at most max_out of our descriptors are unreported, spilling
 * and reporting meanwhile. Returns 0 or the connection's error. */
int cf__rdma_wait_reads(struct cf__rdma_conn *c, uint32_t max_out);
/* Release every registration still held for the peer and free both
 * caches (closing, once the QP is destroyed). */
void cf__rdma_direct_free(struct cf__rdma_conn *c);
/* The ops table's zero-copy rows. */
void cf__rdma_set_pinned_query(struct cf_conn *c, cf_pinned_query q);
void cf__rdma_forget_memory(struct cf_conn *c, const void *p, size_t len);
void cf__rdma_stats(const struct cf_conn *c, struct cf_conn_rdma_stats *st);
/* rdma.c's pieces that rdma_direct.c drives. */
int cf__rdma_wait_send_slot(struct cf__rdma_conn *c);
int cf__rdma_post_send(struct cf__rdma_conn *c, uint32_t slot, const void *payload,
                       size_t len, uint32_t kind);
int cf__rdma_wait_event(struct cf__rdma_conn *c, int want_tx, int64_t deadline_ms);
int cf__rdma_progress(struct cf__rdma_conn *c);
int cf__rdma_conn_error(const struct cf__rdma_conn *c);
int cf__rdma_wait_peer(struct cf__rdma_conn *c, int spill);
#endif

/* ---- bulk buffer pool (bulk_pool.c) ---- */
/* Non-zero when [p, p+len) lies inside one pool buffer that is handed out,
 * whose start and size go to *base and *size (such memory stays allocated
 * for the life of the process, so the RDMA transport may register it and
 * keep the registration). */
int cf__bulk_pool_owns(const void *p, size_t len, void **base, size_t *size);

/* ---- Helpers (conn.c) --------------------------------------------------- */

/* Format a one-line reason into err (if err and errlen are non-zero). */
void cf__conn_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Map an errno value from a socket call to a CF_E* code: connection refused
 * -> CF_EREFUSED, reset/pipe -> CF_ECLOSED, timeouts -> CF_ETIMEDOUT, out of
 * memory -> CF_ENOMEM, anything else -> CF_EIO. */
int cf__conn_errno(int e);

/* ---- Read-ahead (conn.c) -------------------------------------------------- */

/* Wait until c->fd is writable or has an error (that the next send reports),
 * or until deadline_ms (monotonic; < 0: never). With read-ahead on and below
 * its cap, it also waits for POLLIN and receives what is there into c->ra
 * without blocking (never more than ra.max held); EOF or a receive error is
 * recorded in ra.err for the reads, not returned, and stops the reading. With
 * read-ahead off, full or ended it is cf__tcp_wait_fd(POLLOUT). Returns 0,
 * CF_ETIMEDOUT or CF_EIO (poll failed). Called only after a send met EAGAIN,
 * so a write that finds room costs no extra system call. */
int cf__conn_wait_writable(struct cf_conn *c, int64_t deadline_ms);

/* Move up to len held read-ahead bytes into buf; returns how many (0 when
 * none are held: no system call either way). A read that still wants bytes
 * afterwards and finds ra.err set returns that instead of reading the
 * socket. */
size_t cf__conn_ra_take(struct cf_conn *c, void *buf, size_t len);

/* For a transport without a socket (RDMA): append len received bytes to the
 * read-ahead. Returns 0, CF_ETOOBIG when they would pass ra.max (nothing is
 * copied; also when read-ahead is off), or CF_ENOMEM (a part may have been
 * copied: the connection is then unusable). */
int cf__conn_ra_put(struct cf_conn *c, const void *buf, size_t len);
/* How many more bytes cf__conn_ra_put would take now (0: off, full or failed). */
size_t cf__conn_ra_room(const struct cf_conn *c);

/* Free the read-ahead buffer (transports' close). */
void cf__conn_ra_free(struct cf_conn *c);

/* ---- Socket helpers (tcp.c), reused by stream transports over TCP ------- */

/* Resolve u->host and connect a TCP socket within timeout_ms (<= 0: no
 * limit; name resolution itself is not bounded by it). Returns 0 with *fd a
 * blocking, close-on-exec socket with TCP_NODELAY and SO_KEEPALIVE set, or a
 * CF_E* code with a reason in err. */
int cf__tcp_connect_fd(const struct cf_url *u, int timeout_ms, int *fd,
                       char *err, size_t errlen);

/* Wait until fd is ready for events (POLLIN, POLLOUT) or deadline_ms
 * (monotonic; < 0: never) passes. Returns 0, CF_ETIMEDOUT or CF_EIO. */
int cf__tcp_wait_fd(int fd, short events, int64_t deadline_ms);

/* poll(2) the n entries of p until one is ready or deadline_ms (monotonic;
 * < 0: never) passes, retrying on EINTR. Returns 0 (p's revents say which),
 * CF_ETIMEDOUT or CF_EIO. */
int cf__poll_until(struct pollfd *p, nfds_t n, int64_t deadline_ms);

/* cf__tcp_wait_fd that also says which events (poll's revents, with POLLERR
 * and POLLHUP) woke it; *revents is 0 unless it returns 0. */
int cf__tcp_poll_fd(int fd, short events, int64_t deadline_ms, short *revents);

/* Options every TCP connection gets: close-on-exec, blocking, TCP_NODELAY
 * (frames are small and latency-bound), SO_KEEPALIVE. Returns 0 or CF_E*. */
int cf__tcp_setup_fd(int fd);

/* ---- TLS contexts (tls_ctx.c), used by tls.c ----------------------------- */

struct ssl_ctx_st; /* OpenSSL's SSL_CTX */

struct cf_tls_ctx {
  struct ssl_ctx_st *ssl_ctx;
  int is_server;
  int verify_peer;  /* server: client certificates asked for and checked */
  int has_cert;     /* this side presents a certificate; a client context
                       without one sets the int that SSL_get_app_data points
                       to when the server asks for a certificate */
  char *ca_file;    /* copy of the config's ca_file, or NULL (system store /
                       no client CA); only for error messages */
};

/* Drain OpenSSL's thread-local error queue into buf as "reason" of the last
 * entry ("" if empty), leaving the queue empty. Returns that entry's reason
 * code (ERR_GET_REASON), or 0. */
int cf__tls_drain_errors(char *buf, size_t len);

/* Name of a CA set for messages: "\"FILE\"" or "the system store". */
const char *cf__tls_ca_name(const struct cf_tls_ctx *ctx, char *buf, size_t len);

/* ---- TLS connections (tls.c), set up by tls_handshake.c ---------------- */

struct ssl_st; /* OpenSSL's SSL */

/* The largest TLS plaintext record: small iovecs are gathered up to this. */
#define CF__TLS_COALESCE 16384

struct cf_tls_conn {
  struct cf_conn base;       /* first: conn.c sees only this */
  struct ssl_st *ssl;
  const struct cf_tls_ctx *ctx;
  int64_t deadline_ms;       /* for the socket BIO; -1: block */
  int io_err;                /* CF_E* the BIO met in the current call, or 0 */
  int cert_wanted;           /* client: server asked for a cert we lack */
  int healthy;               /* handshake done, no fatal error yet */
  int write_failed;          /* with read-ahead on, a write met a peer gone:
                                reads go on to its EOF, writes give CF_EIO */
  size_t rx_bytes;           /* bytes received so far, up to 4 */
  uint8_t rx_first[4];       /* the first of them, to spot a plain peer */
  uint8_t wbuf[CF__TLS_COALESCE]; /* writev gathers small iovecs here */
};

/* A connection object for fd (not yet owned: base.fd is set, but nothing
 * closes it until the caller hands the object out) with its SSL and socket
 * BIO, deadline_ms = -1. Returns NULL when out of memory. */
struct cf_tls_conn *cf__tls_conn_new(int fd, const struct cf_tls_ctx *ctx);

/* Free the SSL and the object without closing fd (a failed accept leaves
 * the fd to the caller). */
void cf__tls_conn_free(struct cf_tls_conn *tc);
#endif
