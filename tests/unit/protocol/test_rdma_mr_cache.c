/* Unit tests for the RDMA memory-registration cache
 * (transport/rdma_mr_cache.c), on any machine: the registrations go to a
 * fake ops table that records each one (range, keys, live or not, when it
 * was made) and can be told to fail. Addresses are made up: the cache never
 * touches the memory. Covered: argument checks, hits, page alignment, a get
 * spanning entries, LRU eviction under both bounds, entries in use never
 * evicted and CF_ETOOBIG when nothing can go, invalidation of unused, in-use
 * and partly overlapping entries, a failed registration, free, and a
 * randomised run against a model that checks after every step that the
 * cache's counts match the live registrations, the bounds hold, no entry in
 * use is deregistered, and no get returns a registration made before an
 * invalidation of its range. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_test.h"
#include "rdma_mr_cache.h"

#define KEY0 1000u
#define RKEY_BIT 0x80000000u
#define A0 ((uintptr_t)1 << 30) /* aligned for any page size up to 1 GiB */

struct rec {
  uintptr_t base;
  size_t len;
  int live;
  uint64_t born;
};

struct fake {
  struct rec *recs;
  size_t nrecs, cap;
  size_t live_n, live_bytes;
  uint64_t regs, deregs;
  int fail;       /* fail this many regs next */
  uint64_t clock; /* ticks at each reg (and each model invalidation) */
};

static size_t pg;

static void *fake_reg(void *ctx, void *addr, size_t len, uint32_t *lkey, uint32_t *rkey)
{
  struct fake *f = ctx;
  struct rec *r;

  if (f->fail > 0) {
    f->fail--;
    errno = ENOMEM;
    return NULL;
  }
  ASSERT_UEQ((uintptr_t)addr % pg, 0);
  ASSERT_UEQ(len % pg, 0);
  ASSERT_GT(len, 0);
  if (f->nrecs == f->cap) {
    f->cap = f->cap ? 2 * f->cap : 64;
    f->recs = realloc(f->recs, f->cap * sizeof(f->recs[0]));
    ASSERT_NOT_NULL(f->recs);
  }
  r = &f->recs[f->nrecs];
  *r = (struct rec){ (uintptr_t)addr, len, 1, ++f->clock };
  *lkey = KEY0 + (uint32_t)f->nrecs;
  *rkey = *lkey | RKEY_BIT;
  f->nrecs++;
  f->regs++;
  f->live_n++;
  f->live_bytes += len;
  return (void *)(uintptr_t)f->nrecs; /* index + 1: never NULL */
}

static void fake_dereg(void *ctx, void *handle)
{
  struct fake *f = ctx;
  size_t i = (size_t)(uintptr_t)handle - 1;

  ASSERT_LT(i, f->nrecs);
  ASSERT(f->recs[i].live); /* no double deregistration */
  f->recs[i].live = 0;
  f->deregs++;
  f->live_n--;
  f->live_bytes -= f->recs[i].len;
}

/* The registration behind a ref, which must be live and match it. */
static struct rec *rec_of(struct fake *f, const struct cf__mr_ref *r)
{
  size_t i = r->lkey - KEY0;
  struct rec *rec;

  ASSERT_GE(r->lkey, KEY0);
  ASSERT_LT(i, f->nrecs);
  rec = &f->recs[i];
  ASSERT_UEQ(r->rkey, r->lkey | RKEY_BIT);
  ASSERT(rec->live);
  ASSERT_UEQ(r->base, rec->base);
  ASSERT_UEQ(r->len, rec->len);
  return rec;
}

static const void *at(size_t off)
{
  return (const void *)(A0 + off);
}

static struct cf__mr_cache *mk(struct fake *f, size_t max_bytes, size_t max_entries)
{
  struct cf__mr_ops ops = { fake_reg, fake_dereg, f };
  struct cf__mr_cache *c;

  memset(f, 0, sizeof(*f));
  ASSERT_EQ(cf__mr_cache_new(&ops, max_bytes, max_entries, &c), 0);
  return c;
}

static struct cf__mr_cache_stats stats(const struct cf__mr_cache *c)
{
  struct cf__mr_cache_stats st;

  cf__mr_cache_stats(c, &st);
  return st;
}

/* The cache's counts are the live registrations. */
static void check_counts(const struct cf__mr_cache *c, const struct fake *f)
{
  struct cf__mr_cache_stats st = stats(c);

  ASSERT_UEQ(st.bytes, f->live_bytes);
  ASSERT_UEQ(st.entries, f->live_n);
}

static void done(struct cf__mr_cache *c, struct fake *f)
{
  cf__mr_cache_free(c);
  ASSERT_UEQ(f->live_n, 0);
  ASSERT_UEQ(f->regs, f->deregs);
  free(f->recs);
}

static void get_ok(struct cf__mr_cache *c, size_t off, size_t len, struct cf__mr_ref *r)
{
  ASSERT_EQ(cf__mr_cache_get(c, at(off), len, r), 0);
  ASSERT_LE(r->base, A0 + off);
  ASSERT_LE(A0 + off + len, r->base + r->len);
}

/* get then put at once: registers or touches [off, off+len). */
static uint32_t touch(struct cf__mr_cache *c, size_t off, size_t len)
{
  struct cf__mr_ref r;
  uint32_t key;

  get_ok(c, off, len, &r);
  key = r.lkey;
  cf__mr_cache_put(c, &r);
  return key;
}

static int is_live(const struct fake *f, uint32_t lkey)
{
  return f->recs[lkey - KEY0].live;
}

static void test_args(void)
{
  struct fake f;
  struct cf__mr_ops ops = { fake_reg, fake_dereg, &f }, bad = ops;
  struct cf__mr_cache *c = (void *)1;
  struct cf__mr_ref r;

  ASSERT_EQ(cf__mr_cache_new(NULL, 1, 1, &c), CF_EINVAL);
  ASSERT_NULL(c);
  ASSERT_EQ(cf__mr_cache_new(&ops, 0, 1, &c), CF_EINVAL);
  ASSERT_EQ(cf__mr_cache_new(&ops, 1, 0, &c), CF_EINVAL);
  ASSERT_EQ(cf__mr_cache_new(&ops, 1, CF__MR_CACHE_MAX_ENTRIES + 1, &c), CF_EINVAL);
  ASSERT_EQ(cf__mr_cache_new(&ops, 1, 1, NULL), CF_EINVAL);
  bad.reg = NULL;
  ASSERT_EQ(cf__mr_cache_new(&bad, 1, 1, &c), CF_EINVAL);
  bad = ops;
  bad.dereg = NULL;
  ASSERT_EQ(cf__mr_cache_new(&bad, 1, 1, &c), CF_EINVAL);

  c = mk(&f, 64 * pg, 16);
  memset(&r, 0xff, sizeof(r));
  ASSERT_EQ(cf__mr_cache_get(c, NULL, 1, &r), CF_EINVAL);
  ASSERT_NULL(r.entry_);
  ASSERT_UEQ(r.len, 0);
  ASSERT_EQ(cf__mr_cache_get(c, at(0), 0, &r), CF_EINVAL);
  ASSERT_EQ(cf__mr_cache_get(c, at(0), 1, NULL), CF_EINVAL);
  ASSERT_EQ(cf__mr_cache_get(NULL, at(0), 1, &r), CF_EINVAL);
  ASSERT_EQ(cf__mr_cache_get(c, at(0), SIZE_MAX, &r), CF_EINVAL); /* wraps */
  ASSERT_EQ(cf__mr_cache_get(c, (void *)(UINTPTR_MAX - pg), 8, &r), CF_EINVAL);
  ASSERT_UEQ(f.regs, 0);
  cf__mr_cache_put(c, &r); /* zeroed: nothing */
  cf__mr_cache_put(NULL, &r);
  cf__mr_cache_invalidate(c, at(0), 0);
  cf__mr_cache_invalidate(c, at(0), SIZE_MAX); /* cut at the end */
  done(c, &f);
  cf__mr_cache_free(NULL);
}

static void test_hits(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 64 * pg, 16);
  struct cf__mr_ref r[8];

  get_ok(c, 100, 50, &r[0]);
  ASSERT_UEQ(r[0].base, A0);
  ASSERT_UEQ(r[0].len, pg);
  rec_of(&f, &r[0]);
  for (int i = 1; i < 8; i++) {
    get_ok(c, (size_t)i * (pg / 8), pg / 8, &r[i]);
    ASSERT_UEQ(r[i].lkey, r[0].lkey);
  }
  ASSERT_UEQ(f.regs, 1);
  ASSERT_UEQ(stats(c).hits, 7);
  ASSERT_UEQ(stats(c).in_use, 1);
  for (int i = 0; i < 8; i++) {
    cf__mr_cache_put(c, &r[i]);
    ASSERT_NULL(r[i].entry_);
  }
  ASSERT_UEQ(stats(c).in_use, 0);
  ASSERT_UEQ(touch(c, pg - 1, 1), KEY0); /* still cached once unused */
  ASSERT_UEQ(f.regs, 1);
  ASSERT_UEQ(f.deregs, 0);
  check_counts(c, &f);
  done(c, &f);
}

static void test_alignment(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 64 * pg, 16);
  struct cf__mr_ref r;

  get_ok(c, pg - 1, 2, &r); /* two bytes, two pages */
  ASSERT_UEQ(r.base, A0);
  ASSERT_UEQ(r.len, 2 * pg);
  cf__mr_cache_put(c, &r);
  get_ok(c, 5 * pg + 1, pg, &r);
  ASSERT_UEQ(r.base, A0 + 5 * pg);
  ASSERT_UEQ(r.len, 2 * pg);
  cf__mr_cache_put(c, &r);
  get_ok(c, 8 * pg, pg, &r); /* exact page: one */
  ASSERT_UEQ(r.base, A0 + 8 * pg);
  ASSERT_UEQ(r.len, pg);
  cf__mr_cache_put(c, &r);
  ASSERT_UEQ(f.regs, 3);
  ASSERT_UEQ(stats(c).bytes, 5 * pg);
  check_counts(c, &f);
  done(c, &f);
}

/* A get across two entries makes one entry of both; the unused one goes at
 * once, the one in use at its put, and both halves then hit the new one. */
static void test_span(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 64 * pg, 16);
  struct cf__mr_ref held, r;
  uint32_t ka, kb, kab;

  ka = touch(c, 0, pg);
  get_ok(c, pg, pg, &held);
  kb = held.lkey;
  get_ok(c, pg - 8, 16, &r);
  kab = r.lkey;
  ASSERT_UEQ(r.base, A0);
  ASSERT_UEQ(r.len, 2 * pg);
  ASSERT(!is_live(&f, ka));
  ASSERT(is_live(&f, kb)); /* in use */
  ASSERT_UEQ(stats(c).entries, 2);
  ASSERT_UEQ(stats(c).bytes, 3 * pg);
  cf__mr_cache_put(c, &held);
  ASSERT(!is_live(&f, kb));
  cf__mr_cache_put(c, &r);
  ASSERT_UEQ(touch(c, 0, pg), kab);
  ASSERT_UEQ(touch(c, pg, pg), kab);
  ASSERT_UEQ(f.regs, 3);
  /* Partly overlapping growth: [0,2) + [1,4) -> [0,4), then [3,6) -> [0,6). */
  get_ok(c, pg, 3 * pg, &r);
  ASSERT_UEQ(r.base, A0);
  ASSERT_UEQ(r.len, 4 * pg);
  cf__mr_cache_put(c, &r);
  get_ok(c, 3 * pg + 1, 2 * pg, &r);
  ASSERT_UEQ(r.base, A0);
  ASSERT_UEQ(r.len, 6 * pg);
  cf__mr_cache_put(c, &r);
  ASSERT_UEQ(stats(c).entries, 1);
  check_counts(c, &f);
  done(c, &f);

  /* A join over the budget falls back to the range alone. */
  c = mk(&f, 4 * pg, 16);
  ka = touch(c, 0, 3 * pg);
  get_ok(c, 2 * pg, 3 * pg, &r);
  ASSERT_UEQ(r.base, A0 + 2 * pg);
  ASSERT_UEQ(r.len, 3 * pg);
  ASSERT(!is_live(&f, ka));
  ASSERT_UEQ(stats(c).refused, 0);
  cf__mr_cache_put(c, &r);
  check_counts(c, &f);
  done(c, &f);
}

static void test_lru_bytes(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 3 * pg, 100);
  uint32_t k1, k2, k3, k4;

  k1 = touch(c, 0, pg);
  k2 = touch(c, 10 * pg, pg);
  k3 = touch(c, 20 * pg, pg);
  ASSERT_UEQ(touch(c, 0, pg), k1); /* order now k2, k3, k1 */
  k4 = touch(c, 30 * pg, pg);
  ASSERT(!is_live(&f, k2));
  ASSERT(is_live(&f, k3) && is_live(&f, k1) && is_live(&f, k4));
  ASSERT_UEQ(stats(c).evictions, 1);
  touch(c, 40 * pg, 2 * pg); /* two pages: k3 then k1 go */
  ASSERT(!is_live(&f, k3) && !is_live(&f, k1));
  ASSERT(is_live(&f, k4));
  ASSERT_UEQ(stats(c).evictions, 3);
  ASSERT_UEQ(stats(c).bytes, 3 * pg);
  check_counts(c, &f);
  done(c, &f);
}

static void test_lru_entries(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 1000 * pg, 2);
  uint32_t k1, k2, k3;

  k1 = touch(c, 0, pg);
  k2 = touch(c, 10 * pg, pg);
  ASSERT_UEQ(touch(c, 0, pg), k1); /* order now k2, k1 */
  k3 = touch(c, 20 * pg, pg);
  ASSERT(!is_live(&f, k2));
  ASSERT(is_live(&f, k1) && is_live(&f, k3));
  touch(c, 30 * pg, pg);
  ASSERT(!is_live(&f, k1));
  ASSERT(is_live(&f, k3));
  ASSERT_UEQ(stats(c).entries, 2);
  check_counts(c, &f);
  done(c, &f);
}

static void test_in_use(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 2 * pg, 100);
  struct cf__mr_ref r1, r2, r3;
  uint64_t regs;

  get_ok(c, 0, pg, &r1);
  get_ok(c, 10 * pg, pg, &r2);
  regs = f.regs;
  memset(&r3, 0xff, sizeof(r3));
  ASSERT_EQ(cf__mr_cache_get(c, at(20 * pg), 1, &r3), CF_ETOOBIG);
  ASSERT_NULL(r3.entry_);
  ASSERT_UEQ(f.regs, regs);
  ASSERT_UEQ(f.deregs, 0);
  ASSERT_UEQ(stats(c).refused, 1);
  ASSERT_EQ(cf__mr_cache_get(c, at(0), pg + 1, &r3), CF_ETOOBIG); /* would merge */
  ASSERT_UEQ(f.deregs, 0);
  cf__mr_cache_put(c, &r1);
  get_ok(c, 20 * pg, 1, &r3); /* now r1's entry can go, r2's not */
  ASSERT(is_live(&f, r2.lkey));
  ASSERT_UEQ(f.deregs, 1);
  cf__mr_cache_put(c, &r2);
  cf__mr_cache_put(c, &r3);
  /* Larger than the budget: refused even with everything unused. */
  ASSERT_EQ(cf__mr_cache_get(c, at(40 * pg), 2 * pg + 1, &r3), CF_ETOOBIG);
  ASSERT_UEQ(f.deregs, 1);
  /* Entry bound too. */
  done(c, &f);
  c = mk(&f, 100 * pg, 1);
  get_ok(c, 0, pg, &r1);
  ASSERT_EQ(cf__mr_cache_get(c, at(10 * pg), 1, &r3), CF_ETOOBIG);
  cf__mr_cache_put(c, &r1);
  touch(c, 10 * pg, 1);
  check_counts(c, &f);
  done(c, &f);
}

static void test_invalidate(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 64 * pg, 16);
  struct cf__mr_ref r1, r2, r3;
  uint32_t k1, k2, k3;

  /* Unused: deregistered now; the next get registers afresh. */
  k1 = touch(c, 0, pg);
  cf__mr_cache_invalidate(c, at(0), pg);
  ASSERT(!is_live(&f, k1));
  ASSERT_UEQ(stats(c).entries, 0);
  ASSERT(touch(c, 0, pg) != k1);
  ASSERT_UEQ(f.regs, 2);
  cf__mr_cache_invalidate(c, at(0), pg);

  /* In use: deregistered at the last put, never handed out again. */
  get_ok(c, 0, pg, &r1);
  get_ok(c, 0, pg, &r2);
  k1 = r1.lkey;
  cf__mr_cache_invalidate(c, at(0), pg);
  ASSERT(is_live(&f, k1));
  get_ok(c, 0, pg, &r3);
  ASSERT(r3.lkey != k1);
  cf__mr_cache_put(c, &r1);
  ASSERT(is_live(&f, k1));
  ASSERT_UEQ(stats(c).entries, 2);
  cf__mr_cache_put(c, &r2);
  ASSERT(!is_live(&f, k1));
  ASSERT(is_live(&f, r3.lkey));
  cf__mr_cache_put(c, &r3);
  cf__mr_cache_invalidate(c, at(0), pg);
  ASSERT_UEQ(stats(c).entries, 0);

  /* Partial overlaps: any byte drops the whole entry, neighbours stay. */
  touch(c, 0, 4 * pg);
  cf__mr_cache_invalidate(c, at(3 * pg + 10), 1);
  ASSERT_UEQ(stats(c).entries, 0);
  k1 = touch(c, 10 * pg, pg);
  k2 = touch(c, 11 * pg, pg);
  k3 = touch(c, 12 * pg, pg);
  cf__mr_cache_invalidate(c, at(9 * pg), pg);      /* ends where k1 starts */
  cf__mr_cache_invalidate(c, at(13 * pg), 5 * pg); /* starts where k3 ends */
  ASSERT(is_live(&f, k1) && is_live(&f, k2) && is_live(&f, k3));
  cf__mr_cache_invalidate(c, at(11 * pg - 1), 2);
  ASSERT(!is_live(&f, k1) && !is_live(&f, k2));
  ASSERT(is_live(&f, k3));
  ASSERT_UEQ(touch(c, 12 * pg, 1), k3);
  check_counts(c, &f);
  done(c, &f);
}

static void test_reg_failure(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 64 * pg, 16);
  struct cf__mr_ref r;

  f.fail = 1;
  errno = 0;
  memset(&r, 0xff, sizeof(r));
  ASSERT_EQ(cf__mr_cache_get(c, at(0), pg, &r), CF_EIO);
  ASSERT_EQ(errno, ENOMEM);
  ASSERT_NULL(r.entry_);
  ASSERT_UEQ(stats(c).entries, 0);
  ASSERT_UEQ(stats(c).bytes, 0);
  ASSERT_UEQ(stats(c).in_use, 0);
  get_ok(c, 0, pg, &r); /* registers now, so no entry was left behind */
  ASSERT_UEQ(f.regs, 1);
  cf__mr_cache_put(c, &r);
  check_counts(c, &f);
  done(c, &f);
}

/* free deregisters everything: unused, in use, and invalidated in use. */
static void test_free(void)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, 64 * pg, 16);
  struct cf__mr_ref r1, r2;

  touch(c, 0, pg);
  get_ok(c, 10 * pg, pg, &r1);
  get_ok(c, 20 * pg, pg, &r2);
  cf__mr_cache_invalidate(c, at(20 * pg), pg);
  ASSERT_UEQ(f.live_n, 3);
  done(c, &f); /* r1, r2 dangle: the caller bug free() tolerates */
}

/* ---- randomised model -------------------------------------------------- */

#define R_PAGES 64
#define R_MAX_BYTES (16 * pg)
#define R_MAX_ENTRIES 6
#define R_HELD 8

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng % n);
}

static void random_run(uint64_t seed, int steps)
{
  struct fake f;
  struct cf__mr_cache *c = mk(&f, R_MAX_BYTES, R_MAX_ENTRIES);
  struct cf__mr_ref held[R_HELD];
  int nheld = 0;
  uint64_t inval[R_PAGES] = { 0 }; /* clock at the page's last invalidation */

  rng = seed;
  for (int step = 0; step < steps; step++) {
    uint32_t op = rnd(100);
    size_t off = rnd(R_PAGES * (uint32_t)pg);
    size_t len = 1 + rnd((uint32_t)(off % 5 == 0 ? 20 * pg : 3 * pg));

    if (off + len > R_PAGES * pg)
      len = R_PAGES * pg - off;
    if (op < 45 && nheld < R_HELD) {
      struct cf__mr_ref *r = &held[nheld];
      uint64_t regs = f.regs, deregs = f.deregs;
      size_t pages = (off + len - 1) / pg - off / pg + 1;
      size_t held_bytes = 0, held_n = 0;
      int rc;

      for (int h = 0; h < nheld; h++) { /* distinct registrations in use */
        int seen = 0;

        for (int g = 0; g < h; g++)
          seen |= held[g].lkey == held[h].lkey;
        if (!seen) {
          held_bytes += held[h].len;
          held_n++;
        }
      }
      f.fail = rnd(40) == 0;
      rc = cf__mr_cache_get(c, at(off), len, r);
      f.fail = 0;
      if (rc == 0) {
        struct rec *rec = rec_of(&f, r);

        ASSERT_LE(r->base, A0 + off);
        ASSERT_LE(A0 + off + len, r->base + r->len);
        /* Never a registration older than an invalidation of its range. */
        for (uintptr_t p = rec->base; p < rec->base + rec->len; p += pg)
          ASSERT_LT(inval[(p - A0) / pg], rec->born);
        nheld++;
      } else if (rc == CF_ETOOBIG) {
        /* Only when the entries in use leave no room for the range, and
         * then nothing changed. */
        ASSERT(held_bytes + pages * pg > R_MAX_BYTES || held_n >= R_MAX_ENTRIES);
        ASSERT_UEQ(f.regs, regs);
        ASSERT_UEQ(f.deregs, deregs);
      } else {
        ASSERT_EQ(rc, CF_EIO);
        ASSERT_UEQ(f.regs, regs);
      }
    } else if (op < 85 && nheld > 0) {
      int i = (int)rnd((uint32_t)nheld);

      cf__mr_cache_put(c, &held[i]);
      held[i] = held[--nheld];
    } else if (op >= 85) {
      cf__mr_cache_invalidate(c, at(off), len);
      f.clock++;
      for (size_t p = off / pg; p <= (off + len - 1) / pg; p++)
        inval[p] = f.clock;
      /* Every live registration touching the range is one still in use. */
      for (size_t i = 0; i < f.nrecs; i++) {
        const struct rec *rec = &f.recs[i];
        int used = 0;

        if (!rec->live || rec->base >= A0 + off + len || rec->base + rec->len <= A0 + off)
          continue;
        for (int h = 0; h < nheld; h++)
          used |= held[h].lkey == KEY0 + i;
        ASSERT(used);
      }
    }
    /* Invariants after every step. */
    check_counts(c, &f);
    ASSERT_LE(stats(c).bytes, R_MAX_BYTES);
    ASSERT_LE(stats(c).entries, R_MAX_ENTRIES);
    for (int h = 0; h < nheld; h++)
      rec_of(&f, &held[h]); /* in use: still registered */
    if (nheld == 0)
      ASSERT_UEQ(stats(c).in_use, 0);
  }
  while (nheld > 0)
    cf__mr_cache_put(c, &held[--nheld]);
  ASSERT_UEQ(stats(c).in_use, 0);
  check_counts(c, &f);
  ASSERT_GT(stats(c).hits, 0);
  ASSERT_GT(stats(c).evictions, 0);
  ASSERT_GT(stats(c).refused, 0);
  done(c, &f);
}

int main(void)
{
  pg = (size_t)sysconf(_SC_PAGESIZE);
  test_args();
  test_hits();
  test_alignment();
  test_span();
  test_lru_bytes();
  test_lru_entries();
  test_in_use();
  test_invalidate();
  test_reg_failure();
  test_free();
  for (uint64_t seed = 1; seed <= 20; seed++)
    random_run(seed * 0x9e3779b97f4a7c15u, 20000);
  return 0;
}
