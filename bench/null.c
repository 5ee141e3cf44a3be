/* The `null` suite: the round trip of a call that does no work on the
 * server (cuCtxGetCurrent through the stub), against baselines measured in
 * the same run: raw ping-pongs of frames of the same size over plain TCP and
 * over TLS (cuferry's own TLS transport with a throw-away certificate) on
 * loopback, to an echo thread in this process. Run the server on this host
 * for the ratios to mean "cuferry's overhead over the bare transport"; with a
 * tls:// server the ratio to raw TCP is what TLS and cuferry cost together. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cuda.h>

#include "bench.h"
#include "cf_frame.h"
#include "cf_transport.h"

#define WARMUP 100
#define PING_BODY 16 /* about a small request's packed size */

/* --- the baselines: an echo thread and a client of it --------------------- */

struct echo {
  int lfd;
  struct cf_tls_ctx *tls; /* NULL: plain TCP */
};

static void *echo_main(void *arg)
{
  const struct echo *e = arg;
  int fd = accept(e->lfd, NULL, NULL);
  struct cf_conn *c;
  struct cf_frame_limits lim = { CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK };
  struct cf_frame f;
  char err[256];

  if (fd < 0)
    return NULL;
  if (e->tls ? cf_conn_accept_tls(fd, e->tls, 5000, &c, NULL, err, sizeof err)
             : cf_conn_from_fd("tcp", fd, &c)) {
    close(fd);
    return NULL;
  }
  while (cf_frame_recv(c, &lim, NULL, 0, &f) == 0) {
    int rc = cf_frame_send(c, CF_FRAME_REPLY, f.h.lane, f.h.op, f.h.seq, f.body,
                           f.h.body_len, NULL, 0);
    cf_frame_release(&f);
    if (rc != 0)
      break;
  }
  cf_conn_close(c);
  return NULL;
}

/* Frames of PING_BODY bytes to the echo thread and back, over TCP or, with
 * a server and client context, TLS; ns[i] is each round trip. */
static int raw_pingpong(uint64_t *ns, int iters, struct cf_tls_ctx *srv_tls,
                        struct cf_tls_ctx *cli_tls)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t alen = sizeof a;
  struct echo e = { socket(AF_INET, SOCK_STREAM, 0), srv_tls };
  struct cf_frame_limits lim = { CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK };
  struct cf_url u = { .scheme = "tcp", .host = "127.0.0.1" };
  struct cf_conn *c;
  uint8_t body[PING_BODY] = { 0 };
  char err[256];
  pthread_t t;
  int rc = -1;

  if (e.lfd < 0 || bind(e.lfd, (struct sockaddr *)&a, sizeof a) || listen(e.lfd, 1) ||
      getsockname(e.lfd, (struct sockaddr *)&a, &alen)) {
    if (e.lfd >= 0)
      close(e.lfd);
    return -1;
  }
  u.port = ntohs(a.sin_port);
  if (srv_tls)
    snprintf(u.scheme, sizeof u.scheme, "tls");
  pthread_create(&t, NULL, echo_main, &e);
  if ((cli_tls ? cf_conn_connect_tls(&u, cli_tls, 5000, &c, err, sizeof err)
               : cf_conn_connect(&u, 5000, &c, err, sizeof err)) != 0) {
    fprintf(stderr, "cuferry-bench: baseline: %s\n", err);
    shutdown(e.lfd, SHUT_RDWR);
    goto out;
  }
  for (int i = -WARMUP; i < iters; i++) {
    struct cf_frame f;
    uint64_t t0 = cf_bench_now_ns();
    if (cf_frame_send(c, CF_FRAME_CALL, 1, 1, (uint64_t)i, body, sizeof body, NULL, 0) ||
        cf_frame_recv(c, &lim, NULL, 0, &f))
      break;
    cf_frame_release(&f);
    if (i >= 0)
      ns[i] = cf_bench_now_ns() - t0;
    if (i == iters - 1)
      rc = 0;
  }
  cf_conn_close(c);
out:
  pthread_join(t, NULL);
  close(e.lfd);
  return rc;
}

/* --- the forwarded null call ------------------------------------------- */

static int null_calls(uint64_t *ns, int iters)
{
  CUcontext ctx;
  CUresult r = cuInit(0);
  if (r != CUDA_SUCCESS) {
    fprintf(stderr, "cuferry-bench: cuInit failed (%d)\n", r);
    return -1;
  }
  for (int i = -WARMUP; i < iters; i++) {
    uint64_t t0 = cf_bench_now_ns();
    if ((r = cuCtxGetCurrent(&ctx)) != CUDA_SUCCESS) {
      fprintf(stderr, "cuferry-bench: cuCtxGetCurrent failed (%d)\n", r);
      return -1;
    }
    if (i >= 0)
      ns[i] = cf_bench_now_ns() - t0;
  }
  return 0;
}

/* The transport the stub will use: CUFERRY_SERVER's scheme, else what the
 * config file says (not read here). */
static const char *server_transport(void)
{
  const char *url = getenv("CUFERRY_SERVER");

  if (!url)
    return "configured";
  return !strncmp(url, "tls://", 6) ? "tls" : !strncmp(url, "tcp://", 6) ? "tcp" : "other";
}

int cf_bench_null(const struct cf_bench_opts *o)
{
  uint64_t *raw = calloc((size_t)o->iters, sizeof *raw);
  uint64_t *raw_tls = calloc((size_t)o->iters, sizeof *raw_tls);
  uint64_t *fwd = calloc((size_t)o->iters, sizeof *fwd);
  struct cf_tls_ctx *srv_tls = NULL, *cli_tls = NULL;
  struct cf_bench_stats a, t = { 0, 0, 0 }, b;
  char err[256];
  int have_tls, rc = 1;

  if (!raw || !raw_tls || !fwd || raw_pingpong(raw, o->iters, NULL, NULL))
    goto out;
  have_tls = cf_bench_tls_pair(&srv_tls, &cli_tls, err, sizeof err) == 0 &&
             raw_pingpong(raw_tls, o->iters, srv_tls, cli_tls) == 0;
  if (!have_tls)
    fprintf(stderr, "cuferry-bench: no raw TLS baseline: %s\n", err);
  if (null_calls(fwd, o->iters))
    goto out;
  a = cf_bench_summarise(raw, o->iters);
  if (have_tls)
    t = cf_bench_summarise(raw_tls, o->iters);
  b = cf_bench_summarise(fwd, o->iters);
  if (o->json) {
    printf("{\"suite\":\"null\",\"iters\":%d,\"transport\":\"%s\","
           "\"baseline_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},",
           o->iters, server_transport(), a.p50, a.p99, a.p999);
    if (have_tls)
      printf("\"baseline_tls_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
             "\"ratio_p50_tls\":%.3f,", t.p50, t.p99, t.p999, b.p50 / t.p50);
    printf("\"cuferry_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
           "\"ratio_p50\":%.3f}\n", b.p50, b.p99, b.p999, b.p50 / a.p50);
  } else {
    printf("null-call round trip, %d iterations (microseconds), stub over %s\n", o->iters,
           server_transport());
    printf("  %-32s %9s %9s %9s\n", "", "p50", "p99", "p99.9");
    printf("  %-32s %9.2f %9.2f %9.2f\n", "raw TCP ping-pong (baseline)", a.p50, a.p99, a.p999);
    if (have_tls)
      printf("  %-32s %9.2f %9.2f %9.2f\n", "raw TLS ping-pong (baseline)", t.p50, t.p99,
             t.p999);
    printf("  %-32s %9.2f %9.2f %9.2f\n", "cuCtxGetCurrent via cuferry", b.p50, b.p99, b.p999);
    printf("  ratio (p50): %.2fx raw TCP", b.p50 / a.p50);
    if (have_tls)
      printf(", %.2fx raw TLS", b.p50 / t.p50);
    printf("\n");
  }
  rc = 0;
out:
  cf_tls_ctx_free(srv_tls);
  cf_tls_ctx_free(cli_tls);
  free(raw);
  free(raw_tls);
  free(fwd);
  return rc;
}
