/* PTX parser, names and slots of the function being built: the register
 * file (fixed and declared registers, deduplicated constants, slots for
 * symbol addresses with the fixups and patches they need), the symbol
 * table (kernel parameters, module variables, .shared, .local and .param
 * variables, functions) and name lookup for registers, special registers,
 * symbols and labels. The decoder reaches this through cf__ptx_fn_const
 * and cf__ptx_fn_symaddr. All of it belongs to the function being built
 * and is freed by cf__ptx_fn_reset (ptx_parse_func.c). Single-threaded. */
#include <stdlib.h>
#include <string.h>

#include "ptx_parse.h"

/* ---- slots, constants and symbols ---- */

uint32_t cf__ptx_new_slot(struct cf__ptx_fn *f, uint8_t cls, uint8_t bits,
                          uint64_t val, uint32_t line) {
  if (f->nslots >= CF__PTX_MAX_SLOTS) {
    cf__ptx_fail(f->diag, CF_EPROTO, line, "too many registers");
    return UINT32_MAX;
  }
  if (f->nslots == f->capslots) {
    uint32_t cap = f->capslots ? f->capslots * 2 : 256;
    struct cf__ptx_slotty *st = realloc(f->slotty, cap * sizeof *st);
    if (st != NULL)
      f->slotty = st;
    uint64_t *v = realloc(f->vals, cap * sizeof *v);
    if (v != NULL)
      f->vals = v;
    if (st == NULL || v == NULL) {
      cf__ptx_fail(f->diag, CF_ENOMEM, line, "out of memory");
      return UINT32_MAX;
    }
    f->capslots = cap;
  }
  f->slotty[f->nslots].cls = cls;
  f->slotty[f->nslots].bits = bits;
  f->vals[f->nslots] = val;
  return f->nslots++;
}

static uint64_t mix64(uint64_t v) {
  v ^= v >> 33;
  v *= 0xff51afd7ed558ccdull;
  v ^= v >> 33;
  return v;
}

uint32_t cf__ptx_fn_const(struct cf__ptx_fn *f, uint64_t value, uint32_t line) {
  if (f->chash_n * 2 >= f->chash_cap) {
    uint32_t cap = f->chash_cap ? f->chash_cap * 2 : 256;
    uint64_t *v = calloc(cap, sizeof *v);
    uint32_t *s = malloc(cap * sizeof *s);
    if (v == NULL || s == NULL) {
      free(v);
      free(s);
      cf__ptx_fail(f->diag, CF_ENOMEM, line, "out of memory");
      return UINT32_MAX;
    }
    for (uint32_t i = 0; i < cap; i++)
      s[i] = UINT32_MAX;
    for (uint32_t i = 0; i < f->chash_cap; i++) {
      if (f->chash_s[i] == UINT32_MAX)
        continue;
      uint32_t h = (uint32_t)mix64(f->chash_v[i]) & (cap - 1);
      while (s[h] != UINT32_MAX)
        h = (h + 1) & (cap - 1);
      s[h] = f->chash_s[i];
      v[h] = f->chash_v[i];
    }
    free(f->chash_v);
    free(f->chash_s);
    f->chash_v = v;
    f->chash_s = s;
    f->chash_cap = cap;
  }
  uint32_t h = (uint32_t)mix64(value) & (f->chash_cap - 1);
  while (f->chash_s[h] != UINT32_MAX) {
    if (f->chash_v[h] == value)
      return f->chash_s[h];
    h = (h + 1) & (f->chash_cap - 1);
  }
  uint32_t slot = cf__ptx_new_slot(f, CF__PTX_CLS_CONST, 64, value, line);
  if (slot == UINT32_MAX)
    return slot;
  f->chash_s[h] = slot;
  f->chash_v[h] = value;
  f->chash_n++;
  return slot;
}

uint32_t cf__ptx_fn_symaddr(struct cf__ptx_fn *f, uint32_t sym, int64_t off,
                            int generic, uint32_t line) {
  const struct cf__ptx_sym *s = &f->syms[sym];
  uint64_t base = (uint64_t)off;
  switch (s->kind) {
  case CF__PTX_SYM_PARAM:
    return cf__ptx_fn_const(f, s->offset + base +
                            (generic ? CF_PTX_PARAM_WINDOW : 0), line);
  case CF__PTX_SYM_LOCAL:
    if (f->k->is_entry)    /* the kernel frame's .local starts at 0 */
      return cf__ptx_fn_const(f, s->offset + base +
                              (generic ? CF_PTX_LOCAL_WINDOW : 0), line);
    break;                 /* a .func frame's base is known per call */
  case CF__PTX_SYM_FPARAM:
    if (generic) {
      cf__ptx_fail(f->diag, CF_EUNSUP, line,
                   "unsupported generic address of a function .param");
      return UINT32_MAX;
    }
    return cf__ptx_fn_const(f, s->offset + base, line);
  case CF__PTX_SYM_FUNC:
    return cf__ptx_fn_const(f, CF__PTX_FUNC_WINDOW + s->index + base, line);
  case CF__PTX_SYM_SHARED:
    if (!s->is_extern)
      return cf__ptx_fn_const(f, s->offset + base +
                              (generic ? CF_PTX_SHARED_WINDOW : 0), line);
    break;
  default:
    break;
  }
  /* Values known only later (dynamic shared base, a .func frame's .local
   * base) or at launch (bound variables) get a slot of their own, never
   * shared by deduplication. */
  uint64_t v = base;
  if (s->kind == CF__PTX_SYM_SHARED && generic)
    v += CF_PTX_SHARED_WINDOW;
  if (s->kind == CF__PTX_SYM_LOCAL)
    v += s->offset + (generic ? CF_PTX_LOCAL_WINDOW : 0);
  uint32_t slot = cf__ptx_new_slot(f, CF__PTX_CLS_CONST, 64, v, line);
  if (slot == UINT32_MAX)
    return slot;
  if (s->kind == CF__PTX_SYM_SHARED || s->kind == CF__PTX_SYM_LOCAL) {
    /* both lists go through dynpatch; fn_finish sorts them out */
    if (s->kind == CF__PTX_SYM_LOCAL)
      slot |= 0x80000000u;
    if (f->ndyn == f->capdyn) {
      uint32_t cap = f->capdyn ? f->capdyn * 2 : 16;
      uint32_t *d = realloc(f->dynpatch, cap * sizeof *d);
      if (d == NULL) {
        cf__ptx_fail(f->diag, CF_ENOMEM, line, "out of memory");
        return UINT32_MAX;
      }
      f->dynpatch = d;
      f->capdyn = cap;
    }
    f->dynpatch[f->ndyn++] = slot;
    return slot & 0x7fffffffu;
  }
  struct cf_ptx_kernel *k = f->k;
  struct cf__ptx_fixup *x = realloc(k->fix, (k->nfix + 1) * sizeof *x);
  if (x == NULL) {
    cf__ptx_fail(f->diag, CF_ENOMEM, line, "out of memory");
    return UINT32_MAX;
  }
  k->fix = x;
  k->fix[k->nfix].slot = slot;
  k->fix[k->nfix].var = s->index;
  k->fix[k->nfix].offset = base;
  k->nfix++;
  return slot;
}

int cf__ptx_add_sym(struct parser *p, const struct cf__ptx_sym *s,
                    uint32_t *idx) {
  struct cf__ptx_fn *f = &p->fn;
  if (f->nsyms == p->capsyms) {
    uint32_t cap = p->capsyms ? p->capsyms * 2 : 32;
    if (cap > (1u << 22))
      return PERR(p, "too many symbols");
    struct cf__ptx_sym *n = realloc(f->syms, cap * sizeof *n);
    if (n == NULL)
      return NOMEM(p);
    f->syms = n;
    p->capsyms = cap;
  }
  f->syms[f->nsyms] = *s;
  *idx = f->nsyms++;
  return 0;
}

/* Place a shared variable in this kernel's layout (static) or mark it as
 * the dynamic area. */
int cf__ptx_layout_shared(struct parser *p, uint64_t size, uint32_t align,
                          int is_extern, struct cf__ptx_sym *s) {
  memset(s, 0, sizeof *s);
  s->kind = CF__PTX_SYM_SHARED;
  s->size = size;
  if (is_extern) {
    s->is_extern = 1;
    if (align > p->dyn_align)
      p->dyn_align = align;
    return 0;
  }
  uint64_t o = (p->shared_cur + align - 1) & ~(uint64_t)(align - 1);
  if (o > CF__PTX_MAX_SHARED || size > CF__PTX_MAX_SHARED - o)
    return PERR(p, ".shared too large");
  s->offset = o;
  p->shared_cur = o + size;
  return 0;
}

/* ---- names ---- */

static const char *const sreg_names[] = {
#define CF__PTX_SREG_NAME_(n, s) s,
  CF__PTX_SREGS(CF__PTX_SREG_NAME_)
#undef CF__PTX_SREG_NAME_
};
static const char *const dsreg_names[] = {
  "%clock", "%clock_hi", "%clock64", "%globaltimer", "%globaltimer_lo",
  "%globaltimer_hi"
};

/* Register slot for name, or UINT32_MAX. */
uint32_t cf__ptx_find_reg(struct parser *p, const char *s, uint32_t n,
                          int *dsreg) {
  const struct cf__ptx_name *e = cf__ptx_names_get(&p->regs, s, n, TAG_REG);
  *dsreg = 0;
  if (e != NULL)
    return (uint32_t)e->val;
  uint32_t i = n;
  while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
    i--;
  if (i > 0 && i < n && n - i <= 9 && !(s[i] == '0' && n - i > 1)) {
    e = cf__ptx_names_get(&p->regs, s, i, TAG_RANGE);
    if (e != NULL) {
      uint64_t v = 0;
      for (uint32_t j = i; j < n; j++)
        v = v * 10 + (uint64_t)(s[j] - '0');
      if (v < e->val2)
        return (uint32_t)(e->val + v);
    }
  }
  if (n > 0 && s[0] == '%') {
    for (unsigned j = 0; j < CF__PTX_SR_COUNT_; j++)
      if (strlen(sreg_names[j]) == n && memcmp(sreg_names[j], s, n) == 0)
        return CF__PTX_SLOT_SREG0 + j;
    for (unsigned j = 0; j < sizeof dsreg_names / sizeof *dsreg_names; j++)
      if (strlen(dsreg_names[j]) == n && memcmp(dsreg_names[j], s, n) == 0) {
        *dsreg = (int)j + 1;
        return CF__PTX_SLOT_SINK;
      }
  }
  if (n == 1 && s[0] == '_')
    return CF__PTX_SLOT_SINK;
  return UINT32_MAX;
}

/* Symbol index for name (function, then module scope), or UINT32_MAX. */
int cf__ptx_find_sym(struct parser *p, const char *s, uint32_t n,
                     uint32_t *out) {
  *out = UINT32_MAX;
  const struct cf__ptx_name *e = cf__ptx_names_get(&p->regs, s, n, TAG_SYM);
  if (e != NULL) {
    *out = (uint32_t)e->val;
    return 0;
  }
  e = cf__ptx_names_get(&p->mod, s, n, TAG_VAR);
  if (e != NULL) {
    uint32_t v = (uint32_t)e->val;
    if (p->var_sym[v] == UINT32_MAX) {
      struct cf__ptx_sym sym = {.kind = CF__PTX_SYM_VAR, .index = v,
                                .size = p->m->vars[v].pub.size};
      TRY(cf__ptx_add_sym(p, &sym, &p->var_sym[v]));
    }
    *out = p->var_sym[v];
    return 0;
  }
  e = cf__ptx_names_get(&p->mod, s, n, TAG_FUNC);
  if (e != NULL) {
    struct cf__ptx_sym sym = {.kind = CF__PTX_SYM_FUNC,
                              .index = (uint32_t)e->val};
    return cf__ptx_add_sym(p, &sym, out);
  }
  e = cf__ptx_names_get(&p->mod, s, n, TAG_MSHARED);
  if (e != NULL) {
    uint32_t v = (uint32_t)e->val;
    if (p->msh_sym[v] == UINT32_MAX) {
      const struct cf__ptx_mshared *ms = &p->m->mshared[v];
      /* A kernel lays out the module .shared variables it uses itself, so
       * a .func could not know where they are. */
      if (!p->k->is_entry && !ms->is_extern)
        return PUNSUP(p, "unsupported module .shared variable '%.*s' in a "
                      ".func", (int)n, s);
      struct cf__ptx_sym sym;
      TRY(cf__ptx_layout_shared(p, ms->size, ms->align, ms->is_extern, &sym));
      TRY(cf__ptx_add_sym(p, &sym, &p->msh_sym[v]));
    }
    *out = p->msh_sym[v];
  }
  return 0;
}

int cf__ptx_label_ref(struct parser *p, const char *s, uint32_t n,
                      uint32_t *out) {
  const struct cf__ptx_name *e = cf__ptx_names_get(&p->labels, s, n, TAG_LABEL);
  if (e != NULL) {
    *out = (uint32_t)e->val;
    return 0;
  }
  struct cf__ptx_fn *f = &p->fn;
  if (f->nlabels == p->caplabels) {
    uint32_t cap = p->caplabels ? p->caplabels * 2 : 64;
    if (cap > CF__PTX_MAX_INSNS * 2u)
      return PERR(p, "too many labels");
    uint32_t *a = realloc(f->label_pc, cap * sizeof *a);
    if (a != NULL)
      f->label_pc = a;
    uint32_t *b = realloc(p->label_line, cap * sizeof *b);
    if (b != NULL)
      p->label_line = b;
    if (a == NULL || b == NULL)
      return NOMEM(p);
    p->caplabels = cap;
  }
  f->label_pc[f->nlabels] = UINT32_MAX;
  p->label_line[f->nlabels] = p->t.line;
  if (cf__ptx_names_put(&p->labels, s, n, TAG_LABEL, 0, f->nlabels, 0) != 0)
    return NOMEM(p);
  *out = f->nlabels++;
  return 0;
}
