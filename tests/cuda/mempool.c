/* Stream-ordered allocation and memory pools, no kernel: the device
 * attributes that advertise pools; the default and current pool in the
 * device and the CUDA 13 location forms, with their errors (bad device,
 * host locations, managed type, NULL pointers); cuMemAllocAsync data written
 * and read back in stream order; cuMemFreeAsync (double free, pointers not
 * from a pool, use after the free completed); wrong and forged streams;
 * cuMemPoolCreate and its property checks; every pool attribute (defaults,
 * reuse flags, release threshold, reserved and used memory with their
 * high-water marks and resets, read-only and unknown attributes);
 * cuMemGetInfo following pool reservations; cuMemPoolTrimTo; access
 * queries and settings; a pool's maxSize; making a created pool current;
 * destroying a pool with an outstanding allocation; cuMemFree of an async
 * allocation; the _ptsz forms. Data read back is digested; sizes and
 * addresses are only checked, never digested. */
#include <stdio.h>
#include <string.h>

#include "host.h"

CUresult CUDAAPI cuMemAllocAsync_ptsz(CUdeviceptr *dptr, size_t bytesize, CUstream s);
CUresult CUDAAPI cuMemFreeAsync_ptsz(CUdeviceptr dptr, CUstream s);
CUresult CUDAAPI cuMemAllocFromPoolAsync_ptsz(CUdeviceptr *dptr, size_t bytesize,
                                              CUmemoryPool pool, CUstream s);

#define NW 4096 /* words in the data checks */
#define MIB ((size_t)1 << 20)

static const CUmemLocation dev0 = { CU_MEM_LOCATION_TYPE_DEVICE, 0 };

static cuuint64_t attr64(struct cf_host *h, CUmemoryPool p, CUmemPool_attribute a)
{
  cuuint64_t v = 0;
  CF_CHECK(h, cuMemPoolGetAttribute(p, a, &v));
  return v;
}

static int attr_int(struct cf_host *h, CUmemoryPool p, CUmemPool_attribute a)
{
  int v = -1;
  CF_CHECK(h, cuMemPoolGetAttribute(p, a, &v));
  return v;
}

static size_t mem_free(struct cf_host *h)
{
  size_t f = 0, t = 0;
  CF_CHECK(h, cuMemGetInfo(&f, &t));
  return f;
}

static CUmemPoolProps device_props(void)
{
  CUmemPoolProps p;
  memset(&p, 0, sizeof p);
  p.allocType = CU_MEM_ALLOCATION_TYPE_PINNED;
  p.handleTypes = CU_MEM_HANDLE_TYPE_NONE;
  p.location = dev0;
  return p;
}

/* Default and current pool lookups and their errors. Returns the default. */
static CUmemoryPool check_defaults(struct cf_host *h)
{
  CUmemoryPool def = NULL, p = NULL;
  CUmemLocation loc = dev0;
  int v = -1;

  CF_CHECK(h, cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, h->dev));
  cf_host_result(h, v == 1, "MEMORY_POOLS_SUPPORTED", "%d", v);
  CF_CHECK(h, cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MEMPOOL_SUPPORTED_HANDLE_TYPES,
                                   h->dev));
  cf_host_result(h, v == 0, "MEMPOOL_SUPPORTED_HANDLE_TYPES", "%d", v);

  CF_CHECK(h, cuDeviceGetDefaultMemPool(&def, h->dev));
  CF_CHECK(h, cuDeviceGetMemPool(&p, h->dev));
  cf_host_result(h, def && p == def, "current pool is the default", "%p %p",
                 (void *)def, (void *)p);
  CF_CHECK(h, cuMemGetDefaultMemPool(&p, &loc, CU_MEM_ALLOCATION_TYPE_PINNED));
  cf_host_result(h, p == def, "cuMemGetDefaultMemPool", "%p", (void *)p);
  CF_CHECK(h, cuMemGetMemPool(&p, &loc, CU_MEM_ALLOCATION_TYPE_PINNED));
  cf_host_result(h, p == def, "cuMemGetMemPool", "%p", (void *)p);

  CF_EXPECT(h, cuDeviceGetDefaultMemPool(NULL, h->dev), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuDeviceGetDefaultMemPool(&p, 99), CUDA_ERROR_INVALID_DEVICE);
  CF_EXPECT(h, cuDeviceGetMemPool(NULL, h->dev), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuDeviceGetMemPool(&p, 99), CUDA_ERROR_INVALID_DEVICE);
  CF_EXPECT(h, cuDeviceSetMemPool(h->dev, NULL), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemGetDefaultMemPool(&p, NULL, CU_MEM_ALLOCATION_TYPE_PINNED),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemGetDefaultMemPool(NULL, &loc, CU_MEM_ALLOCATION_TYPE_PINNED),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemGetDefaultMemPool(&p, &loc, CU_MEM_ALLOCATION_TYPE_MANAGED),
            CUDA_ERROR_NOT_SUPPORTED);
  CF_EXPECT(h, cuMemGetDefaultMemPool(&p, &loc, CU_MEM_ALLOCATION_TYPE_INVALID),
            CUDA_ERROR_INVALID_VALUE);
  loc.id = 99;
  CF_EXPECT(h, cuMemGetMemPool(&p, &loc, CU_MEM_ALLOCATION_TYPE_PINNED),
            CUDA_ERROR_INVALID_DEVICE);
  loc = (CUmemLocation){ CU_MEM_LOCATION_TYPE_HOST, 0 };
  CF_EXPECT(h, cuMemGetDefaultMemPool(&p, &loc, CU_MEM_ALLOCATION_TYPE_PINNED),
            CUDA_ERROR_NOT_SUPPORTED);
  loc.type = CU_MEM_LOCATION_TYPE_HOST_NUMA;
  CF_EXPECT(h, cuMemGetMemPool(&p, &loc, CU_MEM_ALLOCATION_TYPE_PINNED),
            CUDA_ERROR_NOT_SUPPORTED);
  CF_EXPECT(h, cuMemSetMemPool(&loc, CU_MEM_ALLOCATION_TYPE_PINNED, def),
            CUDA_ERROR_NOT_SUPPORTED);
  loc.type = (CUmemLocationType)77;
  CF_EXPECT(h, cuMemGetMemPool(&p, &loc, CU_MEM_ALLOCATION_TYPE_PINNED),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemSetMemPool(NULL, CU_MEM_ALLOCATION_TYPE_PINNED, def),
            CUDA_ERROR_INVALID_VALUE);
  return def;
}

/* cuMemAllocAsync from the default pool: data in stream order, reservations
 * in cuMemGetInfo and the pool's attributes, the free and its errors. */
static void check_default_alloc(struct cf_host *h, CUmemoryPool def, CUstream s)
{
  static uint32_t in[NW], out[NW], want[NW];
  size_t n = NW * sizeof(uint32_t), free0 = mem_free(h), free1;
  uint32_t seed = 7;
  CUdeviceptr a = 0, plain = 0, tmp;

  for (int i = 0; i < NW; i++)
    in[i] = cf_rand_u32(&seed);
  CF_CHECK(h, cuMemAllocAsync(&a, n, s));
  free1 = mem_free(h);
  cf_host_result(h, free0 - free1 >= n, "cuMemGetInfo counts the async allocation",
                 "free %zu -> %zu", free0, free1);
  cf_host_result(h, attr64(h, def, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) >= n &&
                        attr64(h, def, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) >= n,
                 "default pool used and reserved", "too small");
  CF_CHECK(h, cuMemsetD32Async(a, 0x5eedu, NW, s));
  CF_CHECK(h, cuMemcpyHtoDAsync(a + 64 * sizeof(uint32_t), in, 1000 * sizeof(uint32_t), s));
  CF_CHECK(h, cuMemcpyDtoHAsync(out, a, n, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  for (int i = 0; i < NW; i++)
    want[i] = i >= 64 && i < 1064 ? in[i - 64] : 0x5eedu;
  cf_host_cmp_u32(h, "async allocation data", out, want, NW);
  cf_host_digest("mempool.default", out, n);

  CF_CHECK(h, cuMemFreeAsync(a, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  cf_host_result(h, attr64(h, def, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) == 0,
                 "used memory back to 0 after the free", "not 0");
  cf_host_result(h, attr64(h, def, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) == 0,
                 "threshold 0 releases after the free", "still reserved");
  cf_host_result(h, attr64(h, def, CU_MEMPOOL_ATTR_USED_MEM_HIGH) >= n,
                 "used high-water mark", "below the allocation");
  cf_host_result(h, mem_free(h) == free0, "cuMemGetInfo after the free", "differs");
  /* Use after free is caught like any freed memory. */
  CF_EXPECT(h, cuMemsetD8(a, 0, 1), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemFreeAsync(a, s), CUDA_ERROR_INVALID_VALUE);

  /* Errors of the allocation and the free. */
  CF_EXPECT(h, cuMemAllocAsync(NULL, n, s), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemAllocAsync(&tmp, 0, s), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemAllocAsync(&tmp, n, (CUstream)(uintptr_t)0x12345678),
            CUDA_ERROR_INVALID_HANDLE);
  CF_EXPECT(h, cuMemAllocAsync(&tmp, (size_t)1 << 60, s), CUDA_ERROR_OUT_OF_MEMORY);
  CF_CHECK(h, cuMemAlloc(&plain, 4096));
  CF_EXPECT(h, cuMemFreeAsync(plain, s), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemFreeAsync(0, s), CUDA_ERROR_INVALID_VALUE);
  CF_CHECK(h, cuMemAllocAsync(&a, n, s));
  CF_EXPECT(h, cuMemFreeAsync(a + 256, s), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemFreeAsync(a, (CUstream)(uintptr_t)0x12345678),
            CUDA_ERROR_INVALID_HANDLE);
  CF_CHECK(h, cuMemFreeAsync(a, s));
  CF_CHECK(h, cuMemFree(plain));
  CF_CHECK(h, cuStreamSynchronize(s));

  /* cuMemFree of an async allocation frees it too. */
  CF_CHECK(h, cuMemAllocAsync(&a, n, NULL));
  CF_CHECK(h, cuCtxSynchronize());
  CF_CHECK(h, cuMemFree(a));
  cf_host_result(h, attr64(h, def, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) == 0,
                 "cuMemFree of an async allocation", "still used");
}

/* A stream of another context is the wrong stream. */
static void check_wrong_stream(struct cf_host *h)
{
  CUcontext other;
  CUstream s2;
  CUdeviceptr a = 0;

  CF_CHECK(h, cuCtxCreate(&other, NULL, 0, h->dev));
  CF_CHECK(h, cuStreamCreate(&s2, CU_STREAM_NON_BLOCKING));
  CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  CF_EXPECT(h, cuMemAllocAsync(&a, 1024, s2), CUDA_ERROR_INVALID_HANDLE);
  CF_CHECK(h, cuMemAllocAsync(&a, 1024, NULL));
  CF_EXPECT(h, cuMemFreeAsync(a, s2), CUDA_ERROR_INVALID_HANDLE);
  CF_CHECK(h, cuMemFreeAsync(a, NULL));
  CF_CHECK(h, cuCtxDestroy(other));
  CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  CF_CHECK(h, cuCtxSynchronize());
}

static void check_create_errors(struct cf_host *h)
{
  CUmemPoolProps pp = device_props();
  CUmemoryPool p;

  CF_EXPECT(h, cuMemPoolCreate(&p, NULL), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolCreate(NULL, &pp), CUDA_ERROR_INVALID_VALUE);
  pp.location.id = 99;
  CF_EXPECT(h, cuMemPoolCreate(&p, &pp), CUDA_ERROR_INVALID_DEVICE);
  pp = device_props();
  pp.location.type = CU_MEM_LOCATION_TYPE_HOST;
  CF_EXPECT(h, cuMemPoolCreate(&p, &pp), CUDA_ERROR_NOT_SUPPORTED);
  pp = device_props();
  pp.allocType = CU_MEM_ALLOCATION_TYPE_INVALID;
  CF_EXPECT(h, cuMemPoolCreate(&p, &pp), CUDA_ERROR_INVALID_VALUE);
  pp = device_props();
  pp.handleTypes = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
  CF_EXPECT(h, cuMemPoolCreate(&p, &pp), CUDA_ERROR_NOT_SUPPORTED);
  pp = device_props();
  pp.reserved[3] = 1;
  CF_EXPECT(h, cuMemPoolCreate(&p, &pp), CUDA_ERROR_INVALID_VALUE);
  pp = device_props();
  pp.win32SecurityAttributes = &pp;
  CF_EXPECT(h, cuMemPoolCreate(&p, &pp), CUDA_ERROR_INVALID_VALUE);
}

/* A created pool's attributes while blocks are allocated, freed, reused and
 * trimmed; its data. */
static void check_pool_attrs(struct cf_host *h, CUmemoryPool p, CUstream s)
{
  static const size_t sizes[3] = { MIB, 2 * MIB, 65536 };
  static uint32_t out[NW];
  CUdeviceptr d[3], again;
  cuuint64_t v, used, reserved, sum = 0;
  int iv;

  cf_host_result(h, attr_int(h, p, CU_MEMPOOL_ATTR_REUSE_FOLLOW_EVENT_DEPENDENCIES) == 1 &&
                        attr_int(h, p, CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC) == 1 &&
                        attr_int(h, p, CU_MEMPOOL_ATTR_REUSE_ALLOW_INTERNAL_DEPENDENCIES) == 1,
                 "reuse flags default on", "not all 1");
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD) == 0 &&
                        attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) == 0 &&
                        attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) == 0,
                 "new pool is empty", "not 0");
  iv = 0;
  CF_CHECK(h, cuMemPoolSetAttribute(p, CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC, &iv));
  cf_host_result(h, attr_int(h, p, CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC) == 0,
                 "REUSE_ALLOW_OPPORTUNISTIC set to 0", "not 0");
  iv = 1;
  CF_CHECK(h, cuMemPoolSetAttribute(p, CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC, &iv));
  v = ~(cuuint64_t)0;  /* keep everything freed */
  CF_CHECK(h, cuMemPoolSetAttribute(p, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &v));
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD) == v,
                 "RELEASE_THRESHOLD set", "differs");

  size_t free0 = mem_free(h);
  for (int i = 0; i < 3; i++) {
    CF_CHECK(h, cuMemAllocFromPoolAsync(&d[i], sizes[i], p, s));
    CF_CHECK(h, cuMemsetD32Async(d[i], 0x100u + (unsigned)i, NW, s));
    sum += sizes[i];
  }
  used = attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT);
  reserved = attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT);
  cf_host_result(h, used >= sum && reserved >= used, "used and reserved after 3 allocations",
                 "used %llu reserved %llu", (unsigned long long)used,
                 (unsigned long long)reserved);
  cf_host_result(h, free0 - mem_free(h) >= reserved, "cuMemGetInfo counts the pool",
                 "less than reserved");
  for (int i = 0; i < 3; i++) {
    CF_CHECK(h, cuMemcpyDtoHAsync(out, d[i], sizeof out, s));
    CF_CHECK(h, cuStreamSynchronize(s));
    cf_host_digest(i == 0 ? "mempool.pool0" : i == 1 ? "mempool.pool1" : "mempool.pool2",
                   out, sizeof out);
  }

  /* Free the first block: used drops, the reservation stays (threshold). */
  CF_CHECK(h, cuMemFreeAsync(d[0], s));
  CF_CHECK(h, cuStreamSynchronize(s));
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) <= used - sizes[0],
                 "used after a free", "did not drop");
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) == reserved,
                 "freed memory stays reserved under the threshold", "changed");
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_HIGH) >= used,
                 "USED_MEM_HIGH keeps the peak", "below it");
  v = 0;
  CF_CHECK(h, cuMemPoolSetAttribute(p, CU_MEMPOOL_ATTR_USED_MEM_HIGH, &v));
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_HIGH) ==
                        attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT),
                 "USED_MEM_HIGH reset to current", "differs");
  /* The same size again reuses the reservation. */
  CF_CHECK(h, cuMemAllocFromPoolAsync(&again, sizes[0], p, s));
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) == reserved,
                 "a freed block is reused", "reserved grew");
  CF_CHECK(h, cuMemFreeAsync(again, s));
  CF_CHECK(h, cuMemFreeAsync(d[1], s));
  CF_CHECK(h, cuStreamSynchronize(s));

  /* Trim: a no-op above the reservation, then down to what is in use. */
  CF_CHECK(h, cuMemPoolTrimTo(p, (size_t)reserved + 1));
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) == reserved,
                 "trim above the reservation is a no-op", "changed");
  CF_CHECK(h, cuMemPoolTrimTo(p, 0));
  v = attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT);
  cf_host_result(h, v < reserved && v >= attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT),
                 "trim reduces reserved memory", "%llu of %llu", (unsigned long long)v,
                 (unsigned long long)reserved);
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH) >= reserved,
                 "RESERVED_MEM_HIGH keeps the peak", "below it");
  v = 0;
  CF_CHECK(h, cuMemPoolSetAttribute(p, CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH, &v));
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH) ==
                        attr64(h, p, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT),
                 "RESERVED_MEM_HIGH reset to current", "differs");
  CF_CHECK(h, cuMemFreeAsync(d[2], s));
  CF_CHECK(h, cuStreamSynchronize(s));

  /* Attribute errors. */
  v = 5;
  CF_EXPECT(h, cuMemPoolSetAttribute(p, CU_MEMPOOL_ATTR_USED_MEM_HIGH, &v),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolSetAttribute(p, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT, &v),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolSetAttribute(p, (CUmemPool_attribute)99, &v),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolGetAttribute(p, (CUmemPool_attribute)99, &v),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolGetAttribute(p, (CUmemPool_attribute)0, &v),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolGetAttribute(p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT, NULL),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolSetAttribute(p, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, NULL),
            CUDA_ERROR_INVALID_VALUE);
}

static void check_access(struct cf_host *h, CUmemoryPool p)
{
  CUmemAccess_flags f = CU_MEM_ACCESS_FLAGS_PROT_NONE;
  CUmemLocation loc = dev0;
  CUmemAccessDesc d = { dev0, CU_MEM_ACCESS_FLAGS_PROT_READWRITE };

  CF_CHECK(h, cuMemPoolGetAccess(&f, p, &loc));
  cf_host_result(h, f == CU_MEM_ACCESS_FLAGS_PROT_READWRITE, "own device has read-write access",
                 "flags %d", (int)f);
  CF_CHECK(h, cuMemPoolSetAccess(p, &d, 1));
  CF_CHECK(h, cuMemPoolSetAccess(p, NULL, 0));
  CF_EXPECT(h, cuMemPoolSetAccess(p, NULL, 1), CUDA_ERROR_INVALID_VALUE);
  d.flags = CU_MEM_ACCESS_FLAGS_PROT_NONE;
  CF_EXPECT(h, cuMemPoolSetAccess(p, &d, 1), CUDA_ERROR_INVALID_VALUE);
  d.flags = (CUmemAccess_flags)7;
  CF_EXPECT(h, cuMemPoolSetAccess(p, &d, 1), CUDA_ERROR_INVALID_VALUE);
  d = (CUmemAccessDesc){ { CU_MEM_LOCATION_TYPE_DEVICE, 99 },
                         CU_MEM_ACCESS_FLAGS_PROT_READWRITE };
  CF_EXPECT(h, cuMemPoolSetAccess(p, &d, 1), CUDA_ERROR_INVALID_DEVICE);
  CF_EXPECT(h, cuMemPoolGetAccess(NULL, p, &loc), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolGetAccess(&f, p, NULL), CUDA_ERROR_INVALID_VALUE);
  loc.type = CU_MEM_LOCATION_TYPE_HOST;
  CF_EXPECT(h, cuMemPoolGetAccess(&f, p, &loc), CUDA_ERROR_NOT_SUPPORTED);
}

/* The created pool as the device's current pool, in both forms. */
static void check_current(struct cf_host *h, CUmemoryPool def, CUmemoryPool p, CUstream s)
{
  CUmemLocation loc = dev0;
  CUmemoryPool cur = NULL;
  CUdeviceptr a;
  cuuint64_t before = attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT);

  CF_CHECK(h, cuDeviceSetMemPool(h->dev, p));
  CF_CHECK(h, cuDeviceGetMemPool(&cur, h->dev));
  cf_host_result(h, cur == p, "cuDeviceSetMemPool", "%p", (void *)cur);
  CF_CHECK(h, cuMemGetMemPool(&cur, &loc, CU_MEM_ALLOCATION_TYPE_PINNED));
  cf_host_result(h, cur == p, "cuMemGetMemPool sees it", "%p", (void *)cur);
  CF_CHECK(h, cuMemAllocAsync(&a, 8192, s));
  cf_host_result(h, attr64(h, p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) >= before + 8192,
                 "cuMemAllocAsync takes the current pool", "not from it");
  CF_CHECK(h, cuMemFreeAsync(a, s));
  CF_CHECK(h, cuMemSetMemPool(&loc, CU_MEM_ALLOCATION_TYPE_PINNED, def));
  CF_CHECK(h, cuDeviceGetMemPool(&cur, h->dev));
  cf_host_result(h, cur == def, "cuMemSetMemPool back to the default", "%p", (void *)cur);
  CF_CHECK(h, cuMemSetMemPool(&loc, CU_MEM_ALLOCATION_TYPE_PINNED, p));
  CF_CHECK(h, cuStreamSynchronize(s));
}

/* Destroying a pool with an allocation outstanding: the allocation lives
 * until freed, the handle does not; the current pool falls back. */
static void check_destroy(struct cf_host *h, CUmemoryPool def, CUmemoryPool p, CUstream s)
{
  static uint32_t out[NW], want[NW];
  CUmemoryPool cur = NULL;
  CUdeviceptr a, tmp;
  cuuint64_t v;

  CF_CHECK(h, cuMemAllocFromPoolAsync(&a, sizeof out, p, s));
  CF_CHECK(h, cuMemsetD32Async(a, 0xfeedu, NW, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  CF_CHECK(h, cuMemPoolDestroy(p));
  CF_CHECK(h, cuDeviceGetMemPool(&cur, h->dev));
  cf_host_result(h, cur == def, "destroying the current pool restores the default", "%p",
                 (void *)cur);
  CF_EXPECT(h, cuMemPoolGetAttribute(p, CU_MEMPOOL_ATTR_USED_MEM_CURRENT, &v),
            CUDA_ERROR_INVALID_HANDLE);
  CF_EXPECT(h, cuMemAllocFromPoolAsync(&tmp, 64, p, s), CUDA_ERROR_INVALID_HANDLE);
  CF_CHECK(h, cuMemcpyDtoH(out, a, sizeof out));
  for (int i = 0; i < NW; i++)
    want[i] = 0xfeedu;
  cf_host_cmp_u32(h, "allocation outlives its destroyed pool", out, want, NW);
  cf_host_digest("mempool.destroyed", out, sizeof out);
  CF_CHECK(h, cuMemFreeAsync(a, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  CF_EXPECT(h, cuMemsetD32(a, 0, 1), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolDestroy(p), CUDA_ERROR_INVALID_HANDLE);
  CF_EXPECT(h, cuMemPoolDestroy(def), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolDestroy(NULL), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemPoolTrimTo((CUmemoryPool)(uintptr_t)0x1234560, 0),
            CUDA_ERROR_INVALID_HANDLE);
  CF_EXPECT(h, cuMemAllocFromPoolAsync(&tmp, 64, NULL, s), CUDA_ERROR_INVALID_VALUE);
}

/* maxSize caps a pool's reservation. */
static void check_max_size(struct cf_host *h, CUstream s)
{
  CUmemPoolProps pp = device_props();
  CUmemoryPool p;
  CUdeviceptr a, b, tmp;

  pp.maxSize = MIB;
  CF_CHECK(h, cuMemPoolCreate(&p, &pp));
  CF_EXPECT(h, cuMemAllocFromPoolAsync(&tmp, 2 * MIB, p, s), CUDA_ERROR_OUT_OF_MEMORY);
  CF_CHECK(h, cuMemAllocFromPoolAsync(&a, MIB / 2, p, s));
  CF_CHECK(h, cuMemAllocFromPoolAsync(&b, MIB / 4, p, s));
  CF_EXPECT(h, cuMemAllocFromPoolAsync(&tmp, MIB / 2, p, s), CUDA_ERROR_OUT_OF_MEMORY);
  CF_CHECK(h, cuMemFreeAsync(a, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  CF_CHECK(h, cuMemPoolDestroy(p));  /* b outstanding: freed below */
  CF_CHECK(h, cuMemFreeAsync(b, s));
  CF_CHECK(h, cuStreamSynchronize(s));
}

/* The per-thread forms: NULL is this thread's stream. */
static void check_ptsz(struct cf_host *h, CUmemoryPool def)
{
  static uint32_t out[256], want[256];
  CUdeviceptr a, b;

  CF_CHECK(h, cuMemAllocAsync_ptsz(&a, sizeof out, NULL));
  CF_CHECK(h, cuMemAllocFromPoolAsync_ptsz(&b, sizeof out, def, NULL));
  CF_CHECK(h, cuMemsetD32Async(a, 0xa5a5a5a5u, 256, CU_STREAM_PER_THREAD));
  CF_CHECK(h, cuMemcpyDtoDAsync(b, a, sizeof out, CU_STREAM_PER_THREAD));
  CF_CHECK(h, cuMemFreeAsync_ptsz(a, NULL));
  CF_CHECK(h, cuMemcpyDtoHAsync(out, b, sizeof out, CU_STREAM_PER_THREAD));
  CF_CHECK(h, cuMemFreeAsync_ptsz(b, NULL));
  CF_CHECK(h, cuStreamSynchronize(CU_STREAM_PER_THREAD));
  for (int i = 0; i < 256; i++)
    want[i] = 0xa5a5a5a5u;
  cf_host_cmp_u32(h, "_ptsz forms", out, want, 256);
  cf_host_digest("mempool.ptsz", out, sizeof out);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  CUmemPoolProps pp = device_props();
  CUmemoryPool def, p;
  CUstream s;
  (void)argc;
  (void)argv;
  cf_host_open(&h, "mempool", NULL);
  CF_CHECK(&h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));

  def = check_defaults(&h);
  check_default_alloc(&h, def, s);
  check_wrong_stream(&h);
  check_create_errors(&h);
  CF_CHECK(&h, cuMemPoolCreate(&p, &pp));
  check_pool_attrs(&h, p, s);
  check_access(&h, p);
  check_access(&h, def);
  check_current(&h, def, p, s);
  check_destroy(&h, def, p, s);
  check_max_size(&h, s);
  check_ptsz(&h, def);

  CF_CHECK(&h, cuStreamDestroy(s));
  return cf_host_finish(&h);
}
