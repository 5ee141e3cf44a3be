/* The bulk buffer pool: memory for frame payloads (a call's bulk, a reply's)
 * that is recycled instead of returned to the system. Its point is RDMA: a
 * buffer the pool handed out stays allocated for the life of the process,
 * so the RDMA transport registers it once (rdma_mr_cache.c) and moves bulk
 * in and out of it with no copy, and no registration can ever outlive its
 * memory. The price is that the pool's memory stays at its high-water mark,
 * which is why it is off by default and bounded: cuferryd turns it on in a
 * session's worker once the session moved to RDMA (each worker serves one
 * session, so a recycled buffer only ever held that session's bytes).
 *
 * What a buffer holds: zeros when it is new (as is every fallback
 * allocation), else what its last user left, which in a worker is that
 * session's own bulk. A registered buffer is readable by the peer as a
 * whole, never more.
 *
 * Buffers are sized in 64 KiB steps; a request takes the smallest free
 * buffer between its size and twice that, else a new one while the pool is
 * under its bound, else plain malloc. A few dozen buffers at most, so a
 * linear table under one mutex is enough. */
#include "internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define POOL_STEP ((size_t)64 << 10)
#define POOL_MAX_BUFS 64

struct pool_buf {
  uint8_t *p;
  size_t size;
  int in_use;
};

static struct {
  pthread_mutex_t lock;
  size_t max_bytes, bytes;
  struct pool_buf bufs[POOL_MAX_BUFS];
  unsigned n;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

void cf_bulk_pool_enable(size_t max_bytes)
{
  pthread_mutex_lock(&pool.lock);
  pool.max_bytes = max_bytes;
  pthread_mutex_unlock(&pool.lock);
}

/* A free buffer of size in [size, 2 * size], the smallest; or a new one
 * within the bound; or NULL. Called locked. */
static void *take(size_t size)
{
  struct pool_buf *best = NULL;
  void *p;

  for (unsigned i = 0; i < pool.n; i++) {
    struct pool_buf *b = &pool.bufs[i];
    if (!b->in_use && b->size >= size && b->size / 2 <= size &&
        (!best || b->size < best->size))
      best = b;
  }
  if (best) {
    best->in_use = 1;
    return best->p;
  }
  if (pool.n == POOL_MAX_BUFS || pool.bytes > pool.max_bytes ||
      size > pool.max_bytes - pool.bytes)
    return NULL;
  if (!(p = aligned_alloc(4096, size)))
    return NULL;
  memset(p, 0, size);
  pool.bufs[pool.n++] = (struct pool_buf){ .p = p, .size = size, .in_use = 1 };
  pool.bytes += size;
  return p;
}

void *cf_bulk_alloc(size_t len)
{
  void *p = NULL;

  if (len >= POOL_STEP && len <= SIZE_MAX - POOL_STEP) {
    size_t size = (len + POOL_STEP - 1) / POOL_STEP * POOL_STEP;

    pthread_mutex_lock(&pool.lock);
    if (pool.max_bytes)
      p = take(size);
    pthread_mutex_unlock(&pool.lock);
  }
  return p ? p : calloc(1, len ? len : 1);
}

/* The table entry whose buffer holds [p, p+len); called locked. */
static struct pool_buf *find(const void *p, size_t len)
{
  uintptr_t a = (uintptr_t)p;

  for (unsigned i = 0; i < pool.n; i++) {
    uintptr_t b = (uintptr_t)pool.bufs[i].p;
    if (a >= b && a - b < pool.bufs[i].size && len <= pool.bufs[i].size - (a - b))
      return &pool.bufs[i];
  }
  return NULL;
}

void cf_bulk_free(void *p)
{
  struct pool_buf *b;

  if (!p)
    return;
  pthread_mutex_lock(&pool.lock);
  b = pool.n ? find(p, 1) : NULL;
  if (b && b->p == p)
    b->in_use = 0; /* (a pointer into a buffer is a caller's bug: ignored) */
  pthread_mutex_unlock(&pool.lock);
  if (!b)
    free(p);
}

int cf__bulk_pool_owns(const void *p, size_t len, void **base, size_t *size)
{
  struct pool_buf *b;
  int owned;

  pthread_mutex_lock(&pool.lock);
  b = pool.n ? find(p, len) : NULL;
  owned = b && b->in_use;
  if (owned) {
    *base = b->p;
    *size = b->size;
  }
  pthread_mutex_unlock(&pool.lock);
  return owned;
}
