/* Typed assertion macros for cuferry's unit tests (libuv test/task.h style).
 * A failed check prints file, line and both values, then aborts the test
 * program with exit status 1; meson reports it as failed. A test that needs
 * something absent (nvcc, a GPU) exits with CF_TEST_SKIP (77). */
#ifndef CF_TEST_H
#define CF_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CF_TEST_SKIP 77

#define CF_FAIL_(fmt, ...)                                                   \
  do {                                                                      \
    fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);   \
    exit(1);                                                                \
  } while (0)

#define ASSERT(expr)                                                         \
  do { if (!(expr)) CF_FAIL_("assertion failed: %s", #expr); } while (0)

#define ASSERT_INT_OP_(a, op, b, type, fmt)                                  \
  do {                                                                      \
    type a_ = (a), b_ = (b);                                                \
    if (!(a_ op b_))                                                        \
      CF_FAIL_("%s %s %s: " fmt " vs " fmt, #a, #op, #b, a_, b_);           \
  } while (0)

#define ASSERT_EQ(a, b)  ASSERT_INT_OP_(a, ==, b, int64_t, "%" PRId64)
#define ASSERT_NE(a, b)  ASSERT_INT_OP_(a, !=, b, int64_t, "%" PRId64)
#define ASSERT_LT(a, b)  ASSERT_INT_OP_(a, <, b, int64_t, "%" PRId64)
#define ASSERT_LE(a, b)  ASSERT_INT_OP_(a, <=, b, int64_t, "%" PRId64)
#define ASSERT_GT(a, b)  ASSERT_INT_OP_(a, >, b, int64_t, "%" PRId64)
#define ASSERT_GE(a, b)  ASSERT_INT_OP_(a, >=, b, int64_t, "%" PRId64)
#define ASSERT_UEQ(a, b) ASSERT_INT_OP_(a, ==, b, uint64_t, "%" PRIu64)
#define ASSERT_DBL_EQ(a, b) ASSERT_INT_OP_(a, ==, b, double, "%.17g")
#define ASSERT_NULL(p)     ASSERT((p) == NULL)
#define ASSERT_NOT_NULL(p) ASSERT((p) != NULL)
#define ASSERT_STR_EQ(a, b)                                                  \
  do {                                                                      \
    const char *a_ = (a), *b_ = (b);                                        \
    if (strcmp(a_, b_) != 0)                                                \
      CF_FAIL_("%s == %s: \"%s\" vs \"%s\"", #a, #b, a_, b_);               \
  } while (0)
#define ASSERT_MEM_EQ(a, b, n) ASSERT(memcmp((a), (b), (n)) == 0)

#endif
