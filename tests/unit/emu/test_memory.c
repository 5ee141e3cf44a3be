/* Unit tests for emu/memory.c and emu/devmem.c: allocation, freeing and
 * coalescing, copies and memsets with their range checks, address ranges,
 * pinned host memory and running out of device memory. Run with
 * CUFERRY_EMU_MEMORY=64M (see meson.build). */
#include <stdlib.h>
#include <string.h>

#include "emu_test.h"

#define MIB (1024u * 1024u)

static void test_alloc_free(void)
{
  CUdeviceptr a = 0, b = 0, c = 0, base = 0;
  size_t fr = 0, total = 0, fr2 = 0, size = 0;

  CU_OK(cuMemGetInfo(&fr, &total));
  ASSERT_UEQ(total, 64 * MIB);
  ASSERT_UEQ(fr, total);

  CU_OK(cuMemAlloc(&a, 1000));
  CU_OK(cuMemAlloc(&b, 1));
  ASSERT_NE(a, 0);
  ASSERT_UEQ(a % 256, 0);
  ASSERT_UEQ(b % 256, 0);
  ASSERT(b >= a + 1000 || a >= b + 1);
  CU_OK(cuMemGetInfo(&fr2, &total));
  ASSERT_LT(fr2, fr);

  CU_OK(cuMemGetAddressRange(&base, &size, a + 999));
  ASSERT_UEQ(base, a);
  ASSERT_UEQ(size, 1000);
  CU_OK(cuMemGetAddressRange(NULL, &size, b));
  ASSERT_UEQ(size, 1);
  CU_EXPECT(cuMemGetAddressRange(&base, &size, a + 1000 + 4096 * 1024),
            CUDA_ERROR_NOT_FOUND);

  CU_EXPECT(cuMemAlloc(&c, 0), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemAlloc(NULL, 16), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemFree(a + 16), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMemFree(a));
  CU_EXPECT(cuMemFree(a), CUDA_ERROR_INVALID_VALUE);  /* double free */
  CU_OK(cuMemFree(b));
  CU_OK(cuMemGetInfo(&fr2, &total));
  ASSERT_UEQ(fr2, fr);  /* everything coalesced back */
}

static void test_out_of_memory(void)
{
  CUdeviceptr a = 0, b = 0, c = 0;
  CU_EXPECT(cuMemAlloc(&a, 65 * MIB), CUDA_ERROR_OUT_OF_MEMORY);
  ASSERT_UEQ(a, 0);
  CU_OK(cuMemAlloc(&a, 40 * MIB));
  CU_EXPECT(cuMemAlloc(&b, 40 * MIB), CUDA_ERROR_OUT_OF_MEMORY);
  CU_OK(cuMemAlloc(&b, 20 * MIB));
  CU_OK(cuMemFree(a));
  /* Freed space is reusable, and the whole region again once coalesced. */
  CU_OK(cuMemAlloc(&c, 40 * MIB));
  CU_OK(cuMemFree(b));
  CU_OK(cuMemFree(c));
  CU_OK(cuMemAlloc(&a, 64 * MIB));
  CU_OK(cuMemFree(a));
  CU_EXPECT(cuMemAlloc(&a, (size_t)1 << 62), CUDA_ERROR_OUT_OF_MEMORY);
}

static void test_copy_memset(void)
{
  enum { N = 4096 };
  CUdeviceptr d = 0, e = 0;
  uint8_t *h = malloc(N), *g = malloc(N);

  for (int i = 0; i < N; i++)
    h[i] = (uint8_t)(i * 7);
  CU_OK(cuMemAlloc(&d, N));
  CU_OK(cuMemAlloc(&e, N));
  CU_OK(cuMemcpyHtoD(d, h, N));
  CU_OK(cuMemcpyDtoD(e, d, N));
  memset(g, 0, N);
  CU_OK(cuMemcpyDtoH(g, e, N));
  ASSERT_MEM_EQ(g, h, N);
  CU_OK(cuMemcpyDtoH(g, d + 100, 10));
  ASSERT_MEM_EQ(g, h + 100, 10);
  CU_OK(cuMemcpyHtoD(d, h, 0));  /* empty copies are fine */

  /* Ranges must lie inside one live allocation. */
  CU_EXPECT(cuMemcpyHtoD(d, h, N + 1), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemcpyDtoH(g, d + N - 4, 8), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemcpyDtoH(g, 0x1234, 8), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemcpyHtoD((CUdeviceptr)(uintptr_t)g, h, 8),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemcpyDtoD(e, d, N + 256), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemcpyHtoD(d, NULL, 8), CUDA_ERROR_INVALID_VALUE);

  CU_OK(cuMemsetD8(d, 0xab, N));
  CU_OK(cuMemcpyDtoH(g, d, N));
  for (int i = 0; i < N; i++)
    ASSERT_EQ(g[i], 0xab);
  CU_OK(cuMemsetD16(d, 0x1234, N / 2));
  CU_OK(cuMemcpyDtoH(g, d, 4));
  uint16_t s16[2];
  memcpy(s16, g, 4);
  ASSERT_EQ(s16[0], 0x1234);
  ASSERT_EQ(s16[1], 0x1234);
  CU_OK(cuMemsetD32(d + 4, 0xdeadbeef, N / 4 - 1));
  uint32_t s32[2];
  CU_OK(cuMemcpyDtoH(s32, d, 8));
  ASSERT_UEQ(s32[0], 0x12341234);
  ASSERT_UEQ(s32[1], 0xdeadbeef);
  CU_EXPECT(cuMemsetD32(d + 2, 0, 1), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemsetD16(d + 1, 0, 1), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemsetD32(d, 0, N / 4 + 1), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemsetD8(d + N - 1, 0, 2), CUDA_ERROR_INVALID_VALUE);  /* spans d and e */

  /* Stream-ordered forms. */
  CUstream st;
  CU_OK(cuStreamCreate(&st, CU_STREAM_NON_BLOCKING));
  CU_OK(cuMemsetD8Async(d, 1, N, st));
  CU_OK(cuMemsetD16Async(d, 0x0202, 8, st));
  CU_OK(cuMemsetD32Async(d, 0x03030303, 1, st));
  CU_OK(cuMemcpyHtoDAsync(e, h, N, st));
  CU_OK(cuMemcpyDtoDAsync(e, d, 32, st));
  CU_OK(cuMemcpyDtoHAsync(g, e, N, st));
  CU_OK(cuStreamSynchronize(st));
  ASSERT_EQ(g[0], 3);
  ASSERT_EQ(g[4], 2);
  ASSERT_EQ(g[16], 1);
  ASSERT_MEM_EQ(g + 32, h + 32, N - 32);
  CU_OK(cuMemcpyHtoDAsync(e, h, 8, CU_STREAM_PER_THREAD));
  CU_OK(cuMemcpyHtoDAsync(e, h, 8, CU_STREAM_LEGACY));
  CU_EXPECT(cuMemcpyHtoDAsync(e, h, 8, (CUstream)(void *)h),
            CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuStreamDestroy(st));
  CU_EXPECT(cuMemsetD8Async(d, 1, 1, st), CUDA_ERROR_INVALID_HANDLE);

  /* Freed memory is no longer reachable. */
  CU_OK(cuMemFree(d));
  CU_EXPECT(cuMemcpyDtoH(g, d, 8), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMemFree(e));
  free(h);
  free(g);
}

static void test_pinned(void)
{
  void *p = NULL, *q = NULL;
  int local;
  CU_OK(cuMemAllocHost(&p, 10000));
  ASSERT_NOT_NULL(p);
  ASSERT_UEQ((uintptr_t)p % 4096, 0);
  memset(p, 1, 10000);
  CU_OK(cuMemHostAlloc(&q, 100, CU_MEMHOSTALLOC_PORTABLE));
  void *bad;
  CU_EXPECT(cuMemHostAlloc(&bad, 100, 0x80), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemFreeHost(&local), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemFreeHost((char *)p + 1), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMemFreeHost(p));
  CU_EXPECT(cuMemFreeHost(p), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMemFreeHost(q));
}

static void test_contexts_isolated(void)
{
  CUcontext a, b;
  CUdeviceptr d;
  uint32_t v = 5;
  size_t fr0, fr1, total;

  CU_OK(cuCtxGetCurrent(&a));
  CU_OK(cuMemGetInfo(&fr0, &total));
  CU_OK(cuCtxCreate(&b, NULL, 0, 0));
  CU_OK(cuMemAlloc(&d, 4 * MIB));
  CU_OK(cuMemcpyHtoD(d, &v, 4));
  CU_OK(cuCtxPushCurrent(a));
  /* Another context's memory is not this context's to touch. */
  CU_EXPECT(cuMemcpyDtoH(&v, d, 4), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMemFree(d), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuCtxPopCurrent(NULL));
  /* Destroying a context frees its allocations. */
  CU_OK(cuCtxDestroy(b));
  CU_OK(cuCtxSetCurrent(a));
  CU_OK(cuMemGetInfo(&fr1, &total));
  ASSERT_UEQ(fr1, fr0);
}

int main(void)
{
  CUdeviceptr d;
  CU_EXPECT(cuMemAlloc(&d, 16), CUDA_ERROR_NOT_INITIALIZED);
  CU_OK(cuInit(0));
  CU_EXPECT(cuMemAlloc(&d, 16), CUDA_ERROR_INVALID_CONTEXT);
  emu_test_context();
  test_alloc_free();
  test_out_of_memory();
  test_copy_memset();
  test_pinned();
  test_contexts_isolated();
  return 0;
}
