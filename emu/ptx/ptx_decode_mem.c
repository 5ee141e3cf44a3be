/* PTX decoder, memory: the [base+offset] address of a memory instruction
 * in its state space (a .param in a .func, or a call sequence's .param,
 * is the frame's area), ld/ldu/st scalar and vector, and atom/red. Bounds
 * are checked when the instruction runs (ptx_mem.h), not here. No global
 * state. */
#include <string.h>

#include "ptx_decode.h"

/* [base+off] of a memory instruction: base slot into o[4], offset imm. */
static int addr(struct dec *d, unsigned i, int space) {
  const struct cf__ptx_opnd *a = &d->r->op[i];
  struct cf__ptx_insn *o = d->o;
  if (a->kind != CF__PTX_OK_ADDR)
    return cf__ptx_dec_bad(d, "expected an address");
  o->imm = a->off;
  /* .param in a .func is its frame's area; in a kernel, a .param
   * variable of a call sequence is too, the rest is the kernel's */
  if (space == CF__PTX_SP_PARAM &&
      (!d->f->k->is_entry || (a->base_kind == CF__PTX_OK_SYM &&
                              d->f->syms[a->sym].kind == CF__PTX_SYM_FPARAM)))
    o->space = space = CF__PTX_SP_FPARAM;
  if (a->base_kind == CF__PTX_OK_SLOT) {
    const struct cf__ptx_slotty *t = &d->f->slotty[a->slot];
    if (t->cls == CF__PTX_CLS_PRED || t->cls == CF__PTX_CLS_F)
      return cf__ptx_dec_bad(d, "address register is not an integer");
    o->o[4] = a->slot;
    return 0;
  }
  if (a->base_kind == CF__PTX_OK_IMM) {
    o->o[4] = cf__ptx_fn_const(d->f, 0, d->r->line);
    return o->o[4] == UINT32_MAX ? d->f->diag->rc : 0;
  }
  const struct cf__ptx_sym *s = &d->f->syms[a->sym];
  int ok;
  switch (space) {
  case CF__PTX_SP_GENERIC: ok = 1; break;
  case CF__PTX_SP_GLOBAL:
  case CF__PTX_SP_CONST: ok = s->kind == CF__PTX_SYM_VAR; break;
  case CF__PTX_SP_SHARED: ok = s->kind == CF__PTX_SYM_SHARED; break;
  case CF__PTX_SP_LOCAL: ok = s->kind == CF__PTX_SYM_LOCAL; break;
  case CF__PTX_SP_PARAM: ok = s->kind == CF__PTX_SYM_PARAM; break;
  case CF__PTX_SP_FPARAM: ok = s->kind == CF__PTX_SYM_FPARAM; break;
  default: ok = 0;
  }
  if (!ok)
    return cf__ptx_fail(d->f->diag, CF_EPROTO, d->r->line,
                        "'%.*s' is not in the instruction's state space",
                        (int)a->namelen, a->name);
  o->o[4] = cf__ptx_fn_symaddr(d->f, a->sym, 0, space == CF__PTX_SP_GENERIC,
                               d->r->line);
  return o->o[4] == UINT32_MAX ? d->f->diag->rc : 0;
}

int cf__ptx_dec_ldst(struct dec *d, int st) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_drop_hint(d);
  if (rc == 0)
    rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc == 0)
    rc = cf__ptx_dec_nops(d, 2, 2);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  if (cls == CF__PTX_CLS_PRED)
    return cf__ptx_dec_bad(d, "bad type");
  o->op = st ? CF__PTX_OP_ST : CF__PTX_OP_LD;
  o->space = d->m.space >= 0 ? (uint8_t)d->m.space : CF__PTX_SP_GENERIC;
  if (st && o->space == CF__PTX_SP_CONST)
    return cf__ptx_dec_unsup(d);
  if (cls == CF__PTX_CLS_S)
    o->flags |= CF__PTX_F_SIGNED;
  o->vec = (uint8_t)d->m.vec;
  unsigned vi = st ? 1 : 0;
  const struct cf__ptx_opnd *v = &d->r->op[vi];
  if (o->vec > 1) {
    if (v->kind != CF__PTX_OK_VEC || v->nvec != o->vec)
      return cf__ptx_dec_bad(d, "vector operand does not match .v");
    for (unsigned i = 0; i < o->vec; i++) {
      rc = st ? cf__ptx_dec_check_reg(d, v->vslot[i], cls, bits)
              : (cf__ptx_dec_writable(d, v->vslot[i], 0)
                     ? d->f->diag->rc
                     : cf__ptx_dec_check_reg(d, v->vslot[i], cls, bits));
      if (rc)
        return rc;
      o->o[i] = v->vslot[i];
    }
  } else if (st) {
    rc = cf__ptx_dec_src(d, 1, cls, bits, &o->o[0]);
  } else {
    rc = cf__ptx_dec_dst(d, 0, cls, bits, &o->o[0]);
  }
  if (rc == 0)
    rc = addr(d, st ? 0 : 1, o->space);
  if (rc == 0 && st && o->space == CF__PTX_SP_PARAM)
    return cf__ptx_dec_unsup(d);
  return rc;
}

int cf__ptx_dec_atom(struct dec *d, int red) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_drop_hint(d);
  if (rc == 0)
    rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  int op = d->m.atom >= 0 ? d->m.atom : -1;
  if (d->m.boolop >= 0) {
    if (op >= 0)
      return cf__ptx_dec_bad(d, "conflicting modifiers");
    op = d->m.boolop == CF__PTX_COMB_AND ? CF__PTX_ATOM_AND
       : d->m.boolop == CF__PTX_COMB_OR ? CF__PTX_ATOM_OR : CF__PTX_ATOM_XOR;
  }
  if (op < 0 || op == 100 || (bits != 32 && bits != 64) ||
      cls == CF__PTX_CLS_PRED || d->m.vec != 1)
    return cf__ptx_dec_unsup(d);
  o->op = CF__PTX_OP_ATOM;
  o->sub = (uint8_t)op;
  o->space = d->m.space >= 0 ? (uint8_t)d->m.space : CF__PTX_SP_GENERIC;
  if (o->space != CF__PTX_SP_GLOBAL && o->space != CF__PTX_SP_SHARED &&
      o->space != CF__PTX_SP_GENERIC)
    return cf__ptx_dec_bad(d, "bad state space");
  if (cls == CF__PTX_CLS_F) {
    if (op != CF__PTX_ATOM_ADD && op != CF__PTX_ATOM_EXCH)
      return cf__ptx_dec_unsup(d);
    o->flags |= CF__PTX_F_FLOAT;
  }
  if (cls == CF__PTX_CLS_S)
    o->flags |= CF__PTX_F_SIGNED;
  if ((op == CF__PTX_ATOM_INC || op == CF__PTX_ATOM_DEC) &&
      (cls != CF__PTX_CLS_U || bits != 32))
    return cf__ptx_dec_bad(d, "inc/dec need .u32");
  unsigned n = op == CF__PTX_ATOM_CAS ? 2 : 1;
  unsigned a0 = red ? 0 : 1;
  rc = cf__ptx_dec_nops(d, a0 + 1 + n, a0 + 1 + n);
  if (rc)
    return rc;
  if (red) {
    o->o[0] = CF__PTX_SLOT_SINK;
    o->flags |= CF__PTX_F_NODST;
  } else {
    rc = cf__ptx_dec_dst(d, 0, cls, bits, &o->o[0]);
  }
  if (rc == 0)
    rc = cf__ptx_dec_src(d, a0 + 1, cls, bits, &o->o[1]);
  o->o[2] = o->o[1];
  if (rc == 0 && n == 2)
    rc = cf__ptx_dec_src(d, a0 + 2, cls, bits, &o->o[2]);
  return rc ? rc : addr(d, a0, o->space);
}

/* cp.async.{ca,cg}.shared{::cta}.global[.L2::NB][.L2::cache_hint]
 *   [dst], [src], cp-size[, src-size][, policy]: runs at once (a legal
 *   schedule: only wait_group/wait_all promise completion, and they find
 *   it done); commit_group, wait_group and wait_all are then no-ops. The
 *   bulk and mbarrier forms are CF_EUNSUP. */
int cf__ptx_dec_cpasync(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  const char *s = d->r->opname;
  if (strncmp(s, "cp.async.", 9) != 0)
    return cf__ptx_dec_unsup(d);
  s += 9;
  if (strcmp(s, "commit_group") == 0 || strcmp(s, "wait_all") == 0 ||
      strcmp(s, "wait_group") == 0) {
    o->op = CF__PTX_OP_NOP;
    return cf__ptx_dec_nops(d, s[5] == 'g' ? 1 : 0, s[5] == 'g' ? 1 : 0);
  }
  int sh = 0, gl = 0, hint = 0, cache = 0;
  while (*s) {
    const char *e = strchr(s, '.');
    size_t n = e ? (size_t)(e - s) : strlen(s);
#define W(w) (n == sizeof(w) - 1 && memcmp(s, w, n) == 0)
    if (W("ca") || W("cg"))
      cache++;
    else if (W("shared") || W("shared::cta"))
      sh++;
    else if (W("global"))
      gl++;
    else if (W("L2::cache_hint"))
      hint = 1;
    else if (!W("L2::64B") && !W("L2::128B") && !W("L2::256B"))
      return cf__ptx_dec_unsup(d);
#undef W
    s += n + (e != NULL);
  }
  if (sh != 1 || gl != 1 || cache != 1)
    return cf__ptx_dec_unsup(d);
  d->m.flags = hint ? 1u << FL_HINT : 0;
  int rc = cf__ptx_dec_drop_hint(d);
  if (rc == 0)
    rc = cf__ptx_dec_nops(d, 3, 4);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *sz = &d->r->op[2];
  if (sz->kind != CF__PTX_OK_IMM || sz->num.kind != CF__PTX_NUM_INT ||
      (sz->num.bits != 4 && sz->num.bits != 8 && sz->num.bits != 16))
    return cf__ptx_dec_bad(d, "cp-size must be 4, 8 or 16");
  o->op = CF__PTX_OP_CP_ASYNC;
  o->bits2 = (uint8_t)sz->num.bits;
  o->space = CF__PTX_SP_GLOBAL;
  rc = addr(d, 1, CF__PTX_SP_GLOBAL);
  if (rc)
    return rc;
  o->o[2] = o->o[4];
  o->o[3] = cf__ptx_fn_const(d->f, (uint64_t)o->imm, d->r->line);
  if (o->o[3] == UINT32_MAX)
    return d->f->diag->rc;
  o->space = CF__PTX_SP_SHARED;
  rc = addr(d, 0, CF__PTX_SP_SHARED);
  if (rc)
    return rc;
  if (d->r->nop == 4)
    return cf__ptx_dec_src(d, 3, CF__PTX_CLS_U, 32, &o->o[1]);
  o->o[1] = cf__ptx_fn_const(d->f, sz->num.bits, d->r->line);
  return o->o[1] == UINT32_MAX ? d->f->diag->rc : 0;
}
