/* Context-local storage (export table c693336e): cudart keeps its state
 * for each context here, under keys of its own, and asks for it at the
 * start of every runtime call. The table has no size word; its slots are
 * put(ctx, key, value, destructor), delete(ctx, key) and
 * get(&value, ctx, key), which must fail when the key is absent.
 *
 * The map is keyed by (ctx, key) and guarded by one mutex; a program has a
 * few contexts and cudart a key or two, so a linear scan of a small array
 * is quicker than hashing would be. A destructor runs only when its
 * context is destroyed (cf__cls_context_destroyed, called by the context
 * code), after its entry is removed and outside the lock: delete does not
 * run it, because cudart frees what it deletes itself.
 *
 * A NULL context means the calling thread's current one, as in the driver
 * (cudart passes NULL at the start of every runtime call): a thread with no
 * current context must miss, or cudart would skip making its primary
 * context current there. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "cf_log.h"
#include "internal.h"

typedef void (*cls_destructor)(CUcontext ctx, void *key, void *value);

struct cls_entry {
  CUcontext ctx;
  void *key;
  void *value;
  cls_destructor dtor;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cls_entry *entries; /* grows; never shrinks its allocation */
static size_t n_entries, cap_entries;

/* Index of (ctx, key), or n_entries. Called with the lock held. */
static size_t find(CUcontext ctx, const void *key)
{
  size_t i = 0;
  while (i < n_entries && !(entries[i].ctx == ctx && entries[i].key == key))
    i++;
  return i;
}

/* ctx, or the calling thread's current context for NULL. */
static CUresult resolve(CUcontext *ctx)
{
  CUresult r;
  if (*ctx)
    return CUDA_SUCCESS;
  if ((r = cf__ctx_current(ctx)) != CUDA_SUCCESS)
    return r;
  return *ctx ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

static CUresult cls_put(CUcontext ctx, void *key, void *value, cls_destructor dtor)
{
  CUresult r = resolve(&ctx);
  size_t i;

  if (r != CUDA_SUCCESS)
    return r;

  pthread_mutex_lock(&lock);
  i = find(ctx, key);
  if (i == n_entries) {
    if (n_entries == cap_entries) {
      size_t cap = cap_entries ? 2 * cap_entries : 8;
      struct cls_entry *e = realloc(entries, cap * sizeof *e);
      if (!e) {
        r = CUDA_ERROR_OUT_OF_MEMORY;
        goto out;
      }
      entries = e;
      cap_entries = cap;
    }
    n_entries++;
  }
  /* Putting an existing key replaces its value and destructor without
   * running the old one: the caller owns what it replaces. */
  entries[i] = (struct cls_entry){ ctx, key, value, dtor };
out:
  pthread_mutex_unlock(&lock);
  return r;
}

static CUresult cls_delete(CUcontext ctx, void *key)
{
  CUresult r = resolve(&ctx);
  size_t i;

  if (r != CUDA_SUCCESS)
    return r;
  r = CUDA_ERROR_NOT_FOUND;

  pthread_mutex_lock(&lock);
  i = find(ctx, key);
  if (i < n_entries) {
    entries[i] = entries[--n_entries];
    r = CUDA_SUCCESS;
  }
  pthread_mutex_unlock(&lock);
  return r;
}

static CUresult cls_get(void **value, CUcontext ctx, void *key)
{
  CUresult r = CUDA_ERROR_NOT_FOUND;
  size_t i;

  if (!value)
    return CUDA_ERROR_INVALID_VALUE;
  *value = NULL;
  if ((r = resolve(&ctx)) != CUDA_SUCCESS)
    return r;
  r = CUDA_ERROR_NOT_FOUND;
  pthread_mutex_lock(&lock);
  i = find(ctx, key);
  if (i < n_entries) {
    *value = entries[i].value;
    r = CUDA_SUCCESS;
  }
  pthread_mutex_unlock(&lock);
  return r;
}

void cf__cls_context_destroyed(CUcontext ctx)
{
  size_t left = 0;

  /* Take the context's entries out one at a time and run each destructor
   * unlocked: a destructor may put, get or delete, even for ctx. Only as
   * many entries as ctx had on entry are run, so a destructor that puts
   * for ctx again cannot keep this loop going. */
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < n_entries; i++)
    left += entries[i].ctx == ctx;
  pthread_mutex_unlock(&lock);
  for (; left > 0; left--) {
    struct cls_entry e;
    int found = 0;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_entries; i++) {
      if (entries[i].ctx == ctx) {
        e = entries[i];
        entries[i] = entries[--n_entries];
        found = 1;
        break;
      }
    }
    pthread_mutex_unlock(&lock);
    if (!found)
      return;
    if (e.dtor)
      e.dtor(ctx, e.key, e.value);
  }
}

CF_EXPORT_SLOT_UNSUPPORTED(CONTEXT_LOCAL_STORAGE, 3)

const void *cf__export_ctx_local[4] = {
  (const void *)cls_put,
  (const void *)cls_delete,
  (const void *)cls_get,
  (const void *)CONTEXT_LOCAL_STORAGE_slot_3,
};

/* The table goes with the library (dlclose or exit). Destructors are not run:
 * the contexts live on the server, which ends them with the session. */
__attribute__((destructor)) static void cls_unload(void)
{
  pthread_mutex_lock(&lock);
  free(entries);
  entries = NULL;
  n_entries = cap_entries = 0;
  pthread_mutex_unlock(&lock);
}
