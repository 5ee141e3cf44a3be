/* Unit tests for cuferryd's config file (server/config_file.c) and its
 * merge with the command line (server/options.c): a good file with every
 * section, flags overriding the file whatever their order, relative paths,
 * per-identity quotas, the worker's argv, and errors that carry FILE:LINE
 * (unknown section and key, a key outside a section or given twice, a bad
 * size, a bad URL, a bad boolean, an indented line, a syntax error, a
 * missing file). */
#include "internal.h"

#include <unistd.h>

#include "cf_error.h"
#include "cf_test.h"
#include "config.h"

static char err[1024], dir[] = "/tmp/cf_srvconf_XXXXXX", path[256];

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

static void write_conf(const char *text)
{
  FILE *f = fopen(path, "w");

  ASSERT_NOT_NULL(f);
  fputs(text, f);
  fclose(f);
}

static const char good[] =
  "; cuferryd test config\n"
  "[listen]\n"
  "address = tls://0.0.0.0:7100\n"
  "insecure = no\n"
  "\n"
  "[tls]\n"
  "cert = /etc/cuferry/server.pem\n"
  "key = server.key          ; relative: next to this file\n"
  "client_ca = /etc/cuferry/clients-ca.pem\n"
  "[auth]\n"
  "tokens = /etc/cuferry/tokens\n"
  "[limits]\n"
  "memory_quota = 16G\n"
  "max_sessions = 32\n"
  "max_sessions_per_identity = 4\n"
  "max_handles = 100000\n"
  "image_cache = 64M\n"
  "max_body = 2M\n"
  "max_bulk = 256M\n"
  "[quota]\n"
  "alice = 32G\n"
  "ci-bot = 0\n"
  "[driver]\n"
  "library = emu\n"
  "[server]\n"
  "user = nobody\n"
  "[logging]\n"
  "level = warn\n";

static void test_good(void)
{
  struct cf_srv_options o;
  char key[300], *args[CF_SRV_WORKER_ARGS_MAX];
  int n, seen = 0;

  write_conf(good);
  ASSERT_EQ(PARSE(&o, "--config", path), 0);
  ASSERT_STR_EQ(o.config, path);
  ASSERT_STR_EQ(o.listen.scheme, "tls");
  ASSERT_EQ(o.listen.port, 7100);
  ASSERT_EQ(o.insecure, 0);
  ASSERT_STR_EQ(o.tls_cert, "/etc/cuferry/server.pem");
  snprintf(key, sizeof key, "%s/server.key", dir);
  ASSERT_STR_EQ(o.tls_key, key);
  ASSERT_STR_EQ(o.tls_client_ca, "/etc/cuferry/clients-ca.pem");
  ASSERT_STR_EQ(o.tokens, "/etc/cuferry/tokens");
  ASSERT_UEQ(o.memory_quota, (uint64_t)16 << 30);
  ASSERT_EQ(o.max_sessions, 32);
  ASSERT_EQ(o.max_sessions_per_identity, 4);
  ASSERT_UEQ(o.max_handles, 100000);
  ASSERT_UEQ(o.image_cache, 64u << 20);
  ASSERT_UEQ(o.lim.max_body, 2u << 20);
  ASSERT_UEQ(o.lim.max_bulk, 256u << 20);
  ASSERT_UEQ(cf__srv_options_quota(&o, "alice"), (uint64_t)32 << 30);
  ASSERT_UEQ(cf__srv_options_quota(&o, "ci-bot"), 0);
  ASSERT_UEQ(cf__srv_options_quota(&o, "bob"), (uint64_t)16 << 30);
  ASSERT_UEQ(cf__srv_options_quota(&o, NULL), (uint64_t)16 << 30);
  ASSERT_STR_EQ(o.driver, "emu");
  ASSERT_STR_EQ(o.user, "nobody");
  ASSERT_EQ(o.log_level, 1);
  ASSERT_EQ(o.log_level_set, 1);

  /* The worker gets the effective settings as flags, which parse back to
   * the same (a worker needs --session and --parent too). */
  n = cf__srv_options_worker_args(&o, args, CF_SRV_WORKER_ARGS_MAX);
  ASSERT_GT(n, 0);
  ASSERT_LE(n, CF_SRV_WORKER_ARGS_MAX - 8);
  {
    const char *wargv[CF_SRV_WORKER_ARGS_MAX + 8];
    struct cf_srv_options w;
    int k = 0;

    wargv[k++] = "cuferryd";
    wargv[k++] = "--worker";
    wargv[k++] = "--session=1";
    wargv[k++] = "--parent=2";
    for (int i = 0; i < n; i++) {
      wargv[k++] = args[i];
      seen |= !strcmp(args[i], "--config");
    }
    wargv[k] = NULL;
    ASSERT_EQ(seen, 0);
    ASSERT_EQ(cf__srv_options_parse(k, (char *const *)wargv, &w, err, sizeof err), 0);
    ASSERT_EQ(w.worker, 1);
    ASSERT_STR_EQ(w.listen.scheme, "tls");
    ASSERT_STR_EQ(w.tls_key, key);
    ASSERT_STR_EQ(w.tokens, "/etc/cuferry/tokens");
    ASSERT_STR_EQ(w.user, "nobody");
    ASSERT_STR_EQ(w.driver, "emu");
    ASSERT_UEQ(w.max_handles, 100000);
    ASSERT_UEQ(w.image_cache, 64u << 20);
    ASSERT_UEQ(w.lim.max_body, 2u << 20);
    ASSERT_EQ(w.log_level, 1);
    cf__srv_options_free(&w);
  }
  /* Too little room: it writes what fits. */
  ASSERT_EQ(cf__srv_options_worker_args(&o, args, 3), 3);
  cf__srv_options_free(&o);
  ASSERT_NULL(o.driver);
}

static void test_override(void)
{
  struct cf_srv_options o;

  write_conf(good);
  /* Flags win over the file, before or after --config. */
  ASSERT_EQ(PARSE(&o, "--max-sessions", "7", "--config", path,
                  "--memory-quota=1G", "--driver", "/x/libcuda.so.1",
                  "--log-level", "debug", "--listen", "tls://[::1]:9"), 0);
  ASSERT_EQ(o.max_sessions, 7);
  ASSERT_EQ(o.max_sessions_per_identity, 4); /* from the file */
  ASSERT_UEQ(o.memory_quota, (uint64_t)1 << 30);
  ASSERT_UEQ(cf__srv_options_quota(&o, "alice"), (uint64_t)32 << 30);
  ASSERT_STR_EQ(o.driver, "/x/libcuda.so.1");
  ASSERT_EQ(o.log_level, 3);
  ASSERT_EQ(o.listen.port, 9);
  cf__srv_options_free(&o);

  /* The file may say yes to insecure; the defaults hold for the rest. */
  write_conf("[listen]\naddress = tcp://127.0.0.1:0\ninsecure = yes\n");
  ASSERT_EQ(PARSE(&o, "--config", path), 0);
  ASSERT_EQ(o.insecure, 1);
  ASSERT_EQ(o.max_sessions, CF_SRV_DEFAULT_MAX_SESSIONS);
  ASSERT_EQ(o.max_sessions_per_identity, CF_SRV_DEFAULT_MAX_SESSIONS_PER_IDENTITY);
  ASSERT_UEQ(o.max_handles, CF_SRV_DEFAULT_MAX_HANDLES);
  ASSERT_UEQ(o.image_cache, CF_IMAGE_CACHE_DEFAULT);
  ASSERT_UEQ(o.memory_quota, 0);
  ASSERT_NULL(o.driver);
  ASSERT_EQ(o.log_level_set, 0);
  cf__srv_options_free(&o);
}

/* Write text, parse it with args, expect CF_EINVAL and want after "PATH:". */
static void bad_conf(const char *text, const char *want)
{
  struct cf_srv_options o;
  char full[512];

  write_conf(text);
  ASSERT_NE(PARSE(&o, "--config", path, "--insecure"), 0);
  snprintf(full, sizeof full, "%s:%s", path, want);
  ASSERT_ERR_HAS(full);
  ASSERT_NULL(o.config); /* nothing left to free */
}

static void test_errors(void)
{
  struct cf_srv_options o;

  bad_conf("[listen]\naddress = tcp://h:1\n[limts]\nmax_sessions = 3\n",
           "3: unknown section [limts]");
  bad_conf("[listen]\naddress = tcp://h:1\n[bogus]\n", "3: unknown section [bogus]");
  bad_conf("[limits]\n\nmax_session = 3\n",
           "3: unknown key \"max_session\" in [limits] (known: memory_quota,");
  bad_conf("address = tcp://h:1\n", "1: \"address\" is outside any section");
  bad_conf("[limits]\nmemory_quota = 12X\n",
           "2: [limits] memory_quota: \"12X\" is not a number");
  bad_conf("[limits]\nmax_handles = 3\n", "2: [limits] max_handles: \"3\" is out of range");
  bad_conf("[limits]\nimage_cache = 65G\n", "2: [limits] image_cache: \"65G\" is out of range");
  bad_conf("[listen]\naddress = http://example.com:80\n",
           "2: [listen] address: ");
  bad_conf("[listen]\naddress = tcp://h:99999\n", "2: [listen] address: ");
  bad_conf("[listen]\ninsecure = maybe\n", "2: [listen] insecure: \"maybe\" is not yes or no");
  bad_conf("[limits]\nmax_sessions = 3\nmax_sessions = 4\n",
           "3: \"max_sessions\" in [limits] is given twice (first on line 2)");
  bad_conf("[quota]\nalice = 1G\nbob = 2Q\n", "3: [quota] bob: \"2Q\" is not a number");
  /* inih reads "key: value" too, so this is key "al". */
  bad_conf("[quota]\nal:ice = 1G\n", "2: [quota] al: \"ice = 1G\" is not a number");
  bad_conf("[quota]\nal%ice = 1G\n", "2: [quota]: identity \"al%ice\" has a character");
  bad_conf("[limits]\n  max_sessions = 3\n", "2: the line is indented");
  bad_conf("[limits]\njust words\n", "2: not a \"key = value\" line");
  bad_conf("[logging]\nlevel = loud\n", "2: [logging] level: \"loud\" is not a level");
  bad_conf("[server]\nuser = a b\n", "2: [server] user: \"a b\" is not a user name");
  {
    char longline[400];

    snprintf(longline, sizeof longline, "[tls]\ncert = /%0300d\n", 0);
    bad_conf(longline, "2: the line is longer than");
  }

  /* A missing file. */
  ASSERT_EQ(PARSE(&o, "--config", "/nonexistent/cuferryd.conf", "--insecure"),
            CF_ENOTFOUND);
  ASSERT_ERR_HAS("/nonexistent/cuferryd.conf: cannot open");

  /* Cross-option rules still apply to what the file gave. */
  write_conf("[listen]\naddress = tls://h:1\n[auth]\ntokens = /t\n");
  ASSERT_EQ(PARSE(&o, "--config", path), CF_EINVAL);
  ASSERT_ERR_HAS("needs --tls-cert and --tls-key");
  write_conf("[listen]\naddress = tls://h:1\n[tls]\ncert = /c\nkey = /k\n");
  ASSERT_EQ(PARSE(&o, "--config", path), CF_EINVAL);
  ASSERT_ERR_HAS("admits nobody");
  write_conf("[listen]\naddress = tcp://h:1\n[tls]\ncert = /c\nkey = /k\n");
  ASSERT_EQ(PARSE(&o, "--config", path, "--insecure"), CF_EINVAL);
  ASSERT_ERR_HAS("TLS files are set");
}

static void test_tools(void)
{
  struct cf_srv_options o;

  ASSERT_EQ(PARSE(&o, "--hash-token"), 0);
  ASSERT_EQ(o.hash_token, 1);
  cf__srv_options_free(&o);
  ASSERT_EQ(PARSE(&o, "--new-token", "alice"), 0);
  ASSERT_STR_EQ(o.new_token, "alice");
  cf__srv_options_free(&o);
  ASSERT_EQ(PARSE(&o, "--new-token", "al:ice"), CF_EINVAL);
  ASSERT_ERR_HAS("--new-token: identity \"al:ice\"");
  write_conf(good);
  ASSERT_EQ(PARSE(&o, "--check-config", "--config", path), 0);
  ASSERT_EQ(o.check_config, 1);
  cf__srv_options_free(&o);
}

/* [listen] rdma is a second --listen: it sets the RDMA address and leaves
 * the TLS listener as it was. */
static void test_rdma_key(void)
{
  struct cf_srv_options o;

  write_conf("[listen]\naddress = tls://0.0.0.0:7100\nrdma = rdma://0.0.0.0:0\n"
             "insecure = yes\n[tls]\ncert = c.pem\nkey = k.pem\n");
  if (!CF_HAVE_RDMA) {
    ASSERT_EQ(PARSE(&o, "--config", path), CF_EINVAL);
    return;
  }
  ASSERT_EQ(PARSE(&o, "--config", path), 0);
  ASSERT_STR_EQ(o.listen.scheme, "tls");
  ASSERT_EQ(o.listen.port, 7100);
  ASSERT_EQ(o.have_rdma, 1);
  ASSERT_STR_EQ(o.rdma_listen.host, "0.0.0.0");
  cf__srv_options_free(&o);
}

int main(void)
{
  ASSERT_NOT_NULL(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/cuferryd.conf", dir);
  test_good();
  test_override();
  test_errors();
  test_tools();
  test_rdma_key();
  unlink(path);
  rmdir(dir);
  printf("ok\n");
  return 0;
}
