/* Unit tests for emu/stream_ext.c: each wait comparison (32 and 64 bits,
 * met and not yet met, GEQ across wraparound), that a pending wait holds
 * no lock (other calls and a host thread's copy go on, and the copy
 * releases it), that a batch with a bad entry queues nothing, the default
 * streams' attributes, and the capture queries and mode. Every wait made
 * here is released; completion is polled with a deadline. */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "emu_test.h"

#define DEADLINE_MS 5000

static void sleep_ms(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* 1 when s finishes within the deadline. */
static int idle_within(CUstream s, long ms)
{
  for (long i = 0; i < ms; i++) {
    if (cuStreamQuery(s) == CUDA_SUCCESS)
      return 1;
    sleep_ms(1);
  }
  return 0;
}

struct wait_case {
  int wide;
  unsigned cmp;
  uint64_t value, start, release;
};

static void test_comparisons(CUstream s, CUdeviceptr w)
{
  static const struct wait_case cases[] = {
    { 0, CU_STREAM_WAIT_VALUE_GEQ, 5, 4, 5 },
    { 0, CU_STREAM_WAIT_VALUE_GEQ, 5, 0xFFFFFFF0u, 6 },         /* cyclic */
    { 0, CU_STREAM_WAIT_VALUE_EQ, 7, 6, 7 },
    { 0, CU_STREAM_WAIT_VALUE_AND, 0x10, 0xEF, 0x10 },
    { 0, CU_STREAM_WAIT_VALUE_NOR, 0x0F, 0xFFFFFFF0u, 0x0F },
    { 1, CU_STREAM_WAIT_VALUE_GEQ, 1ull << 40, 1ull << 39, 1ull << 40 },
    { 1, CU_STREAM_WAIT_VALUE_GEQ, 5, 0xFFFFFFFFFFFFFFF0ull, 5 },
    { 1, CU_STREAM_WAIT_VALUE_EQ, 1ull << 33, 1, 1ull << 33 },
    { 1, CU_STREAM_WAIT_VALUE_AND, 1ull << 50, ~(1ull << 50), 1ull << 50 },
    { 1, CU_STREAM_WAIT_VALUE_NOR, 1, ~1ull, 0 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct wait_case *c = &cases[i];
    size_t n = c->wide ? 8 : 4;
    uint32_t v32;

    v32 = (uint32_t)c->start;
    CU_OK(cuMemcpyHtoD(w, c->wide ? (const void *)&c->start : &v32, n));
    if (c->wide)
      CU_OK(cuStreamWaitValue64(s, w, c->value, c->cmp));
    else
      CU_OK(cuStreamWaitValue32(s, w, (cuuint32_t)c->value, c->cmp));
    sleep_ms(5);
    if (cuStreamQuery(s) != CUDA_ERROR_NOT_READY)
      CF_FAIL_("case %zu: the wait was met too early", i);
    v32 = (uint32_t)c->release;
    CU_OK(cuMemcpyHtoD(w, c->wide ? (const void *)&c->release : &v32, n));
    if (!idle_within(s, DEADLINE_MS))
      CF_FAIL_("case %zu: the wait was not released", i);
  }
}

struct releaser {
  CUcontext ctx;
  CUdeviceptr w;
  CUresult r;
};

static void *release_later(void *arg)
{
  struct releaser *rl = arg;
  uint32_t one = 1;

  sleep_ms(200);
  rl->r = cuCtxSetCurrent(rl->ctx);
  if (rl->r == CUDA_SUCCESS)
    rl->r = cuMemcpyHtoD(rl->w, &one, sizeof one);
  return NULL;
}

/* While an executor polls, the lock is free: calls return and another
 * thread's synchronous copy (legacy stream; s is non-blocking) releases it. */
static void test_no_lock_while_waiting(CUstream s, CUdeviceptr w)
{
  struct releaser rl = { NULL, w, CUDA_ERROR_UNKNOWN };
  CUdeviceptr tmp;
  pthread_t t;

  CU_OK(cuCtxGetCurrent(&rl.ctx));
  CU_OK(cuMemsetD32(w, 0, 1));
  CU_OK(cuStreamWaitValue32(s, w, 1, CU_STREAM_WAIT_VALUE_EQ));
  ASSERT_EQ(pthread_create(&t, NULL, release_later, &rl), 0);
  /* (cuMemFree would wait for the queued work: freed after the release.) */
  CU_OK(cuMemAlloc(&tmp, 64));
  CU_EXPECT(cuStreamQuery(s), CUDA_ERROR_NOT_READY);
  ASSERT(idle_within(s, DEADLINE_MS));
  CU_OK(cuMemFree(tmp));
  pthread_join(t, NULL);
  CU_OK(rl.r);
}

static void test_batch(CUstream s, CUdeviceptr w)
{
  CUstreamBatchMemOpParams ops[3] = { 0 };
  uint32_t got = 0;

  CU_OK(cuMemsetD32(w, 0, 2));
  ops[0].writeValue.operation = CU_STREAM_MEM_OP_WRITE_VALUE_32;
  ops[0].writeValue.address = w;
  ops[0].writeValue.value = 9;
  ops[1].flushRemoteWrites.operation = CU_STREAM_MEM_OP_FLUSH_REMOTE_WRITES;
  CU_EXPECT(cuStreamBatchMemOp(s, 2, ops, 0), CUDA_ERROR_NOT_SUPPORTED);
  ops[1].writeValue.operation = CU_STREAM_MEM_OP_WRITE_VALUE_32;
  ops[1].writeValue.address = w + 4;
  ops[1].writeValue.value = 10;
  ops[2].waitValue.operation = CU_STREAM_MEM_OP_WAIT_VALUE_32;
  ops[2].waitValue.address = w;
  ops[2].waitValue.flags = 7;  /* no such comparison */
  CU_EXPECT(cuStreamBatchMemOp(s, 3, ops, 0), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuStreamSynchronize(s));
  CU_OK(cuMemcpyDtoH(&got, w, sizeof got));
  ASSERT_EQ(got, 0);  /* nothing of either batch ran */
  CU_OK(cuStreamBatchMemOp(s, 2, ops, 0));
  CU_OK(cuStreamSynchronize(s));
  CU_OK(cuMemcpyDtoH(&got, w + 4, sizeof got));
  ASSERT_EQ(got, 10);
  CU_EXPECT(cuStreamWaitValue32(s, w, 0, CU_STREAM_WAIT_VALUE_FLUSH),
            CUDA_ERROR_NOT_SUPPORTED);
}

static void test_attributes(void)
{
  CUstreamAttrValue v = { 0 };
  CUstream s;
  int prio = 0;

  CU_OK(cuStreamGetAttribute(NULL, CU_STREAM_ATTRIBUTE_SYNCHRONIZATION_POLICY, &v));
  ASSERT_EQ(v.syncPolicy, CU_SYNC_POLICY_AUTO);
  v.priority = -2;  /* default streams: accepted, not kept */
  CU_OK(cuStreamSetAttribute(CU_STREAM_LEGACY, CU_STREAM_ATTRIBUTE_PRIORITY, &v));
  CU_OK(cuStreamGetAttribute(CU_STREAM_LEGACY, CU_STREAM_ATTRIBUTE_PRIORITY, &v));
  ASSERT_EQ(v.priority, 0);
  CU_OK(cuStreamCreate(&s, 0));
  v.priority = -100;  /* clamped like cuStreamCreateWithPriority */
  CU_OK(cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_PRIORITY, &v));
  CU_OK(cuStreamGetPriority(s, &prio));
  ASSERT_EQ(prio, -5);
  v.memSyncDomain = (CUlaunchMemSyncDomain)2;
  CU_EXPECT(cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN, &v),
            CUDA_ERROR_INVALID_VALUE);
  memset(&v, 0, sizeof v);
  v.accessPolicyWindow.num_bytes = 1ull << 40;  /* over the device's maximum */
  CU_EXPECT(cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_ACCESS_POLICY_WINDOW, &v),
            CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuStreamDestroy(s));
}

static void test_capture(void)
{
  CUstreamCaptureStatus st = CU_STREAM_CAPTURE_STATUS_ACTIVE;
  CUstreamCaptureMode m = CU_STREAM_CAPTURE_MODE_THREAD_LOCAL;
  CUdevice d = -1;

  CU_OK(cuStreamIsCapturing(CU_STREAM_PER_THREAD, &st));
  ASSERT_EQ(st, CU_STREAM_CAPTURE_STATUS_NONE);
  CU_OK(cuStreamGetDevice(NULL, &d));
  ASSERT_EQ(d, 0);
  CU_OK(cuThreadExchangeStreamCaptureMode(&m));
  ASSERT_EQ(m, CU_STREAM_CAPTURE_MODE_GLOBAL);
  CU_OK(cuThreadExchangeStreamCaptureMode(&m));
  ASSERT_EQ(m, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
}

int main(void)
{
  CUcontext ctx = emu_test_context();
  CUdeviceptr w;
  CUstream s;
  int v = 0;

  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_WAIT_VALUE_NOR, 0));
  ASSERT_EQ(v, 1);
  CU_OK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CU_OK(cuMemAlloc(&w, 64));
  test_comparisons(s, w);
  test_no_lock_while_waiting(s, w);
  test_batch(s, w);
  test_attributes();
  test_capture();
  CU_OK(cuStreamDestroy(s));
  CU_OK(cuMemFree(w));
  CU_OK(cuCtxDestroy(ctx));
  return 0;
}
