/* Unit tests for the TCP transport (transport/tcp.c, conn.c) and frames over
 * it: connect to a listener on 127.0.0.1 with a port the kernel picks, frames
 * both ways, a large frame through a reader thread (partial writes), a
 * refused port, a receive timeout on a silent peer, a connect timeout against
 * a full backlog, schemes that parse but are not built in, and that sockets
 * are close-on-exec and a write to a closed peer gives CF_ECLOSED, not
 * SIGPIPE. */
#include <arpa/inet.h>
#include <fcntl.h>
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

static const struct cf_frame_limits deflim = {
  CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK
};

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening socket on 127.0.0.1:<kernel's pick>. */
static int listen_any(int backlog, uint16_t *port)
{
  struct sockaddr_in a;
  socklen_t sl = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  ASSERT_GE(fd, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ASSERT_EQ(listen(fd, backlog), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &sl), 0);
  *port = ntohs(a.sin_port);
  return fd;
}

static void url_for(struct cf_url *u, uint16_t port)
{
  char s[64];
  snprintf(s, sizeof s, "tcp://127.0.0.1:%u", (unsigned)port);
  ASSERT_EQ(cf_url_parse(s, u), 0);
}

/* ---- frames over a real TCP connection ------------------------------------ */

#define BIG_BULK ((size_t)8 << 20)

struct reader {
  struct cf_conn *c;
  int rc;
  struct cf_frame f;
};

static void *reader_main(void *arg)
{
  struct reader *r = arg;
  r->rc = cf_frame_recv(r->c, &deflim, NULL, 0, &r->f);
  return NULL;
}

static void test_connect_and_frames(void)
{
  struct cf_url u;
  struct cf_conn *cl, *sv;
  struct cf_frame f;
  char err[256], peer[128];
  uint16_t port;
  int lfd, afd, fl;

  lfd = listen_any(4, &port);
  url_for(&u, port);
  ASSERT_EQ(cf_conn_connect(&u, 2000, &cl, err, sizeof err), 0);
  ASSERT_STR_EQ(err, "");
  afd = accept(lfd, NULL, NULL);
  ASSERT_GE(afd, 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", afd, &sv), 0);

  cf_conn_peer(cl, peer, sizeof peer);
  {
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)port);
    ASSERT_STR_EQ(peer, want);
  }
  cf_conn_peer(sv, peer, sizeof peer);
  ASSERT(!strncmp(peer, "127.0.0.1:", 10));

  /* from_fd marks the fd close-on-exec (connect creates it with
   * SOCK_CLOEXEC); the connection's fd is not exposed, so check a fresh one. */
  {
    struct cf_conn *t;
    int sp[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    ASSERT_EQ(cf_conn_from_fd("tcp", sp[0], &t), 0);
    fl = fcntl(sp[0], F_GETFD);
    ASSERT(fl & FD_CLOEXEC);
    cf_conn_close(t);
    close(sp[1]);
  }

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

  /* 8 MiB bulk: more than the socket buffers hold, so writev sees partial
   * writes while a reader thread drains. */
  {
    uint8_t *big = malloc(BIG_BULK);
    struct reader r;
    pthread_t th;
    size_t i;

    ASSERT_NOT_NULL(big);
    for (i = 0; i < BIG_BULK; i++)
      big[i] = (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
    memset(&r, 0, sizeof r);
    r.c = sv;
    ASSERT_EQ(pthread_create(&th, NULL, reader_main, &r), 0);
    ASSERT_EQ(cf_frame_send(cl, CF_FRAME_CALL, 5, 77, 2, "body", 4, big, BIG_BULK), 0);
    ASSERT_EQ(pthread_join(th, NULL), 0);
    ASSERT_EQ(r.rc, 0);
    ASSERT_UEQ(r.f.h.bulk_len, BIG_BULK);
    ASSERT_UEQ(r.f.h.lane, 5);
    ASSERT_MEM_EQ(r.f.bulk, big, BIG_BULK);
    cf_frame_release(&r.f);
    free(big);
  }

  /* Many iovecs (more than one sendmsg batch), some empty. */
  {
    struct iovec iov[200];
    char got[200];
    int i;
    for (i = 0; i < 200; i++) {
      iov[i].iov_base = (char *)"abcdefghij" + (i % 10);
      iov[i].iov_len = (i % 3) ? 1 : 0;
    }
    ASSERT_EQ(cf_conn_writev(cl, iov, 200), 0);
    {
      size_t n = 0;
      for (i = 0; i < 200; i++)
        n += iov[i].iov_len;
      ASSERT_EQ(cf_conn_read_exact(sv, got, n), 0);
      for (i = 0, n = 0; i < 200; i++)
        if (iov[i].iov_len)
          ASSERT_EQ(got[n++], "abcdefghij"[i % 10]);
    }
  }

  /* Peer closes: reads give CF_ECLOSED; writes give CF_ECLOSED, no SIGPIPE
   * (the default SIGPIPE action would kill this test). */
  cf_conn_close(sv);
  ASSERT_EQ(cf_conn_read_exact(cl, err, 1), CF_ECLOSED);
  {
    int i, rc = 0;
    for (i = 0; i < 100 && rc == 0; i++)
      rc = cf_frame_send(cl, CF_FRAME_BYE, 0, 0, 9, "x", 1, NULL, 0);
    ASSERT_EQ(rc, CF_ECLOSED);
  }
  cf_conn_close(cl);
  close(lfd);
}

/* ---- failures --------------------------------------------------------------- */

static void test_refused(void)
{
  struct cf_url u;
  struct cf_conn *c = (struct cf_conn *)&u;
  char err[256];
  uint16_t port;
  int fd = listen_any(1, &port);

  close(fd); /* the port is now closed */
  url_for(&u, port);
  ASSERT_EQ(cf_conn_connect(&u, 2000, &c, err, sizeof err), CF_EREFUSED);
  ASSERT_NULL(c);
  ASSERT_NOT_NULL(strstr(err, "connection refused"));
}

static void test_recv_timeout(void)
{
  struct cf_url u;
  struct cf_conn *c;
  struct cf_frame f;
  char err[256];
  uint16_t port;
  int lfd = listen_any(4, &port), afd;
  int64_t t0, dt;

  url_for(&u, port);
  ASSERT_EQ(cf_conn_connect(&u, 2000, &c, err, sizeof err), 0);
  afd = accept(lfd, NULL, NULL);
  ASSERT_GE(afd, 0);
  ASSERT_EQ(cf_conn_set_timeout(c, 150), 0);
  t0 = now_ms();
  ASSERT_EQ(cf_frame_recv(c, &deflim, NULL, 0, &f), CF_ETIMEDOUT);
  dt = now_ms() - t0;
  ASSERT_GE(dt, 140);
  ASSERT_LT(dt, 3000);

  /* One deadline per read: a peer sending a byte every 50 ms cannot keep a
   * 150 ms read alive. */
  {
    int i;
    t0 = now_ms();
    for (i = 0; i < 2; i++) {
      ASSERT_EQ(write(afd, "x", 1), 1);
      usleep(50 * 1000);
    }
    ASSERT_EQ(cf_conn_read_exact(c, err, 40), CF_ETIMEDOUT);
    ASSERT_LT(now_ms() - t0, 1000);
  }
  ASSERT_EQ(cf_conn_set_timeout(c, -1), CF_EINVAL);
  cf_conn_close(c);
  close(afd);
  close(lfd);
}

/* A listener with a full accept queue drops SYNs, so connect hangs until our
 * timeout. Linux-specific; skipped quietly-but-visibly if the queue never
 * fills. */
static void test_connect_timeout(void)
{
  struct cf_url u;
  struct cf_conn *c, *held[16];
  char err[256];
  uint16_t port;
  int lfd = listen_any(0, &port), i, n = 0, rc = 0;
  int64_t t0, dt = 0;

  url_for(&u, port);
  for (i = 0; i < 16; i++) {
    t0 = now_ms();
    rc = cf_conn_connect(&u, 200, &c, err, sizeof err);
    dt = now_ms() - t0;
    if (rc != 0)
      break;
    held[n++] = c;
  }
  if (rc == 0) {
    fprintf(stderr, "test_connect_timeout: accept queue never filled; not checked\n");
  } else {
    ASSERT_EQ(rc, CF_ETIMEDOUT);
    ASSERT_NOT_NULL(strstr(err, "timed out"));
    ASSERT_GE(dt, 190);
    ASSERT_LT(dt, 2000);
  }
  for (i = 0; i < n; i++)
    cf_conn_close(held[i]);
  close(lfd);
}

static void test_unsupported(void)
{
  struct cf_url u;
  struct cf_conn *c;
  char err[256];

  ASSERT_EQ(cf_url_parse("tls://127.0.0.1:1", &u), 0);
  ASSERT_EQ(cf_conn_connect(&u, 100, &c, err, sizeof err), CF_EUNSUP);
  ASSERT_NULL(c);
  ASSERT_NOT_NULL(strstr(err, "tls://"));
  ASSERT_NOT_NULL(strstr(err, "not supported"));
  ASSERT_EQ(cf_url_parse("rdma://127.0.0.1:1", &u), 0);
  ASSERT_EQ(cf_conn_connect(&u, 100, &c, err, sizeof err), CF_EUNSUP);
  ASSERT_NOT_NULL(strstr(err, "rdma://"));

  ASSERT_EQ(cf_conn_from_fd("tls", 0, &c), CF_EUNSUP);
  ASSERT_EQ(cf_conn_from_fd("bogus", 0, &c), CF_EUNSUP);
  ASSERT_EQ(cf_conn_from_fd("tcp", -1, &c), CF_EINVAL);
  ASSERT_EQ(cf_conn_connect(NULL, 100, &c, err, sizeof err), CF_EINVAL);
  {
    int p[2];
    ASSERT_EQ(pipe(p), 0); /* not a socket */
    ASSERT_EQ(cf_conn_from_fd("tcp", p[0], &c), CF_EINVAL);
    close(p[0]);
    close(p[1]);
  }
  cf_conn_close(NULL);
}

int main(void)
{
  test_connect_and_frames();
  test_refused();
  test_recv_timeout();
  test_connect_timeout();
  test_unsupported();
  printf("test_tcp: ok\n");
  return 0;
}
