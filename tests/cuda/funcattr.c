/* Function attributes as the stub caches them (client/funcattr.c): every
 * attribute of two functions read twice (the same answers), many repeated
 * reads, get/set/get sequences of the settable attributes with valid and
 * invalid values (an invalid one fails and changes nothing), a read-only
 * attribute set, cuFuncSetCacheConfig, unknown attributes and bad handles
 * (errors every time: never cached), a function read after its module was
 * unloaded and after its context was destroyed (an error, never an old
 * answer), a fresh function of a reloaded module (its defaults, not the
 * old function's settings), reads on four threads racing sets and
 * unloads, and cuKernelSetAttribute seen through the kernel's function.
 *
 * usage: funcattr
 *
 * Every code and value goes into the digests, so a stub run and an
 * emulator run must agree on all of them. Prints "info funcattr gets N",
 * the number of cuFuncGetAttribute calls made: tests/integration/ counts
 * how many of them reached the server. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

static const char ptx[] =
  CF_HOST_PTX_HEADER
  CF_HOST_PTX_FILL("k_fill")
  ".visible .entry k_shared(.param .u64 p)\n"
  "{\n"
  "  .shared .align 4 .b8 buf[1024];\n"
  "  .reg .u64 %rd<3>;\n"
  "  .reg .u32 %r<3>;\n"
  "  mov.u32 %r1, %tid.x;\n"
  "  mov.u64 %rd1, buf;\n"
  "  st.shared.u32 [%rd1], %r1;\n"
  "  ld.shared.u32 %r2, [%rd1];\n"
  "  ld.param.u64 %rd2, [p];\n"
  "  st.global.u32 [%rd2], %r2;\n"
  "  ret;\n"
  "}\n";

#define N_ATTRS ((int)CU_FUNC_ATTRIBUTE_MAX)
#define REPEATS 200

static unsigned long gets; /* cuFuncGetAttribute calls made */

static CUresult get(int *v, int attr, CUfunction f)
{
  gets++;
  return cuFuncGetAttribute(v, (CUfunction_attribute)attr, f);
}

/* Every attribute of f: codes and values into the digest; returns them. */
static void snapshot(struct cf_host *h, CUfunction f, int vals[N_ATTRS], CUresult codes[N_ATTRS])
{
  for (int a = 0; a < N_ATTRS; a++) {
    vals[a] = -12345;
    codes[a] = get(&vals[a], a, f);
    cf_host_note(h, (uint64_t)codes[a]);
    cf_host_note(h, codes[a] == CUDA_SUCCESS ? (uint64_t)(int64_t)vals[a] : 0);
  }
}

static int same(const int va[N_ATTRS], const CUresult ca[N_ATTRS], const int vb[N_ATTRS],
                const CUresult cb[N_ATTRS])
{
  for (int a = 0; a < N_ATTRS; a++)
    if (ca[a] != cb[a] || (ca[a] == CUDA_SUCCESS && va[a] != vb[a]))
      return 0;
  return 1;
}

/* One attribute must read as want. */
static void expect_value(struct cf_host *h, CUfunction f, int attr, int want, const char *what)
{
  int v = -1;
  CUresult r = get(&v, attr, f);

  cf_host_note(h, (uint64_t)r);
  cf_host_note(h, (uint64_t)(int64_t)v);
  cf_host_result(h, r == CUDA_SUCCESS && v == want, what, "got %s, %d; want %d",
                 cf_host_err_name(r), v, want);
}

static void repeated_reads(struct cf_host *h, CUfunction f1, CUfunction f2)
{
  int first[4], v, ok = 1;
  static const int attrs[4] = { CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                                CU_FUNC_ATTRIBUTE_NUM_REGS,
                                CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
                                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES };

  for (int i = 0; i < 4; i++)
    CF_CHECK(h, get(&first[i], attrs[i], f1));
  for (int n = 0; n < REPEATS; n++)
    for (int i = 0; i < 4; i++) {
      ok &= get(&v, attrs[i], f1) == CUDA_SUCCESS && v == first[i];
      ok &= get(&v, attrs[i], f2) == CUDA_SUCCESS;
    }
  cf_host_result(h, ok, "repeated reads agree", "an answer changed");
}

static void set_and_get(struct cf_host *h, CUfunction f1, CUfunction f2, const int v2[N_ATTRS])
{
  int regs = -1;

  CF_EXPECT_CODE(h, cuFuncSetAttribute(f1, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 2048),
                 CUDA_SUCCESS);
  expect_value(h, f1, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 2048, "dynamic shared set");
  CF_EXPECT_CODE(h, cuFuncSetAttribute(f1, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, -1),
                 CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuFuncSetAttribute(f1, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                       1 << 30),
                 CUDA_ERROR_INVALID_VALUE);
  expect_value(h, f1, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 2048,
               "dynamic shared kept after invalid sets");
  expect_value(h, f2, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
               v2[CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES], "other function untouched");

  CF_EXPECT_CODE(h, cuFuncSetAttribute(f1, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 50),
                 CUDA_SUCCESS);
  expect_value(h, f1, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 50, "carveout set");
  CF_EXPECT_CODE(h, cuFuncSetAttribute(f1, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT,
                                       101),
                 CUDA_ERROR_INVALID_VALUE);
  expect_value(h, f1, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 50,
               "carveout kept after an invalid set");

  CF_CHECK(h, get(&regs, CU_FUNC_ATTRIBUTE_NUM_REGS, f1));
  CF_EXPECT_CODE(h, cuFuncSetAttribute(f1, CU_FUNC_ATTRIBUTE_NUM_REGS, regs + 7),
                 CUDA_ERROR_INVALID_VALUE);
  expect_value(h, f1, CU_FUNC_ATTRIBUTE_NUM_REGS, regs, "read-only attribute unchanged");

  CF_EXPECT_CODE(h, cuFuncSetCacheConfig(f1, CU_FUNC_CACHE_PREFER_SHARED), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuFuncSetCacheConfig(f1, (CUfunc_cache)99), CUDA_ERROR_INVALID_VALUE);
  expect_value(h, f1, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 2048,
               "dynamic shared kept after cache config");
  expect_value(h, f1, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 50,
               "carveout kept after cache config");
}

/* Readers on threads of their own while this thread sets an attribute and
 * loads and unloads another module (which drops every cached answer): the
 * fixed attributes never change, the set one always reads as one of the
 * values set, and once all is done it reads as the last one set (an answer
 * fetched before a set must not be kept after it). */
#define READERS 4
#define READS 300
#define CYCLES 40

struct reader {
  CUcontext ctx;
  CUfunction f;
  int regs, threads;
  int bad;
  unsigned long gets;
};

static void *read_loop(void *arg)
{
  struct reader *r = arg;
  int v;

  if (cuCtxSetCurrent(r->ctx) != CUDA_SUCCESS) {
    r->bad++;
    return NULL;
  }
  for (int i = 0; i < READS; i++) {
    r->gets += 3;
    r->bad += cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_NUM_REGS, r->f) != CUDA_SUCCESS ||
              v != r->regs;
    r->bad += cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, r->f) !=
                  CUDA_SUCCESS || v != r->threads;
    r->bad += cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, r->f) !=
                  CUDA_SUCCESS || (v != 1024 && v != 3072);
  }
  return NULL;
}

static void concurrent(struct cf_host *h, CUfunction f)
{
  struct reader rd[READERS];
  pthread_t t[READERS];
  int regs, threads, bad = 0, last = 0;

  CF_CHECK(h, get(&regs, CU_FUNC_ATTRIBUTE_NUM_REGS, f));
  CF_CHECK(h, get(&threads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f));
  CF_CHECK(h, cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 1024));
  for (int i = 0; i < READERS; i++) {
    rd[i] = (struct reader){ h->ctx, f, regs, threads, 0, 0 };
    if (pthread_create(&t[i], NULL, read_loop, &rd[i]) != 0)
      CF_CHECK(h, CUDA_ERROR_OPERATING_SYSTEM);
  }
  for (int i = 0; i < CYCLES; i++) {
    CUmodule m;

    last = i % 2 ? 1024 : 3072;
    bad += cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, last) !=
           CUDA_SUCCESS;
    bad += cuModuleLoadData(&m, ptx) != CUDA_SUCCESS || cuModuleUnload(m) != CUDA_SUCCESS;
  }
  for (int i = 0; i < READERS; i++) {
    pthread_join(t[i], NULL);
    bad += rd[i].bad;
    gets += rd[i].gets;
  }
  cf_host_result(h, bad == 0, "concurrent reads, sets and unloads", "%d bad answers", bad);
  expect_value(h, f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, last,
               "last value set is read after the threads");
}

/* Errors come back every time: never an answer kept from before. */
static void errors_not_cached(struct cf_host *h, CUfunction f)
{
  int v = 0;

  for (int i = 0; i < 2; i++) {
    gets += 5;
    CF_EXPECT_CODE(h, cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX, f), CUDA_ERROR_INVALID_VALUE);
    CF_EXPECT_CODE(h, cuFuncGetAttribute(&v, (CUfunction_attribute)-1, f),
                   CUDA_ERROR_INVALID_VALUE);
    CF_EXPECT_CODE(h, cuFuncGetAttribute(&v, (CUfunction_attribute)1000, f),
                   CUDA_ERROR_INVALID_VALUE);
    CF_EXPECT_CODE(h, cuFuncGetAttribute(NULL, CU_FUNC_ATTRIBUTE_NUM_REGS, f),
                   CUDA_ERROR_INVALID_VALUE);
    CF_EXPECT_CODE(h, cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_NUM_REGS, NULL),
                   CUDA_ERROR_INVALID_HANDLE);
  }
}

/* A function whose context was destroyed answers with an error. */
static void context_end(struct cf_host *h, const int v1[N_ATTRS], const CUresult c1[N_ATTRS])
{
  CUcontext ctx2;
  CUmodule m2;
  CUfunction f;
  int v[N_ATTRS];
  CUresult c[N_ATTRS];

  CF_CHECK(h, cuCtxCreate(&ctx2, NULL, 0, h->dev));
  CF_CHECK(h, cuModuleLoadData(&m2, ptx));
  CF_CHECK(h, cuModuleGetFunction(&f, m2, "k_fill"));
  snapshot(h, f, v, c);
  cf_host_result(h, same(v, c, v1, c1), "second context: same attributes", "they differ");
  CF_CHECK(h, cuCtxDestroy(ctx2));
  CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  for (int i = 0; i < 2; i++)
    CF_EXPECT_CODE(h, get(&v[0], CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f),
                   CUDA_ERROR_INVALID_HANDLE);
}

/* cuKernelSetAttribute reaches the kernel's function in this context. */
static void kernel_set(struct cf_host *h)
{
  CUlibrary lib;
  CUkernel k;
  CUfunction f;
  int before = -1, after = -1;

  CF_CHECK(h, cuLibraryLoadData(&lib, ptx, NULL, NULL, 0, NULL, NULL, 0));
  CF_CHECK(h, cuLibraryGetKernel(&k, lib, "k_fill"));
  CF_CHECK(h, cuKernelGetFunction(&f, k));
  CF_EXPECT_CODE(h, get(&before, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f),
                 CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuKernelSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 4096, k,
                                         h->dev),
                 CUDA_SUCCESS);
  CF_EXPECT_CODE(h, get(&after, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f),
                 CUDA_SUCCESS);
  cf_host_note(h, (uint64_t)(int64_t)before);
  cf_host_note(h, (uint64_t)(int64_t)after);
  cf_host_result(h, after == 4096, "kernel attribute seen by its function", "before %d after %d",
                 before, after);
  CF_CHECK(h, cuLibraryUnload(lib));
  CF_EXPECT_CODE(h, get(&after, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f),
                 CUDA_ERROR_INVALID_HANDLE);
}

int main(void)
{
  struct cf_host h;
  CUmodule mod;
  CUfunction f1, f2, f3;
  int v1[N_ATTRS], w1[N_ATTRS], v2[N_ATTRS], v3[N_ATTRS];
  CUresult c1[N_ATTRS], d1[N_ATTRS], c2[N_ATTRS], c3[N_ATTRS];

  cf_host_open(&h, "funcattr", NULL);
  CF_CHECK(&h, cuModuleLoadData(&mod, ptx));
  CF_CHECK(&h, cuModuleGetFunction(&f1, mod, "k_fill"));
  CF_CHECK(&h, cuModuleGetFunction(&f2, mod, "k_shared"));

  snapshot(&h, f1, v1, c1);
  snapshot(&h, f1, w1, d1);
  cf_host_result(&h, same(v1, c1, w1, d1), "second read of every attribute agrees",
                 "they differ");
  snapshot(&h, f2, v2, c2);
  cf_host_result(&h, c2[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES] == CUDA_SUCCESS &&
                     v2[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES] >= 1024 &&
                     v1[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES] == 0,
                 "each function its own attributes", "shared sizes %d and %d",
                 v1[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES], v2[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES]);

  repeated_reads(&h, f1, f2);
  set_and_get(&h, f1, f2, v2);
  errors_not_cached(&h, f1);

  /* Unloading ends the functions: errors, not the last answers. */
  CF_CHECK(&h, cuModuleUnload(mod));
  for (int i = 0; i < 2; i++)
    CF_EXPECT_CODE(&h, get(&v3[0], CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f1),
                   CUDA_ERROR_INVALID_HANDLE);
  CF_EXPECT_CODE(&h, cuFuncSetAttribute(f1, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 0),
                 CUDA_ERROR_INVALID_HANDLE);

  /* A reloaded module's function has the defaults again. */
  CF_CHECK(&h, cuModuleLoadData(&mod, ptx));
  CF_CHECK(&h, cuModuleGetFunction(&f3, mod, "k_fill"));
  snapshot(&h, f3, v3, c3);
  cf_host_result(&h, same(v1, c1, v3, c3), "reloaded function has the defaults",
                 "they differ");
  h.mod = mod; /* cf_host_finish unloads it */

  concurrent(&h, f3);
  context_end(&h, v1, c1);
  kernel_set(&h);

  printf("info funcattr gets %lu\n", gets);
  cf_host_codes_digest(&h);
  return cf_host_finish(&h);
}
