/* PTX parser, module scope: the entry point (cf__ptx_parse_module) and
 * its diagnostics, the token cursor every parser file moves with, the
 * declaration syntax that module variables, parameters and body variables
 * share, module directives (.version .target .address_size), module
 * variables (.global .const .shared with initialisers), and the check at
 * the end of the module that every direct call reaches a body or builtin
 * with a matching signature. Functions are ptx_parse_func.c's, their
 * bodies ptx_parse_body.c's and ptx_parse_call.c's; names and slots live
 * in ptx_parse_syms.c (overview in ptx_parse.h).
 *
 * The text is hostile: every count is capped (ptx_internal.h), recursion is
 * bounded by CF__PTX_MAX_DEPTH, and the first error stops the parse with
 * "line N: ..." in the diagnostic. Single-threaded; the module being built
 * is owned by the caller, which frees it on error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptx_parse.h"

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

int cf__ptx_adv(struct parser *p) {
  p->t = p->nt;
  if (p->t.kind == CF__PTX_TK_EOF) {
    p->nt = p->t;
    return 0;
  }
  if (cf__ptx_lex_next(&p->lx, &p->nt) != 0)
    return cf__ptx_fail(p->d, CF_EPROTO, p->nt.line, "bad token");
  return 0;
}

int cf__ptx_expect(struct parser *p, char c) {
  if (!is_p(&p->t, c))
    return PERR(p, "expected '%c' before '%.*s'", c, (int)p->t.len, p->t.s);
  return cf__ptx_adv(p);
}
int cf__ptx_skip_to_semi(struct parser *p) {
  while (!is_p(&p->t, ';')) {
    if (p->t.kind == CF__PTX_TK_EOF)
      return PERR(p, "missing ';'");
    TRY(cf__ptx_adv(p));
  }
  return cf__ptx_adv(p);
}
int cf__ptx_parse_uint(struct parser *p, uint64_t max, uint64_t *out) {
  struct cf__ptx_num n;
  if (cf__ptx_num_parse(&p->t, 0, &n) != 0 || n.kind != CF__PTX_NUM_INT ||
      n.bits > max)
    return PERR(p, "bad number '%.*s'", (int)p->t.len, p->t.s);
  *out = n.bits;
  return cf__ptx_adv(p);
}

int cf__ptx_skip_line(struct parser *p) {
  uint32_t line = p->t.line;
  while (p->t.kind != CF__PTX_TK_EOF && p->t.line == line &&
         !is_p(&p->t, '}'))
    TRY(cf__ptx_adv(p));
  return 0;
}

/* ---- declarations ---- */

/* [.align N] [.vN] [.ptr ...] .type name[dims]; stops before '=' or ';'. */
int cf__ptx_parse_decl(struct parser *p, struct decl *dl) {
  memset(dl, 0, sizeof *dl);
  dl->vec = 1;
  int have_type = 0;
  while (p->t.kind == CF__PTX_TK_DIR) {
    uint8_t cls, bits;
    if (is_dir(&p->t, ".align")) {
      uint64_t a;
      TRY(cf__ptx_adv(p));
      TRY(cf__ptx_parse_uint(p, 1u << 16, &a));
      if (a == 0 || (a & (a - 1)) != 0)
        return PERR(p, "bad alignment %llu", (unsigned long long)a);
      dl->align = (uint32_t)a;
      continue;
    }
    if (is_dir(&p->t, ".v2") || is_dir(&p->t, ".v4") || is_dir(&p->t, ".v8")) {
      dl->vec = (uint32_t)(p->t.s[2] - '0');
      TRY(cf__ptx_adv(p));
      continue;
    }
    if (is_dir(&p->t, ".ptr") || is_dir(&p->t, ".global") ||
        is_dir(&p->t, ".shared") || is_dir(&p->t, ".const") ||
        is_dir(&p->t, ".local")) {   /* .param .u64 .ptr .global .align 1 */
      TRY(cf__ptx_adv(p));
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
    TRY(cf__ptx_adv(p));
  }
  if (!have_type)
    return PERR(p, "declaration without a type");
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "expected a name in declaration");
  dl->name = p->t.s;
  dl->namelen = p->t.len;
  TRY(cf__ptx_adv(p));
  dl->elem = dl->bits == 1 ? 1 : dl->bits / 8;
  dl->count = dl->vec;
  while (is_p(&p->t, '[')) {
    TRY(cf__ptx_adv(p));
    if (is_p(&p->t, ']')) {
      if (dl->unsized)
        return PERR(p, "more than one unsized dimension");
      dl->unsized = 1;
    } else {
      uint64_t n;
      TRY(cf__ptx_parse_uint(p, CF__PTX_MAX_VAR, &n));
      if (n != 0 && dl->count > CF__PTX_MAX_VAR / n)
        return PERR(p, "array too large");
      dl->count *= n;
    }
    TRY(cf__ptx_expect(p, ']'));
  }
  if (dl->count > CF__PTX_MAX_VAR / dl->elem)
    return PERR(p, "array too large");
  if (dl->align == 0)
    dl->align = (uint32_t)(dl->elem * dl->vec);
  return 0;
}

/* ---- module variables ---- */

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
    TRY(cf__ptx_adv(p));
    for (;;) {
      TRY(parse_init(p, dl, init, cap, idx, depth + 1));
      if (is_p(&p->t, ',')) {
        TRY(cf__ptx_adv(p));
        continue;
      }
      return cf__ptx_expect(p, '}');
    }
  }
  int neg = 0;
  if (is_p(&p->t, '-')) {
    neg = 1;
    TRY(cf__ptx_adv(p));
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
  return cf__ptx_adv(p);
}

/* Module-scope .global/.const/.shared: token after the space directive. */
static int parse_module_var(struct parser *p, int space, int is_extern) {
  struct decl dl;
  TRY(cf__ptx_parse_decl(p, &dl));
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
    return cf__ptx_expect(p, ';');
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
    TRY(cf__ptx_adv(p));
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
  return cf__ptx_expect(p, ';');
}

/* ---- module ---- */

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
          !cf__ptx_sig_equal(k->cargs + cs->first, g->sig, cs->nret + cs->narg))
        return cf__ptx_fail(p->d, CF_EPROTO, cs->line,
                            "call does not match the signature of '%s'",
                            g->name);
    }
  }
  return 0;
}

static int parse_version(struct parser *p) {
  TRY(cf__ptx_adv(p));
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
  return cf__ptx_adv(p);
}

static int parse_target(struct parser *p) {
  TRY(cf__ptx_adv(p));
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
    TRY(cf__ptx_adv(p));
    if (!is_p(&p->t, ','))
      return 0;
    TRY(cf__ptx_adv(p));
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
      TRY(cf__ptx_adv(p));
      TRY(cf__ptx_parse_uint(p, 64, &a));
      if (a != 64)
        return PUNSUP(p, "unsupported .address_size %llu",
                      (unsigned long long)a);
    } else if (is_dir(t, ".file") || is_dir(t, ".loc")) {
      TRY(cf__ptx_skip_line(p));
    } else if (is_dir(t, ".pragma")) {
      TRY(cf__ptx_skip_to_semi(p));
    } else {
      int is_extern = 0;
      while (is_dir(&p->t, ".visible") || is_dir(&p->t, ".weak") ||
             is_dir(&p->t, ".extern") || is_dir(&p->t, ".common")) {
        if (is_dir(&p->t, ".extern"))
          is_extern = 1;
        TRY(cf__ptx_adv(p));
      }
      t = &p->t;
      if (is_dir(t, ".entry") || is_dir(t, ".func")) {
        int entry = is_dir(t, ".entry");
        TRY(cf__ptx_adv(p));
        TRY(entry ? cf__ptx_parse_entry(p) : cf__ptx_parse_func(p, is_extern));
        cf__ptx_fn_reset(p);
      } else if (is_dir(t, ".global") || is_dir(t, ".const") ||
                 is_dir(t, ".shared")) {
        int sp = is_dir(t, ".global") ? CF__PTX_SP_GLOBAL
               : is_dir(t, ".const") ? CF__PTX_SP_CONST : CF__PTX_SP_SHARED;
        TRY(cf__ptx_adv(p));
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
  int rc = cf__ptx_adv(&p);
  if (rc == 0)
    rc = cf__ptx_adv(&p);
  if (rc == 0)
    rc = parse_toplevel(&p);
  if (rc == 0)
    rc = check_calls(&p);
  if (rc == 0 && m->ptx_version == 0)
    rc = cf__ptx_fail(d, CF_EPROTO, 1, "missing .version");
  cf__ptx_fn_reset(&p);
  cf__ptx_names_free(&p.mod);
  return rc != 0 ? rc : d->rc;
}
