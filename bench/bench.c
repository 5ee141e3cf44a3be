/* cuferry-bench: how much a forwarded call costs.
 *
 * For now one suite, `null`: the round trip of a call that does no work on
 * the server (cuCtxGetCurrent through the stub), against a baseline measured
 * in the same run: a raw ping-pong of frames of the same size over the same
 * transport (TCP on loopback, to an echo thread in this process). Both are
 * reported as p50/p99/p99.9 and their ratio. Run the server on this host for
 * the ratio to mean "cuferry's overhead over the bare transport".
 *
 * The program links the client stub like any CUDA program, so it also shows
 * that the stub's whole path works. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cuda.h>

#include "cf_frame.h"
#include "cf_transport.h"

#define DEFAULT_ITERS 2000
#define WARMUP 100
#define PING_BODY 16 /* about a small request's packed size */

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

struct stats { double p50, p99, p999; };

static struct stats summarise(uint64_t *ns, int n)
{
  struct stats s;
  qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
  s.p50 = ns[n / 2] / 1000.0;
  s.p99 = ns[(int)(n * 0.99)] / 1000.0;
  s.p999 = ns[(int)(n * 0.999)] / 1000.0;
  return s;
}

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
    uint64_t t0 = now_ns();
    if (cf_frame_send(c, CF_FRAME_CALL, 1, 1, (uint64_t)i, body, sizeof body, NULL, 0) ||
        cf_frame_recv(c, &lim, NULL, 0, &f))
      return -1;
    cf_frame_release(&f);
    if (i >= 0)
      ns[i] = now_ns() - t0;
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
    uint64_t t0 = now_ns();
    if ((r = cuCtxGetCurrent(&ctx)) != CUDA_SUCCESS) {
      fprintf(stderr, "cuferry-bench: cuCtxGetCurrent failed (%d)\n", r);
      return -1;
    }
    if (i >= 0)
      ns[i] = now_ns() - t0;
  }
  return 0;
}

static void usage(FILE *to)
{
  fprintf(to,
          "usage: cuferry-bench [--server URL] [--iters N] [--json] [null]\n"
          "  Measures the round trip of a forwarded call that does no work\n"
          "  (cuCtxGetCurrent) and, as the baseline, a raw ping-pong of frames of\n"
          "  the same size over TCP on loopback, in the same run.\n"
          "  --server URL  the cuferryd to use (default: $CUFERRY_SERVER)\n"
          "  --iters N     round trips per measurement (default %d)\n"
          "  --json        one JSON object instead of a table\n",
          DEFAULT_ITERS);
}

int main(int argc, char **argv)
{
  int iters = DEFAULT_ITERS, json = 0;
  uint64_t *raw, *fwd;
  struct stats a, b;

  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--server") && i + 1 < argc)
      setenv("CUFERRY_SERVER", argv[++i], 1);
    else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 10 || v > 10000000) {
        fprintf(stderr, "cuferry-bench: --iters \"%s\": want 10..10000000\n", argv[i]);
        return 2;
      }
      iters = (int)v;
    } else if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "null"))
      ;
    else if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  raw = calloc((size_t)iters, sizeof *raw);
  fwd = calloc((size_t)iters, sizeof *fwd);
  if (!raw || !fwd || raw_pingpong(raw, iters) || null_calls(fwd, iters))
    return 1;
  a = summarise(raw, iters);
  b = summarise(fwd, iters);
  if (json)
    printf("{\"suite\":\"null\",\"iters\":%d,"
           "\"baseline_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
           "\"cuferry_us\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
           "\"ratio_p50\":%.3f}\n",
           iters, a.p50, a.p99, a.p999, b.p50, b.p99, b.p999, b.p50 / a.p50);
  else {
    printf("null-call round trip, %d iterations (microseconds)\n", iters);
    printf("  %-28s %9s %9s %9s\n", "", "p50", "p99", "p99.9");
    printf("  %-28s %9.2f %9.2f %9.2f\n", "raw TCP ping-pong (baseline)", a.p50, a.p99, a.p999);
    printf("  %-28s %9.2f %9.2f %9.2f\n", "cuCtxGetCurrent via cuferry", b.p50, b.p99, b.p999);
    printf("  ratio (p50): %.2fx the raw transport\n", b.p50 / a.p50);
  }
  free(raw);
  free(fwd);
  return 0;
}
