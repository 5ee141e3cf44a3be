/* Unit tests for emu/stream.c: streams, events and their timing, and the
 * error codes for unrecorded, timing-disabled and destroyed events. */
#include <time.h>

#include "emu_test.h"

static void sleep_ms(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

static void test_streams(void)
{
  CUstream s = NULL, t = NULL;
  int prio = 99;
  unsigned flags = 99;
  CUcontext ctx, cur;

  CU_OK(cuCtxGetCurrent(&cur));
  CU_OK(cuStreamCreate(&s, 0));
  CU_OK(cuStreamCreateWithPriority(&t, CU_STREAM_NON_BLOCKING, -100));
  CU_OK(cuStreamGetPriority(t, &prio));
  ASSERT_EQ(prio, -5);  /* clamped to the greatest priority */
  CU_OK(cuStreamGetFlags(t, &flags));
  ASSERT_EQ(flags, CU_STREAM_NON_BLOCKING);
  CU_OK(cuStreamGetCtx(s, &ctx));
  ASSERT(ctx == cur);
  CUstream bad;
  CU_EXPECT(cuStreamCreate(&bad, 2), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuStreamQuery(s));
  CU_OK(cuStreamSynchronize(s));
  CU_OK(cuStreamSynchronize(NULL));
  CU_OK(cuStreamQuery(CU_STREAM_LEGACY));
  CU_OK(cuStreamDestroy(s));
  CU_EXPECT(cuStreamDestroy(s), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuStreamSynchronize(s), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuStreamQuery(s), CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuStreamDestroy_v2(t));
}

static void test_events(void)
{
  CUevent a, b, c, d;
  CUstream s;
  float ms = -1;
  int prio;

  CU_OK(cuStreamCreate(&s, 0));
  CU_OK(cuEventCreate(&a, CU_EVENT_DEFAULT));
  CU_OK(cuEventCreate(&b, CU_EVENT_BLOCKING_SYNC));
  CU_OK(cuEventCreate(&c, CU_EVENT_DISABLE_TIMING));
  CU_EXPECT(cuEventCreate(&d, CU_EVENT_INTERPROCESS), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuEventCreate(&d, 0x40), CUDA_ERROR_INVALID_VALUE);

  /* Never recorded: the driver documents INVALID_HANDLE. */
  CU_EXPECT(cuEventElapsedTime(&ms, a, b), CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuEventQuery(a));
  CU_OK(cuEventSynchronize(a));

  CU_OK(cuEventRecord(a, s));
  /* The record runs on the stream's thread: wait for it before sleeping,
   * or a slow thread start would shorten the measured gap. */
  CU_OK(cuEventSynchronize(a));
  sleep_ms(30);
  CU_OK(cuEventRecord(b, s));
  CU_OK(cuEventSynchronize(b));
  CU_OK(cuEventQuery(b));
  CU_OK(cuEventElapsedTime(&ms, a, b));  /* cuEventElapsedTime_v2 */
  ASSERT_GE(ms, 29.0);
  ASSERT_LT(ms, 2000.0);
  CU_OK(cuEventElapsedTime(&ms, b, a));
  ASSERT_LE(ms, -29.0);

  CU_OK(cuEventRecord(c, NULL));
  CU_EXPECT(cuEventElapsedTime(&ms, a, c), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuEventElapsedTime(NULL, a, b), CUDA_ERROR_INVALID_VALUE);

  CU_OK(cuStreamWaitEvent(s, a, 0));
  CU_EXPECT(cuStreamWaitEvent(s, a, 8), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuEventRecordWithFlags(a, s, CU_EVENT_RECORD_DEFAULT));

  /* Wrong kinds and destroyed handles. */
  CU_EXPECT(cuEventRecord((CUevent)(void *)s, s), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuStreamGetPriority((CUstream)(void *)a, &prio),
            CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuEventDestroy(c));
  CU_EXPECT(cuEventDestroy(c), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuEventQuery(c), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuEventRecord(c, s), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuStreamWaitEvent(s, c, 0), CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuEventDestroy_v2(b));
  CU_OK(cuStreamDestroy(s));
  /* a is left for the context to free. */
}

static void test_context_owns(void)
{
  CUcontext x;
  CUstream s;
  CUevent e;
  CU_OK(cuCtxCreate(&x, NULL, 0, 0));
  CU_OK(cuStreamCreate(&s, 0));
  CU_OK(cuEventCreate(&e, 0));
  CU_OK(cuCtxDestroy(x));
  CU_EXPECT(cuEventQuery(e), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuStreamDestroy(s), CUDA_ERROR_INVALID_HANDLE);
}

int main(void)
{
  CUcontext ctx = emu_test_context();
  test_streams();
  test_events();
  test_context_owns();
  CU_OK(cuCtxSetCurrent(ctx));
  CU_OK(cuCtxDestroy(ctx));
  return 0;
}
