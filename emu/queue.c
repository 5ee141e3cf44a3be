/* Stream queues: the FIFO of work behind every stream and the executor
 * thread that runs it, so that stream work is asynchronous to the host.
 *
 * Each queue (a created stream, a context's legacy default stream, or a
 * host thread's per-thread default stream) holds operations in issue order
 * and numbers them 1, 2, 3, ...; q->done is the number of the last one
 * finished, so "point N of q has completed" is q->done >= N. An operation
 * may also carry dependencies, points of other queues that must complete
 * before it starts: cuStreamWaitEvent adds one, and submit adds the legacy
 * default stream's implicit ones (a legacy op waits for the work issued
 * before it in every blocking queue of its context; an op in a blocking
 * queue waits for the legacy work issued before it). The dependency graph
 * only points backwards in issue order, so it has no cycles.
 *
 * Threads: one executor per queue, started when work is submitted and
 * leaving after an idle spell or once the queue is retired and drained.
 * Everything here is guarded by cf__emu_g.lock; the executor drops it only
 * while an operation's run() executes. Completions broadcast cf__emu_g.cond,
 * on which host waiters and executors blocked on a dependency wait; an idle
 * executor waits on its own queue's cond. An exited executor leaves its
 * pthread_t on a reap list and whoever next holds the lock in submit, in
 * context teardown or at unload joins it (it needs no lock to finish).
 *
 * Ownership: a queue is reference counted. Its owner (stream handle,
 * context for the legacy and per-thread queues) holds one reference, as do
 * each event recorded on it and each dependency pointing at it; the memory
 * goes when the count is zero and its executor is gone. Host waiters hold a
 * reference while they sleep, so a stream destroyed meanwhile stays
 * readable. Work in the queue keeps its context alive: context teardown
 * drains all of its queues first. Executors never wait for host threads,
 * and host code called on an executor (stream callbacks) may not wait for
 * stream work: such waits answer CUDA_ERROR_NOT_PERMITTED. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#include "cf_log.h"

#define IDLE_EXIT_S     2   /* an executor with nothing to do leaves */
#define UNLOAD_WAIT_S   5   /* at unload, how long running work may take */

enum thread_state { T_NONE, T_ALIVE, T_EXITED };

struct cf_emu_dep {
  struct cf_emu_queue *q;
  uint64_t seq;
};

struct reap {
  struct reap *next;
  pthread_t tid;
};

struct cf_emu_queue {
  CUcontext ctx;               /* NULL once its context is torn down */
  struct cf_emu_link ctx_link; /* in ctx->queues while ctx is set */
  struct cf_emu_link all_link; /* in all_queues */
  enum cf_emu_queue_kind kind;
  pthread_t owner;             /* per-thread queues: the host thread */
  unsigned refs;
  int owned;                   /* the owner's reference is still held */
  int stop;                    /* exit once drained */
  uint64_t issued, done;
  struct cf_emu_op *head, *tail;
  pthread_cond_t wake;         /* work arrived, or stop */
  enum thread_state thread;
  pthread_t tid;
  struct reap *reap;           /* node handed to the reap list at exit */
};

static struct cf_emu_link all_queues = { &all_queues, &all_queues };
static struct reap *reap_list;
static int shutting_down;
static _Thread_local int in_worker;

int cf__emu_in_worker(void) { return in_worker; }

/* ---- Lifetime ----------------------------------------------------------- */

static void queue_free(struct cf_emu_queue *q)
{
  if (q->ctx)
    cf__emu_list_del(&q->ctx_link);
  cf__emu_list_del(&q->all_link);
  pthread_cond_destroy(&q->wake);
  free(q);
}

CUresult cf__emu_queue_create(CUcontext ctx, enum cf_emu_queue_kind kind,
                              struct cf_emu_queue **out)
{
  struct cf_emu_queue *q = calloc(1, sizeof *q);

  *out = NULL;
  if (!q)
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (pthread_cond_init(&q->wake, NULL) != 0) {
    free(q);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  q->ctx = ctx;
  q->kind = kind;
  q->refs = 1;
  q->owned = 1;
  if (kind == CF_EMU_QUEUE_PER_THREAD)
    q->owner = pthread_self();
  cf__emu_list_add(&ctx->queues, &q->ctx_link);
  cf__emu_list_add(&all_queues, &q->all_link);
  *out = q;
  return CUDA_SUCCESS;
}

struct cf_emu_queue *cf__emu_queue_get(struct cf_emu_queue *q)
{
  q->refs++;
  return q;
}

void cf__emu_queue_put(struct cf_emu_queue *q)
{
  if (--q->refs > 0)
    return;
  if (q->thread == T_ALIVE)
    pthread_cond_signal(&q->wake);  /* it frees q once drained */
  else
    queue_free(q);
}

void cf__emu_queue_retire(struct cf_emu_queue *q)
{
  if (!q->owned)
    return;
  q->owned = 0;
  q->stop = 1;
  cf__emu_queue_put(q);
}

/* Join executors that have left. They hold no lock on the way out, so this
 * may run with the lock held. */
static void reap_threads(void)
{
  while (reap_list) {
    struct reap *r = reap_list;
    reap_list = r->next;
    pthread_join(r->tid, NULL);
    free(r);
  }
}

/* ---- The executor ------------------------------------------------------- */

static int deps_met(const struct cf_emu_op *op)
{
  for (unsigned i = 0; i < op->ndeps; i++)
    if (op->deps[i].q->done < op->deps[i].seq)
      return 0;
  return 1;
}

static void op_release(struct cf_emu_op *op)
{
  for (unsigned i = 0; i < op->ndeps; i++)
    cf__emu_queue_put(op->deps[i].q);
  free(op->deps);
  op->deps = NULL;
  op->ndeps = 0;
  if (op->free)
    op->free(op);
  else
    free(op);
}

static int is_fault(CUresult r)
{
  return r == CUDA_ERROR_ILLEGAL_ADDRESS || r == CUDA_ERROR_ASSERT ||
         r == CUDA_ERROR_HARDWARE_STACK_ERROR ||
         r == CUDA_ERROR_ILLEGAL_INSTRUCTION ||
         r == CUDA_ERROR_MISALIGNED_ADDRESS ||
         r == CUDA_ERROR_INVALID_ADDRESS_SPACE || r == CUDA_ERROR_INVALID_PC ||
         r == CUDA_ERROR_LAUNCH_FAILED || r == CUDA_ERROR_LAUNCH_TIMEOUT;
}

/* Pop the finished head op. Lock held. */
static void complete_head(struct cf_emu_queue *q)
{
  struct cf_emu_op *op = q->head;
  q->head = op->next;
  if (!q->head)
    q->tail = NULL;
  q->done = op->seq;
  if (q->ctx && q->ctx->pending)
    q->ctx->pending--;
  op_release(op);
  pthread_cond_broadcast(&cf__emu_g.cond);
}

static void *executor_main(void *arg)
{
  struct cf_emu_queue *q = arg;
  struct timespec until;

  in_worker = 1;
  pthread_mutex_lock(&cf__emu_g.lock);
  for (;;) {
    struct cf_emu_op *op = q->head;
    if (!op) {
      if (q->stop || q->refs == 0 || shutting_down)
        break;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_sec += IDLE_EXIT_S;
      if (pthread_cond_timedwait(&q->wake, &cf__emu_g.lock, &until) ==
              ETIMEDOUT && !q->head)
        break;
      continue;
    }
    if (shutting_down) {
      /* The process is leaving: work not yet started is dropped. */
      complete_head(q);
      continue;
    }
    if (!deps_met(op)) {
      pthread_cond_wait(&cf__emu_g.cond, &cf__emu_g.lock);
      continue;
    }
    CUcontext ctx = q->ctx;
    CUresult status = ctx->sticky;
    pthread_mutex_unlock(&cf__emu_g.lock);
    CUresult r = op->run(op, status);
    pthread_mutex_lock(&cf__emu_g.lock);
    if (r != CUDA_SUCCESS && status == CUDA_SUCCESS) {
      if (is_fault(r)) {
        if (ctx->sticky == CUDA_SUCCESS)
          ctx->sticky = r;
      } else if (ctx->deferred == CUDA_SUCCESS) {
        ctx->deferred = r;
      }
    }
    complete_head(q);
  }
  q->thread = T_EXITED;
  q->reap->tid = q->tid;
  q->reap->next = reap_list;
  reap_list = q->reap;
  q->reap = NULL;
  pthread_cond_broadcast(&cf__emu_g.cond);
  if (q->refs == 0)
    queue_free(q);
  pthread_mutex_unlock(&cf__emu_g.lock);
  return NULL;
}

static CUresult start_executor(struct cf_emu_queue *q)
{
  pthread_attr_t attr;
  int rc;

  if (q->thread == T_ALIVE)
    return CUDA_SUCCESS;
  reap_threads();  /* includes this queue's previous executor */
  if (!(q->reap = malloc(sizeof *q->reap)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (pthread_attr_init(&attr) != 0) {
    free(q->reap);
    q->reap = NULL;
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  /* Kernels run on this thread: give it the stack a main thread has. */
  pthread_attr_setstacksize(&attr, 8u << 20);
  rc = pthread_create(&q->tid, &attr, executor_main, q);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    cf_error("cannot start a stream executor thread (errno %d)", rc);
    free(q->reap);
    q->reap = NULL;
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  q->thread = T_ALIVE;
  return CUDA_SUCCESS;
}

/* ---- Submitting work ---------------------------------------------------- */

static int is_blocking(const struct cf_emu_queue *q)
{
  return q->kind == CF_EMU_QUEUE_BLOCKING || q->kind == CF_EMU_QUEUE_PER_THREAD;
}

static int pending(const struct cf_emu_queue *q) { return q->done < q->issued; }

CUresult cf__emu_op_depend(struct cf_emu_op *op, struct cf_emu_queue *q,
                           uint64_t seq)
{
  if (q->done >= seq)
    return CUDA_SUCCESS;
  for (unsigned i = 0; i < op->ndeps; i++)
    if (op->deps[i].q == q) {
      if (op->deps[i].seq < seq)
        op->deps[i].seq = seq;
      return CUDA_SUCCESS;
    }
  if (op->ndeps == op->capdeps) {
    unsigned ncap = op->capdeps ? op->capdeps * 2 : 4;
    struct cf_emu_dep *n = realloc(op->deps, ncap * sizeof *n);
    if (!n)
      return CUDA_ERROR_OUT_OF_MEMORY;
    op->deps = n;
    op->capdeps = ncap;
  }
  op->deps[op->ndeps].q = cf__emu_queue_get(q);
  op->deps[op->ndeps].seq = seq;
  op->ndeps++;
  return CUDA_SUCCESS;
}

/* The legacy default stream's implicit synchronisation. */
static CUresult implicit_deps(struct cf_emu_queue *q, struct cf_emu_op *op)
{
  CUcontext ctx = q->ctx;
  CUresult r = CUDA_SUCCESS;

  if (q->kind == CF_EMU_QUEUE_LEGACY) {
    for (struct cf_emu_link *l = ctx->queues.next;
         r == CUDA_SUCCESS && l != &ctx->queues; l = l->next) {
      struct cf_emu_queue *p = CF_EMU_CONTAINER(l, struct cf_emu_queue,
                                                ctx_link);
      if (p != q && is_blocking(p) && pending(p))
        r = cf__emu_op_depend(op, p, p->issued);
    }
  } else if (is_blocking(q) && ctx->legacy && pending(ctx->legacy)) {
    r = cf__emu_op_depend(op, ctx->legacy, ctx->legacy->issued);
  }
  return r;
}

CUresult cf__emu_queue_submit(struct cf_emu_queue *q, struct cf_emu_op *op)
{
  CUresult r;

  op->next = NULL;
  if (!q->ctx || q->stop) {
    r = CUDA_ERROR_INVALID_HANDLE;
    goto fail;
  }
  if ((r = implicit_deps(q, op)) != CUDA_SUCCESS ||
      (r = start_executor(q)) != CUDA_SUCCESS)
    goto fail;
  op->seq = ++q->issued;
  if (q->tail)
    q->tail->next = op;
  else
    q->head = op;
  q->tail = op;
  q->ctx->pending++;
  pthread_cond_signal(&q->wake);
  return CUDA_SUCCESS;
fail:
  op_release(op);
  return r;
}

/* ---- Resolving stream arguments ---------------------------------------- */

static CUresult default_queue(CUcontext ctx, int per_thread,
                              struct cf_emu_queue **out)
{
  CUresult r;

  if (!per_thread) {
    if (!ctx->legacy &&
        (r = cf__emu_queue_create(ctx, CF_EMU_QUEUE_LEGACY, &ctx->legacy)) !=
            CUDA_SUCCESS)
      return r;
    *out = ctx->legacy;
    return CUDA_SUCCESS;
  }
  pthread_t self = pthread_self();
  for (struct cf_emu_link *l = ctx->queues.next; l != &ctx->queues;
       l = l->next) {
    struct cf_emu_queue *p = CF_EMU_CONTAINER(l, struct cf_emu_queue,
                                              ctx_link);
    if (p->kind == CF_EMU_QUEUE_PER_THREAD && p->owned &&
        pthread_equal(p->owner, self)) {
      *out = p;
      return CUDA_SUCCESS;
    }
  }
  return cf__emu_queue_create(ctx, CF_EMU_QUEUE_PER_THREAD, out);
}

CUresult cf__emu_queue_of(CUcontext ctx, CUstream s, struct cf_emu_queue **out)
{
  *out = NULL;
  if (s == NULL || s == CU_STREAM_LEGACY)
    return default_queue(ctx, 0, out);
  if (s == CU_STREAM_PER_THREAD)
    return default_queue(ctx, 1, out);
  if (!cf__emu_handle_live(s, CF_EMU_KIND_STREAM) || s->ctx != ctx)
    return CUDA_ERROR_INVALID_HANDLE;
  *out = s->q;
  return CUDA_SUCCESS;
}

/* ---- Completion and waiting --------------------------------------------- */

uint64_t cf__emu_queue_last(const struct cf_emu_queue *q) { return q->issued; }

int cf__emu_queue_reached(const struct cf_emu_queue *q, uint64_t seq)
{
  return q->done >= seq;
}

int cf__emu_queue_idle(const struct cf_emu_queue *q)
{
  if (pending(q))
    return 0;
  if (q->kind == CF_EMU_QUEUE_LEGACY && q->ctx)
    for (struct cf_emu_link *l = q->ctx->queues.next; l != &q->ctx->queues;
         l = l->next) {
      struct cf_emu_queue *p = CF_EMU_CONTAINER(l, struct cf_emu_queue,
                                                ctx_link);
      if (is_blocking(p) && pending(p))
        return 0;
    }
  return 1;
}

CUresult cf__emu_queue_wait(struct cf_emu_queue *q, uint64_t seq)
{
  CUresult r;

  if (q->done >= seq)
    return CUDA_SUCCESS;
  if (in_worker)
    return CUDA_ERROR_NOT_PERMITTED;
  /* Only after fork(): the child has the work but not the thread. */
  if (q->thread != T_ALIVE && (r = start_executor(q)) != CUDA_SUCCESS)
    return r;
  cf__emu_queue_get(q);
  while (q->done < seq)
    pthread_cond_wait(&cf__emu_g.cond, &cf__emu_g.lock);
  cf__emu_queue_put(q);
  return CUDA_SUCCESS;
}

/* Points to wait for: (queue, seq) with a reference on each queue. */
struct snapshot {
  struct cf_emu_dep *v;
  unsigned n;
};

static void snap_add(struct snapshot *s, unsigned cap, struct cf_emu_queue *q)
{
  if (!pending(q) || s->n == cap)
    return;
  s->v[s->n].q = cf__emu_queue_get(q);
  s->v[s->n].seq = q->issued;
  s->n++;
}

/* Wait for every point of the snapshot and drop its references. */
static CUresult snap_wait(struct snapshot *s)
{
  CUresult r = CUDA_SUCCESS;
  for (unsigned i = 0; i < s->n; i++) {
    CUresult w = cf__emu_queue_wait(s->v[i].q, s->v[i].seq);
    if (r == CUDA_SUCCESS)
      r = w;
  }
  for (unsigned i = 0; i < s->n; i++)
    cf__emu_queue_put(s->v[i].q);
  free(s->v);
  return r;
}

/* Snapshot q (legacy: with every blocking queue of its context; ctx: with
 * every queue of ctx) and wait for it. */
static CUresult sync_points(CUcontext ctx, struct cf_emu_queue *only)
{
  struct snapshot s = { 0 };
  unsigned cap = 1;

  if (in_worker)
    return CUDA_ERROR_NOT_PERMITTED;
  if (!only || only->kind == CF_EMU_QUEUE_LEGACY)
    for (struct cf_emu_link *l = ctx->queues.next; l != &ctx->queues;
         l = l->next)
      cap++;
  if (!(s.v = calloc(cap, sizeof *s.v)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (only)
    snap_add(&s, cap, only);
  if (!only || only->kind == CF_EMU_QUEUE_LEGACY)
    for (struct cf_emu_link *l = ctx->queues.next; l != &ctx->queues;
         l = l->next) {
      struct cf_emu_queue *p = CF_EMU_CONTAINER(l, struct cf_emu_queue,
                                                ctx_link);
      if (p != only && (!only || is_blocking(p)))
        snap_add(&s, cap, p);
    }
  return snap_wait(&s);
}

CUresult cf__emu_queue_sync(struct cf_emu_queue *q)
{
  if (!q->ctx)
    return cf__emu_queue_wait(q, q->issued);
  return sync_points(q->ctx, q);
}

CUresult cf__emu_ctx_wait(CUcontext ctx)
{
  return sync_points(ctx, NULL);
}

CUresult cf__emu_ctx_async_error(CUcontext ctx)
{
  CUresult r = ctx->sticky;
  if (r == CUDA_SUCCESS) {
    r = ctx->deferred;
    ctx->deferred = CUDA_SUCCESS;
  }
  return r;
}

/* ---- Teardown ------------------------------------------------------------ */

int cf__emu_ctx_drain(CUcontext ctx)
{
  if (in_worker)
    return CF_EMU_DRAIN_REFUSED;
  while (ctx->pending) {
    pthread_cond_wait(&cf__emu_g.cond, &cf__emu_g.lock);
    if (!cf__emu_handle_live(ctx, CF_EMU_KIND_CTX))
      return CF_EMU_DRAIN_GONE;
  }
  return CF_EMU_DRAIN_OK;
}

void cf__emu_ctx_queues_release(CUcontext ctx)
{
  struct cf_emu_link *l;
  int waiting;

  /* Every queue is idle (drained); stop their executors, drop the owner
   * references and detach what others still reference. */
  for (l = ctx->queues.next; l != &ctx->queues; l = l->next) {
    struct cf_emu_queue *q = CF_EMU_CONTAINER(l, struct cf_emu_queue,
                                              ctx_link);
    cf__emu_queue_get(q);
    q->stop = 1;
    pthread_cond_signal(&q->wake);
  }
  do {
    waiting = 0;
    for (l = ctx->queues.next; l != &ctx->queues; l = l->next)
      if (CF_EMU_CONTAINER(l, struct cf_emu_queue, ctx_link)->thread ==
          T_ALIVE)
        waiting = 1;
    if (waiting)
      pthread_cond_wait(&cf__emu_g.cond, &cf__emu_g.lock);
  } while (waiting);
  reap_threads();
  ctx->legacy = NULL;
  while (ctx->queues.next != &ctx->queues) {
    struct cf_emu_queue *q = CF_EMU_CONTAINER(ctx->queues.next,
                                              struct cf_emu_queue, ctx_link);
    cf__emu_list_del(&q->ctx_link);
    q->ctx = NULL;
    if (q->owned) {
      q->owned = 0;
      q->refs--;
    }
    cf__emu_queue_put(q);  /* the reference taken above */
  }
}

/* fork(): the child inherits the queues but none of the executors. Holding
 * the lock across fork keeps the queues consistent; in the child, queued
 * work restarts on fresh executors when it is next submitted to or waited
 * for (the operation a parent executor was running starts over). */
static void fork_prepare(void) { pthread_mutex_lock(&cf__emu_g.lock); }
static void fork_parent(void) { pthread_mutex_unlock(&cf__emu_g.lock); }

static void fork_child(void)
{
  while (reap_list) {  /* the parent's threads: not ours to join */
    struct reap *r = reap_list;
    reap_list = r->next;
    free(r);
  }
  for (struct cf_emu_link *l = all_queues.next; l != &all_queues;
       l = l->next) {
    struct cf_emu_queue *q = CF_EMU_CONTAINER(l, struct cf_emu_queue,
                                              all_link);
    q->thread = T_NONE;
    free(q->reap);
    q->reap = NULL;
    /* Condition variables may count the parent's waiters, who are not
     * here; signalling them would wait for those forever. */
    pthread_cond_init(&q->wake, NULL);
  }
  pthread_cond_init(&cf__emu_g.cond, NULL);
  pthread_mutex_unlock(&cf__emu_g.lock);
}

__attribute__((constructor)) static void queue_load(void)
{
  pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* At exit or unload: drop work not yet started, let running work finish for
 * a while, and join the executors. A callback that calls exit() runs this
 * on an executor, which must not wait for itself. */
__attribute__((destructor)) static void queue_unload(void)
{
  struct timespec until;
  int waiting;

  pthread_mutex_lock(&cf__emu_g.lock);
  shutting_down = 1;
  pthread_cond_broadcast(&cf__emu_g.cond);
  for (struct cf_emu_link *l = all_queues.next; l != &all_queues; l = l->next)
    pthread_cond_signal(&CF_EMU_CONTAINER(l, struct cf_emu_queue,
                                          all_link)->wake);
  if (in_worker) {
    pthread_mutex_unlock(&cf__emu_g.lock);
    return;
  }
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += UNLOAD_WAIT_S;
  do {
    waiting = 0;
    for (struct cf_emu_link *l = all_queues.next; l != &all_queues;
         l = l->next)
      if (CF_EMU_CONTAINER(l, struct cf_emu_queue, all_link)->thread ==
          T_ALIVE)
        waiting = 1;
    if (waiting &&
        pthread_cond_timedwait(&cf__emu_g.cond, &cf__emu_g.lock, &until) ==
            ETIMEDOUT)
      break;
  } while (waiting);
  reap_threads();  /* only those that have left */
  pthread_mutex_unlock(&cf__emu_g.lock);
}
