/* Stream attributes, capture state and stream memory operations: the device
 * attributes that advertise memory operations, cuStreamGetDevice,
 * cuStreamIsCapturing and every cuStreamGetCaptureInfo version (never
 * capturing: NONE, id 0, nothing else), the thread's capture mode,
 * cuStreamGet/Set/CopyAttributes, cuStreamWait/WriteValue32/64 under each
 * of their names (v1, _v2, _ptsz) and cuStreamBatchMemOp, each with its
 * error cases (destroyed streams, NULL outputs, unknown attributes and
 * operations, misaligned or unknown addresses, bad flags).
 *
 * The waits: a copy queued behind a wait on one non-blocking stream must
 * not have run while the word is unset and must have run once a write on
 * another stream (or a host copy into the word) releases it. Every wait
 * this program queues is released, and completion is polled with a
 * deadline (never a bare cuStreamSynchronize on a waiting stream), so a
 * broken release fails instead of hanging.
 *
 * usage: stream_ext
 *
 * The digest covers every code checked and the values read back, so a stub
 * run and an emulator run must agree on all of them. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "host.h"

/* Names cuda.h maps to other versions, or declares only for
 * CUDA_API_PER_THREAD_DEFAULT_STREAM builds. */
#undef cuStreamGetCaptureInfo
#undef cuStreamWaitValue32
#undef cuStreamWriteValue32
#undef cuStreamWaitValue64
#undef cuStreamWriteValue64
#undef cuStreamBatchMemOp
CUresult CUDAAPI cuStreamGetCaptureInfo(CUstream, CUstreamCaptureStatus *, cuuint64_t *);
CUresult CUDAAPI cuStreamGetCaptureInfo_ptsz(CUstream, CUstreamCaptureStatus *, cuuint64_t *);
CUresult CUDAAPI cuStreamGetCaptureInfo_v2(CUstream, CUstreamCaptureStatus *, cuuint64_t *,
                                           CUgraph *, const CUgraphNode **, size_t *);
CUresult CUDAAPI cuStreamGetCaptureInfo_v3_ptsz(CUstream, CUstreamCaptureStatus *,
                                                cuuint64_t *, CUgraph *, const CUgraphNode **,
                                                const CUgraphEdgeData **, size_t *);
CUresult CUDAAPI cuStreamGetDevice_ptsz(CUstream, CUdevice *);
CUresult CUDAAPI cuStreamIsCapturing_ptsz(CUstream, CUstreamCaptureStatus *);
CUresult CUDAAPI cuStreamGetAttribute_ptsz(CUstream, CUstreamAttrID, CUstreamAttrValue *);
CUresult CUDAAPI cuStreamSetAttribute_ptsz(CUstream, CUstreamAttrID, const CUstreamAttrValue *);
CUresult CUDAAPI cuStreamCopyAttributes_ptsz(CUstream, CUstream);
CUresult CUDAAPI cuStreamSynchronize_ptsz(CUstream);
CUresult CUDAAPI cuStreamWaitValue32(CUstream, CUdeviceptr, cuuint32_t, unsigned int);
CUresult CUDAAPI cuStreamWriteValue32(CUstream, CUdeviceptr, cuuint32_t, unsigned int);
CUresult CUDAAPI cuStreamWaitValue64(CUstream, CUdeviceptr, cuuint64_t, unsigned int);
CUresult CUDAAPI cuStreamWriteValue64(CUstream, CUdeviceptr, cuuint64_t, unsigned int);
CUresult CUDAAPI cuStreamWriteValue32_ptsz(CUstream, CUdeviceptr, cuuint32_t, unsigned int);
CUresult CUDAAPI cuStreamWriteValue32_v2_ptsz(CUstream, CUdeviceptr, cuuint32_t, unsigned int);
CUresult CUDAAPI cuStreamWaitValue64_ptsz(CUstream, CUdeviceptr, cuuint64_t, unsigned int);
CUresult CUDAAPI cuStreamWriteValue64_v2_ptsz(CUstream, CUdeviceptr, cuuint64_t, unsigned int);
CUresult CUDAAPI cuStreamBatchMemOp(CUstream, unsigned int, CUstreamBatchMemOpParams *,
                                    unsigned int);
CUresult CUDAAPI cuStreamBatchMemOp_v2_ptsz(CUstream, unsigned int, CUstreamBatchMemOpParams *,
                                            unsigned int);

#define IDLE_TIMEOUT_MS 10000
#define WORDS 16  /* words of the scratch buffer: [0..7] 32-bit, 64-bit after */

#define EXPECT CF_EXPECT_CODE

static void sleep_ms(long ms)
{
  struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&t, NULL);
}

/* Poll s until its work is done: CUDA_SUCCESS, or NOT_READY after the
 * deadline (the caller reports it; it never blocks for good). */
static CUresult wait_idle(CUstream s)
{
  CUresult r = CUDA_ERROR_NOT_READY;
  for (int ms = 0; ms < IDLE_TIMEOUT_MS && (r = cuStreamQuery(s)) == CUDA_ERROR_NOT_READY; ms++)
    sleep_ms(1);
  return r;
}

static uint32_t read32(struct cf_host *h, CUdeviceptr p)
{
  uint32_t v = 0;
  CF_CHECK(h, cuMemcpyDtoH(&v, p, sizeof v));
  cf_host_note(h, v);
  return v;
}

static uint64_t read64(struct cf_host *h, CUdeviceptr p)
{
  uint64_t v = 0;
  CF_CHECK(h, cuMemcpyDtoH(&v, p, sizeof v));
  cf_host_note(h, v);
  return v;
}

static void device_attrs(struct cf_host *h)
{
  static const CUdevice_attribute attrs[] = {
    CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS_V1,
    CU_DEVICE_ATTRIBUTE_CAN_USE_64_BIT_STREAM_MEM_OPS,
    CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_WAIT_VALUE_NOR,
  };
  for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
    int v = -1;
    EXPECT(h, cuDeviceGetAttribute(&v, attrs[i], h->dev), CUDA_SUCCESS);
    cf_host_result(h, v == 1, "stream memory operations advertised", "attribute %d is %d",
                   (int)attrs[i], v);
  }
}

static void device_and_capture(struct cf_host *h, CUstream s, CUstream dead)
{
  CUdevice d = -1;
  CUstreamCaptureStatus st = CU_STREAM_CAPTURE_STATUS_ACTIVE;
  cuuint64_t id = 99;
  CUgraph g = (CUgraph)1;
  const CUgraphNode *deps = (const CUgraphNode *)1;
  const CUgraphEdgeData *edges = (const CUgraphEdgeData *)1;
  size_t n = 99;

  CUstream all[] = { s, NULL, CU_STREAM_LEGACY, CU_STREAM_PER_THREAD };
  for (size_t i = 0; i < 4; i++) {
    d = -1;
    EXPECT(h, cuStreamGetDevice(all[i], &d), CUDA_SUCCESS);
    cf_host_result(h, d == h->dev, "stream device", "stream %zu: got %d", i, d);
    st = CU_STREAM_CAPTURE_STATUS_ACTIVE;
    EXPECT(h, cuStreamIsCapturing(all[i], &st), CUDA_SUCCESS);
    cf_host_result(h, st == CU_STREAM_CAPTURE_STATUS_NONE, "not capturing", "got %d", st);
  }
  EXPECT(h, cuStreamGetDevice_ptsz(NULL, &d), CUDA_SUCCESS);
  EXPECT(h, cuStreamIsCapturing_ptsz(NULL, &st), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetDevice(s, NULL), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamGetDevice(dead, &d), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(h, cuStreamIsCapturing(s, NULL), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamIsCapturing(dead, &st), CUDA_ERROR_INVALID_HANDLE);

  EXPECT(h, cuStreamGetCaptureInfo_v3(s, &st, &id, &g, &deps, &edges, &n), CUDA_SUCCESS);
  cf_host_result(h, st == CU_STREAM_CAPTURE_STATUS_NONE && id == 0 && !g && !deps && !edges &&
                        n == 0, "capture info v3", "status %d id %llu n %zu", st,
                 (unsigned long long)id, n);
  id = 99, g = (CUgraph)1, n = 99;
  EXPECT(h, cuStreamGetCaptureInfo_v2(NULL, &st, &id, &g, &deps, &n), CUDA_SUCCESS);
  cf_host_result(h, st == CU_STREAM_CAPTURE_STATUS_NONE && id == 0 && !g && n == 0,
                 "capture info v2", "status %d", st);
  id = 99;
  EXPECT(h, cuStreamGetCaptureInfo(s, &st, &id), CUDA_SUCCESS);
  cf_host_result(h, id == 0, "capture info v1", "id %llu", (unsigned long long)id);
  EXPECT(h, cuStreamGetCaptureInfo_ptsz(NULL, &st, &id), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetCaptureInfo_v3_ptsz(NULL, &st, NULL, NULL, NULL, NULL, NULL),
         CUDA_SUCCESS);
  EXPECT(h, cuStreamGetCaptureInfo_v3(s, NULL, &id, NULL, NULL, NULL, NULL),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamGetCaptureInfo(dead, &st, &id), CUDA_ERROR_INVALID_HANDLE);
}

static void *other_thread_mode(void *arg)
{
  CUstreamCaptureMode *m = arg;
  *m = CU_STREAM_CAPTURE_MODE_THREAD_LOCAL;
  if (cuThreadExchangeStreamCaptureMode(m) != CUDA_SUCCESS)
    *m = (CUstreamCaptureMode)-1;
  return NULL;
}

static void capture_mode(struct cf_host *h)
{
  CUstreamCaptureMode m = CU_STREAM_CAPTURE_MODE_RELAXED, other = 0;
  pthread_t t;

  EXPECT(h, cuThreadExchangeStreamCaptureMode(&m), CUDA_SUCCESS);
  cf_host_result(h, m == CU_STREAM_CAPTURE_MODE_GLOBAL, "capture mode starts global", "got %d",
                 m);
  /* Per thread: another thread still starts from GLOBAL. */
  if (pthread_create(&t, NULL, other_thread_mode, &other) == 0) {
    pthread_join(t, NULL);
    cf_host_result(h, other == CU_STREAM_CAPTURE_MODE_GLOBAL, "capture mode per thread",
                   "got %d", other);
  }
  m = CU_STREAM_CAPTURE_MODE_GLOBAL;
  EXPECT(h, cuThreadExchangeStreamCaptureMode(&m), CUDA_SUCCESS);
  cf_host_result(h, m == CU_STREAM_CAPTURE_MODE_RELAXED, "capture mode exchanged", "got %d", m);
  m = (CUstreamCaptureMode)7;
  EXPECT(h, cuThreadExchangeStreamCaptureMode(&m), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuThreadExchangeStreamCaptureMode(NULL), CUDA_ERROR_INVALID_VALUE);
  cf_host_note(h, (uint64_t)m);
}

static void attributes(struct cf_host *h, CUstream s, CUstream dead, CUdeviceptr buf)
{
  CUstreamAttrValue v, got;
  CUstream t;
  int prio = 1;

  memset(&v, 0, sizeof v);
  v.priority = -3;
  EXPECT(h, cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_PRIORITY, &v), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetAttribute(s, CU_STREAM_ATTRIBUTE_PRIORITY, &got), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetPriority(s, &prio), CUDA_SUCCESS);
  cf_host_result(h, got.priority == -3 && prio == -3, "priority attribute", "got %d, %d",
                 got.priority, prio);
  v.syncPolicy = CU_SYNC_POLICY_SPIN;
  EXPECT(h, cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_SYNCHRONIZATION_POLICY, &v),
         CUDA_SUCCESS);
  v.syncPolicy = (CUsynchronizationPolicy)9;
  EXPECT(h, cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_SYNCHRONIZATION_POLICY, &v),
         CUDA_ERROR_INVALID_VALUE);
  memset(&v, 0, sizeof v);
  v.accessPolicyWindow.base_ptr = (void *)(uintptr_t)buf;
  v.accessPolicyWindow.num_bytes = 4096;
  v.accessPolicyWindow.hitRatio = 0.5f;
  v.accessPolicyWindow.hitProp = CU_ACCESS_PROPERTY_PERSISTING;
  v.accessPolicyWindow.missProp = CU_ACCESS_PROPERTY_STREAMING;
  EXPECT(h, cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_ACCESS_POLICY_WINDOW, &v),
         CUDA_SUCCESS);
  v.accessPolicyWindow.hitRatio = 2.0f;
  EXPECT(h, cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_ACCESS_POLICY_WINDOW, &v),
         CUDA_ERROR_INVALID_VALUE);
  memset(&v, 0, sizeof v);
  v.memSyncDomain = CU_LAUNCH_MEM_SYNC_DOMAIN_REMOTE;
  EXPECT(h, cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN, &v), CUDA_SUCCESS);

  /* Errors: unknown attribute, NULL value, destroyed stream. */
  EXPECT(h, cuStreamGetAttribute(s, CU_LAUNCH_ATTRIBUTE_COOPERATIVE, &got),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamSetAttribute(s, CU_LAUNCH_ATTRIBUTE_COOPERATIVE, &v),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamGetAttribute(s, CU_STREAM_ATTRIBUTE_PRIORITY, NULL),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamSetAttribute(s, CU_STREAM_ATTRIBUTE_PRIORITY, NULL),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamGetAttribute(dead, CU_STREAM_ATTRIBUTE_PRIORITY, &got),
         CUDA_ERROR_INVALID_HANDLE);
  EXPECT(h, cuStreamCopyAttributes(s, dead), CUDA_ERROR_INVALID_HANDLE);

  /* Copy everything to a fresh stream and read it back there. */
  CF_CHECK(h, cuStreamCreate(&t, CU_STREAM_NON_BLOCKING));
  EXPECT(h, cuStreamCopyAttributes(t, s), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetAttribute(t, CU_STREAM_ATTRIBUTE_PRIORITY, &got), CUDA_SUCCESS);
  cf_host_result(h, got.priority == -3, "copied priority", "got %d", got.priority);
  cf_host_note(h, (uint64_t)(int64_t)got.priority);
  EXPECT(h, cuStreamGetAttribute(t, CU_STREAM_ATTRIBUTE_SYNCHRONIZATION_POLICY, &got),
         CUDA_SUCCESS);
  cf_host_result(h, got.syncPolicy == CU_SYNC_POLICY_SPIN, "copied sync policy", "got %d",
                 got.syncPolicy);
  cf_host_note(h, got.syncPolicy);
  EXPECT(h, cuStreamGetAttribute(t, CU_STREAM_ATTRIBUTE_ACCESS_POLICY_WINDOW, &got),
         CUDA_SUCCESS);
  cf_host_result(h, got.accessPolicyWindow.base_ptr == (void *)(uintptr_t)buf &&
                        got.accessPolicyWindow.num_bytes == 4096 &&
                        got.accessPolicyWindow.hitRatio == 0.5f &&
                        got.accessPolicyWindow.hitProp == CU_ACCESS_PROPERTY_PERSISTING &&
                        got.accessPolicyWindow.missProp == CU_ACCESS_PROPERTY_STREAMING,
                 "copied access policy window", "bytes %zu", got.accessPolicyWindow.num_bytes);
  EXPECT(h, cuStreamGetAttribute(t, CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN, &got), CUDA_SUCCESS);
  cf_host_result(h, got.memSyncDomain == CU_LAUNCH_MEM_SYNC_DOMAIN_REMOTE,
                 "copied memory sync domain", "got %d", got.memSyncDomain);

  /* Per-thread forms: the NULL stream is the thread's default stream,
   * whose attributes are the defaults; copying them resets t. */
  EXPECT(h, cuStreamGetAttribute_ptsz(NULL, CU_STREAM_ATTRIBUTE_PRIORITY, &got), CUDA_SUCCESS);
  cf_host_result(h, got.priority == 0, "default stream priority", "got %d", got.priority);
  memset(&v, 0, sizeof v);
  v.syncPolicy = CU_SYNC_POLICY_YIELD;
  EXPECT(h, cuStreamSetAttribute_ptsz(NULL, CU_STREAM_ATTRIBUTE_SYNCHRONIZATION_POLICY, &v),
         CUDA_SUCCESS);
  EXPECT(h, cuStreamCopyAttributes_ptsz(t, NULL), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetAttribute(t, CU_STREAM_ATTRIBUTE_PRIORITY, &got), CUDA_SUCCESS);
  cf_host_result(h, got.priority == 0, "defaults copied", "got %d", got.priority);
  CF_CHECK(h, cuStreamDestroy(t));
}

/* A copy behind a wait on a must not run before release() does. */
static void wait_then_copy(struct cf_host *h, const char *label, CUstream a, CUdeviceptr word,
                           CUdeviceptr src, CUdeviceptr dst, int wide, uint64_t value,
                           unsigned flags, void (*release)(struct cf_host *, CUdeviceptr))
{
  uint32_t before, after;

  CF_CHECK(h, cuMemsetD32(dst, 0, 1));
  if (wide)
    EXPECT(h, cuStreamWaitValue64_v2(a, word, value, flags), CUDA_SUCCESS);
  else
    EXPECT(h, cuStreamWaitValue32_v2(a, word, (cuuint32_t)value, flags), CUDA_SUCCESS);
  CF_CHECK(h, cuMemcpyDtoDAsync(dst, src, 4, a));
  sleep_ms(20);
  /* a is non-blocking, so these legacy-stream calls do not wait for it. */
  EXPECT(h, cuStreamQuery(a), CUDA_ERROR_NOT_READY);
  before = read32(h, dst);
  release(h, word);
  EXPECT(h, wait_idle(a), CUDA_SUCCESS);
  after = read32(h, dst);
  cf_host_result(h, before == 0 && after == 0xC0FFEEu, label, "before %#x, after %#x", before,
                 after);
}

static CUstream releaser; /* non-blocking stream that releases the waits */
static uint64_t release_value;

static void release_write32(struct cf_host *h, CUdeviceptr w)
{
  EXPECT(h, cuStreamWriteValue32_v2(releaser, w, (cuuint32_t)release_value, 0), CUDA_SUCCESS);
}

static void release_write64(struct cf_host *h, CUdeviceptr w)
{
  EXPECT(h, cuStreamWriteValue64(releaser, w, release_value, 0), CUDA_SUCCESS);
}

static void release_host32(struct cf_host *h, CUdeviceptr w)
{
  uint32_t v = (uint32_t)release_value;
  CF_CHECK(h, cuMemcpyHtoD(w, &v, sizeof v));
}

static void release_host64(struct cf_host *h, CUdeviceptr w)
{
  CF_CHECK(h, cuMemcpyHtoD(w, &release_value, sizeof release_value));
}

static void set32(struct cf_host *h, CUdeviceptr w, uint32_t v)
{
  CF_CHECK(h, cuMemcpyHtoD(w, &v, sizeof v));
}

static void set64(struct cf_host *h, CUdeviceptr w, uint64_t v)
{
  CF_CHECK(h, cuMemcpyHtoD(w, &v, sizeof v));
}

static void value_ops(struct cf_host *h, CUstream a, CUstream dead, CUdeviceptr buf)
{
  CUdeviceptr w32 = buf, w64 = buf + 32, src = buf + 64, dst = buf + 68;
  uint32_t c0ffee = 0xC0FFEEu;

  CF_CHECK(h, cuStreamCreate(&releaser, CU_STREAM_NON_BLOCKING));
  CF_CHECK(h, cuMemcpyHtoD(src, &c0ffee, sizeof c0ffee));

  /* Writes under each name, then read back. */
  EXPECT(h, cuStreamWriteValue32(a, w32, 11, 0), CUDA_SUCCESS);
  EXPECT(h, cuStreamWriteValue64_v2(a, w64, 0x123456789abcdefull, 0), CUDA_SUCCESS);
  EXPECT(h, wait_idle(a), CUDA_SUCCESS);
  cf_host_result(h, read32(h, w32) == 11, "write value 32", "wrong word");
  cf_host_result(h, read64(h, w64) == 0x123456789abcdefull, "write value 64", "wrong word");
  EXPECT(h, cuStreamWriteValue32_v2(a, w32, 12, CU_STREAM_WRITE_VALUE_NO_MEMORY_BARRIER),
         CUDA_SUCCESS);
  EXPECT(h, cuStreamWriteValue32_ptsz(NULL, w32 + 4, 13, 0), CUDA_SUCCESS);
  EXPECT(h, cuStreamWriteValue32_v2_ptsz(NULL, w32 + 8, 14, 0), CUDA_SUCCESS);
  EXPECT(h, cuStreamWriteValue64_v2_ptsz(NULL, w64 + 8, 15, 0), CUDA_SUCCESS);
  EXPECT(h, cuStreamSynchronize_ptsz(NULL), CUDA_SUCCESS);
  EXPECT(h, wait_idle(a), CUDA_SUCCESS);
  cf_host_result(h, read32(h, w32) == 12 && read32(h, w32 + 4) == 13 &&
                        read32(h, w32 + 8) == 14 && read64(h, w64 + 8) == 15,
                 "per-thread writes", "wrong words");

  /* Waits released by another stream's write or by the host. */
  set32(h, w32, 0);
  release_value = 1;
  wait_then_copy(h, "wait eq released by a write", a, w32, src, dst, 0, 1,
                 CU_STREAM_WAIT_VALUE_EQ, release_write32);
  set32(h, w32, 0xFFFFFFF0u);  /* GEQ is cyclic: 0xFFFFFFF0 is below 5 */
  release_value = 6;
  wait_then_copy(h, "wait geq across wraparound", a, w32, src, dst, 0, 5,
                 CU_STREAM_WAIT_VALUE_GEQ, release_host32);
  set32(h, w32, 0);
  release_value = 0x30;
  wait_then_copy(h, "wait and", a, w32, src, dst, 0, 0x10, CU_STREAM_WAIT_VALUE_AND,
                 release_write32);
  set32(h, w32, 0xFFFFFFFFu);  /* NOR: ~(x | v) != 0 */
  release_value = 0xFFFF0000u;
  wait_then_copy(h, "wait nor", a, w32, src, dst, 0, 0, CU_STREAM_WAIT_VALUE_NOR,
                 release_write32);
  set64(h, w64, 1ull << 40);
  release_value = 3ull << 40;
  wait_then_copy(h, "wait 64 geq released by a write", a, w64, src, dst, 1, 2ull << 40,
                 CU_STREAM_WAIT_VALUE_GEQ, release_write64);
  set64(h, w64, 0);
  release_value = 0xFFFFFFFF00000000ull;
  wait_then_copy(h, "wait 64 eq released by the host", a, w64, src, dst, 1,
                 0xFFFFFFFF00000000ull, CU_STREAM_WAIT_VALUE_EQ, release_host64);
  /* Already satisfied: nothing to wait for (v1 and per-thread names). */
  EXPECT(h, cuStreamWaitValue32(a, w32, 0xFFFF0000u, CU_STREAM_WAIT_VALUE_EQ), CUDA_SUCCESS);
  EXPECT(h, cuStreamWaitValue64_ptsz(NULL, w64, 1ull << 63, CU_STREAM_WAIT_VALUE_AND), CUDA_SUCCESS);
  EXPECT(h, wait_idle(a), CUDA_SUCCESS);
  EXPECT(h, wait_idle(CU_STREAM_PER_THREAD), CUDA_SUCCESS);

  /* Errors: misaligned, unknown memory, bad flags, destroyed stream. */
  EXPECT(h, cuStreamWaitValue32_v2(a, w32 + 2, 0, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamWriteValue32_v2(a, w32 + 1, 0, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamWaitValue64_v2(a, w64 + 4, 0, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamWriteValue64_v2(a, w64 + 4, 0, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamWriteValue32_v2(a, (CUdeviceptr)(uintptr_t)&c0ffee, 0, 0),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamWaitValue32_v2(a, w32, 0, 4), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamWriteValue32_v2(a, w32, 0, 2), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamWriteValue64_v2(a, w64, 0, 0x100), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamWaitValue32_v2(dead, w32, 0, 0), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(h, cuStreamWriteValue64_v2(dead, w64, 0, 0), CUDA_ERROR_INVALID_HANDLE);
  cf_host_result(h, read32(h, w32) == 0xFFFF0000u, "failed writes wrote nothing", "wrong word");
}

static void batches(struct cf_host *h, CUstream a, CUstream dead, CUdeviceptr buf)
{
  CUdeviceptr w32 = buf, w64 = buf + 32, out = buf + 48;
  CUstreamBatchMemOpParams ops[257];
  uint32_t before;

  memset(ops, 0, sizeof ops);
  set32(h, w32, 0);
  set32(h, out, 0);
  /* Wait on w32 == 1, then write out and a 64-bit word, behind a barrier. */
  ops[0].waitValue.operation = CU_STREAM_MEM_OP_WAIT_VALUE_32;
  ops[0].waitValue.address = w32;
  ops[0].waitValue.value = 1;
  ops[0].waitValue.flags = CU_STREAM_WAIT_VALUE_EQ;
  ops[1].memoryBarrier.operation = CU_STREAM_MEM_OP_BARRIER;
  ops[1].memoryBarrier.flags = CU_STREAM_MEMORY_BARRIER_TYPE_GPU;
  ops[2].writeValue.operation = CU_STREAM_MEM_OP_WRITE_VALUE_32;
  ops[2].writeValue.address = out;
  ops[2].writeValue.value = 42;
  ops[3].writeValue.operation = CU_STREAM_MEM_OP_WRITE_VALUE_64;
  ops[3].writeValue.address = w64;
  ops[3].writeValue.value64 = 0xfeedfacecafebeefull;
  EXPECT(h, cuStreamBatchMemOp_v2(a, 4, ops, 0), CUDA_SUCCESS);
  sleep_ms(20);
  EXPECT(h, cuStreamQuery(a), CUDA_ERROR_NOT_READY);
  before = read32(h, out);
  EXPECT(h, cuStreamWriteValue32_v2(releaser, w32, 1, 0), CUDA_SUCCESS);
  EXPECT(h, wait_idle(a), CUDA_SUCCESS);
  cf_host_result(h, before == 0 && read32(h, out) == 42 &&
                        read64(h, w64) == 0xfeedfacecafebeefull,
                 "batch waits then writes", "before %u", before);

  /* A 64-bit wait already met, through the v1 and per-thread names. */
  ops[0].waitValue.operation = CU_STREAM_MEM_OP_WAIT_VALUE_64;
  ops[0].waitValue.address = w64;
  ops[0].waitValue.value64 = 0xfeedfacecafebeefull;
  ops[0].waitValue.flags = CU_STREAM_WAIT_VALUE_EQ;
  ops[2].writeValue.value = 43;
  EXPECT(h, cuStreamBatchMemOp(a, 3, ops, 0), CUDA_SUCCESS);
  EXPECT(h, wait_idle(a), CUDA_SUCCESS);
  ops[2].writeValue.value = 44;
  EXPECT(h, cuStreamBatchMemOp_v2_ptsz(NULL, 3, ops, 0), CUDA_SUCCESS);
  EXPECT(h, cuStreamSynchronize_ptsz(NULL), CUDA_SUCCESS);
  cf_host_result(h, read32(h, out) == 44, "batch per-thread", "wrong word");
  EXPECT(h, cuStreamBatchMemOp_v2(a, 0, NULL, 0), CUDA_SUCCESS);

  /* A bad entry queues none of the batch. */
  ops[2].writeValue.value = 45;
  ops[3].operation = (CUstreamBatchMemOpType)99;
  EXPECT(h, cuStreamBatchMemOp_v2(a, 4, ops, 0), CUDA_ERROR_INVALID_VALUE);
  ops[3].writeValue.operation = CU_STREAM_MEM_OP_WRITE_VALUE_64;
  ops[3].writeValue.address = w64 + 4;  /* misaligned */
  EXPECT(h, cuStreamBatchMemOp_v2(a, 4, ops, 0), CUDA_ERROR_INVALID_VALUE);
  ops[3].writeValue.address = w64;
  ops[3].writeValue.flags = 2;
  EXPECT(h, cuStreamBatchMemOp_v2(a, 4, ops, 0), CUDA_ERROR_INVALID_VALUE);
  ops[3].writeValue.flags = 0;
  EXPECT(h, cuStreamBatchMemOp_v2(a, 4, ops, 1), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamBatchMemOp_v2(a, 257, ops, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamBatchMemOp_v2(a, 1, NULL, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuStreamBatchMemOp_v2(dead, 4, ops, 0), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(h, wait_idle(a), CUDA_SUCCESS);
  cf_host_result(h, read32(h, out) == 44, "failed batches queued nothing", "wrong word");
}

int main(int argc, char **argv)
{
  struct cf_host h;
  CUstream a, dead;
  CUdeviceptr buf;

  cf_host_usage(argc, argv, 0, "");
  cf_host_open(&h, "stream_ext", NULL);
  CF_CHECK(&h, cuStreamCreate(&a, CU_STREAM_NON_BLOCKING));
  CF_CHECK(&h, cuStreamCreate(&dead, 0));
  CF_CHECK(&h, cuStreamDestroy(dead));
  CF_CHECK(&h, cuMemAlloc(&buf, 256));
  CF_CHECK(&h, cuMemsetD8(buf, 0, 256));

  device_attrs(&h);
  device_and_capture(&h, a, dead);
  capture_mode(&h);
  attributes(&h, a, dead, buf);
  value_ops(&h, a, dead, buf);
  batches(&h, a, dead, buf);

  CF_CHECK(&h, cuStreamDestroy(releaser));
  CF_CHECK(&h, cuStreamDestroy(a));
  CF_CHECK(&h, cuMemFree(buf));
  cf_host_codes_digest(&h);
  return cf_host_finish(&h);
}
