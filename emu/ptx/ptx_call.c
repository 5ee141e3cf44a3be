/* Device-function calls of the PTX interpreter: per-thread call frames,
 * call and ret, and the builtin extern functions (vprintf, __assertfail).
 *
 * The call stack is data, never host recursion: a thread's suspended
 * callers are an array of struct cf__ptx_frame (at most
 * CF__PTX_MAX_CALL_DEPTH), and each frame's register file and .param area
 * live in the thread's arena (t->stk, grown by doubling and addressed by
 * word offsets, so growing may move it). The kernel frame keeps its
 * registers where the launch put them (t->r0) and its .param area at the
 * start of the arena. .local is one per-thread stack of bytes: a callee's
 * frame starts above its caller's top, so a generic pointer into a
 * caller's locals stays valid in the callee, as on hardware. All frame
 * memory of a block context counts against CF__PTX_MAX_STACK; running out
 * or going deeper than the frame limit faults the launch (719) instead of
 * growing without bound.
 *
 * A call copies the arguments from the caller's .param variables (or
 * registers, for .reg parameters) into the callee's fresh frame; ret copies
 * the return values back into the variables the call named. Signatures
 * were matched at load for direct calls; an indirect call checks the
 * function it reaches here. Threads: a thread is run by one host thread at
 * a time, and the module is read-only. */
#include <stdlib.h>
#include <string.h>

#include "ptx_internal.h"

#define WORDS(bytes) (((uint64_t)(bytes) + 7) / 8)

/* Fault of thread t at i: name the function that is running. */
#define CALL_FAULT(code, ...)                                                \
  (b->fn = t->fn, cf__ptx_fault(b, i, (code), __VA_ARGS__))

static int grow_stk(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                    uint64_t words) {
  if (words <= t->stk_cap)
    return 0;
  uint64_t cap = t->stk_cap ? t->stk_cap : 64;
  while (cap < words)
    cap *= 2;
  uint64_t add = (cap - t->stk_cap) * 8;
  if (cap > CF__PTX_MAX_STACK / 8 || add > CF__PTX_MAX_STACK - b->stack_bytes)
    return -1;
  uint64_t *n = realloc(t->stk, (size_t)cap * 8);
  if (n == NULL)
    return -1;
  t->stk = n;
  t->stk_cap = cap;
  b->stack_bytes += add;
  return 0;
}

static int grow_local(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                      uint64_t bytes) {
  if (bytes <= t->local_cap)
    return 0;
  uint64_t cap = t->local_cap ? t->local_cap : 256;
  while (cap < bytes)
    cap *= 2;
  uint64_t add = cap - t->local_cap;
  if (cap > CF__PTX_MAX_STACK || add > CF__PTX_MAX_STACK - b->stack_bytes)
    return -1;
  uint8_t *n = realloc(t->local, (size_t)cap);
  if (n == NULL)
    return -1;
  t->local = n;
  t->local_cap = cap;
  b->stack_bytes += add;
  return 0;
}

int cf__ptx_thread_init(struct cf__ptx_block *b, struct cf__ptx_thread *t) {
  const struct cf_ptx_kernel *k = b->k;
  t->r0 = t->r;
  t->local = calloc(1, k->local_bytes ? k->local_bytes : 1);
  if (t->local == NULL)
    return -1;
  t->local_cap = k->local_bytes;
  if (k->fparam_bytes > 0) {
    t->stk = calloc(WORDS(k->fparam_bytes), 8);
    if (t->stk == NULL)
      return -1;
    t->stk_cap = WORDS(k->fparam_bytes);
  }
  return 0;
}

void cf__ptx_thread_free(struct cf__ptx_thread *t) {
  free(t->local);
  free(t->stk);
  free(t->frames);
  t->local = NULL;
  t->stk = NULL;
  t->frames = NULL;
}

void cf__ptx_thread_reset(struct cf__ptx_block *b, struct cf__ptx_thread *t) {
  const struct cf_ptx_kernel *k = b->k;
  t->fn = k;
  t->r = t->r0;
  t->depth = 0;
  t->stk_top = WORDS(k->fparam_bytes);
  t->fparam = (uint8_t *)t->stk;
  t->fparam_len = k->fparam_bytes;
  if (k->fparam_bytes > 0)
    memset(t->stk, 0, (size_t)t->stk_top * 8);
  t->local_len = k->local_bytes;
  if (k->local_bytes > 0)
    memset(t->local, 0, k->local_bytes);
}

static int sig_match(const struct cf_ptx_kernel *g,
                     const struct cf__ptx_callsite *cs,
                     const struct cf__ptx_parg *ca) {
  if (g->nsret != cs->nret || g->nsarg != cs->narg)
    return 0;
  for (uint32_t j = 0; j < cs->nret + cs->narg; j++)
    if (g->sig[j].is_reg != ca[j].is_reg || g->sig[j].size != ca[j].size)
      return 0;
  return 1;
}

/* Argument j of a call to a builtin, zero-extended. */
static uint64_t barg(const struct cf__ptx_thread *t,
                     const struct cf__ptx_parg *a) {
  uint64_t v = 0;
  if (a->is_reg)
    return t->r[a->where];
  memcpy(&v, t->fparam + a->where, a->size < 8 ? a->size : 8);
  return v;
}

static int builtin(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                   const struct cf__ptx_insn *i, const struct cf_ptx_kernel *g,
                   const struct cf__ptx_callsite *cs,
                   const struct cf__ptx_parg *ca, uint32_t ret_pc) {
  const struct cf__ptx_parg *args = ca + cs->nret;
  b->fn = t->fn;
  if (g->builtin == CF__PTX_BI_VPRINTF) {
    int32_t n = 0;
    int rc = cf__ptx_vprintf(b, t, i, barg(t, &args[0]), barg(t, &args[1]),
                             &n);
    if (rc != 0)
      return rc;
    uint32_t u = (uint32_t)n;
    if (ca[0].is_reg)
      t->r[ca[0].where] = u;
    else
      memcpy(t->fparam + ca[0].where, &u, 4);
  } else {
    uint64_t a[5];
    for (unsigned j = 0; j < 5; j++)
      a[j] = barg(t, &args[j]);
    return cf__ptx_assertfail(b, t, i, a);
  }
  t->pc = ret_pc;
  return 0;
}

int cf__ptx_call(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                 const struct cf__ptx_insn *i, uint32_t ret_pc) {
  const struct cf_ptx_kernel *k = t->fn;
  const struct cf_ptx_module *m = k->mod;
  const struct cf__ptx_callsite *cs = &k->calls[i->imm];
  const struct cf__ptx_parg *ca = k->cargs + cs->first;
  const struct cf_ptx_kernel *g;
  if (cs->callee != UINT32_MAX) {
    g = &m->kernels[cs->callee];
  } else {
    uint64_t a = t->r[i->o[1]], idx = a - CF__PTX_FUNC_WINDOW;
    if (idx >= m->nkernels)
      return CALL_FAULT(719, "indirect call to 0x%llx, not a function",
                        (unsigned long long)a);
    g = &m->kernels[idx];
    if (g->is_entry || (!g->has_body && !g->builtin) || !sig_match(g, cs, ca))
      return CALL_FAULT(719, "indirect call to '%s' does not match its "
                        "prototype", g->name);
  }
  if (++b->back_branches > CF__PTX_MAX_BACK_BRANCHES)
    return CALL_FAULT(702, "too many calls and loop iterations (hang guard)");
  if (g->builtin)
    return builtin(b, t, i, g, cs, ca, ret_pc);
  if (t->depth >= CF__PTX_MAX_CALL_DEPTH)
    return CALL_FAULT(719, "call stack overflow: more than %u frames",
                      CF__PTX_MAX_CALL_DEPTH);
  if (t->depth == t->cap_frames) {
    uint32_t cap = t->cap_frames ? t->cap_frames * 2 : 8;
    uint64_t add = (uint64_t)(cap - t->cap_frames) * sizeof *t->frames;
    struct cf__ptx_frame *f = NULL;
    if (add <= CF__PTX_MAX_STACK - b->stack_bytes)
      f = realloc(t->frames, cap * sizeof *f);
    if (f == NULL)
      return CALL_FAULT(719, "out of call stack memory");
    t->frames = f;
    t->cap_frames = cap;
    b->stack_bytes += add;
  }
  struct cf__ptx_frame *fr = &t->frames[t->depth];
  fr->fn = k;
  fr->pc = ret_pc;
  fr->site = (uint32_t)i->imm;
  fr->reg_off = t->depth == 0 ? UINT64_MAX : (uint64_t)(t->r - t->stk);
  fr->fparam_off = t->depth == 0 ? 0 : (uint64_t)((uint64_t *)(void *)t->fparam -
                                                  t->stk);
  fr->stk_top = t->stk_top;
  fr->local_len = t->local_len;
  uint64_t roff = t->stk_top, poff = roff + g->nslots;
  uint64_t top = poff + WORDS(g->fparam_bytes);
  uint64_t lbase = (t->local_len + g->local_align - 1) &
                   ~(uint64_t)(g->local_align - 1);
  uint64_t ltop = lbase + g->local_bytes;
  if (grow_stk(b, t, top) != 0 || grow_local(b, t, ltop) != 0)
    return CALL_FAULT(719, "out of call stack memory at depth %u",
                      (unsigned)t->depth);
  /* the arena may have moved: everything from offsets now */
  const uint64_t *cr = fr->reg_off == UINT64_MAX ? t->r0 : t->stk + fr->reg_off;
  const uint8_t *cp = (const uint8_t *)(t->stk + fr->fparam_off);
  uint64_t *R = t->stk + roff;
  uint8_t *P = (uint8_t *)(t->stk + poff);
  memcpy(R, g->tmpl, (size_t)g->nslots * 8);
  memcpy(R + CF__PTX_SLOT_SREG0, cr + CF__PTX_SLOT_SREG0,
         CF__PTX_SR_COUNT_ * sizeof *R);
  for (uint32_t x = 0; x < g->nfix; x++) {
    const struct cf__ptx_mvar *v = &m->vars[g->fix[x].var];
    if (!v->bound)
      return CALL_FAULT(719, "variable '%s' is not bound", v->pub.name);
    R[g->fix[x].slot] = v->addr + g->fix[x].offset;
  }
  for (uint32_t x = 0; x < g->nlpatch; x++)
    R[g->lpatch[x]] += lbase;
  for (uint32_t x = 0; x < g->ndpatch; x++)
    R[g->dpatch[x]] += b->k->dyn_shared_offset;
  memset(P, 0, (size_t)WORDS(g->fparam_bytes) * 8);
  if (ltop > t->local_len)
    memset(t->local + t->local_len, 0, (size_t)(ltop - t->local_len));
  const struct cf__ptx_parg *sa = g->sig + g->nsret, *aa = ca + cs->nret;
  for (uint32_t j = 0; j < cs->narg; j++) {
    if (sa[j].is_reg)
      R[sa[j].where] = cr[aa[j].where];
    else
      memcpy(P + sa[j].where, cp + aa[j].where, sa[j].size);
  }
  t->depth++;
  t->fn = g;
  t->r = R;
  t->fparam = P;
  t->fparam_len = g->fparam_bytes;
  t->stk_top = top;
  t->local_len = ltop;
  t->pc = 0;
  return 0;
}

void cf__ptx_ret(struct cf__ptx_thread *t) {
  const struct cf_ptx_kernel *g = t->fn;
  const struct cf__ptx_frame *fr = &t->frames[--t->depth];
  const struct cf_ptx_kernel *k = fr->fn;
  const struct cf__ptx_callsite *cs = &k->calls[fr->site];
  const struct cf__ptx_parg *ca = k->cargs + cs->first;
  uint64_t *cr = fr->reg_off == UINT64_MAX ? t->r0 : t->stk + fr->reg_off;
  uint8_t *cp = (uint8_t *)(t->stk + fr->fparam_off);
  for (uint32_t j = 0; j < cs->nret; j++) {
    if (ca[j].is_reg)
      cr[ca[j].where] = t->r[g->sig[j].where];
    else
      memcpy(cp + ca[j].where, t->fparam + g->sig[j].where, ca[j].size);
  }
  t->fn = k;
  t->r = cr;
  t->fparam = cp;
  t->fparam_len = k->fparam_bytes;
  t->stk_top = fr->stk_top;
  t->local_len = fr->local_len;
  t->pc = fr->pc;
}
