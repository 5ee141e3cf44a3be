/* TLS contexts: turns a struct cf_tls_config into an OpenSSL SSL_CTX with
 * cuferry's fixed policy, and reads every file up front so that a missing or
 * bad certificate, key or CA file fails at start-up with a line naming the
 * file rather than at the first connection.
 *
 * Policy, the same on both sides: TLS 1.3 only (min = max), OpenSSL's
 * default TLS 1.3 cipher suites, no session tickets and no session cache
 * (resumption would only save one round trip per connection, and cuferry
 * connections are long-lived; tickets would add key material to protect and
 * 0-RTT replay questions), no compression, no renegotiation (TLS 1.3 has
 * none anyway). The client always verifies the server; the server asks for
 * and verifies client certificates only when its config names a ca_file.
 * Private keys must be unencrypted PEM: a passphrase callback that refuses
 * keeps OpenSSL from prompting on the host program's terminal.
 *
 * A finished context is only read (SSL_new takes a reference), so it may be
 * shared by every connection and thread of the process; create and free it
 * from one thread. The connection side is tls.c. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cf_error.h"

int cf__tls_drain_errors(char *buf, size_t len)
{
  unsigned long e = ERR_peek_last_error();
  const char *why = e ? ERR_reason_error_string(e) : NULL;

  if (buf && len)
    snprintf(buf, len, "%s", why ? why : (e ? "unknown OpenSSL error" : ""));
  ERR_clear_error();
  return e ? ERR_GET_REASON(e) : 0;
}

const char *cf__tls_ca_name(const struct cf_tls_ctx *ctx, char *buf, size_t len)
{
  if (ctx->ca_file)
    snprintf(buf, len, "\"%s\"", ctx->ca_file);
  else
    snprintf(buf, len, "the system store");
  return buf;
}

/* Never prompt for a passphrase: the client runs inside a user's program. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
  (void)buf, (void)size, (void)rwflag, (void)u;
  return -1;
}

/* A client without a certificate: the server asked for one. Note it in the
 * int that tls.c hangs on the SSL as app data, so the client can fail fast
 * with a clear line (in TLS 1.3 the server's refusal comes only after the
 * client's handshake has succeeded). Returning 0 sends no certificate. */
static int note_cert_wanted(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
  int *wanted = SSL_get_app_data(ssl);

  (void)x509, (void)pkey;
  if (wanted)
    *wanted = 1;
  return 0;
}

/* Open path for reading, or explain why not. */
static FILE *open_pem(const char *what, const char *path, char *err, size_t errlen)
{
  FILE *f = fopen(path, "re");

  if (!f)
    cf__conn_seterr(err, errlen, "cannot open %s \"%s\": %s", what, path, strerror(errno));
  return f;
}

/* Certificate chain and key of this side; the key must match the leaf. */
static int load_cert_and_key(SSL_CTX *sc, const char *cert, const char *key,
                             char *err, size_t errlen)
{
  char why[128];
  EVP_PKEY *pkey = NULL;
  FILE *f;
  int rc = CF_EINVAL;

  f = open_pem("certificate file", cert, err, errlen);
  if (!f)
    return CF_ENOTFOUND;
  fclose(f);
  if (SSL_CTX_use_certificate_chain_file(sc, cert) != 1) {
    cf__tls_drain_errors(why, sizeof why);
    cf__conn_seterr(err, errlen, "no usable PEM certificate in \"%s\" (%s)", cert, why);
    return CF_EINVAL;
  }

  f = open_pem("key file", key, err, errlen);
  if (!f)
    return CF_ENOTFOUND;
  pkey = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
  fclose(f);
  if (!pkey) {
    cf__tls_drain_errors(why, sizeof why);
    cf__conn_seterr(err, errlen,
                    "no usable PEM private key in \"%s\" (%s; encrypted keys are not supported)",
                    key, why);
    goto out;
  }
  if (X509_check_private_key(SSL_CTX_get0_certificate(sc), pkey) != 1) {
    cf__tls_drain_errors(NULL, 0);
    cf__conn_seterr(err, errlen, "the key in \"%s\" does not match the certificate in \"%s\"",
                    key, cert);
    goto out;
  }
  if (SSL_CTX_use_PrivateKey(sc, pkey) != 1 || SSL_CTX_check_private_key(sc) != 1) {
    cf__tls_drain_errors(why, sizeof why);
    cf__conn_seterr(err, errlen, "cannot use the key in \"%s\": %s", key, why);
    goto out;
  }
  rc = 0;

out:
  EVP_PKEY_free(pkey);
  return rc;
}

/* CAs that may sign the peer. The server also sends their names in its
 * CertificateRequest, which helps a client holding several certificates. */
static int load_ca(SSL_CTX *sc, const char *ca, int is_server, char *err, size_t errlen)
{
  char why[128];
  FILE *f = open_pem("CA file", ca, err, errlen);

  if (!f)
    return CF_ENOTFOUND;
  fclose(f);
  if (SSL_CTX_load_verify_locations(sc, ca, NULL) != 1) {
    cf__tls_drain_errors(why, sizeof why);
    cf__conn_seterr(err, errlen, "no usable PEM CA certificate in \"%s\" (%s)", ca, why);
    return CF_EINVAL;
  }
  if (is_server) {
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
    if (!names) {
      cf__tls_drain_errors(why, sizeof why);
      cf__conn_seterr(err, errlen, "no usable PEM CA certificate in \"%s\" (%s)", ca, why);
      return CF_EINVAL;
    }
    SSL_CTX_set_client_CA_list(sc, names); /* takes ownership */
  }
  return 0;
}

static int ctx_new(const struct cf_tls_config *c, int is_server, struct cf_tls_ctx **out,
                   char *err, size_t errlen)
{
  struct cf_tls_ctx *ctx = NULL;
  SSL_CTX *sc = NULL;
  int rc = CF_ENOMEM;

  if (err && errlen)
    err[0] = '\0';
  if (out)
    *out = NULL;
  if (!c || !out) {
    cf__conn_seterr(err, errlen, "no TLS config or result pointer");
    return CF_EINVAL;
  }
  if (!c->cert_file != !c->key_file) {
    cf__conn_seterr(err, errlen, "a TLS %s certificate needs both a certificate and a key file",
                    is_server ? "server" : "client");
    return CF_EINVAL;
  }
  if (is_server && !c->cert_file) {
    cf__conn_seterr(err, errlen, "a TLS server needs a certificate and key file");
    return CF_EINVAL;
  }
  ERR_clear_error();

  ctx = calloc(1, sizeof *ctx);
  if (!ctx || (c->ca_file && !(ctx->ca_file = strdup(c->ca_file))))
    goto fail_nomem;
  sc = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
  if (!sc)
    goto fail_nomem;
  ctx->ssl_ctx = sc;
  ctx->is_server = is_server;

  if (SSL_CTX_set_min_proto_version(sc, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(sc, TLS1_3_VERSION) != 1) {
    cf__conn_seterr(err, errlen, "this OpenSSL cannot do TLS 1.3");
    rc = CF_EUNSUP;
    goto fail;
  }
  SSL_CTX_set_options(sc, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION |
                              SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(sc, 0);
  /* read_ahead: one recv fills OpenSSL's buffer with whatever has arrived,
   * instead of a 5-byte header read and a body read per record. */
  SSL_CTX_set_read_ahead(sc, 1);
  SSL_CTX_set_default_passwd_cb(sc, no_passphrase);
  X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(sc),
                                  X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);

  if (c->cert_file) {
    rc = load_cert_and_key(sc, c->cert_file, c->key_file, err, errlen);
    if (rc < 0)
      goto fail;
    ctx->has_cert = 1;
  }
  if (c->ca_file) {
    rc = load_ca(sc, c->ca_file, is_server, err, errlen);
    if (rc < 0)
      goto fail;
  } else if (!is_server && SSL_CTX_set_default_verify_paths(sc) != 1) {
    char why[128];
    cf__tls_drain_errors(why, sizeof why);
    cf__conn_seterr(err, errlen, "cannot load the system CA store: %s", why);
    rc = CF_EINVAL;
    goto fail;
  }
  if (!is_server) {
    SSL_CTX_set_verify(sc, SSL_VERIFY_PEER, NULL);
    if (!c->cert_file)
      SSL_CTX_set_client_cert_cb(sc, note_cert_wanted);
  } else if (c->ca_file) {
    ctx->verify_peer = 1;
    SSL_CTX_set_verify(sc, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT |
                           SSL_VERIFY_CLIENT_ONCE, NULL);
  }
  *out = ctx;
  return 0;

fail_nomem:
  cf__conn_seterr(err, errlen, "out of memory");
  rc = CF_ENOMEM;
fail:
  ERR_clear_error();
  cf_tls_ctx_free(ctx);
  return rc;
}

int cf_tls_ctx_new_client(const struct cf_tls_config *c, struct cf_tls_ctx **out,
                          char *err, size_t errlen)
{
  return ctx_new(c, 0, out, err, errlen);
}

int cf_tls_ctx_new_server(const struct cf_tls_config *c, struct cf_tls_ctx **out,
                          char *err, size_t errlen)
{
  return ctx_new(c, 1, out, err, errlen);
}

void cf_tls_ctx_free(struct cf_tls_ctx *ctx)
{
  if (!ctx)
    return;
  SSL_CTX_free(ctx->ssl_ctx);
  free(ctx->ca_file);
  free(ctx);
}
