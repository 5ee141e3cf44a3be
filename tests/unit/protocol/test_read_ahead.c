/* Unit tests for read-ahead (cf_conn_set_read_ahead, cf_conn_buffered,
 * cf_conn_fd; transport/conn.c, tcp.c, tls.c): two peers that each write
 * 16 MiB in one writev before reading, over a socketpair with small socket
 * buffers (first with read-ahead off, to show that this deadlocks, then on)
 * and over TLS on loopback; the cap (a writer holds at most max_bytes); a
 * peer that writes and closes while we write (its bytes, then CF_ECLOSED),
 * over a socketpair and over TLS; receive timeouts with read-ahead on; and
 * that cf_conn_buffered counts what OpenSSL holds, decrypted or not. A
 * watchdog alarm turns a hang into a failure. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cf_error.h"
#include "cf_test.h"
#include "cf_transport.h"

#if CF_HAVE_TLS
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>

#include "tls_certs.h"
#endif

#define BIG ((size_t)16 << 20)
#define SOCKBUF 65536 /* SO_SNDBUF/SO_RCVBUF asked for (the kernel doubles it) */

/* ---- helpers ------------------------------------------------------------- */

static const char *stage = "start";

static void on_alarm(int sig)
{
  static const char m[] = "watchdog: hung in ";

  (void)sig;
  (void)!write(2, m, sizeof m - 1);
  (void)!write(2, stage, strlen(stage));
  (void)!write(2, "\n", 1);
  _exit(1);
}

/* Each test gets its own watchdog: a deadlock fails it instead of hanging. */
static void watchdog(const char *name, unsigned seconds)
{
  stage = name;
  alarm(seconds);
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bytes that differ per position and per seed, so a lost, doubled or
 * reordered chunk shows. */
static uint8_t *pattern(size_t len, uint32_t seed)
{
  uint8_t *p = malloc(len);
  uint32_t x = seed | 1;
  size_t i;

  ASSERT_NOT_NULL(p);
  for (i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (uint8_t)x;
  }
  return p;
}

static void small_buffers(int fd)
{
  int n = SOCKBUF;

  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &n, sizeof n), 0);
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &n, sizeof n), 0);
}

/* Two "tcp" connections over a socketpair with small socket buffers. */
static void unix_pair(struct cf_conn **a, struct cf_conn **b)
{
  int sp[2];

  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  small_buffers(sp[0]);
  small_buffers(sp[1]);
  ASSERT_EQ(cf_conn_from_fd("tcp", sp[0], a), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sp[1], b), 0);
}

static int write_all(struct cf_conn *c, const void *p, size_t len)
{
  struct iovec v = { (void *)p, len };
  return cf_conn_writev(c, &v, 1);
}

/* Wait until c's socket has something to read (bounded). */
static void await_readable(struct cf_conn *c)
{
  struct pollfd p = { cf_conn_fd(c), POLLIN, 0 };
  ASSERT_EQ(poll(&p, 1, 5000), 1);
}

/* ---- one side of a write-then-read exchange ------------------------------------ */

struct side {
  struct cf_conn *c;
  size_t ra_max;       /* 0: read-ahead off */
  const uint8_t *out;  /* len bytes to send, in three iovecs */
  uint8_t *in;         /* len bytes received */
  size_t len;
  int wrc, rrc;        /* writev and read_exact results */
  size_t buffered;     /* cf_conn_buffered right after the write */
};

static void *side_main(void *arg)
{
  struct side *s = arg;
  struct iovec iov[3] = {
    { (void *)s->out, 5 },
    { (void *)(s->out + 5), s->len - 8 },
    { (void *)(s->out + s->len - 3), 3 },
  };

  if (s->ra_max)
    ASSERT_EQ(cf_conn_set_read_ahead(s->c, s->ra_max), 0);
  s->wrc = cf_conn_writev(s->c, iov, 3);
  s->buffered = cf_conn_buffered(s->c);
  s->rrc = s->wrc == 0 ? cf_conn_read_exact(s->c, s->in, s->len) : s->wrc;
  return NULL;
}

static void side_init(struct side *s, struct cf_conn *c, size_t ra_max, uint32_t seed)
{
  memset(s, 0, sizeof *s);
  s->c = c;
  s->ra_max = ra_max;
  s->len = BIG;
  s->out = pattern(BIG, seed);
  s->in = malloc(BIG);
  ASSERT_NOT_NULL(s->in);
}

static void side_free(struct side *s)
{
  free((void *)s->out);
  free(s->in);
}

/* Both sides write BIG bytes, then read BIG bytes; each must get the
 * other's bytes intact, and at least one write must have read ahead. */
static void exchange(struct cf_conn *a, struct cf_conn *b, size_t ra_max)
{
  struct side sa, sb;
  pthread_t ta, tb;

  side_init(&sa, a, ra_max, 0x1234);
  side_init(&sb, b, ra_max, 0xbeef);
  ASSERT_EQ(pthread_create(&ta, NULL, side_main, &sa), 0);
  ASSERT_EQ(pthread_create(&tb, NULL, side_main, &sb), 0);
  ASSERT_EQ(pthread_join(ta, NULL), 0);
  ASSERT_EQ(pthread_join(tb, NULL), 0);
  ASSERT_EQ(sa.wrc, 0);
  ASSERT_EQ(sb.wrc, 0);
  ASSERT_EQ(sa.rrc, 0);
  ASSERT_EQ(sb.rrc, 0);
  ASSERT_MEM_EQ(sa.in, sb.out, BIG);
  ASSERT_MEM_EQ(sb.in, sa.out, BIG);
  printf("  buffered after the writes: %zu and %zu\n", sa.buffered, sb.buffered);
  ASSERT(sa.buffered > 0 || sb.buffered > 0);
  ASSERT_LE(sa.buffered, ra_max);
  ASSERT_LE(sb.buffered, ra_max);
  side_free(&sa);
  side_free(&sb);
}

/* ---- the API's edges ------------------------------------------------------------ */

static void test_api(void)
{
  struct cf_conn *a, *b;
  int sp[2];

  watchdog("test_api", 10);
  ASSERT_EQ(cf_conn_fd(NULL), -1);
  ASSERT_UEQ(cf_conn_buffered(NULL), 0);
  ASSERT_EQ(cf_conn_set_read_ahead(NULL, 1), CF_EINVAL);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sp[0], &a), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sp[1], &b), 0);
  ASSERT_EQ(cf_conn_fd(a), sp[0]);
  ASSERT_UEQ(cf_conn_buffered(a), 0);
  /* Socket data is not "buffered": only what the transport holds is. */
  ASSERT_EQ(write_all(b, "x", 1), 0);
  ASSERT_UEQ(cf_conn_buffered(a), 0);
  ASSERT_EQ(cf_conn_set_read_ahead(a, 1 << 20), 0);
  ASSERT_EQ(cf_conn_set_read_ahead(a, 0), 0);
  ASSERT_EQ(cf_conn_set_read_ahead(a, 100), 0);
  cf_conn_close(a); /* frees the read-ahead buffer (ASan checks) */
  cf_conn_close(b);
}

/* ---- 1. both write 16 MiB first: deadlock without read-ahead, fine with ----- */

static void test_tcp_exchange(void)
{
  struct cf_conn *a, *b;
  struct side sa, sb;
  pthread_t ta, tb;
  struct timespec ts;

  /* Off: both writers block on full sockets for good. Shutting the sockets
   * down frees them, so the test cleans up instead of hanging. */
  watchdog("test_tcp_exchange (off)", 30);
  unix_pair(&a, &b);
  side_init(&sa, a, 0, 1);
  side_init(&sb, b, 0, 2);
  ASSERT_EQ(pthread_create(&ta, NULL, side_main, &sa), 0);
  ASSERT_EQ(pthread_create(&tb, NULL, side_main, &sb), 0);
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 1;
  ASSERT_EQ(pthread_timedjoin_np(ta, NULL, &ts), ETIMEDOUT);
  ASSERT_EQ(shutdown(cf_conn_fd(a), SHUT_RDWR), 0);
  ASSERT_EQ(shutdown(cf_conn_fd(b), SHUT_RDWR), 0);
  ASSERT_EQ(pthread_join(ta, NULL), 0);
  ASSERT_EQ(pthread_join(tb, NULL), 0);
  ASSERT_NE(sa.wrc, 0);
  ASSERT_NE(sb.wrc, 0);
  side_free(&sa);
  side_free(&sb);
  cf_conn_close(a);
  cf_conn_close(b);

  watchdog("test_tcp_exchange (on)", 40);
  unix_pair(&a, &b);
  exchange(a, b, 2 * BIG);
  cf_conn_close(a);
  cf_conn_close(b);
}

/* ---- 3. the cap ---------------------------------------------------------------------- */

#define CAP ((size_t)64 << 10)
#define PEER_LEN ((size_t)1 << 20)
#define OUR_LEN ((size_t)4 << 20)

/* The peer writes PEER_LEN while reading ahead what we send (no cap to
 * speak of), then reads our OUR_LEN. */
static void *peer_main(void *arg)
{
  struct side *s = arg;

  ASSERT_EQ(cf_conn_set_read_ahead(s->c, 2 * OUR_LEN), 0);
  s->wrc = write_all(s->c, s->out, PEER_LEN);
  s->buffered = cf_conn_buffered(s->c);
  s->rrc = cf_conn_read_exact(s->c, s->in, OUR_LEN);
  return NULL;
}

static void test_cap(void)
{
  struct cf_conn *a, *b;
  struct side peer;
  pthread_t th;
  uint8_t *ours = pattern(OUR_LEN, 7), *got = malloc(PEER_LEN);
  size_t held;

  watchdog("test_cap", 30);
  ASSERT_NOT_NULL(got);
  unix_pair(&a, &b);
  memset(&peer, 0, sizeof peer);
  peer.c = b;
  peer.out = pattern(PEER_LEN, 8);
  peer.in = malloc(OUR_LEN);
  ASSERT_NOT_NULL(peer.in);
  ASSERT_EQ(pthread_create(&th, NULL, peer_main, &peer), 0);
  await_readable(a); /* the peer's bytes wait for us before we write */

  /* Our write blocks until the peer has read it all (ahead, while its own
   * write waits for us); we read ahead only up to the cap meanwhile, which
   * the peer's pending megabyte would otherwise overrun. */
  ASSERT_EQ(cf_conn_set_read_ahead(a, CAP), 0);
  ASSERT_EQ(write_all(a, ours, OUR_LEN), 0);
  held = cf_conn_buffered(a);
  printf("  held after the write with a %zu-byte cap: %zu\n", CAP, held);
  ASSERT_GT(held, 0);
  ASSERT_LE(held, CAP);

  /* Everything arrives intact both ways once we read. */
  ASSERT_EQ(cf_conn_read_exact(a, got, PEER_LEN), 0);
  ASSERT_MEM_EQ(got, peer.out, PEER_LEN);
  ASSERT_UEQ(cf_conn_buffered(a), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_EQ(peer.wrc, 0);
  ASSERT_EQ(peer.rrc, 0);
  ASSERT_MEM_EQ(peer.in, ours, OUR_LEN);
  cf_conn_close(a);
  cf_conn_close(b);
  free(ours);
  free(got);
  free((void *)peer.out);
  free(peer.in);
}

/* ---- 4. the peer writes and closes while we write -------------------------------- */

static void *write_close_main(void *arg)
{
  struct side *s = arg;

  s->wrc = write_all(s->c, s->out, s->len);
  cf_conn_close(s->c);
  return NULL;
}

static void test_eof(void)
{
  struct cf_conn *a, *b;
  struct side peer;
  pthread_t th;
  uint8_t *ours = pattern(OUR_LEN, 9), *got = malloc(PEER_LEN), x;

  watchdog("test_eof", 30);
  ASSERT_NOT_NULL(got);
  unix_pair(&a, &b);
  memset(&peer, 0, sizeof peer);
  peer.c = b;
  peer.len = PEER_LEN;
  peer.out = pattern(PEER_LEN, 10);
  ASSERT_EQ(cf_conn_set_read_ahead(a, 2 * PEER_LEN), 0);
  ASSERT_EQ(pthread_create(&th, NULL, write_close_main, &peer), 0);

  /* The peer never reads: our write fails as the socket says once it has
   * gone, and the EOF waits for the read that reaches it. */
  ASSERT_EQ(write_all(a, ours, OUR_LEN), CF_ECLOSED);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_EQ(peer.wrc, 0);
  ASSERT_GT(cf_conn_buffered(a), 0);
  ASSERT_EQ(cf_conn_read_exact(a, got, PEER_LEN), 0);
  ASSERT_MEM_EQ(got, peer.out, PEER_LEN);
  ASSERT_EQ(cf_conn_read_exact(a, &x, 1), CF_ECLOSED);
  ASSERT_EQ(cf_conn_read_exact(a, &x, 1), CF_ECLOSED);
  cf_conn_close(a);
  free(ours);
  free(got);
  free((void *)peer.out);
}

/* ---- 5. receive timeouts with read-ahead on ---------------------------------------- */

static void *late_reader_main(void *arg)
{
  struct side *s = arg;

  usleep(100 * 1000);
  s->rrc = cf_conn_read_exact(s->c, s->in, s->len);
  return NULL;
}

static void test_timeout(void)
{
  struct cf_conn *a, *b;
  struct side peer;
  pthread_t th;
  uint8_t *ours = pattern(OUR_LEN, 11);
  char buf[16];
  int64_t t0, dt;

  watchdog("test_timeout", 30);
  unix_pair(&a, &b);
  ASSERT_EQ(cf_conn_set_read_ahead(a, CAP), 0);
  ASSERT_EQ(cf_conn_set_timeout(a, 150), 0);

  /* Nothing held, nothing sent. */
  t0 = now_ms();
  ASSERT_EQ(cf_conn_read_exact(a, buf, 1), CF_ETIMEDOUT);
  dt = now_ms() - t0;
  ASSERT_GE(dt, 140);
  ASSERT_LT(dt, 3000);

  /* Ten bytes read ahead during a write; a read wanting more than those
   * still times out, and the connection stays usable. */
  ASSERT_EQ(write_all(b, "0123456789", 10), 0);
  memset(&peer, 0, sizeof peer);
  peer.c = b;
  peer.len = OUR_LEN;
  peer.in = malloc(OUR_LEN);
  ASSERT_NOT_NULL(peer.in);
  ASSERT_EQ(pthread_create(&th, NULL, late_reader_main, &peer), 0);
  ASSERT_EQ(write_all(a, ours, OUR_LEN), 0);
  ASSERT_UEQ(cf_conn_buffered(a), 10);
  ASSERT_EQ(cf_conn_read_exact(a, buf, 4), 0);
  ASSERT_MEM_EQ(buf, "0123", 4);
  t0 = now_ms();
  ASSERT_EQ(cf_conn_read_exact(a, buf, 7), CF_ETIMEDOUT);
  ASSERT_GE(now_ms() - t0, 140);
  ASSERT_EQ(write_all(b, "z", 1), 0);
  ASSERT_EQ(cf_conn_read_exact(a, buf, 1), 0);
  ASSERT_EQ(buf[0], 'z');
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_EQ(peer.rrc, 0);
  ASSERT_MEM_EQ(peer.in, ours, OUR_LEN);
  cf_conn_close(a);
  cf_conn_close(b);
  free(ours);
  free(peer.in);
}

/* ---- 2. the exchange over TLS ------------------------------------------------------ */

#if CF_HAVE_TLS
struct accepter {
  int lfd;
  struct cf_tls_ctx *ctx;
  struct cf_conn *conn;
  int rc;
  char err[512];
};

static void *accept_main(void *arg)
{
  struct accepter *s = arg;
  int fd = accept(s->lfd, NULL, NULL);

  ASSERT_GE(fd, 0);
  s->rc = cf_conn_accept_tls(fd, s->ctx, 5000, &s->conn, NULL, s->err, sizeof s->err);
  if (s->rc != 0)
    close(fd);
  return NULL;
}

static struct cf_tls_ctx *cctx, *sctx;

/* A TLS client and server connection on loopback with small socket
 * buffers. */
static void tls_pair(struct cf_conn **cl, struct cf_conn **sv)
{
  struct accepter s;
  struct sockaddr_in sa;
  socklen_t sl = sizeof sa;
  struct cf_url u;
  pthread_t th;
  char err[512], url[64];

  memset(&s, 0, sizeof s);
  s.ctx = sctx;
  s.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(s.lfd, 0);
  small_buffers(s.lfd); /* inherited by the accepted socket */
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s.lfd, (struct sockaddr *)&sa, sizeof sa), 0);
  ASSERT_EQ(listen(s.lfd, 4), 0);
  ASSERT_EQ(getsockname(s.lfd, (struct sockaddr *)&sa, &sl), 0);
  snprintf(url, sizeof url, "tls://localhost:%u", (unsigned)ntohs(sa.sin_port));
  ASSERT_EQ(cf_url_parse(url, &u), 0);

  ASSERT_EQ(pthread_create(&th, NULL, accept_main, &s), 0);
  if (cf_conn_connect_tls(&u, cctx, 5000, cl, err, sizeof err) != 0)
    CF_FAIL_("connect_tls: %s", err);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  if (s.rc != 0)
    CF_FAIL_("accept_tls: %s", s.err);
  close(s.lfd);
  /* Early enough: the connection has carried only the handshake. */
  small_buffers(cf_conn_fd(*cl));
  *sv = s.conn;
}

static void test_tls_exchange(void)
{
  struct cf_conn *cl, *sv;
  char x;
  int64_t t0;

  watchdog("test_tls_exchange", 40);
  tls_pair(&cl, &sv);
  exchange(cl, sv, 2 * BIG);

  /* Receive timeouts still hold with read-ahead on, and leave it usable. */
  ASSERT_EQ(cf_conn_set_timeout(cl, 150), 0);
  t0 = now_ms();
  ASSERT_EQ(cf_conn_read_exact(cl, &x, 1), CF_ETIMEDOUT);
  ASSERT_GE(now_ms() - t0, 140);
  ASSERT_EQ(write_all(sv, "q", 1), 0);
  ASSERT_EQ(cf_conn_read_exact(cl, &x, 1), 0);
  ASSERT_EQ(x, 'q');
  cf_conn_close(cl);
  cf_conn_close(sv);
}

/* The peer waits until the kernel has sent all it wrote before closing:
 * a close with our bytes unread resets the connection, which would drop
 * what it still queues. */
static void *tls_write_close_main(void *arg)
{
  struct side *s = arg;
  int i, q = 1;

  s->wrc = write_all(s->c, s->out, s->len);
  for (i = 0; i < 5000 && q > 0; i++) {
    ASSERT_EQ(ioctl(cf_conn_fd(s->c), SIOCOUTQ, &q), 0);
    if (q > 0)
      usleep(1000);
  }
  ASSERT_EQ(q, 0);
  cf_conn_close(s->c);
  return NULL;
}

static void test_tls_eof(void)
{
  struct cf_conn *cl, *sv;
  struct side peer;
  pthread_t th;
  uint8_t *ours = pattern(OUR_LEN, 12), *got = malloc(PEER_LEN), x;

  watchdog("test_tls_eof", 30);
  ASSERT_NOT_NULL(got);
  tls_pair(&cl, &sv);
  memset(&peer, 0, sizeof peer);
  peer.c = sv;
  peer.len = PEER_LEN;
  peer.out = pattern(PEER_LEN, 13);
  ASSERT_EQ(cf_conn_set_read_ahead(cl, 2 * PEER_LEN), 0);
  ASSERT_EQ(pthread_create(&th, NULL, tls_write_close_main, &peer), 0);
  ASSERT_EQ(write_all(cl, ours, OUR_LEN), CF_ECLOSED);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_EQ(peer.wrc, 0);
  ASSERT_GT(cf_conn_buffered(cl), 0);
  ASSERT_EQ(cf_conn_read_exact(cl, got, PEER_LEN), 0);
  ASSERT_MEM_EQ(got, peer.out, PEER_LEN);
  ASSERT_EQ(cf_conn_read_exact(cl, &x, 1), CF_ECLOSED);
  /* Writing on stays refused. */
  ASSERT_NE(write_all(cl, "x", 1), 0);
  cf_conn_close(cl);
  free(ours);
  free(got);
  free((void *)peer.out);
}

/* cf_conn_buffered sees what OpenSSL holds: a record decrypted but not all
 * read (SSL_pending), and records it took off the socket in one recv but
 * has not processed yet (its own read_ahead), which no poll of the socket
 * can see: a reader that polls when buffered() is 0 would wait forever. */
static void test_tls_buffered(void)
{
  struct cf_conn *cl, *sv;
  struct pollfd p;
  char buf[8];

  watchdog("test_tls_buffered", 20);
  tls_pair(&cl, &sv);
  ASSERT_UEQ(cf_conn_buffered(cl), 0);
  ASSERT_EQ(write_all(sv, "aaaabbbb", 8), 0); /* one record */
  ASSERT_EQ(write_all(sv, "cccc", 4), 0);     /* a second one */
  usleep(50 * 1000);                          /* both have arrived */
  ASSERT_EQ(cf_conn_read_exact(cl, buf, 4), 0);
  ASSERT_MEM_EQ(buf, "aaaa", 4);
  ASSERT_UEQ(cf_conn_buffered(cl), 4);        /* decrypted, not read */
  ASSERT_EQ(cf_conn_read_exact(cl, buf, 4), 0);
  ASSERT_MEM_EQ(buf, "bbbb", 4);
  p = (struct pollfd){ cf_conn_fd(cl), POLLIN, 0 };
  ASSERT_EQ(poll(&p, 1, 0), 0);               /* the socket is empty */
  ASSERT_GT(cf_conn_buffered(cl), 0);         /* yet a record waits */
  ASSERT_EQ(cf_conn_read_exact(cl, buf, 4), 0);
  ASSERT_MEM_EQ(buf, "cccc", 4);
  ASSERT_UEQ(cf_conn_buffered(cl), 0);
  cf_conn_close(cl);
  cf_conn_close(sv);
}

static void tls_tests(void)
{
  struct cf_tls_config ccfg = { cf_tls_path("ca.pem"), NULL, NULL };
  struct cf_tls_config scfg = { NULL, cf_tls_path("srv.pem"), cf_tls_path("srv.key") };
  char err[512];

  if (cf_tls_ctx_new_client(&ccfg, &cctx, err, sizeof err) != 0)
    CF_FAIL_("client ctx: %s", err);
  if (cf_tls_ctx_new_server(&scfg, &sctx, err, sizeof err) != 0)
    CF_FAIL_("server ctx: %s", err);
  test_tls_buffered();
  test_tls_exchange();
  test_tls_eof();
  cf_tls_ctx_free(cctx);
  cf_tls_ctx_free(sctx);
}
#endif

int main(void)
{
  signal(SIGALRM, on_alarm);
  test_api();
  test_tcp_exchange();
  test_cap();
  test_eof();
  test_timeout();
#if CF_HAVE_TLS
  alarm(60);
  cf_tls_certs_make();
  tls_tests();
#endif
  alarm(0);
  printf("test_read_ahead: ok\n");
  return 0;
}
