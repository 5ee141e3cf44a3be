/* PTX parser, functions: .entry and .func headers with their parameter
 * lists and performance directives, the kernel's parameter layout, .func
 * signatures (declarations and the definition share one table entry and
 * must agree), the extern functions the interpreter provides (vprintf,
 * __assertfail), and the life of the function being built: begin (fixed
 * slots), finish (branch targets patched, undefined labels reported,
 * .shared and .local laid out, code and register template handed to the
 * kernel) and reset. The body between the braces is ptx_parse_body.c's.
 * Single-threaded; what fn_finish hands over belongs to the module's
 * function table, everything else is freed by cf__ptx_fn_reset. */
#include <stdlib.h>
#include <string.h>

#include "ptx_parse.h"

/* ---- parameters and signatures ---- */

/* ( .param decl, ... ) into a new array: *out (the caller frees it, also on
 * error) and *n. */
int cf__ptx_parse_plist(struct parser *p, struct pdecl **out, uint32_t *n) {
  uint32_t cap = 0;
  *out = NULL;
  *n = 0;
  TRY(cf__ptx_expect(p, '('));
  if (is_p(&p->t, ')'))
    return cf__ptx_adv(p);
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
    TRY(cf__ptx_adv(p));
    TRY(cf__ptx_parse_decl(p, &pd->dl));
    if (pd->dl.unsized)
      return PERR(p, "unsized parameter");
    if (pd->is_reg && pd->dl.count != 1)
      return PERR(p, "bad .reg parameter");
    if (is_p(&p->t, ',')) {
      TRY(cf__ptx_adv(p));
      continue;
    }
    return cf__ptx_expect(p, ')');
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
    TRY(cf__ptx_add_sym(p, &s, &idx));
    if (cf__ptx_names_put(&p->regs, dl->name, dl->namelen, TAG_SYM, 0, idx,
                          0) != 0)
      return NOMEM(p);
  }
  return 0;
}

/* Kinds and sizes of a signature (where is filled when a body defines
 * the parameters). Predicate registers have size 1, other registers 8. */
void cf__ptx_sig_from(const struct pdecl *pl, uint32_t n,
                      struct cf__ptx_parg *out) {
  for (uint32_t i = 0; i < n; i++) {
    out[i].is_reg = (uint32_t)pl[i].is_reg;
    out[i].where = 0;
    out[i].size = pl[i].is_reg ? (pl[i].dl.cls == CF__PTX_CLS_PRED ? 1 : 8)
                               : (uint32_t)(pl[i].dl.count * pl[i].dl.elem);
  }
}

int cf__ptx_sig_equal(const struct cf__ptx_parg *a,
                      const struct cf__ptx_parg *b, uint32_t n) {
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
int cf__ptx_def_fparam(struct parser *p, const struct decl *dl, uint32_t *off) {
  uint64_t size = dl->count * dl->elem, o = 0;
  TRY(fparam_alloc(p, size, dl->align, &o));
  struct cf__ptx_sym s = {.kind = CF__PTX_SYM_FPARAM, .offset = o,
                          .size = size};
  uint32_t idx;
  TRY(cf__ptx_add_sym(p, &s, &idx));
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
      TRY(cf__ptx_def_fparam(p, dl, &sig[i].where));
      continue;
    }
    uint32_t slot = cf__ptx_new_slot(&p->fn, dl->cls, dl->bits, 0, p->t.line);
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

/* ---- the function being built ---- */

void cf__ptx_fn_reset(struct parser *p) {
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
  TRY(cf__ptx_emit(p, &ex));
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
  struct cf__ptx_fn *f = &p->fn;
  uint32_t line = p->t.line;
  if (cf__ptx_new_slot(f, CF__PTX_CLS_PRED, 1, 1, line) == UINT32_MAX ||
      cf__ptx_new_slot(f, CF__PTX_CLS_B, 64, 0, line) == UINT32_MAX ||
      cf__ptx_new_slot(f, CF__PTX_CLS_B, 64, 0, line) == UINT32_MAX)
    return p->d->rc;
  for (unsigned i = 0; i < CF__PTX_SR_COUNT_; i++)
    if (cf__ptx_new_slot(f, CF__PTX_CLS_CONST, 32, 0, line) == UINT32_MAX)
      return p->d->rc;
  return 0;
}

/* ---- headers ---- */

static int parse_perf(struct parser *p) {
  struct cf_ptx_kernel *k = p->k;
  for (;;) {
    if (is_dir(&p->t, ".maxntid") || is_dir(&p->t, ".reqntid")) {
      int req = is_dir(&p->t, ".reqntid");
      uint64_t d[3] = {1, 1, 1};
      TRY(cf__ptx_adv(p));
      for (int i = 0; i < 3; i++) {
        TRY(cf__ptx_parse_uint(p, 1024, &d[i]));
        if (!is_p(&p->t, ','))
          break;
        TRY(cf__ptx_adv(p));
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
      TRY(cf__ptx_adv(p));
      TRY(cf__ptx_parse_uint(p, UINT32_MAX, &v));
    } else if (is_dir(&p->t, ".reqnctapercluster")) {
      uint64_t v;
      TRY(cf__ptx_adv(p));
      for (;;) {
        TRY(cf__ptx_parse_uint(p, UINT32_MAX, &v));
        if (!is_p(&p->t, ','))
          break;
        TRY(cf__ptx_adv(p));
      }
    } else if (is_dir(&p->t, ".explicitcluster") ||
               is_dir(&p->t, ".noreturn")) {
      TRY(cf__ptx_adv(p));
    } else if (is_dir(&p->t, ".pragma")) {
      TRY(cf__ptx_skip_to_semi(p));
    } else {
      return 0;
    }
  }
}

/* .entry: the token after the directive. A prototype (no body) is
 * skipped. */
int cf__ptx_parse_entry(struct parser *p) {
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "expected a function name");
  struct cf_ptx_kernel *k;
  TRY(new_fn(p, &p->t, 1, &k));
  TRY(fn_begin(p, k));
  TRY(cf__ptx_adv(p));
  if (is_p(&p->t, '(')) {
    struct pdecl *pl;
    uint32_t n;
    int rc = cf__ptx_parse_plist(p, &pl, &n);
    if (rc == 0)
      rc = record_kernel_params(p, pl, n);
    free(pl);
    TRY(rc);
  }
  TRY(parse_perf(p));
  if (is_p(&p->t, ';')) {
    cf__ptx_kernel_clear(k);
    p->m->nkernels--;
    return cf__ptx_adv(p);
  }
  TRY(cf__ptx_parse_body(p));
  return fn_finish(p);
}

/* The extern functions the interpreter provides, by name and signature. */
static uint8_t builtin_of(const struct cf_ptx_kernel *k) {
  static const struct cf__ptx_parg vp[] = {{0, 0, 4}, {0, 0, 8}, {0, 0, 8}};
  static const struct cf__ptx_parg af[] = {{0, 0, 8}, {0, 0, 8}, {0, 0, 4},
                                           {0, 0, 8}, {0, 0, 8}};
  if (strcmp(k->name, "vprintf") == 0 && k->nsret == 1 && k->nsarg == 2 &&
      cf__ptx_sig_equal(k->sig, vp, 3))
    return CF__PTX_BI_VPRINTF;
  if (strcmp(k->name, "__assertfail") == 0 && k->nsret == 0 &&
      k->nsarg == 5 && cf__ptx_sig_equal(k->sig, af, 5))
    return CF__PTX_BI_ASSERTFAIL;
  return CF__PTX_BI_NONE;
}

/* .func [(rets)] name [(params)] [perf] ; or { body }: the token after the
 * directive. Declarations and the definition share one table entry and
 * must agree on the signature. */
int cf__ptx_parse_func(struct parser *p, int is_extern) {
  struct pdecl *rets = NULL, *args = NULL;
  uint32_t nr = 0, na = 0;
  struct cf__ptx_parg *sig = NULL;
  struct cf_ptx_kernel *k = NULL;
  struct cf__ptx_tok name;
  int rc = 0;
  if (is_p(&p->t, '('))
    rc = cf__ptx_parse_plist(p, &rets, &nr);
  if (rc == 0 && p->t.kind != CF__PTX_TK_IDENT)
    rc = PERR(p, "expected a function name");
  name = p->t;
  if (rc == 0)
    rc = cf__ptx_adv(p);
  if (rc == 0 && is_p(&p->t, '('))
    rc = cf__ptx_parse_plist(p, &args, &na);
  if (rc == 0 && nr + na > CF__PTX_MAX_CARGS)
    rc = PERR(p, "too many parameters");
  if (rc == 0 && (sig = calloc(nr + na + 1, sizeof *sig)) == NULL)
    rc = NOMEM(p);
  if (rc == 0) {
    cf__ptx_sig_from(rets, nr, sig);
    cf__ptx_sig_from(args, na, sig + nr);
    const struct cf__ptx_name *e = cf__ptx_names_get(&p->mod, name.s, name.len,
                                                     TAG_FUNC);
    if (e != NULL) {
      k = &p->m->kernels[e->val];
      if (k->nsret != nr || k->nsarg != na ||
          !cf__ptx_sig_equal(k->sig, sig, nr + na))
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
    rc = cf__ptx_adv(p);
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
      rc = cf__ptx_parse_body(p);
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
