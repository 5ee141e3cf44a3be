/* The `latency` suite: the round trip of a synchronous call that does no
 * work on the server (cuCtxGetCurrent through the stub) against a raw
 * ping-pong of frames of the same size over the same transport, to an echo
 * thread in this process (loopback.c), interleaved in blocks so both see
 * the same machine. With a tls:// server it is also set against a raw
 * ping-pong over plain TCP: what TLS and cuferry cost together. Run the
 * server on this host for the ratios to mean cuferry's overhead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define WARMUP 100
#define BLOCK 50
#define PING_BODY 16 /* about a small request's packed size */

static int raw_block(struct cf_bench_peer *p, uint64_t *ns, int n)
{
  static const uint8_t body[PING_BODY];

  for (int i = 0; i < n; i++) {
    uint64_t t0 = cf_bench_now_ns();

    if (cf_bench_peer_call(p, CF_BENCH_ECHO, body, sizeof body, NULL, 0, NULL, 0))
      return -1;
    if (ns)
      ns[i] = cf_bench_now_ns() - t0;
  }
  return 0;
}

static int null_block(uint64_t *ns, int n)
{
  for (int i = 0; i < n; i++) {
    CUcontext ctx;
    uint64_t t0 = cf_bench_now_ns();
    CUresult r = cuCtxGetCurrent(&ctx);

    if (r != CUDA_SUCCESS) {
      fprintf(stderr, "cuferry-bench: latency: cuCtxGetCurrent failed (%d)\n", (int)r);
      return -1;
    }
    if (ns)
      ns[i] = cf_bench_now_ns() - t0;
  }
  return 0;
}

static void row(const char *name, const char *transport, const char *baseline,
                struct cf_bench_stats v, struct cf_bench_stats b)
{
  cf_bench_json("{\"suite\":\"latency\",\"name\":\"%s\",\"unit\":\"us\",\"transport\":\"%s\","
                "\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"baseline\":\"%s\","
                "\"baseline_p50\":%.2f,\"baseline_p99\":%.2f,\"baseline_p999\":%.2f,"
                "\"ratio\":%.3f,\"ratio_p99\":%.3f,\"ratio_p999\":%.3f}",
                name, transport, v.p50, v.p99, v.p999, baseline, b.p50, b.p99, b.p999,
                v.p50 / b.p50, v.p99 / b.p99, v.p999 / b.p999);
}

int cf_bench_latency(const struct cf_bench_opts *o)
{
  int tls = strcmp(cf_bench_transport(), "tcp") != 0, n = o->iters, rc = 1;
  uint64_t *same = calloc((size_t)n, sizeof *same), *tcp = calloc((size_t)n, sizeof *tcp);
  uint64_t *fwd = calloc((size_t)n, sizeof *fwd);
  struct cf_bench_peer *p_same = NULL, *p_tcp = NULL;
  struct cf_bench_stats s, t, f;
  char err[256], base[64];
  CUresult r;

  if (!same || !tcp || !fwd)
    goto out;
  if ((r = cuInit(0)) != CUDA_SUCCESS) {
    fprintf(stderr, "cuferry-bench: latency: cuInit failed (%d)\n", (int)r);
    goto out;
  }
  if (!(p_same = cf_bench_peer_open(tls, 0, err, sizeof err)) ||
      (tls && !(p_tcp = cf_bench_peer_open(0, 0, err, sizeof err)))) {
    fprintf(stderr, "cuferry-bench: latency: baseline: %s\n", err);
    goto out;
  }
  if (raw_block(p_same, NULL, WARMUP) || (p_tcp && raw_block(p_tcp, NULL, WARMUP)) ||
      null_block(NULL, WARMUP))
    goto out;
  for (int done = 0; done < n; done += BLOCK) {
    int k = n - done < BLOCK ? n - done : BLOCK;

    if (raw_block(p_same, same + done, k) || (p_tcp && raw_block(p_tcp, tcp + done, k)) ||
        null_block(fwd + done, k))
      goto out;
  }
  s = cf_bench_summarise(same, n);
  f = cf_bench_summarise(fwd, n);
  snprintf(base, sizeof base, "raw %s ping-pong", tls ? "tls" : "tcp");
  row("null call", tls ? "tls" : "tcp", base, f, s);
  if (p_tcp) {
    t = cf_bench_summarise(tcp, n);
    row("null call vs plain TCP", "tls", "raw tcp ping-pong", f, t);
  }
  if (!o->json) {
    printf("latency: null-call round trip, %d iterations over %s (microseconds)\n", n,
           tls ? "TLS" : "plain TCP");
    printf("  %-30s %9s %9s %9s\n", "", "p50", "p99", "p99.9");
    printf("  %-30s %9.2f %9.2f %9.2f\n", base, s.p50, s.p99, s.p999);
    if (p_tcp)
      printf("  %-30s %9.2f %9.2f %9.2f\n", "raw tcp ping-pong", t.p50, t.p99, t.p999);
    printf("  %-30s %9.2f %9.2f %9.2f\n", "cuCtxGetCurrent via cuferry", f.p50, f.p99, f.p999);
    printf("  ratio to %s: p50 %.2fx, p99 %.2fx\n", base, f.p50 / s.p50, f.p99 / s.p99);
    if (p_tcp)
      printf("  ratio to raw tcp ping-pong: p50 %.2fx, p99 %.2fx\n", f.p50 / t.p50,
             f.p99 / t.p99);
  }
  rc = 0;
out:
  cf_bench_peer_close(p_same);
  cf_bench_peer_close(p_tcp);
  free(same);
  free(tcp);
  free(fwd);
  return rc;
}
