/* PTX decoder, moves and conversions: mov (scalar, vector pack/unpack,
 * the dynamic special registers such as %clock), cvt between integer and
 * float types with its rounding modes, and cvta between generic and
 * state-space addresses. Checks on operands are ptx_decode_opnd.c's. No
 * global state. */
#include "ptx_decode.h"

int cf__ptx_dec_mov(struct dec *d) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc == 0)
    rc = cf__ptx_dec_nops(d, 2, 2);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  const struct cf__ptx_opnd *a = &d->r->op[0], *b = &d->r->op[1];
  if (a->kind == CF__PTX_OK_VEC || b->kind == CF__PTX_OK_VEC) {
    const struct cf__ptx_opnd *v = a->kind == CF__PTX_OK_VEC ? a : b;
    if (cls == CF__PTX_CLS_PRED || cls == CF__PTX_CLS_F || v->nvec < 2 ||
        (v->nvec != 2 && v->nvec != 4) || bits / v->nvec < 8 ||
        (a->kind == CF__PTX_OK_VEC && b->kind == CF__PTX_OK_VEC))
      return cf__ptx_dec_bad(d, "bad vector move");
    o->vec = (uint8_t)v->nvec;
    o->bits2 = (uint8_t)(bits / v->nvec);
    if (a->kind == CF__PTX_OK_VEC) {
      o->op = CF__PTX_OP_UNPACK;
      for (unsigned i = 0; i < v->nvec; i++) {
        rc = cf__ptx_dec_writable(d, v->vslot[i], 0);
        if (rc)
          return rc;
        o->o[i] = v->vslot[i];
      }
      return cf__ptx_dec_src(d, 1, cls, bits, &o->o[4]);
    }
    o->op = CF__PTX_OP_PACK;
    rc = cf__ptx_dec_dst(d, 0, cls, bits, &o->o[0]);
    for (unsigned i = 0; rc == 0 && i < v->nvec; i++) {
      rc = cf__ptx_dec_check_reg(d, v->vslot[i], CF__PTX_CLS_B, o->bits2);
      o->o[1 + i] = v->vslot[i];
    }
    return rc;
  }
  rc = cf__ptx_dec_dst(d, 0, cls, bits, &o->o[0]);
  if (rc)
    return rc;
  if (b->kind == CF__PTX_OK_SLOT && b->dsreg) {
    o->op = CF__PTX_OP_SREG_DYN;
    o->sub = (uint8_t)(b->dsreg - 1);
    return 0;
  }
  o->op = CF__PTX_OP_MOV;
  return cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
}

int cf__ptx_dec_cvt(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  const struct mset *m = &d->m;
  if (m->ntypes != 2)
    return cf__ptx_dec_bad(d, "cvt needs two types");
  uint8_t dc = m->tcls[0], db = m->tbits[0], sc = m->tcls[1], sb = m->tbits[1];
  if (dc == CF__PTX_CLS_PRED || sc == CF__PTX_CLS_PRED)
    return cf__ptx_dec_bad(d, "bad type");
  if (dc == CF__PTX_CLS_B || sc == CF__PTX_CLS_B)
    return cf__ptx_dec_bad(d, "cvt takes no .b types");
  o->bits = db;
  o->bits2 = sb;
  o->sub2 = dc;
  if (sc == CF__PTX_CLS_S)
    o->flags |= CF__PTX_F_SIGNED;
  if (HAS(m, FL_SAT))
    o->flags |= CF__PTX_F_SAT;
  if (HAS(m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  int rnd = m->rnd;
  if (dc != CF__PTX_CLS_F && sc != CF__PTX_CLS_F) {
    o->op = CF__PTX_OP_CVT_II;
    if (rnd >= 0)
      return cf__ptx_dec_bad(d, "rounding on an integer conversion");
  } else if (dc == CF__PTX_CLS_F && sc != CF__PTX_CLS_F) {
    o->op = CF__PTX_OP_CVT_IF;
    if (rnd > CF__PTX_RND_RP)
      return cf__ptx_dec_bad(d, "bad rounding");
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_RN;
  } else if (dc != CF__PTX_CLS_F) {
    o->op = CF__PTX_OP_CVT_FI;
    if (rnd >= 0 && rnd <= CF__PTX_RND_RP)
      return cf__ptx_dec_bad(d, "float-to-integer needs integer rounding");
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_RZI;
  } else {
    o->op = CF__PTX_OP_CVT_FF;
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_NONE;
  }
  int rc = cf__ptx_dec_nops(d, 2, 2);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, dc, db, &o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, sc, sb, &o->o[1]);
  return rc;
}

static uint64_t window(int space) {
  switch (space) {
  case CF__PTX_SP_SHARED: return CF_PTX_SHARED_WINDOW;
  case CF__PTX_SP_LOCAL: return CF_PTX_LOCAL_WINDOW;
  case CF__PTX_SP_PARAM: return CF_PTX_PARAM_WINDOW;
  default: return 0;
  }
}

int cf__ptx_dec_cvta(struct dec *d) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc == 0)
    rc = cf__ptx_dec_nops(d, 2, 2);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  if (d->m.space < 0 || (cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_B) ||
      (bits != 32 && bits != 64))
    return cf__ptx_dec_bad(d, "bad cvta");
  rc = cf__ptx_dec_dst(d, 0, cls, bits, &o->o[0]);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *a = &d->r->op[1];
  if (a->kind == CF__PTX_OK_SYM && !HAS(&d->m, FL_TO)) {
    o->op = CF__PTX_OP_MOV;
    o->o[1] = cf__ptx_fn_symaddr(d->f, a->sym, 0, 1, d->r->line);
    return o->o[1] == UINT32_MAX ? d->f->diag->rc : 0;
  }
  o->op = CF__PTX_OP_CVTA;
  uint64_t w = window(d->m.space);
  o->imm = (int64_t)(HAS(&d->m, FL_TO) ? (uint64_t)0 - w : w);
  return cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
}
