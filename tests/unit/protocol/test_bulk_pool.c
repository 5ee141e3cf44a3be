/* Unit tests for the bulk buffer pool (transport/bulk_pool.c): off by
 * default (plain malloc, nothing owned); once on, a freed buffer is handed
 * out again for a request of its size or up to half of it, and not for a
 * smaller or larger one; the byte bound holds (past it, malloc); small
 * requests never come from the pool; cf__bulk_pool_owns answers only for a
 * range inside a buffer in use, with that buffer's start and size; and a
 * malloc'd fallback is freed by cf_bulk_free (the sanitizer build would
 * report a leak or a bad free). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_test.h"
#include "internal.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

static void test_off_by_default(void)
{
  void *base, *p = cf_bulk_alloc(MIB);
  size_t size;

  ASSERT(p != NULL);
  ASSERT(!cf__bulk_pool_owns(p, 1, &base, &size));
  cf_bulk_free(p);
  cf_bulk_free(NULL);
  p = cf_bulk_alloc(0);
  ASSERT(p != NULL);
  cf_bulk_free(p);
}

static void test_reuse_and_ownership(void)
{
  uint8_t *a, *b, *c;
  void *base;
  size_t size;

  a = cf_bulk_alloc(4 * MIB + 1);
  ASSERT(a != NULL && ((uintptr_t)a & 4095) == 0);
  ASSERT(cf__bulk_pool_owns(a + 100, 4 * MIB - 100, &base, &size));
  ASSERT(base == a && size == 4 * MIB + 64 * KIB);
  ASSERT(!cf__bulk_pool_owns(a + 100, size, &base, &size)); /* runs past the end */
  memset(a, 0xab, 4 * MIB + 1);
  cf_bulk_free(a);
  ASSERT(!cf__bulk_pool_owns(a, 1, &base, &size)); /* free: not owned */
  b = cf_bulk_alloc(4 * MIB); /* the same buffer again */
  ASSERT(b == a);
  cf_bulk_free(b);
  b = cf_bulk_alloc(2 * MIB + 128 * KIB); /* half of it at least: reused */
  ASSERT(b == a);
  c = cf_bulk_alloc(2 * MIB); /* a is taken: a new one */
  ASSERT(c != NULL && c != a);
  cf_bulk_free(b);
  b = cf_bulk_alloc(MIB); /* under half of every free buffer: a new one */
  ASSERT(b != a && b != c);
  cf_bulk_free(b);
  cf_bulk_free(c);
}

static void test_small_and_bound(void)
{
  void *base, *p, *q;
  size_t size;

  p = cf_bulk_alloc(60 * KIB); /* under 64 KiB: plain malloc */
  ASSERT(p != NULL && !cf__bulk_pool_owns(p, 1, &base, &size));
  cf_bulk_free(p);
  /* The bound is 16 MiB; 7 MiB + 64 KiB are held by now, all free. */
  p = cf_bulk_alloc(6 * MIB);
  ASSERT(p != NULL && cf__bulk_pool_owns(p, 1, &base, &size));
  q = cf_bulk_alloc(6 * MIB); /* past the bound: malloc */
  ASSERT(q != NULL && !cf__bulk_pool_owns(q, 1, &base, &size));
  memset(q, 1, 6 * MIB);
  cf_bulk_free(q);
  cf_bulk_free(p);
}

int main(void)
{
  test_off_by_default();
  cf_bulk_pool_enable(16 * MIB);
  test_reuse_and_ownership();
  test_small_and_bound();
  return 0;
}
