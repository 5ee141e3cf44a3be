/* Context-local storage (client/ctx_local.c), linked in directly so the
 * test can play the context code's part: cf__cls_context_destroyed runs
 * and forgets every entry of one context, destructors get (ctx, key,
 * value) and may use the storage themselves, other contexts keep theirs,
 * and many threads may put/get/delete at once. A NULL context is the
 * calling thread's current one: the test plays the context code's cache
 * (cf__ctx_current) with a thread-local variable, and a thread with no
 * current context misses. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "cf_test.h"
#include "internal.h"

typedef void (*dtor_fn)(CUcontext, void *, void *);
typedef CUresult (*put_fn)(CUcontext, void *, void *, dtor_fn);
typedef CUresult (*delete_fn)(CUcontext, void *);
typedef CUresult (*get_fn)(void **, CUcontext, void *);

#define PUT ((put_fn)cf__export_ctx_local[0])
#define DELETE ((delete_fn)cf__export_ctx_local[1])
#define GET ((get_fn)cf__export_ctx_local[2])

static CUcontext c1 = (CUcontext)(uintptr_t)0x1000, c2 = (CUcontext)(uintptr_t)0x2000;
static int k1, k2, k3;
static int calls;
static CUcontext seen_ctx;
static void *seen_key, *seen_value;

/* The context code's part: the calling thread's current context. */
static __thread CUcontext thread_current;

CUresult cf__ctx_current(CUcontext *out)
{
  *out = thread_current;
  return CUDA_SUCCESS;
}

static void *other_thread_get(void *key)
{
  void *v = (void *)1;
  /* no current context here: NULL misses even though c2 holds the key */
  return GET(&v, NULL, key) == CUDA_ERROR_INVALID_CONTEXT && v == NULL ? key : NULL;
}

static void dtor(CUcontext ctx, void *key, void *value)
{
  calls++;
  seen_ctx = ctx;
  seen_key = key;
  seen_value = value;
}

/* A destructor that uses the storage: reads another entry of its context
 * (still there or already gone, but never a deadlock) and puts one again. */
static void reentrant_dtor(CUcontext ctx, void *key, void *value)
{
  void *v;
  (void)key;
  (void)value;
  calls++;
  (void)GET(&v, ctx, &k2);
  ASSERT_EQ(PUT(ctx, &k3, (void *)99, NULL), CUDA_SUCCESS);
}

static void *hammer(void *arg)
{
  CUcontext ctx = (CUcontext)arg;
  for (uintptr_t i = 0; i < 20000; i++) {
    void *v;
    int key;
    ASSERT_EQ(PUT(ctx, &key, (void *)i, NULL), CUDA_SUCCESS);
    ASSERT_EQ(GET(&v, ctx, &key), CUDA_SUCCESS);
    ASSERT(v == (void *)i);
    ASSERT_EQ(DELETE(ctx, &key), CUDA_SUCCESS);
  }
  return NULL;
}

int main(void)
{
  void *v;
  pthread_t t[4];

  /* NULL is the current context: put through it, read through the name */
  thread_current = c2;
  ASSERT_EQ(PUT(NULL, &k2, (void *)5, NULL), CUDA_SUCCESS);
  ASSERT_EQ(GET(&v, c2, &k2), CUDA_SUCCESS);
  ASSERT(v == (void *)5);
  ASSERT_EQ(GET(&v, NULL, &k2), CUDA_SUCCESS);
  ASSERT(v == (void *)5);
  ASSERT_EQ(pthread_create(&t[0], NULL, other_thread_get, &k2), 0);
  ASSERT_EQ(pthread_join(t[0], &v), 0);
  ASSERT(v == &k2);
  ASSERT_EQ(DELETE(NULL, &k2), CUDA_SUCCESS);
  ASSERT_NE(GET(&v, c2, &k2), CUDA_SUCCESS);
  thread_current = NULL;
  ASSERT_EQ(GET(&v, NULL, &k2), CUDA_ERROR_INVALID_CONTEXT);

  /* destroy runs each destructor once with its entry's fields */
  ASSERT_EQ(PUT(c1, &k1, (void *)11, dtor), CUDA_SUCCESS);
  ASSERT_EQ(PUT(c2, &k1, (void *)21, dtor), CUDA_SUCCESS);
  cf__cls_context_destroyed(c1);
  ASSERT_EQ(calls, 1);
  ASSERT(seen_ctx == c1 && seen_key == &k1 && seen_value == (void *)11);
  ASSERT_NE(GET(&v, c1, &k1), CUDA_SUCCESS);
  ASSERT_EQ(GET(&v, c2, &k1), CUDA_SUCCESS);
  ASSERT(v == (void *)21);
  cf__cls_context_destroyed(c1); /* nothing left: no-op */
  ASSERT_EQ(calls, 1);

  /* delete forgets without running the destructor */
  ASSERT_EQ(DELETE(c2, &k1), CUDA_SUCCESS);
  cf__cls_context_destroyed(c2);
  ASSERT_EQ(calls, 1);

  /* an entry without destructor goes too; replacing keeps the new one */
  ASSERT_EQ(PUT(c1, &k1, (void *)1, dtor), CUDA_SUCCESS);
  ASSERT_EQ(PUT(c1, &k1, (void *)2, NULL), CUDA_SUCCESS);
  cf__cls_context_destroyed(c1);
  ASSERT_EQ(calls, 1);
  ASSERT_NE(GET(&v, c1, &k1), CUDA_SUCCESS);

  /* destructors may use the storage; what they put for ctx survives */
  calls = 0;
  ASSERT_EQ(PUT(c1, &k1, (void *)1, reentrant_dtor), CUDA_SUCCESS);
  ASSERT_EQ(PUT(c1, &k2, (void *)2, reentrant_dtor), CUDA_SUCCESS);
  cf__cls_context_destroyed(c1);
  ASSERT_EQ(calls, 2);
  ASSERT_EQ(GET(&v, c1, &k3), CUDA_SUCCESS);
  ASSERT(v == (void *)99);
  ASSERT_NE(GET(&v, c1, &k1), CUDA_SUCCESS);
  ASSERT_EQ(DELETE(c1, &k3), CUDA_SUCCESS);

  /* threads */
  for (uintptr_t i = 0; i < 4; i++)
    ASSERT_EQ(pthread_create(&t[i], NULL, hammer, (void *)(0x10000 * (i + 1))), 0);
  for (int i = 0; i < 4; i++)
    ASSERT_EQ(pthread_join(t[i], NULL), 0);

  printf("context-local storage: destroy, destructors, replace, re-entry, threads ok\n");
  return 0;
}
