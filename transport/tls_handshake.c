/* TLS transport, handshakes: connecting (cf_conn_connect_tls) and accepting
 * (cf_conn_accept_tls), each within one deadline that the socket BIO in
 * tls.c enforces, and the translation of a failed handshake into one line a
 * user can act on: unknown CA, wrong host name, a plain cuferry peer on
 * either side, a missing or untrusted client certificate, a timeout.
 *
 * The server peeks at the client's first bytes before OpenSSL sees them, so
 * a plain cuferry client is recognised by its frame magic and the caller,
 * which still owns the fd, can answer with a plaintext refuse frame. The
 * client instead remembers the first bytes the server sent (tls.c records
 * them) to recognise a plain server after the fact.
 *
 * Each call works on its own connection object; the shared context is only
 * read. The OpenSSL error queue is left empty on return. */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cf_error.h"

/* First byte of a TLS record from a peer that speaks TLS: handshake (22) or
 * alert (21). A cuferry frame starts with 'C' of "CFRY". */
#define TLS_REC_ALERT 21
#define TLS_REC_HANDSHAKE 22
static const uint8_t frame_magic[4] = { 'C', 'F', 'R', 'Y' };

/* Run the handshake to the end or to a failure. Returns 1 or 0; on 0 the
 * caller reads tc->io_err, the verify result and the error queue. */
static int run_handshake(struct cf_tls_conn *tc, int64_t deadline_ms)
{
  int rc, e;

  tc->deadline_ms = deadline_ms;
  for (;;) {
    ERR_clear_error();
    tc->io_err = 0;
    rc = SSL_do_handshake(tc->ssl);
    if (rc == 1)
      break;
    e = SSL_get_error(tc->ssl, rc);
    if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && tc->io_err == 0)
      continue; /* cannot happen with our blocking BIO; harmless */
    return 0;
  }
  tc->deadline_ms = -1;
  tc->healthy = 1;
  return 1;
}

/* The alert description behind an OpenSSL reason code, or NULL. */
static const char *alert_text(int reason)
{
  if (reason <= SSL_AD_REASON_OFFSET || reason > SSL_AD_REASON_OFFSET + 255)
    return NULL;
  return SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET);
}

/* Certificate checks that mean "not signed by a CA we trust". */
static int unknown_issuer(long v)
{
  return v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
         v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
         v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
         v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
         v == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
         v == X509_V_ERR_CERT_UNTRUSTED || v == X509_V_ERR_CERT_SIGNATURE_FAILURE;
}

/* Did the peer answer with something that is not TLS (a cuferry frame, any
 * other bytes), or hang up before sending a byte? */
static int peer_not_tls(const struct cf_tls_conn *tc)
{
  if (tc->rx_bytes == 0)
    return tc->io_err == CF_ECLOSED;
  return tc->rx_first[0] != TLS_REC_HANDSHAKE && tc->rx_first[0] != TLS_REC_ALERT;
}

/* One line for a failed client handshake; returns the CF_E* code. */
static int client_failure(struct cf_tls_conn *tc, const struct cf_url *u, int timeout_ms,
                          char *err, size_t errlen)
{
  long v = SSL_get_verify_result(tc->ssl);
  char why[128], ca[300];
  int reason = cf__tls_drain_errors(why, sizeof why);

  if (tc->io_err == CF_ETIMEDOUT) {
    cf__conn_seterr(err, errlen, "TLS handshake timed out after %d ms", timeout_ms);
    return CF_ETIMEDOUT;
  }
  if (peer_not_tls(tc)) {
    cf__conn_seterr(err, errlen, "the server did not answer with TLS: "
                    "is it a plain tcp:// server (cuferryd --insecure)?");
    return CF_ETLS;
  }
  if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    cf__conn_seterr(err, errlen, "the server's certificate is not for %s", u->host);
    return CF_EAUTH;
  }
  if (unknown_issuer(v)) {
    cf__conn_seterr(err, errlen, "the server's certificate is not signed by a CA in %s",
                    cf__tls_ca_name(tc->ctx, ca, sizeof ca));
    return CF_EAUTH;
  }
  if (v != X509_V_OK) {
    cf__conn_seterr(err, errlen, "the server's certificate failed verification: %s",
                    X509_verify_cert_error_string(v));
    return CF_EAUTH;
  }
  if (alert_text(reason)) {
    cf__conn_seterr(err, errlen, "the server refused the TLS handshake (alert: %s)",
                    alert_text(reason));
    return CF_ETLS;
  }
  if (tc->io_err == CF_ECLOSED) {
    cf__conn_seterr(err, errlen, "the server closed the connection during the TLS handshake");
    return CF_ECLOSED;
  }
  cf__conn_seterr(err, errlen, "TLS handshake failed: %s", why[0] ? why : "I/O error");
  return CF_ETLS;
}

/* One line for a failed server handshake; returns the CF_E* code. */
static int server_failure(struct cf_tls_conn *tc, int timeout_ms, char *err, size_t errlen)
{
  long v = SSL_get_verify_result(tc->ssl);
  char why[128], ca[300];
  int reason = cf__tls_drain_errors(why, sizeof why);

  cf__tls_ca_name(tc->ctx, ca, sizeof ca);
  if (tc->io_err == CF_ETIMEDOUT) {
    cf__conn_seterr(err, errlen, "TLS handshake timed out after %d ms", timeout_ms);
    return CF_ETIMEDOUT;
  }
  if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
    cf__conn_seterr(err, errlen, "the client presented no certificate "
                    "(this server requires one signed by a CA in %s)", ca);
    return CF_EAUTH;
  }
  if (unknown_issuer(v)) {
    cf__conn_seterr(err, errlen, "the client's certificate is not signed by a CA in %s", ca);
    return CF_EAUTH;
  }
  if (v != X509_V_OK) {
    cf__conn_seterr(err, errlen, "the client's certificate failed verification: %s",
                    X509_verify_cert_error_string(v));
    return CF_EAUTH;
  }
  if (reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA || reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
      reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN ||
      reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED) {
    cf__conn_seterr(err, errlen, "the client refused this server's certificate (alert: %s)",
                    alert_text(reason));
    return CF_EAUTH;
  }
  if (alert_text(reason)) {
    cf__conn_seterr(err, errlen, "the client aborted the TLS handshake (alert: %s)",
                    alert_text(reason));
    return CF_ETLS;
  }
  if (tc->io_err == CF_ECLOSED) {
    cf__conn_seterr(err, errlen, "the client closed the connection during the TLS handshake");
    return CF_ECLOSED;
  }
  if (reason == SSL_R_UNSUPPORTED_PROTOCOL) {
    cf__conn_seterr(err, errlen, "TLS handshake failed: the client does not offer TLS 1.3");
    return CF_ETLS;
  }
  cf__conn_seterr(err, errlen, "TLS handshake failed: %s", why[0] ? why : "I/O error");
  return CF_ETLS;
}

/* Tell the server to check the certificate against host: an IP address
 * against the IP SANs, a name against the DNS SANs (and SNI). */
static int set_expected_host(SSL *ssl, const char *host)
{
  unsigned char addr[16];

  if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1;
  return SSL_set1_host(ssl, host) == 1 && SSL_set_tlsext_host_name(ssl, host) == 1;
}

int cf_conn_connect_tls(const struct cf_url *u, struct cf_tls_ctx *ctx, int timeout_ms,
                        struct cf_conn **out, char *err, size_t errlen)
{
  int64_t deadline = timeout_ms > 0 ? cf_monotonic_ms() + timeout_ms : -1;
  struct cf_tls_conn *tc;
  int fd, rc;

  if (err && errlen)
    err[0] = '\0';
  if (out)
    *out = NULL;
  if (!u || !ctx || !out || ctx->is_server || strcmp(u->scheme, "tls")) {
    cf__conn_seterr(err, errlen, "cf_conn_connect_tls needs a tls:// address, "
                    "a client TLS context and a result pointer");
    return CF_EINVAL;
  }
  rc = cf__tcp_connect_fd(u, timeout_ms, &fd, err, errlen);
  if (rc < 0)
    return rc;
  tc = cf__tls_conn_new(fd, ctx);
  if (!tc) {
    close(fd);
    cf__conn_seterr(err, errlen, "out of memory");
    return CF_ENOMEM;
  }
  if (!set_expected_host(tc->ssl, u->host)) {
    cf__conn_seterr(err, errlen, "cannot check a certificate for host %s", u->host);
    rc = CF_EADDR;
    goto fail;
  }
  SSL_set_connect_state(tc->ssl);
  if (!run_handshake(tc, deadline)) {
    rc = client_failure(tc, u, timeout_ms, err, errlen);
    goto fail;
  }
  if (tc->cert_wanted) {
    cf__conn_seterr(err, errlen, "the server requires a client certificate and none is "
                    "configured");
    rc = CF_EAUTH;
    goto fail;
  }
  cf_socket_peer(fd, tc->base.peer, sizeof tc->base.peer);
  *out = &tc->base;
  return 0;

fail:
  cf__tls_conn_free(tc);
  close(fd);
  return rc;
}

/* Look at the client's first bytes without consuming them. Returns 0 when
 * they start a TLS handshake record; otherwise a CF_E* code with err set and
 * *plain = 1 for a cuferry frame. */
static int peek_client_hello(int fd, int64_t deadline, int timeout_ms, int *plain,
                             char *err, size_t errlen)
{
  uint8_t b[4];
  ssize_t n;
  int rc, tries = 0;

  for (;;) {
    n = recv(fd, b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) {
      cf__conn_seterr(err, errlen, "the client closed the connection before the TLS handshake");
      return CF_ECLOSED;
    }
    if (n > 0) {
      if (b[0] == TLS_REC_HANDSHAKE)
        return 0;
      if (memcmp(b, frame_magic, (size_t)n) != 0) {
        cf__conn_seterr(err, errlen, "the client did not start a TLS handshake");
        return CF_ETLS;
      }
      /* A prefix of "CFRY": wait a little for the rest, since poll reports
       * readable at once while peeked bytes sit there. */
      if (n == (ssize_t)sizeof b || ++tries > 100) {
        *plain = 1;
        cf__conn_seterr(err, errlen, "the client sent a plain cuferry frame: "
                        "this server requires tls://");
        return CF_ETLS;
      }
      nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
      continue;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      rc = cf__conn_errno(errno);
      cf__conn_seterr(err, errlen, "reading the TLS handshake: %s", strerror(errno));
      return rc;
    }
    rc = cf__tcp_wait_fd(fd, POLLIN, deadline);
    if (rc == CF_ETIMEDOUT)
      cf__conn_seterr(err, errlen, "TLS handshake timed out after %d ms", timeout_ms);
    else if (rc < 0)
      cf__conn_seterr(err, errlen, "waiting for the TLS handshake: %s", strerror(errno));
    if (rc < 0)
      return rc;
  }
}

int cf_conn_accept_tls(int fd, struct cf_tls_ctx *ctx, int timeout_ms, struct cf_conn **out,
                       int *plain, char *err, size_t errlen)
{
  int64_t deadline = timeout_ms > 0 ? cf_monotonic_ms() + timeout_ms : -1;
  struct cf_tls_conn *tc;
  int rc, type = 0, dummy;
  socklen_t sl = sizeof type;

  if (err && errlen)
    err[0] = '\0';
  if (out)
    *out = NULL;
  if (!plain)
    plain = &dummy;
  *plain = 0;
  if (fd < 0 || !ctx || !out || !ctx->is_server) {
    cf__conn_seterr(err, errlen, "cf_conn_accept_tls needs a socket, a server TLS context "
                    "and a result pointer");
    return CF_EINVAL;
  }
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0 || type != SOCK_STREAM) {
    cf__conn_seterr(err, errlen, "not a stream socket");
    return CF_EINVAL;
  }
  rc = cf__tcp_setup_fd(fd);
  if (rc < 0) {
    cf__conn_seterr(err, errlen, "cannot set up the socket: %s", strerror(errno));
    return rc;
  }
  rc = peek_client_hello(fd, deadline, timeout_ms, plain, err, errlen);
  if (rc < 0)
    return rc;
  tc = cf__tls_conn_new(fd, ctx);
  if (!tc) {
    cf__conn_seterr(err, errlen, "out of memory");
    return CF_ENOMEM;
  }
  SSL_set_accept_state(tc->ssl);
  if (!run_handshake(tc, deadline)) {
    rc = server_failure(tc, timeout_ms, err, errlen);
    cf__tls_conn_free(tc);
    return rc;
  }
  cf_socket_peer(fd, tc->base.peer, sizeof tc->base.peer);
  *out = &tc->base;
  return 0;
}

