/* cuGetExportTable as cudart sees it, through the stub and without a
 * server: the six tables by UUID with their size words, the tools-hook
 * buffers, context-local storage put/get/delete, the context checks, the
 * integrity check's constant answers, and refusals (an unknown UUID, the
 * optional f8cff951, bad arguments, the keyed check before cuInit).
 * argv[1]: the stub (libcuda.so.1). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda.h>

#include "cf_test.h"

typedef CUresult (*get_table_fn)(const void **, const CUuuid *);
typedef void (*buffer_fn)(void **, size_t *);
typedef CUresult (*cls_put_fn)(CUcontext, void *, void *,
                               void (*)(CUcontext, void *, void *));
typedef CUresult (*cls_delete_fn)(CUcontext, void *);
typedef CUresult (*cls_get_fn)(void **, CUcontext, void *);
typedef CUresult (*ctx_check_fn)(CUcontext, uint32_t *, void **);
typedef uint32_t (*ctx_check_init_fn)(void);
typedef CUresult (*integrity_fn)(uint32_t, uint64_t, uint64_t *);
typedef CUresult (*primary_fn)(CUcontext *, CUdevice);
typedef CUresult (*slot_fn)(void);

static get_table_fn get_table;

static const uintptr_t *table(const char *hex)
{
  CUuuid id;
  const void *t = (const void *)1;
  for (int i = 0; i < 16; i++) {
    unsigned v;
    ASSERT_EQ(sscanf(hex + 2 * i, "%2x", &v), 1);
    id.bytes[i] = (char)v;
  }
  ASSERT_EQ(get_table(&t, &id), CUDA_SUCCESS);
  ASSERT_NOT_NULL(t);
  return t;
}

static CUresult refuse(const char *hex)
{
  CUuuid id;
  const void *t = (const void *)1;
  CUresult r;
  for (int i = 0; i < 16; i++) {
    unsigned v;
    ASSERT_EQ(sscanf(hex + 2 * i, "%2x", &v), 1);
    id.bytes[i] = (char)v;
  }
  r = get_table(&t, &id);
  ASSERT_NULL(t);
  return r;
}

int main(int argc, char **argv)
{
  void *lib;
  const uintptr_t *cudart, *hooks, *tls, *cls, *checks, *integrity;
  void *buf, *value;
  size_t size;
  uint32_t flags;
  uint64_t out[2];
  CUcontext ctx;
  CUcontext c1 = (CUcontext)(uintptr_t)0x1000, c2 = (CUcontext)(uintptr_t)0x2000;
  int k1, k2;

  ASSERT_EQ(argc, 2);
  unsetenv("CUFERRY_SERVER");
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    CF_FAIL_("dlopen: %s", dlerror());
  ASSERT_NOT_NULL(get_table = (get_table_fn)dlsym(lib, "cuGetExportTable"));

  /* the six tables and their size words (bytes) */
  cudart = table("6bd5fb6c5bf4e74a8987d93912fd9df9");
  ASSERT_EQ(cudart[0], 13 * sizeof(void *));
  hooks = table("a094798c2e742e7493f20800200c0a66");
  ASSERT_EQ(hooks[0], 7 * sizeof(void *));
  tls = table("42d85a8123f6cb478298f6e78a3aecdc");
  ASSERT_EQ(tls[0], sizeof(void *));
  cls = table("c693336e1121df11a8c368f355d89593");
  checks = table("263e88607cd2614392f6bbd5006dfa7e");
  ASSERT_EQ(checks[0], 4 * sizeof(void *));
  integrity = table("d4082055bde6704b8d34ba123c66e1f2");
  ASSERT_EQ(integrity[0], 3 * sizeof(void *));
  /* the same process-lifetime data on every request */
  ASSERT(table("6bd5fb6c5bf4e74a8987d93912fd9df9") == cudart);
  /* every function slot is filled */
  for (int i = 1; i < 13; i++)
    ASSERT_GT(cudart[i], 4096);
  for (int i = 1; i < 7; i++)
    ASSERT_GT(hooks[i], 4096);
  for (int i = 0; i < 3; i++)
    ASSERT_GT(cls[i], 4096);

  /* CUDART_INTERFACE: slot 2 needs a session; the others refuse */
  ASSERT_EQ(((primary_fn)cudart[2])(NULL, 0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(((primary_fn)cudart[2])(&ctx, 0), CUDA_ERROR_NOT_INITIALIZED);
  ASSERT_EQ(((slot_fn)cudart[5])(), CUDA_ERROR_NOT_SUPPORTED);
  ASSERT_EQ(((slot_fn)cudart[5])(), CUDA_ERROR_NOT_SUPPORTED); /* logged once */

  /* tools hooks: zeroed static buffers of the announced sizes */
  buf = NULL;
  size = 0;
  ((buffer_fn)hooks[2])(&buf, &size);
  ASSERT_NOT_NULL(buf);
  ASSERT_EQ(size, 1024);
  for (size_t i = 0; i < size; i++)
    ASSERT_EQ(((unsigned char *)buf)[i], 0);
  ((buffer_fn)hooks[6])(&buf, &size);
  ASSERT_NOT_NULL(buf);
  ASSERT_EQ(size, 14 * 4);
  for (size_t i = 0; i < size; i++)
    ASSERT_EQ(((unsigned char *)buf)[i], 0);

  /* context-local storage, keyed by (ctx, key) */
  ASSERT_NE(((cls_get_fn)cls[2])(&value, c1, &k1), CUDA_SUCCESS);
  ASSERT_EQ(((cls_get_fn)cls[2])(NULL, c1, &k1), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(((cls_put_fn)cls[0])(c1, &k1, (void *)11, NULL), CUDA_SUCCESS);
  ASSERT_EQ(((cls_put_fn)cls[0])(c1, &k2, (void *)12, NULL), CUDA_SUCCESS);
  ASSERT_EQ(((cls_put_fn)cls[0])(c2, &k1, (void *)21, NULL), CUDA_SUCCESS);
  ASSERT_EQ(((cls_get_fn)cls[2])(&value, c1, &k1), CUDA_SUCCESS);
  ASSERT(value == (void *)11);
  ASSERT_EQ(((cls_get_fn)cls[2])(&value, c2, &k1), CUDA_SUCCESS);
  ASSERT(value == (void *)21);
  ASSERT_EQ(((cls_put_fn)cls[0])(c1, &k1, (void *)13, NULL), CUDA_SUCCESS);
  ASSERT_EQ(((cls_get_fn)cls[2])(&value, c1, &k1), CUDA_SUCCESS);
  ASSERT(value == (void *)13);
  ASSERT_EQ(((cls_delete_fn)cls[1])(c1, &k1), CUDA_SUCCESS);
  ASSERT_NE(((cls_get_fn)cls[2])(&value, c1, &k1), CUDA_SUCCESS);
  ASSERT_NULL(value);
  ASSERT_NE(((cls_delete_fn)cls[1])(c1, &k1), CUDA_SUCCESS);
  ASSERT_EQ(((cls_get_fn)cls[2])(&value, c1, &k2), CUDA_SUCCESS);
  ASSERT(value == (void *)12);
  ASSERT_EQ(((cls_get_fn)cls[2])(&value, c2, &k1), CUDA_SUCCESS);
  ASSERT(value == (void *)21);

  /* context checks */
  ASSERT_EQ(((ctx_check_init_fn)checks[3])(), 0);
  flags = 7;
  buf = &flags;
  ASSERT_EQ(((ctx_check_fn)checks[2])(c1, &flags, &buf), CUDA_SUCCESS);
  ASSERT_EQ(flags, 0);
  ASSERT_NULL(buf);

  /* integrity check: constants need no session, the keyed answer does */
  ASSERT_EQ(((integrity_fn)integrity[1])(13000, 1700000000, out), CUDA_SUCCESS);
  ASSERT_UEQ(out[0], 0x3341181C03CB675CULL);
  ASSERT_UEQ(out[1], 0x8ED383AA1F4CD1E8ULL);
  ASSERT_EQ(((integrity_fn)integrity[1])(13001, 1700000000, out), CUDA_SUCCESS);
  ASSERT_UEQ(out[0], 0x1841181C03CB675CULL);
  ASSERT_UEQ(out[1], 0x8ED383AA1F4CD1E8ULL);
  ASSERT_EQ(((integrity_fn)integrity[1])(13000, 0, NULL), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(((integrity_fn)integrity[1])(13002, 1700000000, out), CUDA_ERROR_NOT_INITIALIZED);
  ASSERT_EQ(((integrity_fn)integrity[1])(13005, 1700000000, out), CUDA_ERROR_NOT_SUPPORTED);

  /* refusals: unknown (logged once), the optional table, bad arguments */
  ASSERT_EQ(refuse("00112233445566778899aabbccddeeff"), CUDA_ERROR_NOT_SUPPORTED);
  ASSERT_EQ(refuse("00112233445566778899aabbccddeeff"), CUDA_ERROR_NOT_SUPPORTED);
  ASSERT_EQ(refuse("f8cff95121468b4eb9e2fb469e7c0dd9"), CUDA_ERROR_NOT_SUPPORTED);
  /* the UUID's bytes in memory order: a byte-swapped CUDART_INTERFACE is unknown */
  ASSERT_EQ(refuse("6cfbd56bf45b4ae78987d93912fd9df9"), CUDA_ERROR_NOT_SUPPORTED);
  ASSERT_EQ(get_table(NULL, NULL), CUDA_ERROR_INVALID_VALUE);
  {
    const void *t;
    ASSERT_EQ(get_table(&t, NULL), CUDA_ERROR_INVALID_VALUE);
  }

  dlclose(lib);
  printf("export tables: six tables, hooks, storage, checks, integrity constants, refusals ok\n");
  return 0;
}
