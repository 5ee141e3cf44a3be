/* Grid launch: checks the launch against the kernel, then runs every block
 * to completion on a small pool of host threads (the caller plus up to
 * ncpu-1 workers; CF_PTX_THREADS overrides the count). Blocks are handed
 * out through one atomic counter; the first fault stops the others from
 * starting new blocks, and its code and message are returned.
 *
 * Inside a block, threads run one at a time, each until it exits or parks
 * (ptx_exec.c), in round-robin passes. Block barriers (bar.sync/barrier.sync
 * id[, count]) release when the arrivals reach count, or, without a count,
 * every thread that has not exited: exited threads do not count, as on
 * hardware. Warp collectives (shfl.sync, vote.sync, bar.warp.sync,
 * activemask, match.sync, redux.sync) complete
 * when every live lane in (membermask | self) waits at the same
 * instruction; lanes that do not exist or have exited are left out (a
 * shfl from such a lane returns the caller's own value). If nothing can
 * run, pending warp collectives are completed with the lanes present; if
 * even that is impossible the launch fails with 719 (deadlock).
 *
 * Each worker owns one block context (registers, local memory, shared
 * memory) that it reuses for all its blocks. A module is only read here,
 * so launches of one module may run concurrently. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptx_internal.h"

#define MAX_STATIC_SHARED (48u << 10)
#define MAX_TOTAL_SHARED  (227u << 10)
#define MAX_WORKERS 64

struct cf__ptx_launchctx {
  const struct cf_ptx_kernel *k;
  const struct cf_ptx_launch *l;
  uint64_t *tmpl;               /* template with bound variable addresses */
  uint64_t nblocks;
  uint32_t nthreads;
  unsigned nworkers;
  _Atomic uint64_t next;
  atomic_int stop;
  pthread_mutex_t lock;
  int code;
  char msg[320];
};

struct worker {
  struct cf__ptx_launchctx *lc;
  unsigned index;
  struct cf__ptx_block b;
  uint64_t *regs;
  uint64_t *btmpl;
  int rc;
};

static int worker_init(struct worker *w) {
  struct cf__ptx_launchctx *lc = w->lc;
  const struct cf_ptx_kernel *k = lc->k;
  struct cf__ptx_block *b = &w->b;
  memset(b, 0, sizeof *b);
  b->k = k;
  b->l = lc->l;
  b->params = lc->l->params;
  b->params_len = lc->l->params_len;
  b->nthreads = lc->nthreads;
  b->nwarps = (lc->nthreads + 31) / 32;
  b->shared_len = (uint64_t)k->dyn_shared_offset + lc->l->dynamic_shared_bytes;
  b->shared = calloc(1, b->shared_len ? b->shared_len : 1);
  b->threads = calloc(b->nthreads, sizeof *b->threads);
  b->warp_live = calloc(b->nwarps, sizeof *b->warp_live);
  b->warp_wait = calloc(b->nwarps, sizeof *b->warp_wait);
  w->regs = malloc((size_t)k->nslots * b->nthreads * sizeof *w->regs);
  w->btmpl = malloc((size_t)k->nslots * sizeof *w->btmpl);
  if (b->shared == NULL || b->threads == NULL || b->warp_live == NULL ||
      b->warp_wait == NULL || w->regs == NULL || w->btmpl == NULL)
    return 1;
  for (uint32_t n = 0; n < b->nthreads; n++) {
    b->threads[n].r = w->regs + (size_t)n * k->nslots;
    if (cf__ptx_thread_init(b, &b->threads[n]) != 0)
      return 1;
  }
  return 0;
}

static void worker_free(struct worker *w) {
  struct cf__ptx_block *b = &w->b;
  if (b->threads != NULL)
    for (uint32_t n = 0; n < b->nthreads; n++)
      cf__ptx_thread_free(&b->threads[n]);
  free(b->shared);
  free(b->threads);
  free(b->warp_live);
  free(b->warp_wait);
  free(w->regs);
  free(w->btmpl);
}

/* ---- block scheduling ---- */

struct sched {
  uint32_t live;
  uint32_t arrived[16];
  uint32_t count[16];
};

static void release_bar(struct cf__ptx_block *b, struct sched *s, unsigned id) {
  uint32_t pop = 0, n = 0;
  const struct cf__ptx_insn *red = NULL;
  for (uint32_t x = 0; x < b->nthreads; x++) {
    struct cf__ptx_thread *t = &b->threads[x];
    if (t->state == CF__PTX_T_BAR && t->bar_id == id) {
      n++;
      pop += (uint32_t)(t->wval & 1);
      if (t->fn->code[t->pc - 1].op == CF__PTX_OP_BAR_RED)
        red = &t->fn->code[t->pc - 1];
    }
  }
  for (uint32_t x = 0; x < b->nthreads; x++) {
    struct cf__ptx_thread *t = &b->threads[x];
    if (t->state != CF__PTX_T_BAR || t->bar_id != id)
      continue;
    const struct cf__ptx_insn *i = &t->fn->code[t->pc - 1];
    if (i->op == CF__PTX_OP_BAR_RED && red != NULL) {
      uint64_t v = i->sub == CF__PTX_BRED_POPC ? pop
                 : i->sub == CF__PTX_BRED_AND ? (uint64_t)(pop == n)
                                              : (uint64_t)(pop != 0);
      t->r[i->o[0]] = v;
    }
    t->state = CF__PTX_T_RUN;
  }
  s->arrived[id] = 0;
  s->count[id] = 0;
}

static void check_bar(struct cf__ptx_block *b, struct sched *s, unsigned id) {
  if (s->arrived[id] == 0)
    return;
  uint32_t need = s->count[id] ? s->count[id] : s->live;
  if (s->arrived[id] >= need)
    release_bar(b, s, id);
}

/* redux.sync over the lanes in part (values zero-extended in wval). */
static uint64_t redux(const struct cf__ptx_insn *i,
                      const struct cf__ptx_thread *base, uint32_t part) {
  int sgn = (i->flags & CF__PTX_F_SIGNED) != 0, first = 1;
  uint32_t acc = 0;
  for (unsigned j = 0; j < 32; j++) {
    if (!((part >> j) & 1))
      continue;
    uint32_t v = (uint32_t)base[j].wval;
    if (first) {
      acc = v;
      first = 0;
      continue;
    }
    switch (i->sub) {
    case CF__PTX_REDUX_ADD: acc += v; break;
    case CF__PTX_REDUX_MIN:
      acc = sgn ? ((int32_t)v < (int32_t)acc ? v : acc) : (v < acc ? v : acc);
      break;
    case CF__PTX_REDUX_MAX:
      acc = sgn ? ((int32_t)v > (int32_t)acc ? v : acc) : (v > acc ? v : acc);
      break;
    case CF__PTX_REDUX_AND: acc &= v; break;
    case CF__PTX_REDUX_OR: acc |= v; break;
    default: acc ^= v; break;
    }
  }
  return acc;
}

/* Complete the warp collective at fn's pc among the lanes in part. */
static void complete_warp(struct cf__ptx_block *b, uint32_t w,
                          const struct cf_ptx_kernel *fn, uint32_t pc,
                          uint32_t part) {
  struct cf__ptx_thread *base = &b->threads[w * 32];
  const struct cf__ptx_insn *i = &fn->code[pc];
  uint32_t ballot = 0;
  for (unsigned l = 0; l < 32; l++)
    if ((part >> l) & 1)
      ballot |= (uint32_t)(base[l].wval & 1) << l;
  uint64_t res[32];
  uint8_t pres[32];
  for (unsigned l = 0; l < 32; l++) {
    if (!((part >> l) & 1))
      continue;
    struct cf__ptx_thread *t = &base[l];
    if (i->op == CF__PTX_OP_SHFL) {
      uint32_t bval = t->wb & 0x1f, cval = t->wc & 0x1f;
      uint32_t seg = (t->wc >> 8) & 0x1f;
      uint32_t maxl = (l & seg) | (cval & ~seg), minl = l & seg;
      int32_t j;
      int ok;
      switch (i->sub) {
      case CF__PTX_SHFL_UP:
        j = (int32_t)l - (int32_t)bval;
        ok = j >= (int32_t)maxl;
        break;
      case CF__PTX_SHFL_DOWN:
        j = (int32_t)(l + bval);
        ok = j <= (int32_t)maxl;
        break;
      case CF__PTX_SHFL_BFLY:
        j = (int32_t)(l ^ bval);
        ok = j <= (int32_t)maxl;
        break;
      default:
        j = (int32_t)(minl | (bval & ~seg));
        ok = j <= (int32_t)maxl;
        break;
      }
      if (!ok || j < 0 || j > 31 || !((part >> j) & 1))
        j = (int32_t)l;
      res[l] = base[j].wval;
      pres[l] = (uint8_t)ok;
    } else if (i->op == CF__PTX_OP_ACTMASK) {
      res[l] = part;
    } else if (i->op == CF__PTX_OP_MATCH) {
      uint32_t same = 0;
      for (unsigned j = 0; j < 32; j++)
        if (((part >> j) & 1) && base[j].wval == t->wval)
          same |= 1u << j;
      res[l] = i->sub ? (same == part ? part : 0) : same;
      pres[l] = same == part;
    } else if (i->op == CF__PTX_OP_REDUX) {
      res[l] = redux(i, base, part);
    } else if (i->op == CF__PTX_OP_VOTE) {
      uint32_t mine = ballot & part;
      switch (i->sub) {
      case CF__PTX_VOTE_ALL: res[l] = mine == part; break;
      case CF__PTX_VOTE_ANY: res[l] = mine != 0; break;
      case CF__PTX_VOTE_UNI: res[l] = mine == 0 || mine == part; break;
      default: res[l] = ballot; break;
      }
    }
  }
  for (unsigned l = 0; l < 32; l++) {
    if (!((part >> l) & 1))
      continue;
    struct cf__ptx_thread *t = &base[l];
    if (i->op == CF__PTX_OP_SHFL) {
      t->r[i->o[0]] = res[l];
      t->r[i->o[5]] = pres[l];
    } else if (i->op == CF__PTX_OP_MATCH) {
      t->r[i->o[0]] = res[l];
      t->r[i->o[5]] = pres[l];
    } else if (i->op == CF__PTX_OP_VOTE || i->op == CF__PTX_OP_ACTMASK ||
               i->op == CF__PTX_OP_REDUX) {
      t->r[i->o[0]] = res[l];
    }
    t->pc = pc + 1;
    t->state = CF__PTX_T_RUN;
  }
  b->warp_wait[w] &= ~part;
}

/* After lane arrivals or exits in warp w: complete what can complete. */
static int check_warp(struct cf__ptx_block *b, uint32_t w, int force) {
  int done = 0;
  uint32_t wait = b->warp_wait[w];
  struct cf__ptx_thread *base = &b->threads[w * 32];
  while (wait != 0) {
    unsigned l0 = (unsigned)__builtin_ctz(wait);
    uint32_t pc = base[l0].pc;
    const struct cf_ptx_kernel *fn = base[l0].fn;
    uint32_t at = 0, need = 0;
    for (unsigned l = 0; l < 32; l++)
      if (((wait >> l) & 1) && base[l].pc == pc && base[l].fn == fn) {
        at |= 1u << l;
        need |= base[l].wmask | (1u << l);
      }
    need &= b->warp_live[w];
    if (force || (need & ~at) == 0) {
      complete_warp(b, w, fn, pc, force ? at : need);
      done = 1;
      if (force)
        return done;
    }
    wait &= ~at;
  }
  return done;
}

static int run_block(struct worker *wk, uint64_t blk) {
  struct cf__ptx_launchctx *lc = wk->lc;
  struct cf__ptx_block *b = &wk->b;
  const struct cf_ptx_kernel *k = lc->k;
  const struct cf_ptx_launch *l = lc->l;
  uint64_t *bt = wk->btmpl;
  uint32_t ns = k->nslots;
  memcpy(bt, lc->tmpl, (size_t)ns * sizeof *bt);
  uint64_t gx = l->grid[0], gy = l->grid[1];
  bt[CF__PTX_SLOT_SREG0 + CF__PTX_SR_CTAID_X] = blk % gx;
  bt[CF__PTX_SLOT_SREG0 + CF__PTX_SR_CTAID_Y] = (blk / gx) % gy;
  bt[CF__PTX_SLOT_SREG0 + CF__PTX_SR_CTAID_Z] = blk / gx / gy;
  bt[CF__PTX_SLOT_SREG0 + CF__PTX_SR_CLUSTERID_X] = blk % gx;
  bt[CF__PTX_SLOT_SREG0 + CF__PTX_SR_CLUSTERID_Y] = (blk / gx) % gy;
  bt[CF__PTX_SLOT_SREG0 + CF__PTX_SR_CLUSTERID_Z] = blk / gx / gy;
  bt[CF__PTX_SLOT_SREG0 + CF__PTX_SR_SMID] = wk->index;
  memset(b->shared, 0, b->shared_len);
  b->back_branches = 0;
  b->fn = NULL;
  struct sched s;
  memset(&s, 0, sizeof s);
  s.live = b->nthreads;
  unsigned bx = l->block[0], by = l->block[1];
  for (uint32_t w = 0; w < b->nwarps; w++) {
    uint32_t n = b->nthreads - w * 32;
    b->warp_live[w] = n >= 32 ? 0xffffffffu : (1u << n) - 1;
    b->warp_wait[w] = 0;
  }
  for (uint32_t x = 0; x < b->nthreads; x++) {
    struct cf__ptx_thread *t = &b->threads[x];
    cf__ptx_thread_reset(b, t);
    uint64_t *r = t->r;
    memcpy(r, bt, (size_t)ns * sizeof *r);
    uint32_t lane = x & 31;
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_TID_X] = x % bx;
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_TID_Y] = (x / bx) % by;
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_TID_Z] = x / bx / by;
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_LANEID] = lane;
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_WARPID] = x / 32;
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_LANEMASK_EQ] = 1u << lane;
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_LANEMASK_LT] = (1u << lane) - 1;
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_LANEMASK_LE] = (uint32_t)((2ull << lane) - 1);
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_LANEMASK_GT] = (uint32_t)~((2ull << lane) - 1);
    r[CF__PTX_SLOT_SREG0 + CF__PTX_SR_LANEMASK_GE] = ~((1u << lane) - 1);
    t->pc = 0;
    t->state = CF__PTX_T_RUN;
    t->lane = (uint16_t)lane;
    t->warp = x / 32;
  }
  while (s.live > 0) {
    int progress = 0;
    for (uint32_t x = 0; x < b->nthreads; x++) {
      struct cf__ptx_thread *t = &b->threads[x];
      while (t->state == CF__PTX_T_RUN) {
        int rc = cf__ptx_exec(b, t);
        if (rc != 0)
          return rc;
        progress = 1;
        switch (t->state) {
        case CF__PTX_T_EXIT:
          s.live--;
          b->warp_live[t->warp] &= ~(1u << t->lane);
          for (unsigned id = 0; id < 16; id++)
            check_bar(b, &s, id);
          check_warp(b, t->warp, 0);
          break;
        case CF__PTX_T_BAR:
        case CF__PTX_T_ARRIVE:
          s.arrived[t->bar_id]++;
          if (t->bar_count != 0)
            s.count[t->bar_id] = t->bar_count;
          if (t->state == CF__PTX_T_ARRIVE)
            t->state = CF__PTX_T_RUN;
          check_bar(b, &s, t->bar_id);
          break;
        case CF__PTX_T_WARP:
          b->warp_wait[t->warp] |= 1u << t->lane;
          check_warp(b, t->warp, 0);
          break;
        default:
          break;
        }
      }
    }
    if (s.live == 0 || progress)
      continue;
    int forced = 0;
    for (uint32_t w = 0; w < b->nwarps && !forced; w++)
      if (b->warp_wait[w] != 0)
        forced = check_warp(b, w, 1);
    if (!forced) {
      snprintf(b->msg, sizeof b->msg,
               "kernel '%s': deadlock: %u threads wait at a barrier that "
               "cannot complete", k->name, (unsigned)s.live);
      return 719;
    }
  }
  return 0;
}

static void record_fault(struct cf__ptx_launchctx *lc, int code,
                         const char *msg) {
  pthread_mutex_lock(&lc->lock);
  if (lc->code == 0) {
    lc->code = code;
    snprintf(lc->msg, sizeof lc->msg, "%s", msg);
  }
  pthread_mutex_unlock(&lc->lock);
  atomic_store(&lc->stop, 1);
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  struct cf__ptx_launchctx *lc = w->lc;
  if (worker_init(w) != 0) {
    record_fault(lc, 2, "out of memory for a block");
    return NULL;
  }
  while (!atomic_load(&lc->stop)) {
    uint64_t blk = atomic_fetch_add(&lc->next, 1);
    if (blk >= lc->nblocks)
      break;
    int rc = run_block(w, blk);
    if (rc != 0) {
      record_fault(lc, rc, w->b.msg);
      break;
    }
  }
  return NULL;
}

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...) {
  if (err != NULL && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

static unsigned pick_workers(uint64_t nblocks) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  const char *e = getenv("CF_PTX_THREADS");
  if (e != NULL && *e) {
    char *end;
    long v = strtol(e, &end, 10);
    if (*end == '\0' && v > 0)
      n = v;
  }
  if (n < 1)
    n = 1;
  if (n > MAX_WORKERS)
    n = MAX_WORKERS;
  if ((uint64_t)n > nblocks)
    n = (long)nblocks;
  return (unsigned)n;
}

int cf_ptx_launch(const struct cf_ptx_kernel *k, const struct cf_ptx_launch *l,
                  char *err, size_t errlen) {
  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (k == NULL || l == NULL || l->mem == NULL || l->mem->map == NULL)
    return fail(err, errlen, 1, "launch: missing kernel, launch or memory");
  if (!k->is_entry)
    return fail(err, errlen, 1, "'%s' is not a kernel", k->name);
  const unsigned *g = l->grid, *bl = l->block;
  if (g[0] == 0 || g[1] == 0 || g[2] == 0 || bl[0] == 0 || bl[1] == 0 ||
      bl[2] == 0 || g[0] > 0x7fffffffu || g[1] > 65535 || g[2] > 65535 ||
      bl[0] > 1024 || bl[1] > 1024 || bl[2] > 64)
    return fail(err, errlen, 1, "kernel '%s': bad grid or block dimensions",
                k->name);
  uint64_t nthreads = (uint64_t)bl[0] * bl[1] * bl[2];
  uint32_t maxt = k->maxntid ? k->maxntid : CF__PTX_MAX_BLOCK_THREADS;
  if (nthreads > maxt)
    return fail(err, errlen, 1, "kernel '%s': %llu threads per block, limit %u",
                k->name, (unsigned long long)nthreads, (unsigned)maxt);
  if (k->reqntid[0] && (k->reqntid[0] != bl[0] || k->reqntid[1] != bl[1] ||
                        k->reqntid[2] != bl[2]))
    return fail(err, errlen, 1, "kernel '%s': block does not match .reqntid",
                k->name);
  if (l->params_len != k->param_bytes || (l->params_len && l->params == NULL))
    return fail(err, errlen, 1, "kernel '%s': %zu parameter bytes, expected %llu",
                k->name, l->params_len, (unsigned long long)k->param_bytes);
  if (k->shared_bytes > MAX_STATIC_SHARED ||
      (uint64_t)k->dyn_shared_offset + l->dynamic_shared_bytes > MAX_TOTAL_SHARED)
    return fail(err, errlen, 1, "kernel '%s': too much shared memory", k->name);
  if ((uint64_t)k->nslots * 8 * nthreads > CF__PTX_MAX_REGFILE)
    return fail(err, errlen, 701, "kernel '%s': register file too large",
                k->name);
  const struct cf_ptx_module *m = k->mod;
  struct cf__ptx_launchctx lc;
  memset(&lc, 0, sizeof lc);
  lc.tmpl = malloc((size_t)k->nslots * sizeof *lc.tmpl);
  if (lc.tmpl == NULL)
    return fail(err, errlen, 2, "out of memory");
  memcpy(lc.tmpl, k->tmpl, (size_t)k->nslots * sizeof *lc.tmpl);
  for (uint32_t x = 0; x < k->nfix; x++) {
    const struct cf__ptx_mvar *v = &m->vars[k->fix[x].var];
    if (!v->bound) {
      free(lc.tmpl);
      return fail(err, errlen, 719, "kernel '%s': variable '%s' is not bound",
                  k->name, v->pub.name);
    }
    lc.tmpl[k->fix[x].slot] = v->addr + k->fix[x].offset;
  }
  uint64_t *t = lc.tmpl + CF__PTX_SLOT_SREG0;
  lc.k = k;
  lc.l = l;
  lc.nthreads = (uint32_t)nthreads;
  lc.nblocks = (uint64_t)g[0] * g[1] * g[2];
  lc.nworkers = pick_workers(lc.nblocks);
  t[CF__PTX_SR_NTID_X] = bl[0];
  t[CF__PTX_SR_NTID_Y] = bl[1];
  t[CF__PTX_SR_NTID_Z] = bl[2];
  t[CF__PTX_SR_NCTAID_X] = g[0];
  t[CF__PTX_SR_NCTAID_Y] = g[1];
  t[CF__PTX_SR_NCTAID_Z] = g[2];
  t[CF__PTX_SR_NWARPID] = (nthreads + 31) / 32;
  t[CF__PTX_SR_NSMID] = lc.nworkers;
  t[CF__PTX_SR_DYN_SMEM] = l->dynamic_shared_bytes;
  t[CF__PTX_SR_TOTAL_SMEM] = (uint64_t)k->dyn_shared_offset + l->dynamic_shared_bytes;
  t[CF__PTX_SR_CL_NCTAID_X] = 1;
  t[CF__PTX_SR_CL_NCTAID_Y] = 1;
  t[CF__PTX_SR_CL_NCTAID_Z] = 1;
  t[CF__PTX_SR_CL_NCTARANK] = 1;
  t[CF__PTX_SR_NCLUSTERID_X] = g[0];
  t[CF__PTX_SR_NCLUSTERID_Y] = g[1];
  t[CF__PTX_SR_NCLUSTERID_Z] = g[2];
  pthread_mutex_init(&lc.lock, NULL);
  atomic_init(&lc.next, 0);
  atomic_init(&lc.stop, 0);
  struct worker *ws = calloc(lc.nworkers, sizeof *ws);
  pthread_t *tids = calloc(lc.nworkers, sizeof *tids);
  int *started = calloc(lc.nworkers, sizeof *started);
  if (ws == NULL || tids == NULL || started == NULL) {
    free(ws);
    free(tids);
    free(started);
    free(lc.tmpl);
    pthread_mutex_destroy(&lc.lock);
    return fail(err, errlen, 2, "out of memory");
  }
  for (unsigned x = 0; x < lc.nworkers; x++) {
    ws[x].lc = &lc;
    ws[x].index = x;
  }
  for (unsigned x = 1; x < lc.nworkers; x++)
    started[x] = pthread_create(&tids[x], NULL, worker_main, &ws[x]) == 0;
  worker_main(&ws[0]);
  for (unsigned x = 1; x < lc.nworkers; x++)
    if (started[x])
      pthread_join(tids[x], NULL);
  uint64_t executed = 0;
  for (unsigned x = 0; x < lc.nworkers; x++) {
    executed += ws[x].b.executed;
    worker_free(&ws[x]);
  }
  if (l->executed_out != NULL)
    *l->executed_out = executed;
  int code = lc.code;
  if (code != 0 && err != NULL && errlen > 0)
    snprintf(err, errlen, "%s", lc.msg);
  free(ws);
  free(tids);
  free(started);
  free(lc.tmpl);
  pthread_mutex_destroy(&lc.lock);
  return code;
}
