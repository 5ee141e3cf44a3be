/* Unit tests for emu/context.c: context creation and destruction, the
 * per-thread context stack, the primary context, limits, and handles that
 * are stale or of the wrong kind. */
#include <pthread.h>

#include "emu_test.h"

/* Older versions the driver (and the emulator) still export; cuda.h only
 * declares them for its own build. */
CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx, unsigned int flags,
                                CUdevice dev);
CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx,
                                CUexecAffinityParam *paramsArray,
                                int numParams, unsigned int flags,
                                CUdevice dev);

static void test_create_destroy(void)
{
  CUcontext a = NULL, b = NULL, cur = NULL;
  CUdevice dev = -1;
  unsigned ver = 0;

  CU_OK(cuInit(0));
  CU_EXPECT(cuCtxGetDevice(&dev), CUDA_ERROR_INVALID_CONTEXT);
  CU_EXPECT(cuCtxSynchronize(), CUDA_ERROR_INVALID_CONTEXT);
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT_NULL(cur);

  CU_OK(cuCtxCreate(&a, NULL, 0, 0));
  ASSERT_NOT_NULL(a);
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT(cur == a);
  CU_OK(cuCtxGetDevice(&dev));
  ASSERT_EQ(dev, 0);
  CU_OK(cuCtxGetDevice_v2(&dev, a));
  CU_OK(cuCtxGetApiVersion(a, &ver));
  ASSERT_GT(ver, 0);
  CU_OK(cuCtxSynchronize());

  CU_OK(cuCtxCreate_v2(&b, CU_CTX_SCHED_YIELD, 0));  /* pushed over a */
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT(cur == b);
  CU_OK(cuCtxDestroy(b));  /* cuCtxDestroy_v2; pops b */
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT(cur == a);
  CU_EXPECT(cuCtxDestroy(b), CUDA_ERROR_INVALID_CONTEXT);
  CU_EXPECT(cuCtxSetCurrent(b), CUDA_ERROR_INVALID_CONTEXT);
  CU_EXPECT(cuCtxPushCurrent(b), CUDA_ERROR_INVALID_CONTEXT);

  CU_EXPECT(cuCtxCreate(&b, NULL, 0, 1), CUDA_ERROR_INVALID_DEVICE);
  CU_EXPECT(cuCtxCreate(&b, NULL, 3 /* SPIN|YIELD */, 0),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuCtxCreate(&b, NULL, 0x100, 0), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuCtxCreate(NULL, NULL, 0, 0), CUDA_ERROR_INVALID_VALUE);
  CUexecAffinityParam aff = { .type = CU_EXEC_AFFINITY_TYPE_SM_COUNT };
  CU_EXPECT(cuCtxCreate_v3(&b, &aff, 1, 0, 0),
            CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY);
  CU_OK(cuCtxCreate_v3(&b, NULL, 0, 0, 0));
  CU_OK(cuCtxDestroy_v2(b));

  /* A pointer that is no handle at all, and a handle of another kind. */
  int junk[16] = { 0 };
  CU_EXPECT(cuCtxDestroy((CUcontext)(void *)junk), CUDA_ERROR_INVALID_CONTEXT);
  CUstream s;
  CU_OK(cuStreamCreate(&s, 0));
  CU_EXPECT(cuCtxSetCurrent((CUcontext)(void *)s), CUDA_ERROR_INVALID_CONTEXT);
  CU_OK(cuStreamDestroy(s));

  CU_OK(cuCtxDestroy(a));
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT_NULL(cur);
}

static void test_stack(void)
{
  CUcontext a, b, cur, popped;

  CU_OK(cuCtxCreate(&a, NULL, 0, 0));
  CU_OK(cuCtxPopCurrent(&popped));
  ASSERT(popped == a);
  CU_EXPECT(cuCtxPopCurrent(&popped), CUDA_ERROR_INVALID_CONTEXT);
  CU_OK(cuCtxCreate(&b, NULL, 0, 0));
  CU_OK(cuCtxPushCurrent(a));
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT(cur == a);
  CU_OK(cuCtxPopCurrent(&popped));
  ASSERT(popped == a);
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT(cur == b);
  /* SetCurrent replaces the top; NULL unbinds it. */
  CU_OK(cuCtxSetCurrent(a));
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT(cur == a);
  CU_OK(cuCtxSetCurrent(NULL));
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT_NULL(cur);
  CU_EXPECT(cuCtxPushCurrent(NULL), CUDA_ERROR_INVALID_CONTEXT);
  CU_OK(cuCtxDestroy(a));
  CU_OK(cuCtxDestroy(b));
}

struct thread_arg {
  CUcontext ctx;
  CUcontext seen;
  CUresult sync;
};

static void *other_thread(void *p)
{
  struct thread_arg *t = p;
  CUcontext cur = (CUcontext)1;
  cuCtxGetCurrent(&cur);
  t->seen = cur;  /* the stack is per thread: nothing current here */
  if (cuCtxSetCurrent(t->ctx) == CUDA_SUCCESS)
    t->sync = cuCtxSynchronize();
  return NULL;
}

static void test_threads(void)
{
  CUcontext a, cur;
  pthread_t th;
  struct thread_arg t = { 0 };

  CU_OK(cuCtxCreate(&a, NULL, 0, 0));
  t.ctx = a;
  t.sync = CUDA_ERROR_UNKNOWN;
  ASSERT_EQ(pthread_create(&th, NULL, other_thread, &t), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_NULL(t.seen);
  CU_OK(t.sync);
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT(cur == a);
  CU_OK(cuCtxDestroy(a));
}

static void test_primary(void)
{
  CUcontext p1, p2, cur;
  unsigned flags = 99;
  int active = -1;
  CUdeviceptr d;

  CU_OK(cuDevicePrimaryCtxGetState(0, &flags, &active));
  ASSERT_EQ(active, 0);
  CU_EXPECT(cuDevicePrimaryCtxRelease(0), CUDA_ERROR_INVALID_CONTEXT);
  CU_OK(cuDevicePrimaryCtxSetFlags(0, CU_CTX_SCHED_BLOCKING_SYNC));
  CU_OK(cuDevicePrimaryCtxRetain(&p1, 0));
  CU_OK(cuDevicePrimaryCtxRetain(&p2, 0));
  ASSERT(p1 == p2);
  CU_OK(cuDevicePrimaryCtxGetState(0, &flags, &active));
  ASSERT_EQ(active, 1);
  ASSERT_EQ(flags, CU_CTX_SCHED_BLOCKING_SYNC);
  CU_EXPECT(cuDevicePrimaryCtxRetain(&p2, 1), CUDA_ERROR_INVALID_DEVICE);
  CU_EXPECT(cuCtxDestroy(p1), CUDA_ERROR_INVALID_CONTEXT);

  CU_OK(cuCtxSetCurrent(p1));
  CU_OK(cuMemAlloc(&d, 1024));
  CU_OK(cuDevicePrimaryCtxRelease(0));  /* cuDevicePrimaryCtxRelease_v2 */
  CU_OK(cuMemFree(d));                  /* still retained once */
  CU_OK(cuDevicePrimaryCtxRelease(0));
  CU_OK(cuDevicePrimaryCtxGetState(0, &flags, &active));
  ASSERT_EQ(active, 0);
  /* Released: the handle is recognised but no longer usable. */
  CU_EXPECT(cuMemAlloc(&d, 1024), CUDA_ERROR_INVALID_CONTEXT);
  CU_OK(cuCtxSetCurrent(NULL));
  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT_NULL(cur);
  CU_OK(cuDevicePrimaryCtxReset(0));
  CU_OK(cuDevicePrimaryCtxGetState(0, &flags, &active));
  ASSERT_EQ(flags, 0);
}

static void test_limits(void)
{
  CUcontext a;
  size_t v = 0;

  CU_OK(cuCtxCreate(&a, NULL, 0, 0));
  CU_OK(cuCtxGetLimit(&v, CU_LIMIT_STACK_SIZE));
  ASSERT_GT(v, 0);
  CU_OK(cuCtxSetLimit(CU_LIMIT_STACK_SIZE, 8192));
  CU_OK(cuCtxGetLimit(&v, CU_LIMIT_STACK_SIZE));
  ASSERT_UEQ(v, 8192);
  CU_OK(cuCtxSetLimit(CU_LIMIT_PRINTF_FIFO_SIZE, 4 << 20));
  CU_OK(cuCtxGetLimit(&v, CU_LIMIT_PRINTF_FIFO_SIZE));
  ASSERT_UEQ(v, 4 << 20);
  CU_OK(cuCtxSetLimit(CU_LIMIT_MALLOC_HEAP_SIZE, 64 << 20));
  CU_OK(cuCtxGetLimit(&v, CU_LIMIT_MALLOC_HEAP_SIZE));
  ASSERT_UEQ(v, 64 << 20);
  CU_EXPECT(cuCtxGetLimit(&v, (CUlimit)77), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuCtxSetLimit((CUlimit)77, 1), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuCtxDestroy(a));
}

int main(void)
{
  test_create_destroy();
  test_stack();
  test_threads();
  test_primary();
  test_limits();
  return 0;
}
