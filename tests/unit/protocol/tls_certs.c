/* Makes the test certificates with the openssl command (see tls_certs.h).
 * EC P-256 keys keep it fast; a private openssl config keeps the result
 * independent of the system's openssl.cnf. */
#include "tls_certs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_test.h"

static char dir[64];

static void remove_dir(void)
{
  char cmd[128];

  if (dir[0]) {
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
      fprintf(stderr, "tls_certs: could not remove %s\n", dir);
  }
}

const char *cf_tls_path(const char *name)
{
  static char ring[16][256];
  static unsigned next;
  char *p = ring[next++ % 16];

  snprintf(p, 256, "%s/%s", dir, name);
  return p;
}

static const char config[] =
  "[req]\n"
  "distinguished_name = dn\n"
  "[dn]\n"
  "[v3_ca]\n"
  "basicConstraints = critical,CA:TRUE\n"
  "keyUsage = critical,keyCertSign,cRLSign\n"
  "subjectKeyIdentifier = hash\n"
  "[localhost]\n"
  "basicConstraints = CA:FALSE\n"
  "subjectAltName = DNS:localhost,IP:127.0.0.1\n"
  "extendedKeyUsage = serverAuth\n"
  "[other]\n"
  "basicConstraints = CA:FALSE\n"
  "subjectAltName = DNS:other.example\n"
  "extendedKeyUsage = serverAuth\n"
  "[client]\n"
  "basicConstraints = CA:FALSE\n"
  "extendedKeyUsage = clientAuth\n";

/* The shell script: $1 is the directory. */
static const char script[] =
  "set -e; cd \"$1\"; K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
  "ca() { openssl req -x509 -config cnf -extensions v3_ca $K -keyout $1.key -out $1.pem"
  " -subj /CN=$2 -days 2; }\n"
  "leaf() { openssl req -new -config cnf $K -keyout $1.key -out $1.csr -subj /CN=$2;"
  " openssl x509 -req -in $1.csr -CA $3.pem -CAkey $3.key -set_serial $4 -days 2"
  " -extfile cnf -extensions $5 -out $1.pem; }\n"
  "ca ca cuferry-test-ca; ca ca2 untrusted-ca; ca cca cuferry-client-ca\n"
  "leaf srv localhost ca 1 localhost; leaf srv2 localhost ca2 2 localhost\n"
  "leaf other other.example ca 3 other\n"
  "leaf alice alice cca 4 client; leaf mallory mallory ca2 5 client\n"
  "echo 'not a certificate' > junk.pem\n";

const char *cf_tls_certs_make(void)
{
  char cmd[4096];
  FILE *f;

  if (system("command -v openssl >/dev/null 2>&1") != 0) {
    fprintf(stderr, "SKIP: the openssl command is missing (needed to make test certificates)\n");
    exit(CF_TEST_SKIP);
  }
  snprintf(dir, sizeof dir, "/tmp/cf_tls_XXXXXX");
  ASSERT_NOT_NULL(mkdtemp(dir));
  atexit(remove_dir);
  f = fopen(cf_tls_path("cnf"), "w");
  ASSERT_NOT_NULL(f);
  fputs(config, f);
  ASSERT_EQ(fclose(f), 0);
  f = fopen(cf_tls_path("make.sh"), "w");
  ASSERT_NOT_NULL(f);
  fputs(script, f);
  ASSERT_EQ(fclose(f), 0);
  snprintf(cmd, sizeof cmd, "sh '%s' '%s' > '%s' 2>&1", cf_tls_path("make.sh"), dir,
           cf_tls_path("make.log"));
  if (system(cmd) != 0) {
    snprintf(cmd, sizeof cmd, "cat '%s' >&2", cf_tls_path("make.log"));
    (void)!system(cmd);
    CF_FAIL_("%s", "openssl could not make the test certificates");
  }
  return dir;
}
