/* The `null` suite: the round trip of a call that does no work on the
 * server (cuCtxGetCurrent through the stub), against a baseline measured in
 * the same run: a raw ping-pong of frames of the same size over the same
 * transport (TCP on loopback, to an echo thread in this process). Run the
 * server on this host for the ratio to mean "cuferry's overhead over the bare
 * transport". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cuda.h>

#include "bench.h"
#include "cf_frame.h"
#include "cf_transport.h"

#define WARMUP 100
#define PING_BODY 16 /* about a small request's packed size */

/* --- the baseline: an echo thread and a client of it ---------------------- */

static void *echo_main(void *arg)
{
  int lfd = *(int *)arg, fd = accept(lfd, NULL, NULL);
  struct cf_conn *c;
  struct cf_frame_limits lim = { CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK };
  struct cf_frame f;

  if (fd < 0 || cf_conn_from_fd("tcp", fd, &c) != 0)
    return NULL;
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

static int raw_pingpong(uint64_t *ns, int iters)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t alen = sizeof a;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct cf_frame_limits lim = { CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK };
  struct cf_url u = { .scheme = "tcp", .host = "127.0.0.1" };
  struct cf_conn *c;
  uint8_t body[PING_BODY] = { 0 };
  char err[256];
  pthread_t t;

  if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 1) ||
      getsockname(lfd, (struct sockaddr *)&a, &alen))
    return -1;
  u.port = ntohs(a.sin_port);
  pthread_create(&t, NULL, echo_main, &lfd);
  if (cf_conn_connect(&u, 5000, &c, err, sizeof err) != 0) {
    fprintf(stderr, "cuferry-bench: baseline: %s\n", err);
    return -1;
  }
  for (int i = -WARMUP; i < iters; i++) {
    struct cf_frame f;
    uint64_t t0 = cf_bench_now_ns();
    if (cf_frame_send(c, CF_FRAME_CALL, 1, 1, (uint64_t)i, body, sizeof body, NULL, 0) ||
        cf_frame_recv(c, &lim, NULL, 0, &f))
      return -1;
    cf_frame_release(&f);
    if (i >= 0)
      ns[i] = cf_bench_now_ns() - t0;
  }
  cf_conn_close(c);
  pthread_join(t, NULL);
  close(lfd);
  return 0;
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

int cf_bench_null(const struct cf_bench_opts *o)
{
  uint64_t *raw = calloc((size_t)o->iters, sizeof *raw);
  uint64_t *fwd = calloc((size_t)o->iters, sizeof *fwd);
  struct cf_bench_stats a, b;
  int rc = 1;

  if (!raw || !fwd || raw_pingpong(raw, o->iters) || null_calls(fwd, o->iters))
    goto out;
  a = cf_bench_summarise(raw, o->iters);
  b = cf_bench_summarise(fwd, o->iters);
  if (o->json)
    printf("{\"suite\":\"null\",\"iters\":%d,"
           "\"baseline_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
           "\"cuferry_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
           "\"ratio_p50\":%.3f}\n",
           o->iters, a.p50, a.p99, a.p999, b.p50, b.p99, b.p999, b.p50 / a.p50);
  else {
    printf("null-call round trip, %d iterations (microseconds)\n", o->iters);
    printf("  %-28s %9s %9s %9s\n", "", "p50", "p99", "p99.9");
    printf("  %-28s %9.2f %9.2f %9.2f\n", "raw TCP ping-pong (baseline)", a.p50, a.p99, a.p999);
    printf("  %-28s %9.2f %9.2f %9.2f\n", "cuCtxGetCurrent via cuferry", b.p50, b.p99, b.p999);
    printf("  ratio (p50): %.2fx the raw transport\n", b.p50 / a.p50);
  }
  rc = 0;
out:
  free(raw);
  free(fwd);
  return rc;
}
