/* Unit tests for the stub's configuration (client/config.c): each place a
 * client.conf is looked for and their order (CUFERRY_CONFIG, then
 * XDG_CONFIG_HOME or ~/.config, then the system file, pointed into a
 * temporary directory by the build), every key, relative paths, the
 * environment overrides, token_file and its permission rule, a missing
 * CUFERRY_CONFIG file, and errors with FILE:LINE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_test.h"
#include "internal.h"

static char err[1024], dir[] = "/tmp/cf_clientconf_XXXXXX";
static char home_conf[512], xdg_conf[512], named_conf[512], token_path[512];

#define ASSERT_ERR_HAS(s)                                                     \
  do {                                                                       \
    if (!strstr(err, (s)))                                                   \
      CF_FAIL_("error \"%s\" lacks \"%s\"", err, (s));                       \
  } while (0)

static void write_file(const char *path, int mode, const char *text)
{
  FILE *f;

  unlink(path);
  ASSERT_NOT_NULL(f = fopen(path, "w"));
  fputs(text, f);
  fclose(f);
  ASSERT_EQ(chmod(path, (mode_t)mode), 0);
}

static void clear_env(void)
{
  static const char *vars[] = { "CUFERRY_CONFIG", "CUFERRY_SERVER",
                                "CUFERRY_CA", "CUFERRY_CERT", "CUFERRY_KEY",
                                "CUFERRY_TOKEN", "XDG_CONFIG_HOME" };

  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    unsetenv(vars[i]);
  setenv("HOME", dir, 1);
}

static void test_search(void)
{
  struct cf_client_config c;
  char xdg[512];

  clear_env();
  unlink(CF_CLIENT_SYSTEM_CONFIG);
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.source, "");
  ASSERT_STR_EQ(c.server, "");
  ASSERT_STR_EQ(c.compression, "auto");
  ASSERT_EQ(c.connect_timeout_ms, 5000);
  ASSERT_EQ(c.call_timeout_ms, 0);

  write_file(CF_CLIENT_SYSTEM_CONFIG, 0644, "server = tcp://system:1\n");
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.source, CF_CLIENT_SYSTEM_CONFIG);
  ASSERT_STR_EQ(c.server, "tcp://system:1");

  write_file(home_conf, 0644, "server = tcp://home:2\n");
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.source, home_conf);
  ASSERT_STR_EQ(c.server, "tcp://home:2");

  snprintf(xdg, sizeof xdg, "%s/xdg", dir);
  setenv("XDG_CONFIG_HOME", xdg, 1);
  write_file(xdg_conf, 0644, "server = tcp://xdg:3\n");
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.server, "tcp://xdg:3");

  write_file(named_conf, 0644, "server = tls://named:4\n");
  setenv("CUFERRY_CONFIG", named_conf, 1);
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.source, named_conf);
  ASSERT_STR_EQ(c.server, "tls://named:4");

  /* A named file that is missing is an error, not a fall-back. */
  setenv("CUFERRY_CONFIG", "/nonexistent/client.conf", 1);
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), CF_EINVAL);
  ASSERT_ERR_HAS("CUFERRY_CONFIG=/nonexistent/client.conf: cannot open");
  ASSERT_STR_EQ(c.server, "");

  clear_env();
  unlink(home_conf);
  unlink(xdg_conf);
  unlink(CF_CLIENT_SYSTEM_CONFIG);
}

static void test_keys_and_env(void)
{
  struct cf_client_config c;
  char want[600], text[1024];

  clear_env();
  setenv("CUFERRY_CONFIG", named_conf, 1);
  write_file(token_path, 0600, "cft_0123456789abcdefghijklmnop\n");
  snprintf(text, sizeof text,
           "; client.conf\n"
           "server = tls://gpu.example.com:7100\n"
           "ca = ca.pem\n"
           "cert = /etc/cuferry/me.pem\n"
           "key = /etc/cuferry/me.key\n"
           "token_file = %s\n"
           "compression = zstd\n"
           "connect_timeout = 2s\n"
           "call_timeout = 500ms\n", "token");
  write_file(named_conf, 0644, text);
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.server, "tls://gpu.example.com:7100");
  snprintf(want, sizeof want, "%s/ca.pem", dir);
  ASSERT_STR_EQ(c.ca_file, want);
  ASSERT_STR_EQ(c.cert_file, "/etc/cuferry/me.pem");
  ASSERT_STR_EQ(c.key_file, "/etc/cuferry/me.key");
  ASSERT_STR_EQ(c.token, "cft_0123456789abcdefghijklmnop");
  ASSERT_STR_EQ(c.compression, "zstd");
  ASSERT_EQ(c.connect_timeout_ms, 2000);
  ASSERT_EQ(c.call_timeout_ms, 500);

  /* Environment variables replace single keys. */
  setenv("CUFERRY_SERVER", "tcp://127.0.0.1:9", 1);
  setenv("CUFERRY_CA", "other-ca.pem", 1);
  setenv("CUFERRY_CERT", "/c.pem", 1);
  setenv("CUFERRY_KEY", "/k.pem", 1);
  setenv("CUFERRY_TOKEN", "env-token-0123456789", 1);
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.server, "tcp://127.0.0.1:9");
  ASSERT_STR_EQ(c.ca_file, "other-ca.pem");
  ASSERT_STR_EQ(c.cert_file, "/c.pem");
  ASSERT_STR_EQ(c.key_file, "/k.pem");
  ASSERT_STR_EQ(c.token, "env-token-0123456789");
  ASSERT_STR_EQ(c.compression, "zstd"); /* still the file's */
  setenv("CUFERRY_TOKEN", "", 1);       /* empty: ignored */
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.token, "cft_0123456789abcdefghijklmnop");

  setenv("CUFERRY_SERVER", "gpu-box:7100", 1);
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), CF_EINVAL);
  ASSERT_ERR_HAS("CUFERRY_SERVER: ");
  setenv("CUFERRY_SERVER", "tcp://h:1", 1);
  setenv("CUFERRY_TOKEN", "short", 1);
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), CF_EINVAL);
  ASSERT_ERR_HAS("CUFERRY_TOKEN: the token has 5 characters");
  ASSERT(!strstr(err, "short"));
  clear_env();
}

/* Load named_conf holding text; expect CF_EINVAL with "PATH:want". */
static void bad_conf(int mode, const char *text, const char *want)
{
  struct cf_client_config c;
  char full[700];

  setenv("CUFERRY_CONFIG", named_conf, 1);
  write_file(named_conf, mode, text);
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), CF_EINVAL);
  snprintf(full, sizeof full, "%s:%s", named_conf, want);
  ASSERT_ERR_HAS(full);
  ASSERT_STR_EQ(c.token, "");
}

static void test_tokens_and_errors(void)
{
  struct cf_client_config c;

  clear_env();
  /* A token in the file needs a private file; token_file a private one. */
  bad_conf(0644, "token = cft_0123456789abcdefghijklmnop\n",
           "1: token: a token in a file other users may read");
  setenv("CUFERRY_CONFIG", named_conf, 1);
  write_file(named_conf, 0600, "token = cft_0123456789abcdefghijklmnop\n");
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), 0);
  ASSERT_STR_EQ(c.token, "cft_0123456789abcdefghijklmnop");
  write_file(token_path, 0640, "cft_0123456789abcdefghijklmnop\n");
  bad_conf(0644, "server = tcp://h:1\ntoken_file = token\n",
           "2: token_file: ");
  ASSERT_ERR_HAS("may be read or changed by other users (mode 640)");
  write_file(token_path, 0600, "cft_0123456789abcdefghijklmnop\nmore\n");
  bad_conf(0644, "token_file = token\n", "1: token_file: the token has a space");
  write_file(token_path, 0600, "tiny\n");
  bad_conf(0644, "token_file = token\n", "1: token_file: the token has 4 characters");
  bad_conf(0644, "token_file = missing-token\n", "1: token_file: ");
  write_file(token_path, 0600, "cft_0123456789abcdefghijklmnop");
  bad_conf(0600, "token_file = token\ntoken = cft_0123456789abcdefghijklmnop\n",
           "2: both token and token_file are given");

  bad_conf(0644, "[client]\nserver = tcp://h:1\n", "1: [client]: client.conf has no sections");
  bad_conf(0644, "server = tcp://h:1\nsevrer = tcp://h:1\n", "2: unknown key \"sevrer\"");
  bad_conf(0644, "\nserver = gpu-box\n", "2: server: ");
  bad_conf(0644, "connect_timeout = 5 s\n", "1: connect_timeout: \"5 s\" is not a duration");
  bad_conf(0644, "call_timeout = 2d\n", "1: call_timeout: \"2d\" is not a duration");
  bad_conf(0644, "call_timeout = 100000000\n", "1: call_timeout: \"100000000\" is too long");
  bad_conf(0644, "compression = gzip\n", "1: compression: \"gzip\" is not auto");
  bad_conf(0644, "server = tcp://h:1\nserver = tcp://h:2\n", "2: \"server\" is given twice");
  bad_conf(0644, "just words\n", "1: not a \"key = value\" line");

  /* Cross-key rule, named without a line. */
  setenv("CUFERRY_CONFIG", named_conf, 1);
  write_file(named_conf, 0644, "cert = /c.pem\n");
  ASSERT_EQ(cf__client_config_load(&c, err, sizeof err), CF_EINVAL);
  ASSERT_ERR_HAS("needs its key");
  clear_env();
}

int main(void)
{
  char sub[512];

  ASSERT_NOT_NULL(mkdtemp(dir));
  snprintf(sub, sizeof sub, "%s/.config", dir);
  ASSERT_EQ(mkdir(sub, 0700), 0);
  snprintf(sub, sizeof sub, "%s/.config/cuferry", dir);
  ASSERT_EQ(mkdir(sub, 0700), 0);
  snprintf(sub, sizeof sub, "%s/xdg", dir);
  ASSERT_EQ(mkdir(sub, 0700), 0);
  snprintf(sub, sizeof sub, "%s/xdg/cuferry", dir);
  ASSERT_EQ(mkdir(sub, 0700), 0);
  snprintf(home_conf, sizeof home_conf, "%s/.config/cuferry/client.conf", dir);
  snprintf(xdg_conf, sizeof xdg_conf, "%s/xdg/cuferry/client.conf", dir);
  snprintf(named_conf, sizeof named_conf, "%s/named.conf", dir);
  snprintf(token_path, sizeof token_path, "%s/token", dir);

  test_search();
  test_keys_and_env();
  test_tokens_and_errors();

  unlink(named_conf);
  unlink(token_path);
  snprintf(sub, sizeof sub, "%s/xdg/cuferry", dir);
  rmdir(sub);
  snprintf(sub, sizeof sub, "%s/xdg", dir);
  rmdir(sub);
  snprintf(sub, sizeof sub, "%s/.config/cuferry", dir);
  rmdir(sub);
  snprintf(sub, sizeof sub, "%s/.config", dir);
  rmdir(sub);
  rmdir(dir);
  printf("ok\n");
  return 0;
}
