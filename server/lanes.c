/* Per-lane CUDA context stacks. CUDA keeps a stack of current contexts per
 * thread; a client has one lane per calling thread, but the worker serves
 * every lane on its one thread. So when a call arrives on a different lane
 * than the previous one, the worker pops the driver's whole stack into the
 * old lane's record and pushes the new lane's record back (bottom first).
 * Saving only the top with cuCtxGetCurrent/cuCtxSetCurrent would be wrong
 * once a lane has pushed: cuCtxSetCurrent(NULL) pops, and the next lane
 * would see the old lane's lower contexts. Drivers without push/pop fall
 * back to get/set of the top. When lanes get threads of their own (DESIGN.md)
 * the driver keeps the stacks itself and this file goes away.
 *
 * Per-thread default streams: the driver would give every lane the worker
 * thread's one per-thread stream, so one client thread's work would hold up
 * another's queries and synchronisations. Instead each lane gets, per
 * context, a stream of its own made on first use with the flags CUDA gives a
 * per-thread default stream (blocking: it synchronises with the legacy
 * stream). It is registered in the handle table under its context, so
 * destroying the context forgets it; the lane keeps only its id.
 *
 * Lanes live until the session ends; the table is an open-addressing hash on
 * the lane id, capped at CF_LANES_MAX. Worker thread only. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"

#define LANE_STREAMS 4 /* contexts a lane keeps a default stream for */

struct lane {
  uint32_t id;
  uint32_t used;
  uint32_t depth;
  CUcontext stack[CF_LANE_STACK_MAX]; /* stack[0] is the bottom */
  struct {
    uint64_t ctx_id, stream_id;       /* handle ids; 0 when unused */
  } streams[LANE_STREAMS];
  uint32_t next_stream;               /* slot replaced when all are used */
};

struct cf_lanes {
  const struct cf_driver *drv;
  struct lane *slots;     /* open addressing, nslots a power of two */
  size_t nslots;
  size_t count;
  struct lane *cur;       /* the lane whose stack is in the driver; NULL
                             before the first call */
};

int cf__lanes_new(const struct cf_driver *drv, struct cf_lanes **out)
{
  struct cf_lanes *l = calloc(1, sizeof *l);

  *out = NULL;
  if (!l)
    return CF_ENOMEM;
  l->drv = drv;
  l->nslots = 16;
  l->slots = calloc(l->nslots, sizeof *l->slots);
  if (!l->slots) {
    free(l);
    return CF_ENOMEM;
  }
  *out = l;
  return 0;
}

void cf__lanes_free(struct cf_lanes *l)
{
  if (!l)
    return;
  free(l->slots);
  free(l);
}

static size_t lane_hash(uint32_t id)
{
  return (size_t)((uint64_t)id * 0x9e3779b97f4a7c15ULL >> 32);
}

static struct lane *probe(struct lane *slots, size_t nslots, uint32_t id)
{
  size_t i = lane_hash(id) & (nslots - 1);

  while (slots[i].used && slots[i].id != id)
    i = (i + 1) & (nslots - 1);
  return &slots[i];
}

/* Grow at 50% load. Returns 0 or CF_ENOMEM; l->cur is re-pointed. */
static int grow(struct cf_lanes *l)
{
  size_t n = l->nslots * 2;
  struct lane *s = calloc(n, sizeof *s), *cur = NULL;

  if (!s)
    return CF_ENOMEM;
  for (size_t i = 0; i < l->nslots; i++) {
    struct lane *dst;

    if (!l->slots[i].used)
      continue;
    dst = probe(s, n, l->slots[i].id);
    *dst = l->slots[i];
    if (&l->slots[i] == l->cur)
      cur = dst;
  }
  free(l->slots);
  l->slots = s;
  l->nslots = n;
  l->cur = cur;
  return 0;
}

static struct lane *get_lane(struct cf_lanes *l, uint32_t id)
{
  struct lane *ln = probe(l->slots, l->nslots, id);

  if (ln->used)
    return ln;
  if (l->count >= CF_LANES_MAX)
    return NULL;
  if ((l->count + 1) * 2 > l->nslots) {
    if (grow(l) != 0)
      return NULL;
    ln = probe(l->slots, l->nslots, id);
  }
  memset(ln, 0, sizeof *ln);
  ln->used = 1;
  ln->id = id;
  l->count++;
  return ln;
}

static int have_stack_ops(const struct cf_driver *d)
{
  return d->cuCtxPopCurrent_v2 && d->cuCtxPushCurrent_v2;
}

/* Move the driver's stack into ln (which is then the top-first reverse). */
static void save(const struct cf_driver *d, struct lane *ln)
{
  CUcontext popped[CF_LANE_STACK_MAX];
  uint32_t n = 0;

  ln->depth = 0;
  if (!have_stack_ops(d)) {
    CUcontext top = NULL;

    if (d->cuCtxGetCurrent && d->cuCtxGetCurrent(&top) == CUDA_SUCCESS && top) {
      ln->stack[0] = top;
      ln->depth = 1;
    }
    if (d->cuCtxSetCurrent)
      d->cuCtxSetCurrent(NULL);
    return;
  }
  while (n < CF_LANE_STACK_MAX) {
    CUcontext c = NULL;

    if (d->cuCtxPopCurrent_v2(&c) != CUDA_SUCCESS || !c)
      break;
    popped[n++] = c;
  }
  if (n == CF_LANE_STACK_MAX)
    cf_warn("lane %u has more than %d contexts pushed; the deeper ones stay "
            "shared between lanes", ln->id, CF_LANE_STACK_MAX);
  for (uint32_t i = 0; i < n; i++)
    ln->stack[i] = popped[n - 1 - i];
  ln->depth = n;
}

static void restore(const struct cf_driver *d, const struct lane *ln)
{
  if (!have_stack_ops(d)) {
    if (d->cuCtxSetCurrent && ln->depth)
      d->cuCtxSetCurrent(ln->stack[ln->depth - 1]);
    return;
  }
  for (uint32_t i = 0; i < ln->depth; i++)
    d->cuCtxPushCurrent_v2(ln->stack[i]);
}

size_t cf__lanes_count(const struct cf_lanes *l)
{
  return l ? l->count : 0;
}

int cf__lanes_switch(struct cf_lanes *l, uint32_t lane)
{
  struct lane *ln;

  if (l->cur && l->cur->id == lane)
    return 0;
  ln = get_lane(l, lane); /* may move l->cur (grow re-points it) */
  if (!ln)
    return CF_ETOOBIG;
  if (l->cur)
    save(l->drv, l->cur);
  restore(l->drv, ln);
  ln->depth = 0; /* the stack now lives in the driver */
  l->cur = ln;
  return 0;
}

void cf__lanes_context_gone(struct cf_lanes *l, void *ctx)
{
  for (size_t i = 0; i < l->nslots; i++) {
    struct lane *ln = &l->slots[i];
    uint32_t k = 0;

    if (!ln->used || ln == l->cur)
      continue;
    for (uint32_t j = 0; j < ln->depth; j++)
      if (ln->stack[j] != (CUcontext)ctx)
        ln->stack[k++] = ln->stack[j];
    ln->depth = k;
  }
}

/* 1 when slot i of ln holds a stream the table still knows. */
static int slot_live(struct cf_call *c, const struct lane *ln, uint32_t i)
{
  void *real;
  return ln->streams[i].stream_id &&
         cf__handle_lookup(c, ln->streams[i].stream_id, CF_HK_STREAM, &real) == CUDA_SUCCESS;
}

/* A slot for a new stream: a free one, or one whose context is gone, or
 * else the next in turn, whose stream is drained and destroyed first so
 * that neither its work's order nor the stream itself is lost. */
static uint32_t free_slot(struct cf_call *c, struct lane *ln)
{
  const struct cf_driver *d = c->drv;
  uint32_t i;
  void *real;

  for (i = 0; i < LANE_STREAMS; i++)
    if (!slot_live(c, ln, i))
      return i;
  i = ln->next_stream;
  ln->next_stream = (i + 1) % LANE_STREAMS;
  if (cf__handle_lookup(c, ln->streams[i].stream_id, CF_HK_STREAM, &real) == CUDA_SUCCESS) {
    if (d->cuStreamSynchronize)
      d->cuStreamSynchronize((CUstream)real);
    if (d->cuStreamDestroy_v2 && d->cuStreamDestroy_v2((CUstream)real) == CUDA_SUCCESS)
      cf__handle_forget(c, ln->streams[i].stream_id);
  }
  return i;
}

/* The lane's stream for ctx_id, made and registered when it has none (or
 * its context forgot it). Returns the handle id, or 0. */
static uint64_t lane_stream(struct cf_call *c, struct lane *ln, uint64_t ctx_id)
{
  const struct cf_driver *d = c->drv;
  CUstream s = NULL;
  uint32_t slot;
  uint64_t id;

  for (uint32_t i = 0; i < LANE_STREAMS; i++)
    if (ln->streams[i].ctx_id == ctx_id && slot_live(c, ln, i))
      return ln->streams[i].stream_id;
  slot = free_slot(c, ln);
  if (!d->cuStreamCreate || d->cuStreamCreate(&s, CU_STREAM_DEFAULT) != CUDA_SUCCESS)
    return 0;
  if (!(id = cf__handle_register_new(c, CF_HK_STREAM, s, ctx_id))) {
    if (d->cuStreamDestroy_v2)
      d->cuStreamDestroy_v2(s);
    return 0;
  }
  ln->streams[slot].ctx_id = ctx_id;
  ln->streams[slot].stream_id = id;
  return id;
}

CUresult cf__lanes_per_thread_stream(struct cf_call *c, void **real)
{
  struct cf_lanes *l = c->w->lanes;
  CUcontext ctx = NULL;
  uint64_t ctx_id = 0, id;

  *real = (void *)CU_STREAM_PER_THREAD;
  if (!l->cur || !c->drv->cuCtxGetCurrent ||
      c->drv->cuCtxGetCurrent(&ctx) != CUDA_SUCCESS || !ctx ||
      !(ctx_id = cf__handles_find(c->w->handles, CF_HK_CONTEXT, ctx)))
    return CUDA_SUCCESS; /* the driver answers for a context we do not hold */
  if (!(id = lane_stream(c, l->cur, ctx_id)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  return cf__handle_lookup(c, id, CF_HK_STREAM, real);
}
