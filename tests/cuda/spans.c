/* Device ranges that leave their allocation: memsets (1D and 2D, sync and
 * async), host-to-device, device-to-host and device-to-device copies (plain
 * and async), a strided 2D copy and a linear texture whose range runs one
 * byte past the end, start before it, straddle two allocations or use a
 * freed one must each fail with CUDA_ERROR_INVALID_VALUE and change no
 * byte of device memory; the same calls exactly at the boundary succeed.
 * Through cuferry the server refuses these before its driver sees them
 * (server/span.c); on the emulator alone the emulator does.
 *
 * Two more modes for tests/integration/test_spans.py (another session's
 * memory): "spans hold" fills 64 KiB with 0x5a, prints "ptr 0x..." and
 * waits for stdin to close; "spans probe 0x..." must not be able to read
 * that address, and a fresh allocation of its own must not hold the other
 * session's bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define N 4096 /* bytes per buffer */
#define PATTERN 0x5a
#define HOLD_BYTES 65536

static void expect_invalid(struct cf_host *h, CUresult r, const char *what)
{
  cf_host_note(h, (uint64_t)r);
  cf_host_result(h, r == CUDA_ERROR_INVALID_VALUE, what, "got %s, want CUDA_ERROR_INVALID_VALUE",
                 cf_host_err_name(r));
}

/* Both buffers still hold what was last written to them. */
static void expect_bytes(struct cf_host *h, CUdeviceptr a, CUdeviceptr b, int va, int vb,
                         const char *what)
{
  static unsigned char got[2 * N], want[2 * N];

  CF_CHECK(h, cuMemcpyDtoH(got, a, N));
  CF_CHECK(h, cuMemcpyDtoH(got + N, b, N));
  memset(want, va, N);
  memset(want + N, vb, N);
  cf_host_result(h, !memcmp(got, want, sizeof want), what, "device bytes changed");
  cf_host_digest("spans.bytes", got, sizeof got);
}

static void refused_ranges(struct cf_host *h)
{
  static unsigned char host[2 * N];
  CUdeviceptr a, b, gone;
  CUstream s;

  CF_CHECK(h, cuMemAlloc(&a, N));
  CF_CHECK(h, cuMemAlloc(&b, N));
  CF_CHECK(h, cuMemAlloc(&gone, N));
  CF_CHECK(h, cuMemFree(gone));
  CF_CHECK(h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CF_CHECK(h, cuMemsetD8(a, 1, N));
  CF_CHECK(h, cuMemsetD8(b, 2, N));
  memset(host, 9, sizeof host);

  /* Exactly at the boundary: fine (and rewrites the same bytes). */
  CF_CHECK(h, cuMemsetD8(a + N - 1, 1, 1));
  CF_CHECK(h, cuMemsetD32(a, 0x01010101u, N / 4));
  CF_CHECK(h, cuMemcpyDtoH(host, a + N - 16, 16));
  CF_CHECK(h, cuMemcpyDtoD(b, b, N));

  /* One byte or element too many, a start before, a freed buffer. */
  expect_invalid(h, cuMemsetD8(a, 7, N + 1), "memset D8 past the end");
  expect_invalid(h, cuMemsetD8(a + 1, 7, N), "memset D8 shifted past the end");
  expect_invalid(h, cuMemsetD16(a, 7, N / 2 + 1), "memset D16 past the end");
  expect_invalid(h, cuMemsetD32(a, 7, N / 4 + 1), "memset D32 past the end");
  expect_invalid(h, cuMemsetD8(a - 1, 7, 2), "memset D8 from before the start");
  expect_invalid(h, cuMemsetD8(gone, 7, 1), "memset D8 on a freed buffer");
  expect_invalid(h, cuMemsetD8Async(a, 7, N + 1, s), "memset D8 async past the end");
  expect_invalid(h, cuMemsetD32Async(a, 7, N / 4 + 1, s), "memset D32 async past the end");
  expect_invalid(h, cuMemsetD2D8(a, 256, 7, 256, N / 256 + 1), "memset 2D rows past the end");
  expect_invalid(h, cuMemsetD2D32(a + 4, 256, 7, 64, N / 256), "memset 2D shifted past the end");
  expect_invalid(h, cuMemsetD2D8Async(a, 256, 7, 256, N / 256 + 1, s),
                 "memset 2D async past the end");
  expect_invalid(h, cuMemcpyHtoD(a, host, N + 1), "HtoD past the end");
  expect_invalid(h, cuMemcpyHtoD(b + N - 1, host, 2), "HtoD over the end");
  expect_invalid(h, cuMemcpyHtoDAsync(a + 1, host, N, s), "HtoD async past the end");
  expect_invalid(h, cuMemcpyDtoH(host, a + 1, N), "DtoH past the end");
  expect_invalid(h, cuMemcpyDtoH(host, gone, 16), "DtoH from a freed buffer");
  expect_invalid(h, cuMemcpyDtoHAsync(host, a, N + 1, s), "DtoH async past the end");
  expect_invalid(h, cuMemcpyDtoD(b, a + 1, N), "DtoD source past the end");
  expect_invalid(h, cuMemcpyDtoD(a + 1, b, N), "DtoD destination past the end");
  expect_invalid(h, cuMemcpyDtoDAsync(b, a, N + 1, s), "DtoD async past the end");

  /* A strided copy whose last row leaves the buffer. */
  CUDA_MEMCPY2D c2;
  memset(&c2, 0, sizeof c2);
  c2.srcMemoryType = CU_MEMORYTYPE_HOST;
  c2.srcHost = host;
  c2.srcPitch = 64;
  c2.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  c2.dstDevice = a;
  c2.dstPitch = 256;
  c2.WidthInBytes = 64;
  c2.Height = N / 256 + 1;
  expect_invalid(h, cuMemcpy2D(&c2), "2D copy rows past the end");
  c2.Height = N / 256;
  c2.dstDevice = a + 256 - 63; /* the last row ends one byte past */
  expect_invalid(h, cuMemcpy2D(&c2), "2D copy shifted past the end");

  /* A linear texture over more than its buffer. */
  CUDA_RESOURCE_DESC res;
  CUDA_TEXTURE_DESC tex;
  CUtexObject t = 0;
  memset(&res, 0, sizeof res);
  memset(&tex, 0, sizeof tex);
  res.resType = CU_RESOURCE_TYPE_LINEAR;
  res.res.linear.devPtr = a;
  res.res.linear.format = CU_AD_FORMAT_UNSIGNED_INT8;
  res.res.linear.numChannels = 1;
  res.res.linear.sizeInBytes = 2 * N;
  expect_invalid(h, cuTexObjectCreate(&t, &res, &tex, NULL), "linear texture past the end");

  CF_CHECK(h, cuStreamSynchronize(s));
  expect_bytes(h, a, b, 1, 2, "no byte changed by refused calls");
  CF_CHECK(h, cuStreamDestroy(s));
  CF_CHECK(h, cuMemFree(a));
  CF_CHECK(h, cuMemFree(b));
}

static int hold(struct cf_host *h)
{
  CUdeviceptr p;
  char line[64];

  CF_CHECK(h, cuMemAlloc(&p, HOLD_BYTES));
  CF_CHECK(h, cuMemsetD8(p, PATTERN, HOLD_BYTES));
  CF_CHECK(h, cuCtxSynchronize());
  printf("ptr 0x%llx\n", (unsigned long long)p);
  fflush(stdout);
  while (fgets(line, sizeof line, stdin))
    ;
  CF_CHECK(h, cuMemFree(p));
  return cf_host_finish(h);
}

static int probe(struct cf_host *h, const char *text)
{
  static unsigned char got[HOLD_BYTES];
  CUdeviceptr theirs = (CUdeviceptr)strtoull(text, NULL, 0), mine;
  int pattern = 1;

  memset(got, 0, sizeof got);
  expect_invalid(h, cuMemcpyDtoH(got, theirs, 16), "read another session's pointer");
  expect_invalid(h, cuMemsetD8(theirs, 0, 16), "write another session's pointer");
  CF_CHECK(h, cuMemAlloc(&mine, HOLD_BYTES));
  CF_CHECK(h, cuMemcpyDtoH(got, mine, HOLD_BYTES));
  for (size_t i = 0; i < HOLD_BYTES && pattern; i++)
    pattern = got[i] == PATTERN;
  cf_host_result(h, !pattern, "a fresh allocation holds none of another session's bytes",
                 "it holds the other session's pattern (at 0x%llx, theirs 0x%llx)",
                 (unsigned long long)mine, (unsigned long long)theirs);
  CF_CHECK(h, cuMemFree(mine));
  return cf_host_finish(h);
}

int main(int argc, char **argv)
{
  struct cf_host h;

  cf_host_open(&h, "spans", NULL);
  if (argc >= 2 && !strcmp(argv[1], "hold"))
    return hold(&h);
  if (argc >= 3 && !strcmp(argv[1], "probe"))
    return probe(&h, argv[2]);
  refused_ranges(&h);
  cf_host_codes_digest(&h);
  return cf_host_finish(&h);
}
