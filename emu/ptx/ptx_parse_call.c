/* PTX parser, calls: call[.uni] with its return and argument lists
 * (.param variables, registers or, for arguments, literals), recorded as a
 * call site of the calling function, and .callprototype labels for
 * indirect calls. An indirect call is checked against its prototype here;
 * a direct one against its callee at the end of the module (ptx_parse.c),
 * since the callee may be defined later. Single-threaded. */
#include <stdlib.h>
#include <string.h>

#include "ptx_parse.h"

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
      TRY(cf__ptx_adv(p));
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
    return cf__ptx_adv(p);
  }
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "bad call operand '%.*s'", (int)p->t.len, p->t.s);
  int ds;
  uint32_t slot = cf__ptx_find_reg(p, p->t.s, p->t.len, &ds);
  if (slot != UINT32_MAX) {
    const struct cf__ptx_slotty *ty = &p->fn.slotty[slot];
    if (ds || (is_ret && (slot == CF__PTX_SLOT_TRUE ||
                          ty->cls == CF__PTX_CLS_CONST)))
      return PERR(p, "bad call operand '%.*s'", (int)p->t.len, p->t.s);
    a.is_reg = 1;
    a.where = slot;
    a.size = ty->cls == CF__PTX_CLS_PRED ? 1 : 8;
    TRY(push_carg(p, &a));
    return cf__ptx_adv(p);
  }
  const struct cf__ptx_name *e = cf__ptx_names_get(&p->regs, p->t.s, p->t.len,
                                                   TAG_SYM);
  if (e == NULL || p->fn.syms[e->val].kind != CF__PTX_SYM_FPARAM)
    return PERR(p, "'%.*s' is not a .param variable or register",
                (int)p->t.len, p->t.s);
  a.where = (uint32_t)p->fn.syms[e->val].offset;
  a.size = (uint32_t)p->fn.syms[e->val].size;
  TRY(push_carg(p, &a));
  return cf__ptx_adv(p);
}

/* ( operand, ... ) of a call; *n counts them. */
static int call_list(struct parser *p, int is_ret, uint32_t *n) {
  TRY(cf__ptx_expect(p, '('));
  *n = 0;
  if (is_p(&p->t, ')'))
    return cf__ptx_adv(p);
  for (;;) {
    if (*n >= CF__PTX_MAX_CARGS)
      return PERR(p, "too many call operands");
    TRY(call_opnd(p, is_ret));
    (*n)++;
    if (is_p(&p->t, ',')) {
      TRY(cf__ptx_adv(p));
      continue;
    }
    return cf__ptx_expect(p, ')');
  }
}

/* label: .callprototype (.param ...) _ (.param ...); after the colon. */
int cf__ptx_parse_proto(struct parser *p, const struct cf__ptx_tok *name) {
  struct pdecl *rets = NULL, *args = NULL;
  uint32_t nr = 0, na = 0;
  int rc = cf__ptx_adv(p);
  if (rc == 0 && is_p(&p->t, '('))
    rc = cf__ptx_parse_plist(p, &rets, &nr);
  if (rc == 0 && !(p->t.kind == CF__PTX_TK_IDENT && tok_eq(&p->t, "_")))
    rc = PERR(p, "expected '_' in .callprototype");
  if (rc == 0)
    rc = cf__ptx_adv(p);
  if (rc == 0 && is_p(&p->t, '('))
    rc = cf__ptx_parse_plist(p, &args, &na);
  while (rc == 0 && is_dir(&p->t, ".noreturn"))
    rc = cf__ptx_adv(p);
  if (rc == 0)
    rc = cf__ptx_expect(p, ';');
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
      cf__ptx_sig_from(rets, nr, pr->a);
      cf__ptx_sig_from(args, na, pr->a + nr);
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
int cf__ptx_parse_call(struct parser *p, const struct cf__ptx_raw *r) {
  struct cf_ptx_kernel *k = p->k;
  if (strcmp(r->opname, "call") != 0 && strcmp(r->opname, "call.uni") != 0)
    return PUNSUP(p, "unsupported instruction '%s'", r->opname);
  struct cf__ptx_callsite cs = {.callee = UINT32_MAX, .first = k->ncargs,
                                .line = r->line};
  uint32_t target = CF__PTX_SLOT_TRUE;
  if (is_p(&p->t, '(')) {
    TRY(call_list(p, 1, &cs.nret));
    TRY(cf__ptx_expect(p, ','));
  }
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "expected a call target");
  const struct cf__ptx_name *e = cf__ptx_names_get(&p->mod, p->t.s, p->t.len,
                                                   TAG_FUNC);
  int ds;
  if (e != NULL) {
    cs.callee = (uint32_t)e->val;
  } else {
    target = cf__ptx_find_reg(p, p->t.s, p->t.len, &ds);
    if (target == UINT32_MAX)
      return PERR(p, "unknown function '%.*s'", (int)p->t.len, p->t.s);
    const struct cf__ptx_slotty *ty = &p->fn.slotty[target];
    if (ds || ty->cls == CF__PTX_CLS_PRED || ty->cls == CF__PTX_CLS_F ||
        target == CF__PTX_SLOT_SINK)
      return PERR(p, "bad indirect call target '%.*s'", (int)p->t.len,
                  p->t.s);
  }
  TRY(cf__ptx_adv(p));
  const struct proto *pr = NULL;
  if (is_p(&p->t, ',')) {
    TRY(cf__ptx_adv(p));
    if (is_p(&p->t, '(')) {
      cs.first = k->ncargs - cs.nret;
      TRY(call_list(p, 0, &cs.narg));
      if (is_p(&p->t, ',')) {
        TRY(cf__ptx_adv(p));
        if (p->t.kind != CF__PTX_TK_IDENT)
          return PERR(p, "expected a prototype");
        e = cf__ptx_names_get(&p->regs, p->t.s, p->t.len, TAG_PROTO);
        if (e == NULL)
          return PUNSUP(p, "unsupported call target list '%.*s'",
                        (int)p->t.len, p->t.s);
        pr = &p->protos[e->val];
        TRY(cf__ptx_adv(p));
      }
    } else {
      return PERR(p, "expected '(' before '%.*s'", (int)p->t.len, p->t.s);
    }
  }
  TRY(cf__ptx_expect(p, ';'));
  cs.first = k->ncargs - cs.nret - cs.narg;
  if (cs.callee == UINT32_MAX) {
    if (pr == NULL)
      return cf__ptx_fail(p->d, CF_EUNSUP, r->line,
                          "unsupported indirect call without a prototype");
    if (pr->nret != cs.nret || pr->narg != cs.narg ||
        !cf__ptx_sig_equal(pr->a, k->cargs + cs.first, cs.nret + cs.narg))
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
  return cf__ptx_emit(p, &ins);
}
