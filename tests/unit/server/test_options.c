/* Unit tests for cuferryd's command line (server/options.c): good command
 * lines, strict numbers, bad addresses, the --insecure rule, and error
 * messages that name the option and quote the value. */
#include "internal.h"

#include "cf_test.h"
#include "cf_error.h"
#include "config.h"

static char err[512];

/* Parse a NULL-terminated list of arguments (argv[0] is added). */
#define PARSE(o, ...) parse_list((o), (const char *[]){ "cuferryd", __VA_ARGS__, NULL })

static int parse_list(struct cf_srv_options *o, const char **args)
{
  int argc = 0;

  while (args[argc])
    argc++;
  return cf__srv_options_parse(argc, (char *const *)args, o, err, sizeof err);
}

#define ASSERT_ERR_HAS(s)                                                     \
  do {                                                                       \
    if (!strstr(err, (s)))                                                   \
      CF_FAIL_("error \"%s\" lacks \"%s\"", err, (s));                       \
  } while (0)

static void test_good(void)
{
  struct cf_srv_options o;

  ASSERT_EQ(PARSE(&o, "--listen", "tcp://127.0.0.1:0", "--driver", "emu",
                  "--insecure"), 0);
  ASSERT_STR_EQ(o.listen.scheme, "tcp");
  ASSERT_STR_EQ(o.listen.host, "127.0.0.1");
  ASSERT_EQ(o.listen.port, 0);
  ASSERT_STR_EQ(o.driver, "emu");
  ASSERT_EQ(o.insecure, 1);
  ASSERT_EQ(o.worker, 0);
  ASSERT_UEQ(o.lim.max_body, CF_FRAME_DEFAULT_MAX_BODY);
  ASSERT_UEQ(o.lim.max_bulk, CF_FRAME_DEFAULT_MAX_BULK);
  cf__srv_options_free(&o);

  ASSERT_EQ(PARSE(&o, "--insecure", "--listen=tcp://localhost:7000",
                  "--max-bulk=16M", "--max-body", "2k"), 0);
  ASSERT_NULL(o.driver);
  ASSERT_STR_EQ(cf__srv_driver_label(o.driver), "libcuda.so.1");
  ASSERT_EQ(o.listen.port, 7000);
  ASSERT_UEQ(o.lim.max_bulk, 16u << 20);
  ASSERT_UEQ(o.lim.max_body, 2048);

  ASSERT_EQ(PARSE(&o, "--help"), 0);
  ASSERT_EQ(o.help, 1);
  ASSERT_EQ(PARSE(&o, "--version"), 0);
  ASSERT_EQ(o.version, 1);
  ASSERT_EQ(PARSE(&o, "--worker", "--session", "3", "--parent", "100",
                  "--driver", "/x/libcuda.so.1", "--max-body", "4096"), 0);
  ASSERT_EQ(o.worker, 1);
  ASSERT_UEQ(o.session_id, 3);
  ASSERT_EQ(o.parent_pid, 100);
  cf__srv_options_free(&o);
}

static void test_insecure_rule(void)
{
  struct cf_srv_options o;

  ASSERT_EQ(PARSE(&o, "--listen", "tcp://127.0.0.1:0"), CF_EINVAL);
  ASSERT_ERR_HAS("--insecure");
  ASSERT_ERR_HAS("TLS");
  ASSERT_EQ(PARSE(&o, "--listen", "tls://127.0.0.1:0", "--insecure"),
            CF_EINVAL);
  ASSERT_ERR_HAS("needs --tls-cert and --tls-key");
  ASSERT_EQ(PARSE(&o, "--listen", "rdma://127.0.0.1:0", "--insecure"),
            CF_EINVAL);
  ASSERT_ERR_HAS("rdma:// sessions open over TLS first");
  ASSERT_EQ(PARSE(&o, "--insecure"), CF_EINVAL);
  ASSERT_ERR_HAS("--listen is required");
}

/* rdma:// is a second listen beside a tls:// one, port 0, passed on to
 * workers; it never replaces the TLS listener. */
static void test_rdma_listen(void)
{
  struct cf_srv_options o;
  char *args[CF_SRV_WORKER_ARGS_MAX];
  int n, found = 0;

  if (!CF_HAVE_RDMA) {
    ASSERT_EQ(PARSE(&o, "--listen", "tls://127.0.0.1:0", "--tls-cert", "c", "--tls-key", "k",
                    "--insecure", "--listen", "rdma://10.0.0.1:0"), CF_EINVAL);
    ASSERT_ERR_HAS("built without libibverbs");
    return;
  }
  ASSERT_EQ(PARSE(&o, "--listen", "tcp://127.0.0.1:0", "--listen", "rdma://127.0.0.1:0",
                  "--insecure"), CF_EINVAL);
  ASSERT_ERR_HAS("also listen on tls://");
  ASSERT_EQ(PARSE(&o, "--listen", "tls://127.0.0.1:0", "--tls-cert", "c", "--tls-key", "k",
                  "--insecure", "--listen", "rdma://10.0.0.1:18515"), CF_EINVAL);
  ASSERT_ERR_HAS("give port 0");
  ASSERT_EQ(PARSE(&o, "--listen", "rdma://10.0.0.1:0", "--listen", "tls://127.0.0.1:7100",
                  "--tls-cert", "c", "--tls-key", "k", "--insecure"), 0);
  ASSERT_STR_EQ(o.listen.scheme, "tls");
  ASSERT_EQ(o.listen.port, 7100);
  ASSERT_EQ(o.have_rdma, 1);
  ASSERT_STR_EQ(o.rdma_listen.host, "10.0.0.1");
  n = cf__srv_options_worker_args(&o, args, CF_SRV_WORKER_ARGS_MAX);
  for (int i = 0; i + 1 < n; i++)
    if (!strcmp(args[i], "--listen") && !strcmp(args[i + 1], "rdma://10.0.0.1:0"))
      found = 1;
  ASSERT(found);
  cf__srv_options_free(&o);
}

static void test_bad_address(void)
{
  struct cf_srv_options o;
  const char *bad[] = { "tcp://127.0.0.1:65536", "tcp://127.0.0.1:80x",
                        "tcp://127.0.0.1", "127.0.0.1:80", "tcp://:80",
                        "ftp://h:1", "tcp://127.0.0.1:-1" };

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_EQ(PARSE(&o, "--insecure", "--listen", bad[i]), CF_EINVAL);
    ASSERT_ERR_HAS("--listen: \"");
    ASSERT_ERR_HAS(bad[i]);
  }
}

static void test_bad_numbers(void)
{
  struct cf_srv_options o;
  const char *bad[] = { "12x", "", " 5", "-5", "+5", "0x10", "1.5",
                        "99999999999999999999999", "10", "5KB", "16M ",
                        "2G" /* over the body cap */ };

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char want[64];

    ASSERT_EQ(PARSE(&o, "--insecure", "--listen", "tcp://127.0.0.1:0",
                    "--max-body", bad[i]), CF_EINVAL);
    snprintf(want, sizeof want, "--max-body: \"%s\"", bad[i]);
    ASSERT_ERR_HAS(want);
  }
  ASSERT_EQ(PARSE(&o, "--insecure", "--listen", "tcp://127.0.0.1:0",
                  "--max-bulk", "12x"), CF_EINVAL);
  ASSERT_ERR_HAS("--max-bulk: \"12x\" is not a number");
  ASSERT_EQ(PARSE(&o, "--insecure", "--listen", "tcp://127.0.0.1:0",
                  "--max-bulk", "100"), CF_EINVAL);
  ASSERT_ERR_HAS("out of range");
  ASSERT_EQ(PARSE(&o, "--worker", "--session", "0", "--parent", "1"),
            CF_EINVAL);
  ASSERT_ERR_HAS("--session: \"0\"");
  ASSERT_EQ(PARSE(&o, "--worker", "--session", "1"), CF_EINVAL);
  ASSERT_ERR_HAS("--parent");
}

static void test_bad_syntax(void)
{
  struct cf_srv_options o;

  ASSERT_EQ(PARSE(&o, "--listen"), CF_EINVAL);
  ASSERT_ERR_HAS("--listen needs a value");
  ASSERT_EQ(PARSE(&o, "--bogus"), CF_EINVAL);
  ASSERT_ERR_HAS("unknown option \"--bogus\"");
  ASSERT_EQ(PARSE(&o, "--insecure=yes", "--listen", "tcp://127.0.0.1:0"),
            CF_EINVAL);
  ASSERT_ERR_HAS("--insecure takes no value");
  ASSERT_EQ(PARSE(&o, "--driver", "", "--insecure", "--listen",
                  "tcp://127.0.0.1:0"), CF_EINVAL);
  ASSERT_ERR_HAS("--driver");
  ASSERT_EQ(PARSE(&o, "--listenx", "tcp://127.0.0.1:0"), CF_EINVAL);
  ASSERT_ERR_HAS("unknown option");
}

/* --help explains every option. */
static void test_usage(void)
{
  static const char *opts[] = {
    "--listen", "--insecure", "--driver", "--max-body", "--max-bulk",
    "--help", "--version", "--config", "--check-config", "--hash-token",
    "--new-token", "--tls-cert", "--tls-key", "--tls-client-ca", "--tokens",
    "--memory-quota", "--max-sessions", "--max-sessions-per-identity",
    "--max-handles", "--image-cache", "--user", "--log-level", "FILES", "EXAMPLES",
    "[quota]", "max_sessions_per_identity",
  };
  char buf[16384];
  FILE *f = fmemopen(buf, sizeof buf, "w");

  ASSERT_NOT_NULL(f);
  cf__srv_usage(f);
  fclose(f);
  buf[sizeof buf - 1] = '\0';
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    ASSERT_NOT_NULL(strstr(buf, opts[i]));
}

int main(void)
{
  test_good();
  test_insecure_rule();
  test_rdma_listen();
  test_bad_address();
  test_bad_numbers();
  test_bad_syntax();
  test_usage();
  printf("ok\n");
  return 0;
}
