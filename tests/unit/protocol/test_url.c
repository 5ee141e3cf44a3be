/* Unit tests for transport/url.c: cf_url_parse on good and bad addresses
 * (leftovers, port range, empty host, missing scheme, IPv6 in brackets), the
 * reason text of cf_url_parse_err, and cf_url_format round trips. */
#include <stdint.h>

#include "cf_error.h"
#include "cf_test.h"
#include "cf_transport.h"

static void good(const char *s, const char *scheme, const char *host,
                 unsigned port)
{
  struct cf_url u;
  char buf[300];
  struct cf_url v;

  if (cf_url_parse(s, &u) != 0)
    CF_FAIL_("cf_url_parse(\"%s\") failed", s);
  ASSERT_STR_EQ(u.scheme, scheme);
  ASSERT_STR_EQ(u.host, host);
  ASSERT_UEQ(u.port, port);
  /* format then parse gives the same address */
  cf_url_format(&u, buf, sizeof buf);
  ASSERT_EQ(cf_url_parse(buf, &v), 0);
  ASSERT_STR_EQ(v.scheme, u.scheme);
  ASSERT_STR_EQ(v.host, u.host);
  ASSERT_UEQ(v.port, u.port);
}

static void bad(const char *s, const char *reason_part)
{
  struct cf_url u;
  char err[256];
  int rc;

  memset(&u, 0x5a, sizeof u);
  rc = cf_url_parse_err(s, &u, err, sizeof err);
  if (rc != CF_EADDR)
    CF_FAIL_("cf_url_parse(\"%s\") gave %d, want CF_EADDR", s ? s : "(null)", rc);
  /* *u is cleared on failure too */
  ASSERT_EQ(u.scheme[0], 0);
  ASSERT_EQ(u.host[0], 0);
  ASSERT_UEQ(u.port, 0);
  if (reason_part && !strstr(err, reason_part))
    CF_FAIL_("reason for \"%s\" is \"%s\", want it to contain \"%s\"", s, err,
             reason_part);
  ASSERT_EQ(cf_url_parse(s, &u), CF_EADDR);
}

int main(void)
{
  char longhost[300];
  char buf[16];
  struct cf_url u;

  good("tcp://localhost:7000", "tcp", "localhost", 7000);
  good("tcp://127.0.0.1:0", "tcp", "127.0.0.1", 0);
  good("tcp://gpu-01.example.org:65535", "tcp", "gpu-01.example.org", 65535);
  good("tls://server:443", "tls", "server", 443);
  good("rdma://10.0.0.2:18515", "rdma", "10.0.0.2", 18515);
  good("tcp://[::1]:7000", "tcp", "::1", 7000);
  good("tcp://[fe80::1%eth0]:1", "tcp", "fe80::1%eth0", 1);
  good("tcp://[::ffff:1.2.3.4]:80", "tcp", "::ffff:1.2.3.4", 80);
  good("tcp://h:00080", "tcp", "h", 80);

  bad(NULL, "no address");
  bad("", "no scheme");
  bad("tcp://h:1:2", "brackets");
  bad("localhost:7000", "no scheme");
  bad("://h:1", "unknown scheme");
  bad("http://h:1", "unknown scheme");
  bad("TCP://h:1", "unknown scheme");
  bad("tcp://:7000", "empty host");
  bad("tcp://[]:7000", "empty host");
  bad("tcp://h", "missing port");
  bad("tcp://h:", "missing port");
  bad("tcp://[::1]", "missing port");
  bad("tcp://[::1]7000", "missing port");
  bad("tcp://[::1:7000", "missing ']'");
  bad("tcp://h:65536", "out of range");
  bad("tcp://h:99999999999999999999", "out of range");
  bad("tcp://h:-1", "non-digit");
  bad("tcp://h:+1", "non-digit");
  bad("tcp://h: 1", "non-digit");
  bad("tcp://h:80x", "non-digit");
  bad("tcp://h:80/", "non-digit");
  bad("tcp://h:80 ", "non-digit");
  bad("tcp://h:0x50", "non-digit");
  bad("tcp://::1:7000", "brackets");
  bad("tcp://h/x:1", "bad character");
  bad("tcp://user@h:1", "bad character");
  bad("tcp://[::1]:80]", "non-digit");
  bad("tcp://[g::1]:80", "IPv6");
  bad("tcp://[1.2.3.4]:80", "only IPv6");
  bad("tcp://[1%x]:80", "only IPv6");
  bad("tcp:/h:1", "no scheme");

  /* Host length: 255 fits, 256 does not. */
  memset(longhost, 0, sizeof longhost);
  memcpy(longhost, "tcp://", 6);
  memset(longhost + 6, 'a', 255);
  strcat(longhost, ":1");
  ASSERT_EQ(cf_url_parse(longhost, &u), 0);
  ASSERT_EQ(strlen(u.host), 255);
  memset(longhost + 6, 'a', 256);
  strcpy(longhost + 6 + 256, ":1");
  bad(longhost, "longer than");

  /* The quoted value is in the reason. */
  {
    char err[256];
    ASSERT_EQ(cf_url_parse_err("tcp://h:70000", &u, err, sizeof err), CF_EADDR);
    ASSERT_NOT_NULL(strstr(err, "\"tcp://h:70000\""));
    ASSERT_EQ(cf_url_parse_err("tcp://h:7", &u, err, sizeof err), 0);
    ASSERT_STR_EQ(err, "");
  }

  /* Formatting truncates but always terminates. */
  ASSERT_EQ(cf_url_parse("tcp://[::1]:7000", &u), 0);
  cf_url_format(&u, buf, sizeof buf);
  ASSERT_STR_EQ(buf, "tcp://[::1]:700");
  cf_url_format(NULL, buf, sizeof buf);
  ASSERT_STR_EQ(buf, "");

  printf("test_url: ok\n");
  return 0;
}
