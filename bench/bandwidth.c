/* The `bandwidth` suite: synchronous host-to-device and device-to-host
 * copies of 4 KiB to 256 MiB (--max-size) of three kinds of data (zeros,
 * random bytes, a smooth float32 array) through cuferry, each against a raw
 * stream of the same bytes in the same frames over the same transport to a
 * thread in this process (loopback.c), measured in the same run. The raw
 * stream sends frames of RAW_CHUNK bytes, each acknowledged (host to
 * device) or asked for (device to host), one at a time: what the link
 * carries without cuferry's pipelining, so a ratio over 1 is possible.
 * Each copy runs once per compression mode (--compression; the stub's
 * cuferry_set_compression sets it for both directions), and each row says
 * what share of the bytes went over the wire (the stub's counters). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cf_frame.h"
#include "cuferry.h"

#define TARGET_BYTES ((uint64_t)32 << 20) /* moved per measurement, at least */
#define MIN_REPS 3
#define MAX_REPS 2000
#define RAW_CHUNK ((size_t)4 << 20) /* the client's default copy piece */

static const char *const kinds[] = { "zeros", "random", "float32" };

static void fill(uint8_t *b, size_t n, int kind)
{
  uint32_t x = 12345;

  if (kind == 0) {
    memset(b, 0, n);
  } else if (kind == 1) {
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      b[i] = (uint8_t)x;
    }
  } else {
    for (size_t i = 0; i + 4 <= n; i += 4) {
      float v = sinf((float)(i / 4) * 0.001f) * 100.0f;
      memcpy(b + i, &v, 4);
    }
  }
}

/* Seconds for reps raw transfers of n bytes in frames of at most RAW_CHUNK
 * bytes; < 0 on error. */
static double raw(struct cf_bench_peer *p, int h2d, uint8_t *buf, size_t n, int reps)
{
  uint64_t t0 = cf_bench_now_ns();

  for (int r = 0; r < reps; r++)
    for (size_t off = 0; off < n; off += RAW_CHUNK) {
      size_t k = n - off < RAW_CHUNK ? n - off : RAW_CHUNK;
      uint8_t len[8];

      for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)((uint64_t)k >> (8 * i));
      if (h2d ? cf_bench_peer_call(p, CF_BENCH_SINK, NULL, 0, buf + off, k, NULL, 0)
              : cf_bench_peer_call(p, CF_BENCH_SOURCE, len, 8, NULL, 0, buf + off, k))
        return -1;
    }
  return (cf_bench_now_ns() - t0) / 1e9;
}

static double remote(CUdeviceptr d, int h2d, uint8_t *buf, size_t n, int reps)
{
  uint64_t t0 = cf_bench_now_ns();

  for (int r = 0; r < reps; r++) {
    CUresult e = h2d ? cuMemcpyHtoD(d, buf, n) : cuMemcpyDtoH(buf, d, n);

    if (e != CUDA_SUCCESS) {
      fprintf(stderr, "cuferry-bench: bandwidth: copy of %zu bytes failed (%d)\n", n, (int)e);
      return -1;
    }
  }
  return (cf_bench_now_ns() - t0) / 1e9;
}

static void size_name(size_t n, char *buf, size_t len)
{
  if (n >= (1u << 20))
    snprintf(buf, len, "%zuMiB", n >> 20);
  else
    snprintf(buf, len, "%zuKiB", n >> 10);
}

int cf_bench_bandwidth(const struct cf_bench_opts *o)
{
  const char *tr = strcmp(cf_bench_transport(), "tcp") ? "tls" : "tcp";
  size_t max = o->max_size;
  struct cf_bench_peer *p = NULL;
  uint8_t *buf = malloc(max);
  CUdeviceptr d = 0;
  CUcontext ctx;
  char err[256];
  int rc = 1;
  CUresult r;

  if (!buf)
    goto out;
  if ((r = cuInit(0)) || (r = cuDevicePrimaryCtxRetain(&ctx, 0)) || (r = cuCtxSetCurrent(ctx)) ||
      (r = cuMemAlloc(&d, max))) {
    fprintf(stderr, "cuferry-bench: bandwidth: setting up failed (%d)\n", (int)r);
    goto out;
  }
  if (!(p = cf_bench_peer_open(strcmp(tr, "tls") == 0, max, err, sizeof err))) {
    fprintf(stderr, "cuferry-bench: bandwidth: baseline: %s\n", err);
    goto out;
  }
  if (!o->json)
    printf("bandwidth: synchronous copies over %s, GB/s (raw = the same bytes in 4 MiB "
           "frames, one at a time; wire = bytes sent / bytes copied)\n"
           "  %-4s %8s %-8s %-7s %9s %9s %7s %7s\n",
           tr, "dir", "size", "data", "comp", "cuferry", "raw", "ratio", "wire");
  for (int h2d = 1; h2d >= 0; h2d--)
    for (size_t n = 4096; n <= max; n *= n < (1u << 20) ? 16 : 4)
      for (int k = 0; k < 3; k++) {
        int reps = (int)(TARGET_BYTES / n);
        double tb, gb_b;
        char sz[32];

        reps = reps < MIN_REPS ? MIN_REPS : reps > MAX_REPS ? MAX_REPS : reps;
        fill(buf, n, k);
        /* A download reads what the device holds: this kind of data. */
        if (!h2d && (r = cuMemcpyHtoD(d, buf, n)) != CUDA_SUCCESS) {
          fprintf(stderr, "cuferry-bench: bandwidth: upload failed (%d)\n", (int)r);
          goto out;
        }
        /* One untimed copy each way first: the first of a new size is
         * slower (buffers and pages on both sides), whatever the mode. */
        if (raw(p, h2d, buf, n, 1) < 0 || remote(d, h2d, buf, n, 1) < 0 ||
            (tb = raw(p, h2d, buf, n, reps)) < 0)
          goto out;
        gb_b = (double)n * reps / tb / 1e9;
        size_name(n, sz, sizeof sz);
        for (const char *m = o->compression; *m;) {
          char mode[CF_BENCH_MODE_MAX];
          struct cuferry_compression_stats s0, s1;
          double tc, gb_c, wire;
          uint64_t raw_bytes, wire_bytes;
          int fits;

          m = cf_bench_next_mode(m, mode, &fits);
          if ((r = cuferry_set_compression(mode)) != CUDA_SUCCESS) {
            fprintf(stderr, "cuferry-bench: bandwidth: compression \"%s\": %d\n", mode, (int)r);
            goto out;
          }
          cuferry_get_compression_stats(&s0);
          if ((tc = remote(d, h2d, buf, n, reps)) < 0)
            goto out;
          cuferry_get_compression_stats(&s1);
          raw_bytes = h2d ? s1.sent_raw - s0.sent_raw : s1.received_raw - s0.received_raw;
          wire_bytes = h2d ? s1.sent_wire - s0.sent_wire : s1.received_wire - s0.received_wire;
          wire = raw_bytes ? (double)wire_bytes / (double)raw_bytes : 1.0;
          gb_c = (double)n * reps / tc / 1e9;
          cf_bench_json("{\"suite\":\"bandwidth\",\"name\":\"%s %s %s %s\",\"unit\":\"GB/s\","
                        "\"direction\":\"%s\",\"bytes\":%zu,\"data\":\"%s\","
                        "\"compression\":\"%s\",\"wire_ratio\":%.5f,\"transport\":\"%s\","
                        "\"value\":%.4f,\"baseline\":\"raw %s stream\",\"baseline_value\":%.4f,"
                        "\"ratio\":%.3f}",
                        h2d ? "h2d" : "d2h", sz, kinds[k], mode, h2d ? "h2d" : "d2h", n,
                        kinds[k], mode, wire, tr, gb_c, tr, gb_b, gb_c / gb_b);
          if (!o->json)
            printf("  %-4s %8s %-8s %-7s %9.3f %9.3f %6.2fx %7.4f\n", h2d ? "h2d" : "d2h", sz,
                   kinds[k], mode, gb_c, gb_b, gb_c / gb_b, wire);
        }
      }
  rc = 0;
out:
  cuferry_set_compression("auto");
  if (d)
    cuMemFree(d);
  cf_bench_peer_close(p);
  free(buf);
  return rc;
}
