/* PTX parser: module directives (.version .target .address_size), module
 * variables (.global .const .shared with initialisers), kernel and .func
 * headers with their parameters, and function bodies: register
 * declarations (with <N> ranges and { } scopes), labels, guards and operand
 * syntax. Each instruction is handed to the decoder (ptx_decode.c) as soon
 * as it is read, with every name already resolved to a register-file slot,
 * a symbol or a label; branch targets are patched at the end of the
 * function, where undefined labels are reported.
 *
 * The text is hostile: every count is capped (ptx_internal.h), recursion is
 * bounded by CF__PTX_MAX_DEPTH, and the first error stops the parse with
 * "line N: ..." in the diagnostic. Single-threaded; the module being built
 * is owned by the caller, which frees it on error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "ptx_internal.h"
#include "ptx_names.h"

enum { TAG_REG = 1, TAG_RANGE, TAG_SYM, TAG_LABEL, TAG_VAR, TAG_MSHARED,
       TAG_FUNC, TAG_PROTO };

struct parser {
  struct cf__ptx_lex lx;
  struct cf__ptx_tok t, nt;
  struct cf__ptx_diag *d;
  struct cf_ptx_module *m;
  struct cf__ptx_names mod;
  /* the function being parsed */
  struct cf__ptx_names regs, labels;
  struct cf__ptx_fn fn;
  struct cf_ptx_kernel *k;
  uint32_t depth;
  struct cf__ptx_insn *code;
  uint32_t ncode, capcode;
  uint32_t *label_line;
  uint32_t caplabels;
  uint32_t *var_sym, *msh_sym;
  uint32_t capsyms;
  uint64_t shared_cur;
  uint32_t dyn_align;
  uint64_t local_cur;
  uint32_t local_align;
  /* the frame's .param area: call-sequence .param variables are scoped,
   * so a block's space is reused after its closing brace */
  uint64_t fparam_cur, fparam_max;
  uint64_t fparam_at[CF__PTX_MAX_DEPTH + 2];
  uint32_t capcalls, capcargs, caplp, capdp;
  /* .callprototype signatures of this function (TAG_PROTO names) */
  struct proto { uint32_t nret, narg; struct cf__ptx_parg *a; } *protos;
  uint32_t nprotos;
};

#define TRY(x)                                                               \
  do {                                                                      \
    int rc_ = (x);                                                          \
    if (rc_ != 0)                                                           \
      return rc_;                                                           \
  } while (0)

int cf__ptx_fail(struct cf__ptx_diag *d, int rc, uint32_t line,
                 const char *fmt, ...) {
  if (d->rc != 0)
    return d->rc;
  d->rc = rc;
  if (d->err != NULL && d->errlen > 0) {
    int n = snprintf(d->err, d->errlen, "line %u: ", (unsigned)line);
    if (n >= 0 && (size_t)n < d->errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return rc;
}

#define PERR(p, ...) cf__ptx_fail((p)->d, CF_EPROTO, (p)->t.line, __VA_ARGS__)
#define PUNSUP(p, ...) cf__ptx_fail((p)->d, CF_EUNSUP, (p)->t.line, __VA_ARGS__)
#define NOMEM(p) cf__ptx_fail((p)->d, CF_ENOMEM, (p)->t.line, "out of memory")

static int adv(struct parser *p) {
  p->t = p->nt;
  if (p->t.kind == CF__PTX_TK_EOF) {
    p->nt = p->t;
    return 0;
  }
  if (cf__ptx_lex_next(&p->lx, &p->nt) != 0)
    return cf__ptx_fail(p->d, CF_EPROTO, p->nt.line, "bad token");
  return 0;
}

static int is_p(const struct cf__ptx_tok *t, char c) {
  return t->kind == CF__PTX_TK_PUNCT && t->s[0] == c;
}
static int tok_eq(const struct cf__ptx_tok *t, const char *s) {
  size_t n = strlen(s);
  return t->len == n && memcmp(t->s, s, n) == 0;
}
static int is_dir(const struct cf__ptx_tok *t, const char *s) {
  return t->kind == CF__PTX_TK_DIR && tok_eq(t, s);
}
static int expect(struct parser *p, char c) {
  if (!is_p(&p->t, c))
    return PERR(p, "expected '%c' before '%.*s'", c, (int)p->t.len, p->t.s);
  return adv(p);
}
static int skip_to_semi(struct parser *p) {
  while (!is_p(&p->t, ';')) {
    if (p->t.kind == CF__PTX_TK_EOF)
      return PERR(p, "missing ';'");
    TRY(adv(p));
  }
  return adv(p);
}
static int parse_uint_tok(struct parser *p, uint64_t max, uint64_t *out) {
  struct cf__ptx_num n;
  if (cf__ptx_num_parse(&p->t, 0, &n) != 0 || n.kind != CF__PTX_NUM_INT ||
      n.bits > max)
    return PERR(p, "bad number '%.*s'", (int)p->t.len, p->t.s);
  *out = n.bits;
  return adv(p);
}

/* ---- slots, constants and symbols of the function being built ---- */

static uint32_t new_slot(struct cf__ptx_fn *f, uint8_t cls, uint8_t bits,
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
  uint32_t slot = new_slot(f, CF__PTX_CLS_CONST, 64, value, line);
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
  uint32_t slot = new_slot(f, CF__PTX_CLS_CONST, 64, v, line);
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

static int add_sym(struct parser *p, const struct cf__ptx_sym *s,
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
static int layout_shared(struct parser *p, uint64_t size, uint32_t align,
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
static uint32_t find_reg(struct parser *p, const char *s, uint32_t n,
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
static int find_sym(struct parser *p, const char *s, uint32_t n,
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
      TRY(add_sym(p, &sym, &p->var_sym[v]));
    }
    *out = p->var_sym[v];
    return 0;
  }
  e = cf__ptx_names_get(&p->mod, s, n, TAG_FUNC);
  if (e != NULL) {
    struct cf__ptx_sym sym = {.kind = CF__PTX_SYM_FUNC,
                              .index = (uint32_t)e->val};
    return add_sym(p, &sym, out);
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
      TRY(layout_shared(p, ms->size, ms->align, ms->is_extern, &sym));
      TRY(add_sym(p, &sym, &p->msh_sym[v]));
    }
    *out = p->msh_sym[v];
  }
  return 0;
}

static int label_ref(struct parser *p, const char *s, uint32_t n,
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

/* ---- declarations ---- */

struct decl {
  uint8_t cls, bits;
  uint32_t align, vec;
  uint64_t elem;       /* bytes of one scalar */
  uint64_t count;      /* scalars */
  int unsized;         /* name[] */
  const char *name;
  uint32_t namelen;
};

/* [.align N] [.vN] [.ptr ...] .type name[dims]; stops before '=' or ';'. */
static int parse_decl(struct parser *p, struct decl *dl) {
  memset(dl, 0, sizeof *dl);
  dl->vec = 1;
  int have_type = 0;
  while (p->t.kind == CF__PTX_TK_DIR) {
    uint8_t cls, bits;
    if (is_dir(&p->t, ".align")) {
      uint64_t a;
      TRY(adv(p));
      TRY(parse_uint_tok(p, 1u << 16, &a));
      if (a == 0 || (a & (a - 1)) != 0)
        return PERR(p, "bad alignment %llu", (unsigned long long)a);
      dl->align = (uint32_t)a;
      continue;
    }
    if (is_dir(&p->t, ".v2") || is_dir(&p->t, ".v4") || is_dir(&p->t, ".v8")) {
      dl->vec = (uint32_t)(p->t.s[2] - '0');
      TRY(adv(p));
      continue;
    }
    if (is_dir(&p->t, ".ptr") || is_dir(&p->t, ".global") ||
        is_dir(&p->t, ".shared") || is_dir(&p->t, ".const") ||
        is_dir(&p->t, ".local")) {   /* .param .u64 .ptr .global .align 1 */
      TRY(adv(p));
      continue;
    }
    int r = cf__ptx_type_from(p->t.s + 1, p->t.len - 1, &cls, &bits);
    if (r < 0)
      return PUNSUP(p, "unsupported type '%.*s'", (int)p->t.len, p->t.s);
    if (r == 0 || have_type)
      return PERR(p, "unexpected '%.*s' in declaration", (int)p->t.len, p->t.s);
    dl->cls = cls;
    dl->bits = bits;
    have_type = 1;
    TRY(adv(p));
  }
  if (!have_type)
    return PERR(p, "declaration without a type");
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "expected a name in declaration");
  dl->name = p->t.s;
  dl->namelen = p->t.len;
  TRY(adv(p));
  dl->elem = dl->bits == 1 ? 1 : dl->bits / 8;
  dl->count = dl->vec;
  while (is_p(&p->t, '[')) {
    TRY(adv(p));
    if (is_p(&p->t, ']')) {
      if (dl->unsized)
        return PERR(p, "more than one unsized dimension");
      dl->unsized = 1;
    } else {
      uint64_t n;
      TRY(parse_uint_tok(p, CF__PTX_MAX_VAR, &n));
      if (n != 0 && dl->count > CF__PTX_MAX_VAR / n)
        return PERR(p, "array too large");
      dl->count *= n;
    }
    TRY(expect(p, ']'));
  }
  if (dl->count > CF__PTX_MAX_VAR / dl->elem)
    return PERR(p, "array too large");
  if (dl->align == 0)
    dl->align = (uint32_t)(dl->elem * dl->vec);
  return 0;
}

/* Store one literal into init[idx] as a scalar of the decl's type. */
static int store_init(struct parser *p, const struct decl *dl, uint8_t *init,
                      uint64_t idx, const struct cf__ptx_num *n) {
  uint64_t v = n->bits;
  if (dl->cls == CF__PTX_CLS_F) {
    double d = n->kind == CF__PTX_NUM_DBL ? n->d
             : n->kind == CF__PTX_NUM_INT ? (double)(int64_t)n->bits : 0;
    if (dl->bits == 32) {
      float f = (float)d;
      uint32_t u;
      memcpy(&u, &f, 4);
      v = n->kind == CF__PTX_NUM_F32 ? n->bits : u;
      if (n->kind == CF__PTX_NUM_F64) {
        double x;
        memcpy(&x, &n->bits, 8);
        f = (float)x;
        memcpy(&u, &f, 4);
        v = u;
      }
    } else {
      memcpy(&v, &d, 8);
      if (n->kind == CF__PTX_NUM_F64)
        v = n->bits;
      if (n->kind == CF__PTX_NUM_F32) {
        uint32_t u = (uint32_t)n->bits;
        float f;
        memcpy(&f, &u, 4);
        d = f;
        memcpy(&v, &d, 8);
      }
    }
  } else if (n->kind != CF__PTX_NUM_INT) {
    return PERR(p, "floating-point initialiser for an integer variable");
  }
  memcpy(init + idx * dl->elem, &v, (size_t)dl->elem);   /* little-endian */
  return 0;
}

static int parse_init(struct parser *p, const struct decl *dl, uint8_t *init,
                      uint64_t cap, uint64_t *idx, unsigned depth) {
  if (depth > CF__PTX_MAX_DEPTH)
    return PERR(p, "initialiser nested too deeply");
  if (is_p(&p->t, '{')) {
    TRY(adv(p));
    for (;;) {
      TRY(parse_init(p, dl, init, cap, idx, depth + 1));
      if (is_p(&p->t, ',')) {
        TRY(adv(p));
        continue;
      }
      return expect(p, '}');
    }
  }
  int neg = 0;
  if (is_p(&p->t, '-')) {
    neg = 1;
    TRY(adv(p));
  }
  struct cf__ptx_num n;
  if (p->t.kind == CF__PTX_TK_IDENT) {
    /* a function's address (a table of function pointers) */
    const struct cf__ptx_name *e = cf__ptx_names_get(&p->mod, p->t.s, p->t.len,
                                                     TAG_FUNC);
    if (e == NULL || neg || dl->elem != 8 || dl->cls == CF__PTX_CLS_F)
      return PUNSUP(p, "unsupported initialiser '%.*s'", (int)p->t.len,
                    p->t.s);
    n.kind = CF__PTX_NUM_INT;
    n.bits = CF__PTX_FUNC_WINDOW + e->val;
    n.d = 0;
  } else if (cf__ptx_num_parse(&p->t, neg, &n) != 0)
    return PERR(p, "bad initialiser '%.*s'", (int)p->t.len, p->t.s);
  if (*idx >= cap)
    return PERR(p, "too many initialisers");
  TRY(store_init(p, dl, init, *idx, &n));
  (*idx)++;
  return adv(p);
}

/* Module-scope .global/.const/.shared: token after the space directive. */
static int parse_module_var(struct parser *p, int space, int is_extern) {
  struct decl dl;
  TRY(parse_decl(p, &dl));
  if (space == CF__PTX_SP_SHARED) {
    if (is_p(&p->t, '='))
      return PERR(p, ".shared variables cannot be initialised");
    if (dl.unsized && !is_extern)
      return PERR(p, "unsized .shared array must be .extern");
    struct cf__ptx_mshared *ms = realloc(p->m->mshared,
                                         (p->m->nmshared + 1) * sizeof *ms);
    if (ms == NULL)
      return NOMEM(p);
    p->m->mshared = ms;
    ms += p->m->nmshared;
    memset(ms, 0, sizeof *ms);
    ms->size = dl.count * dl.elem;
    ms->align = dl.align;
    ms->is_extern = is_extern;
    ms->name = strndup(dl.name, dl.namelen);
    if (ms->name == NULL)
      return NOMEM(p);
    if (cf__ptx_names_put(&p->mod, dl.name, dl.namelen, TAG_MSHARED, 0,
                          p->m->nmshared, 0) != 0)
      return NOMEM(p);
    p->m->nmshared++;
    return expect(p, ';');
  }
  if (is_extern)
    return PUNSUP(p, "unsupported .extern variable '%.*s'", (int)dl.namelen,
                  dl.name);
  if (cf__ptx_names_get(&p->mod, dl.name, dl.namelen, TAG_VAR) != NULL)
    return PERR(p, "variable '%.*s' declared twice", (int)dl.namelen, dl.name);
  if (p->m->nvars >= 65536)
    return PERR(p, "too many variables");
  struct cf__ptx_mvar *vs = realloc(p->m->vars, (p->m->nvars + 1) * sizeof *vs);
  if (vs == NULL)
    return NOMEM(p);
  p->m->vars = vs;
  struct cf__ptx_mvar *v = &vs[p->m->nvars];
  memset(v, 0, sizeof *v);
  v->pub.name = strndup(dl.name, dl.namelen);
  if (v->pub.name == NULL)
    return NOMEM(p);
  v->pub.align = dl.align;
  v->pub.is_const = space == CF__PTX_SP_CONST;
  p->m->nvars++;        /* owned by the module from here on */
  if (is_p(&p->t, '=')) {
    TRY(adv(p));
    uint64_t cap = dl.unsized ? (uint64_t)1 << 24 : dl.count;
    if (cap > ((uint64_t)64 << 20) / dl.elem)
      return PERR(p, "initialised variable too large");
    uint8_t *init = calloc(cap ? cap : 1, dl.elem);
    if (init == NULL)
      return NOMEM(p);
    v->pub.init = init;
    uint64_t idx = 0;
    TRY(parse_init(p, &dl, init, cap, &idx, 0));
    if (dl.unsized)
      dl.count = idx;
    v->pub.init_len = idx * dl.elem;
  } else if (dl.unsized) {
    return PERR(p, "unsized variable without initialiser");
  }
  v->pub.size = dl.count * dl.elem;
  if (cf__ptx_names_put(&p->mod, dl.name, dl.namelen, TAG_VAR, 0,
                        p->m->nvars - 1, 0) != 0)
    return NOMEM(p);
  return expect(p, ';');
}

static int parse_reg_decl(struct parser *p) {
  TRY(adv(p));   /* .reg */
  uint8_t cls = 0, bits = 0;
  int have = 0;
  while (p->t.kind == CF__PTX_TK_DIR) {
    if (is_dir(&p->t, ".v2") || is_dir(&p->t, ".v4"))
      return PUNSUP(p, "unsupported vector register declaration");
    int r = cf__ptx_type_from(p->t.s + 1, p->t.len - 1, &cls, &bits);
    if (r < 0)
      return PUNSUP(p, "unsupported type '%.*s'", (int)p->t.len, p->t.s);
    if (r == 0 || have)
      return PERR(p, "bad .reg declaration at '%.*s'", (int)p->t.len, p->t.s);
    have = 1;
    TRY(adv(p));
  }
  if (!have)
    return PERR(p, ".reg without a type");
  for (;;) {
    if (p->t.kind != CF__PTX_TK_IDENT)
      return PERR(p, "expected a register name");
    const char *s = p->t.s;
    uint32_t n = p->t.len;
    TRY(adv(p));
    uint64_t count = 1;
    int range = 0;
    if (is_p(&p->t, '<')) {
      TRY(adv(p));
      TRY(parse_uint_tok(p, CF__PTX_MAX_SLOTS, &count));
      TRY(expect(p, '>'));
      range = 1;
    }
    uint32_t base = p->fn.nslots;
    if (count > CF__PTX_MAX_SLOTS - base)
      return PERR(p, "too many registers");
    for (uint64_t i = 0; i < count; i++)
      if (new_slot(&p->fn, cls, bits, 0, p->t.line) == UINT32_MAX)
        return p->d->rc;
    p->k->nregs += (uint32_t)count;
    if (cf__ptx_names_put(&p->regs, s, n, range ? TAG_RANGE : TAG_REG,
                          p->depth, base, count) != 0)
      return NOMEM(p);
    if (is_p(&p->t, ',')) {
      TRY(adv(p));
      continue;
    }
    return expect(p, ';');
  }
}

/* .shared / .local inside a function body. */
static int parse_fn_var(struct parser *p, int space, int is_extern) {
  struct decl dl;
  TRY(parse_decl(p, &dl));
  if (is_p(&p->t, '='))
    return PUNSUP(p, "unsupported initialiser in a function");
  struct cf__ptx_sym s;
  uint64_t size = dl.count * dl.elem;
  if (space == CF__PTX_SP_SHARED) {
    if (dl.unsized && !is_extern)
      return PERR(p, "unsized .shared array must be .extern");
    if (!is_extern && !p->k->is_entry)
      return PUNSUP(p, "unsupported .shared variable in a .func");
    TRY(layout_shared(p, size, dl.align, is_extern, &s));
  } else {
    if (dl.unsized || is_extern)
      return PERR(p, "unsized .local array");
    memset(&s, 0, sizeof s);
    s.kind = CF__PTX_SYM_LOCAL;
    uint64_t o = (p->local_cur + dl.align - 1) & ~(uint64_t)(dl.align - 1);
    if (o > CF__PTX_MAX_LOCAL || size > CF__PTX_MAX_LOCAL - o)
      return PERR(p, ".local too large");
    s.offset = o;
    s.size = size;
    p->local_cur = o + size;
    if (dl.align > p->local_align)
      p->local_align = dl.align;
  }
  uint32_t idx;
  TRY(add_sym(p, &s, &idx));
  if (cf__ptx_names_put(&p->regs, dl.name, dl.namelen, TAG_SYM, p->depth, idx,
                        0) != 0)
    return NOMEM(p);
  return expect(p, ';');
}

/* One parameter of a function header or .callprototype, as written. */
struct pdecl {
  int is_reg;
  struct decl dl;
};

/* ( .param decl, ... ) into a new array: *out (the caller frees it, also on
 * error) and *n. */
static int parse_plist(struct parser *p, struct pdecl **out, uint32_t *n) {
  uint32_t cap = 0;
  *out = NULL;
  *n = 0;
  TRY(expect(p, '('));
  if (is_p(&p->t, ')'))
    return adv(p);
  for (;;) {
    if (!is_dir(&p->t, ".param") && !is_dir(&p->t, ".reg"))
      return PERR(p, "expected .param");
    if (*n >= CF__PTX_MAX_PARAMS)
      return PERR(p, "too many parameters");
    if (*n == cap) {
      cap = cap ? cap * 2 : 8;
      struct pdecl *g = realloc(*out, cap * sizeof *g);
      if (g == NULL)
        return NOMEM(p);
      *out = g;
    }
    struct pdecl *pd = &(*out)[(*n)++];
    pd->is_reg = is_dir(&p->t, ".reg");
    TRY(adv(p));
    TRY(parse_decl(p, &pd->dl));
    if (pd->dl.unsized)
      return PERR(p, "unsized parameter");
    if (pd->is_reg && pd->dl.count != 1)
      return PERR(p, "bad .reg parameter");
    if (is_p(&p->t, ',')) {
      TRY(adv(p));
      continue;
    }
    return expect(p, ')');
  }
}

/* Kernel parameters: offsets in the launch's parameter buffer. */
static int record_kernel_params(struct parser *p, const struct pdecl *pl,
                                uint32_t n) {
  struct cf_ptx_kernel *k = p->k;
  for (uint32_t i = 0; i < n; i++) {
    const struct decl *dl = &pl[i].dl;
    if (pl[i].is_reg)
      return PUNSUP(p, "unsupported .reg parameter");
    if (k->nparams >= CF__PTX_MAX_PARAMS)
      return PERR(p, "too many parameters");
    uint64_t size = dl->count * dl->elem;
    uint64_t o = (k->param_bytes + dl->align - 1) & ~(uint64_t)(dl->align - 1);
    if (o > CF__PTX_MAX_PARAM_BYTES || size > CF__PTX_MAX_PARAM_BYTES - o)
      return PERR(p, "parameters too large");
    struct cf__ptx_param *pa = realloc(k->params, (k->nparams + 1) * sizeof *pa);
    if (pa == NULL)
      return NOMEM(p);
    k->params = pa;
    pa[k->nparams].offset = o;
    pa[k->nparams].size = size;
    k->nparams++;
    k->param_bytes = o + size;
    struct cf__ptx_sym s = {.kind = CF__PTX_SYM_PARAM, .offset = o,
                            .size = size};
    uint32_t idx;
    TRY(add_sym(p, &s, &idx));
    if (cf__ptx_names_put(&p->regs, dl->name, dl->namelen, TAG_SYM, 0, idx,
                          0) != 0)
      return NOMEM(p);
  }
  return 0;
}

/* Kinds and sizes of a signature (where is filled when a body defines
 * the parameters). Predicate registers have size 1, other registers 8. */
static void sig_from(const struct pdecl *pl, uint32_t n,
                     struct cf__ptx_parg *out) {
  for (uint32_t i = 0; i < n; i++) {
    out[i].is_reg = (uint32_t)pl[i].is_reg;
    out[i].where = 0;
    out[i].size = pl[i].is_reg ? (pl[i].dl.cls == CF__PTX_CLS_PRED ? 1 : 8)
                               : (uint32_t)(pl[i].dl.count * pl[i].dl.elem);
  }
}

static int sig_equal(const struct cf__ptx_parg *a, const struct cf__ptx_parg *b,
                     uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (a[i].is_reg != b[i].is_reg || a[i].size != b[i].size)
      return 0;
  return 1;
}

/* Space in the frame's .param area. */
static int fparam_alloc(struct parser *p, uint64_t size, uint32_t align,
                        uint64_t *off) {
  uint64_t o = (p->fparam_cur + align - 1) & ~(uint64_t)(align - 1);
  if (o > CF__PTX_MAX_LOCAL || size > CF__PTX_MAX_LOCAL - o)
    return PERR(p, ".param variables too large");
  *off = o;
  p->fparam_cur = o + size;
  if (p->fparam_cur > p->fparam_max)
    p->fparam_max = p->fparam_cur;
  return 0;
}

/* A .param variable of the frame, named at the current depth. */
static int def_fparam(struct parser *p, const struct decl *dl, uint32_t *off) {
  uint64_t size = dl->count * dl->elem, o = 0;
  TRY(fparam_alloc(p, size, dl->align, &o));
  struct cf__ptx_sym s = {.kind = CF__PTX_SYM_FPARAM, .offset = o,
                          .size = size};
  uint32_t idx;
  TRY(add_sym(p, &s, &idx));
  if (cf__ptx_names_put(&p->regs, dl->name, dl->namelen, TAG_SYM, p->depth,
                        idx, 0) != 0)
    return NOMEM(p);
  *off = (uint32_t)o;
  return 0;
}

/* A .func's own parameters and return values, as the body sees them:
 * .param variables in its frame's .param area or .reg registers. */
static int define_fn_params(struct parser *p, const struct pdecl *pl,
                            uint32_t n, struct cf__ptx_parg *sig) {
  for (uint32_t i = 0; i < n; i++) {
    const struct decl *dl = &pl[i].dl;
    if (!pl[i].is_reg) {
      TRY(def_fparam(p, dl, &sig[i].where));
      continue;
    }
    uint32_t slot = new_slot(&p->fn, dl->cls, dl->bits, 0, p->t.line);
    if (slot == UINT32_MAX)
      return p->d->rc;
    p->k->nregs++;
    if (cf__ptx_names_put(&p->regs, dl->name, dl->namelen, TAG_REG, 0, slot,
                          0) != 0)
      return NOMEM(p);
    sig[i].where = slot;
  }
  return 0;
}

/* ---- instructions ---- */

static int parse_ident_opnd(struct parser *p, struct cf__ptx_opnd *o) {
  const char *s = p->t.s;
  uint32_t n = p->t.len;
  o->name = s;
  o->namelen = n;
  int ds;
  uint32_t slot = find_reg(p, s, n, &ds);
  if (slot != UINT32_MAX) {
    o->kind = CF__PTX_OK_SLOT;
    o->slot = slot;
    o->dsreg = ds;
    return adv(p);
  }
  uint32_t sym;
  TRY(find_sym(p, s, n, &sym));
  if (sym != UINT32_MAX) {
    o->kind = CF__PTX_OK_SYM;
    o->sym = sym;
    return adv(p);
  }
  o->kind = CF__PTX_OK_LABEL;
  TRY(label_ref(p, s, n, &o->label));
  return adv(p);
}

static int parse_operand(struct parser *p, struct cf__ptx_opnd *o) {
  memset(o, 0, sizeof *o);
  o->slot2 = UINT32_MAX;
  if (is_p(&p->t, '!')) {
    o->neg = 1;
    TRY(adv(p));
    if (p->t.kind != CF__PTX_TK_IDENT)
      return PERR(p, "expected a predicate after '!'");
  }
  if (is_p(&p->t, '-') || p->t.kind == CF__PTX_TK_NUM) {
    int neg = is_p(&p->t, '-');
    if (neg)
      TRY(adv(p));
    if (cf__ptx_num_parse(&p->t, neg, &o->num) != 0)
      return PERR(p, "bad number '%.*s'", (int)p->t.len, p->t.s);
    o->kind = CF__PTX_OK_IMM;
    return adv(p);
  }
  if (is_p(&p->t, '[')) {
    TRY(adv(p));
    o->kind = CF__PTX_OK_ADDR;
    o->base_kind = CF__PTX_OK_IMM;
    if (p->t.kind == CF__PTX_TK_IDENT) {
      struct cf__ptx_opnd b;
      memset(&b, 0, sizeof b);
      TRY(parse_ident_opnd(p, &b));
      if (b.kind == CF__PTX_OK_LABEL || b.dsreg)
        return cf__ptx_fail(p->d, CF_EPROTO, p->t.line,
                            "unknown address '%.*s'", (int)b.namelen, b.name);
      o->base_kind = b.kind;
      o->slot = b.slot;
      o->sym = b.sym;
      o->name = b.name;
      o->namelen = b.namelen;
      if (is_p(&p->t, '+') || is_p(&p->t, '-')) {
        int neg = is_p(&p->t, '-');
        TRY(adv(p));
        if (is_p(&p->t, '-')) {
          neg = !neg;
          TRY(adv(p));
        }
        struct cf__ptx_num n;
        if (cf__ptx_num_parse(&p->t, neg, &n) != 0 || n.kind != CF__PTX_NUM_INT)
          return PERR(p, "bad address offset '%.*s'", (int)p->t.len, p->t.s);
        o->off = (int64_t)n.bits;
        TRY(adv(p));
      }
    } else {
      struct cf__ptx_num n;
      if (cf__ptx_num_parse(&p->t, 0, &n) != 0 || n.kind != CF__PTX_NUM_INT)
        return PERR(p, "bad address '%.*s'", (int)p->t.len, p->t.s);
      o->off = (int64_t)n.bits;
      TRY(adv(p));
    }
    return expect(p, ']');
  }
  if (is_p(&p->t, '{')) {
    TRY(adv(p));
    o->kind = CF__PTX_OK_VEC;
    for (;;) {
      if (o->nvec >= 4)
        return PUNSUP(p, "unsupported vector of more than 4 elements");
      struct cf__ptx_opnd e;
      memset(&e, 0, sizeof e);
      if (p->t.kind != CF__PTX_TK_IDENT)
        return PERR(p, "expected a register in vector");
      TRY(parse_ident_opnd(p, &e));
      if (e.kind != CF__PTX_OK_SLOT || e.dsreg)
        return cf__ptx_fail(p->d, CF_EPROTO, p->t.line,
                            "unknown register '%.*s'", (int)e.namelen, e.name);
      o->vslot[o->nvec++] = e.slot;
      if (is_p(&p->t, ',')) {
        TRY(adv(p));
        continue;
      }
      return expect(p, '}');
    }
  }
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "unexpected '%.*s' in operands", (int)p->t.len, p->t.s);
  TRY(parse_ident_opnd(p, o));
  if (is_p(&p->t, '|')) {
    TRY(adv(p));
    struct cf__ptx_opnd q;
    memset(&q, 0, sizeof q);
    if (p->t.kind != CF__PTX_TK_IDENT)
      return PERR(p, "expected a predicate after '|'");
    TRY(parse_ident_opnd(p, &q));
    if (q.kind != CF__PTX_OK_SLOT || o->kind != CF__PTX_OK_SLOT)
      return PERR(p, "bad '|' operand");
    o->slot2 = q.slot;
  }
  return 0;
}

static int emit(struct parser *p, const struct cf__ptx_insn *i) {
  if (p->ncode == p->capcode) {
    uint32_t cap = p->capcode ? p->capcode * 2 : 256;
    if (p->ncode + 1 >= CF__PTX_MAX_INSNS)
      return PERR(p, "too many instructions");
    struct cf__ptx_insn *c = realloc(p->code, cap * sizeof *c);
    if (c == NULL)
      return NOMEM(p);
    p->code = c;
    p->capcode = cap;
  }
  p->code[p->ncode++] = *i;
  return 0;
}

/* ---- calls ---- */

static int push_carg(struct parser *p, const struct cf__ptx_parg *a) {
  struct cf_ptx_kernel *k = p->k;
  if (k->ncargs == p->capcargs) {
    uint32_t cap = p->capcargs ? p->capcargs * 2 : 32;
    if (cap > (1u << 24))
      return PERR(p, "too many call operands");
    struct cf__ptx_parg *g = realloc(k->cargs, cap * sizeof *g);
    if (g == NULL)
      return NOMEM(p);
    k->cargs = g;
    p->capcargs = cap;
  }
  k->cargs[k->ncargs++] = *a;
  return 0;
}

/* One operand of a call's return or argument list: a .param variable of
 * this frame, a register, or (arguments only) a literal. */
static int call_opnd(struct parser *p, int is_ret) {
  struct cf__ptx_parg a = {0, 0, 8};
  if (is_p(&p->t, '-') || p->t.kind == CF__PTX_TK_NUM) {
    int neg = is_p(&p->t, '-');
    if (is_ret)
      return PERR(p, "literal as a return value");
    if (neg)
      TRY(adv(p));
    struct cf__ptx_num n;
    if (cf__ptx_num_parse(&p->t, neg, &n) != 0)
      return PERR(p, "bad number '%.*s'", (int)p->t.len, p->t.s);
    uint64_t v = n.bits;
    if (n.kind == CF__PTX_NUM_DBL)
      memcpy(&v, &n.d, 8);
    a.is_reg = 1;
    a.where = cf__ptx_fn_const(&p->fn, v, p->t.line);
    if (a.where == UINT32_MAX)
      return p->d->rc;
    TRY(push_carg(p, &a));
    return adv(p);
  }
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "bad call operand '%.*s'", (int)p->t.len, p->t.s);
  int ds;
  uint32_t slot = find_reg(p, p->t.s, p->t.len, &ds);
  if (slot != UINT32_MAX) {
    const struct cf__ptx_slotty *ty = &p->fn.slotty[slot];
    if (ds || (is_ret && (slot == CF__PTX_SLOT_TRUE ||
                          ty->cls == CF__PTX_CLS_CONST)))
      return PERR(p, "bad call operand '%.*s'", (int)p->t.len, p->t.s);
    a.is_reg = 1;
    a.where = slot;
    a.size = ty->cls == CF__PTX_CLS_PRED ? 1 : 8;
    TRY(push_carg(p, &a));
    return adv(p);
  }
  const struct cf__ptx_name *e = cf__ptx_names_get(&p->regs, p->t.s, p->t.len,
                                                   TAG_SYM);
  if (e == NULL || p->fn.syms[e->val].kind != CF__PTX_SYM_FPARAM)
    return PERR(p, "'%.*s' is not a .param variable or register",
                (int)p->t.len, p->t.s);
  a.where = (uint32_t)p->fn.syms[e->val].offset;
  a.size = (uint32_t)p->fn.syms[e->val].size;
  TRY(push_carg(p, &a));
  return adv(p);
}

/* ( operand, ... ) of a call; *n counts them. */
static int call_list(struct parser *p, int is_ret, uint32_t *n) {
  TRY(expect(p, '('));
  *n = 0;
  if (is_p(&p->t, ')'))
    return adv(p);
  for (;;) {
    if (*n >= CF__PTX_MAX_CARGS)
      return PERR(p, "too many call operands");
    TRY(call_opnd(p, is_ret));
    (*n)++;
    if (is_p(&p->t, ',')) {
      TRY(adv(p));
      continue;
    }
    return expect(p, ')');
  }
}

/* label: .callprototype (.param ...) _ (.param ...); after the colon. */
static int parse_proto(struct parser *p, const struct cf__ptx_tok *name) {
  struct pdecl *rets = NULL, *args = NULL;
  uint32_t nr = 0, na = 0;
  int rc = adv(p);
  if (rc == 0 && is_p(&p->t, '('))
    rc = parse_plist(p, &rets, &nr);
  if (rc == 0 && !(p->t.kind == CF__PTX_TK_IDENT && tok_eq(&p->t, "_")))
    rc = PERR(p, "expected '_' in .callprototype");
  if (rc == 0)
    rc = adv(p);
  if (rc == 0 && is_p(&p->t, '('))
    rc = parse_plist(p, &args, &na);
  while (rc == 0 && is_dir(&p->t, ".noreturn"))
    rc = adv(p);
  if (rc == 0)
    rc = expect(p, ';');
  struct proto *pr = NULL;
  if (rc == 0 && p->nprotos >= 65536)
    rc = PERR(p, "too many prototypes");
  if (rc == 0) {
    pr = realloc(p->protos, (p->nprotos + 1) * sizeof *pr);
    if (pr == NULL)
      rc = NOMEM(p);
  }
  if (rc == 0) {
    p->protos = pr;
    pr += p->nprotos;
    pr->nret = nr;
    pr->narg = na;
    pr->a = malloc((nr + na + 1) * sizeof *pr->a);
    if (pr->a == NULL) {
      rc = NOMEM(p);
    } else {
      sig_from(rets, nr, pr->a);
      sig_from(args, na, pr->a + nr);
      p->nprotos++;
      if (cf__ptx_names_put(&p->regs, name->s, name->len, TAG_PROTO, p->depth,
                            p->nprotos - 1, 0) != 0)
        rc = NOMEM(p);
    }
  }
  free(rets);
  free(args);
  return rc;
}

/* call[.uni] [(rets),] target[, (args)][, prototype]; the token after the
 * opcode. A direct target is checked against the callee's signature at
 * the end of the module (it may be defined later); an indirect one (a
 * register) against its .callprototype here and against the function it
 * reaches when it runs. */
static int parse_call(struct parser *p, const struct cf__ptx_raw *r) {
  struct cf_ptx_kernel *k = p->k;
  if (strcmp(r->opname, "call") != 0 && strcmp(r->opname, "call.uni") != 0)
    return PUNSUP(p, "unsupported instruction '%s'", r->opname);
  struct cf__ptx_callsite cs = {.callee = UINT32_MAX, .first = k->ncargs,
                                .line = r->line};
  uint32_t target = CF__PTX_SLOT_TRUE;
  if (is_p(&p->t, '(')) {
    TRY(call_list(p, 1, &cs.nret));
    TRY(expect(p, ','));
  }
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "expected a call target");
  const struct cf__ptx_name *e = cf__ptx_names_get(&p->mod, p->t.s, p->t.len,
                                                   TAG_FUNC);
  int ds;
  if (e != NULL) {
    cs.callee = (uint32_t)e->val;
  } else {
    target = find_reg(p, p->t.s, p->t.len, &ds);
    if (target == UINT32_MAX)
      return PERR(p, "unknown function '%.*s'", (int)p->t.len, p->t.s);
    const struct cf__ptx_slotty *ty = &p->fn.slotty[target];
    if (ds || ty->cls == CF__PTX_CLS_PRED || ty->cls == CF__PTX_CLS_F ||
        target == CF__PTX_SLOT_SINK)
      return PERR(p, "bad indirect call target '%.*s'", (int)p->t.len,
                  p->t.s);
  }
  TRY(adv(p));
  const struct proto *pr = NULL;
  if (is_p(&p->t, ',')) {
    TRY(adv(p));
    if (is_p(&p->t, '(')) {
      cs.first = k->ncargs - cs.nret;
      TRY(call_list(p, 0, &cs.narg));
      if (is_p(&p->t, ',')) {
        TRY(adv(p));
        if (p->t.kind != CF__PTX_TK_IDENT)
          return PERR(p, "expected a prototype");
        e = cf__ptx_names_get(&p->regs, p->t.s, p->t.len, TAG_PROTO);
        if (e == NULL)
          return PUNSUP(p, "unsupported call target list '%.*s'",
                        (int)p->t.len, p->t.s);
        pr = &p->protos[e->val];
        TRY(adv(p));
      }
    } else {
      return PERR(p, "expected '(' before '%.*s'", (int)p->t.len, p->t.s);
    }
  }
  TRY(expect(p, ';'));
  cs.first = k->ncargs - cs.nret - cs.narg;
  if (cs.callee == UINT32_MAX) {
    if (pr == NULL)
      return cf__ptx_fail(p->d, CF_EUNSUP, r->line,
                          "unsupported indirect call without a prototype");
    if (pr->nret != cs.nret || pr->narg != cs.narg ||
        !sig_equal(pr->a, k->cargs + cs.first, cs.nret + cs.narg))
      return cf__ptx_fail(p->d, CF_EPROTO, r->line,
                          "call does not match its prototype");
  } else if (pr != NULL) {
    return cf__ptx_fail(p->d, CF_EPROTO, r->line,
                        "prototype on a direct call");
  }
  if (k->ncalls == p->capcalls) {
    uint32_t cap = p->capcalls ? p->capcalls * 2 : 16;
    struct cf__ptx_callsite *g = realloc(k->calls, cap * sizeof *g);
    if (g == NULL)
      return NOMEM(p);
    k->calls = g;
    p->capcalls = cap;
  }
  struct cf__ptx_insn ins;
  memset(&ins, 0, sizeof ins);
  ins.op = CF__PTX_OP_CALL;
  ins.guard = r->guard;
  ins.gneg = (uint8_t)(r->gneg != 0);
  ins.line = r->line;
  ins.vec = 1;
  ins.imm = k->ncalls;
  ins.o[1] = target;
  k->calls[k->ncalls++] = cs;
  return emit(p, &ins);
}

static int parse_insn(struct parser *p) {
  struct cf__ptx_raw r;
  memset(&r, 0, sizeof r);
  r.guard = CF__PTX_SLOT_TRUE;
  r.line = p->t.line;
  if (is_p(&p->t, '@')) {
    TRY(adv(p));
    struct cf__ptx_opnd g;
    if (!is_p(&p->t, '!') && p->t.kind != CF__PTX_TK_IDENT)
      return PERR(p, "expected a predicate after '@'");
    TRY(parse_operand(p, &g));
    if (g.kind != CF__PTX_OK_SLOT || g.dsreg || g.slot2 != UINT32_MAX ||
        p->fn.slotty[g.slot].cls != CF__PTX_CLS_PRED)
      return cf__ptx_fail(p->d, CF_EPROTO, r.line, "guard is not a predicate");
    r.guard = g.slot;
    r.gneg = g.neg;
  }
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "expected an instruction, got '%.*s'", (int)p->t.len,
                p->t.s);
  if (p->t.len >= sizeof r.opname)
    return PERR(p, "instruction name too long");
  memcpy(r.opname, p->t.s, p->t.len);
  r.opname[p->t.len] = '\0';
  TRY(adv(p));
  if (strncmp(r.opname, "call", 4) == 0 &&
      (r.opname[4] == '\0' || r.opname[4] == '.'))
    return parse_call(p, &r);
  while (!is_p(&p->t, ';')) {
    if (r.nop >= CF__PTX_MAX_OPNDS)
      return PERR(p, "too many operands");
    TRY(parse_operand(p, &r.op[r.nop]));
    r.nop++;
    if (is_p(&p->t, ','))
      TRY(adv(p));
    else if (!is_p(&p->t, ';'))
      return PERR(p, "expected ',' or ';' after operand");
  }
  TRY(adv(p));
  struct cf__ptx_insn ins;
  memset(&ins, 0, sizeof ins);
  TRY(cf__ptx_decode(&p->fn, &r, &ins));
  return emit(p, &ins);
}

static int skip_line(struct parser *p) {
  uint32_t line = p->t.line;
  while (p->t.kind != CF__PTX_TK_EOF && p->t.line == line &&
         !is_p(&p->t, '}'))
    TRY(adv(p));
  return 0;
}

static int parse_body(struct parser *p) {
  TRY(expect(p, '{'));
  p->depth = 1;
  for (;;) {
    struct cf__ptx_tok *t = &p->t;
    if (t->kind == CF__PTX_TK_EOF)
      return PERR(p, "unexpected end of text in function body");
    if (is_p(t, '}')) {
      p->depth--;
      cf__ptx_names_pop(&p->regs, p->depth);
      p->fparam_cur = p->fparam_at[p->depth];
      TRY(adv(p));
      if (p->depth == 0)
        return 0;
      continue;
    }
    if (is_p(t, '{')) {
      if (p->depth + 1 > CF__PTX_MAX_DEPTH)
        return PERR(p, "blocks nested too deeply");
      p->fparam_at[p->depth] = p->fparam_cur;
      p->depth++;
      TRY(adv(p));
      continue;
    }
    if (t->kind == CF__PTX_TK_DIR) {
      if (is_dir(t, ".reg")) {
        TRY(parse_reg_decl(p));
      } else if (is_dir(t, ".shared") || is_dir(t, ".local")) {
        int sp = is_dir(t, ".shared") ? CF__PTX_SP_SHARED : CF__PTX_SP_LOCAL;
        TRY(adv(p));
        TRY(parse_fn_var(p, sp, 0));
      } else if (is_dir(t, ".extern")) {
        TRY(adv(p));
        if (!is_dir(&p->t, ".shared"))
          return PUNSUP(p, "unsupported .extern in a function");
        TRY(adv(p));
        TRY(parse_fn_var(p, CF__PTX_SP_SHARED, 1));
      } else if (is_dir(t, ".pragma")) {
        TRY(skip_to_semi(p));
      } else if (is_dir(t, ".loc") || is_dir(t, ".file")) {
        TRY(skip_line(p));
      } else if (is_dir(t, ".param")) {
        struct decl dl;
        uint32_t off;
        TRY(adv(p));
        TRY(parse_decl(p, &dl));
        if (dl.unsized || is_p(&p->t, '='))
          return PERR(p, "bad .param variable");
        TRY(def_fparam(p, &dl, &off));
        TRY(expect(p, ';'));
      } else {
        return PUNSUP(p, "unsupported directive '%.*s'", (int)t->len, t->s);
      }
      continue;
    }
    if (t->kind == CF__PTX_TK_IDENT && is_p(&p->nt, ':')) {
      uint32_t idx;
      TRY(label_ref(p, t->s, t->len, &idx));
      if (p->fn.label_pc[idx] != UINT32_MAX)
        return PERR(p, "label '%.*s' defined twice", (int)t->len, t->s);
      p->fn.label_pc[idx] = p->ncode;
      struct cf__ptx_tok name = *t;
      TRY(adv(p));
      TRY(adv(p));
      if (is_dir(&p->t, ".callprototype"))
        TRY(parse_proto(p, &name));
      continue;
    }
    TRY(parse_insn(p));
  }
}

static void fn_reset(struct parser *p) {
  free(p->fn.slotty);
  free(p->fn.vals);
  free(p->fn.syms);
  free(p->fn.label_pc);
  free(p->fn.chash_v);
  free(p->fn.chash_s);
  free(p->fn.dynpatch);
  free(p->label_line);
  free(p->code);
  free(p->var_sym);
  free(p->msh_sym);
  cf__ptx_names_free(&p->regs);
  cf__ptx_names_free(&p->labels);
  memset(&p->fn, 0, sizeof p->fn);
  p->label_line = NULL;
  p->code = NULL;
  p->ncode = p->capcode = p->caplabels = p->capsyms = 0;
  p->var_sym = p->msh_sym = NULL;
  for (uint32_t i = 0; i < p->nprotos; i++)
    free(p->protos[i].a);
  free(p->protos);
  p->protos = NULL;
  p->nprotos = 0;
  p->capcalls = p->capcargs = p->caplp = p->capdp = 0;
  p->k = NULL;
}

/* Finish the function: resolve branches, lay out shared memory, hand the
 * decoded code and template to the kernel. */
static int fn_finish(struct parser *p) {
  struct cf__ptx_fn *f = &p->fn;
  struct cf_ptx_kernel *k = p->k;
  for (uint32_t i = 0; i < f->nlabels; i++)
    if (f->label_pc[i] == UINT32_MAX)
      return cf__ptx_fail(p->d, CF_EPROTO, p->label_line[i],
                          "undefined label or name");
  struct cf__ptx_insn ex;
  memset(&ex, 0, sizeof ex);
  ex.op = k->is_entry ? CF__PTX_OP_EXIT : CF__PTX_OP_RET;
  ex.guard = CF__PTX_SLOT_TRUE;
  ex.line = p->t.line;
  TRY(emit(p, &ex));
  for (uint32_t pc = 0; pc < p->ncode; pc++) {
    struct cf__ptx_insn *i = &p->code[pc];
    if (i->op != CF__PTX_OP_BRA)
      continue;
    uint32_t target = f->label_pc[(uint32_t)i->imm];
    i->imm = target;
    if (target <= pc)
      i->flags |= CF__PTX_F_BACK;
  }
  uint32_t da = p->dyn_align < 16 ? 16 : p->dyn_align;
  uint64_t dyn = (p->shared_cur + da - 1) & ~(uint64_t)(da - 1);
  if (dyn > CF__PTX_MAX_SHARED)
    return PERR(p, ".shared too large");
  if (k->is_entry) {
    for (uint32_t i = 0; i < f->ndyn; i++)
      f->vals[f->dynpatch[i]] += dyn;
  } else if (f->ndyn > 0) {
    /* a .func's .local addresses move with its frame, and its dynamic
     * .shared is the launched kernel's: both are patched per call */
    k->lpatch = malloc(f->ndyn * sizeof *k->lpatch);
    k->dpatch = malloc(f->ndyn * sizeof *k->dpatch);
    if (k->lpatch == NULL || k->dpatch == NULL)
      return NOMEM(p);
    for (uint32_t i = 0; i < f->ndyn; i++) {
      uint32_t sl = f->dynpatch[i];
      if (sl & 0x80000000u)
        k->lpatch[k->nlpatch++] = sl & 0x7fffffffu;
      else
        k->dpatch[k->ndpatch++] = sl;
    }
  }
  k->code = p->code;
  k->ncode = p->ncode;
  p->code = NULL;
  k->nslots = f->nslots;
  k->tmpl = f->vals;
  f->vals = NULL;
  k->shared_bytes = (uint32_t)p->shared_cur;
  k->dyn_shared_offset = (uint32_t)dyn;
  k->local_bytes = (uint32_t)p->local_cur;
  k->local_align = p->local_align < 16 ? 16 : p->local_align;
  k->fparam_bytes = (uint32_t)p->fparam_max;
  return 0;
}

static int parse_perf(struct parser *p) {
  struct cf_ptx_kernel *k = p->k;
  for (;;) {
    if (is_dir(&p->t, ".maxntid") || is_dir(&p->t, ".reqntid")) {
      int req = is_dir(&p->t, ".reqntid");
      uint64_t d[3] = {1, 1, 1};
      TRY(adv(p));
      for (int i = 0; i < 3; i++) {
        TRY(parse_uint_tok(p, 1024, &d[i]));
        if (!is_p(&p->t, ','))
          break;
        TRY(adv(p));
      }
      uint64_t prod = d[0] * d[1] * d[2];
      if (prod == 0 || prod > 1024)
        return PERR(p, "bad thread count");
      if (!req || k->maxntid == 0 || prod < k->maxntid)
        k->maxntid = (uint32_t)prod;
      if (req)
        for (int i = 0; i < 3; i++)
          k->reqntid[i] = (uint32_t)d[i];
    } else if (is_dir(&p->t, ".minnctapersm") || is_dir(&p->t, ".maxnreg") ||
               is_dir(&p->t, ".maxnctapersm") ||
               is_dir(&p->t, ".maxclusterrank")) {
      uint64_t v;
      TRY(adv(p));
      TRY(parse_uint_tok(p, UINT32_MAX, &v));
    } else if (is_dir(&p->t, ".reqnctapercluster")) {
      uint64_t v;
      TRY(adv(p));
      for (;;) {
        TRY(parse_uint_tok(p, UINT32_MAX, &v));
        if (!is_p(&p->t, ','))
          break;
        TRY(adv(p));
      }
    } else if (is_dir(&p->t, ".explicitcluster") ||
               is_dir(&p->t, ".noreturn")) {
      TRY(adv(p));
    } else if (is_dir(&p->t, ".pragma")) {
      TRY(skip_to_semi(p));
    } else {
      return 0;
    }
  }
}

/* A new function table entry named by tok. */
static int new_fn(struct parser *p, const struct cf__ptx_tok *tok,
                  int is_entry, struct cf_ptx_kernel **out) {
  struct cf_ptx_module *m = p->m;
  *out = NULL;
  if (m->nkernels >= CF__PTX_MAX_FUNCS)
    return PERR(p, "too many functions");
  struct cf_ptx_kernel *ks = realloc(m->kernels, (m->nkernels + 1) * sizeof *ks);
  if (ks == NULL)
    return NOMEM(p);
  m->kernels = ks;
  struct cf_ptx_kernel *k = &ks[m->nkernels];
  memset(k, 0, sizeof *k);
  k->mod = m;
  k->is_entry = is_entry;
  k->index = m->nkernels;
  k->decl_line = tok->line;
  k->name = strndup(tok->s, tok->len);
  if (k->name == NULL)
    return NOMEM(p);
  m->nkernels++;
  if (!is_entry && cf__ptx_names_put(&p->mod, tok->s, tok->len, TAG_FUNC, 0,
                                     k->index, 0) != 0)
    return NOMEM(p);
  *out = k;
  return 0;
}

/* Start building k's body: name tables and the fixed register slots. */
static int fn_begin(struct parser *p, struct cf_ptx_kernel *k) {
  struct cf_ptx_module *m = p->m;
  p->k = k;
  if (cf__ptx_names_init(&p->regs) != 0 || cf__ptx_names_init(&p->labels) != 0)
    return NOMEM(p);
  p->fn.diag = p->d;
  p->fn.k = k;
  p->depth = 0;
  p->shared_cur = 0;
  p->dyn_align = 0;
  p->local_cur = 0;
  p->local_align = 0;
  p->fparam_cur = p->fparam_max = 0;
  p->var_sym = malloc((m->nvars + 1) * sizeof *p->var_sym);
  p->msh_sym = malloc((m->nmshared + 1) * sizeof *p->msh_sym);
  if (p->var_sym == NULL || p->msh_sym == NULL)
    return NOMEM(p);
  for (uint32_t i = 0; i < m->nvars; i++)
    p->var_sym[i] = UINT32_MAX;
  for (uint32_t i = 0; i < m->nmshared; i++)
    p->msh_sym[i] = UINT32_MAX;
  /* fixed slots: TRUE, SINK, CC, then the special registers */
  if (new_slot(&p->fn, CF__PTX_CLS_PRED, 1, 1, p->t.line) == UINT32_MAX ||
      new_slot(&p->fn, CF__PTX_CLS_B, 64, 0, p->t.line) == UINT32_MAX ||
      new_slot(&p->fn, CF__PTX_CLS_B, 64, 0, p->t.line) == UINT32_MAX)
    return p->d->rc;
  for (unsigned i = 0; i < CF__PTX_SR_COUNT_; i++)
    if (new_slot(&p->fn, CF__PTX_CLS_CONST, 32, 0, p->t.line) == UINT32_MAX)
      return p->d->rc;
  return 0;
}

/* .entry: the token after the directive. A prototype (no body) is
 * skipped. */
static int parse_entry(struct parser *p) {
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "expected a function name");
  struct cf_ptx_kernel *k;
  TRY(new_fn(p, &p->t, 1, &k));
  TRY(fn_begin(p, k));
  TRY(adv(p));
  if (is_p(&p->t, '(')) {
    struct pdecl *pl;
    uint32_t n;
    int rc = parse_plist(p, &pl, &n);
    if (rc == 0)
      rc = record_kernel_params(p, pl, n);
    free(pl);
    TRY(rc);
  }
  TRY(parse_perf(p));
  if (is_p(&p->t, ';')) {
    cf__ptx_kernel_clear(k);
    p->m->nkernels--;
    return adv(p);
  }
  TRY(parse_body(p));
  return fn_finish(p);
}

/* The extern functions the interpreter provides, by name and signature. */
static uint8_t builtin_of(const struct cf_ptx_kernel *k) {
  static const struct cf__ptx_parg vp[] = {{0, 0, 4}, {0, 0, 8}, {0, 0, 8}};
  static const struct cf__ptx_parg af[] = {{0, 0, 8}, {0, 0, 8}, {0, 0, 4},
                                           {0, 0, 8}, {0, 0, 8}};
  if (strcmp(k->name, "vprintf") == 0 && k->nsret == 1 && k->nsarg == 2 &&
      sig_equal(k->sig, vp, 3))
    return CF__PTX_BI_VPRINTF;
  if (strcmp(k->name, "__assertfail") == 0 && k->nsret == 0 &&
      k->nsarg == 5 && sig_equal(k->sig, af, 5))
    return CF__PTX_BI_ASSERTFAIL;
  return CF__PTX_BI_NONE;
}

/* .func [(rets)] name [(params)] [perf] ; or { body }: the token after the
 * directive. Declarations and the definition share one table entry and
 * must agree on the signature. */
static int parse_func(struct parser *p, int is_extern) {
  struct pdecl *rets = NULL, *args = NULL;
  uint32_t nr = 0, na = 0;
  struct cf__ptx_parg *sig = NULL;
  struct cf_ptx_kernel *k = NULL;
  struct cf__ptx_tok name;
  int rc = 0;
  if (is_p(&p->t, '('))
    rc = parse_plist(p, &rets, &nr);
  if (rc == 0 && p->t.kind != CF__PTX_TK_IDENT)
    rc = PERR(p, "expected a function name");
  name = p->t;
  if (rc == 0)
    rc = adv(p);
  if (rc == 0 && is_p(&p->t, '('))
    rc = parse_plist(p, &args, &na);
  if (rc == 0 && nr + na > CF__PTX_MAX_CARGS)
    rc = PERR(p, "too many parameters");
  if (rc == 0 && (sig = calloc(nr + na + 1, sizeof *sig)) == NULL)
    rc = NOMEM(p);
  if (rc == 0) {
    sig_from(rets, nr, sig);
    sig_from(args, na, sig + nr);
    const struct cf__ptx_name *e = cf__ptx_names_get(&p->mod, name.s, name.len,
                                                     TAG_FUNC);
    if (e != NULL) {
      k = &p->m->kernels[e->val];
      if (k->nsret != nr || k->nsarg != na || !sig_equal(k->sig, sig, nr + na))
        rc = PERR(p, "conflicting declarations of '%s'", k->name);
    } else {
      rc = new_fn(p, &name, 0, &k);
      if (rc == 0) {
        k->sig = sig;
        sig = NULL;
        k->nsret = nr;
        k->nsarg = na;
        if (is_extern)
          k->builtin = builtin_of(k);
      }
    }
  }
  if (rc == 0) {
    p->k = k;                /* for .maxntid and kin, ignored on a .func */
    rc = parse_perf(p);
  }
  if (rc == 0 && is_p(&p->t, ';')) {
    rc = adv(p);
  } else if (rc == 0) {
    if (!is_p(&p->t, '{'))
      rc = PERR(p, "expected a function body");
    else if (is_extern)
      rc = PERR(p, "extern function '%s' with a body", k->name);
    else if (k->has_body || k->builtin)
      rc = PERR(p, "function '%s' defined twice", k->name);
    if (rc == 0)
      rc = fn_begin(p, k);
    if (rc == 0)
      rc = define_fn_params(p, rets, nr, k->sig);
    if (rc == 0)
      rc = define_fn_params(p, args, na, k->sig + nr);
    if (rc == 0)
      rc = parse_body(p);
    if (rc == 0)
      rc = fn_finish(p);
    if (rc == 0)
      k->has_body = 1;
  }
  free(sig);
  free(rets);
  free(args);
  return rc;
}

/* Every direct call reaches a function with a body (or a builtin) whose
 * signature it matches. */
static int check_calls(struct parser *p) {
  struct cf_ptx_module *m = p->m;
  for (uint32_t f = 0; f < m->nkernels; f++) {
    const struct cf_ptx_kernel *k = &m->kernels[f];
    for (uint32_t c = 0; c < k->ncalls; c++) {
      const struct cf__ptx_callsite *cs = &k->calls[c];
      if (cs->callee == UINT32_MAX)
        continue;
      const struct cf_ptx_kernel *g = &m->kernels[cs->callee];
      if (!g->has_body && !g->builtin)
        return cf__ptx_fail(p->d, CF_EUNSUP, cs->line,
                            "unsupported call to '%s', which has no body "
                            "(of extern functions only vprintf and "
                            "__assertfail are provided)", g->name);
      if (cs->nret != g->nsret || cs->narg != g->nsarg ||
          !sig_equal(k->cargs + cs->first, g->sig, cs->nret + cs->narg))
        return cf__ptx_fail(p->d, CF_EPROTO, cs->line,
                            "call does not match the signature of '%s'",
                            g->name);
    }
  }
  return 0;
}

static int parse_version(struct parser *p) {
  TRY(adv(p));
  const struct cf__ptx_tok *t = &p->t;
  unsigned maj = 0, min = 0, i = 0;
  while (i < t->len && t->s[i] >= '0' && t->s[i] <= '9' && maj < 100)
    maj = maj * 10 + (unsigned)(t->s[i++] - '0');
  if (t->kind != CF__PTX_TK_NUM || i + 2 != t->len || t->s[i] != '.' ||
      t->s[i + 1] < '0' || t->s[i + 1] > '9')
    return PERR(p, "bad .version");
  min = (unsigned)(t->s[i + 1] - '0');
  if (maj > 9)
    return PUNSUP(p, "unsupported PTX version %u.%u", maj, min);
  p->m->ptx_version = maj * 10 + min;
  return adv(p);
}

static int parse_target(struct parser *p) {
  TRY(adv(p));
  for (;;) {
    const struct cf__ptx_tok *t = &p->t;
    if (t->kind != CF__PTX_TK_IDENT)
      return PERR(p, "bad .target");
    if (t->len > 3 && memcmp(t->s, "sm_", 3) == 0) {
      unsigned sm = 0;
      for (uint32_t i = 3; i < t->len && t->s[i] >= '0' && t->s[i] <= '9' &&
                           sm < 10000; i++)
        sm = sm * 10 + (unsigned)(t->s[i] - '0');
      p->m->target_sm = sm;
    } else if (!tok_eq(t, "texmode_unified") &&
               !tok_eq(t, "texmode_independent") && !tok_eq(t, "debug") &&
               !tok_eq(t, "map_f64_to_f32")) {
      return PUNSUP(p, "unsupported target '%.*s'", (int)t->len, t->s);
    }
    TRY(adv(p));
    if (!is_p(&p->t, ','))
      return 0;
    TRY(adv(p));
  }
}

static int parse_toplevel(struct parser *p) {
  for (;;) {
    struct cf__ptx_tok *t = &p->t;
    if (t->kind == CF__PTX_TK_EOF)
      return 0;
    if (t->kind != CF__PTX_TK_DIR)
      return PERR(p, "unexpected '%.*s' at module scope", (int)t->len, t->s);
    if (is_dir(t, ".version")) {
      TRY(parse_version(p));
    } else if (is_dir(t, ".target")) {
      TRY(parse_target(p));
    } else if (is_dir(t, ".address_size")) {
      uint64_t a;
      TRY(adv(p));
      TRY(parse_uint_tok(p, 64, &a));
      if (a != 64)
        return PUNSUP(p, "unsupported .address_size %llu",
                      (unsigned long long)a);
    } else if (is_dir(t, ".file") || is_dir(t, ".loc")) {
      TRY(skip_line(p));
    } else if (is_dir(t, ".pragma")) {
      TRY(skip_to_semi(p));
    } else {
      int is_extern = 0;
      while (is_dir(&p->t, ".visible") || is_dir(&p->t, ".weak") ||
             is_dir(&p->t, ".extern") || is_dir(&p->t, ".common")) {
        if (is_dir(&p->t, ".extern"))
          is_extern = 1;
        TRY(adv(p));
      }
      t = &p->t;
      if (is_dir(t, ".entry") || is_dir(t, ".func")) {
        int entry = is_dir(t, ".entry");
        TRY(adv(p));
        TRY(entry ? parse_entry(p) : parse_func(p, is_extern));
        fn_reset(p);
      } else if (is_dir(t, ".global") || is_dir(t, ".const") ||
                 is_dir(t, ".shared")) {
        int sp = is_dir(t, ".global") ? CF__PTX_SP_GLOBAL
               : is_dir(t, ".const") ? CF__PTX_SP_CONST : CF__PTX_SP_SHARED;
        TRY(adv(p));
        TRY(parse_module_var(p, sp, is_extern));
      } else {
        return PUNSUP(p, "unsupported directive '%.*s'", (int)t->len, t->s);
      }
    }
  }
}

int cf__ptx_parse_module(const char *text, size_t len,
                         struct cf_ptx_module *m, struct cf__ptx_diag *d) {
  struct parser p;
  memset(&p, 0, sizeof p);
  p.d = d;
  p.m = m;
  p.lx.p = text;
  p.lx.end = text + len;
  p.lx.line = 1;
  if (cf__ptx_names_init(&p.mod) != 0)
    return cf__ptx_fail(d, CF_ENOMEM, 0, "out of memory");
  p.nt.kind = CF__PTX_TK_PUNCT;   /* primed by the two advances */
  int rc = adv(&p);
  if (rc == 0)
    rc = adv(&p);
  if (rc == 0)
    rc = parse_toplevel(&p);
  if (rc == 0)
    rc = check_calls(&p);
  if (rc == 0 && m->ptx_version == 0)
    rc = cf__ptx_fail(d, CF_EPROTO, 1, "missing .version");
  fn_reset(&p);
  cf__ptx_names_free(&p.mod);
  return rc != 0 ? rc : d->rc;
}
