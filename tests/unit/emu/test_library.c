/* Unit tests for emu/library.c: libraries loaded from PTX, from a fatbin
 * container and from the 24-byte wrapper cudart passes, with no current
 * context; kernels launched as CUkernel handles and as the functions
 * cuKernelGetFunction gives; kernel names, parameter layout and attributes;
 * module variables per context (each context gets its own, initialised
 * copy); unknown names; unload (waiting for queued launches, freeing every
 * context's copy) and context destruction with a library in use.
 *
 *   test_emu_library [FATBIN]   FATBIN: nvcc -fatbin -arch=sm_80 output of
 *                               fatbin_kernel.cu; without it the nvcc part
 *                               is skipped (and said so). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_test.h"

/* bump adds its argument to counter (one thread); fill writes
 * base + a * tid to out[tid]. The comment names a kernel that does not
 * exist, and bump again: neither may add a kernel. */
static const char lib_ptx[] =
  ".version 8.0\n"
  ".target sm_80\n"
  ".address_size 64\n"
  "\n"
  ".global .align 4 .u32 counter;\n"
  ".global .align 4 .u32 base = 100;\n"
  "\n"
  ".visible .entry bump(\n"
  "\t.param .u32 bump_param_0\n"
  ")\n"
  "{\n"
  "\t.reg .b32 %r<4>;\n"
  "\tld.param.u32 %r1, [bump_param_0];\n"
  "\tld.global.u32 %r2, [counter];\n"
  "\tadd.s32 %r3, %r2, %r1;\n"
  "\tst.global.u32 [counter], %r3;\n"
  "\tret;\n"
  "}\n"
  "\n"
  "// not kernels: .entry nothere, .entry bump\n"
  ".visible .entry fill(\n"
  "\t.param .u32 fill_param_0,\n"
  "\t.param .u64 fill_param_1\n"
  ")\n"
  "{\n"
  "\t.reg .b32 %r<5>;\n"
  "\t.reg .b64 %rd<5>;\n"
  "\tld.param.u32 %r1, [fill_param_0];\n"
  "\tld.param.u64 %rd1, [fill_param_1];\n"
  "\tld.global.u32 %r2, [base];\n"
  "\tmov.u32 %r3, %tid.x;\n"
  "\tmad.lo.s32 %r4, %r1, %r3, %r2;\n"
  "\tcvta.to.global.u64 %rd2, %rd1;\n"
  "\tmul.wide.u32 %rd3, %r3, 4;\n"
  "\tadd.s64 %rd4, %rd2, %rd3;\n"
  "\tst.global.u32 [%rd4], %r4;\n"
  "\tret;\n"
  "}\n";

/* No variables: every context shares the decoded module. */
static const char novar_ptx[] =
  ".version 8.0\n"
  ".target sm_80\n"
  ".address_size 64\n"
  ".visible .entry seven(\n"
  "\t.param .u64 seven_param_0\n"
  ")\n"
  "{\n"
  "\t.reg .b32 %r<2>;\n"
  "\t.reg .b64 %rd<3>;\n"
  "\tld.param.u64 %rd1, [seven_param_0];\n"
  "\tcvta.to.global.u64 %rd2, %rd1;\n"
  "\tmov.u32 %r1, 7;\n"
  "\tst.global.u32 [%rd2], %r1;\n"
  "\tret;\n"
  "}\n";

static const char bad_ptx[] =
  ".version 8.0\n"
  ".target sm_80\n"
  ".address_size 64\n"
  ".visible .entry broken()\n"
  "{\n"
  "\tbogus.frobnicate.s32 %r2, %r1;\n"
  "}\n";

static CUresult load(CUlibrary *lib, const void *code)
{
  return cuLibraryLoadData(lib, code, NULL, NULL, 0, NULL, NULL, 0);
}

/* cudart's way: the binary is preserved, value (void *)1. */
static CUresult load_as_cudart(CUlibrary *lib, const void *code)
{
  CUlibraryOption opt = CU_LIBRARY_BINARY_IS_PRESERVED;
  void *val = (void *)1;
  return cuLibraryLoadData(lib, code, NULL, NULL, 0, &opt, &val, 1);
}

static uint32_t read_global(CUlibrary lib, const char *name)
{
  CUdeviceptr p = 0;
  size_t bytes = 0;
  uint32_t v = 0;
  CU_OK(cuLibraryGetGlobal(&p, &bytes, lib, name));
  ASSERT_UEQ(bytes, 4);
  CU_OK(cuMemcpyDtoH(&v, p, 4));
  return v;
}

static void launch_bump(CUfunction f, uint32_t by, CUstream s)
{
  void *args[] = { &by };
  CU_OK(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, s, args, NULL));
}

/* Run fill(a, buf) on 32 threads and check base + a * tid. */
static void check_fill(CUfunction f, uint32_t a, uint32_t base)
{
  CUdeviceptr d;
  uint32_t out[32];
  void *args[2];

  CU_OK(cuMemAlloc(&d, sizeof out));
  args[0] = &a;
  args[1] = &d;
  CU_OK(cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL));
  CU_OK(cuMemcpyDtoH(out, d, sizeof out));
  for (uint32_t i = 0; i < 32; i++)
    ASSERT_UEQ(out[i], base + a * i);
  CU_OK(cuMemFree(d));
}

/* ---- Loading with no context, kernel queries ---------------------------- */

static void test_no_context(CUlibrary lib)
{
  CUkernel bump, fill, ks[4] = { 0 };
  CUlibrary back;
  CUfunction f;
  CUcontext cur;
  const char *name = NULL;
  size_t off = 99, size = 99;
  unsigned count = 0;
  int v = 0;

  CU_OK(cuCtxGetCurrent(&cur));
  ASSERT_NULL(cur);
  CU_OK(cuLibraryGetKernel(&bump, lib, "bump"));
  CU_OK(cuLibraryGetKernel(&fill, lib, "fill"));
  ASSERT(bump != fill);
  CU_OK(cuLibraryGetKernel(&ks[0], lib, "bump"));
  ASSERT(ks[0] == bump);               /* one handle per kernel */
  CU_EXPECT(cuLibraryGetKernel(&ks[0], lib, "nothere"), CUDA_ERROR_NOT_FOUND);
  ASSERT_NULL(ks[0]);
  CU_EXPECT(cuLibraryGetKernel(&ks[0], lib, "bum"), CUDA_ERROR_NOT_FOUND);
  CU_EXPECT(cuLibraryGetKernel(NULL, lib, "bump"), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuLibraryGetKernel(&ks[0], lib, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuLibraryGetKernel(&ks[0], (CUlibrary)(void *)&v, "bump"),
            CUDA_ERROR_INVALID_HANDLE);

  CU_OK(cuLibraryGetKernelCount(&count, lib));
  ASSERT_EQ(count, 2);
  CU_OK(cuLibraryEnumerateKernels(ks, 4, lib));
  ASSERT(ks[0] == bump && ks[1] == fill && ks[2] == NULL);
  CU_OK(cuLibraryEnumerateKernels(ks, 1, lib));
  ASSERT(ks[0] == bump);

  CU_OK(cuKernelGetName(&name, fill));
  ASSERT_STR_EQ(name, "fill");
  CU_EXPECT(cuKernelGetName(NULL, fill), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuKernelGetName(&name, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuKernelGetLibrary(&back, fill));
  ASSERT(back == lib);

  CU_OK(cuKernelGetParamInfo(fill, 0, &off, &size));
  ASSERT_UEQ(off, 0);
  ASSERT_UEQ(size, 4);
  CU_OK(cuKernelGetParamInfo(fill, 1, &off, &size));
  ASSERT_UEQ(off, 8);                  /* .u64 aligned after the .u32 */
  ASSERT_UEQ(size, 8);
  CU_OK(cuKernelGetParamInfo(fill, 1, &off, NULL));
  CU_EXPECT(cuKernelGetParamInfo(fill, 2, &off, &size),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuKernelGetParamInfo(fill, 0, NULL, &size),
            CUDA_ERROR_INVALID_VALUE);

  CU_OK(cuKernelGetAttribute(&v, CU_FUNC_ATTRIBUTE_NUM_REGS, fill, 0));
  ASSERT_GT(v, 0);
  CU_OK(cuKernelGetAttribute(&v, CU_FUNC_ATTRIBUTE_PTX_VERSION, fill, 0));
  ASSERT_EQ(v, 80);
  CU_OK(cuKernelGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                             fill, 0));
  ASSERT_EQ(v, 1024);
  CU_OK(cuKernelGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                             bump, 0));
  ASSERT_EQ(v, 48 * 1024);
  CU_EXPECT(cuKernelGetAttribute(&v, CU_FUNC_ATTRIBUTE_NUM_REGS, fill, 1),
            CUDA_ERROR_INVALID_DEVICE);
  CU_EXPECT(cuKernelGetAttribute(NULL, CU_FUNC_ATTRIBUTE_NUM_REGS, fill, 0),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuKernelGetAttribute(&v, (CUfunction_attribute)999, fill, 0),
            CUDA_ERROR_INVALID_VALUE);
  /* Device-wide, before any context has used the kernel. */
  CU_OK(cuKernelSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                             4096, bump, 0));
  CU_OK(cuKernelGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                             bump, 0));
  ASSERT_EQ(v, 4096);
  CU_EXPECT(cuKernelSetAttribute(CU_FUNC_ATTRIBUTE_NUM_REGS, 4, bump, 0),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuKernelSetAttribute(CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT,
                                 101, bump, 0), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuKernelSetCacheConfig(bump, CU_FUNC_CACHE_PREFER_SHARED, 0));
  CU_EXPECT(cuKernelSetCacheConfig(bump, (CUfunc_cache)9, 0),
            CUDA_ERROR_INVALID_VALUE);

  /* Using it needs a context: none is current. */
  CU_EXPECT(cuKernelGetFunction(&f, bump), CUDA_ERROR_INVALID_CONTEXT);
  CU_EXPECT(cuLibraryGetGlobal(NULL, NULL, lib, "counter"),
            CUDA_ERROR_INVALID_CONTEXT);
  CU_EXPECT(cuLaunchKernel((CUfunction)bump, 1, 1, 1, 1, 1, 1, 0, NULL, NULL,
                           NULL), CUDA_ERROR_INVALID_CONTEXT);
  CUdeviceptr p;
  size_t b;
  void *fp;
  CU_EXPECT(cuLibraryGetManaged(&p, &b, lib, "counter"),
            CUDA_ERROR_NOT_SUPPORTED);
  CU_EXPECT(cuLibraryGetUnifiedFunction(&fp, lib, "bump"),
            CUDA_ERROR_NOT_SUPPORTED);
}

/* ---- Two contexts, globals, launches ------------------------------------ */

static void test_contexts(CUlibrary lib)
{
  CUkernel bump, fill;
  CUcontext a, b, c;
  CUfunction fa, fa2, fb, ffill;
  CUmodule ma, mb;
  CUdeviceptr pa, pb;
  CUstream sa;
  size_t fr0, fr1, fr2, total;
  int v = 0;

  CU_OK(cuLibraryGetKernel(&bump, lib, "bump"));
  CU_OK(cuLibraryGetKernel(&fill, lib, "fill"));
  CU_OK(cuCtxCreate(&a, NULL, 0, 0));
  CU_OK(cuMemGetInfo(&fr0, &total));

  /* The CUkernel itself, as cudart launches it. */
  launch_bump((CUfunction)bump, 5, NULL);
  CU_OK(cuCtxSynchronize());
  ASSERT_UEQ(read_global(lib, "counter"), 5);
  ASSERT_UEQ(read_global(lib, "base"), 100);
  /* Its function in this context: the same variables. */
  CU_OK(cuKernelGetFunction(&fa, bump));
  CU_OK(cuKernelGetFunction(&fa2, bump));
  ASSERT(fa == fa2);
  launch_bump(fa, 2, NULL);
  CU_OK(cuCtxSynchronize());
  ASSERT_UEQ(read_global(lib, "counter"), 7);
  CU_OK(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                           fa));
  ASSERT_EQ(v, 4096);                   /* set on the kernel earlier */
  CU_OK(cuKernelGetFunction(&ffill, fill));
  check_fill(ffill, 3, 100);
  check_fill((CUfunction)fill, 2, 100);
  CU_EXPECT(cuLaunchKernel((CUfunction)bump, 1, 1, 1, 1, 1, 1, 8192, NULL,
                           (void *[]){ &v }, NULL), CUDA_ERROR_INVALID_VALUE);

  /* The library's module in this context. */
  CU_OK(cuLibraryGetModule(&ma, lib));
  CUmodule fm;
  CU_OK(cuFuncGetModule(&fm, fa));
  ASSERT(fm == ma);
  CU_EXPECT(cuModuleUnload(ma), CUDA_ERROR_NOT_PERMITTED);
  CU_OK(cuModuleGetGlobal(&pa, NULL, ma, "counter"));
  CUdeviceptr pl;
  CU_OK(cuLibraryGetGlobal(&pl, NULL, lib, "counter"));
  ASSERT(pl == pa);
  CU_EXPECT(cuLibraryGetGlobal(&pl, NULL, lib, "nothere"),
            CUDA_ERROR_NOT_FOUND);
  CU_EXPECT(cuLibraryGetGlobal(&pl, NULL, lib, NULL),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuLibraryGetModule(NULL, lib), CUDA_ERROR_INVALID_VALUE);

  /* A second context gets its own, freshly initialised variables. */
  CU_OK(cuStreamCreate(&sa, CU_STREAM_NON_BLOCKING));
  CU_OK(cuCtxCreate(&b, NULL, 0, 0));
  ASSERT_UEQ(read_global(lib, "counter"), 0);
  ASSERT_UEQ(read_global(lib, "base"), 100);
  CU_OK(cuLibraryGetGlobal(&pb, NULL, lib, "counter"));
  ASSERT(pb != pa);
  CU_OK(cuLibraryGetModule(&mb, lib));
  ASSERT(mb != ma);
  CU_OK(cuKernelGetFunction(&fb, bump));
  ASSERT(fb != fa);
  CU_EXPECT(cuLaunchKernel(fa, 1, 1, 1, 1, 1, 1, 0, NULL, (void *[]){ &v },
                           NULL), CUDA_ERROR_INVALID_HANDLE);  /* a's */
  launch_bump((CUfunction)bump, 3, NULL);
  CU_OK(cuCtxSynchronize());
  ASSERT_UEQ(read_global(lib, "counter"), 3);
  /* A CUkernel launched on a's stream runs in a, b being current. */
  launch_bump((CUfunction)bump, 10, sa);
  CU_OK(cuCtxSynchronize());
  ASSERT_UEQ(read_global(lib, "counter"), 3);
  /* Set on the kernel: every context's function follows. */
  CU_OK(cuKernelSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                             2048, bump, 0));
  CU_OK(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                           fb));
  ASSERT_EQ(v, 2048);
  CU_OK(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                           fa));
  ASSERT_EQ(v, 2048);
  CU_OK(cuCtxPopCurrent(NULL));

  /* Back in a: 7 + 10. */
  CU_OK(cuStreamSynchronize(sa));
  ASSERT_UEQ(read_global(lib, "counter"), 17);
  CU_OK(cuStreamDestroy(sa));

  /* Destroying b frees its copy; a is untouched, and c gets a new one. */
  CU_OK(cuMemGetInfo(&fr1, &total));
  CU_OK(cuCtxDestroy(b));
  CU_EXPECT(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_NUM_REGS, fb),
            CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuMemGetInfo(&fr2, &total));
  ASSERT(fr2 >= fr1);
  ASSERT_UEQ(read_global(lib, "counter"), 17);
  CU_OK(cuCtxCreate(&c, NULL, 0, 0));
  ASSERT_UEQ(read_global(lib, "counter"), 0);
  launch_bump((CUfunction)bump, 1, NULL);
  CU_OK(cuCtxSynchronize());
  ASSERT_UEQ(read_global(lib, "counter"), 1);
  /* And once a goes too, the next context starts afresh again. */
  CU_OK(cuCtxDestroy(c));
  CU_OK(cuCtxSetCurrent(a));
  ASSERT_UEQ(read_global(lib, "counter"), 17);
  CU_OK(cuCtxDestroy(a));
  CU_OK(cuCtxCreate(&c, NULL, 0, 0));
  ASSERT_UEQ(read_global(lib, "counter"), 0);
  check_fill((CUfunction)fill, 1, 100);
  CU_OK(cuCtxDestroy(c));
  (void)fr0;
}

/* ---- Unload ------------------------------------------------------------- */

static void test_unload(void)
{
  CUlibrary lib, shared;
  CUkernel bump, seven;
  CUfunction f;
  CUcontext a, b;
  CUdeviceptr p, d;
  size_t fr0, fr1, total;
  uint32_t v = 0;
  int iv;
  const char *name;

  CU_OK(cuCtxCreate(&a, NULL, 0, 0));
  CU_OK(cuMemGetInfo(&fr0, &total));
  CU_OK(load(&lib, lib_ptx));
  CU_OK(cuLibraryGetKernel(&bump, lib, "bump"));
  CU_OK(cuKernelGetFunction(&f, bump));
  CU_OK(cuLibraryGetGlobal(&p, NULL, lib, "counter"));
  CU_OK(cuCtxCreate(&b, NULL, 0, 0));
  launch_bump((CUfunction)bump, 1, NULL);
  CU_OK(cuCtxSetCurrent(a));
  /* Queued launches finish before their variables go. */
  for (int i = 0; i < 50; i++)
    launch_bump(f, 1, NULL);
  CU_OK(cuLibraryUnload(lib));
  CU_EXPECT(cuLibraryUnload(lib), CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuCtxSynchronize());            /* nothing faulted */
  CU_EXPECT(cuKernelGetName(&name, bump), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuKernelGetFunction(&f, bump), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuLaunchKernel((CUfunction)bump, 1, 1, 1, 1, 1, 1, 0, NULL,
                           (void *[]){ &v }, NULL), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuFuncGetAttribute(&iv, CU_FUNC_ATTRIBUTE_NUM_REGS, f),
            CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuLibraryGetGlobal(&p, NULL, lib, "counter"),
            CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuMemcpyDtoH(&v, p, 4), CUDA_ERROR_INVALID_VALUE);  /* freed */
  CU_OK(cuMemGetInfo(&fr1, &total));
  ASSERT_UEQ(fr1, fr0);

  /* A library without variables: one decoded module for all contexts. */
  CU_OK(load(&shared, novar_ptx));
  CU_OK(cuLibraryGetKernel(&seven, shared, "seven"));
  for (int i = 0; i < 2; i++) {
    CU_OK(cuCtxSetCurrent(i ? b : a));
    CU_OK(cuMemAlloc(&d, 4));
    CU_OK(cuLaunchKernel((CUfunction)seven, 1, 1, 1, 1, 1, 1, 0, NULL,
                         (void *[]){ &d }, NULL));
    CU_OK(cuMemcpyDtoH(&v, d, 4));
    ASSERT_UEQ(v, 7);
    CU_OK(cuMemFree(d));
  }
  CU_OK(cuCtxDestroy(b));
  CU_OK(cuLibraryUnload(shared));
  CU_OK(cuCtxDestroy(a));
}

/* ---- Images ------------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* A fatbin container holding text as one raw PTX entry for sm_80, laid
 * out as nvcc writes it (16-byte header, 0x50-byte entry header, payload
 * padded to 16 bytes). */
static uint8_t *make_container(const char *text, size_t *len)
{
  size_t tl = strlen(text) + 1, padded = (tl + 15) & ~(size_t)15;
  uint8_t *b = calloc(1, 16 + 0x50 + padded);
  ASSERT_NOT_NULL(b);
  put_le(b, 0xBA55ED50u, 4);
  put_le(b + 4, 1, 2);
  put_le(b + 6, 16, 2);
  put_le(b + 8, 0x50 + padded, 8);
  uint8_t *e = b + 16;
  put_le(e, 1, 2);                /* PTX */
  put_le(e + 2, 0x101, 2);
  put_le(e + 4, 0x50, 4);
  put_le(e + 8, padded, 8);
  put_le(e + 0x14, 0x40, 4);
  put_le(e + 0x1a, 8, 2);
  put_le(e + 0x1c, 80, 4);
  put_le(e + 0x28, 0x11, 8);
  memcpy(e + 0x50, text, tl);
  *len = 16 + 0x50 + padded;
  return b;
}

/* The 24-byte wrapper cudart hands to cuLibraryLoadData. */
struct wrapper {
  uint32_t magic, version;
  uint64_t data, filename_or_fatbins;
};

static struct wrapper wrap(const void *container)
{
  return (struct wrapper){ 0x466243B1u, 1, (uint64_t)(uintptr_t)container, 0 };
}

static void test_container_and_wrapper(void)
{
  size_t len;
  uint8_t *fb = make_container(lib_ptx, &len);
  struct wrapper w = wrap(fb);
  CUlibrary l1, l2;
  CUkernel k;
  CUcontext ctx;

  _Static_assert(sizeof(struct wrapper) == 24, "wrapper layout");
  CU_OK(cuCtxCreate(&ctx, NULL, 0, 0));
  CU_OK(load(&l1, fb));
  CU_OK(load_as_cudart(&l2, &w));
  for (int i = 0; i < 2; i++) {
    CUlibrary l = i ? l2 : l1;
    CU_OK(cuLibraryGetKernel(&k, l, "bump"));
    launch_bump((CUfunction)k, 40 + (uint32_t)i, NULL);
    CU_OK(cuCtxSynchronize());
    ASSERT_UEQ(read_global(l, "counter"), 40 + (uint32_t)i);
  }
  /* Two libraries of the same image: separate variables. */
  ASSERT_UEQ(read_global(l1, "counter"), 40);
  CU_OK(cuLibraryUnload(l1));
  CU_OK(cuLibraryUnload(l2));
  /* A damaged container is refused, and so is a wrapper pointing at it. */
  put_le(fb + 8, 1u << 30, 8);
  CU_EXPECT(load(&l1, fb), CUDA_ERROR_INVALID_IMAGE);
  ASSERT_NULL(l1);
  CU_EXPECT(load_as_cudart(&l1, &w), CUDA_ERROR_INVALID_IMAGE);
  free(fb);
  CU_OK(cuCtxDestroy(ctx));
}

static void test_bad_loads(void)
{
  CUlibrary lib;
  CUlibraryOption opt = CU_LIBRARY_BINARY_IS_PRESERVED;
  void *val = (void *)1;
  CUjit_option jo[3] = { CU_JIT_INFO_LOG_BUFFER,
                         CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, CU_JIT_LOG_VERBOSE };
  char info[256] = "";
  void *jv[3] = { info, (void *)(uintptr_t)sizeof info, (void *)1 };

  CU_EXPECT(load(&lib, bad_ptx), CUDA_ERROR_INVALID_PTX);
  ASSERT_NULL(lib);
  CU_EXPECT(load(NULL, lib_ptx), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(load(&lib, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuLibraryLoadData(&lib, lib_ptx, NULL, NULL, 0, NULL, NULL, 1),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuLibraryLoadFromFile(&lib, "/nonexistent/lib.fatbin", NULL, NULL,
                                  0, NULL, NULL, 0), CUDA_ERROR_FILE_NOT_FOUND);
  CU_EXPECT(cuLibraryLoadFromFile(&lib, "/dev/null", NULL, NULL, 0, &opt,
                                  &val, 1), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuLibraryLoadData(&lib, novar_ptx, jo, jv, 3, &opt, &val, 1));
  ASSERT(strstr(info, "emulator") != NULL);
  CU_OK(cuLibraryUnload(lib));
  CU_EXPECT(cuLibraryUnload(NULL), CUDA_ERROR_INVALID_HANDLE);
}

/* ---- nvcc's fatbin ------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  uint8_t *b;
  long n;
  ASSERT_NOT_NULL(f);
  ASSERT(fseek(f, 0, SEEK_END) == 0);
  n = ftell(f);
  ASSERT(n > 0);
  rewind(f);
  b = malloc((size_t)n);
  ASSERT_NOT_NULL(b);
  ASSERT_UEQ(fread(b, 1, (size_t)n, f), (uint64_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* scale(float *x, float a, int n, int *arch): x[i] = x[i] * a + 1. */
static void run_scale(CUlibrary lib)
{
  CUkernel k;
  CUfunction f;
  CUdeviceptr x, arch;
  float h[64];
  float a = 2.0f;
  int n = 64, got_arch = 0;
  size_t off, size;
  void *args[] = { &x, &a, &n, &arch };

  CU_OK(cuLibraryGetKernel(&k, lib, "scale"));
  CU_OK(cuKernelGetParamInfo(k, 3, &off, &size));
  ASSERT_UEQ(off, 16);               /* 8 + 4 + 4 */
  ASSERT_UEQ(size, 8);
  for (int i = 0; i < 64; i++)
    h[i] = (float)i;
  CU_OK(cuMemAlloc(&x, sizeof h));
  CU_OK(cuMemAlloc(&arch, 4));
  CU_OK(cuMemcpyHtoD(x, h, sizeof h));
  CU_OK(cuLaunchKernel((CUfunction)k, 2, 1, 1, 32, 1, 1, 0, NULL, args, NULL));
  CU_OK(cuKernelGetFunction(&f, k));
  CU_OK(cuLaunchKernel(f, 2, 1, 1, 32, 1, 1, 0, NULL, args, NULL));
  CU_OK(cuMemcpyDtoH(h, x, sizeof h));
  CU_OK(cuMemcpyDtoH(&got_arch, arch, 4));
  for (int i = 0; i < 64; i++)
    ASSERT_DBL_EQ(h[i], ((float)i * 2.0f + 1.0f) * 2.0f + 1.0f);
  ASSERT_EQ(got_arch, 800);
  CU_OK(cuMemFree(x));
  CU_OK(cuMemFree(arch));
}

static void test_nvcc(const char *path)
{
  size_t len;
  uint8_t *fb = read_file(path, &len);
  struct wrapper w = wrap(fb);
  CUlibrary l1, l2, l3;
  CUcontext ctx;
  CUlibraryOption opt = CU_LIBRARY_BINARY_IS_PRESERVED;
  void *val = (void *)1;

  /* Loaded before any context exists, as cudart does at start-up. */
  CU_OK(load(&l1, fb));
  CU_OK(load_as_cudart(&l2, &w));
  CU_EXPECT(cuLibraryLoadFromFile(&l3, path, NULL, NULL, 0, &opt, &val, 1),
            CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuLibraryLoadFromFile(&l3, path, NULL, NULL, 0, NULL, NULL, 0));
  CU_OK(cuCtxCreate(&ctx, NULL, 0, 0));
  run_scale(l1);
  run_scale(l2);
  run_scale(l3);
  CU_OK(cuLibraryUnload(l1));
  CU_OK(cuLibraryUnload(l2));
  CU_OK(cuLibraryUnload(l3));
  CU_OK(cuCtxDestroy(ctx));
  free(fb);
}

int main(int argc, char **argv)
{
  CUlibrary lib;
  CU_EXPECT(load(&lib, lib_ptx), CUDA_ERROR_NOT_INITIALIZED);
  CU_OK(cuInit(0));
  /* No context anywhere: a library loads all the same. */
  CU_OK(load(&lib, lib_ptx));
  test_no_context(lib);
  test_contexts(lib);
  CU_OK(cuLibraryUnload(lib));
  test_unload();
  test_container_and_wrapper();
  test_bad_loads();
  if (argc > 1)
    test_nvcc(argv[1]);
  else
    printf("no nvcc fatbin given: nvcc part skipped\n");
  return 0;
}
