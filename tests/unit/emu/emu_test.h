/* Shared helpers for the emulator's unit tests: CUresult asserts that print
 * the error name, and a context set up on the emulator. */
#ifndef CF_EMU_TEST_H
#define CF_EMU_TEST_H

#include <cuda.h>

#include "cf_test.h"

#define CU_EXPECT(expr, want)                                                 \
  do {                                                                        \
    CUresult got_ = (expr), want_ = (want);                                   \
    if (got_ != want_) {                                                      \
      const char *g_ = "?", *w_ = "?";                                        \
      cuGetErrorName(got_, &g_);                                              \
      cuGetErrorName(want_, &w_);                                             \
      CF_FAIL_("%s: got %s (%d), want %s (%d)", #expr, g_, (int)got_, w_,     \
               (int)want_);                                                   \
    }                                                                         \
  } while (0)

#define CU_OK(expr) CU_EXPECT(expr, CUDA_SUCCESS)

/* cuInit and a fresh context, current on the calling thread. */
static inline CUcontext emu_test_context(void)
{
  CUcontext ctx = NULL;
  CU_OK(cuInit(0));
  CU_OK(cuCtxCreate(&ctx, NULL, 0, 0));
  return ctx;
}

#endif
