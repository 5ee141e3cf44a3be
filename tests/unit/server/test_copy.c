/* The geometry checks the server makes on a strided copy from the network
 * (server/copy.c) before the driver sees it: a device side's pitch and
 * height must hold the extent and its last byte must have an address; a
 * packed host side must be exactly the bulk; zero extents and every
 * overflowing product are refused. */
#include "cf_test.h"
#include "internal.h"

static void test_side(void)
{
  /* Plain cases: a 100 x 10 x 3 box in rows of 128, slices of 16 rows. */
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 128, 16, 100, 10, 3), 1);
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 100, 10, 100, 10, 3), 1); /* tight */
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 100, 1, 100, 1, 1), 1);   /* one row */
  /* Pitches under the width and heights under the extent's. */
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 99, 16, 100, 10, 3), 0);
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 128, 9, 100, 10, 3), 0);
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 128, 9, 100, 10, 1), 0);
  /* Zero extents never reach the driver. */
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 128, 16, 0, 10, 3), 0);
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 128, 16, 100, 0, 3), 0);
  ASSERT_EQ(cf__srv_copy_side_ok(0x1000, 128, 16, 100, 10, 0), 0);
  /* The last byte must have an address: exactly at the top passes. */
  ASSERT_EQ(cf__srv_copy_side_ok(UINT64_MAX - 99, 100, 1, 100, 1, 1), 1);
  ASSERT_EQ(cf__srv_copy_side_ok(UINT64_MAX - 98, 100, 1, 100, 1, 1), 0);
  ASSERT_EQ(cf__srv_copy_side_ok(UINT64_MAX - 199, 100, 2, 100, 2, 1), 1);
  ASSERT_EQ(cf__srv_copy_side_ok(UINT64_MAX - 198, 100, 2, 100, 2, 1), 0);
  /* Products that overflow 64 bits: (depth-1)*height, rows*pitch. */
  ASSERT_EQ(cf__srv_copy_side_ok(0, 1, UINT64_MAX, 1, 1, 3), 0);
  ASSERT_EQ(cf__srv_copy_side_ok(0, UINT64_MAX / 2 + 1, 4, 1, 4, 1), 0);
  ASSERT_EQ(cf__srv_copy_side_ok(0, (uint64_t)1 << 32, (uint64_t)1 << 30, 1, 1, 3), 1);
  ASSERT_EQ(cf__srv_copy_side_ok(0, (uint64_t)1 << 32, (uint64_t)1 << 31, 1, 1, 3), 0);
  ASSERT_EQ(cf__srv_copy_side_ok(0, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX,
                                 UINT64_MAX), 0);
}

static void test_packed(void)
{
  ASSERT_EQ(cf__srv_copy_packed_ok(100, 10, 3, 3000), 1);
  ASSERT_EQ(cf__srv_copy_packed_ok(100, 10, 3, 2999), 0);
  ASSERT_EQ(cf__srv_copy_packed_ok(100, 10, 3, 3001), 0);
  ASSERT_EQ(cf__srv_copy_packed_ok(0, 10, 3, 0), 0);
  ASSERT_EQ(cf__srv_copy_packed_ok(100, 0, 3, 0), 0);
  ASSERT_EQ(cf__srv_copy_packed_ok(100, 10, 0, 0), 0);
  /* 2^32 * 2^32 wraps to 0; 2^32 * 2^31 * 2 likewise. */
  ASSERT_EQ(cf__srv_copy_packed_ok((uint64_t)1 << 32, (uint64_t)1 << 32, 1, 0), 0);
  ASSERT_EQ(cf__srv_copy_packed_ok((uint64_t)1 << 32, (uint64_t)1 << 31, 2, 0), 0);
  ASSERT_EQ(cf__srv_copy_packed_ok((uint64_t)1 << 32, 1, (uint64_t)1 << 32, 0), 0);
  ASSERT_EQ(cf__srv_copy_packed_ok(UINT64_MAX, 1, 1, UINT64_MAX), 1);
}

int main(void)
{
  test_side();
  test_packed();
  printf("server copy geometry: ok\n");
  return 0;
}
