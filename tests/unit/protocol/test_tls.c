/* Unit tests for the TLS transport (transport/tls.c, tls_ctx.c) and frames
 * over it. Certificates are made at run time (tls_certs.c). Each case runs a
 * loopback listener on 127.0.0.1 with a port the kernel picks and the server
 * side in a thread: small and 16 MiB messages both ways through writev, a
 * receive timeout that leaves the connection usable, a plain cuferry client
 * on the TLS port (*plain = 1 and a plaintext refuse frame back) and other
 * non-TLS bytes, a TLS client on a plain server, an unknown CA (file and
 * system store), a wrong host name, connecting by IP address, mutual TLS
 * (identity, no client certificate, an untrusted one), handshake timeouts on
 * both sides, context errors (key not matching, missing and bad files) and
 * the cf_conn_connect refusal of tls://. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_frame.h"
#include "cf_test.h"
#include "cf_transport.h"
#include "tls_certs.h"

#define ASSERT_HAS(s, sub)                                                   \
  do {                                                                      \
    if (!strstr((s), (sub)))                                                \
      CF_FAIL_("\"%s\" does not contain \"%s\"", (s), (sub));               \
  } while (0)

static const struct cf_frame_limits deflim = {
  CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK
};

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_any(uint16_t *port)
{
  struct sockaddr_in a;
  socklen_t sl = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  ASSERT_GE(fd, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &sl), 0);
  *port = ntohs(a.sin_port);
  return fd;
}

static void url_for(struct cf_url *u, const char *scheme, const char *host, uint16_t port)
{
  char s[128];
  snprintf(s, sizeof s, "%s://%s:%u", scheme, host, (unsigned)port);
  ASSERT_EQ(cf_url_parse(s, u), 0);
}

static struct cf_tls_ctx *client_ctx(const char *ca, const char *cert, const char *key)
{
  struct cf_tls_config c = { ca ? cf_tls_path(ca) : NULL, cert ? cf_tls_path(cert) : NULL,
                             key ? cf_tls_path(key) : NULL };
  struct cf_tls_ctx *ctx;
  char err[512];

  if (cf_tls_ctx_new_client(&c, &ctx, err, sizeof err) != 0)
    CF_FAIL_("client ctx: %s", err);
  return ctx;
}

static struct cf_tls_ctx *server_ctx(const char *cert, const char *key, const char *client_ca)
{
  struct cf_tls_config c = { client_ca ? cf_tls_path(client_ca) : NULL, cf_tls_path(cert),
                             cf_tls_path(key) };
  struct cf_tls_ctx *ctx;
  char err[512];

  if (cf_tls_ctx_new_server(&c, &ctx, err, sizeof err) != 0)
    CF_FAIL_("server ctx: %s", err);
  return ctx;
}

/* ---- a TLS server thread: accept one connection and handshake ----------- */

struct server {
  int lfd;
  uint16_t port;
  struct cf_tls_ctx *ctx;
  int timeout_ms;
  pthread_t th;
  /* results */
  int rc, plain, fd;
  char err[512];
  struct cf_conn *conn;
  int64_t took_ms;
};

static void *server_main(void *arg)
{
  struct server *s = arg;
  int64_t t0;

  s->fd = accept(s->lfd, NULL, NULL);
  ASSERT_GE(s->fd, 0);
  t0 = now_ms();
  s->plain = -1;
  s->rc = cf_conn_accept_tls(s->fd, s->ctx, s->timeout_ms, &s->conn, &s->plain, s->err,
                             sizeof s->err);
  s->took_ms = now_ms() - t0;
  if (s->rc != 0)
    ASSERT_NULL(s->conn);
  return NULL;
}

static void server_start(struct server *s, struct cf_tls_ctx *ctx, int timeout_ms)
{
  memset(s, 0, sizeof *s);
  s->lfd = listen_any(&s->port);
  s->ctx = ctx;
  s->timeout_ms = timeout_ms;
  ASSERT_EQ(pthread_create(&s->th, NULL, server_main, s), 0);
}

/* Join; the listener is closed. On failure the fd is still the test's. */
static void server_join(struct server *s)
{
  ASSERT_EQ(pthread_join(s->th, NULL), 0);
  close(s->lfd);
}

/* Connect a TLS client to the server s, expecting rc. */
static struct cf_conn *connect_to(struct server *s, struct cf_tls_ctx *ctx, const char *host,
                                  int want_rc, char *err, size_t errlen)
{
  struct cf_url u;
  struct cf_conn *c = NULL;
  int rc;

  url_for(&u, "tls", host, s->port);
  rc = cf_conn_connect_tls(&u, ctx, 2000, &c, err, errlen);
  if (rc != want_rc)
    CF_FAIL_("connect_tls: %s (%s), wanted %s", cf_errname(rc), err, cf_errname(want_rc));
  if (rc == 0)
    ASSERT_STR_EQ(err, "");
  else
    ASSERT_NULL(c);
  return c;
}

/* ---- round trips ------------------------------------------------------------ */

#define BIG ((size_t)16 << 20)

struct reader {
  struct cf_conn *c;
  uint8_t *buf;
  size_t len;
  int rc;
  struct cf_frame f;
};

static void *read_frame_main(void *arg)
{
  struct reader *r = arg;
  r->rc = cf_frame_recv(r->c, &deflim, NULL, 0, &r->f);
  return NULL;
}

static void *read_exact_main(void *arg)
{
  struct reader *r = arg;
  r->rc = cf_conn_read_exact(r->c, r->buf, r->len);
  return NULL;
}

/* Send a 16 MiB bulk frame from a to b (reader thread on b) and check it. */
static void big_frame(struct cf_conn *a, struct cf_conn *b, const uint8_t *big)
{
  struct reader r;
  pthread_t th;

  memset(&r, 0, sizeof r);
  r.c = b;
  ASSERT_EQ(pthread_create(&th, NULL, read_frame_main, &r), 0);
  ASSERT_EQ(cf_frame_send(a, CF_FRAME_CALL, 3, 77, 2, "body", 4, big, BIG), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_EQ(r.rc, 0);
  ASSERT_UEQ(r.f.h.bulk_len, BIG);
  ASSERT_UEQ(r.f.h.lane, 3);
  ASSERT_STR_EQ((char *)r.f.body, "body");
  ASSERT_MEM_EQ(r.f.bulk, big, BIG);
  cf_frame_release(&r.f);
}

static void test_round_trip(void)
{
  struct cf_tls_ctx *cctx = client_ctx("ca.pem", NULL, NULL);
  struct cf_tls_ctx *sctx = server_ctx("srv.pem", "srv.key", NULL);
  struct server s;
  struct cf_conn *cl, *sv;
  struct cf_frame f;
  char err[512], buf[128], want[64];
  uint8_t *big = malloc(BIG);
  size_t i;

  ASSERT_NOT_NULL(big);
  for (i = 0; i < BIG; i++)
    big[i] = (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
  server_start(&s, sctx, 2000);
  cl = connect_to(&s, cctx, "localhost", 0, err, sizeof err);
  server_join(&s);
  if (s.rc != 0)
    CF_FAIL_("accept_tls: %s", s.err);
  sv = s.conn;

  cf_conn_peer(cl, buf, sizeof buf);
  snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)s.port);
  ASSERT_STR_EQ(buf, want);
  cf_conn_peer(sv, buf, sizeof buf);
  ASSERT(!strncmp(buf, "127.0.0.1:", 10));
  /* The client sees the server's CN; the server asked for no certificate. */
  ASSERT_EQ(cf_conn_peer_identity(cl, buf, sizeof buf), 0);
  ASSERT_STR_EQ(buf, "localhost");
  ASSERT_EQ(cf_conn_peer_identity(cl, buf, 5), CF_ETOOBIG);
  ASSERT_STR_EQ(buf, "");
  ASSERT_EQ(cf_conn_peer_identity(sv, buf, sizeof buf), CF_ENOTFOUND);

  /* Small frames both ways. */
  ASSERT_EQ(cf_frame_send(cl, CF_FRAME_HELLO, 0, 0, 1, "hi", 2, NULL, 0), 0);
  ASSERT_EQ(cf_frame_recv(sv, &deflim, NULL, 0, &f), 0);
  ASSERT_UEQ(f.h.type, CF_FRAME_HELLO);
  ASSERT_STR_EQ((char *)f.body, "hi");
  cf_frame_release(&f);
  ASSERT_EQ(cf_frame_send(sv, CF_FRAME_WELCOME, 0, 0, 1, "ok", 2, "B", 1), 0);
  ASSERT_EQ(cf_frame_recv(cl, &deflim, NULL, 0, &f), 0);
  ASSERT_UEQ(f.h.type, CF_FRAME_WELCOME);
  ASSERT_EQ(f.bulk[0], 'B');
  cf_frame_release(&f);

  /* 16 MiB both ways: more than the socket buffers hold. */
  big_frame(cl, sv, big);
  big_frame(sv, cl, big);

  /* A mixed writev: small entries coalesced, a record-sized and a large one
   * straight through, empty entries, 200 one-byte entries. */
  {
    struct iovec iov[206];
    struct reader r;
    pthread_t th;
    size_t total = 0, off = 0;
    int n = 0;

    iov[n++] = (struct iovec){ big, 40 };
    iov[n++] = (struct iovec){ big + 40, 0 };
    iov[n++] = (struct iovec){ big + 40, 20000 };
    iov[n++] = (struct iovec){ big + 20040, 3 };
    iov[n++] = (struct iovec){ big + 20043, 16384 };
    iov[n++] = (struct iovec){ big + 36427, BIG / 2 };
    for (i = 0; i < 200; i++)
      iov[n++] = (struct iovec){ big + 36427 + BIG / 2 + i, 1 };
    for (i = 0; i < (size_t)n; i++)
      total += iov[i].iov_len;
    memset(&r, 0, sizeof r);
    r.c = sv;
    r.len = total;
    r.buf = malloc(total);
    ASSERT_NOT_NULL(r.buf);
    ASSERT_EQ(pthread_create(&th, NULL, read_exact_main, &r), 0);
    ASSERT_EQ(cf_conn_writev(cl, iov, n), 0);
    ASSERT_EQ(pthread_join(th, NULL), 0);
    ASSERT_EQ(r.rc, 0);
    for (i = 0; i < (size_t)n; off += iov[i].iov_len, i++)
      ASSERT_MEM_EQ(r.buf + off, iov[i].iov_base, iov[i].iov_len);
    ASSERT_MEM_EQ(r.buf, big, total); /* the entries were contiguous */
    free(r.buf);
  }

  /* Peer closes: reads give CF_ECLOSED; writes CF_ECLOSED, never SIGPIPE. */
  cf_conn_close(sv);
  ASSERT_EQ(cf_conn_read_exact(cl, buf, 1), CF_ECLOSED);
  cf_conn_close(cl);

  /* A second connection after a close, with the peer gone mid-stream. */
  server_start(&s, sctx, 2000);
  cl = connect_to(&s, cctx, "localhost", 0, err, sizeof err);
  server_join(&s);
  ASSERT_EQ(s.rc, 0);
  cf_conn_close(s.conn);
  {
    int k, rc = 0;
    for (k = 0; k < 100 && rc == 0; k++)
      rc = cf_frame_send(cl, CF_FRAME_BYE, 0, 0, 9, "x", 1, big, 65536);
    ASSERT_EQ(rc, CF_ECLOSED);
  }
  cf_conn_close(cl);
  free(big);
  cf_tls_ctx_free(cctx);
  cf_tls_ctx_free(sctx);
}

/* ---- receive timeout ---------------------------------------------------------- */

static void test_recv_timeout(void)
{
  struct cf_tls_ctx *cctx = client_ctx("ca.pem", NULL, NULL);
  struct cf_tls_ctx *sctx = server_ctx("srv.pem", "srv.key", NULL);
  struct server s;
  struct cf_conn *cl;
  struct cf_frame f;
  char err[512];
  int64_t t0, dt;
  int i;

  server_start(&s, sctx, 2000);
  cl = connect_to(&s, cctx, "localhost", 0, err, sizeof err);
  server_join(&s);
  ASSERT_EQ(s.rc, 0);

  ASSERT_EQ(cf_conn_set_timeout(cl, 150), 0);
  t0 = now_ms();
  ASSERT_EQ(cf_frame_recv(cl, &deflim, NULL, 0, &f), CF_ETIMEDOUT);
  dt = now_ms() - t0;
  ASSERT_GE(dt, 140);
  ASSERT_LT(dt, 3000);

  /* Still usable after a timeout. */
  ASSERT_EQ(cf_frame_send(s.conn, CF_FRAME_REPLY, 0, 1, 1, "late", 4, NULL, 0), 0);
  ASSERT_EQ(cf_frame_recv(cl, &deflim, NULL, 0, &f), 0);
  ASSERT_STR_EQ((char *)f.body, "late");
  cf_frame_release(&f);

  /* One deadline per read: one-byte records every 50 ms cannot keep a
   * 150 ms read alive. */
  t0 = now_ms();
  for (i = 0; i < 2; i++) {
    struct iovec v = { (void *)"x", 1 };
    ASSERT_EQ(cf_conn_writev(s.conn, &v, 1), 0);
    usleep(50 * 1000);
  }
  ASSERT_EQ(cf_conn_read_exact(cl, err, 40), CF_ETIMEDOUT);
  ASSERT_LT(now_ms() - t0, 1000);
  cf_conn_close(cl);
  cf_conn_close(s.conn);
  cf_tls_ctx_free(cctx);
  cf_tls_ctx_free(sctx);
}

/* ---- plaintext peers ------------------------------------------------------------ */

static void test_plain_client(void)
{
  struct cf_tls_ctx *sctx = server_ctx("srv.pem", "srv.key", NULL);
  struct server s;
  struct cf_url u;
  struct cf_conn *c, *refuse;
  struct cf_frame f;
  char err[512];

  /* A plain cuferry client: the server gets *plain = 1 and answers with a
   * plaintext refuse frame on the fd it still owns. */
  server_start(&s, sctx, 2000);
  url_for(&u, "tcp", "127.0.0.1", s.port);
  ASSERT_EQ(cf_conn_connect(&u, 2000, &c, err, sizeof err), 0);
  ASSERT_EQ(cf_frame_send(c, CF_FRAME_HELLO, 0, 0, 1, "hello", 5, NULL, 0), 0);
  server_join(&s);
  ASSERT_EQ(s.rc, CF_ETLS);
  ASSERT_EQ(s.plain, 1);
  ASSERT_HAS(s.err, "plain cuferry frame");
  ASSERT_EQ(cf_conn_from_fd("tcp", s.fd, &refuse), 0);
  ASSERT_EQ(cf_frame_send(refuse, CF_FRAME_REFUSE, 0, 0, 1, "requires tls://", 15, NULL, 0), 0);
  cf_conn_close(refuse);
  ASSERT_EQ(cf_frame_recv(c, &deflim, NULL, 0, &f), 0);
  ASSERT_UEQ(f.h.type, CF_FRAME_REFUSE);
  ASSERT_STR_EQ((char *)f.body, "requires tls://");
  cf_frame_release(&f);
  cf_conn_close(c);

  /* Anything else that is not TLS. */
  server_start(&s, sctx, 2000);
  url_for(&u, "tcp", "127.0.0.1", s.port);
  ASSERT_EQ(cf_conn_connect(&u, 2000, &c, err, sizeof err), 0);
  {
    struct iovec v = { (void *)"GET / HTTP/1.0\r\n\r\n", 18 };
    ASSERT_EQ(cf_conn_writev(c, &v, 1), 0);
  }
  server_join(&s);
  ASSERT_EQ(s.rc, CF_ETLS);
  ASSERT_EQ(s.plain, 0);
  ASSERT_STR_EQ(s.err, "the client did not start a TLS handshake");
  close(s.fd);
  cf_conn_close(c);

  /* A client that connects and hangs up at once. */
  server_start(&s, sctx, 2000);
  url_for(&u, "tcp", "127.0.0.1", s.port);
  ASSERT_EQ(cf_conn_connect(&u, 2000, &c, err, sizeof err), 0);
  cf_conn_close(c);
  server_join(&s);
  ASSERT_EQ(s.rc, CF_ECLOSED);
  ASSERT_HAS(s.err, "closed the connection");
  close(s.fd);
  cf_tls_ctx_free(sctx);
}

/* A plain cuferry server: reads what the client sent, optionally answers
 * with a plain frame, then closes. */
struct plain_server {
  int lfd, answer;
  uint16_t port;
  pthread_t th;
};

static void *plain_server_main(void *arg)
{
  struct plain_server *p = arg;
  struct cf_conn *c;
  char buf[64];
  int fd = accept(p->lfd, NULL, NULL);

  ASSERT_GE(fd, 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", fd, &c), 0);
  ASSERT_EQ(cf_conn_read_exact(c, buf, sizeof buf), 0); /* part of a ClientHello */
  if (p->answer)
    ASSERT_EQ(cf_frame_send(c, CF_FRAME_REFUSE, 0, 0, 1, "bad magic", 9, NULL, 0), 0);
  cf_conn_close(c);
  return NULL;
}

static void test_plain_server(void)
{
  struct cf_tls_ctx *cctx = client_ctx("ca.pem", NULL, NULL);
  struct plain_server p;
  struct cf_url u;
  struct cf_conn *c;
  char err[512];
  int answer;

  for (answer = 1; answer >= 0; answer--) {
    memset(&p, 0, sizeof p);
    p.answer = answer;
    p.lfd = listen_any(&p.port);
    ASSERT_EQ(pthread_create(&p.th, NULL, plain_server_main, &p), 0);
    url_for(&u, "tls", "localhost", p.port);
    ASSERT_EQ(cf_conn_connect_tls(&u, cctx, 2000, &c, err, sizeof err), CF_ETLS);
    ASSERT_NULL(c);
    ASSERT_STR_EQ(err, "the server did not answer with TLS: is it a plain tcp:// server "
                       "(cuferryd --insecure)?");
    ASSERT_EQ(pthread_join(p.th, NULL), 0);
    close(p.lfd);
  }
  cf_tls_ctx_free(cctx);
}

/* ---- certificate checks ------------------------------------------------------------ */

static void test_unknown_ca(void)
{
  struct cf_tls_ctx *cctx = client_ctx("ca.pem", NULL, NULL);
  struct cf_tls_ctx *sys = client_ctx(NULL, NULL, NULL);
  struct cf_tls_ctx *sctx = server_ctx("srv2.pem", "srv2.key", NULL);
  struct server s;
  char err[512], want[512];

  server_start(&s, sctx, 2000);
  connect_to(&s, cctx, "localhost", CF_EAUTH, err, sizeof err);
  server_join(&s);
  snprintf(want, sizeof want, "the server's certificate is not signed by a CA in \"%s\"",
           cf_tls_path("ca.pem"));
  ASSERT_STR_EQ(err, want);
  ASSERT_EQ(s.rc, CF_EAUTH);
  ASSERT_HAS(s.err, "the client refused this server's certificate");
  close(s.fd);

  server_start(&s, sctx, 2000);
  connect_to(&s, sys, "localhost", CF_EAUTH, err, sizeof err);
  server_join(&s);
  ASSERT_STR_EQ(err, "the server's certificate is not signed by a CA in the system store");
  close(s.fd);
  cf_tls_ctx_free(cctx);
  cf_tls_ctx_free(sys);
  cf_tls_ctx_free(sctx);
}

static void test_host_names(void)
{
  struct cf_tls_ctx *cctx = client_ctx("ca.pem", NULL, NULL);
  struct cf_tls_ctx *other = server_ctx("other.pem", "other.key", NULL);
  struct cf_tls_ctx *sctx = server_ctx("srv.pem", "srv.key", NULL);
  struct server s;
  struct cf_conn *c;
  char err[512];

  server_start(&s, other, 2000);
  connect_to(&s, cctx, "localhost", CF_EAUTH, err, sizeof err);
  server_join(&s);
  ASSERT_STR_EQ(err, "the server's certificate is not for localhost");
  ASSERT_EQ(s.rc, CF_EAUTH);
  ASSERT_HAS(s.err, "the client refused this server's certificate");
  close(s.fd);

  server_start(&s, other, 2000);
  connect_to(&s, cctx, "127.0.0.1", CF_EAUTH, err, sizeof err);
  server_join(&s);
  ASSERT_STR_EQ(err, "the server's certificate is not for 127.0.0.1");
  close(s.fd);

  /* By IP address: matched against the IP SAN. */
  server_start(&s, sctx, 2000);
  c = connect_to(&s, cctx, "127.0.0.1", 0, err, sizeof err);
  server_join(&s);
  ASSERT_EQ(s.rc, 0);
  ASSERT_EQ(cf_frame_send(c, CF_FRAME_HELLO, 0, 0, 1, "ip", 2, NULL, 0), 0);
  {
    struct cf_frame f;
    ASSERT_EQ(cf_frame_recv(s.conn, &deflim, NULL, 0, &f), 0);
    ASSERT_STR_EQ((char *)f.body, "ip");
    cf_frame_release(&f);
  }
  cf_conn_close(c);
  cf_conn_close(s.conn);
  cf_tls_ctx_free(cctx);
  cf_tls_ctx_free(other);
  cf_tls_ctx_free(sctx);
}

/* ---- mutual TLS ------------------------------------------------------------------------ */

static void test_mutual(void)
{
  struct cf_tls_ctx *alice = client_ctx("ca.pem", "alice.pem", "alice.key");
  struct cf_tls_ctx *mallory = client_ctx("ca.pem", "mallory.pem", "mallory.key");
  struct cf_tls_ctx *nobody = client_ctx("ca.pem", NULL, NULL);
  struct cf_tls_ctx *sctx = server_ctx("srv.pem", "srv.key", "cca.pem");
  struct server s;
  struct cf_conn *c;
  char err[512], id[64], want[512];

  server_start(&s, sctx, 2000);
  c = connect_to(&s, alice, "localhost", 0, err, sizeof err);
  server_join(&s);
  if (s.rc != 0)
    CF_FAIL_("accept_tls: %s", s.err);
  ASSERT_EQ(cf_conn_peer_identity(s.conn, id, sizeof id), 0);
  ASSERT_STR_EQ(id, "alice");
  ASSERT_EQ(cf_conn_peer_identity(c, id, sizeof id), 0);
  ASSERT_STR_EQ(id, "localhost");
  ASSERT_EQ(cf_frame_send(c, CF_FRAME_HELLO, 0, 0, 1, "a", 1, NULL, 0), 0);
  {
    struct cf_frame f;
    ASSERT_EQ(cf_frame_recv(s.conn, &deflim, NULL, 0, &f), 0);
    cf_frame_release(&f);
  }
  cf_conn_close(c);
  cf_conn_close(s.conn);

  /* No client certificate: both sides say so. */
  server_start(&s, sctx, 2000);
  connect_to(&s, nobody, "localhost", CF_EAUTH, err, sizeof err);
  server_join(&s);
  ASSERT_STR_EQ(err, "the server requires a client certificate and none is configured");
  ASSERT_EQ(s.rc, CF_EAUTH);
  snprintf(want, sizeof want, "the client presented no certificate (this server requires "
           "one signed by a CA in \"%s\")", cf_tls_path("cca.pem"));
  ASSERT_STR_EQ(s.err, want);
  close(s.fd);

  /* A certificate from a CA the server does not trust: TLS 1.3 finishes the
   * client's handshake first, so the client learns it at its first read. */
  server_start(&s, sctx, 2000);
  c = connect_to(&s, mallory, "localhost", 0, err, sizeof err);
  server_join(&s);
  ASSERT_EQ(s.rc, CF_EAUTH);
  snprintf(want, sizeof want, "the client's certificate is not signed by a CA in \"%s\"",
           cf_tls_path("cca.pem"));
  ASSERT_STR_EQ(s.err, want);
  close(s.fd);
  ASSERT_EQ(cf_conn_read_exact(c, id, 1), CF_EAUTH);
  cf_conn_close(c);

  cf_tls_ctx_free(alice);
  cf_tls_ctx_free(mallory);
  cf_tls_ctx_free(nobody);
  cf_tls_ctx_free(sctx);
}

/* ---- handshake timeouts ------------------------------------------------------------------ */

static void test_handshake_timeout(void)
{
  struct cf_tls_ctx *cctx = client_ctx("ca.pem", NULL, NULL);
  struct cf_tls_ctx *sctx = server_ctx("srv.pem", "srv.key", NULL);
  struct server s;
  struct cf_url u;
  struct cf_conn *c;
  char err[512];
  uint16_t port;
  int lfd, fd;
  int64_t t0, dt;

  /* A silent server: the kernel accepts, nobody answers the ClientHello. */
  lfd = listen_any(&port);
  url_for(&u, "tls", "localhost", port);
  t0 = now_ms();
  ASSERT_EQ(cf_conn_connect_tls(&u, cctx, 300, &c, err, sizeof err), CF_ETIMEDOUT);
  dt = now_ms() - t0;
  ASSERT_STR_EQ(err, "TLS handshake timed out after 300 ms");
  ASSERT_GE(dt, 290);
  ASSERT_LT(dt, 3000);
  close(lfd);

  /* A silent client, then one that stops inside its ClientHello. */
  for (int partial = 0; partial <= 1; partial++) {
    server_start(&s, sctx, 300);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    {
      struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(s.port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
      ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    }
    if (partial)
      ASSERT_EQ(write(fd, "\x16\x03\x01\x01\x00\x01", 6), 6);
    server_join(&s);
    ASSERT_EQ(s.rc, CF_ETIMEDOUT);
    ASSERT_STR_EQ(s.err, "TLS handshake timed out after 300 ms");
    ASSERT_GE(s.took_ms, 290);
    ASSERT_LT(s.took_ms, 3000);
    close(s.fd);
    close(fd);
  }
  cf_tls_ctx_free(cctx);
  cf_tls_ctx_free(sctx);
}

/* ---- contexts and the rest of the API ------------------------------------------------------ */

static void test_ctx_errors(void)
{
  struct cf_tls_config c;
  struct cf_tls_ctx *ctx = (struct cf_tls_ctx *)&c;
  char err[512], want[600];

  /* A key that does not match its certificate. */
  c = (struct cf_tls_config){ NULL, cf_tls_path("srv.pem"), cf_tls_path("other.key") };
  ASSERT_EQ(cf_tls_ctx_new_server(&c, &ctx, err, sizeof err), CF_EINVAL);
  ASSERT_NULL(ctx);
  snprintf(want, sizeof want, "the key in \"%s\" does not match the certificate in \"%s\"",
           cf_tls_path("other.key"), cf_tls_path("srv.pem"));
  ASSERT_STR_EQ(err, want);
  c = (struct cf_tls_config){ cf_tls_path("ca.pem"), cf_tls_path("alice.pem"),
                              cf_tls_path("mallory.key") };
  ASSERT_EQ(cf_tls_ctx_new_client(&c, &ctx, err, sizeof err), CF_EINVAL);
  ASSERT_HAS(err, "does not match");

  /* Missing and bad files, each named. */
  c = (struct cf_tls_config){ NULL, cf_tls_path("nosuch.pem"), cf_tls_path("srv.key") };
  ASSERT_EQ(cf_tls_ctx_new_server(&c, &ctx, err, sizeof err), CF_ENOTFOUND);
  ASSERT_HAS(err, cf_tls_path("nosuch.pem"));
  ASSERT_HAS(err, "No such file");
  c = (struct cf_tls_config){ NULL, cf_tls_path("junk.pem"), cf_tls_path("srv.key") };
  ASSERT_EQ(cf_tls_ctx_new_server(&c, &ctx, err, sizeof err), CF_EINVAL);
  ASSERT_HAS(err, cf_tls_path("junk.pem"));
  c = (struct cf_tls_config){ NULL, cf_tls_path("srv.pem"), cf_tls_path("junk.pem") };
  ASSERT_EQ(cf_tls_ctx_new_server(&c, &ctx, err, sizeof err), CF_EINVAL);
  ASSERT_HAS(err, "private key");
  c = (struct cf_tls_config){ cf_tls_path("junk.pem"), NULL, NULL };
  ASSERT_EQ(cf_tls_ctx_new_client(&c, &ctx, err, sizeof err), CF_EINVAL);
  ASSERT_HAS(err, cf_tls_path("junk.pem"));
  c = (struct cf_tls_config){ cf_tls_path("nosuch-ca.pem"), NULL, NULL };
  ASSERT_EQ(cf_tls_ctx_new_client(&c, &ctx, err, sizeof err), CF_ENOTFOUND);
  ASSERT_HAS(err, "nosuch-ca.pem");
  c = (struct cf_tls_config){ NULL, NULL, NULL };
  ASSERT_EQ(cf_tls_ctx_new_server(&c, &ctx, err, sizeof err), CF_EINVAL);
  ASSERT_HAS(err, "needs a certificate");
  c = (struct cf_tls_config){ NULL, cf_tls_path("alice.pem"), NULL };
  ASSERT_EQ(cf_tls_ctx_new_client(&c, &ctx, err, sizeof err), CF_EINVAL);
  ASSERT_EQ(cf_tls_ctx_new_client(NULL, &ctx, err, sizeof err), CF_EINVAL);
  cf_tls_ctx_free(NULL);
}

static void test_api_edges(void)
{
  struct cf_tls_ctx *cctx = client_ctx("ca.pem", NULL, NULL);
  struct cf_url u;
  struct cf_conn *c = (struct cf_conn *)&u;
  char err[512], id[16];
  int plain = 7, sp[2];

  /* cf_conn_connect refuses tls:// and points at cf_conn_connect_tls. */
  ASSERT_EQ(cf_url_parse("tls://127.0.0.1:1", &u), 0);
  ASSERT_EQ(cf_conn_connect(&u, 100, &c, err, sizeof err), CF_EUNSUP);
  ASSERT_NULL(c);
  ASSERT_HAS(err, "cf_conn_connect_tls");
  /* connect_tls wants a tls:// address and a client context. */
  ASSERT_EQ(cf_url_parse("tcp://127.0.0.1:1", &u), 0);
  ASSERT_EQ(cf_conn_connect_tls(&u, cctx, 100, &c, err, sizeof err), CF_EINVAL);
  ASSERT_EQ(cf_conn_accept_tls(0, cctx, 100, &c, &plain, err, sizeof err), CF_EINVAL);
  ASSERT_EQ(plain, 0);
  /* A plain connection has no identity. */
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sp[0], &c), 0);
  ASSERT_EQ(cf_conn_peer_identity(c, id, sizeof id), CF_ENOTFOUND);
  cf_conn_close(c);
  close(sp[1]);
  cf_tls_ctx_free(cctx);
}

int main(void)
{
  cf_tls_certs_make();
  test_ctx_errors();
  test_api_edges();
  test_round_trip();
  test_recv_timeout();
  test_plain_client();
  test_plain_server();
  test_unknown_ca();
  test_host_names();
  test_mutual();
  test_handshake_timeout();
  printf("test_tls: ok\n");
  return 0;
}
