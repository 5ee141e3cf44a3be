/* The server's per-session device-memory quota, seen by a driver-API user
 * (run by tests/integration/test_quota.py against a cuferryd with a quota;
 * not on the emulator directly, which has none): cuMemGetInfo reports the
 * quota as total and what is left as free; an allocation beyond it fails
 * with CUDA_ERROR_OUT_OF_MEMORY and fits again once memory is freed; pitched
 * allocations count pitch * height, arrays and mipmapped arrays their
 * elements, stream-ordered allocations from the call to cuMemFreeAsync;
 * destroying a context, or resetting the primary one, gives back what was
 * allocated in it.
 *
 * usage: quota MIB [basic]
 *   MIB    the quota the server gives this session, in MiB
 *   basic  only the total and one allocation beyond the quota */
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

#define MIB ((size_t)1 << 20)

static size_t mem_free(struct cf_host *h)
{
  size_t f = 0, t = 0;
  CF_CHECK(h, cuMemGetInfo(&f, &t));
  return f;
}

/* free must have gone down by want since before. */
static void expect_used(struct cf_host *h, const char *label, size_t before, size_t want)
{
  size_t now = mem_free(h);
  cf_host_result(h, before - now == want, label, "free went from %zu to %zu, not down by %zu",
                 before, now, want);
}

static void plain(struct cf_host *h, size_t quota)
{
  size_t big = quota / 64 * 40, more = quota / 64 * 30;
  CUdeviceptr a = 0, b = 0;

  CF_CHECK(h, cuMemAlloc(&a, big));
  cf_host_result(h, mem_free(h) == quota - big, "free after allocating 40/64", "free %zu",
                 mem_free(h));
  CF_EXPECT(h, cuMemAlloc(&b, more), CUDA_ERROR_OUT_OF_MEMORY);
  CF_CHECK(h, cuMemFree(a));
  cf_host_result(h, mem_free(h) == quota, "free after cuMemFree", "free %zu", mem_free(h));
  CF_EXPECT(h, cuMemAlloc(&b, more), CUDA_SUCCESS);
  /* Exactly what is left fits; one byte more does not. */
  CF_EXPECT(h, cuMemAlloc(&a, quota - more), CUDA_SUCCESS);
  cf_host_result(h, mem_free(h) == 0, "free with the quota used up", "free %zu", mem_free(h));
  CF_EXPECT(h, cuMemAlloc(&a, 1), CUDA_ERROR_OUT_OF_MEMORY);
  CF_CHECK(h, cuMemFree(b));
  CF_EXPECT(h, cuMemFree(b), CUDA_ERROR_INVALID_VALUE); /* twice: nothing more back */
  CF_CHECK(h, cuMemFree(a));
  cf_host_result(h, mem_free(h) == quota, "free after freeing everything", "free %zu",
                 mem_free(h));
}

static void pitched(struct cf_host *h, size_t quota)
{
  size_t before = mem_free(h), pitch = 0, height = 1024;
  CUdeviceptr p = 0, q = 0;

  CF_CHECK(h, cuMemAllocPitch(&p, &pitch, 1000, height, 4));
  expect_used(h, "cuMemAllocPitch counts pitch * height", before, pitch * height);
  /* Rows whose unpadded size alone is over the quota. */
  CF_EXPECT(h, cuMemAllocPitch(&q, &pitch, quota / 1024, 1025, 4), CUDA_ERROR_OUT_OF_MEMORY);
  CF_CHECK(h, cuMemFree(p));
  expect_used(h, "cuMemFree gives a pitched allocation back", before, 0);
}

static void arrays(struct cf_host *h, size_t quota)
{
  CUDA_ARRAY_DESCRIPTOR d2 = { .Width = 1024, .Height = 1024, .Format = CU_AD_FORMAT_FLOAT,
                               .NumChannels = 4 };
  CUDA_ARRAY3D_DESCRIPTOR d3 = { .Width = 256, .Height = 256, .Depth = 16,
                                 .Format = CU_AD_FORMAT_UNSIGNED_INT16, .NumChannels = 2 };
  CUDA_ARRAY3D_DESCRIPTOR dm = { .Width = 256, .Height = 256,
                                 .Format = CU_AD_FORMAT_UNSIGNED_INT8, .NumChannels = 1 };
  CUDA_ARRAY3D_DESCRIPTOR huge = { .Width = 4096, .Height = 4096, .Depth = 0,
                                   .Format = CU_AD_FORMAT_FLOAT, .NumChannels = 4 };
  size_t before = mem_free(h);
  CUarray a = NULL, b = NULL;
  CUmipmappedArray m = NULL;

  (void)quota;
  CF_CHECK(h, cuArrayCreate(&a, &d2));
  expect_used(h, "cuArrayCreate counts width * height * element", before, 16 * MIB);
  CF_CHECK(h, cuArray3DCreate(&b, &d3));
  expect_used(h, "cuArray3DCreate counts its depth", before, 16 * MIB + 256 * 256 * 16 * 4);
  CF_CHECK(h, cuArrayDestroy(a));
  CF_CHECK(h, cuArrayDestroy(b));
  expect_used(h, "cuArrayDestroy gives arrays back", before, 0);
  CF_CHECK(h, cuMipmappedArrayCreate(&m, &dm, 3));
  expect_used(h, "cuMipmappedArrayCreate counts every level", before,
              256 * 256 + 128 * 128 + 64 * 64);
  CF_CHECK(h, cuMipmappedArrayDestroy(m));
  expect_used(h, "cuMipmappedArrayDestroy gives it back", before, 0);
  CF_EXPECT(h, cuArray3DCreate(&a, &huge), CUDA_ERROR_OUT_OF_MEMORY); /* 256 MiB */
}

static void stream_ordered(struct cf_host *h, size_t quota)
{
  size_t before = mem_free(h);
  CUdeviceptr p = 0, q = 0;
  CUstream s = NULL;
  CUmemoryPool pool = NULL;

  CF_CHECK(h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CF_CHECK(h, cuMemAllocAsync(&p, 8 * MIB, s));
  expect_used(h, "cuMemAllocAsync counts", before, 8 * MIB);
  CF_EXPECT(h, cuMemAllocAsync(&q, quota, s), CUDA_ERROR_OUT_OF_MEMORY);
  CF_CHECK(h, cuDeviceGetDefaultMemPool(&pool, h->dev));
  CF_CHECK(h, cuMemAllocFromPoolAsync(&q, 4 * MIB, pool, s));
  expect_used(h, "cuMemAllocFromPoolAsync counts", before, 12 * MIB);
  CF_EXPECT(h, cuMemAllocFromPoolAsync(&q, quota, pool, s), CUDA_ERROR_OUT_OF_MEMORY);
  CF_CHECK(h, cuMemFreeAsync(p, s));
  CF_CHECK(h, cuMemFreeAsync(q, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  expect_used(h, "cuMemFreeAsync gives it back", before, 0);
  CF_CHECK(h, cuStreamDestroy(s));
}

static void contexts(struct cf_host *h, size_t quota)
{
  CUDA_ARRAY_DESCRIPTOR d2 = { .Width = 1024, .Height = 1024, .Format = CU_AD_FORMAT_FLOAT,
                               .NumChannels = 1 };
  size_t before = mem_free(h), pitch = 0;
  CUdeviceptr p = 0;
  CUcontext c2 = NULL, primary = NULL;
  CUarray a = NULL;

  CF_CHECK(h, cuCtxCreate(&c2, NULL, 0, h->dev));
  CF_CHECK(h, cuMemAlloc(&p, quota / 4));
  CF_CHECK(h, cuMemAllocPitch(&p, &pitch, 4096, 256, 4));
  CF_CHECK(h, cuArrayCreate(&a, &d2));
  expect_used(h, "allocations in a second context", before,
              quota / 4 + pitch * 256 + 4 * MIB);
  CF_CHECK(h, cuCtxDestroy(c2));
  CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  expect_used(h, "cuCtxDestroy gives its allocations back", before, 0);

  CF_CHECK(h, cuDevicePrimaryCtxRetain(&primary, h->dev));
  CF_CHECK(h, cuCtxSetCurrent(primary));
  CF_CHECK(h, cuMemAlloc(&p, quota / 2));
  expect_used(h, "an allocation in the primary context", before, quota / 2);
  CF_CHECK(h, cuDevicePrimaryCtxReset(h->dev));
  CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  expect_used(h, "cuDevicePrimaryCtxReset gives it back", before, 0);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  size_t quota, f = 0, t = 0;
  CUdeviceptr p = 0;
  char *end = NULL;

  cf_host_usage(argc, argv, 1, "MIB [basic]");
  quota = (size_t)strtoul(argv[1], &end, 10) * MIB;
  if (!*argv[1] || *end || quota == 0) {
    fprintf(stderr, "quota: bad MIB \"%s\"\n", argv[1]);
    return 2;
  }
  cf_host_open(&h, "quota", NULL);
  CF_CHECK(&h, cuMemGetInfo(&f, &t));
  cf_host_result(&h, t == quota && f == quota, "cuMemGetInfo reports the quota",
                 "free %zu total %zu, quota %zu", f, t, quota);
  if (argc > 2) {
    CF_EXPECT(&h, cuMemAlloc(&p, quota + 1), CUDA_ERROR_OUT_OF_MEMORY);
    CF_CHECK(&h, cuMemAlloc(&p, quota));
    CF_CHECK(&h, cuMemFree(p));
  } else {
    plain(&h, quota);
    pitched(&h, quota);
    arrays(&h, quota);
    stream_ordered(&h, quota);
    contexts(&h, quota);
  }
  return cf_host_finish(&h);
}
