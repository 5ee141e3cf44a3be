/* Process-wide state of the emulator: the global lock, the registry of live
 * handles, the per-thread context stacks and the entry helpers that every
 * driver entry point starts with.
 *
 * The registry is an open-addressing hash set of handle pointers with their
 * kind; a handle is dereferenced only after it is found here, so stale and
 * forged handles are rejected safely. It and everything else here except the
 * thread-local stack are guarded by cf__emu_g.lock. */
#include "internal.h"

#include <stdlib.h>

#include "cf_error.h"

struct cf_emu_global cf__emu_g = {
  .lock = PTHREAD_MUTEX_INITIALIZER,
  .cond = PTHREAD_COND_INITIALIZER,
};

/* ---- Registry ----------------------------------------------------------- */

#define TOMB ((const void *)1)

struct slot {
  const void *key;   /* NULL empty, TOMB deleted */
  uint32_t kind;
};

static struct slot *reg;
static size_t reg_cap;    /* power of two */
static size_t reg_used;   /* live + tombstones */

static size_t hash_ptr(const void *p)
{
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (size_t)x;
}

static int reg_grow(void)
{
  size_t ncap = reg_cap ? reg_cap * 2 : 64;
  struct slot *n = calloc(ncap, sizeof *n);
  if (!n)
    return CF_ENOMEM;
  reg_used = 0;
  for (size_t i = 0; i < reg_cap; i++) {
    if (!reg[i].key || reg[i].key == TOMB)
      continue;
    size_t j = hash_ptr(reg[i].key) & (ncap - 1);
    while (n[j].key)
      j = (j + 1) & (ncap - 1);
    n[j] = reg[i];
    reg_used++;
  }
  free(reg);
  reg = n;
  reg_cap = ncap;
  return 0;
}

int cf__emu_handle_add(void *h, enum cf_emu_kind kind)
{
  struct cf_emu_obj *o = h;
  if ((reg_used + 1) * 4 >= reg_cap * 3 && reg_grow() != 0)
    return CF_ENOMEM;
  size_t i = hash_ptr(h) & (reg_cap - 1);
  while (reg[i].key && reg[i].key != TOMB)
    i = (i + 1) & (reg_cap - 1);
  if (!reg[i].key)
    reg_used++;
  reg[i].key = h;
  reg[i].kind = kind;
  o->magic = CF_EMU_MAGIC;
  o->kind = kind;
  return 0;
}

static struct slot *reg_find(const void *h)
{
  if (!reg_cap || !h || h == TOMB)
    return NULL;
  size_t i = hash_ptr(h) & (reg_cap - 1);
  while (reg[i].key) {
    if (reg[i].key == h)
      return &reg[i];
    i = (i + 1) & (reg_cap - 1);
  }
  return NULL;
}

void cf__emu_handle_del(void *h)
{
  struct slot *s = reg_find(h);
  if (!s)
    return;
  s->key = TOMB;
  ((struct cf_emu_obj *)h)->magic = 0;
}

int cf__emu_handle_live(const void *h, enum cf_emu_kind kind)
{
  const struct slot *s = reg_find(h);
  return s && s->kind == (uint32_t)kind &&
         ((const struct cf_emu_obj *)h)->magic == CF_EMU_MAGIC;
}

/* ---- Lists -------------------------------------------------------------- */

void cf__emu_list_init(struct cf_emu_link *l) { l->prev = l->next = l; }

void cf__emu_list_add(struct cf_emu_link *head, struct cf_emu_link *n)
{
  n->prev = head->prev;
  n->next = head;
  head->prev->next = n;
  head->prev = n;
}

void cf__emu_list_del(struct cf_emu_link *n)
{
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = n;
}

/* ---- Per-thread context stack ------------------------------------------ */

#define STACK_MAX 64

/* The stack holds handles, not references: a context destroyed elsewhere
 * stays here until popped and is then reported as INVALID_CONTEXT. */
static _Thread_local CUcontext ctx_stack[STACK_MAX];
static _Thread_local unsigned ctx_depth;

CUcontext cf__emu_current(void)
{
  return ctx_depth ? ctx_stack[ctx_depth - 1] : NULL;
}

void cf__emu_stack_forget(CUcontext ctx)
{
  unsigned j = 0;
  for (unsigned i = 0; i < ctx_depth; i++)
    if (ctx_stack[i] != ctx)
      ctx_stack[j++] = ctx_stack[i];
  ctx_depth = j;
}

int cf__emu_stack_push(CUcontext ctx)
{
  if (ctx_depth == STACK_MAX)
    return CF_ENOMEM;
  ctx_stack[ctx_depth++] = ctx;
  return 0;
}

CUcontext cf__emu_stack_pop(void)
{
  return ctx_depth ? ctx_stack[--ctx_depth] : NULL;
}

void cf__emu_stack_set_top(CUcontext ctx)
{
  if (!ctx) {
    if (ctx_depth)
      ctx_depth--;
  } else if (ctx_depth) {
    ctx_stack[ctx_depth - 1] = ctx;
  } else {
    ctx_stack[ctx_depth++] = ctx;
  }
}

/* ---- Entry helpers ------------------------------------------------------ */

int cf__emu_ctx_usable(CUcontext ctx)
{
  if (!cf__emu_handle_live(ctx, CF_EMU_KIND_CTX))
    return 0;
  return !ctx->is_primary || cf__emu_g.primary_refs > 0;
}

CUresult cf__emu_lock_init(void)
{
  pthread_mutex_lock(&cf__emu_g.lock);
  if (!cf__emu_g.initialized) {
    pthread_mutex_unlock(&cf__emu_g.lock);
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  return CUDA_SUCCESS;
}

CUresult cf__emu_lock_handle(const void *h, enum cf_emu_kind kind)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(h, kind)) {
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_HANDLE;
  }
  return CUDA_SUCCESS;
}

CUresult cf__emu_lock_ctx(CUcontext *out)
{
  CUresult r = cf__emu_lock_init();
  CUcontext ctx = cf__emu_current();

  *out = NULL;
  if (r != CUDA_SUCCESS)
    return r;
  if (!ctx || !cf__emu_ctx_usable(ctx)) {
    pthread_mutex_unlock(&cf__emu_g.lock);
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  if (ctx->sticky != CUDA_SUCCESS) {
    r = ctx->sticky;
    pthread_mutex_unlock(&cf__emu_g.lock);
    return r;
  }
  *out = ctx;
  return CUDA_SUCCESS;
}

void cf__emu_unlock(void) { pthread_mutex_unlock(&cf__emu_g.lock); }
