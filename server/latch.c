/* Latched asynchronous errors. A call the client sent without waiting for
 * its reply (an `async` row: launches, async copies and memsets, event
 * records, stream waits) has no one to tell when it fails, so its error is
 * kept here for the context that was current, and the next synchronising
 * call of that context (a `syncs` row: cuCtxSynchronize,
 * cuStreamSynchronize, cuEventSynchronize/Query, cuStreamQuery, a
 * synchronous copy) returns it in place of its own success, as CUDA itself
 * reports an asynchronous error at the next synchronisation. The first
 * error of a context is kept until it is reported; later ones are dropped
 * (the first is the cause; a sticky error repeats itself anyway).
 *
 * A handful of contexts at a time is plenty (a session rarely has more than
 * one with an error pending); when the table is full the oldest entry goes,
 * with a warning. A destroyed context's entry is dropped, so a new context
 * at the same address never inherits it. Worker thread only. */
#include "internal.h"

#include <inttypes.h>
#include <string.h>

#include "cf_log.h"

void cf__latch_set(struct cf_worker *w, void *ctx, CUresult r)
{
  size_t n = sizeof w->latched / sizeof w->latched[0];

  if (r == CUDA_SUCCESS)
    return;
  for (size_t i = 0; i < w->n_latched; i++)
    if (w->latched[i].ctx == ctx)
      return; /* the first error stands */
  if (w->n_latched == n) {
    cf_warn("session %" PRIu64 ": more than %zu contexts with an asynchronous error "
            "pending; dropping the oldest (%d)", w->session_id, n, (int)w->latched[0].err);
    memmove(&w->latched[0], &w->latched[1], (n - 1) * sizeof w->latched[0]);
    w->n_latched--;
  }
  w->latched[w->n_latched].ctx = ctx;
  w->latched[w->n_latched].err = r;
  w->n_latched++;
}

CUresult cf__latch_take(struct cf_worker *w, void *ctx)
{
  for (size_t i = 0; i < w->n_latched; i++)
    if (w->latched[i].ctx == ctx) {
      CUresult r = w->latched[i].err;

      w->latched[i] = w->latched[--w->n_latched];
      return r;
    }
  return CUDA_SUCCESS;
}

void cf__latch_context_gone(struct cf_worker *w, void *ctx)
{
  (void)cf__latch_take(w, ctx);
}
