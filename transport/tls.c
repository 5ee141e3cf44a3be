/* TLS transport, record I/O: a cf_conn that runs OpenSSL over a TCP socket,
 * filling in the same ops table as tcp.c so callers never branch on the
 * transport. Contexts (policy, certificates, CAs) come from tls_ctx.c and the
 * handshakes on both sides, with their one-line errors, from tls_handshake.c;
 * this file owns the socket BIO, the connection object, reads, writes, close
 * and the peer identity.
 *
 * OpenSSL never touches the socket itself: a BIO of our own does every
 * send and recv. Its writes use send(MSG_NOSIGNAL), because the client lives
 * inside users' programs and must never raise SIGPIPE there; its reads honour
 * one deadline per handshake or per read_exact call with poll(), like
 * tcp.c, and a read that times out reports "retry" to OpenSSL, so the record
 * layer keeps any partial record and the connection stays usable.
 *
 * With read-ahead on (cf_conn_set_read_ahead), the BIO's sends never block:
 * a full socket sends it to conn.c's cf__conn_wait_writable, which receives
 * the peer's ciphertext into the connection's read-ahead while it waits, and
 * the BIO's reads hand those bytes to OpenSSL before reading the socket.
 * It all happens below OpenSSL, so no SSL_read runs inside an SSL_write.
 * The held ciphertext may end in an incomplete record, so a read after
 * cf_conn_buffered() > 0 may still wait on the socket for its rest.
 *
 * Writes coalesce the small iovecs of a frame (header, body, the start of a
 * bulk) into one record through a per-connection buffer and hand large
 * buffers to SSL_write straight through; nothing is allocated per call.
 *
 * One connection is used by one thread at a time; the shared context is only
 * read. OpenSSL's error queue is thread-local and shared with the host
 * program, so every path here leaves it empty. */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cf_error.h"

/* ---- the socket BIO --------------------------------------------------------- */

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static int bio_write(BIO *b, const char *data, int len)
{
  struct cf_tls_conn *tc = BIO_get_data(b);
  /* Without blocking when there is a deadline to keep or a read-ahead to
   * fill while the socket is full (the wait then receives ciphertext). */
  int nowait = tc->deadline_ms >= 0 || tc->base.ra.max > 0;
  ssize_t n;
  int rc;

  BIO_clear_retry_flags(b);
  for (;;) {
    n = send(tc->base.fd, data, (size_t)len, MSG_NOSIGNAL | (nowait ? MSG_DONTWAIT : 0));
    if (n >= 0)
      return (int)n;
    if (errno == EINTR)
      continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && nowait) {
      rc = cf__conn_wait_writable(&tc->base, tc->deadline_ms);
      if (rc == 0)
        continue;
      tc->io_err = rc;
      return -1;
    }
    tc->io_err = cf__conn_errno(errno);
    return -1;
  }
}

static int bio_read(BIO *b, char *out, int len)
{
  struct cf_tls_conn *tc = BIO_get_data(b);
  ssize_t n;
  int rc;

  BIO_clear_retry_flags(b);
  /* Ciphertext a write read ahead comes first, then its EOF or error; with
   * none held this costs no system call. rx_first is not fed from it: only
   * handshakes use rx_first, and read-ahead starts after them. */
  n = (ssize_t)cf__conn_ra_take(&tc->base, out, (size_t)len);
  if (n > 0)
    return (int)n;
  if (tc->base.ra.err) {
    tc->io_err = tc->base.ra.err;
    return tc->io_err == CF_ECLOSED ? 0 : -1;
  }
  for (;;) {
    /* With a deadline, try first and poll only when nothing is there: the
     * common case costs one syscall. */
    n = recv(tc->base.fd, out, (size_t)len, tc->deadline_ms >= 0 ? MSG_DONTWAIT : 0);
    if (n > 0) {
      for (ssize_t i = 0; i < n && tc->rx_bytes < sizeof tc->rx_first; i++)
        tc->rx_first[tc->rx_bytes++] = (uint8_t)out[i];
      return (int)n;
    }
    if (n == 0) {
      tc->io_err = CF_ECLOSED;
      return 0;
    }
    if (errno == EINTR)
      continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && tc->deadline_ms >= 0) {
      rc = cf__tcp_wait_fd(tc->base.fd, POLLIN, tc->deadline_ms);
      if (rc == 0)
        continue;
      tc->io_err = rc;
      if (rc == CF_ETIMEDOUT)
        BIO_set_retry_read(b); /* OpenSSL keeps its state: not fatal */
      return -1;
    }
    rc = cf__conn_errno(errno);
    tc->io_err = rc == CF_ECLOSED ? CF_ECLOSED : CF_EIO;
    return -1;
  }
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
  (void)b, (void)num, (void)ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0; /* every write goes straight out */
}

static int bio_create(BIO *b)
{
  BIO_set_init(b, 1);
  return 1;
}

static void bio_method_init(void)
{
  BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                               "cuferry socket");

  if (m && (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
            !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create))) {
    BIO_meth_free(m);
    m = NULL;
  }
  bio_method = m; /* kept for the life of the process */
}

/* ---- connection setup ------------------------------------------------------- */

struct cf_tls_conn *cf__tls_conn_new(int fd, const struct cf_tls_ctx *ctx)
{
  struct cf_tls_conn *tc;
  BIO *bio;

  pthread_once(&bio_once, bio_method_init);
  if (!bio_method)
    return NULL;
  tc = calloc(1, sizeof *tc);
  if (!tc)
    return NULL;
  tc->base.ops = &cf__tls_ops;
  tc->base.fd = fd;
  tc->ctx = ctx;
  tc->deadline_ms = -1;
  tc->ssl = SSL_new(ctx->ssl_ctx);
  bio = BIO_new(bio_method);
  if (!tc->ssl || !bio) {
    BIO_free(bio);
    SSL_free(tc->ssl);
    free(tc);
    ERR_clear_error();
    return NULL;
  }
  BIO_set_data(bio, tc);
  SSL_set_bio(tc->ssl, bio, bio); /* the SSL owns the BIO now */
  SSL_set_app_data(tc->ssl, &tc->cert_wanted);
  return tc;
}

void cf__tls_conn_free(struct cf_tls_conn *tc)
{
  SSL_free(tc->ssl);
  ERR_clear_error();
  cf__conn_ra_free(&tc->base);
  free(tc);
}

/* ---- ops ----------------------------------------------------------------- */

static int tls_connect(const struct cf_url *u, int timeout_ms, struct cf_conn **out,
                       char *err, size_t errlen)
{
  (void)u, (void)timeout_ms, (void)out;
  cf__conn_seterr(err, errlen, "tls:// is not supported by cf_conn_connect: it needs a TLS "
                  "context (use cf_conn_connect_tls)");
  return CF_EUNSUP;
}

static int tls_from_fd(int fd, struct cf_conn **out)
{
  (void)fd, (void)out;
  return CF_EUNSUP; /* the server side needs a context: cf_conn_accept_tls */
}

/* Map a failed SSL_read/SSL_write (ret <= 0) to a CF_E* code. */
static int io_failure(struct cf_tls_conn *tc, int ret)
{
  int e = SSL_get_error(tc->ssl, ret), reason;

  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    return tc->io_err ? tc->io_err : 0; /* 0: spurious, retry */
  }
  tc->healthy = 0;
  reason = cf__tls_drain_errors(NULL, 0);
  if (e == SSL_ERROR_ZERO_RETURN)
    return CF_ECLOSED;
  if (tc->io_err)
    return tc->io_err == CF_ECLOSED ? CF_ECLOSED : CF_EIO;
  if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING || e == SSL_ERROR_SYSCALL)
    return CF_ECLOSED;
  /* The server refusing our client certificate, seen after our handshake. */
  if (!tc->ctx->is_server &&
      (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
       reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA || reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
       reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN ||
       reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED ||
       reason == SSL_R_TLSV1_ALERT_ACCESS_DENIED))
    return CF_EAUTH;
  return CF_EPROTO;
}

/* SSL_write all of buf (blocking; SSL splits it into records). */
static int write_all(struct cf_tls_conn *tc, const void *buf, size_t len)
{
  size_t n;
  int rc;

  while (len > 0) {
    ERR_clear_error();
    tc->io_err = 0;
    if (SSL_write_ex(tc->ssl, buf, len, &n) == 1) {
      buf = (const uint8_t *)buf + n;
      len -= n;
      continue;
    }
    rc = io_failure(tc, 0);
    if (rc == CF_ECLOSED && tc->io_err == CF_ECLOSED && tc->base.ra.max > 0) {
      /* The socket refused our bytes (the peer went away) while we read
       * ahead: what it sent before going, a last reply perhaps, is still
       * to be read, up to its EOF. OpenSSL's read side is unharmed (a
       * failed BIO write is not fatal to it), so reads go on; writes stay
       * refused, since OpenSSL keeps the unsent record pending. */
      tc->healthy = 1;
      tc->write_failed = 1;
    }
    if (rc < 0)
      return rc == CF_ECLOSED ? CF_ECLOSED : CF_EIO;
  }
  return 0;
}

static int tls_writev(struct cf_conn *c, const struct iovec *iov, int iovcnt)
{
  struct cf_tls_conn *tc = (struct cf_tls_conn *)c;
  size_t used = 0, n, take;
  const uint8_t *p;
  int i, rc;

  if (!tc->healthy || tc->write_failed)
    return CF_EIO;
  tc->deadline_ms = -1;
  for (i = 0; i < iovcnt; i++) {
    p = iov[i].iov_base;
    n = iov[i].iov_len;
    while (n > 0) {
      if (used == 0 && n >= CF__TLS_COALESCE) {
        /* Big and nothing gathered: straight through, no copy. */
        rc = write_all(tc, p, n);
        if (rc < 0)
          return rc;
        break;
      }
      take = n < CF__TLS_COALESCE - used ? n : CF__TLS_COALESCE - used;
      memcpy(tc->wbuf + used, p, take);
      used += take;
      p += take;
      n -= take;
      if (used == CF__TLS_COALESCE) {
        rc = write_all(tc, tc->wbuf, used);
        if (rc < 0)
          return rc;
        used = 0;
      }
    }
  }
  return used ? write_all(tc, tc->wbuf, used) : 0;
}

static int tls_read_exact(struct cf_conn *c, void *buf, size_t len)
{
  struct cf_tls_conn *tc = (struct cf_tls_conn *)c;
  uint8_t *p = buf;
  size_t n;
  int rc;

  if (!tc->healthy)
    return CF_EIO;
  tc->deadline_ms = c->timeout_ms > 0 ? cf_monotonic_ms() + c->timeout_ms : -1;
  while (len > 0) {
    ERR_clear_error();
    tc->io_err = 0;
    if (SSL_read_ex(tc->ssl, p, len, &n) == 1) {
      p += n;
      len -= n;
      continue;
    }
    rc = io_failure(tc, 0);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* What OpenSSL holds for reads: the decrypted bytes of a record already
 * processed (SSL_pending), or, when there are none, 1 for received records
 * not yet processed. OpenSSL's own read_ahead (tls_ctx.c) takes whatever
 * has arrived into its buffer, so a whole reply can sit there, unseen by a
 * poll of the socket and uncounted by SSL_pending; SSL_has_pending sees it,
 * though not how much, and it may be an incomplete record (as the
 * read-ahead that conn.c adds may be: see struct cf_transport_ops). Neither
 * call leaves anything in the error queue. */
static size_t tls_pending(const struct cf_conn *c)
{
  const struct cf_tls_conn *tc = (const struct cf_tls_conn *)c;
  int n = SSL_pending(tc->ssl);

  if (n > 0)
    return (size_t)n;
  return SSL_has_pending(tc->ssl) ? 1 : 0;
}

static void tls_close(struct cf_conn *c)
{
  struct cf_tls_conn *tc = (struct cf_tls_conn *)c;

  if (tc->healthy && !tc->write_failed) {
    /* close_notify, one try without blocking: a stuck peer must not hold
     * up the close (nor one already gone). */
    tc->deadline_ms = cf_monotonic_ms();
    (void)SSL_shutdown(tc->ssl);
  }
  if (c->fd >= 0)
    close(c->fd);
  cf__tls_conn_free(tc);
}

/* Printable ASCII only: the identity goes into logs and access checks. */
static int tls_identity(const struct cf_conn *c, char *buf, size_t len)
{
  const struct cf_tls_conn *tc = (const struct cf_tls_conn *)c;
  X509 *x = SSL_get0_peer_certificate(tc->ssl);
  X509_NAME *name;
  unsigned char *cn = NULL;
  int idx, n, i, rc = 0;

  if (!x || SSL_get_verify_result(tc->ssl) != X509_V_OK)
    return CF_ENOTFOUND;
  name = X509_get_subject_name(x);
  idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0)
    return CF_ENOTFOUND;
  if (X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0)
    return CF_EPROTO;
  n = ASN1_STRING_to_UTF8(&cn, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
  if (n < 0) {
    ERR_clear_error();
    return CF_EPROTO;
  }
  for (i = 0; i < n && rc == 0; i++)
    if (cn[i] < 0x20 || cn[i] > 0x7e)
      rc = CF_EPROTO;
  if (rc == 0 && n == 0)
    rc = CF_ENOTFOUND;
  if (rc == 0 && (size_t)n >= len)
    rc = CF_ETOOBIG;
  if (rc == 0) {
    memcpy(buf, cn, (size_t)n);
    buf[n] = '\0';
  }
  OPENSSL_free(cn);
  return rc;
}

const struct cf_transport_ops cf__tls_ops = {
  .scheme = "tls",
  .connect = tls_connect,
  .from_fd = tls_from_fd,
  .writev = tls_writev,
  .read_exact = tls_read_exact,
  .close = tls_close,
  .identity = tls_identity,
  .pending = tls_pending,
};
