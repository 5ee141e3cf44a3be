/* Copies from and to pinned host memory, which cuferry over RDMA moves
 * without a copy: the server reads from or writes into the program's own
 * memory through a registration the stub caches by address, while pageable
 * memory keeps the staged path. Every copy is checked byte for byte:
 * - cuMemAllocHost blocks (24 MiB + 5) and cuMemHostAlloc ones (flags 0,
 *   9 MiB + 1; PORTABLE, 1 MiB + 3) up and down, synchronously and on a
 *   stream, from and to an offset of 3 bytes, and 4 KiB;
 * - a malloc'd 16 MiB buffer under cuMemHostRegister both ways, then
 *   uploaded again after cuMemHostUnregister with new contents (a stale
 *   registration would carry the old ones);
 * - 20 rounds of cuMemAllocHost (8 MiB), 1 MiB of it up, down into pageable
 *   memory and into the block, cuMemFreeHost: freed blocks often come back
 *   at the same address, so a cached registration that outlived its block
 *   shows as wrong bytes or a failed copy;
 * - pinned up and pageable down, and the reverse.
 * With CUFERRY_EXPECT_ZERO_COPY=1 the stub's RDMA counters (cuferry.h;
 * looked up, since neither a real driver nor the emulator has them) must
 * show that the pinned copies went direct, both ways. The sizes are kept
 * small: the program also runs in an emulated VM (tests/rdma/chain.sh).
 *
 * usage: pinnedcopy [loop]
 * With "loop" it copies 16 MiB up and down between two pinned blocks
 * forever, printing "looping" once first: tests/rdma/chain_guest.sh
 * SIGKILLs it mid-copy to check that the server drops the session's worker.
 *
 * Each digest hashes the first and last 64 KiB of a copy's result (every
 * byte is compared anyway), so a run through the stub and one on the
 * emulator must agree on every one. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define MIB ((size_t)1 << 20)
#define ALLOC_HOST_BYTES (24 * MIB + 5)
#define HOST_ALLOC_BYTES (9 * MIB + 1)
#define PORTABLE_BYTES (1 * MIB + 3)
#define MIXED_BYTES (4 * MIB + 7)
#define REGISTERED_BYTES (16 * MIB)
#define PAGEABLE_BYTES REGISTERED_BYTES /* the most any check copies from or to it */
#define REUSE_ROUNDS 20
#define REUSE_BYTES (8 * MIB)
#define REUSE_WINDOW (1 * MIB)
#define LOOP_BYTES (16 * MIB)
#define SMALL_BYTES 4096
#define ODD_OFFSET 3
#define DIGEST_SPAN ((size_t)64 << 10)
/* The pinned copies move about 140 MiB each way. */
#define EXPECT_DIRECT_BYTES (64 * MIB)

/* Deterministic contents for seed: 64 KiB of noise (each 8-byte word a
 * mix of its index and seed), then 64 KiB of words that change every KiB,
 * and so on, so that under lz4 or zstd some pieces compress and some do
 * not. */
static void fill(unsigned char *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i += 8) {
    uint64_t word = seed + (i >> 10);

    if (!((i >> 16) & 1)) {
      word = ((i >> 3) + ((uint64_t)seed << 40)) * UINT64_C(0x9e3779b97f4a7c15);
      word = (word ^ (word >> 31)) * UINT64_C(0xbf58476d1ce4e5b9);
      word ^= word >> 27;
    }
    memcpy(p + i, &word, n - i < 8 ? n - i : 8);
  }
}

/* Prints "digest LABEL" of p's first and last DIGEST_SPAN bytes (all of it,
 * twice, when shorter): the callers compare every byte already, and hashing
 * all of them would take longer than copying them. */
static void digest_edges(const char *label, const unsigned char *p, size_t n)
{
  size_t span = n < DIGEST_SPAN ? n : DIGEST_SPAN;
  uint64_t x = cf_fnv1a(cf_fnv1a(CF_FNV_SEED, p, span), p + n - span, span);

  printf("digest %s %016llx\n", label, (unsigned long long)x);
}

/* A few bytes of p changed (every 4093rd and the last): cheap, and enough
 * that a copy which never happened cannot pass for one that did. */
static void perturb(unsigned char *p, size_t n, unsigned char v)
{
  for (size_t i = 0; i < n; i += 4093)
    p[i] ^= v;
  p[n - 1] ^= v;
}

/* src up to d and back down into dst (cleared first), n bytes, on stream s
 * (cuMemcpy*Async, then one cuStreamSynchronize) or synchronously when s is
 * NULL; dst must then equal src. Prints "digest LABEL" of what arrived
 * (digest_edges). */
static void round_trip(struct cf_host *h, const char *label, const unsigned char *src,
                       unsigned char *dst, size_t n, CUdeviceptr d, CUstream s)
{
  memset(dst, 0, n);
  if (s) {
    CF_CHECK(h, cuMemcpyHtoDAsync(d, src, n, s));
    CF_CHECK(h, cuMemcpyDtoHAsync(dst, d, n, s));
    CF_CHECK(h, cuStreamSynchronize(s));
  } else {
    CF_CHECK(h, cuMemcpyHtoD(d, src, n));
    CF_CHECK(h, cuMemcpyDtoH(dst, d, n));
  }
  cf_host_result(h, !memcmp(src, dst, n), label, "bytes differ");
  digest_edges(label, dst, n);
}

/* The same checks for two pinned blocks of n bytes (n >= 2 * SMALL_BYTES),
 * however they were allocated: whole, synchronously and on a stream; from
 * and to an odd offset; 4 KiB. Labels start with name. */
static void pinned_round_trips(struct cf_host *h, const char *name, unsigned char *src,
                               unsigned char *dst, size_t n, uint32_t seed, CUdeviceptr d,
                               CUstream s)
{
  char label[96];

  fill(src, n, seed);
  snprintf(label, sizeof label, "%s.sync", name);
  round_trip(h, label, src, dst, n, d, NULL);
  perturb(src, n, 0x5a);
  snprintf(label, sizeof label, "%s.async", name);
  round_trip(h, label, src, dst, n, d, s);
  perturb(src, n, 0xa5);
  snprintf(label, sizeof label, "%s.offset", name);
  round_trip(h, label, src + ODD_OFFSET, dst + ODD_OFFSET, n - ODD_OFFSET, d, NULL);
  snprintf(label, sizeof label, "%s.small", name);
  round_trip(h, label, src + SMALL_BYTES / 2, dst, SMALL_BYTES, d, s);
}

/* NAME.upload: buf, filled from seed, up and down into pageable memory. */
static void upload_round_trip(struct cf_host *h, const char *name, unsigned char *buf,
                              unsigned char *pageable, size_t n, uint32_t seed, CUdeviceptr d)
{
  char label[96];

  fill(buf, n, seed);
  snprintf(label, sizeof label, "%s.upload", name);
  round_trip(h, label, buf, pageable, n, d, NULL);
}

/* upload_round_trip, then NAME.download: pageable memory, filled from
 * seed + 1, up and down into buf. n bytes each. */
static void mixed_round_trips(struct cf_host *h, const char *name, unsigned char *buf,
                              unsigned char *pageable, size_t n, uint32_t seed, CUdeviceptr d)
{
  char label[96];

  upload_round_trip(h, name, buf, pageable, n, seed, d);
  fill(pageable, n, seed + 1);
  snprintf(label, sizeof label, "%s.download", name);
  round_trip(h, label, pageable, buf, n, d, NULL);
}

/* Two blocks of n bytes from cuMemHostAlloc(flags), through
 * pinned_round_trips, freed again. */
static void host_alloc_round_trips(struct cf_host *h, const char *name, unsigned flags,
                                   size_t n, uint32_t seed, CUdeviceptr d, CUstream s)
{
  unsigned char *src, *dst;

  CF_CHECK(h, cuMemHostAlloc((void **)&src, n, flags));
  CF_CHECK(h, cuMemHostAlloc((void **)&dst, n, flags));
  pinned_round_trips(h, name, src, dst, n, seed, d, s);
  CF_CHECK(h, cuMemFreeHost(src));
  CF_CHECK(h, cuMemFreeHost(dst));
}

/* A malloc'd buffer (not page-aligned) registered and copied both ways,
 * then unregistered and uploaded again with new contents: now pageable, so
 * a registration the stub kept would carry stale bytes. */
static void registered_round_trips(struct cf_host *h, unsigned char *pageable, CUdeviceptr d)
{
  unsigned char *buf = malloc(REGISTERED_BYTES);

  if (!buf) {
    cf_host_result(h, 0, "registered", "out of memory");
    return;
  }
  CF_CHECK(h, cuMemHostRegister(buf, REGISTERED_BYTES, 0));
  mixed_round_trips(h, "registered", buf, pageable, REGISTERED_BYTES, 30, d);
  CF_CHECK(h, cuMemHostUnregister(buf));
  upload_round_trip(h, "unregistered", buf, pageable, REGISTERED_BYTES, 40, d);
  free(buf);
}

/* REUSE_ROUNDS pinned blocks of REUSE_BYTES, each allocated, and a window
 * of it (a quarter, a different one each round, so that addresses inside
 * a block are looked up too) filled with contents of its own, copied up,
 * down into pageable memory, down into the block again, and the block
 * freed. Only the window is touched: the rest would cost page faults, which
 * are slow in an emulated VM. One PASS/FAIL line for all; the digest folds
 * in the last DIGEST_SPAN bytes of every window. */
static void reuse_rounds(struct cf_host *h, unsigned char *pageable, CUdeviceptr d)
{
  uint64_t digest = CF_FNV_SEED;
  unsigned char *block, *last = NULL;
  int bad_round = -1, same_address = 0;

  for (int round = 0; round < REUSE_ROUNDS; round++) {
    CF_CHECK(h, cuMemAllocHost((void **)&block, REUSE_BYTES));
    same_address += block == last;
    last = block;
    unsigned char *window = block + (size_t)(round % 4) * (REUSE_BYTES / 4);
    fill(window, REUSE_WINDOW, 100 + (uint32_t)round);
    memset(pageable, 0, REUSE_WINDOW);
    CF_CHECK(h, cuMemcpyHtoD(d, window, REUSE_WINDOW));
    CF_CHECK(h, cuMemcpyDtoH(pageable, d, REUSE_WINDOW));
    int ok = !memcmp(window, pageable, REUSE_WINDOW);
    memset(window, 0, REUSE_WINDOW);
    CF_CHECK(h, cuMemcpyDtoH(window, d, REUSE_WINDOW));
    ok = ok && !memcmp(window, pageable, REUSE_WINDOW);
    if (!ok && bad_round < 0)
      bad_round = round;
    digest = cf_fnv1a(digest, pageable + REUSE_WINDOW - DIGEST_SPAN, DIGEST_SPAN);
    CF_CHECK(h, cuMemFreeHost(block));
  }
  printf("info reuse: %d of %d blocks at the address of the one freed before\n",
         same_address, REUSE_ROUNDS - 1);
  cf_host_result(h, bad_round < 0, "reuse.rounds", "round %d: bytes differ", bad_round);
  printf("digest reuse.rounds %016llx\n", (unsigned long long)digest);
}

/* The stub's RDMA counters, when it has them (cuferry_get_rdma_stats); with
 * CUFERRY_EXPECT_ZERO_COPY=1 they must exist and show the pinned copies. */
static void check_rdma_stats(struct cf_host *h)
{
  struct stats {
    uint64_t direct_sent, direct_received, staged_received, registrations;
  } st;
  void (*get)(struct stats *) =
      (void (*)(struct stats *))(uintptr_t)dlsym(RTLD_DEFAULT, "cuferry_get_rdma_stats");
  const char *expect = getenv("CUFERRY_EXPECT_ZERO_COPY");
  int required = expect && !strcmp(expect, "1");

  if (!get) {
    if (required)
      cf_host_result(h, 0, "zero-copy", "cuferry_get_rdma_stats not found");
    return;
  }
  get(&st);
  printf("info rdma: direct sent %llu bytes, direct received %llu, staged received %llu, "
         "%llu registrations\n",
         (unsigned long long)st.direct_sent, (unsigned long long)st.direct_received,
         (unsigned long long)st.staged_received, (unsigned long long)st.registrations);
  if (required)
    cf_host_result(h, st.direct_sent >= EXPECT_DIRECT_BYTES &&
                          st.direct_received >= EXPECT_DIRECT_BYTES && st.registrations >= 1,
                   "zero-copy", "want at least %zu bytes direct each way and a registration",
                   (size_t)EXPECT_DIRECT_BYTES);
}

/* "pinnedcopy loop": never returns; exits 1 if a round trip goes wrong. */
static _Noreturn void loop_forever(struct cf_host *h)
{
  unsigned char *src, *dst;
  CUdeviceptr d;

  CF_CHECK(h, cuMemAllocHost((void **)&src, LOOP_BYTES));
  CF_CHECK(h, cuMemAllocHost((void **)&dst, LOOP_BYTES));
  CF_CHECK(h, cuMemAlloc(&d, LOOP_BYTES));
  fill(src, LOOP_BYTES, 50);
  printf("looping\n");
  fflush(stdout);
  for (unsigned long round = 0;; round++) {
    src[round % LOOP_BYTES] ^= 1;
    CF_CHECK(h, cuMemcpyHtoD(d, src, LOOP_BYTES));
    CF_CHECK(h, cuMemcpyDtoH(dst, d, LOOP_BYTES));
    if (memcmp(src, dst, LOOP_BYTES)) {
      cf_host_result(h, 0, "loop", "round %lu: bytes differ", round);
      exit(cf_host_finish(h));
    }
  }
}

int main(int argc, char **argv)
{
  struct cf_host h;
  unsigned char *src, *dst, *pageable;
  CUdeviceptr d;
  CUstream s;

  if (argc > 2 || (argc == 2 && strcmp(argv[1], "loop"))) {
    fprintf(stderr, "usage: %s [loop]\n", argv[0]);
    return 2;
  }
  cf_host_open(&h, "pinnedcopy", NULL);
  if (argc == 2)
    loop_forever(&h);
  if (!(pageable = malloc(PAGEABLE_BYTES))) {
    cf_host_result(&h, 0, "malloc", "out of memory");
    return cf_host_finish(&h);
  }
  CF_CHECK(&h, cuMemAlloc(&d, ALLOC_HOST_BYTES));
  CF_CHECK(&h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));

  CF_CHECK(&h, cuMemAllocHost((void **)&src, ALLOC_HOST_BYTES));
  CF_CHECK(&h, cuMemAllocHost((void **)&dst, ALLOC_HOST_BYTES));
  pinned_round_trips(&h, "allochost", src, dst, ALLOC_HOST_BYTES, 10, d, s);
  mixed_round_trips(&h, "mixed", src, pageable, MIXED_BYTES, 20, d);
  CF_CHECK(&h, cuMemFreeHost(src));
  CF_CHECK(&h, cuMemFreeHost(dst));

  host_alloc_round_trips(&h, "hostalloc", 0, HOST_ALLOC_BYTES, 11, d, s);
  host_alloc_round_trips(&h, "hostalloc_portable", CU_MEMHOSTALLOC_PORTABLE, PORTABLE_BYTES,
                         12, d, s);
  registered_round_trips(&h, pageable, d);
  reuse_rounds(&h, pageable, d);

  CF_CHECK(&h, cuStreamDestroy(s));
  CF_CHECK(&h, cuMemFree(d));
  free(pageable);
  check_rdma_stats(&h);
  return cf_host_finish(&h);
}
