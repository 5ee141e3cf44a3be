/* Benchmark of the TLS transport against its two yardsticks, over loopback:
 * the null-call round trip (a 40-byte header plus an 8-byte body each way)
 * over cf_conn TLS against cf_conn plain TCP (goal: within 1.25x), and bulk
 * bandwidth through cf_conn TLS against a raw OpenSSL stream with the same
 * TLS 1.3 settings on a plain socket (goal: at least 0.8x). Prints the
 * numbers; run with `meson test --benchmark` (not part of the unit suite,
 * since timings on shared machines are noisy). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "cf_error.h"
#include "cf_frame.h"
#include "cf_test.h"
#include "cf_transport.h"
#include "tls_certs.h"

#define CALLS 20000
#define CHUNK ((size_t)1 << 20)
#define TOTAL ((size_t)512 << 20)

static const struct cf_frame_limits deflim = {
  CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK
};

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int listen_any(uint16_t *port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t sl = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  ASSERT_GE(fd, 0);
  ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &sl), 0);
  *port = ntohs(a.sin_port);
  return fd;
}

/* ---- a connected cf_conn pair, TCP or TLS ---------------------------------- */

struct pair {
  struct cf_conn *cl, *sv;
};

struct acceptor {
  int lfd, tls;
  struct cf_tls_ctx *sctx;
  struct cf_conn *sv;
};

static void *accept_main(void *arg)
{
  struct acceptor *a = arg;
  char err[256];
  int fd = accept(a->lfd, NULL, NULL);

  ASSERT_GE(fd, 0);
  if (a->tls)
    ASSERT_EQ(cf_conn_accept_tls(fd, a->sctx, 2000, &a->sv, NULL, err, sizeof err), 0);
  else
    ASSERT_EQ(cf_conn_from_fd("tcp", fd, &a->sv), 0);
  return NULL;
}

static struct pair make_pair(int tls, struct cf_tls_ctx *cctx, struct cf_tls_ctx *sctx)
{
  struct acceptor a = { .tls = tls, .sctx = sctx };
  struct pair p;
  struct cf_url u;
  pthread_t th;
  uint16_t port;
  char s[64], err[256];

  a.lfd = listen_any(&port);
  ASSERT_EQ(pthread_create(&th, NULL, accept_main, &a), 0);
  snprintf(s, sizeof s, "%s://localhost:%u", tls ? "tls" : "tcp", (unsigned)port);
  ASSERT_EQ(cf_url_parse(s, &u), 0);
  if (tls)
    ASSERT_EQ(cf_conn_connect_tls(&u, cctx, 2000, &p.cl, err, sizeof err), 0);
  else
    ASSERT_EQ(cf_conn_connect(&u, 2000, &p.cl, err, sizeof err), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  close(a.lfd);
  p.sv = a.sv;
  return p;
}

/* ---- null calls ------------------------------------------------------------- */

static void *echo_main(void *arg)
{
  struct cf_conn *c = arg;
  struct cf_frame f;

  for (int i = 0; i < CALLS; i++) {
    ASSERT_EQ(cf_frame_recv(c, &deflim, NULL, 0, &f), 0);
    ASSERT_EQ(cf_frame_send(c, CF_FRAME_REPLY, 0, 1, f.h.seq, f.body, f.h.body_len, NULL, 0), 0);
    cf_frame_release(&f);
  }
  return NULL;
}

static double null_rtt_us(struct pair p)
{
  struct cf_frame f;
  pthread_t th;
  double t0;

  ASSERT_EQ(pthread_create(&th, NULL, echo_main, p.sv), 0);
  t0 = now_s();
  for (int i = 0; i < CALLS; i++) {
    ASSERT_EQ(cf_frame_send(p.cl, CF_FRAME_CALL, 0, 1, (uint64_t)i, "12345678", 8, NULL, 0), 0);
    ASSERT_EQ(cf_frame_recv(p.cl, &deflim, NULL, 0, &f), 0);
    cf_frame_release(&f);
  }
  t0 = now_s() - t0;
  ASSERT_EQ(pthread_join(th, NULL), 0);
  return t0 / CALLS * 1e6;
}

/* ---- bulk ---------------------------------------------------------------------- */

static void *drain_main(void *arg)
{
  struct cf_conn *c = arg;
  uint8_t *buf = malloc(CHUNK);

  ASSERT_NOT_NULL(buf);
  for (size_t got = 0; got < TOTAL; got += CHUNK)
    ASSERT_EQ(cf_conn_read_exact(c, buf, CHUNK), 0);
  free(buf);
  return NULL;
}

static double conn_bulk_mbs(struct pair p, const uint8_t *src)
{
  struct iovec v = { (void *)src, CHUNK };
  pthread_t th;
  double t0;

  ASSERT_EQ(pthread_create(&th, NULL, drain_main, p.sv), 0);
  t0 = now_s();
  for (size_t sent = 0; sent < TOTAL; sent += CHUNK)
    ASSERT_EQ(cf_conn_writev(p.cl, &v, 1), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  return TOTAL / (now_s() - t0) / 1e6;
}

/* A raw OpenSSL stream: SSL_set_fd, TLS 1.3 both ways, same certificates. */
struct raw_server {
  int lfd;
  SSL_CTX *ctx;
};

static void *raw_drain_main(void *arg)
{
  struct raw_server *r = arg;
  uint8_t *buf = malloc(CHUNK);
  int fd = accept(r->lfd, NULL, NULL);
  SSL *ssl = SSL_new(r->ctx);
  size_t n, got = 0;

  ASSERT_NOT_NULL(buf);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_accept(ssl), 1);
  while (got < TOTAL) {
    ASSERT_EQ(SSL_read_ex(ssl, buf, CHUNK, &n), 1);
    got += n;
  }
  SSL_free(ssl);
  close(fd);
  free(buf);
  return NULL;
}

static double raw_bulk_mbs(const uint8_t *src)
{
  struct raw_server r;
  SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  pthread_t th;
  uint16_t port;
  SSL *ssl;
  size_t n;
  double t0;
  int fd, one = 1;

  r.ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(r.ctx, TLS1_3_VERSION);
  SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
  ASSERT_EQ(SSL_CTX_use_certificate_chain_file(r.ctx, cf_tls_path("srv.pem")), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(r.ctx, cf_tls_path("srv.key"), SSL_FILETYPE_PEM), 1);
  r.lfd = listen_any(&port);
  ASSERT_EQ(pthread_create(&th, NULL, raw_drain_main, &r), 0);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  a.sin_port = htons(port);
  ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ssl = SSL_new(cctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1);
  t0 = now_s();
  for (size_t sent = 0; sent < TOTAL; sent += CHUNK)
    ASSERT_EQ(SSL_write_ex(ssl, src, CHUNK, &n), 1);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  t0 = now_s() - t0;
  SSL_free(ssl);
  close(fd);
  close(r.lfd);
  SSL_CTX_free(cctx);
  SSL_CTX_free(r.ctx);
  return TOTAL / t0 / 1e6;
}

int main(void)
{
  struct cf_tls_config cc = { NULL, NULL, NULL }, sc = { NULL, NULL, NULL };
  struct cf_tls_ctx *cctx, *sctx;
  struct pair p;
  char err[256];
  uint8_t *src = malloc(CHUNK);
  double tcp_us, tls_us, conn_mbs, raw_mbs;

  ASSERT_NOT_NULL(src);
  memset(src, 0x5a, CHUNK);
  cf_tls_certs_make();
  cc.ca_file = cf_tls_path("ca.pem");
  sc.cert_file = cf_tls_path("srv.pem");
  sc.key_file = cf_tls_path("srv.key");
  ASSERT_EQ(cf_tls_ctx_new_client(&cc, &cctx, err, sizeof err), 0);
  ASSERT_EQ(cf_tls_ctx_new_server(&sc, &sctx, err, sizeof err), 0);

  p = make_pair(0, NULL, NULL);
  tcp_us = null_rtt_us(p);
  cf_conn_close(p.cl), cf_conn_close(p.sv);
  p = make_pair(1, cctx, sctx);
  tls_us = null_rtt_us(p);
  conn_mbs = conn_bulk_mbs(p, src);
  cf_conn_close(p.cl), cf_conn_close(p.sv);
  raw_mbs = raw_bulk_mbs(src);

  printf("null call round trip: tcp %.1f us, tls %.1f us (%.2fx; goal <= 1.25x)\n",
         tcp_us, tls_us, tls_us / tcp_us);
  printf("bulk: cf_conn tls %.0f MB/s, raw OpenSSL stream %.0f MB/s (%.2fx; goal >= 0.8x)\n",
         conn_mbs, raw_mbs, conn_mbs / raw_mbs);
  cf_tls_ctx_free(cctx);
  cf_tls_ctx_free(sctx);
  free(src);
  return 0;
}
