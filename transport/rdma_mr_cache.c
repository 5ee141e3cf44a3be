/* Memory-registration cache for the RDMA bulk path: which ranges of this
 * process are registered with the HCA, so that RDMA WRITE/READ can move bulk
 * data straight from and into them, and so that a range is registered once
 * and reused rather than registered per copy (ibv_reg_mr is a system call
 * that pins every page and writes the HCA's translation tables).
 *
 * What may be cached. A registration keeps the physical pages that backed a
 * range when it was made. If that memory is freed and the address reused
 * (free() then malloc(), munmap() then mmap()), a cached registration of the
 * address now names the old pages, and data silently goes to the wrong place:
 * the classic registration-cache bug. Intercepting free/munmap is fragile, so
 * we cache only memory whose end we see: the client's pinned host memory
 * (cuMemAllocHost, cuMemHostAlloc, cuMemHostRegister; invalidated at
 * cuMemFreeHost, cuMemHostUnregister) and the server's staging buffers.
 * Pageable memory keeps the copy path. Entries are page-aligned (the HCA maps
 * whole pages), so a page shared with other memory is registered too; that
 * is harmless as long as gets only ask for bytes of tracked memory and any
 * invalidation overlapping an entry drops the whole entry.
 *
 * Structure. Live entries sit in an array sorted by address and never
 * overlap (binary search finds the one that could cover an address; entry
 * counts are hundreds). A get that no entry covers registers the page-aligned
 * range joined with every live entry it overlaps (the range alone if the join
 * would not fit), and those leave the index, so a buffer used piecewise ends
 * up as one entry that serves every piece. The join covers only bytes that
 * gets asked for (page-rounded): the range and the entries touching it leave
 * no gap between them.
 * Each entry counts its refs. Unused live entries are on an LRU list; entries
 * that left the index (invalidated or merged away) while in use are on a dead
 * list, deregistered at their last put: a registration under an RDMA
 * operation in flight is never pulled from under it.
 *
 * Bounds. bytes and entries count every registration, dead ones included
 * (their pages are still pinned, each is still an MR), and never exceed
 * max_bytes and max_entries. A miss first checks that evicting every unused
 * entry would make room; if not it changes nothing and says CF_ETOOBIG (the
 * caller copies instead), so the cache never pins without bound. Otherwise it
 * evicts least-recently-used unused entries until the new one fits.
 *
 * Not thread-safe (one cache per PD, caller locks); ops are called
 * synchronously from get, put, invalidate and free. */
#include "rdma_mr_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"

struct entry {
  uintptr_t base;
  size_t len;
  void *handle;
  uint32_t lkey, rkey;
  uint32_t refs;
  int dead;                  /* left the index: freed at the last put */
  struct entry *prev, *next; /* on lru (live, refs 0), dead (dead, refs > 0),
                                or on no list (live, in use) */
};

struct list {
  struct entry *head, *tail;
};

struct cf__mr_cache {
  struct cf__mr_ops ops;
  size_t max_bytes, max_entries;
  uintptr_t page_mask;
  struct entry **idx; /* live entries by base, disjoint; max_entries slots */
  size_t n;
  struct list lru;    /* live unused entries, least recently used first */
  size_t lru_bytes, lru_n;
  struct list dead;   /* dead entries still in use */
  struct cf__mr_cache_stats st;
};

static uintptr_t end_of(const struct entry *e)
{
  return e->base + e->len;
}

static void list_push(struct list *l, struct entry *e)
{
  e->next = NULL;
  e->prev = l->tail;
  if (l->tail)
    l->tail->next = e;
  else
    l->head = e;
  l->tail = e;
}

static void list_remove(struct list *l, struct entry *e)
{
  if (e->prev)
    e->prev->next = e->next;
  else
    l->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    l->tail = e->prev;
  e->prev = e->next = NULL;
}

/* Index of the first live entry ending after a: the only one that can
 * contain a, and the first that can overlap a range starting at a (entries
 * are disjoint, so their ends are sorted like their bases). */
static size_t first_ending_after(const struct cf__mr_cache *c, uintptr_t a)
{
  size_t lo = 0, hi = c->n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (end_of(c->idx[mid]) > a)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

static void release(struct cf__mr_cache *c, struct entry *e)
{
  c->ops.dereg(c->ops.ctx, e->handle);
  c->st.bytes -= e->len;
  c->st.entries--;
  free(e);
}

static void lru_take(struct cf__mr_cache *c, struct entry *e)
{
  list_remove(&c->lru, e);
  c->lru_bytes -= e->len;
  c->lru_n--;
}

/* Take idx[i] out of the index: deregistered now if unused, else when its
 * last ref is put. */
static void unindex(struct cf__mr_cache *c, size_t i)
{
  struct entry *e = c->idx[i];

  memmove(&c->idx[i], &c->idx[i + 1], (c->n - i - 1) * sizeof(c->idx[0]));
  c->n--;
  if (e->refs == 0) {
    lru_take(c, e);
    release(c, e);
  } else {
    e->dead = 1;
    list_push(&c->dead, e);
  }
}

static void fill(struct cf__mr_cache *c, struct entry *e, struct cf__mr_ref *out)
{
  if (e->refs++ == 0)
    c->st.in_use++;
  out->lkey = e->lkey;
  out->rkey = e->rkey;
  out->base = e->base;
  out->len = e->len;
  out->entry_ = e;
}

int cf__mr_cache_new(const struct cf__mr_ops *ops, size_t max_bytes, size_t max_entries,
                     struct cf__mr_cache **out)
{
  struct cf__mr_cache *c;
  long pg = sysconf(_SC_PAGESIZE);

  if (out)
    *out = NULL;
  if (!out || !ops || !ops->reg || !ops->dereg || max_bytes == 0 || max_entries == 0 ||
      max_entries > CF__MR_CACHE_MAX_ENTRIES)
    return CF_EINVAL;
  c = calloc(1, sizeof(*c));
  if (!c)
    return CF_ENOMEM;
  c->idx = calloc(max_entries, sizeof(c->idx[0]));
  if (!c->idx) {
    free(c);
    return CF_ENOMEM;
  }
  c->ops = *ops;
  c->max_bytes = max_bytes;
  c->max_entries = max_entries;
  c->page_mask = (uintptr_t)(pg > 0 ? pg : 4096) - 1;
  *out = c;
  return 0;
}

int cf__mr_cache_get(struct cf__mr_cache *c, const void *addr, size_t len,
                     struct cf__mr_ref *out)
{
  uintptr_t a = (uintptr_t)addr, last, rbase, rend, base, end;
  size_t i, first, pinned, need;
  struct entry *e;
  int saved;

  if (out)
    memset(out, 0, sizeof(*out));
  if (!c || !addr || len == 0 || !out || len - 1 > UINTPTR_MAX - a)
    return CF_EINVAL;
  last = a + (len - 1);
  if ((last | c->page_mask) == UINTPTR_MAX) /* the rounded end would wrap */
    return CF_EINVAL;

  i = first_ending_after(c, a);
  if (i < c->n && c->idx[i]->base <= a && last < end_of(c->idx[i])) {
    e = c->idx[i];
    if (e->refs == 0)
      lru_take(c, e);
    fill(c, e, out);
    c->st.hits++;
    return 0;
  }

  /* Miss: the page-aligned range [rbase, rend), joined with the live
   * entries it overlaps (only the first can start lower, only the last end
   * higher) so that the join serves every piece. */
  rbase = a & ~c->page_mask;
  rend = (last | c->page_mask) + 1;
  base = rbase;
  end = rend;
  first = first_ending_after(c, rbase);
  for (i = first; i < c->n && c->idx[i]->base < rend; i++) {
    if (c->idx[i]->base < base)
      base = c->idx[i]->base;
    if (end_of(c->idx[i]) > end)
      end = end_of(c->idx[i]);
  }
  /* Is there room once every unused entry is gone? Overlapped entries in
   * use stay pinned. If the join is too big, the range alone may fit; the
   * entries it overlaps leave the index all the same. */
  pinned = c->st.bytes - c->lru_bytes;
  if (end - base > c->max_bytes - pinned) {
    base = rbase;
    end = rend;
  }
  need = end - base;
  if (need > c->max_bytes - pinned || c->st.entries - c->lru_n >= c->max_entries) {
    c->st.refused++;
    return CF_ETOOBIG;
  }
  e = calloc(1, sizeof(*e));
  if (!e)
    return CF_ENOMEM;

  while (first < c->n && c->idx[first]->base < rend)
    unindex(c, first);
  while (need > c->max_bytes - c->st.bytes || c->st.entries >= c->max_entries) {
    struct entry *v = c->lru.head; /* non-NULL: the check above */

    unindex(c, first_ending_after(c, v->base));
    c->st.evictions++;
  }

  e->handle = c->ops.reg(c->ops.ctx, (void *)base, need, &e->lkey, &e->rkey);
  if (!e->handle) {
    saved = errno;
    free(e);
    errno = saved;
    return CF_EIO;
  }
  e->base = base;
  e->len = need;
  c->st.bytes += need;
  c->st.entries++;
  c->st.regs++;
  i = first_ending_after(c, base);
  memmove(&c->idx[i + 1], &c->idx[i], (c->n - i) * sizeof(c->idx[0]));
  c->idx[i] = e;
  c->n++;
  fill(c, e, out);
  return 0;
}

void cf__mr_cache_put(struct cf__mr_cache *c, struct cf__mr_ref *ref)
{
  struct entry *e;

  if (!c || !ref || !ref->entry_)
    return;
  e = ref->entry_;
  memset(ref, 0, sizeof(*ref));
  if (--e->refs > 0)
    return;
  c->st.in_use--;
  if (e->dead) {
    list_remove(&c->dead, e);
    release(c, e);
    return;
  }
  list_push(&c->lru, e);
  c->lru_bytes += e->len;
  c->lru_n++;
}

void cf__mr_cache_invalidate(struct cf__mr_cache *c, const void *addr, size_t len)
{
  uintptr_t a = (uintptr_t)addr;
  uintptr_t end = len > UINTPTR_MAX - a ? UINTPTR_MAX : a + len;
  size_t i;

  if (!c || len == 0)
    return;
  i = first_ending_after(c, a);
  while (i < c->n && c->idx[i]->base < end)
    unindex(c, i);
}

void cf__mr_cache_stats(const struct cf__mr_cache *c, struct cf__mr_cache_stats *st)
{
  *st = c->st;
}

void cf__mr_cache_free(struct cf__mr_cache *c)
{
  struct entry *e, *next;

  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++) {
    c->ops.dereg(c->ops.ctx, c->idx[i]->handle);
    free(c->idx[i]);
  }
  for (e = c->dead.head; e; e = next) {
    next = e->next;
    c->ops.dereg(c->ops.ctx, e->handle);
    free(e);
  }
  free(c->idx);
  free(c);
}
