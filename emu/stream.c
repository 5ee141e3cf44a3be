/* Streams and events over the queues of queue.c, and host functions.
 *
 * A stream handle owns one queue; its work runs there asynchronously and in
 * order. Destroying a stream with work pending returns at once: the queue
 * finishes the work and then goes away. The legacy default stream (NULL,
 * CU_STREAM_LEGACY) and per-thread default streams (CU_STREAM_PER_THREAD)
 * have queues that belong to the context; queue.c adds the legacy stream's
 * implicit synchronisation with blocking streams.
 *
 * An event record is an operation in the stream: when the executor reaches
 * it, it stores CLOCK_MONOTONIC in the event, so cuEventElapsedTime measures
 * real time between stream positions. The event remembers the last record
 * call (queue, point, generation); an older record that completes later
 * does not touch it. cuStreamWaitEvent queues an empty operation that
 * depends on the event's point.
 *
 * Host functions (cuLaunchHostFunc, cuStreamAddCallback) run on the stream's
 * executor thread; there, calls that wait for stream work answer
 * CUDA_ERROR_NOT_PERMITTED instead of deadlocking. All under the global
 * lock except the operations' run functions. */
#include "internal.h"

#include <stdlib.h>

#include "cf_error.h"

/* cuStreamGetId: 1 is the legacy default stream, 2 the per-thread one (the
 * same id for every thread's), created streams count on from there. */
#define CF_EMU_DEFAULT_STREAM_IDS 2ull

CUresult cf__emu_stream_resolve(CUcontext ctx, CUstream s, CUstream *out)
{
  *out = NULL;
  if (s == NULL || s == CU_STREAM_LEGACY || s == CU_STREAM_PER_THREAD)
    return CUDA_SUCCESS;
  if (!cf__emu_handle_live(s, CF_EMU_KIND_STREAM) || s->ctx != ctx)
    return CUDA_ERROR_INVALID_HANDLE;
  *out = s;
  return CUDA_SUCCESS;
}

void cf__emu_stream_free(CUstream s)
{
  cf__emu_queue_retire(s->q);
  cf__emu_list_del(&s->link);
  cf__emu_handle_del(s);
  free(s);
}

void cf__emu_event_free(CUevent e)
{
  if (e->q)
    cf__emu_queue_put(e->q);
  cf__emu_list_del(&e->link);
  cf__emu_handle_del(e);
  free(e);
}

/* ---- Streams ------------------------------------------------------------ */

static CUresult stream_create(CUstream *phStream, unsigned flags, int prio)
{
  CUcontext ctx;
  CUresult r;
  CUstream s;

  if (phStream)
    *phStream = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!phStream || (flags & ~(unsigned)CU_STREAM_NON_BLOCKING)) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (!(s = calloc(1, sizeof *s)) ||
      cf__emu_handle_add(s, CF_EMU_KIND_STREAM) != 0) {
    free(s);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  if ((r = cf__emu_queue_create(ctx, (flags & CU_STREAM_NON_BLOCKING)
                                         ? CF_EMU_QUEUE_NON_BLOCKING
                                         : CF_EMU_QUEUE_BLOCKING,
                                &s->q)) != CUDA_SUCCESS) {
    cf__emu_handle_del(s);
    free(s);
    goto out;
  }
  /* Priorities outside [greatest -5, least 0] are clamped, as documented. */
  s->priority = prio > 0 ? 0 : prio < -5 ? -5 : prio;
  s->ctx = ctx;
  s->flags = flags;
  s->id = ++cf__emu_g.next_stream_id;
  cf__emu_list_add(&ctx->streams, &s->link);
  *phStream = s;
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamCreate(CUstream *phStream,
                                              unsigned int Flags)
{
  return stream_create(phStream, Flags, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamCreateWithPriority(CUstream *phStream,
                                                          unsigned int flags,
                                                          int priority)
{
  return stream_create(phStream, flags, priority);
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamDestroy(CUstream hStream)
{
  CUresult r = cf__emu_lock_handle(hStream, CF_EMU_KIND_STREAM);
  if (r != CUDA_SUCCESS)
    return r;
  /* Returns at once; work already issued completes first (queue.c). */
  cf__emu_stream_free(hStream);
  cf__emu_unlock();
  return CUDA_SUCCESS;
}

/* The context and queue of a stream argument: the stream's own, or the
 * current context's default streams. Lock held on success. */
static CUresult lock_queue(CUstream hStream, CUcontext *ctx,
                           struct cf_emu_queue **q)
{
  CUresult r = cf__emu_lock_ctx(ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_queue_of(*ctx, hStream, q)) != CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamSynchronize(CUstream hStream)
{
  CUcontext ctx;
  struct cf_emu_queue *q;
  CUresult r;

  /* From a stream callback (which has no current context either). */
  if (cf__emu_in_worker())
    return CUDA_ERROR_NOT_PERMITTED;
  if ((r = lock_queue(hStream, &ctx, &q)) != CUDA_SUCCESS)
    return r;
  r = cf__emu_queue_sync(q);
  if (r == CUDA_SUCCESS)
    r = cf__emu_ctx_usable(ctx) ? cf__emu_ctx_async_error(ctx)
                                : CUDA_ERROR_INVALID_CONTEXT;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamQuery(CUstream hStream)
{
  CUcontext ctx;
  struct cf_emu_queue *q;
  CUresult r = lock_queue(hStream, &ctx, &q);
  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_queue_idle(q) ? ctx->sticky : CUDA_ERROR_NOT_READY;
  cf__emu_unlock();
  return r;
}

/* cuStreamWaitEvent's operation: nothing to do once its dependency holds. */
static CUresult run_nothing(struct cf_emu_op *op, CUresult status)
{
  (void)op;
  (void)status;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamWaitEvent(CUstream hStream,
                                                 CUevent hEvent,
                                                 unsigned int Flags)
{
  CUcontext ctx;
  struct cf_emu_queue *q;
  struct cf_emu_op *op;
  CUresult r = lock_queue(hStream, &ctx, &q);
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(hEvent, CF_EMU_KIND_EVENT)) {
    r = CUDA_ERROR_INVALID_HANDLE;
    goto out;
  }
  if (Flags & ~(unsigned)CU_EVENT_WAIT_EXTERNAL) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  /* Never recorded, already complete, or earlier in this very stream:
   * nothing to wait for. Events of other contexts are allowed. */
  if (!hEvent->q || hEvent->q == q ||
      cf__emu_queue_reached(hEvent->q, hEvent->seq))
    goto out;
  if (!(op = calloc(1, sizeof *op))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  op->run = run_nothing;
  if ((r = cf__emu_op_depend(op, hEvent->q, hEvent->seq)) != CUDA_SUCCESS) {
    free(op);
    goto out;
  }
  r = cf__emu_queue_submit(q, op);
out:
  cf__emu_unlock();
  return r;
}

CUresult cf__emu_stream_query(CUstream hStream, const void *out, CUcontext *ctx,
                              CUstream *s)
{
  CUresult r = cf__emu_lock_ctx(ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_stream_resolve(*ctx, hStream, s)) == CUDA_SUCCESS && !out)
    r = CUDA_ERROR_INVALID_VALUE;
  if (r != CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetPriority(CUstream hStream,
                                                   int *priority)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = cf__emu_stream_query(hStream, priority, &ctx, &s);
  if (r == CUDA_SUCCESS) {
    *priority = s ? s->priority : 0;
    cf__emu_unlock();
  }
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetFlags(CUstream hStream,
                                                unsigned int *flags)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = cf__emu_stream_query(hStream, flags, &ctx, &s);
  if (r == CUDA_SUCCESS) {
    *flags = s ? s->flags : 0;
    cf__emu_unlock();
  }
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetCtx(CUstream hStream,
                                              CUcontext *pctx)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = cf__emu_stream_query(hStream, pctx, &ctx, &s);
  if (r == CUDA_SUCCESS) {
    *pctx = ctx;
    cf__emu_unlock();
  }
  return r;
}

/* A stream's process-unique id (see CF_EMU_DEFAULT_STREAM_IDS). */
CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetId(CUstream hStream,
                                             unsigned long long *streamId)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = cf__emu_stream_query(hStream, streamId, &ctx, &s);
  if (r == CUDA_SUCCESS) {
    if (s)
      *streamId = s->id + CF_EMU_DEFAULT_STREAM_IDS;
    else
      *streamId = hStream == CU_STREAM_PER_THREAD ? 2 : 1;
    cf__emu_unlock();
  }
  return r;
}

/* ---- Host functions ------------------------------------------------------ */

struct host_op {
  struct cf_emu_op op;
  CUhostFn fn;                 /* cuLaunchHostFunc, or */
  CUstreamCallback cb;         /* cuStreamAddCallback */
  CUstream stream;             /* as the caller named it, for cb */
  void *data;
};

static CUresult run_host(struct cf_emu_op *op, CUresult status)
{
  struct host_op *h = (struct host_op *)op;
  if (h->cb)
    h->cb(h->stream, status, h->data);
  else if (status == CUDA_SUCCESS)
    h->fn(h->data);  /* a failed context's stream work does not run */
  return CUDA_SUCCESS;
}

static CUresult add_host(CUstream hStream, CUhostFn fn, CUstreamCallback cb,
                         void *data)
{
  CUcontext ctx;
  struct cf_emu_queue *q;
  struct host_op *h;
  CUresult r = lock_queue(hStream, &ctx, &q);
  if (r != CUDA_SUCCESS)
    return r;
  if (!(h = calloc(1, sizeof *h))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  h->op.run = run_host;
  h->fn = fn;
  h->cb = cb;
  h->stream = hStream;
  h->data = data;
  r = cf__emu_queue_submit(q, &h->op);
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLaunchHostFunc(CUstream hStream, CUhostFn fn,
                                                void *userData)
{
  if (!fn)
    return CUDA_ERROR_INVALID_VALUE;
  return add_host(hStream, fn, NULL, userData);
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamAddCallback(CUstream hStream,
                                                   CUstreamCallback callback,
                                                   void *userData,
                                                   unsigned int flags)
{
  if (!callback || flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  return add_host(hStream, NULL, callback, userData);
}

/* ---- Events ------------------------------------------------------------- */

CF_EMU_EXPORT CUresult CUDAAPI cuEventCreate(CUevent *phEvent,
                                             unsigned int Flags)
{
  CUcontext ctx;
  CUresult r;
  CUevent e;
  const unsigned known = CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING |
                         CU_EVENT_INTERPROCESS;

  if (phEvent)
    *phEvent = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!phEvent || (Flags & ~known) ||
      ((Flags & CU_EVENT_INTERPROCESS) && !(Flags & CU_EVENT_DISABLE_TIMING))) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (!(e = calloc(1, sizeof *e)) ||
      cf__emu_handle_add(e, CF_EMU_KIND_EVENT) != 0) {
    free(e);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  e->ctx = ctx;
  e->flags = Flags;
  cf__emu_list_add(&ctx->events, &e->link);
  *phEvent = e;
out:
  cf__emu_unlock();
  return r;
}

struct record_op {
  struct cf_emu_op op;
  CUevent e;
  uint64_t gen;
};

static uint64_t next_record_gen;

static CUresult run_record(struct cf_emu_op *op, CUresult status)
{
  struct record_op *rec = (struct record_op *)op;
  struct timespec now;

  (void)status;
  clock_gettime(CLOCK_MONOTONIC, &now);
  pthread_mutex_lock(&cf__emu_g.lock);
  /* The event may be gone or recorded again since; the generation tells
   * (it is never reused, unlike the address). */
  if (cf__emu_handle_live(rec->e, CF_EMU_KIND_EVENT) &&
      rec->e->gen == rec->gen)
    rec->e->when = now;
  pthread_mutex_unlock(&cf__emu_g.lock);
  return CUDA_SUCCESS;
}

static CUresult event_record(CUevent hEvent, CUstream hStream)
{
  CUcontext ctx;
  struct cf_emu_queue *q;
  struct record_op *rec;
  CUresult r = lock_queue(hStream, &ctx, &q);
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(hEvent, CF_EMU_KIND_EVENT) || hEvent->ctx != ctx) {
    r = CUDA_ERROR_INVALID_HANDLE;
    goto out;
  }
  if (!(rec = calloc(1, sizeof *rec))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  rec->op.run = run_record;
  rec->e = hEvent;
  rec->gen = ++next_record_gen;
  if ((r = cf__emu_queue_submit(q, &rec->op)) != CUDA_SUCCESS)
    goto out;
  if (hEvent->q)
    cf__emu_queue_put(hEvent->q);
  hEvent->q = cf__emu_queue_get(q);
  hEvent->seq = cf__emu_queue_last(q);
  hEvent->gen = rec->gen;
  hEvent->recorded = 1;
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuEventRecord(CUevent hEvent, CUstream hStream)
{
  return event_record(hEvent, hStream);
}

CF_EMU_EXPORT CUresult CUDAAPI cuEventRecordWithFlags(CUevent hEvent,
                                                      CUstream hStream,
                                                      unsigned int flags)
{
  if (flags & ~(unsigned)CU_EVENT_RECORD_EXTERNAL)
    return CUDA_ERROR_INVALID_VALUE;
  return event_record(hEvent, hStream);
}

static int event_done(CUevent e)
{
  return !e->q || cf__emu_queue_reached(e->q, e->seq);
}

CF_EMU_EXPORT CUresult CUDAAPI cuEventQuery(CUevent hEvent)
{
  CUresult r = cf__emu_lock_handle(hEvent, CF_EMU_KIND_EVENT);
  if (r != CUDA_SUCCESS)
    return r;
  /* A never-recorded event reports success, like the driver. */
  r = event_done(hEvent) ? hEvent->ctx->sticky : CUDA_ERROR_NOT_READY;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuEventSynchronize(CUevent hEvent)
{
  CUcontext ctx;
  CUresult r;

  if (cf__emu_in_worker())
    return CUDA_ERROR_NOT_PERMITTED;
  if ((r = cf__emu_lock_handle(hEvent, CF_EMU_KIND_EVENT)) != CUDA_SUCCESS)
    return r;
  ctx = hEvent->ctx;
  if (hEvent->q)
    r = cf__emu_queue_wait(hEvent->q, hEvent->seq);
  /* The wait may have outlived the event (and its context). */
  if (r == CUDA_SUCCESS)
    r = cf__emu_handle_live(ctx, CF_EMU_KIND_CTX) ? cf__emu_ctx_async_error(ctx)
                                                  : CUDA_ERROR_INVALID_CONTEXT;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuEventElapsedTime(float *pMilliseconds,
                                                  CUevent hStart,
                                                  CUevent hEnd)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (!pMilliseconds) {
    r = CUDA_ERROR_INVALID_VALUE;
  } else if (!cf__emu_handle_live(hStart, CF_EMU_KIND_EVENT) ||
             !cf__emu_handle_live(hEnd, CF_EMU_KIND_EVENT) ||
             ((hStart->flags | hEnd->flags) & CU_EVENT_DISABLE_TIMING)) {
    r = CUDA_ERROR_INVALID_HANDLE;
  } else if (!hStart->recorded || !hEnd->recorded) {
    /* The driver documents INVALID_HANDLE for an event never recorded. */
    r = CUDA_ERROR_INVALID_HANDLE;
  } else if (!event_done(hStart) || !event_done(hEnd)) {
    r = CUDA_ERROR_NOT_READY;
  } else {
    double ms = (double)(hEnd->when.tv_sec - hStart->when.tv_sec) * 1e3 +
                (double)(hEnd->when.tv_nsec - hStart->when.tv_nsec) / 1e6;
    *pMilliseconds = (float)ms;
  }
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuEventDestroy(CUevent hEvent)
{
  CUresult r = cf__emu_lock_handle(hEvent, CF_EMU_KIND_EVENT);
  if (r != CUDA_SUCCESS)
    return r;
  /* A pending record finds the event gone and does nothing. */
  cf__emu_event_free(hEvent);
  cf__emu_unlock();
  return CUDA_SUCCESS;
}
