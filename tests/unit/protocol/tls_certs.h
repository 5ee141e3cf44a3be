/* Test certificates for the TLS transport tests, made at run time with the
 * openssl command in a fresh temporary directory that is removed at exit
 * (also when a test fails, since the assert macros exit()). */
#ifndef CF_TEST_TLS_CERTS_H
#define CF_TEST_TLS_CERTS_H

/* Make every certificate below, or exit 77 (skipped) with a message when the
 * openssl command is missing. Returns the directory; cf_tls_path() names a
 * file in it. Call once per process. */
const char *cf_tls_certs_make(void);

/* dir/name in a static ring of buffers (valid for the next 15 calls).
 * Files: ca.pem (CA of the servers), srv.{pem,key} (CN and SAN localhost,
 * IP 127.0.0.1, by ca), ca2.pem (an untrusted CA), srv2.{pem,key} (localhost
 * by ca2), other.{pem,key} (other.example by ca), cca.pem (client CA),
 * alice.{pem,key} (CN alice by cca), mallory.{pem,key} (CN mallory by ca2),
 * junk.pem (not PEM). */
const char *cf_tls_path(const char *name);

#endif
