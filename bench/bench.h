/* Shared pieces of cuferry-bench: options, statistics, the result rows, the
 * in-process baselines and the suites. Each suite measures something and a
 * baseline in the same run, and prints a human table; with --json every row
 * goes into one JSON array printed at the end instead. */
#ifndef CF_BENCH_H
#define CF_BENCH_H

#include <stddef.h>
#include <stdint.h>

struct cf_bench_opts {
  int iters;
  int json;
  const char *self;     /* argv[0], to find files built beside the tool */
  const char *emu_path; /* --emu: the emulator library, or NULL for the default */
  const char *ptx_path; /* --ptx: the benchmark kernels, or NULL for the default */
  int launches;         /* --launches: kernel launches in the launch suite */
  size_t max_size;      /* --max-size: the bandwidth suite's largest copy */
  const char *compression; /* --compression: the bandwidth suite's modes, comma-separated */
};

struct cf_bench_stats {
  double p50, p99, p999; /* microseconds */
};

/* Sort ns[0..n) and summarise it. */
struct cf_bench_stats cf_bench_summarise(uint64_t *ns, int n);

uint64_t cf_bench_now_ns(void);

/* A file built beside the tool: "<dir of self>/../<rel>" into buf. */
void cf_bench_sibling(const char *self, const char *rel, char *buf, unsigned len);

#include <cuda.h>

/* The emulator's entry points, loaded directly (emu_load.c). */
struct cf_bench_emu {
  void *lib;
  CUresult (*init)(unsigned);
  CUresult (*ctx_create)(CUcontext *, unsigned, CUdevice);
  CUresult (*load)(CUmodule *, const char *);
  CUresult (*get_function)(CUfunction *, CUmodule, const char *);
  CUresult (*alloc)(CUdeviceptr *, size_t);
  CUresult (*htod)(CUdeviceptr, const void *, size_t);
  CUresult (*launch)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                     unsigned, unsigned, CUstream, void **, void **);
  CUresult (*sync)(void);
  CUresult (*stream_create)(CUstream *, unsigned);
  CUresult (*stream_sync)(CUstream);
  uint64_t (*instructions)(void); /* cumulative; absent in old builds */
};

/* Load the emulator (--emu, else the one built beside the tool) into *e.
 * Returns 0, 77 when it cannot be loaded (said why), or 1. */
int cf_bench_emu_open(const struct cf_bench_opts *o, struct cf_bench_emu *e);

/* The benchmark kernels' PTX (--ptx, else built beside the tool) into buf.
 * Returns 0, or 77 when the file is missing (said why, naming suite). */
int cf_bench_ptx_path(const struct cf_bench_opts *o, const char *suite, char *buf, unsigned len);

struct cf_tls_ctx;
/* A server context with a fresh self-signed certificate for 127.0.0.1 and a
 * client context that trusts it (tls_pair.c), for raw TLS baselines.
 * Returns 0, or -1 with err set (also when the build has no TLS). */
int cf_bench_tls_pair(struct cf_tls_ctx **server, struct cf_tls_ctx **client, char *err,
                      size_t errlen);

/* A result row: one JSON object (printf-style), kept for the array printed
 * at the end with --json. Every row has at least name, unit, value or
 * p50/p99/p999, baseline, baseline_value or baseline_p50, and ratio. */
void cf_bench_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The transport the stub uses: "tls" or "tcp" from CUFERRY_SERVER's scheme,
 * else "tls" (the default of the client's config). */
const char *cf_bench_transport(void);

/* The baselines' far end (loopback.c): a thread serving one connection on
 * loopback, plain TCP or TLS, speaking cuferry frames. */
enum { CF_BENCH_ECHO = 1, CF_BENCH_SINK = 2, CF_BENCH_SOURCE = 3 };
struct cf_bench_peer;
/* Start the thread and connect; source_len bytes are ready for the SOURCE
 * op. NULL with err set on failure. */
struct cf_bench_peer *cf_bench_peer_open(int tls, size_t source_len, char *err, size_t errlen);
/* One frame there and its answer: ECHO sends body back, SINK takes the bulk
 * and answers with nothing, SOURCE (body: u64 LE n) answers with n bytes
 * into bulk_out. Returns 0 or a CF_E* code. */
int cf_bench_peer_call(struct cf_bench_peer *p, uint32_t op, const void *body, size_t body_len,
                       const void *bulk, size_t bulk_len, void *bulk_out, size_t bulk_cap);
void cf_bench_peer_close(struct cf_bench_peer *p);

/* The first mode of a comma-separated list (--compression) into mode
 * (*fits: it was not cut short); returns the rest of the list. */
#define CF_BENCH_MODE_MAX 32
const char *cf_bench_next_mode(const char *list, char mode[static CF_BENCH_MODE_MAX], int *fits);

/* The suites; each returns 0, 77 when it cannot run here (said why), or 1. */
int cf_bench_latency(const struct cf_bench_opts *o);
int cf_bench_bandwidth(const struct cf_bench_opts *o);
int cf_bench_emu(const struct cf_bench_opts *o);
int cf_bench_launch(const struct cf_bench_opts *o);

#endif
