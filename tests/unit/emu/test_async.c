/* Asynchronous stream semantics of the emulator (emu/queue.c and its users):
 * launches return before their kernels finish, streams overlap, events
 * order work across streams and time it, callbacks run in stream order, the
 * legacy default stream synchronises with blocking streams only, faults are
 * reported by the next synchronising call, and async copies from pageable
 * memory take the caller's bytes at the call.
 *
 * Long-running work is a one-thread kernel that spins for a number of
 * iterations, calibrated at start to take about SPIN_MS. Assertions about
 * overlap use wide margins and only run with at least two CPUs; everything
 * else is ordering, which holds whatever the timing. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu_test.h"

#define SPIN_MS 100.0

static const char spin_ptx[] =
  ".version 7.0\n"
  ".target sm_70\n"
  ".address_size 64\n"
  "\n"
  "// out[0] = iters after spinning iters times; a bad out faults.\n"
  ".visible .entry spin(.param .u64 out, .param .u32 iters)\n"
  "{\n"
  "  .reg .u32 %r<3>;\n"
  "  .reg .u64 %rd<3>;\n"
  "  .reg .pred %p;\n"
  "  ld.param.u64 %rd1, [out];\n"
  "  ld.param.u32 %r1, [iters];\n"
  "  mov.u32 %r2, 0;\n"
  "LOOP:\n"
  "  add.u32 %r2, %r2, 1;\n"
  "  setp.lt.u32 %p, %r2, %r1;\n"
  "  @%p bra LOOP;\n"
  "  cvta.to.global.u64 %rd2, %rd1;\n"
  "  st.global.u32 [%rd2], %r2;\n"
  "  ret;\n"
  "}\n"
  "\n"
  "// Wait until *flag != 0 (then *out = 1) or limit_ns pass (*out = 2).\n"
  ".visible .entry gate(.param .u64 flag, .param .u64 out, .param .u64 limit_ns)\n"
  "{\n"
  "  .reg .pred %p<3>;\n"
  "  .reg .u32 %r<3>;\n"
  "  .reg .u64 %rd<7>;\n"
  "  ld.param.u64 %rd1, [flag];\n"
  "  ld.param.u64 %rd2, [out];\n"
  "  ld.param.u64 %rd3, [limit_ns];\n"
  "  cvta.to.global.u64 %rd1, %rd1;\n"
  "  cvta.to.global.u64 %rd2, %rd2;\n"
  "  mov.u64 %rd4, %globaltimer;\n"
  "  add.u64 %rd5, %rd4, %rd3;\n"
  "  mov.u32 %r2, 1;\n"
  "WAIT:\n"
  "  ld.volatile.global.u32 %r1, [%rd1];\n"
  "  setp.ne.u32 %p1, %r1, 0;\n"
  "  @%p1 bra DONE;\n"
  "  mov.u64 %rd6, %globaltimer;\n"
  "  setp.lt.u64 %p2, %rd6, %rd5;\n"
  "  @%p2 bra WAIT;\n"
  "  mov.u32 %r2, 2;\n"
  "DONE:\n"
  "  st.global.u32 [%rd2], %r2;\n"
  "  ret;\n"
  "}\n"
  "\n"
  "// *dst = *src + add\n"
  ".visible .entry addto(.param .u64 dst, .param .u64 src, .param .u32 add)\n"
  "{\n"
  "  .reg .u32 %r<4>;\n"
  "  .reg .u64 %rd<5>;\n"
  "  ld.param.u64 %rd1, [dst];\n"
  "  ld.param.u64 %rd2, [src];\n"
  "  ld.param.u32 %r1, [add];\n"
  "  cvta.to.global.u64 %rd3, %rd1;\n"
  "  cvta.to.global.u64 %rd4, %rd2;\n"
  "  ld.global.u32 %r2, [%rd4];\n"
  "  add.u32 %r3, %r2, %r1;\n"
  "  st.global.u32 [%rd3], %r3;\n"
  "  ret;\n"
  "}\n";

static CUfunction spin_fn, addto_fn, gate_fn;
static unsigned spin_iters;   /* iterations for about SPIN_MS */
static double spin_ms;        /* what one such kernel measured alone */

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void spin(CUdeviceptr out, unsigned iters, CUstream s)
{
  void *args[] = { &out, &iters };
  CU_OK(cuLaunchKernel(spin_fn, 1, 1, 1, 1, 1, 1, 0, s, args, NULL));
}

/* Hold stream s until *flag turns non-zero (release() it), whatever the
 * machine's load, or 30 s pass; *out says which (1 or 2). */
static void gate(CUdeviceptr flag, CUdeviceptr out, CUstream s)
{
  uint64_t limit_ns = 30000000000ull;
  void *args[] = { &flag, &out, &limit_ns };
  CU_OK(cuLaunchKernel(gate_fn, 1, 1, 1, 1, 1, 1, 0, s, args, NULL));
}

static void addto(CUdeviceptr dst, CUdeviceptr src, unsigned add, CUstream s)
{
  void *args[] = { &dst, &src, &add };
  CU_OK(cuLaunchKernel(addto_fn, 1, 1, 1, 1, 1, 1, 0, s, args, NULL));
}

static uint32_t read_u32(CUdeviceptr d)
{
  uint32_t v;
  CU_OK(cuMemcpyDtoH(&v, d, 4));
  return v;
}

static void setup(void)
{
  CUmodule m;
  CUdeviceptr d;
  CU_OK(cuModuleLoadData(&m, spin_ptx));
  CU_OK(cuModuleGetFunction(&spin_fn, m, "spin"));
  CU_OK(cuModuleGetFunction(&addto_fn, m, "addto"));
  CU_OK(cuModuleGetFunction(&gate_fn, m, "gate"));
  CU_OK(cuMemAlloc(&d, 4));
  /* Calibrate: grow until a launch takes 20 ms, then scale to SPIN_MS. */
  unsigned it = 100000;
  double t;
  for (;;) {
    double t0 = now_ms();
    spin(d, it, NULL);
    CU_OK(cuCtxSynchronize());
    t = now_ms() - t0;
    if (t >= 20.0 || it > (1u << 30))
      break;
    it *= 2;
  }
  ASSERT_UEQ(read_u32(d), it);
  double scaled = (double)it * SPIN_MS / t;
  spin_iters = scaled > 4e9 ? 4000000000u : (unsigned)scaled;
  double t0 = now_ms();
  spin(d, spin_iters, NULL);
  CU_OK(cuCtxSynchronize());
  spin_ms = now_ms() - t0;
  printf("spin: %u iterations take %.1f ms\n", spin_iters, spin_ms);
  CU_OK(cuMemFree(d));
}

/* A launch returns at once; queries say NOT_READY until the kernel ends;
 * events time the kernel. */
static void test_launch_is_async(void)
{
  CUstream s;
  CUevent a, b;
  CUdeviceptr d;
  float ms = -1;

  CU_OK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CU_OK(cuEventCreate(&a, 0));
  CU_OK(cuEventCreate(&b, 0));
  CU_OK(cuMemAlloc(&d, 4));
  CU_OK(cuMemsetD32(d, 0, 1));
  double t0 = now_ms();
  CU_OK(cuEventRecord(a, s));
  spin(d, spin_iters, s);
  CU_OK(cuEventRecord(b, s));
  double issued = now_ms() - t0;
  CU_EXPECT(cuStreamQuery(s), CUDA_ERROR_NOT_READY);
  CU_EXPECT(cuEventQuery(b), CUDA_ERROR_NOT_READY);
  CU_EXPECT(cuEventElapsedTime(&ms, a, b), CUDA_ERROR_NOT_READY);
  printf("issued in %.2f ms, kernel about %.1f ms\n", issued, (double)spin_ms);
  CU_OK(cuEventSynchronize(b));
  double waited = now_ms() - t0;
  CU_OK(cuEventQuery(b));
  CU_OK(cuStreamQuery(s));
  ASSERT_UEQ(read_u32(d), spin_iters);
  CU_OK(cuEventElapsedTime(&ms, a, b));
  /* The events bracket the kernel: some time, never more than the wall
   * time (no lower bound: a timed assertion fails on a slow machine). */
  ASSERT_GT(ms, 0.0);
  ASSERT_LE(ms, waited + 1.0);
  CU_OK(cuEventDestroy(a));
  CU_OK(cuEventDestroy(b));
  CU_OK(cuStreamDestroy(s));
  CU_OK(cuMemFree(d));
}

static double event_ms(CUevent from, CUevent to)
{
  float ms;
  CU_OK(cuEventElapsedTime(&ms, from, to));
  return ms;
}

/* Two non-blocking streams run their kernels at the same time: each one
 * starts before the other ends, as the events' times show whatever the
 * number of CPUs. The wall times are printed, not judged. */
static void test_overlap(void)
{
  CUstream s[2];
  CUevent start[2], end[2];
  CUdeviceptr d;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  CU_OK(cuMemAlloc(&d, 8));
  for (int i = 0; i < 2; i++) {
    CU_OK(cuStreamCreate(&s[i], CU_STREAM_NON_BLOCKING));
    CU_OK(cuEventCreate(&start[i], 0));
    CU_OK(cuEventCreate(&end[i], 0));
  }
  /* Overlap is judged by the events alone: each kernel started before the
   * other ended. Wall time is only printed; a loaded CI machine must not
   * fail a test for being slow. */
  {
    double t0 = now_ms();
    spin(d, spin_iters, s[0]);
    CU_OK(cuCtxSynchronize());
    double one = now_ms() - t0;

    t0 = now_ms();
    for (int i = 0; i < 2; i++) {
      CU_OK(cuEventRecord(start[i], s[i]));
      spin(d + 4 * i, spin_iters, s[i]);
      CU_OK(cuEventRecord(end[i], s[i]));
    }
    CU_EXPECT(cuStreamQuery(s[0]), CUDA_ERROR_NOT_READY);
    CU_EXPECT(cuStreamQuery(s[1]), CUDA_ERROR_NOT_READY);
    CU_OK(cuCtxSynchronize());
    double both = now_ms() - t0;

    ASSERT_GT(event_ms(start[1], end[0]), 0.0);  /* 1 began before 0 ended */
    ASSERT_GT(event_ms(start[0], end[1]), 0.0);
    printf("two streams: %.1f ms, one kernel alone %.1f ms, %ld CPUs\n", both,
           one, cpus);
  }
  uint32_t v[2];
  CU_OK(cuMemcpyDtoH(v, d, 8));
  ASSERT_UEQ(v[0], spin_iters);
  ASSERT_UEQ(v[1], spin_iters);
  for (int i = 0; i < 2; i++) {
    CU_OK(cuEventDestroy(start[i]));
    CU_OK(cuEventDestroy(end[i]));
    CU_OK(cuStreamDestroy(s[i]));
  }
  CU_OK(cuMemFree(d));
}

/* cuStreamWaitEvent: b's copy waits for a's slow kernel. */
static void test_event_ordering(void)
{
  CUstream a, b;
  CUevent e;
  CUdeviceptr x, y, junk;

  CU_OK(cuStreamCreate(&a, CU_STREAM_NON_BLOCKING));
  CU_OK(cuStreamCreate(&b, CU_STREAM_NON_BLOCKING));
  CU_OK(cuEventCreate(&e, CU_EVENT_DISABLE_TIMING));
  CU_OK(cuMemAlloc(&x, 4));
  CU_OK(cuMemAlloc(&y, 4));
  CU_OK(cuMemAlloc(&junk, 4));
  CU_OK(cuMemsetD32(x, 5, 1));
  CU_OK(cuMemsetD32(y, 0, 1));

  spin(junk, spin_iters, a);
  addto(x, x, 10, a);                 /* x = 15, late */
  CU_OK(cuEventRecord(e, a));
  CU_OK(cuStreamWaitEvent(b, e, 0));
  addto(y, x, 100, b);                /* y = x + 100 once x is 15 */
  /* Re-recording e later must not affect the wait already queued. */
  CU_OK(cuEventRecord(e, b));
  CU_OK(cuStreamSynchronize(b));
  ASSERT_UEQ(read_u32(y), 115);
  CU_OK(cuStreamQuery(a));            /* b's wait implied a's work */

  /* Without the wait, b does not wait for a. */
  spin(junk, spin_iters, a);
  CU_OK(cuMemsetD32Async(y, 7, 1, b));
  CU_OK(cuStreamSynchronize(b));
  CU_EXPECT(cuStreamQuery(a), CUDA_ERROR_NOT_READY);
  CU_OK(cuStreamSynchronize(a));

  CU_OK(cuEventDestroy(e));
  CU_OK(cuStreamDestroy(a));
  CU_OK(cuStreamDestroy(b));
  CU_OK(cuMemFree(x));
  CU_OK(cuMemFree(y));
  CU_OK(cuMemFree(junk));
}

/* ---- Callbacks ---------------------------------------------------------- */

struct cb_log {
  pthread_mutex_t lock;
  int n;
  int order[8];
  uint32_t seen[8];
  CUstream stream[8];
  CUresult status[8];
  CUresult sync_in_cb;
  const uint32_t *watch;       /* pinned host word each callback samples */
};

static struct cb_log cbl = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct cb_arg {
  int id;
};

static void host_fn(void *p)
{
  const struct cb_arg *a = p;
  pthread_mutex_lock(&cbl.lock);
  cbl.order[cbl.n] = a->id;
  cbl.seen[cbl.n] = *cbl.watch;
  cbl.n++;
  pthread_mutex_unlock(&cbl.lock);
}

static void CUDA_CB stream_cb(CUstream s, CUresult status, void *p)
{
  pthread_mutex_lock(&cbl.lock);
  cbl.stream[cbl.n] = s;
  cbl.status[cbl.n] = status;
  pthread_mutex_unlock(&cbl.lock);
  host_fn(p);
  /* Waiting for stream work from a callback is not allowed, not a hang. */
  cbl.sync_in_cb = cuStreamSynchronize(s);
}

static void test_callbacks(void)
{
  static struct cb_arg args[4] = { { 1 }, { 2 }, { 3 }, { 4 } };
  CUstream s;
  CUdeviceptr d, junk;
  uint32_t *pin;

  CU_OK(cuStreamCreate(&s, 0));
  CU_OK(cuMemAlloc(&d, 4));
  CU_OK(cuMemAlloc(&junk, 4));
  CU_OK(cuMemAllocHost((void **)&pin, 4));
  *pin = 0;
  cbl.watch = pin;
  CU_EXPECT(cuLaunchHostFunc(s, NULL, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuStreamAddCallback(s, stream_cb, NULL, 1),
            CUDA_ERROR_INVALID_VALUE);

  /* Everything is queued behind a slow kernel, so order comes from the
   * stream, not from the host's calls. */
  spin(junk, spin_iters / 2, s);
  CU_OK(cuMemsetD32Async(d, 11, 1, s));
  CU_OK(cuMemcpyDtoHAsync(pin, d, 4, s));   /* pinned: truly async */
  CU_OK(cuLaunchHostFunc(s, host_fn, &args[0]));
  CU_OK(cuMemsetD32Async(d, 22, 1, s));
  CU_OK(cuMemcpyDtoHAsync(pin, d, 4, s));
  CU_OK(cuStreamAddCallback(s, stream_cb, &args[1], 0));
  addto(d, d, 11, s);
  CU_OK(cuMemcpyDtoHAsync(pin, d, 4, s));
  CU_OK(cuLaunchHostFunc(s, host_fn, &args[2]));
  pthread_mutex_lock(&cbl.lock);
  int early = cbl.n;
  pthread_mutex_unlock(&cbl.lock);
  ASSERT_EQ(early, 0);
  CU_OK(cuStreamSynchronize(s));
  ASSERT_EQ(cbl.n, 3);
  ASSERT_EQ(cbl.order[0], 1);
  ASSERT_EQ(cbl.order[1], 2);
  ASSERT_EQ(cbl.order[2], 3);
  ASSERT_UEQ(cbl.seen[0], 11);
  ASSERT_UEQ(cbl.seen[1], 22);
  ASSERT_UEQ(cbl.seen[2], 33);
  ASSERT(cbl.stream[1] == s);
  CU_EXPECT(cbl.status[1], CUDA_SUCCESS);
  CU_EXPECT(cbl.sync_in_cb, CUDA_ERROR_NOT_PERMITTED);

  /* On the legacy stream, named as NULL. */
  CU_OK(cuStreamAddCallback(NULL, stream_cb, &args[3], 0));
  CU_OK(cuCtxSynchronize());
  ASSERT_EQ(cbl.n, 4);
  ASSERT(cbl.stream[3] == NULL);

  CU_OK(cuMemFreeHost(pin));
  CU_OK(cuMemFree(d));
  CU_OK(cuMemFree(junk));
  CU_OK(cuStreamDestroy(s));
}

/* ---- The legacy default stream ----------------------------------------- */

static void test_legacy_stream(void)
{
  CUstream blk, nb;
  CUdeviceptr x, y, junk;

  CU_OK(cuStreamCreate(&blk, CU_STREAM_DEFAULT));
  CU_OK(cuStreamCreate(&nb, CU_STREAM_NON_BLOCKING));
  CU_OK(cuMemAlloc(&x, 4));
  CU_OK(cuMemAlloc(&y, 4));
  CU_OK(cuMemAlloc(&junk, 4));

  /* Legacy work waits for earlier work in a blocking stream. */
  CU_OK(cuMemsetD32(x, 1, 1));
  spin(junk, spin_iters, blk);
  addto(x, x, 1, blk);                     /* x = 2, late */
  addto(y, x, 0, NULL);                    /* y = x */
  CU_OK(cuStreamSynchronize(NULL));
  ASSERT_UEQ(read_u32(y), 2);
  CU_OK(cuStreamQuery(blk));

  /* Blocking-stream work waits for earlier legacy work. */
  spin(junk, spin_iters, NULL);
  addto(x, x, 1, NULL);                    /* x = 3, late */
  addto(y, x, 0, blk);
  CU_OK(cuStreamSynchronize(blk));
  ASSERT_UEQ(read_u32(y), 3);

  /* Synchronising the legacy stream covers blocking streams... */
  spin(junk, spin_iters / 2, blk);
  CU_EXPECT(cuStreamQuery(NULL), CUDA_ERROR_NOT_READY);
  CU_OK(cuStreamSynchronize(NULL));
  CU_OK(cuStreamQuery(blk));

  /* ...but neither legacy work nor its synchronisation waits for a
   * non-blocking stream, in either direction. */
  spin(junk, spin_iters, nb);
  addto(y, x, 10, NULL);
  CU_OK(cuStreamSynchronize(NULL));
  CU_EXPECT(cuStreamQuery(nb), CUDA_ERROR_NOT_READY);
  ASSERT_UEQ(read_u32(y), 13);             /* a sync copy: still not nb */
  CU_EXPECT(cuStreamQuery(nb), CUDA_ERROR_NOT_READY);
  CU_OK(cuStreamSynchronize(nb));
  spin(junk, spin_iters, NULL);
  CU_OK(cuMemsetD32Async(y, 9, 1, nb));
  CU_OK(cuStreamSynchronize(nb));
  CU_EXPECT(cuStreamQuery(NULL), CUDA_ERROR_NOT_READY);
  CU_OK(cuCtxSynchronize());
  CU_OK(cuStreamQuery(NULL));

  CU_OK(cuStreamDestroy(blk));
  CU_OK(cuStreamDestroy(nb));
  CU_OK(cuMemFree(x));
  CU_OK(cuMemFree(y));
  CU_OK(cuMemFree(junk));
}

/* ---- Per-thread default streams ----------------------------------------- */

/* The _ptsz/_ptds entry points of programs built for per-thread default
 * streams; cuda.h declares them only in such builds. */
CUresult CUDAAPI cuStreamQuery_ptsz(CUstream s);
CUresult CUDAAPI cuStreamSynchronize_ptsz(CUstream s);
CUresult CUDAAPI cuMemsetD32_v2_ptds(CUdeviceptr d, unsigned v, size_t n);

struct ptds_arg {
  CUcontext ctx;
  CUdeviceptr d;
  CUresult query;
};

static void *ptds_thread(void *p)
{
  struct ptds_arg *a = p;
  CU_OK(cuCtxSetCurrent(a->ctx));
  /* This thread's per-thread stream is its own: idle, and a copy on it
   * does not wait for the other thread's kernel. */
  a->query = cuStreamQuery(CU_STREAM_PER_THREAD);
  if (a->query == CUDA_SUCCESS)
    a->query = cuStreamQuery_ptsz(NULL);  /* NULL means the same there */
  CU_OK(cuMemsetD32Async(a->d, 4, 1, CU_STREAM_PER_THREAD));
  CU_OK(cuStreamSynchronize(CU_STREAM_PER_THREAD));
  CU_OK(cuMemsetD32_v2_ptds(a->d + 4, 5, 1));  /* synchronous, own stream */
  return NULL;
}

/* This thread's per-thread stream is held by a gate kernel (not a timed
 * spin: a loaded machine could end that before the checks) until the
 * checks are done; a non-blocking stream opens it. */
static void test_per_thread(void)
{
  struct ptds_arg a;
  CUdeviceptr gate_mem;
  CUstream opener;
  pthread_t t;

  CU_OK(cuCtxGetCurrent(&a.ctx));
  CU_OK(cuMemAlloc(&a.d, 8));
  CU_OK(cuMemAlloc(&gate_mem, 8));
  CU_OK(cuMemsetD32(gate_mem, 0, 2));
  CU_OK(cuStreamCreate(&opener, CU_STREAM_NON_BLOCKING));
  gate(gate_mem, gate_mem + 4, CU_STREAM_PER_THREAD);
  CU_EXPECT(cuStreamQuery(CU_STREAM_PER_THREAD), CUDA_ERROR_NOT_READY);
  ASSERT_EQ(pthread_create(&t, NULL, ptds_thread, &a), 0);
  ASSERT_EQ(pthread_join(t, NULL), 0);
  CU_EXPECT(a.query, CUDA_SUCCESS);
  CU_EXPECT(cuStreamQuery(CU_STREAM_PER_THREAD), CUDA_ERROR_NOT_READY);
  CU_EXPECT(cuStreamQuery_ptsz(NULL), CUDA_ERROR_NOT_READY);
  CU_OK(cuMemsetD32Async(gate_mem, 1, 1, opener));
  CU_OK(cuStreamSynchronize_ptsz(NULL));
  CU_OK(cuStreamQuery(CU_STREAM_PER_THREAD));
  ASSERT_UEQ(read_u32(gate_mem + 4), 1); /* opened, not timed out */
  ASSERT_UEQ(read_u32(a.d), 4);
  ASSERT_UEQ(read_u32(a.d + 4), 5);
  CU_OK(cuStreamDestroy(opener));
  CU_OK(cuMemFree(a.d));
  CU_OK(cuMemFree(gate_mem));
}

/* ---- Copies ------------------------------------------------------------- */

static void test_async_copies(void)
{
  enum { N = 1 << 16 };
  CUstream s;
  CUdeviceptr d, junk;
  uint8_t *page = malloc(N), *back = malloc(N);
  uint32_t *pin;

  ASSERT_NOT_NULL(page);
  ASSERT_NOT_NULL(back);
  CU_OK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CU_OK(cuMemAlloc(&d, N));
  CU_OK(cuMemAlloc(&junk, 4));
  CU_OK(cuMemAllocHost((void **)&pin, 4));

  /* Pageable source: the bytes at the call are what lands, even though
   * the copy runs after a slow kernel and the host scribbles at once. */
  for (int i = 0; i < N; i++)
    page[i] = (uint8_t)(i * 7 + 1);
  spin(junk, spin_iters / 2, s);
  CU_OK(cuMemcpyHtoDAsync(d, page, N, s));
  CU_EXPECT(cuStreamQuery(s), CUDA_ERROR_NOT_READY);
  memset(page, 0xEE, N);
  CU_OK(cuStreamSynchronize(s));
  CU_OK(cuMemcpyDtoH(back, d, N));
  for (int i = 0; i < N; i++)
    if (back[i] != (uint8_t)(i * 7 + 1))
      CF_FAIL_("byte %d: %u", i, back[i]);

  /* Pageable destination: complete when the call returns. */
  uint32_t word = 0;
  spin(junk, spin_iters / 4, s);
  CU_OK(cuMemsetD32Async(d, 0x12345678, 1, s));
  CU_OK(cuMemcpyDtoHAsync(&word, d, 4, s));
  ASSERT_UEQ(word, 0x12345678);

  /* Pinned destination: written later, by the stream. */
  *pin = 0;
  spin(junk, spin_iters / 2, s);
  CU_OK(cuMemcpyDtoHAsync(pin, d, 4, s));
  CU_EXPECT(cuStreamQuery(s), CUDA_ERROR_NOT_READY);
  CU_OK(cuStreamSynchronize(s));
  ASSERT_UEQ(*pin, 0x12345678);

  /* Freeing memory waits for the work that uses it. */
  spin(junk, spin_iters / 4, s);
  CU_OK(cuMemFree(junk));
  CU_OK(cuStreamQuery(s));

  CU_OK(cuMemFreeHost(pin));
  CU_OK(cuMemFree(d));
  CU_OK(cuStreamDestroy(s));
  free(page);
  free(back);
}

/* Destroying a stream with work pending lets the work finish. */
static void test_destroy_pending(void)
{
  CUstream s;
  CUdeviceptr d;

  CU_OK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CU_OK(cuMemAlloc(&d, 4));
  CU_OK(cuMemsetD32(d, 0, 1));
  spin(d, spin_iters / 2, s);
  double t0 = now_ms();
  CU_OK(cuStreamDestroy(s));
  printf("cuStreamDestroy returned after %.2f ms\n", now_ms() - t0);
  CU_EXPECT(cuStreamQuery(s), CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuCtxSynchronize());
  ASSERT_UEQ(read_u32(d), spin_iters / 2);
  CU_OK(cuMemFree(d));
}

/* A fault in an async launch: the launch succeeds, the next synchronising
 * call reports it, and so does every later call in that context. Destroying
 * a context with work queued waits for it. */
static void test_sticky_fault(void)
{
  CUcontext main_ctx, c;
  CUmodule m;
  CUfunction f;
  CUstream s;
  CUdeviceptr d;
  unsigned iters = spin_iters / 4;
  CUdeviceptr bad = 0x10;

  CU_OK(cuCtxGetCurrent(&main_ctx));
  CU_OK(cuCtxCreate(&c, NULL, 0, 0));
  CU_OK(cuModuleLoadData(&m, spin_ptx));
  CU_OK(cuModuleGetFunction(&f, m, "spin"));
  CU_OK(cuStreamCreate(&s, 0));
  void *args[] = { &bad, &iters };
  printf("expect one illegal-address line:\n");
  fflush(stdout);
  CU_OK(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, s, args, NULL));
  CU_EXPECT(cuStreamSynchronize(s), CUDA_ERROR_ILLEGAL_ADDRESS);
  CU_EXPECT(cuCtxSynchronize(), CUDA_ERROR_ILLEGAL_ADDRESS);
  CU_EXPECT(cuMemAlloc(&d, 4), CUDA_ERROR_ILLEGAL_ADDRESS);
  CU_EXPECT(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, s, args, NULL),
            CUDA_ERROR_ILLEGAL_ADDRESS);
  CU_OK(cuCtxDestroy(c));

  /* A context destroyed with kernels queued in several streams. */
  CU_OK(cuCtxCreate(&c, NULL, 0, 0));
  CU_OK(cuModuleLoadData(&m, spin_ptx));
  CU_OK(cuModuleGetFunction(&f, m, "spin"));
  CU_OK(cuMemAlloc(&d, 4));
  CU_OK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  void *args2[] = { &d, &iters };
  CU_OK(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, s, args2, NULL));
  CU_OK(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, NULL, args2, NULL));
  CU_OK(cuCtxDestroy(c));
  CU_OK(cuCtxSetCurrent(main_ctx));
}

/* ---- Many threads at once ----------------------------------------------- */

struct stress_arg {
  CUcontext ctx;
  int id;
};

static void *stress_thread(void *p)
{
  struct stress_arg *a = p;
  CUstream s;
  CUevent e;
  CUdeviceptr d;
  uint32_t v = 0;

  CU_OK(cuCtxSetCurrent(a->ctx));
  CU_OK(cuStreamCreate(&s, a->id % 2 ? CU_STREAM_NON_BLOCKING : 0));
  CU_OK(cuEventCreate(&e, 0));
  CU_OK(cuMemAlloc(&d, 8));
  CU_OK(cuMemsetD32Async(d, 0, 2, s));
  for (int i = 0; i < 200; i++) {
    addto(d, d, 1, s);
    CU_OK(cuEventRecord(e, s));
    if (i % 16 == 0)
      CU_OK(cuStreamWaitEvent(NULL, e, 0));
    CUresult q = cuEventQuery(e);
    ASSERT(q == CUDA_SUCCESS || q == CUDA_ERROR_NOT_READY);
  }
  CU_OK(cuMemcpyDtoHAsync(&v, d, 4, s));
  ASSERT_UEQ(v, 200);
  CU_OK(cuEventDestroy(e));
  CU_OK(cuStreamDestroy(s));
  CU_OK(cuMemFree(d));
  return NULL;
}

static void test_threads(void)
{
  enum { T = 6 };
  struct stress_arg a[T];
  pthread_t t[T];
  CUcontext ctx;

  CU_OK(cuCtxGetCurrent(&ctx));
  for (int i = 0; i < T; i++) {
    a[i] = (struct stress_arg){ ctx, i };
    ASSERT_EQ(pthread_create(&t[i], NULL, stress_thread, &a[i]), 0);
  }
  for (int i = 0; i < T; i++)
    ASSERT_EQ(pthread_join(t[i], NULL), 0);
  CU_OK(cuCtxSynchronize());
}

/* A child forked with work queued gets the work done on its own threads;
 * the parent is unaffected. */
static void test_fork(void)
{
  CUstream s;
  CUdeviceptr d;
  int status = -1;

  CU_OK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CU_OK(cuMemAlloc(&d, 4));
  CU_OK(cuMemsetD32(d, 1, 1));
  spin(d, spin_iters / 4, s);
  fflush(stdout);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (cuStreamSynchronize(s) != CUDA_SUCCESS ||
        read_u32(d) != spin_iters / 4)
      _exit(1);
    addto(d, d, 1, s);
    _exit(cuStreamSynchronize(s) == CUDA_SUCCESS &&
                  read_u32(d) == spin_iters / 4 + 1 ? 0 : 1);
  }
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CU_OK(cuStreamSynchronize(s));
  ASSERT_UEQ(read_u32(d), spin_iters / 4);
  CU_OK(cuStreamDestroy(s));
  CU_OK(cuMemFree(d));
}

int main(void)
{
  CUcontext ctx = emu_test_context();
  setvbuf(stdout, NULL, _IONBF, 0);
  setup();
  test_launch_is_async();
  test_overlap();
  test_event_ordering();
  test_callbacks();
  test_legacy_stream();
  test_per_thread();
  test_async_copies();
  test_destroy_pending();
  test_sticky_fault();
  test_threads();
  test_fork();
  CU_OK(cuCtxDestroy(ctx));
  return 0;
}
