/* The session's handle table: wire ids <-> driver handles (contexts, modules,
 * functions, streams, events). It owns the id space (minted here, never
 * reused), the two hash indexes (by id, by kind and real pointer) and the
 * parent tree that lets destroying a context or module forget everything
 * under it. It knows nothing of the driver or the wire: call.c wraps it in
 * the dispatch.h contract. The client may also name a new stream or event
 * itself (an id with CF_HANDLE_CLIENT_BIT set), so that creating one needs
 * no round trip; such ids never meet the ones minted here. Entries live in
 * one array addressed by 32-bit index (0 = none) so that growing it never
 * leaves dangling pointers; hash chains and the tree are links between
 * indexes.
 *
 * Single-threaded: only the worker's thread touches a table. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "cf_error.h"

#define FIRST_SERIAL 0x100u
#define KIND_BITS 4
_Static_assert(CF_HK_MAX_ <= (1 << KIND_BITS), "handle kinds outgrow KIND_BITS");

struct entry {
  uint64_t id;          /* 0 while the slot is free */
  void *real;
  void *aux;
  void (*aux_free)(void *);
  uint32_t next_by_id;  /* hash chains; for a free slot next_by_id links
                           the free list */
  uint32_t next_by_real;
  uint32_t parent;      /* tree links */
  uint32_t first_child;
  uint32_t next_sibling;
  uint32_t prev_sibling;
  uint8_t kind;
};

struct cf_handles {
  struct entry *e;      /* e[0] unused */
  uint32_t n_slots;     /* allocated slots, including e[0] */
  uint32_t free_head;   /* free slot list */
  size_t live;
  size_t cap;
  uint32_t *by_id;      /* bucket heads, nb of them (a power of two) */
  uint32_t *by_real;
  size_t nb;
  uint64_t next_serial;
};

static uint64_t mix64(uint64_t x)
{
  /* splitmix64 finaliser: ids are sequential and pointers aligned, so the
   * low bits alone would cluster. */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static size_t id_bucket(const struct cf_handles *t, uint64_t id)
{
  return (size_t)(mix64(id) & (t->nb - 1));
}

static size_t real_bucket(const struct cf_handles *t, unsigned kind,
                          const void *real)
{
  return (size_t)(mix64((uint64_t)(uintptr_t)real * 31u + kind) & (t->nb - 1));
}

static int valid_kind(unsigned kind)
{
  return kind >= CF_HK_CONTEXT && kind < CF_HK_MAX_;
}

int cf__handles_new(size_t cap, struct cf_handles **out)
{
  struct cf_handles *t;

  *out = NULL;
  if (cap == 0 || cap >= UINT32_MAX)
    return CF_EINVAL;
  t = calloc(1, sizeof *t);
  if (!t)
    return CF_ENOMEM;
  t->cap = cap;
  t->nb = 64;
  t->n_slots = 1;
  t->next_serial = FIRST_SERIAL;
  t->by_id = calloc(t->nb, sizeof *t->by_id);
  t->by_real = calloc(t->nb, sizeof *t->by_real);
  t->e = calloc(1, sizeof *t->e);
  if (!t->by_id || !t->by_real || !t->e) {
    cf__handles_free(t);
    return CF_ENOMEM;
  }
  *out = t;
  return 0;
}

void cf__handles_free(struct cf_handles *t)
{
  if (!t)
    return;
  for (uint32_t i = 1; t->e && i < t->n_slots; i++)
    if (t->e[i].id && t->e[i].aux_free)
      t->e[i].aux_free(t->e[i].aux);
  free(t->e);
  free(t->by_id);
  free(t->by_real);
  free(t);
}

static uint32_t find_id(const struct cf_handles *t, uint64_t id)
{
  uint32_t i = t->by_id[id_bucket(t, id)];

  while (i && t->e[i].id != id)
    i = t->e[i].next_by_id;
  return i;
}

static uint32_t find_real(const struct cf_handles *t, unsigned kind,
                          const void *real)
{
  uint32_t i = t->by_real[real_bucket(t, kind, real)];

  while (i && !(t->e[i].kind == kind && t->e[i].real == real))
    i = t->e[i].next_by_real;
  return i;
}

CUresult cf__handles_lookup(const struct cf_handles *t, uint64_t id,
                            enum cf_handle_kind kind, void **real)
{
  CUresult bad = kind == CF_HK_CONTEXT ? CUDA_ERROR_INVALID_CONTEXT
                                       : CUDA_ERROR_INVALID_HANDLE;
  uint32_t i;

  *real = NULL;
  if (!valid_kind(kind))
    return CUDA_ERROR_INVALID_HANDLE;
  if (id == 0)
    return CUDA_SUCCESS;
  if (kind == CF_HK_STREAM && (id == 1 || id == 2)) {
    *real = id == 1 ? (void *)CU_STREAM_LEGACY : (void *)CU_STREAM_PER_THREAD;
    return CUDA_SUCCESS;
  }
  i = find_id(t, id);
  if (!i || t->e[i].kind != kind)
    return bad;
  *real = t->e[i].real;
  return CUDA_SUCCESS;
}

uint64_t cf__handles_find(const struct cf_handles *t, enum cf_handle_kind kind,
                          const void *real)
{
  uint32_t i;

  if (!valid_kind(kind) || !real)
    return 0;
  i = find_real(t, kind, real);
  return i ? t->e[i].id : 0;
}

/* Double the buckets and relink every live entry (load factor <= 1). */
static int rehash(struct cf_handles *t)
{
  size_t nb = t->nb * 2;
  uint32_t *by_id = calloc(nb, sizeof *by_id);
  uint32_t *by_real = calloc(nb, sizeof *by_real);

  if (!by_id || !by_real) {
    free(by_id);
    free(by_real);
    return CF_ENOMEM;
  }
  free(t->by_id);
  free(t->by_real);
  t->by_id = by_id;
  t->by_real = by_real;
  t->nb = nb;
  for (uint32_t i = 1; i < t->n_slots; i++) {
    struct entry *e = &t->e[i];
    size_t b;

    if (!e->id)
      continue;
    b = id_bucket(t, e->id);
    e->next_by_id = t->by_id[b];
    t->by_id[b] = i;
    b = real_bucket(t, e->kind, e->real);
    e->next_by_real = t->by_real[b];
    t->by_real[b] = i;
  }
  return 0;
}

static uint32_t alloc_slot(struct cf_handles *t)
{
  uint32_t i;

  if (t->free_head) {
    i = t->free_head;
    t->free_head = t->e[i].next_by_id;
    return i;
  }
  if (t->n_slots == UINT32_MAX)
    return 0;
  if ((t->n_slots & (t->n_slots - 1)) == 0) {
    /* n_slots is a power of two: the array is full, double it. */
    struct entry *e = realloc(t->e, (size_t)t->n_slots * 2 * sizeof *e);

    if (!e)
      return 0;
    t->e = e;
  }
  return t->n_slots++;
}

/* Add real as kind under id (0: mint one); the new id, or 0 when full. */
static uint64_t insert(struct cf_handles *t, enum cf_handle_kind kind, void *real,
                       uint64_t parent_id, uint64_t id)
{
  struct entry *e;
  uint32_t i, p;
  size_t b;

  if (t->live >= t->cap)
    return 0;
  if (t->live >= t->nb && rehash(t) != 0)
    return 0;
  i = alloc_slot(t);
  if (!i)
    return 0;
  p = parent_id ? find_id(t, parent_id) : 0;

  e = &t->e[i];
  memset(e, 0, sizeof *e);
  e->id = id ? id : (t->next_serial++ << KIND_BITS) | (uint64_t)kind;
  e->kind = (uint8_t)kind;
  e->real = real;
  b = id_bucket(t, e->id);
  e->next_by_id = t->by_id[b];
  t->by_id[b] = i;
  b = real_bucket(t, kind, real);
  e->next_by_real = t->by_real[b];
  t->by_real[b] = i;
  if (p) {
    e->parent = p;
    e->next_sibling = t->e[p].first_child;
    if (e->next_sibling)
      t->e[e->next_sibling].prev_sibling = i;
    t->e[p].first_child = i;
  }
  t->live++;
  return e->id;
}

uint64_t cf__handles_register(struct cf_handles *t, enum cf_handle_kind kind,
                              void *real, uint64_t parent_id)
{
  uint32_t i;

  if (!valid_kind(kind) || !real)
    return 0;
  if (kind == CF_HK_STREAM && real == (void *)CU_STREAM_LEGACY)
    return 1;
  if (kind == CF_HK_STREAM && real == (void *)CU_STREAM_PER_THREAD)
    return 2;
  i = find_real(t, kind, real);
  if (i)
    return t->e[i].id;
  return insert(t, kind, real, parent_id, 0);
}

int cf__handles_minted_free(const struct cf_handles *t, uint64_t id)
{
  return (id & CF_HANDLE_CLIENT_BIT) && !(id & ((1u << KIND_BITS) - 1)) && !find_id(t, id);
}

uint64_t cf__handles_register_minted(struct cf_handles *t, enum cf_handle_kind kind,
                                     void *real, uint64_t parent_id, uint64_t id)
{
  if (!valid_kind(kind) || !real || !cf__handles_minted_free(t, id) || find_real(t, kind, real))
    return 0;
  return insert(t, kind, real, parent_id, id);
}

/* Unlink slot i from both hash chains, its parent's child list, free its
 * aux data and put the slot on the free list. Its children must be gone. */
static void remove_slot(struct cf_handles *t, uint32_t i)
{
  struct entry *e = &t->e[i];
  uint32_t *link;

  link = &t->by_id[id_bucket(t, e->id)];
  while (*link != i)
    link = &t->e[*link].next_by_id;
  *link = e->next_by_id;
  link = &t->by_real[real_bucket(t, e->kind, e->real)];
  while (*link != i)
    link = &t->e[*link].next_by_real;
  *link = e->next_by_real;

  if (e->prev_sibling)
    t->e[e->prev_sibling].next_sibling = e->next_sibling;
  else if (e->parent)
    t->e[e->parent].first_child = e->next_sibling;
  if (e->next_sibling)
    t->e[e->next_sibling].prev_sibling = e->prev_sibling;

  if (e->aux_free)
    e->aux_free(e->aux);
  memset(e, 0, sizeof *e);
  e->next_by_id = t->free_head;
  t->free_head = i;
  t->live--;
}

void cf__handles_forget(struct cf_handles *t, uint64_t id,
                        cf_handle_gone_fn gone, void *arg)
{
  uint32_t root, cur;

  if (id == 0 || !(root = find_id(t, id)))
    return;
  /* Post-order walk without a stack: descend to a leaf, remove it, go back
   * up to its parent and repeat until the root itself is removed. */
  cur = root;
  for (;;) {
    uint32_t up;

    while (t->e[cur].first_child)
      cur = t->e[cur].first_child;
    up = cur == root ? 0 : t->e[cur].parent;
    if (gone)
      gone(arg, (enum cf_handle_kind)t->e[cur].kind, t->e[cur].real);
    remove_slot(t, cur);
    if (!up)
      break;
    cur = up;
  }
}

void cf__handles_forget_children(struct cf_handles *t, uint64_t id,
                                 cf_handle_gone_fn gone, void *arg)
{
  uint32_t root;

  if (id == 0 || !(root = find_id(t, id)))
    return;
  while (t->e[root].first_child)
    cf__handles_forget(t, t->e[t->e[root].first_child].id, gone, arg);
}

int cf__handles_set_aux(struct cf_handles *t, uint64_t id, void *aux,
                        void (*aux_free)(void *))
{
  uint32_t i = id ? find_id(t, id) : 0;

  if (!i)
    return CF_ENOTFOUND;
  if (t->e[i].aux_free)
    t->e[i].aux_free(t->e[i].aux);
  t->e[i].aux = aux;
  t->e[i].aux_free = aux_free;
  return 0;
}

void *cf__handles_aux(const struct cf_handles *t, uint64_t id)
{
  uint32_t i = id ? find_id(t, id) : 0;

  return i ? t->e[i].aux : NULL;
}

size_t cf__handles_count(const struct cf_handles *t)
{
  return t->live;
}

void cf__handles_each(const struct cf_handles *t, enum cf_handle_kind kind,
                      void (*fn)(void *arg, uint64_t id, void *real),
                      void *arg)
{
  for (uint32_t i = 1; i < t->n_slots; i++)
    if (t->e[i].id && t->e[i].kind == kind)
      fn(arg, t->e[i].id, t->e[i].real);
}
