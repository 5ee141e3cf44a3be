/* Contexts: creation and destruction, the primary context's reference
 * count, the calling thread's context stack, limits and synchronisation.
 *
 * A context owns its modules, streams, events, device allocations, CUDA
 * arrays, texture and surface objects and pinned host memory;
 * cf__emu_ctx_clear frees them all, which is what cuCtxDestroy, the last
 * cuDevicePrimaryCtxRelease and cuDevicePrimaryCtxReset do. The primary
 * context struct itself lives for the whole process, so its handle stays
 * recognisable; while its reference count is zero it is not usable
 * (INVALID_CONTEXT).
 *
 * Tearing a context down first waits for its queued stream work and joins
 * its executor threads (queue.c); a stream callback, which runs on such a
 * thread, gets CUDA_ERROR_NOT_PERMITTED instead.
 *
 * All under the global lock; the stack is thread-local (state.c). */
#include "internal.h"

#include <stdlib.h>

#include "cf_error.h"

static const size_t limit_defaults[CF_EMU_NLIMITS] = {
  [CU_LIMIT_STACK_SIZE] = 1024,
  [CU_LIMIT_PRINTF_FIFO_SIZE] = 1 << 20,
  [CU_LIMIT_MALLOC_HEAP_SIZE] = 8 << 20,
  [CU_LIMIT_DEV_RUNTIME_SYNC_DEPTH] = 2,
  [CU_LIMIT_DEV_RUNTIME_PENDING_LAUNCH_COUNT] = 2048,
  [CU_LIMIT_MAX_L2_FETCH_GRANULARITY] = 64,
  [CU_LIMIT_PERSISTING_L2_CACHE_SIZE] = 0,
  [CU_LIMIT_SHMEM_SIZE] = 0,
  [CU_LIMIT_CIG_ENABLED] = 0,
  [CU_LIMIT_CIG_SHMEM_FALLBACK_ENABLED] = 0,
};

/* Context ids (cuCtxGetId): unique for the life of the process, given on
 * first request and forgotten when the context's contents are cleared
 * (destroyed, or the primary context reset or released for the last time,
 * after which CUDA too has a new context). Kept beside the contexts rather
 * than in them; the table holds only contexts that were asked, under the
 * global lock. */
struct ctx_id {
  CUcontext ctx;
  unsigned long long id;
};
static struct ctx_id *ctx_ids;
static size_t n_ctx_ids, cap_ctx_ids;
static unsigned long long next_ctx_id;

/* ctx's id in *id, made on first use. CUDA_SUCCESS or OUT_OF_MEMORY. */
static CUresult ctx_id_get(CUcontext ctx, unsigned long long *id)
{
  for (size_t i = 0; i < n_ctx_ids; i++)
    if (ctx_ids[i].ctx == ctx) {
      *id = ctx_ids[i].id;
      return CUDA_SUCCESS;
    }
  if (n_ctx_ids == cap_ctx_ids) {
    size_t cap = cap_ctx_ids ? 2 * cap_ctx_ids : 8;
    struct ctx_id *t = realloc(ctx_ids, cap * sizeof *t);
    if (!t)
      return CUDA_ERROR_OUT_OF_MEMORY;
    ctx_ids = t;
    cap_ctx_ids = cap;
  }
  ctx_ids[n_ctx_ids].ctx = ctx;
  *id = ctx_ids[n_ctx_ids++].id = ++next_ctx_id;
  return CUDA_SUCCESS;
}

static void ctx_id_forget(CUcontext ctx)
{
  for (size_t i = 0; i < n_ctx_ids; i++)
    if (ctx_ids[i].ctx == ctx) {
      ctx_ids[i] = ctx_ids[--n_ctx_ids];
      return;
    }
}

void cf__emu_ctx_init(CUcontext ctx, unsigned flags, int is_primary)
{
  ctx->is_primary = is_primary;
  ctx->flags = flags;
  ctx->sticky = ctx->deferred = CUDA_SUCCESS;
  ctx->pending = 0;
  ctx->legacy = NULL;
  for (int i = 0; i < CF_EMU_NLIMITS; i++)
    ctx->limits[i] = limit_defaults[i];
  cf__emu_list_init(&ctx->queues);
  cf__emu_list_init(&ctx->modules);
  cf__emu_list_init(&ctx->streams);
  cf__emu_list_init(&ctx->events);
  cf__emu_list_init(&ctx->pinned);
  cf__emu_list_init(&ctx->arrays);
  cf__emu_list_init(&ctx->mipmaps);
}

int cf__emu_ctx_clear(CUcontext ctx)
{
  int rc = cf__emu_ctx_drain(ctx);
  if (rc != CF_EMU_DRAIN_OK)
    return rc;
  while (ctx->modules.next != &ctx->modules)
    cf__emu_module_free(CF_EMU_CONTAINER(ctx->modules.next,
                                         struct CUmod_st, link));
  while (ctx->streams.next != &ctx->streams)
    cf__emu_stream_free(CF_EMU_CONTAINER(ctx->streams.next,
                                         struct CUstream_st, link));
  while (ctx->events.next != &ctx->events)
    cf__emu_event_free(CF_EMU_CONTAINER(ctx->events.next,
                                        struct CUevent_st, link));
  cf__emu_ctx_queues_release(ctx);
  cf__emu_texobj_free_all(ctx);     /* before the arrays they refer to */
  cf__emu_array_free_all(ctx);
  cf__emu_mem_free_owner(ctx, NULL);
  cf__emu_pinned_free_all(ctx);
  ctx->sticky = ctx->deferred = CUDA_SUCCESS;
  for (int i = 0; i < CF_EMU_NLIMITS; i++)
    ctx->limits[i] = limit_defaults[i];
  ctx_id_forget(ctx);
  return CF_EMU_DRAIN_OK;
}

static CUresult clear_result(int rc)
{
  return rc == CF_EMU_DRAIN_REFUSED ? CUDA_ERROR_NOT_PERMITTED
         : rc == CF_EMU_DRAIN_GONE  ? CUDA_ERROR_INVALID_CONTEXT
                                    : CUDA_SUCCESS;
}

static int flags_ok(unsigned flags)
{
  unsigned sched = flags & CU_CTX_SCHED_MASK;
  return (flags & ~(unsigned)CU_CTX_FLAGS_MASK) == 0 &&
         (sched == 0 || sched == CU_CTX_SCHED_SPIN ||
          sched == CU_CTX_SCHED_YIELD || sched == CU_CTX_SCHED_BLOCKING_SYNC);
}

static CUresult ctx_create(CUcontext *pctx, unsigned flags, CUdevice dev)
{
  CUresult r;
  CUcontext ctx;

  if (pctx)
    *pctx = NULL;
  if ((r = cf__emu_lock_init()) != CUDA_SUCCESS)
    return r;
  if (dev != 0) {
    r = CUDA_ERROR_INVALID_DEVICE;
    goto out;
  }
  if (!pctx || !flags_ok(flags)) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  cf__emu_ctx_init(ctx, flags, 0);
  if (cf__emu_handle_add(ctx, CF_EMU_KIND_CTX) != 0) {
    free(ctx);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  if (cf__emu_stack_push(ctx) != 0) {
    cf__emu_handle_del(ctx);
    free(ctx);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  *pctx = ctx;
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx,
                                              unsigned int flags, CUdevice dev)
{
  return ctx_create(pctx, flags, dev);
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx,
                                              CUexecAffinityParam *paramsArray,
                                              int numParams,
                                              unsigned int flags, CUdevice dev)
{
  (void)paramsArray;
  if (numParams < 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (numParams > 0)
    return CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY;
  return ctx_create(pctx, flags, dev);
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxCreate(CUcontext *pctx,
                                           CUctxCreateParams *ctxCreateParams,
                                           unsigned int flags, CUdevice dev)
{
  if (ctxCreateParams) {
    if (ctxCreateParams->numExecAffinityParams < 0)
      return CUDA_ERROR_INVALID_VALUE;
    if (ctxCreateParams->numExecAffinityParams > 0)
      return CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY;
    if (ctxCreateParams->cigParams)
      return CUDA_ERROR_NOT_SUPPORTED;
  }
  return ctx_create(pctx, flags, dev);
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxDestroy(CUcontext ctx)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(ctx, CF_EMU_KIND_CTX) || ctx->is_primary) {
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  /* Waiting in ctx_clear drops the lock: another thread may destroy it
   * meanwhile, which ctx_clear reports. */
  r = clear_result(cf__emu_ctx_clear(ctx));
  if (r == CUDA_SUCCESS) {
    cf__emu_handle_del(ctx);
    cf__emu_stack_forget(ctx);
    free(ctx);
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (ctx && !cf__emu_ctx_usable(ctx))
    r = CUDA_ERROR_INVALID_CONTEXT;
  else
    cf__emu_stack_set_top(ctx);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetCurrent(CUcontext *pctx)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!pctx)
    return CUDA_ERROR_INVALID_VALUE;
  *pctx = cf__emu_current();
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxPushCurrent(CUcontext ctx)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (!ctx || !cf__emu_ctx_usable(ctx))
    r = CUDA_ERROR_INVALID_CONTEXT;
  else if (cf__emu_stack_push(ctx) != 0)
    r = CUDA_ERROR_OUT_OF_MEMORY;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxPopCurrent(CUcontext *pctx)
{
  CUresult r = cf__emu_lock_init();
  if (pctx)
    *pctx = NULL;
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!cf__emu_current())
    return CUDA_ERROR_INVALID_CONTEXT;
  CUcontext c = cf__emu_stack_pop();
  if (pctx)
    *pctx = c;
  return CUDA_SUCCESS;
}

/* The context named by ctx, or the current one when ctx is NULL. Lock held
 * on success. Does not check the sticky error. */
static CUresult lock_named(CUcontext ctx, CUcontext *out)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (!ctx)
    ctx = cf__emu_current();
  if (!ctx || !cf__emu_ctx_usable(ctx)) {
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  *out = ctx;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetDevice(CUdevice *device)
{
  CUcontext ctx;
  CUresult r = lock_named(NULL, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!device)
    return CUDA_ERROR_INVALID_VALUE;
  *device = 0;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetDevice_v2(CUdevice *device,
                                                 CUcontext ctx)
{
  CUresult r = lock_named(ctx, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!device)
    return CUDA_ERROR_INVALID_VALUE;
  *device = 0;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetFlags(unsigned int *flags)
{
  CUcontext ctx;
  CUresult r = lock_named(NULL, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  unsigned f = ctx->flags;
  cf__emu_unlock();
  if (!flags)
    return CUDA_ERROR_INVALID_VALUE;
  *flags = f;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetApiVersion(CUcontext ctx,
                                                  unsigned int *version)
{
  CUresult r = lock_named(ctx, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!version)
    return CUDA_ERROR_INVALID_VALUE;
  /* The driver answers with the API generation the context was made by;
   * every context since the _v2 API reports 3020. */
  *version = 3020;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxSynchronize(void)
{
  CUcontext ctx;
  CUresult r;

  /* From a stream callback, which may not wait for stream work. */
  if (cf__emu_in_worker())
    return CUDA_ERROR_NOT_PERMITTED;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  r = cf__emu_ctx_wait(ctx);
  if (r == CUDA_SUCCESS)
    r = cf__emu_ctx_usable(ctx) ? cf__emu_ctx_async_error(ctx)
                                : CUDA_ERROR_INVALID_CONTEXT;
  cf__emu_unlock();
  return r;
}

/* CUDA 13's form naming the context; NULL means the current one. */
CF_EMU_EXPORT CUresult CUDAAPI cuCtxSynchronize_v2(CUcontext ctx)
{
  CUresult r;

  if (!ctx)
    return cuCtxSynchronize();
  if (cf__emu_in_worker())
    return CUDA_ERROR_NOT_PERMITTED;
  if ((r = cf__emu_lock_handle(ctx, CF_EMU_KIND_CTX)) != CUDA_SUCCESS)
    return r == CUDA_ERROR_INVALID_HANDLE ? CUDA_ERROR_INVALID_CONTEXT : r;
  r = cf__emu_ctx_wait(ctx);
  if (r == CUDA_SUCCESS)
    r = cf__emu_ctx_usable(ctx) ? cf__emu_ctx_async_error(ctx)
                                : CUDA_ERROR_INVALID_CONTEXT;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxSetLimit(CUlimit limit, size_t value)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if ((unsigned)limit >= CF_EMU_NLIMITS)
    r = CUDA_ERROR_INVALID_VALUE;
  else if (limit == CU_LIMIT_CIG_ENABLED ||
           limit == CU_LIMIT_CIG_SHMEM_FALLBACK_ENABLED)
    r = CUDA_ERROR_UNSUPPORTED_LIMIT;
  else if (limit == CU_LIMIT_MAX_L2_FETCH_GRANULARITY && value > 128)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    ctx->limits[limit] = value;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetLimit(size_t *pvalue, CUlimit limit)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!pvalue || (unsigned)limit >= CF_EMU_NLIMITS)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *pvalue = ctx->limits[limit];
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetStreamPriorityRange(int *leastPriority,
                                                           int *greatestPriority)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (leastPriority)
    *leastPriority = 0;
  if (greatestPriority)
    *greatestPriority = -5;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetCacheConfig(CUfunc_cache *pconfig)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!pconfig)
    return CUDA_ERROR_INVALID_VALUE;
  *pconfig = CU_FUNC_CACHE_PREFER_NONE;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxSetCacheConfig(CUfunc_cache config)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  return (unsigned)config > CU_FUNC_CACHE_PREFER_EQUAL
             ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

/* Flags of the current context, checked as cuDevicePrimaryCtxSetFlags
 * checks them; on the primary context they are its flags from then on. */
CF_EMU_EXPORT CUresult CUDAAPI cuCtxSetFlags(unsigned int flags)
{
  CUcontext ctx;
  CUresult r = lock_named(NULL, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!flags_ok(flags))
    r = CUDA_ERROR_INVALID_VALUE;
  else {
    ctx->flags = flags;
    if (ctx->is_primary)
      cf__emu_g.primary_flags = flags;
  }
  cf__emu_unlock();
  return r;
}

/* ctx NULL: the current context. */
CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetId(CUcontext ctx,
                                          unsigned long long *ctxId)
{
  CUresult r = lock_named(ctx, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!ctxId)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    r = ctx_id_get(ctx, ctxId);
  cf__emu_unlock();
  return r;
}

/* The emulator has no L2 cache to keep lines in: nothing to reset. */
CF_EMU_EXPORT CUresult CUDAAPI cuCtxResetPersistingL2Cache(void)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  return CUDA_SUCCESS;
}

/* Shared memory bank size: deprecated since CUDA 12.4; devices since Volta
 * have four-byte banks, report them and accept (and ignore) any valid
 * setting, as NVIDIA's driver does. */
CF_EMU_EXPORT CUresult CUDAAPI cuCtxGetSharedMemConfig(CUsharedconfig *pConfig)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!pConfig)
    return CUDA_ERROR_INVALID_VALUE;
  *pConfig = CU_SHARED_MEM_CONFIG_FOUR_BYTE_BANK_SIZE;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuCtxSetSharedMemConfig(CUsharedconfig config)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  return (unsigned)config > CU_SHARED_MEM_CONFIG_EIGHT_BYTE_BANK_SIZE
             ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

/* ---- Primary context ---------------------------------------------------- */

CF_EMU_EXPORT CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *pctx,
                                                        CUdevice dev)
{
  CUresult r = cf__emu_lock_init();
  if (pctx)
    *pctx = NULL;
  if (r != CUDA_SUCCESS)
    return r;
  if (dev != 0)
    r = CUDA_ERROR_INVALID_DEVICE;
  else if (!pctx)
    r = CUDA_ERROR_INVALID_VALUE;
  else {
    if (cf__emu_g.primary_refs++ == 0)
      cf__emu_g.primary->flags = cf__emu_g.primary_flags;
    *pctx = cf__emu_g.primary;
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice dev)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (dev != 0)
    r = CUDA_ERROR_INVALID_DEVICE;
  else if (cf__emu_g.primary_refs == 0)
    r = CUDA_ERROR_INVALID_CONTEXT;
  else if (cf__emu_g.primary_refs == 1) {
    /* A retain may slip in while ctx_clear waits; the count stays right
     * because it is only decremented afterwards. */
    if ((r = clear_result(cf__emu_ctx_clear(cf__emu_g.primary))) ==
        CUDA_SUCCESS)
      cf__emu_g.primary_refs--;
  } else {
    cf__emu_g.primary_refs--;
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDevicePrimaryCtxSetFlags(CUdevice dev,
                                                          unsigned int flags)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (dev != 0)
    r = CUDA_ERROR_INVALID_DEVICE;
  else if (!flags_ok(flags))
    r = CUDA_ERROR_INVALID_VALUE;
  else {
    cf__emu_g.primary_flags = flags;
    cf__emu_g.primary->flags = flags;
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDevicePrimaryCtxGetState(CUdevice dev,
                                                          unsigned int *flags,
                                                          int *active)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (dev != 0)
    r = CUDA_ERROR_INVALID_DEVICE;
  else if (!flags || !active)
    r = CUDA_ERROR_INVALID_VALUE;
  else {
    *flags = cf__emu_g.primary_flags;
    *active = cf__emu_g.primary_refs > 0;
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDevicePrimaryCtxReset(CUdevice dev)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (dev != 0)
    r = CUDA_ERROR_INVALID_DEVICE;
  else if ((r = clear_result(cf__emu_ctx_clear(cf__emu_g.primary))) ==
           CUDA_SUCCESS) {
    cf__emu_g.primary_flags = 0;
    cf__emu_g.primary->flags = 0;
  }
  cf__emu_unlock();
  return r;
}
