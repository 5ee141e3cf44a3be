/* The device-span checks (server/span.c) against a fake driver whose
 * address map holds two allocations in the current context and one in a
 * second context: ranges inside pass; ranges that start before, end after,
 * straddle two allocations, lie in a freed gap or in another context fail
 * with CUDA_ERROR_INVALID_VALUE, and other driver errors (a sticky fault)
 * come through as they are; zero-length ranges touch nothing and pass;
 * 2D spans count (height-1)*pitch + width*elem bytes; products that
 * overflow 64 bits and a driver without cuMemGetAddressRange are refused. */
#include "cf_test.h"
#include "internal.h"

struct fake_alloc {
  CUcontext ctx;
  CUdeviceptr base;
  size_t size;
};

#define CTX_A ((CUcontext)0x10)
#define CTX_B ((CUcontext)0x20)

static const struct fake_alloc allocs[] = {
  { CTX_A, 0x10000, 0x1000 }, /* A1: [0x10000, 0x11000) */
  { CTX_A, 0x11000, 0x800 },  /* A2: adjacent to A1 */
  { CTX_B, 0x20000, 0x1000 }, /* B1: another context's */
};
static CUcontext current = CTX_A, pushed_from;
static int depth;
static CUresult sticky; /* a fault that ended the context, or success */

static CUresult CUDAAPI fake_range(CUdeviceptr *base, size_t *size, CUdeviceptr p)
{
  if (sticky != CUDA_SUCCESS)
    return sticky;
  for (size_t i = 0; i < sizeof allocs / sizeof allocs[0]; i++)
    if (allocs[i].ctx == current && p >= allocs[i].base &&
        p - allocs[i].base < allocs[i].size) {
      *base = allocs[i].base;
      *size = allocs[i].size;
      return CUDA_SUCCESS;
    }
  return CUDA_ERROR_NOT_FOUND;
}

static CUresult CUDAAPI fake_push(CUcontext c)
{
  pushed_from = current;
  current = c;
  depth++;
  return CUDA_SUCCESS;
}

static CUresult CUDAAPI fake_pop(CUcontext *c)
{
  *c = current;
  current = pushed_from;
  depth--;
  return CUDA_SUCCESS;
}

static struct cf_driver drv;
static struct cf_call call = { .drv = &drv };

static CUresult span(uint64_t p, uint64_t pitch, uint64_t w, uint64_t h, uint64_t elem)
{
  return cf__srv_span_check(&call, NULL, p, pitch, w, h, elem);
}

static void test_one_dimension(void)
{
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x10000, 0x1000), CUDA_SUCCESS);
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x10fff, 1), CUDA_SUCCESS);
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x10800, 0x800), CUDA_SUCCESS);
  /* One byte past the end, a start before any allocation, a straddle of two
   * adjacent allocations (each is its own object) and a gap. */
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x10000, 0x1001), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0xffff, 2), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x10f00, 0x200), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x11800, 1), CUDA_ERROR_INVALID_VALUE);
  /* A length that wraps the address space. */
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x10010, UINT64_MAX), CUDA_ERROR_INVALID_VALUE);
  /* Zero bytes touch nothing, wherever they point (as the driver has it). */
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0xdead0000, 0), CUDA_SUCCESS);
  /* Elements: 0x400 words of 4 bytes fill A1, one more does not fit. */
  ASSERT_EQ(span(0x10000, 0, 0x400, 1, 4), CUDA_SUCCESS);
  ASSERT_EQ(span(0x10000, 0, 0x401, 1, 4), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(span(0x10000, 0, UINT64_MAX / 2, 1, 4), CUDA_ERROR_INVALID_VALUE);
}

static void test_two_dimensions(void)
{
  /* 16 rows of 64 two-byte elements, 256 bytes apart: 15*256 + 128 bytes. */
  ASSERT_EQ(span(0x10000, 256, 64, 16, 2), CUDA_SUCCESS);
  ASSERT_EQ(span(0x10000 + 0x1000 - (15 * 256 + 128), 256, 64, 16, 2), CUDA_SUCCESS);
  ASSERT_EQ(span(0x10000 + 0x1000 - (15 * 256 + 128) + 1, 256, 64, 16, 2),
            CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(span(0x10000, 256, 64, 17, 2), CUDA_ERROR_INVALID_VALUE);
  /* Zero rows or a zero width touch nothing. */
  ASSERT_EQ(span(0xdead0000, 256, 64, 0, 2), CUDA_SUCCESS);
  ASSERT_EQ(span(0xdead0000, 256, 0, 16, 2), CUDA_SUCCESS);
  /* (height-1)*pitch overflows. */
  ASSERT_EQ(span(0x10000, UINT64_MAX / 2, 1, 3, 1), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(span(0x10000, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX),
            CUDA_ERROR_INVALID_VALUE);
}

static void test_contexts(void)
{
  /* Another context's allocation is unknown in this one, known in its own;
   * the check leaves the current context as it found it. */
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x20000, 16), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf__srv_range_check(&call, CTX_B, 0x20000, 16), CUDA_SUCCESS);
  ASSERT_EQ(cf__srv_range_check(&call, CTX_B, 0x10000, 16), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(depth, 0);
  ASSERT_EQ(current == CTX_A, 1);
}

static void test_sticky_error(void)
{
  sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0x10000, 16), CUDA_ERROR_ILLEGAL_ADDRESS);
  ASSERT_EQ(cf__srv_range_check(&call, NULL, 0xdead0000, 16), CUDA_ERROR_ILLEGAL_ADDRESS);
  sticky = CUDA_SUCCESS;
}

static void test_no_driver_function(void)
{
  struct cf_driver none = { 0 };
  struct cf_call c = { .drv = &none };

  ASSERT_EQ(cf__srv_range_check(&c, NULL, 0x10000, 1), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf__srv_range_check(&c, NULL, 0x10000, 0), CUDA_SUCCESS);
}

int main(void)
{
  drv.cuMemGetAddressRange_v2 = fake_range;
  drv.cuCtxPushCurrent_v2 = fake_push;
  drv.cuCtxPopCurrent_v2 = fake_pop;
  test_one_dimension();
  test_two_dimensions();
  test_contexts();
  test_sticky_error();
  test_no_driver_function();
  printf("server device spans: ok\n");
  return 0;
}
