/* Memory-registration cache for the RDMA transport's zero-copy bulk path
 * (rules and design in rdma_mr_cache.c). Registration goes through the
 * caller's function pointers, so the cache holds no verbs and its unit test
 * runs anywhere. The cache never reads or writes the memory it registers;
 * it only does arithmetic on addresses.
 *
 * Not thread-safe: use one cache per protection domain (keys are only valid
 * within the PD that made them, so in practice one per connection) and call
 * it from one thread at a time, locking around it if need be. */
#ifndef CF_RDMA_MR_CACHE_H
#define CF_RDMA_MR_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* How the cache registers memory (ibv_reg_mr / ibv_dereg_mr on a PD, with
 * the access flags the bulk path needs). reg registers [addr, addr+len) (addr
 * and len page-aligned), fills *lkey and *rkey and returns an opaque non-NULL
 * handle, or returns NULL with errno set. dereg undoes one successful reg.
 * Both may be called from cf__mr_cache_get (eviction), _put, _invalidate and
 * _free, and must not call back into the cache. ctx is passed to both and
 * must outlive the cache. */
struct cf__mr_ops {
  void *(*reg)(void *ctx, void *addr, size_t len, uint32_t *lkey, uint32_t *rkey);
  void (*dereg)(void *ctx, void *handle);
  void *ctx;
};

/* One use of a registration, from cf__mr_cache_get to cf__mr_cache_put: the
 * registered range [base, base+len) covers the bytes asked for, and lkey and
 * rkey address any part of it (for the peer: remote_addr is the virtual
 * address itself, with rkey). entry_ is the cache's. */
struct cf__mr_ref {
  uint32_t lkey, rkey;
  uintptr_t base;
  size_t len;
  void *entry_;
};

struct cf__mr_cache_stats {
  size_t bytes;     /* bytes registered now, invalidated entries in use too */
  size_t entries;   /* registrations now (each one MR), likewise */
  size_t in_use;    /* of those, entries with at least one ref out */
  uint64_t hits;    /* gets served by an existing entry */
  uint64_t regs;    /* successful registrations */
  uint64_t evictions; /* unused entries deregistered to make room */
  uint64_t refused; /* gets answered CF_ETOOBIG */
};

struct cf__mr_cache;

/* The largest max_entries accepted (the index is allocated at that size). */
#define CF__MR_CACHE_MAX_ENTRIES 65536u

/* A cache that keeps at most max_bytes registered in at most max_entries
 * registrations; *ops is copied. Returns 0 and sets *out (free it with
 * cf__mr_cache_free), CF_EINVAL (a NULL argument or function pointer,
 * max_bytes or max_entries 0, max_entries over CF__MR_CACHE_MAX_ENTRIES) or
 * CF_ENOMEM; *out is NULL on failure. */
int cf__mr_cache_new(const struct cf__mr_ops *ops, size_t max_bytes, size_t max_entries,
                     struct cf__mr_cache **out);

/* A registration covering [addr, addr+len): an entry that covers it, else a
 * new one of the page-aligned range joined with every entry overlapping it
 * (of the range alone if the join would not fit; the overlapped entries
 * leave the cache either way: deregistered now if unused, at their last put
 * otherwise), made after evicting least-recently-used unused entries as far
 * as the bounds require. Call it only for memory whose end you will report
 * with cf__mr_cache_invalidate (see rdma_mr_cache.c); a page shared with
 * other memory gets registered too. Returns 0 with *out filled (hand it back
 * with cf__mr_cache_put once the hardware and the peer are done with it),
 * CF_ETOOBIG when the bounds cannot be met without deregistering entries in
 * use, or the range alone exceeds max_bytes (nothing has changed; use the
 * copy path), CF_EIO when reg failed (errno is reg's; some unused entries
 * may have been evicted or merged away, no entry was added), CF_ENOMEM, or
 * CF_EINVAL (a NULL argument, len 0, a range that wraps or reaches the last
 * page of the address space). *out is zeroed on failure. */
int cf__mr_cache_get(struct cf__mr_cache *c, const void *addr, size_t len,
                     struct cf__mr_ref *out);

/* End one use: the entry becomes the most recently used if no other ref is
 * out, or is deregistered if it left the cache meanwhile (invalidated, or
 * merged into a larger entry by a get). *ref is zeroed;
 * putting a zeroed ref does nothing. */
void cf__mr_cache_put(struct cf__mr_cache *c, struct cf__mr_ref *ref);

/* Memory [addr, addr+len) is going away (cuMemFreeHost, cuMemHostUnregister):
 * every entry overlapping it leaves the cache, deregistered now if unused, at
 * its last put otherwise. Later gets never return those entries. len 0 does
 * nothing; a range running past the end of the address space is cut there. */
void cf__mr_cache_invalidate(struct cf__mr_cache *c, const void *addr, size_t len);

/* The counters above, into *st. */
void cf__mr_cache_stats(const struct cf__mr_cache *c, struct cf__mr_cache_stats *st);

/* Deregister every entry and free the cache (NULL is fine). Entries still in
 * use are a caller bug (the hardware or the peer may still touch them); they
 * are deregistered anyway and their refs dangle. */
void cf__mr_cache_free(struct cf__mr_cache *c);

#endif
