/* The baselines' far end: a child process serving one connection
 * over loopback, plain TCP or TLS (cuferry's own transport, with the
 * throw-away identity of tls_pair.c), speaking cuferry frames:
 *   op CF_BENCH_ECHO    reply with the same body (the latency baseline)
 *   op CF_BENCH_SINK    take the frame's bulk, reply with an empty body
 *                       (host-to-device bandwidth)
 *   op CF_BENCH_SOURCE  the body is a little-endian u64 n: reply with n bulk
 *                       bytes (device-to-host bandwidth)
 * So a baseline moves the same bytes in the same frames over the same
 * transport as cuferry does, minus everything cuferry adds. It is a process
 * of its own, as cuferryd's worker is, so the scheduler places both far ends
 * alike: as a thread of this process its ping-pong ran 2x faster or slower
 * from run to run depending on which core it shared. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cf_frame.h"
#include "cf_transport.h"

struct cf_bench_peer {
  int lfd;
  pid_t child;
  struct cf_tls_ctx *srv_tls, *cli_tls;
  struct cf_conn *conn; /* the client side */
  uint8_t *source;      /* bytes the source op sends */
  size_t source_len;
};

static const struct cf_frame_limits lim = { CF_FRAME_DEFAULT_MAX_BODY,
                                            CF_FRAME_DEFAULT_MAX_BULK };

static void serve(struct cf_bench_peer *p)
{
  int fd = accept(p->lfd, NULL, NULL);
  struct cf_conn *c;
  struct cf_frame f;
  char err[256];

  if (fd < 0)
    return;
  if (p->srv_tls ? cf_conn_accept_tls(fd, p->srv_tls, 5000, &c, NULL, err, sizeof err)
                 : cf_conn_from_fd("tcp", fd, &c)) {
    close(fd);
    return;
  }
  while (cf_frame_recv(c, &lim, NULL, 0, &f) == 0) {
    int rc = 0;

    if (f.h.op == CF_BENCH_ECHO) {
      rc = cf_frame_send(c, CF_FRAME_REPLY, f.h.lane, f.h.op, f.h.seq, f.body, f.h.body_len,
                         NULL, 0);
    } else if (f.h.op == CF_BENCH_SINK) {
      rc = cf_frame_send(c, CF_FRAME_REPLY, f.h.lane, f.h.op, f.h.seq, NULL, 0, NULL, 0);
    } else if (f.h.op == CF_BENCH_SOURCE && f.h.body_len == 8) {
      uint64_t n = 0;

      for (int i = 7; i >= 0; i--)
        n = n << 8 | f.body[i];
      rc = n <= p->source_len
               ? cf_frame_send(c, CF_FRAME_REPLY, f.h.lane, f.h.op, f.h.seq, NULL, 0,
                               p->source, (size_t)n)
               : -1;
    } else {
      rc = -1;
    }
    cf_frame_release(&f);
    if (rc != 0)
      break;
  }
  cf_conn_close(c);
}

struct cf_bench_peer *cf_bench_peer_open(int tls, size_t source_len, char *err, size_t errlen)
{
  struct cf_bench_peer *p = calloc(1, sizeof *p);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t alen = sizeof a;
  struct cf_url u = { .scheme = "tcp", .host = "127.0.0.1" };

  if (!p) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  p->lfd = -1;
  p->child = -1;
  if (source_len && !(p->source = calloc(1, source_len))) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  p->source_len = source_len;
  if (tls && cf_bench_tls_pair(&p->srv_tls, &p->cli_tls, err, errlen) != 0)
    goto fail;
  if ((p->lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
      bind(p->lfd, (struct sockaddr *)&a, sizeof a) || listen(p->lfd, 1) ||
      getsockname(p->lfd, (struct sockaddr *)&a, &alen)) {
    snprintf(err, errlen, "cannot listen on loopback");
    goto fail;
  }
  u.port = ntohs(a.sin_port);
  if (tls)
    snprintf(u.scheme, sizeof u.scheme, "tls");
  fflush(NULL);
  if ((p->child = fork()) < 0) {
    snprintf(err, errlen, "cannot start the echo process");
    goto fail;
  }
  if (p->child == 0) {
    serve(p);
    _exit(0);
  }
  if ((tls ? cf_conn_connect_tls(&u, p->cli_tls, 5000, &p->conn, err, errlen)
           : cf_conn_connect(&u, 5000, &p->conn, err, errlen)) != 0)
    goto fail;
  return p;
fail:
  if (p->child > 0) {
    kill(p->child, SIGKILL);
    waitpid(p->child, NULL, 0);
  }
  if (p->lfd >= 0)
    close(p->lfd);
  cf_tls_ctx_free(p->srv_tls);
  cf_tls_ctx_free(p->cli_tls);
  free(p->source);
  free(p);
  return NULL;
}

int cf_bench_peer_call(struct cf_bench_peer *p, uint32_t op, const void *body, size_t body_len,
                       const void *bulk, size_t bulk_len, void *bulk_out, size_t bulk_cap)
{
  static uint64_t seq;
  struct cf_frame f;
  int rc = cf_frame_send(p->conn, CF_FRAME_CALL, 1, op, ++seq, body, body_len, bulk, bulk_len);

  if (rc == 0 && (rc = cf_frame_recv(p->conn, &lim, bulk_out, bulk_cap, &f)) == 0)
    cf_frame_release(&f);
  return rc;
}

void cf_bench_peer_close(struct cf_bench_peer *p)
{
  if (!p)
    return;
  cf_conn_close(p->conn); /* the echo process sees the end and exits */
  waitpid(p->child, NULL, 0);
  close(p->lfd);
  cf_tls_ctx_free(p->srv_tls);
  cf_tls_ctx_free(p->cli_tls);
  free(p->source);
  free(p);
}
