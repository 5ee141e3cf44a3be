/* A throw-away TLS identity for the benchmark's raw TLS baseline: a fresh
 * P-256 key and a self-signed certificate for 127.0.0.1, valid for a day,
 * written to a private temporary directory only long enough for the
 * transport to read it (cf_tls_ctx_new_* take PEM files), then removed. The
 * server context presents it; the client context trusts exactly it. Nothing
 * here is used outside cuferry-bench. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cf_transport.h"
#include "config.h"

#if CF_HAVE_TLS
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* Key and certificate, or 0 (OpenSSL's error queue cleared). */
static int make_identity(EVP_PKEY **key, X509 **cert)
{
  X509_NAME *name;
  X509_EXTENSION *san;
  X509V3_CTX v3;

  *cert = NULL;
  if (!(*key = EVP_EC_gen("P-256")) || !(*cert = X509_new()))
    goto fail;
  name = X509_get_subject_name(*cert);
  if (!X509_set_version(*cert, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1) ||
      !X509_gmtime_adj(X509_getm_notBefore(*cert), -60) ||
      !X509_gmtime_adj(X509_getm_notAfter(*cert), 86400) || !X509_set_pubkey(*cert, *key) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  (const unsigned char *)"cuferry-bench", -1, -1, 0) ||
      !X509_set_issuer_name(*cert, name))
    goto fail;
  X509V3_set_ctx(&v3, *cert, *cert, NULL, NULL, 0);
  if (!(san = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1")))
    goto fail;
  if (!X509_add_ext(*cert, san, -1)) {
    X509_EXTENSION_free(san);
    goto fail;
  }
  X509_EXTENSION_free(san);
  if (!X509_sign(*cert, *key, EVP_sha256()))
    goto fail;
  return 1;
fail:
  X509_free(*cert);
  EVP_PKEY_free(*key);
  *cert = NULL;
  *key = NULL;
  ERR_clear_error();
  return 0;
}

static int write_pem(const char *path, EVP_PKEY *key, X509 *cert)
{
  FILE *f = fopen(path, "w");
  int ok = f && (key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_X509(f, cert));

  if (f && fclose(f) != 0)
    ok = 0;
  return ok;
}

int cf_bench_tls_pair(struct cf_tls_ctx **server, struct cf_tls_ctx **client, char *err,
                      size_t errlen)
{
  char dir[] = "/tmp/cuferry-bench-XXXXXX", cert_path[64], key_path[64];
  EVP_PKEY *key;
  X509 *cert;
  int rc = -1;

  *server = *client = NULL;
  if (!make_identity(&key, &cert)) {
    snprintf(err, errlen, "cannot make a certificate");
    return -1;
  }
  if (!mkdtemp(dir)) {
    snprintf(err, errlen, "cannot make a temporary directory");
    goto out;
  }
  snprintf(cert_path, sizeof cert_path, "%s/cert.pem", dir);
  snprintf(key_path, sizeof key_path, "%s/key.pem", dir);
  if (write_pem(cert_path, NULL, cert) && write_pem(key_path, key, NULL)) {
    struct cf_tls_config sc = { .cert_file = cert_path, .key_file = key_path };
    struct cf_tls_config cc = { .ca_file = cert_path };

    if (cf_tls_ctx_new_server(&sc, server, err, errlen) == 0 &&
        cf_tls_ctx_new_client(&cc, client, err, errlen) == 0)
      rc = 0;
  } else {
    snprintf(err, errlen, "cannot write the certificate to %s", dir);
  }
  unlink(cert_path);
  unlink(key_path);
  rmdir(dir);
  if (rc != 0) {
    cf_tls_ctx_free(*server);
    *server = NULL;
  }
out:
  X509_free(cert);
  EVP_PKEY_free(key);
  return rc;
}
#else
int cf_bench_tls_pair(struct cf_tls_ctx **server, struct cf_tls_ctx **client, char *err,
                      size_t errlen)
{
  *server = *client = NULL;
  snprintf(err, errlen, "this build has no TLS");
  return -1;
}
#endif
