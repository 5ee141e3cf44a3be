/* The smaller driver queries and settings of devices, contexts, streams and
 * events, each with its error cases: the PCI bus id and the lookup by it,
 * LUID (Linux has none), peer attributes (one device: none), the widest
 * linear 1D texture, context flags, limits, cache and shared-memory
 * configuration, stream priority range and ids, the persisting-L2 reset,
 * stream priority/flags/id/context, cuEventRecordWithFlags, cuFuncGetModule,
 * the atomic capabilities of the host and peer links, the error log API's
 * answers and the profiler switches. Bad handles are destroyed objects; the wrong
 * context is an event of one context recorded on a stream of another.
 *
 * usage: driver_misc VECTOR_ADD.ptx
 *
 * The digest covers every code checked and the values that do not depend
 * on the run (ids do, so only their relations are checked), so a stub run
 * and an emulator run must agree on all of them. */
#include <stdio.h>
#include <string.h>

#include <cudaProfiler.h>

#include "host.h"

#define EXPECT CF_EXPECT_CODE

static void devices(struct cf_host *h)
{
  char bus[32], shortid[16];
  int domain, pbus, pdev, v;
  CUdevice d = -1;
  size_t width = 0;
  unsigned mask = 0;
  char luid[8];

  CF_CHECK(h, cuDeviceGetAttribute(&domain, CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, h->dev));
  CF_CHECK(h, cuDeviceGetAttribute(&pbus, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, h->dev));
  CF_CHECK(h, cuDeviceGetAttribute(&pdev, CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, h->dev));
  char want[32];
  snprintf(want, sizeof want, "%04x:%02x:%02x.0", (unsigned)domain,
           (unsigned)pbus, (unsigned)pdev);

  EXPECT(h, cuDeviceGetPCIBusId(bus, (int)sizeof bus, h->dev), CUDA_SUCCESS);
  cf_host_result(h, strcmp(bus, want) == 0, "pci bus id format",
                 "got \"%s\", want \"%s\"", bus, want);
  printf("info pci bus id %s\n", bus);
  cf_host_note(h, cf_fnv1a(CF_FNV_SEED, bus, strlen(bus)));
  EXPECT(h, cuDeviceGetPCIBusId(shortid, 5, h->dev), CUDA_SUCCESS);
  cf_host_result(h, strlen(shortid) == 4 && strncmp(shortid, want, 4) == 0,
                 "pci bus id truncated", "got \"%s\"", shortid);
  EXPECT(h, cuDeviceGetPCIBusId(NULL, 32, h->dev), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetPCIBusId(bus, 0, h->dev), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetPCIBusId(bus, (int)sizeof bus, 99), CUDA_ERROR_INVALID_DEVICE);

  EXPECT(h, cuDeviceGetByPCIBusId(&d, want), CUDA_SUCCESS);
  cf_host_result(h, d == h->dev, "device by pci bus id", "got %d", d);
  snprintf(shortid, sizeof shortid, "%02x:%02x.0", (unsigned)pbus, (unsigned)pdev);
  d = -1;
  if (domain == 0) {
    EXPECT(h, cuDeviceGetByPCIBusId(&d, shortid), CUDA_SUCCESS);
    cf_host_result(h, d == h->dev, "device by bus:device.function", "got %d", d);
  }
  EXPECT(h, cuDeviceGetByPCIBusId(&d, "ffff:ff:1f.0"), CUDA_ERROR_INVALID_DEVICE);
  EXPECT(h, cuDeviceGetByPCIBusId(&d, "not a bus id"), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetByPCIBusId(&d, ""), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetByPCIBusId(NULL, want), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetByPCIBusId(&d, NULL), CUDA_ERROR_INVALID_VALUE);

  EXPECT(h, cuDeviceGetLuid(luid, &mask, h->dev), CUDA_ERROR_NOT_SUPPORTED);
  EXPECT(h, cuDeviceGetLuid(luid, &mask, 99), CUDA_ERROR_INVALID_DEVICE);

  /* One device: no peer, and a device is not its own peer. */
  EXPECT(h, cuDeviceGetP2PAttribute(&v, CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED,
                                    h->dev, h->dev), CUDA_ERROR_INVALID_DEVICE);
  EXPECT(h, cuDeviceGetP2PAttribute(&v, CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED,
                                    h->dev, 99), CUDA_ERROR_INVALID_DEVICE);
  EXPECT(h, cuDeviceGetP2PAttribute(NULL, CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED,
                                    h->dev, h->dev), CUDA_ERROR_INVALID_VALUE);

  EXPECT(h, cuDeviceGetTexture1DLinearMaxWidth(&width, CU_AD_FORMAT_FLOAT, 1, h->dev),
         CUDA_SUCCESS);
  cf_host_result(h, width > 0, "texture 1D linear max width", "got %zu", width);
  cf_host_note(h, width);
  EXPECT(h, cuDeviceGetTexture1DLinearMaxWidth(&width, CU_AD_FORMAT_FLOAT, 3, h->dev),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetTexture1DLinearMaxWidth(NULL, CU_AD_FORMAT_FLOAT, 1, h->dev),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetTexture1DLinearMaxWidth(&width, CU_AD_FORMAT_FLOAT, 1, 99),
         CUDA_ERROR_INVALID_DEVICE);
}

static void context(struct cf_host *h)
{
  unsigned flags = 0;
  size_t lim = 0;
  CUfunc_cache cache;
  CUsharedconfig shared;
  int least = 1, greatest = 1;
  unsigned long long id = 0, id2 = 0, id3 = 0;
  CUcontext other, cur;

  EXPECT(h, cuCtxGetFlags(&flags), CUDA_SUCCESS);
  EXPECT(h, cuCtxSetFlags(CU_CTX_SCHED_BLOCKING_SYNC), CUDA_SUCCESS);
  EXPECT(h, cuCtxGetFlags(&flags), CUDA_SUCCESS);
  cf_host_result(h, (flags & CU_CTX_SCHED_MASK) == CU_CTX_SCHED_BLOCKING_SYNC,
                 "context flags set", "got %#x", flags);
  cf_host_note(h, flags & CU_CTX_SCHED_MASK);
  EXPECT(h, cuCtxSetFlags(CU_CTX_SCHED_SPIN | CU_CTX_SCHED_YIELD), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuCtxSetFlags(0x10000u), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuCtxGetFlags(NULL), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuCtxSetFlags(CU_CTX_SCHED_AUTO), CUDA_SUCCESS);

  EXPECT(h, cuCtxSetLimit(CU_LIMIT_STACK_SIZE, 4096), CUDA_SUCCESS);
  EXPECT(h, cuCtxGetLimit(&lim, CU_LIMIT_STACK_SIZE), CUDA_SUCCESS);
  cf_host_result(h, lim >= 4096, "stack size limit", "got %zu", lim);
  EXPECT(h, cuCtxGetLimit(&lim, CU_LIMIT_PRINTF_FIFO_SIZE), CUDA_SUCCESS);
  cf_host_result(h, lim > 0, "printf fifo limit", "got %zu", lim);
  EXPECT(h, cuCtxGetLimit(NULL, CU_LIMIT_STACK_SIZE), CUDA_ERROR_INVALID_VALUE);

  EXPECT(h, cuCtxSetCacheConfig(CU_FUNC_CACHE_PREFER_SHARED), CUDA_SUCCESS);
  EXPECT(h, cuCtxGetCacheConfig(&cache), CUDA_SUCCESS);
  EXPECT(h, cuCtxSetCacheConfig((CUfunc_cache)99), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuCtxGetCacheConfig(NULL), CUDA_ERROR_INVALID_VALUE);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT(h, cuCtxGetSharedMemConfig(&shared), CUDA_SUCCESS);
  cf_host_result(h, shared == CU_SHARED_MEM_CONFIG_FOUR_BYTE_BANK_SIZE,
                 "shared memory bank size", "got %d", (int)shared);
  EXPECT(h, cuCtxSetSharedMemConfig(CU_SHARED_MEM_CONFIG_EIGHT_BYTE_BANK_SIZE), CUDA_SUCCESS);
  EXPECT(h, cuCtxSetSharedMemConfig((CUsharedconfig)99), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuCtxGetSharedMemConfig(NULL), CUDA_ERROR_INVALID_VALUE);
#pragma GCC diagnostic pop

  EXPECT(h, cuCtxGetStreamPriorityRange(&least, &greatest), CUDA_SUCCESS);
  cf_host_result(h, greatest <= least, "stream priority range",
                 "least %d greatest %d", least, greatest);
  cf_host_note(h, (uint64_t)(int64_t)least);
  cf_host_note(h, (uint64_t)(int64_t)greatest);
  EXPECT(h, cuCtxGetStreamPriorityRange(NULL, NULL), CUDA_SUCCESS);

  EXPECT(h, cuCtxResetPersistingL2Cache(), CUDA_SUCCESS);

  /* Ids: distinct per context, stable, NULL meaning the current one. */
  EXPECT(h, cuCtxGetId(h->ctx, &id), CUDA_SUCCESS);
  EXPECT(h, cuCtxGetId(NULL, &id2), CUDA_SUCCESS);
  cf_host_result(h, id != 0 && id == id2, "context id stable",
                 "%llu then %llu", id, id2);
  CF_CHECK(h, cuCtxCreate(&other, NULL, 0, h->dev));
  EXPECT(h, cuCtxGetId(other, &id3), CUDA_SUCCESS);
  cf_host_result(h, id3 != 0 && id3 != id, "context ids differ", "%llu and %llu", id, id3);
  EXPECT(h, cuCtxGetId(other, NULL), CUDA_ERROR_INVALID_VALUE);
  CF_CHECK(h, cuCtxDestroy(other));
  EXPECT(h, cuCtxGetId(other, &id3), CUDA_ERROR_INVALID_CONTEXT);

  /* No current context: the calls that need one say so. */
  CF_CHECK(h, cuCtxPopCurrent(&cur));
  EXPECT(h, cuCtxGetFlags(&flags), CUDA_ERROR_INVALID_CONTEXT);
  EXPECT(h, cuCtxSetFlags(0), CUDA_ERROR_INVALID_CONTEXT);
  EXPECT(h, cuCtxGetLimit(&lim, CU_LIMIT_STACK_SIZE), CUDA_ERROR_INVALID_CONTEXT);
  EXPECT(h, cuCtxGetId(NULL, &id3), CUDA_ERROR_INVALID_CONTEXT);
  EXPECT(h, cuCtxResetPersistingL2Cache(), CUDA_ERROR_INVALID_CONTEXT);
  CF_CHECK(h, cuCtxPushCurrent(cur));
}

static void streams(struct cf_host *h)
{
  int least, greatest, prio = 1;
  unsigned flags = 7;
  unsigned long long id1 = 0, id2 = 0, id1b = 0, idnull = 0;
  CUstream s1, s2, dead;
  CUcontext ctx = NULL, other;
  CUevent ev, dead_ev, other_ev;
  CUfunction f;
  CUmodule mod = NULL;

  CF_CHECK(h, cuCtxGetStreamPriorityRange(&least, &greatest));
  CF_CHECK(h, cuStreamCreateWithPriority(&s1, CU_STREAM_NON_BLOCKING, greatest));
  CF_CHECK(h, cuStreamCreate(&s2, CU_STREAM_DEFAULT));

  EXPECT(h, cuStreamGetPriority(s1, &prio), CUDA_SUCCESS);
  cf_host_result(h, prio == greatest, "stream priority", "got %d", prio);
  EXPECT(h, cuStreamGetPriority(s2, &prio), CUDA_SUCCESS);
  cf_host_result(h, prio == least, "default stream priority", "got %d", prio);
  EXPECT(h, cuStreamGetPriority(NULL, &prio), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetPriority(s1, NULL), CUDA_ERROR_INVALID_VALUE);

  EXPECT(h, cuStreamGetFlags(s1, &flags), CUDA_SUCCESS);
  cf_host_result(h, flags == CU_STREAM_NON_BLOCKING, "stream flags", "got %u", flags);
  cf_host_note(h, flags);
  EXPECT(h, cuStreamGetFlags(s2, &flags), CUDA_SUCCESS);
  cf_host_result(h, flags == CU_STREAM_DEFAULT, "default stream flags", "got %u", flags);
  EXPECT(h, cuStreamGetFlags(s1, NULL), CUDA_ERROR_INVALID_VALUE);

  EXPECT(h, cuStreamGetId(s1, &id1), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetId(s2, &id2), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetId(s1, &id1b), CUDA_SUCCESS);
  EXPECT(h, cuStreamGetId(NULL, &idnull), CUDA_SUCCESS);
  cf_host_result(h, id1 == id1b && id1 != id2 && id1 != idnull && id2 != idnull,
                 "stream ids", "%llu %llu %llu null %llu", id1, id1b, id2, idnull);
  EXPECT(h, cuStreamGetId(s1, NULL), CUDA_ERROR_INVALID_VALUE);

  EXPECT(h, cuStreamGetCtx(s1, &ctx), CUDA_SUCCESS);
  cf_host_result(h, ctx == h->ctx, "stream context", "got %p", (void *)ctx);
  ctx = NULL;
  EXPECT(h, cuStreamGetCtx(NULL, &ctx), CUDA_SUCCESS);
  cf_host_result(h, ctx == h->ctx, "default stream context", "got %p", (void *)ctx);
  EXPECT(h, cuStreamGetCtx(s1, NULL), CUDA_ERROR_INVALID_VALUE);

  /* A destroyed stream is a bad handle for every query. */
  CF_CHECK(h, cuStreamCreate(&dead, CU_STREAM_DEFAULT));
  CF_CHECK(h, cuStreamDestroy(dead));
  EXPECT(h, cuStreamGetPriority(dead, &prio), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(h, cuStreamGetFlags(dead, &flags), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(h, cuStreamGetId(dead, &id1b), CUDA_ERROR_INVALID_HANDLE);
  EXPECT(h, cuStreamGetCtx(dead, &ctx), CUDA_ERROR_INVALID_HANDLE);

  /* cuEventRecordWithFlags. */
  CF_CHECK(h, cuEventCreate(&ev, CU_EVENT_DEFAULT));
  EXPECT(h, cuEventRecordWithFlags(ev, s1, CU_EVENT_RECORD_DEFAULT), CUDA_SUCCESS);
  EXPECT(h, cuEventSynchronize(ev), CUDA_SUCCESS);
  EXPECT(h, cuEventRecordWithFlags(ev, NULL, CU_EVENT_RECORD_DEFAULT), CUDA_SUCCESS);
  EXPECT(h, cuEventSynchronize(ev), CUDA_SUCCESS);
  EXPECT(h, cuEventQuery(ev), CUDA_SUCCESS);
  EXPECT(h, cuEventRecordWithFlags(ev, s1, 0x80u), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuEventRecordWithFlags(ev, dead, CU_EVENT_RECORD_DEFAULT),
         CUDA_ERROR_INVALID_HANDLE);
  CF_CHECK(h, cuEventCreate(&dead_ev, CU_EVENT_DEFAULT));
  CF_CHECK(h, cuEventDestroy(dead_ev));
  EXPECT(h, cuEventRecordWithFlags(dead_ev, s1, CU_EVENT_RECORD_DEFAULT),
         CUDA_ERROR_INVALID_HANDLE);

  /* The wrong context: an event of another context on this one's stream. */
  CF_CHECK(h, cuCtxCreate(&other, NULL, 0, h->dev));
  CF_CHECK(h, cuEventCreate(&other_ev, CU_EVENT_DEFAULT));
  CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  EXPECT(h, cuEventRecordWithFlags(other_ev, s1, CU_EVENT_RECORD_DEFAULT),
         CUDA_ERROR_INVALID_HANDLE);
  CF_CHECK(h, cuCtxDestroy(other));

  /* cuFuncGetModule. */
  f = cf_host_function(h, "vector_add");
  EXPECT(h, cuFuncGetModule(&mod, f), CUDA_SUCCESS);
  cf_host_result(h, mod == h->mod, "function's module", "got %p", (void *)mod);
  EXPECT(h, cuFuncGetModule(NULL, f), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuFuncGetModule(&mod, NULL), CUDA_ERROR_INVALID_HANDLE);

  CF_CHECK(h, cuEventDestroy(ev));
  CF_CHECK(h, cuStreamDestroy(s1));
  CF_CHECK(h, cuStreamDestroy(s2));
}

/* Atomic capabilities of the host link and of peer links (CUDA 13). More
 * operations than the stub sends in one call (64) must come back the same
 * as one at a time. One device: it has no peer, itself included. */
static void atomics(struct cf_host *h)
{
  enum { NOPS = CU_ATOMIC_OPERATION_MAX, LONG = 150 };
  CUatomicOperation ops[LONG];
  unsigned caps[LONG], one[NOPS];
  int same = 1;

  for (int i = 0; i < LONG; i++)
    ops[i] = (CUatomicOperation)(i % NOPS);
  EXPECT(h, cuDeviceGetHostAtomicCapabilities(one, ops, NOPS, h->dev), CUDA_SUCCESS);
  for (int i = 0; i < NOPS; i++)
    cf_host_note(h, one[i]);
  cf_host_result(h, (one[CU_ATOMIC_OPERATION_INTEGER_ADD] & CU_ATOMIC_CAPABILITY_SCALAR_32) != 0,
                 "host atomic add on 32 bits", "caps 0x%x", one[CU_ATOMIC_OPERATION_INTEGER_ADD]);
  memset(caps, 0xff, sizeof caps);
  EXPECT(h, cuDeviceGetHostAtomicCapabilities(caps, ops, LONG, h->dev), CUDA_SUCCESS);
  for (int i = 0; i < LONG; i++)
    same &= caps[i] == one[i % NOPS];
  cf_host_result(h, same, "host atomic capabilities of 150 operations", "differ");

  EXPECT(h, cuDeviceGetHostAtomicCapabilities(NULL, ops, 1, h->dev), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetHostAtomicCapabilities(caps, NULL, 1, h->dev), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetHostAtomicCapabilities(caps, ops, 0, h->dev), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetHostAtomicCapabilities(caps, ops, 1, 99), CUDA_ERROR_INVALID_DEVICE);
  ops[100] = CU_ATOMIC_OPERATION_MAX;
  EXPECT(h, cuDeviceGetHostAtomicCapabilities(caps, ops, LONG, h->dev),
         CUDA_ERROR_INVALID_VALUE);
  ops[100] = CU_ATOMIC_OPERATION_CAS;

  EXPECT(h, cuDeviceGetP2PAtomicCapabilities(caps, ops, 4, h->dev, h->dev),
         CUDA_ERROR_INVALID_DEVICE);
  EXPECT(h, cuDeviceGetP2PAtomicCapabilities(caps, ops, 4, h->dev, 99),
         CUDA_ERROR_INVALID_DEVICE);
  EXPECT(h, cuDeviceGetP2PAtomicCapabilities(NULL, ops, 4, h->dev, h->dev),
         CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuDeviceGetP2PAtomicCapabilities(caps, ops, 0, h->dev, h->dev),
         CUDA_ERROR_INVALID_VALUE);
}

static void CUDA_CB log_line(void *data, CUlogLevel level, char *message, size_t length)
{
  (void)level;
  (void)message;
  (void)length;
  (*(int *)data)++;
}

/* The error log API's answers (what is logged differs between the
 * emulator and the stub, so only the codes and the dump's shape count). */
static void logs(struct cf_host *h)
{
  CUlogsCallbackHandle cb = NULL;
  CUlogIterator it, it2;
  char buf[4096];
  size_t size = sizeof buf;
  int lines = 0;

  EXPECT(h, cuLogsRegisterCallback(NULL, NULL, &cb), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuLogsRegisterCallback(log_line, &lines, &cb), CUDA_SUCCESS);
  EXPECT(h, cuLogsCurrent(&it, 0), CUDA_SUCCESS);
  EXPECT(h, cuLogsCurrent(&it, 1), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuLogsCurrent(NULL, 0), CUDA_ERROR_INVALID_VALUE);
  it2 = it;
  EXPECT(h, cuLogsDumpToMemory(&it2, buf, &size, 0), CUDA_SUCCESS);
  cf_host_result(h, size == 0 && buf[0] == '\0' && it2 == it, "logs: nothing new since current",
                 "size %zu", size);
  size = sizeof buf;
  EXPECT(h, cuLogsDumpToMemory(NULL, buf, &size, 0), CUDA_SUCCESS);
  cf_host_result(h, size == strlen(buf) && (size == 0 || buf[size - 1] == '\n'),
                 "logs: dump is newline-ended lines", "size %zu", size);
  EXPECT(h, cuLogsDumpToMemory(NULL, NULL, &size, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuLogsDumpToMemory(NULL, buf, NULL, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuLogsDumpToMemory(NULL, buf, &size, 1), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuLogsDumpToFile(NULL, NULL, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuLogsDumpToFile(&it, "/nonexistent-dir/log", 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(h, cuLogsUnregisterCallback(cb), CUDA_SUCCESS);
  EXPECT(h, cuLogsUnregisterCallback(cb), CUDA_ERROR_INVALID_VALUE);
}

int main(int argc, char **argv)
{
  struct cf_host h;

  cf_host_usage(argc, argv, 1, "VECTOR_ADD.ptx");
  cf_host_open(&h, "driver_misc", argv[1]);
  devices(&h);
  context(&h);
  streams(&h);
  atomics(&h);
  logs(&h);
  EXPECT(&h, cuProfilerStart(), CUDA_SUCCESS);
  EXPECT(&h, cuProfilerStop(), CUDA_SUCCESS);
  cf_host_codes_digest(&h);
  return cf_host_finish(&h);
}
