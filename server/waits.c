/* Waits off the worker's thread. The worker serves all of a session's lanes
 * on one thread, so a lane blocked in cuStreamSynchronize would hold up
 * every other lane, where on a local GPU the other threads would go on.
 * Only the blocking wait moves; everything else stays on the worker's
 * thread: handles, quota, latch, the lanes' context stacks, device output
 * and replies.
 *
 * Before a wait call (cuStreamSynchronize, cuEventSynchronize,
 * cuCtxSynchronize, cuCtxSynchronize_v2; the _ptsz forms arrive as the plain
 * op with the per-thread stream id) runs, cf__waits_park decides whether it
 * would block: streams and events are asked (cuStreamQuery, cuEventQuery on
 * the looked-up handle) and park only on CUDA_ERROR_NOT_READY; a context
 * cannot be asked, so its sync parks once the session has more than one
 * lane. Anything odd about the request (it does not unpack, the handle is
 * unknown, the driver lacks a function) leaves the call to run inline, where
 * the handler answers as always. A parked call's frame (body and bulk) moves
 * into a slot here with the driver handle and the context current for its
 * lane; a waiter thread makes that context current on itself, calls the
 * driver's blocking sync, makes no context current again, records the
 * result and bumps an eventfd the worker's loop polls. The worker then runs
 * the frame through its normal path (serve_call in worker.c): the handler's
 * own sync finds the work done and returns at once. If another lane queued
 * more work on that stream meanwhile, that sync waits for it too, inline:
 * accepted, since it is rare and the reply is still right, only later. A
 * stream or event destroyed meanwhile by another lane makes the handler
 * answer CUDA_ERROR_INVALID_HANDLE (a race in the program on a GPU too).
 *
 * The waiter's result is kept: a sync reports and clears a non-sticky
 * asynchronous error (emu/queue.c cf__emu_ctx_async_error; the driver too),
 * so the handler's second sync would no longer see it. The worker answers
 * with it when the handler's own sync succeeds (serve_call, worker.c).
 *
 * Cost: a wait call that does not park pays one unpack and handle lookup
 * more and one cuStreamQuery/cuEventQuery (cuCtxGetCurrent for all four);
 * other calls pay a switch on the op. No system call unless a call parks.
 *
 * The driver must let one thread wait while another makes calls. CUDA
 * does; so does emu (a global lock that a waiting host thread releases in
 * pthread_cond_wait, holding a reference on the queues it waits for;
 * current contexts per thread; emu/queue.c, emu/stream.c).
 *
 * Order: a parked call counts as issued when it parked. Other calls keep
 * running on the worker's thread in arrival order; a frame that arrives on a
 * lane with a parked call waits for that call's reply (worker.c).
 *
 * Threads: at most CF_WAITS_MAX calls are parked at once (past that a call
 * runs inline), each with a waiter thread; threads are made on demand and
 * reused. The slots' wait fields, the counters and the done order are under
 * ws->lock; a slot's frame and its used flag are the worker's alone. At the
 * end of the session cf__waits_free joins the threads, but only for a
 * bounded time: a wait that never ends (a kernel that spins forever) must
 * not keep the worker from exiting, and exit releases the driver's work and
 * its threads anyway (worker.c: process exit is the clean-up guarantee). */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cf_api.pb-c.h"
#include "cf_api_ops.h"
#include "cf_error.h"
#include "cf_log.h"
#include "cf_proto.h"

/* How long the end of a session waits for waiter threads still in the
 * driver before it leaves them to process exit. */
#define JOIN_BOUND_MS 1000

enum wait_kind { W_STREAM, W_EVENT, W_CTX, W_CTX_V2 };

enum slot_state {
  S_FREE,    /* no wait (a used slot is between done and taken) */
  S_QUEUED,  /* parked, no waiter has it yet */
  S_WAITING, /* a waiter is in the driver for it */
  S_DONE     /* waited; result in waited */
};

struct job {
  enum wait_kind kind;
  void *handle;     /* the stream, event or (W_CTX_V2) context to wait for */
  CUcontext ctx;    /* made current on the waiter first; may be NULL */
};

struct slot {
  /* The worker's alone. */
  int used;
  uint32_t lane;
  struct cf_frame f;
  /* Under ws->lock. */
  enum slot_state state;
  struct job job;
  uint64_t order;   /* parked order while queued, done order once done */
  CUresult waited;
};

struct cf_waits {
  const struct cf_driver *drv;
  int efd;                          /* bumped once per finished wait */
  size_t parked;                    /* used slots; worker only */
  atomic_size_t done;               /* slots S_DONE, read without the lock */
  pthread_mutex_t lock;
  pthread_cond_t work;              /* a slot was queued, or stop */
  struct slot slots[CF_WAITS_MAX];
  pthread_t threads[CF_WAITS_MAX];
  size_t n_threads, n_busy, n_queued;
  uint64_t next_order;
  int stop;
};

/* Waits whose threads outlived the bound at the end of the session: kept
 * reachable (never freed) because those threads still use them. */
static struct cf_waits *abandoned;

int cf__waits_new(const struct cf_driver *drv, struct cf_waits **out)
{
  struct cf_waits *ws = calloc(1, sizeof *ws);

  *out = NULL;
  if (!ws)
    return CF_ENOMEM;
  ws->drv = drv;
  atomic_init(&ws->done, 0);
  ws->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ws->efd < 0) {
    free(ws);
    return CF_EIO;
  }
  if (pthread_mutex_init(&ws->lock, NULL) != 0) {
    close(ws->efd);
    free(ws);
    return CF_ENOMEM;
  }
  if (pthread_cond_init(&ws->work, NULL) != 0) {
    pthread_mutex_destroy(&ws->lock);
    close(ws->efd);
    free(ws);
    return CF_ENOMEM;
  }
  *out = ws;
  return 0;
}

/* The slot in state st with the lowest order, or NULL. Lock held. */
static struct slot *oldest(struct cf_waits *ws, enum slot_state st)
{
  struct slot *best = NULL;

  for (size_t i = 0; i < CF_WAITS_MAX; i++) {
    struct slot *s = &ws->slots[i];

    if (s->state == st && (!best || s->order < best->order))
      best = s;
  }
  return best;
}

/* The driver's blocking wait for j on this thread. */
static CUresult run_wait(const struct cf_driver *d, const struct job *j)
{
  CUresult r;

  if (d->cuCtxSetCurrent(j->ctx) != CUDA_SUCCESS)
    return CUDA_SUCCESS; /* nothing waited: the handler finds out itself */
  switch (j->kind) {
  case W_STREAM:
    r = d->cuStreamSynchronize((CUstream)j->handle);
    break;
  case W_EVENT:
    r = d->cuEventSynchronize((CUevent)j->handle);
    break;
  case W_CTX:
    r = d->cuCtxSynchronize();
    break;
  default:
    r = d->cuCtxSynchronize_v2((CUcontext)j->handle);
    break;
  }
  /* Hold no context between waits: one another lane destroys must not stay
   * current here. */
  d->cuCtxSetCurrent(NULL);
  return r;
}

static void *waiter(void *arg)
{
  struct cf_waits *ws = arg;
  const uint64_t one = 1;

  pthread_mutex_lock(&ws->lock);
  for (;;) {
    struct slot *s = NULL;
    struct job j;
    CUresult r;

    while (!ws->stop && !(s = oldest(ws, S_QUEUED)))
      pthread_cond_wait(&ws->work, &ws->lock);
    if (ws->stop)
      break;
    s->state = S_WAITING;
    ws->n_queued--;
    ws->n_busy++;
    j = s->job;
    pthread_mutex_unlock(&ws->lock);

    r = run_wait(ws->drv, &j);

    pthread_mutex_lock(&ws->lock);
    s->waited = r;
    s->order = ws->next_order++;
    s->state = S_DONE;
    ws->n_busy--;
    atomic_fetch_add(&ws->done, 1);
    pthread_mutex_unlock(&ws->lock);
    /* Cannot fail short of a counter overflow (2^64 - 1 wakes). */
    if (write(ws->efd, &one, sizeof one) < 0)
      cf_debug("eventfd: %s", strerror(errno));
    pthread_mutex_lock(&ws->lock);
  }
  pthread_mutex_unlock(&ws->lock);
  return NULL;
}

/* Hand f to a waiter as job j. Returns 1 (f is taken and cleared), or 0
 * when no waiter thread can be had (f untouched; run it inline). */
static int enqueue(struct cf_waits *ws, struct cf_frame *f, const struct job *j)
{
  struct slot *s = NULL;

  for (size_t i = 0; i < CF_WAITS_MAX && !s; i++)
    if (!ws->slots[i].used)
      s = &ws->slots[i];
  if (!s)
    return 0;
  pthread_mutex_lock(&ws->lock);
  /* One thread per wait not yet finished: make one when every thread is
   * busy or already promised to a queued wait. With at most CF_WAITS_MAX
   * parked, there are never more threads than that. */
  if (ws->n_threads - ws->n_busy - ws->n_queued == 0) {
    if (ws->n_threads == CF_WAITS_MAX ||
        pthread_create(&ws->threads[ws->n_threads], NULL, waiter, ws) != 0) {
      pthread_mutex_unlock(&ws->lock);
      return 0;
    }
    ws->n_threads++;
  }
  s->used = 1;
  s->lane = f->h.lane;
  s->f = *f;
  s->job = *j;
  s->state = S_QUEUED;
  s->order = ws->next_order++;
  s->waited = CUDA_SUCCESS;
  ws->n_queued++;
  ws->parked++;
  pthread_cond_signal(&ws->work);
  pthread_mutex_unlock(&ws->lock);
  memset(f, 0, sizeof *f);
  return 1;
}

/* Fill j for a stream or event wait that would block now. 1 to park. */
static int would_block(struct cf_call *c, const struct cf_frame *f, struct job *j)
{
  const struct cf_driver *d = c->drv;
  void *real = NULL;
  uint64_t id;
  CUresult r;

  if (f->h.op == CF_OP_cuStreamSynchronize) {
    CuStreamSynchronizeReq *req;

    if (!d->cuStreamQuery || !d->cuStreamSynchronize ||
        !(req = cu_stream_synchronize_req__unpack(cf_proto_allocator(), f->h.body_len,
                                                  f->body)))
      return 0;
    id = req->hstream;
    cu_stream_synchronize_req__free_unpacked(req, cf_proto_allocator());
    /* The driver's per-thread stream (a context the session does not hold)
     * is the calling thread's: a waiter would wait for its own. */
    if (cf__handle_lookup(c, id, CF_HK_STREAM, &real) != CUDA_SUCCESS ||
        real == (void *)CU_STREAM_PER_THREAD)
      return 0;
    r = d->cuStreamQuery((CUstream)real);
    j->kind = W_STREAM;
  } else {
    CuEventSynchronizeReq *req;

    if (!d->cuEventQuery || !d->cuEventSynchronize ||
        !(req = cu_event_synchronize_req__unpack(cf_proto_allocator(), f->h.body_len,
                                                 f->body)))
      return 0;
    id = req->hevent;
    cu_event_synchronize_req__free_unpacked(req, cf_proto_allocator());
    if (cf__handle_lookup(c, id, CF_HK_EVENT, &real) != CUDA_SUCCESS || !real)
      return 0;
    r = d->cuEventQuery((CUevent)real);
    j->kind = W_EVENT;
  }
  j->handle = real;
  return r == CUDA_ERROR_NOT_READY;
}

/* Fill j for a context wait. It cannot be asked whether it would block, so
 * it parks whenever another lane might have something to send meanwhile. */
static int ctx_would_block(struct cf_call *c, const struct cf_frame *f, CUcontext cur,
                           struct job *j)
{
  const struct cf_driver *d = c->drv;
  CuCtxSynchronizeV2Req *req;
  void *real = NULL;
  uint64_t id;

  if (cf__lanes_count(c->w->lanes) < 2)
    return 0;
  if (f->h.op == CF_OP_cuCtxSynchronize) {
    j->kind = W_CTX;
    return d->cuCtxSynchronize && cur;
  }
  if (!d->cuCtxSynchronize_v2 ||
      !(req = cu_ctx_synchronize_v2_req__unpack(cf_proto_allocator(), f->h.body_len,
                                                f->body)))
    return 0;
  id = req->ctx;
  cu_ctx_synchronize_v2_req__free_unpacked(req, cf_proto_allocator());
  if (cf__handle_lookup(c, id, CF_HK_CONTEXT, &real) != CUDA_SUCCESS || (!real && !cur))
    return 0;
  j->kind = W_CTX_V2;
  j->handle = real;
  return 1;
}

int cf__waits_park(struct cf_worker *w, struct cf_frame *f)
{
  struct cf_waits *ws = w->waits;
  const struct cf_driver *d = &w->drv;
  struct cf_call c = { .w = w, .drv = d, .lane = f->h.lane };
  struct job j = { 0 };
  struct cf_frame_header h = f->h; /* for the log: enqueue clears f */
  CUcontext cur = NULL;
  int park;

  switch (f->h.op) {
  case CF_OP_cuStreamSynchronize:
  case CF_OP_cuEventSynchronize:
  case CF_OP_cuCtxSynchronize:
  case CF_OP_cuCtxSynchronize_v2:
    break;
  default:
    return 0;
  }
  if (!ws || ws->parked == CF_WAITS_MAX || !d->cuCtxGetCurrent || !d->cuCtxSetCurrent)
    return 0;
  /* The lane's stack, for its per-thread stream and its current context
   * (serve_call's own switch is then free). */
  if (cf__lanes_switch(w->lanes, f->h.lane) != 0 ||
      d->cuCtxGetCurrent(&cur) != CUDA_SUCCESS)
    return 0;
  if (f->h.op == CF_OP_cuStreamSynchronize || f->h.op == CF_OP_cuEventSynchronize)
    park = would_block(&c, f, &j);
  else
    park = ctx_would_block(&c, f, cur, &j);
  cf__call_reset(&c);
  if (!park)
    return 0;
  j.ctx = cur;
  if (!enqueue(ws, f, &j))
    return 0;
  cf_debug("session %" PRIu64 ": lane %" PRIu32 ": op %" PRIu32 " seq %" PRIu64
           " waits off the worker's thread", w->session_id, h.lane, h.op, h.seq);
  return 1;
}

size_t cf__waits_parked(const struct cf_waits *ws)
{
  return ws ? ws->parked : 0;
}

int cf__waits_lane_parked(const struct cf_waits *ws, uint32_t lane)
{
  if (!ws || ws->parked == 0)
    return 0;
  for (size_t i = 0; i < CF_WAITS_MAX; i++)
    if (ws->slots[i].used && ws->slots[i].lane == lane)
      return 1;
  return 0;
}

int cf__waits_fd(const struct cf_waits *ws)
{
  return ws ? ws->efd : -1;
}

int cf__waits_any_done(struct cf_waits *ws)
{
  return ws && atomic_load(&ws->done) > 0;
}

void cf__waits_ack(struct cf_waits *ws)
{
  uint64_t n;

  /* Non-blocking: nothing to read (EAGAIN) is fine. */
  if (ws && read(ws->efd, &n, sizeof n) < 0 && errno != EAGAIN)
    cf_debug("eventfd: %s", strerror(errno));
}

int cf__waits_take(struct cf_waits *ws, struct cf_frame *f, CUresult *waited)
{
  struct slot *s;

  memset(f, 0, sizeof *f);
  *waited = CUDA_SUCCESS;
  if (!cf__waits_any_done(ws))
    return 0;
  pthread_mutex_lock(&ws->lock);
  s = oldest(ws, S_DONE);
  if (s) {
    s->state = S_FREE;
    *waited = s->waited;
    atomic_fetch_sub(&ws->done, 1);
  }
  pthread_mutex_unlock(&ws->lock);
  if (!s)
    return 0;
  *f = s->f;
  memset(&s->f, 0, sizeof s->f);
  s->used = 0;
  ws->parked--;
  return 1;
}

void cf__waits_free(struct cf_waits *ws)
{
  struct timespec until;
  size_t left = 0;

  if (!ws)
    return;
  pthread_mutex_lock(&ws->lock);
  ws->stop = 1;
  pthread_cond_broadcast(&ws->work);
  pthread_mutex_unlock(&ws->lock);
  /* Idle threads leave at once; one still in the driver gets until the
   * bound, then process exit takes it (a kernel may spin forever, and
   * nobody is left to answer anyway). */
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += JOIN_BOUND_MS / 1000;
  until.tv_nsec += (long)(JOIN_BOUND_MS % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  for (size_t i = 0; i < ws->n_threads; i++)
    if (pthread_timedjoin_np(ws->threads[i], NULL, &until) != 0) {
      pthread_detach(ws->threads[i]);
      left++;
    }
  if (left) {
    cf_warn("%zu wait%s still in the driver at the end of the session; leaving "
            "%s to process exit", left, left == 1 ? " is" : "s are", left == 1 ? "it" : "them");
    abandoned = ws;
    return;
  }
  for (size_t i = 0; i < CF_WAITS_MAX; i++)
    if (ws->slots[i].used)
      cf_frame_release(&ws->slots[i].f);
  pthread_cond_destroy(&ws->work);
  pthread_mutex_destroy(&ws->lock);
  close(ws->efd);
  free(ws);
}
