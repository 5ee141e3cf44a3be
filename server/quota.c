/* The session's device-memory quota (w->quota, set at admission from
 * --memory-quota or the identity's [quota] entry): an accounting of every
 * device allocation the worker makes for its client, so that one beyond the
 * quota gives CUDA_ERROR_OUT_OF_MEMORY and cuMemGetInfo can answer with what
 * is left.
 *
 * Each live allocation is one entry keyed by (kind, address): a device
 * pointer (cuMemAlloc*, cuMemAllocPitch, stream-ordered allocations) or an
 * array's driver handle (arrays and mipmapped arrays, whose size is
 * estimated from the descriptor). The entry remembers the context current
 * when it was made, because destroying a context frees everything in it.
 * The map is an open-addressing hash table with tombstones, at most
 * CF_QUOTA_MAX_ENTRIES live entries (the default handle limit: a session
 * cannot hold more objects than handles anyway).
 *
 * The handlers call cf__quota_charge before the driver allocates (a cheap
 * refusal that never reaches the driver), cf__quota_record after it
 * succeeded (which checks again with the true size and, when it refuses, the
 * caller frees what the driver made), and cf__quota_release when the object
 * is gone. With no quota (w->quota == 0) nothing is charged, recorded or
 * checked, and no map is ever allocated. Worker thread only; the map belongs
 * to the worker and is freed by cf__quota_free. */
#include "internal.h"

#include "cf_array.h"

#include <stdlib.h>

#include "cf_error.h"

struct cf_quota_entry {
  uint64_t key;   /* the address or handle; 0 marks a free slot */
  uint64_t bytes;
  void *ctx;      /* context current at allocation, or NULL */
  uint8_t kind;   /* enum cf_quota_kind */
  uint8_t dead;   /* a tombstone: key kept for probing, no longer live */
};

struct cf_quota_map {
  struct cf_quota_entry *slot;
  size_t cap;     /* a power of two */
  size_t live;
  size_t used;    /* live entries plus tombstones */
  uint64_t bytes; /* sum of the live entries' bytes */
};

#define QUOTA_MIN_CAP 64

static size_t hash(enum cf_quota_kind kind, uint64_t key, size_t cap)
{
  uint64_t h = (key ^ ((uint64_t)kind << 61)) * UINT64_C(0x9e3779b97f4a7c15);

  return (size_t)(h >> 17) & (cap - 1);
}

/* The slot of a live (kind, key), or NULL. */
static struct cf_quota_entry *find(const struct cf_quota_map *m, enum cf_quota_kind kind,
                                   uint64_t key)
{
  if (!m || !key)
    return NULL;
  for (size_t i = hash(kind, key, m->cap), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
    struct cf_quota_entry *e = &m->slot[i];

    if (!e->key)
      return NULL;
    if (!e->dead && e->key == key && e->kind == kind)
      return e;
  }
  return NULL;
}

/* Put e into a table known to have a free slot and no live (kind, key). */
static void put(struct cf_quota_map *m, const struct cf_quota_entry *e)
{
  size_t i = hash((enum cf_quota_kind)e->kind, e->key, m->cap);

  while (m->slot[i].key && !m->slot[i].dead)
    i = (i + 1) & (m->cap - 1);
  if (!m->slot[i].key)
    m->used++;
  m->slot[i] = *e;
  m->live++;
}

/* Rebuild into cap slots, dropping tombstones. Returns 0 or CF_ENOMEM (the
 * old table stays). */
static int rehash(struct cf_quota_map *m, size_t cap)
{
  struct cf_quota_entry *old = m->slot, *slot = calloc(cap, sizeof *slot);
  size_t old_cap = m->cap;

  if (!slot)
    return CF_ENOMEM;
  m->slot = slot;
  m->cap = cap;
  m->live = m->used = 0;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].key && !old[i].dead)
      put(m, &old[i]);
  free(old);
  return 0;
}

static void drop(struct cf_quota_map *m, struct cf_quota_entry *e)
{
  m->bytes -= e->bytes;
  m->live--;
  e->dead = 1;
}

CUresult cf__quota_charge(const struct cf_worker *w, uint64_t bytes)
{
  uint64_t held = w->quota_map ? w->quota_map->bytes : 0;

  if (w->quota == 0)
    return CUDA_SUCCESS;
  return held <= w->quota && bytes <= w->quota - held ? CUDA_SUCCESS
                                                       : CUDA_ERROR_OUT_OF_MEMORY;
}

CUresult cf__quota_record(struct cf_call *c, enum cf_quota_kind kind, uint64_t key,
                          uint64_t bytes)
{
  struct cf_worker *w = c->w;
  struct cf_quota_map *m;
  struct cf_quota_entry e = { .key = key, .bytes = bytes, .kind = (uint8_t)kind };
  struct cf_quota_entry *stale;
  CUcontext ctx = NULL;

  if (w->quota == 0 || key == 0)
    return CUDA_SUCCESS;
  if (!w->quota_map) {
    if (!(w->quota_map = calloc(1, sizeof *w->quota_map)))
      return CUDA_ERROR_OUT_OF_MEMORY;
    if (rehash(w->quota_map, QUOTA_MIN_CAP) != 0) {
      free(w->quota_map);
      w->quota_map = NULL;
      return CUDA_ERROR_OUT_OF_MEMORY;
    }
  }
  m = w->quota_map;
  /* Still recorded: the driver freed it behind the session's back (its
   * context went without the session being told) and reused the address. */
  if ((stale = find(m, kind, key)))
    drop(m, stale);
  if (cf__quota_charge(w, bytes) != CUDA_SUCCESS || m->live >= CF_QUOTA_MAX_ENTRIES)
    return CUDA_ERROR_OUT_OF_MEMORY;
  /* Keep at most 3/4 of the slots in use (live or tombstone). */
  if ((m->used + 1) * 4 > m->cap * 3 &&
      rehash(m, (m->live + 1) * 2 > m->cap / 2 ? m->cap * 2 : m->cap) != 0)
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (c->drv->cuCtxGetCurrent && c->drv->cuCtxGetCurrent(&ctx) == CUDA_SUCCESS)
    e.ctx = ctx;
  put(m, &e);
  m->bytes += bytes;
  return CUDA_SUCCESS;
}

void cf__quota_release(struct cf_worker *w, enum cf_quota_kind kind, uint64_t key)
{
  struct cf_quota_entry *e = find(w->quota_map, kind, key);

  if (e)
    drop(w->quota_map, e);
}

void cf__quota_context_gone(struct cf_worker *w, void *ctx)
{
  struct cf_quota_map *m = w->quota_map;

  if (!m || !ctx)
    return;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slot[i].key && !m->slot[i].dead && m->slot[i].ctx == ctx)
      drop(m, &m->slot[i]);
}

uint64_t cf__quota_used(const struct cf_worker *w)
{
  return w->quota_map ? w->quota_map->bytes : 0;
}

void cf__quota_free(struct cf_worker *w)
{
  if (!w->quota_map)
    return;
  free(w->quota_map->slot);
  free(w->quota_map);
  w->quota_map = NULL;
}

/* Bytes per element of an array format; block-compressed and planar formats
 * (whose elements are blocks or pixels of several planes) count as 16, more
 * than any of them takes, so the estimate errs on the session's side only
 * by being too high. */
static uint64_t format_bytes(int32_t format)
{
  size_t n = cf_array_format_bytes((CUarray_format)format);

  return n ? n : 16;
}

/* a * b, or UINT64_MAX on overflow (which no quota admits). */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
  return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t cf__quota_array_bytes(uint64_t width, uint64_t height, uint64_t depth, int32_t format,
                               uint32_t channels, uint32_t levels)
{
  uint64_t elem = mul_sat(format_bytes(format), channels ? channels : 1);
  uint64_t sum = 0;

  if (levels == 0)
    levels = 1;
  /* Past 64 levels every extent is 1 and the driver refuses such a count. */
  for (uint32_t l = 0; l < levels && l < 64; l++) {
    uint64_t x = width >> l, y = height >> l, z = depth >> l;

    sum = add_sat(sum, mul_sat(mul_sat(mul_sat(x ? x : 1, y ? y : 1), z ? z : 1), elem));
  }
  return sum;
}
