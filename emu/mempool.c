/* The memory-pool allocator: the pools' blocks, reservations and lifetime,
 * the default and current pool, and the stream-ordered entry points
 * cuMemAllocAsync, cuMemAllocFromPoolAsync and cuMemFreeAsync. The pool
 * objects' own entry points (create, destroy, trim, attributes, access, the
 * default/current pool queries) are mempool_api.c's.
 *
 * A pool hands out blocks: each block is one devmem.c allocation of kind
 * POOL (usable from every context, like CUDA's device-wide pool memory) whose
 * span counts as reserved by the pool. An allocation takes memory at once,
 * reusing an idle block when one fits, else taking a new one from the device
 * heap. cuMemFreeAsync queues an operation on the stream; only when the
 * stream reaches it does the block become idle (kind POOL_IDLE, which no
 * context may touch), so memory is never reused before the free's stream
 * position completes and any later access faults like use after free. Idle
 * blocks stay reserved up to the pool's release threshold (CUDA releases on
 * the next synchronisation; here as soon as the free completes) or until
 * cuMemPoolTrimTo. Reuse is always of completed frees; with
 * REUSE_ALLOW_OPPORTUNISTIC off, only by the stream that freed the block.
 *
 * A destroyed pool loses its handle at once but lives on, as CUDA documents,
 * until its last outstanding allocation is freed. The default pool is made
 * on first use and never destroyed. Pools belong to no context, and pool
 * memory outlives context destruction.
 *
 * Everything here runs under the global lock (the free operation's
 * completion too: its free() callback runs with the lock held). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

enum block_state { B_USED, B_FREEING, B_IDLE };

struct block {
  struct cf_emu_link link;      /* in pool->busy (USED, FREEING) or ->idle */
  CUmemoryPool pool;
  uint64_t addr, span;
  enum block_state state;
  struct cf_emu_queue *freed_on; /* IDLE: the free's queue (referenced) */
};

static struct cf_emu_link pools = { &pools, &pools };
static CUmemoryPool default_pool;  /* device 0's */
static CUmemoryPool current_pool;  /* NULL: the default */

/* ---- Pool bookkeeping ----------------------------------------------------- */

static void pool_init(CUmemoryPool p)
{
  cf__emu_list_init(&p->busy);
  cf__emu_list_init(&p->idle);
  p->reuse_follow = p->reuse_opportunistic = p->reuse_internal = 1;
  cf__emu_list_add(&pools, &p->all);
}

CUresult cf__emu_pool_default(CUmemoryPool *out)
{
  if (!default_pool) {
    CUresult r = cf__emu_pool_new(0, &default_pool);
    if (r != CUDA_SUCCESS)
      return r;
    default_pool->is_default = 1;
  }
  *out = default_pool;
  return CUDA_SUCCESS;
}

CUresult cf__emu_pool_current(CUmemoryPool *out)
{
  if (current_pool) {
    *out = current_pool;
    return CUDA_SUCCESS;
  }
  return cf__emu_pool_default(out);
}

CUresult cf__emu_pool_check(CUmemoryPool p)
{
  if (!p)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__emu_handle_live(p, CF_EMU_KIND_MEMPOOL) ? CUDA_SUCCESS
                                                     : CUDA_ERROR_INVALID_HANDLE;
}

static void note_highs(CUmemoryPool p)
{
  if (p->reserved > p->reserved_high)
    p->reserved_high = p->reserved;
  if (p->used > p->used_high)
    p->used_high = p->used;
}

/* Give block b's memory back to the device heap. */
static void block_release(struct block *b)
{
  CUmemoryPool p = b->pool;

  cf__emu_list_del(&b->link);
  cf__emu_mem_release(b->addr);
  p->reserved -= b->span;
  if (b->freed_on)
    cf__emu_queue_put(b->freed_on);
  free(b);
}

/* A destroyed pool goes with its last block. */
static void maybe_free_pool(CUmemoryPool p)
{
  if (p->destroyed && p->busy.next == &p->busy && p->idle.next == &p->idle) {
    cf__emu_list_del(&p->all);
    free(p);
  }
}

void cf__emu_pool_release_idle(CUmemoryPool p, uint64_t keep, int exact)
{
  struct cf_emu_link *l = p->idle.next;

  while (l != &p->idle && p->reserved > keep) {
    struct block *b = CF_EMU_CONTAINER(l, struct block, link);
    l = l->next;
    if (!exact || p->reserved - b->span >= keep)
      block_release(b);
  }
}

CUresult cf__emu_pool_new(uint64_t max_size, CUmemoryPool *out)
{
  CUmemoryPool p = calloc(1, sizeof *p);

  *out = NULL;
  if (!p || cf__emu_handle_add(p, CF_EMU_KIND_MEMPOOL) != 0) {
    free(p);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  pool_init(p);
  p->max_size = max_size;
  *out = p;
  return CUDA_SUCCESS;
}

void cf__emu_pool_destroy(CUmemoryPool p)
{
  cf__emu_handle_del(p);
  if (current_pool == p)
    current_pool = NULL;
  p->destroyed = 1;
  cf__emu_pool_release_idle(p, 0, 0);
  maybe_free_pool(p);
}

void cf__emu_pool_set_current(CUmemoryPool p)
{
  current_pool = p == default_pool ? NULL : p;
}

/* Block b is no longer the program's: make it idle (inaccessible), or
 * release it when its pool is gone or holds more than its threshold. */
static void block_idle(struct block *b, struct cf_emu_queue *freed_on)
{
  CUmemoryPool p = b->pool;

  p->used -= b->span;
  b->state = B_IDLE;
  b->freed_on = freed_on ? cf__emu_queue_get(freed_on) : NULL;
  cf__emu_list_del(&b->link);
  cf__emu_list_add(&p->idle, &b->link);
  cf__emu_mem_set_kind(b->addr, CF_EMU_ALLOC_POOL_IDLE, b->span);
  if (p->destroyed) {
    block_release(b);
    maybe_free_pool(p);
  } else {
    cf__emu_pool_release_idle(p, p->threshold, 0);
  }
}

/* The smallest idle block of p that fits span bytes without wasting more
 * than half of it and that q may reuse, or NULL. */
static struct block *find_idle(CUmemoryPool p, uint64_t span,
                               const struct cf_emu_queue *q)
{
  struct block *best = NULL;

  for (struct cf_emu_link *l = p->idle.next; l != &p->idle; l = l->next) {
    struct block *b = CF_EMU_CONTAINER(l, struct block, link);
    if (b->span < span || b->span / 2 > span)
      continue;
    if (!p->reuse_opportunistic && b->freed_on != q)
      continue;
    if (!best || b->span < best->span)
      best = b;
  }
  return best;
}

static void release_all_idle(void)
{
  for (struct cf_emu_link *l = pools.next; l != &pools; l = l->next)
    cf__emu_pool_release_idle(CF_EMU_CONTAINER(l, struct CUmemPoolHandle_st, all), 0, 0);
}

/* A new block of span bytes from the device heap, size of them usable. */
static CUresult new_block(CUmemoryPool p, uint64_t size, uint64_t span,
                          struct block **out)
{
  struct block *b;
  CUresult r;

  if (p->max_size && (span > p->max_size || p->reserved > p->max_size - span)) {
    cf__emu_pool_release_idle(p, 0, 0);
    if (span > p->max_size || p->reserved > p->max_size - span)
      return CUDA_ERROR_OUT_OF_MEMORY;
  }
  if (!(b = calloc(1, sizeof *b)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  r = cf__emu_mem_alloc(NULL, size, CF_EMU_ALLOC_ALIGN, CF_EMU_ALLOC_POOL, b,
                        &b->addr);
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    release_all_idle();  /* memory other pools merely hold */
    r = cf__emu_mem_alloc(NULL, size, CF_EMU_ALLOC_ALIGN, CF_EMU_ALLOC_POOL, b,
                          &b->addr);
  }
  if (r != CUDA_SUCCESS) {
    free(b);
    return r;
  }
  b->pool = p;
  b->span = span;
  p->reserved += span;
  *out = b;
  return CUDA_SUCCESS;
}

/* Allocate size bytes from p for work on q. Lock held. */
static CUresult pool_alloc(CUmemoryPool p, uint64_t size,
                           const struct cf_emu_queue *q, uint64_t *addr)
{
  uint64_t span;
  struct block *b;
  CUresult r;

  if (size > CF_EMU_MAX_MEMORY)
    return CUDA_ERROR_OUT_OF_MEMORY;
  span = (size + CF_EMU_ALLOC_ALIGN - 1) & ~(uint64_t)(CF_EMU_ALLOC_ALIGN - 1);
  if ((b = find_idle(p, span, q)) != NULL) {
    if (b->freed_on)
      cf__emu_queue_put(b->freed_on);
    b->freed_on = NULL;
    cf__emu_list_del(&b->link);
    cf__emu_mem_set_kind(b->addr, CF_EMU_ALLOC_POOL, size);
  } else if ((r = new_block(p, size, span, &b)) != CUDA_SUCCESS) {
    return r;
  }
  cf__emu_list_add(&p->busy, &b->link);
  b->state = B_USED;
  p->used += b->span;
  note_highs(p);
  *addr = b->addr;
  return CUDA_SUCCESS;
}

/* The block in use that starts at addr, or NULL. */
static struct block *block_at(uint64_t addr)
{
  enum cf_emu_alloc_kind kind;
  const void *owner;

  if (cf__emu_mem_lookup(addr, &kind, &owner) != CUDA_SUCCESS ||
      kind != CF_EMU_ALLOC_POOL)
    return NULL;
  struct block *b = (struct block *)owner;
  return b->state == B_USED ? b : NULL;
}

/* ---- Stream-ordered allocation -------------------------------------------- */

/* pool NULL: the device's current pool. */
static CUresult alloc_async(CUdeviceptr *dptr, size_t bytesize,
                            CUmemoryPool pool, CUstream hStream)
{
  struct cf_emu_queue *q;
  CUcontext ctx;
  uint64_t a;
  CUresult r;

  if (dptr)
    *dptr = 0;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!dptr || bytesize == 0)
    r = CUDA_ERROR_INVALID_VALUE;
  else if ((r = cf__emu_queue_of(ctx, hStream, &q)) != CUDA_SUCCESS)
    ;
  else if (pool ? (r = cf__emu_pool_check(pool)) != CUDA_SUCCESS
                : (r = cf__emu_pool_current(&pool)) != CUDA_SUCCESS)
    ;
  else if ((r = pool_alloc(pool, bytesize, q, &a)) == CUDA_SUCCESS)
    *dptr = (CUdeviceptr)a;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemAllocAsync(CUdeviceptr *dptr,
                                               size_t bytesize,
                                               CUstream hStream)
{
  return alloc_async(dptr, bytesize, NULL, hStream);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemAllocFromPoolAsync(CUdeviceptr *dptr,
                                                       size_t bytesize,
                                                       CUmemoryPool pool,
                                                       CUstream hStream)
{
  if (!pool) {
    if (dptr)
      *dptr = 0;
    return CUDA_ERROR_INVALID_VALUE;
  }
  return alloc_async(dptr, bytesize, pool, hStream);
}

/* The free's place in the stream. Its completion (free(), lock held) makes
 * the block idle; armed is set once the op is queued, so a submit that
 * fails gives the block back to the program instead. */
struct free_op {
  struct cf_emu_op op;
  struct block *b;
  struct cf_emu_queue *q;
  int armed;
};

static CUresult run_free(struct cf_emu_op *op, CUresult status)
{
  (void)op;
  (void)status;  /* freed even after a fault: the memory is the pool's */
  return CUDA_SUCCESS;
}

static void done_free(struct cf_emu_op *op)
{
  struct free_op *f = (struct free_op *)op;

  if (f->armed)
    block_idle(f->b, f->q);
  else
    f->b->state = B_USED;
  cf__emu_queue_put(f->q);
  free(f);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemFreeAsync(CUdeviceptr dptr,
                                              CUstream hStream)
{
  struct cf_emu_queue *q;
  struct free_op *f;
  struct block *b;
  CUcontext ctx;
  CUresult r;

  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_queue_of(ctx, hStream, &q)) != CUDA_SUCCESS)
    goto out;
  if (!(b = block_at(dptr))) {
    r = CUDA_ERROR_INVALID_VALUE;  /* not from a pool, or already freed */
    goto out;
  }
  if (!(f = calloc(1, sizeof *f))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  f->op.run = run_free;
  f->op.free = done_free;
  f->b = b;
  f->q = cf__emu_queue_get(q);
  b->state = B_FREEING;
  /* Until we unlock the executor cannot complete f, so arming after the
   * submit is safe. */
  if ((r = cf__emu_queue_submit(q, &f->op)) == CUDA_SUCCESS)
    f->armed = 1;
out:
  cf__emu_unlock();
  return r;
}

CUresult cf__emu_pool_free_now(uint64_t addr)
{
  struct block *b = block_at(addr);

  if (!b)
    return CUDA_ERROR_INVALID_VALUE;
  block_idle(b, NULL);
  return CUDA_SUCCESS;
}

