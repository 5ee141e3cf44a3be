/* Streams and events. Work runs synchronously in issue order on the calling
 * thread, so a stream is only ever "busy" while a kernel launch runs with
 * the global lock dropped (launch.c); everything issued after it on that
 * stream waits on cf__emu_g.cond first. The NULL stream (also
 * CU_STREAM_LEGACY and CU_STREAM_PER_THREAD) waits for every launch of its
 * context, and blocking streams wait for launches on the NULL stream, which
 * is the legacy default stream's rule.
 *
 * Events record CLOCK_MONOTONIC when they are reached in stream order, so
 * cuEventElapsedTime measures real time. All under the global lock. */
#include "internal.h"

#include <stdlib.h>

#include "cf_error.h"

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

static int stream_idle(CUcontext ctx, CUstream s)
{
  if (!s)
    return ctx->inflight == 0;
  return s->busy == 0 &&
         ((s->flags & CU_STREAM_NON_BLOCKING) || ctx->null_busy == 0);
}

CUresult cf__emu_stream_wait(CUcontext ctx, CUstream s)
{
  while (!stream_idle(ctx, s)) {
    pthread_cond_wait(&cf__emu_g.cond, &cf__emu_g.lock);
    if (!cf__emu_ctx_usable(ctx))
      return CUDA_ERROR_INVALID_CONTEXT;
    if (s && !cf__emu_handle_live(s, CF_EMU_KIND_STREAM))
      return CUDA_ERROR_INVALID_HANDLE;
  }
  return CUDA_SUCCESS;
}

CUresult cf__emu_ctx_wait(CUcontext ctx)
{
  return cf__emu_stream_wait(ctx, NULL);
}

void cf__emu_stream_free(CUstream s)
{
  cf__emu_list_del(&s->link);
  cf__emu_handle_del(s);
  free(s);
}

void cf__emu_event_free(CUevent e)
{
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
  /* Work already issued completes first, as with the driver. */
  r = cf__emu_stream_wait(hStream->ctx, hStream);
  if (r == CUDA_SUCCESS)
    cf__emu_stream_free(hStream);
  cf__emu_unlock();
  return r;
}

/* The stream's context for a query: the stream's own, or the current one
 * for the default streams. Lock held on success. */
static CUresult lock_any_stream(CUstream hStream, CUcontext *ctx, CUstream *s)
{
  CUresult r = cf__emu_lock_ctx(ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_stream_resolve(*ctx, hStream, s)) != CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamSynchronize(CUstream hStream)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = lock_any_stream(hStream, &ctx, &s);
  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_stream_wait(ctx, s);
  if (r == CUDA_SUCCESS)
    r = ctx->sticky;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamQuery(CUstream hStream)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = lock_any_stream(hStream, &ctx, &s);
  if (r != CUDA_SUCCESS)
    return r;
  r = stream_idle(ctx, s) ? ctx->sticky : CUDA_ERROR_NOT_READY;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamWaitEvent(CUstream hStream,
                                                 CUevent hEvent,
                                                 unsigned int Flags)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = lock_any_stream(hStream, &ctx, &s);
  if (r != CUDA_SUCCESS)
    return r;
  /* Events complete when recorded (recording waits for the work before
   * it), so there is never anything left to wait for. */
  if (!cf__emu_handle_live(hEvent, CF_EMU_KIND_EVENT))
    r = CUDA_ERROR_INVALID_HANDLE;
  else if (Flags & ~(unsigned)CU_EVENT_WAIT_EXTERNAL)
    r = CUDA_ERROR_INVALID_VALUE;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetPriority(CUstream hStream,
                                                   int *priority)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = lock_any_stream(hStream, &ctx, &s);
  if (r != CUDA_SUCCESS)
    return r;
  if (!priority)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *priority = s ? s->priority : 0;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetFlags(CUstream hStream,
                                                unsigned int *flags)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = lock_any_stream(hStream, &ctx, &s);
  if (r != CUDA_SUCCESS)
    return r;
  if (!flags)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *flags = s ? s->flags : 0;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetCtx(CUstream hStream,
                                              CUcontext *pctx)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = lock_any_stream(hStream, &ctx, &s);
  if (r != CUDA_SUCCESS)
    return r;
  if (!pctx)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *pctx = ctx;
  cf__emu_unlock();
  return r;
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

static CUresult event_record(CUevent hEvent, CUstream hStream)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = lock_any_stream(hStream, &ctx, &s);
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(hEvent, CF_EMU_KIND_EVENT) || hEvent->ctx != ctx) {
    r = CUDA_ERROR_INVALID_HANDLE;
    goto out;
  }
  if ((r = cf__emu_stream_wait(ctx, s)) != CUDA_SUCCESS)
    goto out;
  if (!cf__emu_handle_live(hEvent, CF_EMU_KIND_EVENT)) {
    r = CUDA_ERROR_INVALID_HANDLE;
    goto out;
  }
  clock_gettime(CLOCK_MONOTONIC, &hEvent->when);
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

CF_EMU_EXPORT CUresult CUDAAPI cuEventQuery(CUevent hEvent)
{
  CUresult r = cf__emu_lock_handle(hEvent, CF_EMU_KIND_EVENT);
  if (r != CUDA_SUCCESS)
    return r;
  /* Recorded events are complete; a never-recorded one reports success,
   * like the driver. */
  cf__emu_unlock();
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuEventSynchronize(CUevent hEvent)
{
  CUresult r = cf__emu_lock_handle(hEvent, CF_EMU_KIND_EVENT);
  if (r != CUDA_SUCCESS)
    return r;
  r = hEvent->ctx->sticky;
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
  cf__emu_event_free(hEvent);
  cf__emu_unlock();
  return CUDA_SUCCESS;
}
