/* What the client can vouch for, so that an asynchronous call may go
 * without a round trip. A local driver answers a bad launch or async copy
 * (a destroyed stream, a function of another context, a range past its
 * buffer, a context already faulted) with an error at the call; a call that
 * goes asynchronously can only have its error latched for the next
 * synchronisation. So an `async` row is sent without waiting only when the
 * client knows the call cannot fail that way; otherwise it makes the round
 * trip, and the server's answer comes at the call, exactly as locally.
 * What the client knows, all learnt from the server's own answers:
 *
 *  - handles: each (handle id, context) pair that a synchronous call of the
 *    current context has already used successfully. An explicit destroy
 *    forgets the handle; destroying a module, library or context (which
 *    ends handles inside them) forgets every handle.
 *  - allocations: the device ranges the session allocated or looked up
 *    (cuMemAlloc*, pitch and stream-ordered allocations, module and library
 *    globals), forgotten when freed; destroying a module, library or
 *    context forgets them all. A device range is vouched for when it lies
 *    inside one of them.
 *  - faulted contexts: a context whose call answered with a sticky error
 *    (an illegal address, a launch failure, ...) gets no more asynchronous
 *    calls, so each later call returns the error as the driver would.
 *
 * Knowing too little only costs round trips; the tables are bounded (full:
 * start again empty). Any thread; one mutex. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_HANDLES 4096 /* vouched handles kept; full: forget them all */
#define MAX_ALLOCS 65536 /* known allocations kept; full: forget them all */
#define MAX_FAULTED 16

struct alloc {
  uint64_t base, size;
};

static struct {
  pthread_mutex_t lock;
  struct { uint64_t id; CUcontext ctx; } *handles; /* open addressing, id 0 = free */
  size_t handles_cap, handles_used;
  struct alloc *allocs; /* sorted by base */
  size_t n_allocs, allocs_cap;
  CUcontext faulted[MAX_FAULTED];
  size_t n_faulted;
} V = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t slot_of(uint64_t id, size_t cap)
{
  return (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (cap - 1);
}

/* ---- handles -------------------------------------------------------------- */

static void handles_clear(void)
{
  if (V.handles)
    memset(V.handles, 0, V.handles_cap * sizeof *V.handles);
  V.handles_used = 0;
}

int cf__vouch_handle(CUcontext ctx, uint64_t id)
{
  int ok = 0;

  pthread_mutex_lock(&V.lock);
  if (V.handles)
    for (size_t i = slot_of(id, V.handles_cap), n = 0; n < V.handles_cap && V.handles[i].id;
         i = (i + 1) & (V.handles_cap - 1), n++)
      if (V.handles[i].id == id) {
        ok = V.handles[i].ctx == ctx;
        break;
      }
  pthread_mutex_unlock(&V.lock);
  return ok;
}

void cf__vouch_note_handle(CUcontext ctx, uint64_t id)
{
  size_t i;

  if (!id)
    return;
  pthread_mutex_lock(&V.lock);
  if (!V.handles) {
    V.handles_cap = 2 * MAX_HANDLES; /* at most half full */
    if (!(V.handles = calloc(V.handles_cap, sizeof *V.handles)))
      goto out;
  }
  if (V.handles_used >= MAX_HANDLES)
    handles_clear();
  for (i = slot_of(id, V.handles_cap); V.handles[i].id && V.handles[i].id != id;
       i = (i + 1) & (V.handles_cap - 1))
    ;
  if (!V.handles[i].id)
    V.handles_used++;
  V.handles[i].id = id;
  V.handles[i].ctx = ctx;
out:
  pthread_mutex_unlock(&V.lock);
}

void cf__vouch_forget_handle(uint64_t id)
{
  pthread_mutex_lock(&V.lock);
  /* Removing from linear probing needs the cluster moved; a destroyed
   * handle is rare enough that starting again costs nothing that matters,
   * unless it is one we never vouched for. */
  if (V.handles)
    for (size_t i = slot_of(id, V.handles_cap), n = 0; n < V.handles_cap && V.handles[i].id;
         i = (i + 1) & (V.handles_cap - 1), n++)
      if (V.handles[i].id == id) {
        handles_clear();
        break;
      }
  pthread_mutex_unlock(&V.lock);
}

/* ---- allocations ---------------------------------------------------------- */

/* Index of the first allocation with base > p. */
static size_t upper(uint64_t p)
{
  size_t lo = 0, hi = V.n_allocs;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (V.allocs[mid].base <= p)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void cf__vouch_note_alloc(uint64_t base, uint64_t size)
{
  size_t i;

  if (!base || !size || base + size < base)
    return;
  pthread_mutex_lock(&V.lock);
  i = upper(base);
  /* Drop what the new range overlaps: those allocations are gone (freed
   * behind our back, by a context's end, say) if the driver reused them. */
  while (i > 0 && V.allocs[i - 1].base + V.allocs[i - 1].size > base) {
    memmove(&V.allocs[i - 1], &V.allocs[i], (V.n_allocs - i) * sizeof *V.allocs);
    V.n_allocs--;
    i--;
  }
  while (i < V.n_allocs && V.allocs[i].base < base + size) {
    memmove(&V.allocs[i], &V.allocs[i + 1], (V.n_allocs - i - 1) * sizeof *V.allocs);
    V.n_allocs--;
  }
  if (V.n_allocs == V.allocs_cap) {
    size_t cap = V.allocs_cap ? V.allocs_cap * 2 : 64;
    struct alloc *a = cap <= MAX_ALLOCS ? realloc(V.allocs, cap * sizeof *a) : NULL;

    if (!a) {
      V.n_allocs = 0; /* full: start again */
      i = 0;
    } else {
      V.allocs = a;
      V.allocs_cap = cap;
    }
  }
  if (V.n_allocs < V.allocs_cap) {
    memmove(&V.allocs[i + 1], &V.allocs[i], (V.n_allocs - i) * sizeof *V.allocs);
    V.allocs[i].base = base;
    V.allocs[i].size = size;
    V.n_allocs++;
  }
  pthread_mutex_unlock(&V.lock);
}

void cf__vouch_forget_alloc(uint64_t base)
{
  size_t i;

  pthread_mutex_lock(&V.lock);
  i = upper(base);
  if (i > 0 && V.allocs[i - 1].base == base) {
    memmove(&V.allocs[i - 1], &V.allocs[i], (V.n_allocs - i) * sizeof *V.allocs);
    V.n_allocs--;
  }
  pthread_mutex_unlock(&V.lock);
}

int cf__vouch_span(uint64_t ptr, uint64_t pitch, uint64_t width, uint64_t height, uint64_t elem)
{
  uint64_t len;
  int ok = 0;
  size_t i;

  if (width == 0 || height == 0)
    return 1; /* touches nothing */
  if (width > UINT64_MAX / elem)
    return 0;
  len = width * elem;
  if (height > 1) {
    if (pitch > (UINT64_MAX - len) / (height - 1))
      return 0;
    len += (height - 1) * pitch;
  }
  pthread_mutex_lock(&V.lock);
  i = upper(ptr);
  if (i > 0) {
    const struct alloc *a = &V.allocs[i - 1];

    ok = ptr - a->base < a->size && len <= a->size - (ptr - a->base);
  }
  pthread_mutex_unlock(&V.lock);
  return ok;
}

/* ---- contexts ------------------------------------------------------------- */

void cf__vouch_reset(void)
{
  pthread_mutex_lock(&V.lock);
  handles_clear();
  V.n_allocs = 0;
  pthread_mutex_unlock(&V.lock);
}

static int sticky(CUresult r)
{
  switch (r) {
  case CUDA_ERROR_ECC_UNCORRECTABLE:
  case CUDA_ERROR_ILLEGAL_ADDRESS:
  case CUDA_ERROR_LAUNCH_TIMEOUT:
  case CUDA_ERROR_ASSERT:
  case CUDA_ERROR_HARDWARE_STACK_ERROR:
  case CUDA_ERROR_ILLEGAL_INSTRUCTION:
  case CUDA_ERROR_MISALIGNED_ADDRESS:
  case CUDA_ERROR_INVALID_ADDRESS_SPACE:
  case CUDA_ERROR_INVALID_PC:
  case CUDA_ERROR_LAUNCH_FAILED:
    return 1;
  default:
    return 0;
  }
}

void cf__vouch_note_result(CUresult r)
{
  CUcontext ctx;

  if (!sticky(r))
    return;
  pthread_mutex_lock(&V.lock);
  /* Without the thread's context at hand (asking would be a call, which
   * could fail the same way), every context is taken as faulted. */
  if (!cf__ctx_current_cached(&ctx) || V.n_faulted == MAX_FAULTED) {
    V.n_faulted = MAX_FAULTED;
  } else {
    size_t i = 0;

    while (i < V.n_faulted && V.faulted[i] != ctx)
      i++;
    if (i == V.n_faulted)
      V.faulted[V.n_faulted++] = ctx;
  }
  pthread_mutex_unlock(&V.lock);
}

int cf__vouch_context(CUcontext *ctx)
{
  int ok = 1;

  if (cf__ctx_current(ctx) != CUDA_SUCCESS || !*ctx)
    return 0;
  pthread_mutex_lock(&V.lock);
  /* A full table vouches for no context at all. */
  for (size_t i = 0; i < V.n_faulted && ok; i++)
    ok = V.faulted[i] != *ctx;
  ok = ok && V.n_faulted < MAX_FAULTED;
  pthread_mutex_unlock(&V.lock);
  return ok;
}
