/* Copies larger than cuferry's copy piece (4 MiB by default; the test also
 * runs with CUFERRY_CHUNK_SIZE=65536): 20 MiB + 3 bytes up and down,
 * synchronously and on a stream, checked byte for byte; an upload whose
 * source is overwritten right after the async call; a download that runs
 * past the buffer fails with CUDA_ERROR_INVALID_VALUE, and one of a
 * freed buffer too. Through cuferry the pieces are pipelined (uploads
 * sent ahead, downloads with several requests in flight); the test runs
 * again with each compression mode (CUFERRY_COMPRESSION). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define N (((size_t)20 << 20) + 3)

/* Through cuferry with CUFERRY_COMPRESSION=lz4 or zstd[:LEVEL], the stub's
 * counters (cuferry.h; looked up, since a real driver has none) must show
 * fewer bytes on the wire than copied, both ways. */
static void check_compression(struct cf_host *h)
{
  struct stats {
    uint64_t sent_raw, sent_wire, received_raw, received_wire;
  } st;
  void (*get)(struct stats *) = (void (*)(struct stats *))(uintptr_t)dlsym(
      RTLD_DEFAULT, "cuferry_get_compression_stats");
  const char *mode = getenv("CUFERRY_COMPRESSION");

  if (!get || !mode || (strncmp(mode, "lz4", 3) && strncmp(mode, "zstd", 4)))
    return;
  get(&st);
  printf("bigcopy: compression %s: sent %llu of %llu bytes, received %llu of %llu\n", mode,
         (unsigned long long)st.sent_wire, (unsigned long long)st.sent_raw,
         (unsigned long long)st.received_wire, (unsigned long long)st.received_raw);
  cf_host_result(h, st.sent_wire < st.sent_raw - ((uint64_t)4 << 20) &&
                        st.received_wire < st.received_raw - ((uint64_t)4 << 20),
                 "compressed pieces both ways", "too few bytes saved");
}

int main(int argc, char **argv)
{
  struct cf_host h;
  unsigned char *a = malloc(N), *b = malloc(N), *c = malloc(N);
  uint32_t rng = 7;
  CUdeviceptr d, gone;
  CUstream s;

  (void)argc;
  (void)argv;
  cf_host_open(&h, "bigcopy", NULL);
  if (!a || !b || !c) {
    cf_host_result(&h, 0, "malloc", "out of memory");
    return cf_host_finish(&h);
  }
  /* Random bytes, then 8 MiB that compress well, then random again: under
   * lz4 or zstd some pieces go compressed and some raw. */
  for (size_t i = 0; i < N; i++)
    a[i] = i >= ((size_t)8 << 20) && i < ((size_t)16 << 20) ? (unsigned char)(i >> 10)
                                                           : (unsigned char)cf_rand_u32(&rng);
  CF_CHECK(&h, cuMemAlloc(&d, N));
  CF_CHECK(&h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));

  CF_CHECK(&h, cuMemcpyHtoD(d, a, N));
  memset(b, 0, N);
  CF_CHECK(&h, cuMemcpyDtoH(b, d, N));
  cf_host_result(&h, !memcmp(a, b, N), "synchronous round trip", "bytes differ");
  cf_host_digest("bigcopy.sync", b, N);

  /* Async up, source overwritten at once; async down; one sync. */
  memcpy(c, a, N);
  for (size_t i = 0; i < N; i += 4096)
    a[i] ^= 0x5a;
  memcpy(b, a, N); /* what must arrive */
  CF_CHECK(&h, cuMemcpyHtoDAsync(d, a, N, s));
  memset(a, 0xee, N);
  memset(c, 0, N);
  CF_CHECK(&h, cuMemcpyDtoHAsync(c, d, N, s));
  CF_CHECK(&h, cuStreamSynchronize(s));
  cf_host_result(&h, !memcmp(b, c, N), "async round trip with the source overwritten",
                 "bytes differ");
  cf_host_digest("bigcopy.async", c, N);

  CF_EXPECT_CODE(&h, cuMemcpyDtoH(c, d + 1, N), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(&h, cuMemcpyHtoD(d + 4096, b, N), CUDA_ERROR_INVALID_VALUE);
  CF_CHECK(&h, cuMemAlloc(&gone, N));
  CF_CHECK(&h, cuMemFree(gone));
  CF_EXPECT_CODE(&h, cuMemcpyDtoH(c, gone, N), CUDA_ERROR_INVALID_VALUE);
  CF_CHECK(&h, cuMemcpyDtoH(c, d, N)); /* the failed upload changed nothing */
  cf_host_result(&h, !memcmp(b, c, N), "refused upload left the buffer alone", "bytes differ");

  CF_CHECK(&h, cuStreamDestroy(s));
  CF_CHECK(&h, cuMemFree(d));
  check_compression(&h);
  cf_host_codes_digest(&h);
  free(a);
  free(b);
  free(c);
  return cf_host_finish(&h);
}
