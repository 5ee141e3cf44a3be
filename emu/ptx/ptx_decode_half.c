/* PTX decoder, half precision: every instruction typed .f16, .f16x2, .bf16
 * or .bf16x2 comes here (cf__ptx_decode routes it). Arithmetic (add sub
 * mul fma neg abs min max, ex2/tanh.approx), setp and cvt become the H_*
 * and CVT_H ops (ptx_half.c computes them); ld/ldu/st/mov/selp only move
 * bits, so they are decoded as the .b16/.b32 form of the same width. Every
 * other half-typed instruction (set, atom, red, ...) is CF_EUNSUP, never
 * an integer op by accident. No global state. */
#include <string.h>

#include "ptx_decode.h"

static int is_half(uint8_t cls) {
  return cls == CF__PTX_CLS_H || cls == CF__PTX_CLS_BF;
}

static int d_arith(struct dec *d, int op, unsigned nsrc) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  o->op = (uint16_t)op;
  o->sub2 = cls;
  int exact = op == CF__PTX_OP_H_NEG || op == CF__PTX_OP_H_ABS ||
              op == CF__PTX_OP_H_MIN || op == CF__PTX_OP_H_MAX;
  int approx = op == CF__PTX_OP_H_EX2 || op == CF__PTX_OP_H_TANH;
  if (approx != (HAS(&d->m, FL_APPROX) != 0))
    return cf__ptx_dec_unsup(d);
  if (op == CF__PTX_OP_H_EX2 && cls == CF__PTX_CLS_BF)
    return cf__ptx_dec_unsup(d);
  if ((exact || approx) && d->m.rnd >= 0)
    return cf__ptx_dec_bad(d, "rounding on an operation that does not round");
  rc = cf__ptx_dec_fflags(d);
  if (rc)
    return rc;
  if (HAS(&d->m, FL_RELU))
    o->xflags |= CF__PTX_X_RELU;
  if (HAS(&d->m, FL_NAN)) {
    if (op != CF__PTX_OP_H_MIN && op != CF__PTX_OP_H_MAX)
      return cf__ptx_dec_bad(d, ".NaN on an operation other than min/max");
    o->flags |= CF__PTX_F_NAN;
  }
  rc = cf__ptx_dec_arith(d, nsrc, cls, bits);
  for (unsigned k = nsrc + 1; rc == 0 && k <= 3; k++)
    o->o[k] = o->o[1];   /* unused sources read something valid */
  return rc;
}

/* setp.cmp[.bool][.ftz].{f16,bf16}[x2] p[|q], a, b[, {!}c]. */
static int d_setp(struct dec *d) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  int cmp = d->m.cmp;
  if (cmp < 0 || cmp >= 32 || d->m.size >= 0)
    return cf__ptx_dec_bad(d, "bad comparison");
  o->op = CF__PTX_OP_H_SETP;
  o->sub = (uint8_t)cmp;
  o->sub2 = d->m.boolop >= 0 ? (uint8_t)d->m.boolop : CF__PTX_COMB_NONE;
  o->space = cls;
  if (HAS(&d->m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  rc = cf__ptx_dec_nops(d, o->sub2 ? 4 : 3, o->sub2 ? 4 : 3);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *p0 = &d->r->op[0];
  if (p0->kind != CF__PTX_OK_SLOT || p0->dsreg || p0->neg)
    return cf__ptx_dec_bad(d, "destination is not a predicate");
  rc = cf__ptx_dec_writable(d, p0->slot, 1);
  o->o[0] = p0->slot;
  o->o[5] = CF__PTX_SLOT_SINK;
  if (rc == 0 && p0->slot2 != UINT32_MAX) {
    rc = cf__ptx_dec_writable(d, p0->slot2, 1);
    o->o[5] = p0->slot2;
  }
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 2, cls, bits, &o->o[2]);
  o->o[3] = CF__PTX_SLOT_TRUE;
  if (rc == 0 && o->sub2)
    rc = cf__ptx_dec_psrc(d, 3, &o->o[3]);
  return rc;
}

/* set.cmp[.bool][.ftz].dtype.{f16,bf16}[x2] d, a, b[, {!}c]: dtype
 * .u32/.s32 (all ones per lane) or the source's half type (1.0). */
static int d_set(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  const struct mset *m = &d->m;
  if (m->ntypes != 2)
    return cf__ptx_dec_bad(d, "set needs two types");
  uint8_t dc = m->tcls[0], db = m->tbits[0], sc = m->tcls[1], sb = m->tbits[1];
  if (!is_half(sc) || m->cmp < 0 || m->cmp >= 32 || m->size >= 0)
    return cf__ptx_dec_unsup(d);
  if (is_half(dc)) {
    if (dc != sc || db != sb)
      return cf__ptx_dec_unsup(d);
    o->bits2 = dc == CF__PTX_CLS_H ? 1 : 2;
  } else if ((dc != CF__PTX_CLS_U && dc != CF__PTX_CLS_S) || db != 32) {
    return cf__ptx_dec_unsup(d);
  }
  o->op = CF__PTX_OP_H_SET;
  o->sub = (uint8_t)m->cmp;
  o->sub2 = m->boolop >= 0 ? (uint8_t)m->boolop : CF__PTX_COMB_NONE;
  o->space = sc;
  o->bits = sb;
  if (HAS(m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  int rc = cf__ptx_dec_nops(d, o->sub2 ? 4 : 3, o->sub2 ? 4 : 3);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, dc, db, &o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, sc, sb, &o->o[1]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 2, sc, sb, &o->o[2]);
  o->o[3] = CF__PTX_SLOT_TRUE;
  if (rc == 0 && o->sub2)
    rc = cf__ptx_dec_psrc(d, 3, &o->o[3]);
  return rc;
}

/* cvt with a half type on either side. */
static int d_cvt(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  const struct mset *m = &d->m;
  if (m->ntypes != 2)
    return cf__ptx_dec_bad(d, "cvt needs two types");
  uint8_t dc = m->tcls[0], db = m->tbits[0], sc = m->tcls[1], sb = m->tbits[1];
  if (dc == CF__PTX_CLS_PRED || sc == CF__PTX_CLS_PRED ||
      dc == CF__PTX_CLS_B || sc == CF__PTX_CLS_B)
    return cf__ptx_dec_bad(d, "bad type");
  int pair = is_half(dc) && db == 32;     /* cvt.rn.f16x2.f32 d, a, b */
  if ((is_half(sc) && sb == 32) || (pair && (sc != CF__PTX_CLS_F || sb != 32)))
    return cf__ptx_dec_unsup(d);
  o->op = CF__PTX_OP_CVT_H;
  o->bits = db;
  o->bits2 = sb;
  o->sub2 = dc;
  o->space = sc;
  int rnd = m->rnd;
  if (is_half(dc)) {
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_RN;
  } else if (dc == CF__PTX_CLS_F) {
    if (rnd >= 0 && rnd <= CF__PTX_RND_RP)
      return cf__ptx_dec_bad(d, "rounding on an exact conversion");
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_NONE;
  } else {
    if (rnd >= 0 && rnd <= CF__PTX_RND_RP)
      return cf__ptx_dec_bad(d, "float-to-integer needs integer rounding");
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_RZI;
  }
  if (HAS(m, FL_SAT))
    o->flags |= CF__PTX_F_SAT;
  if (HAS(m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  if (HAS(m, FL_RELU) || HAS(m, FL_SATFIN)) {
    if (!is_half(dc))
      return cf__ptx_dec_unsup(d);
    o->xflags = (uint16_t)((HAS(m, FL_RELU) ? CF__PTX_X_RELU : 0) |
                           (HAS(m, FL_SATFIN) ? CF__PTX_X_SATFIN : 0));
  }
  int rc = cf__ptx_dec_nops(d, pair ? 3 : 2, pair ? 3 : 2);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, dc, db, &o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, sc, sb, &o->o[1]);
  o->o[2] = o->o[1];
  if (rc == 0 && pair)
    rc = cf__ptx_dec_src(d, 2, sc, sb, &o->o[2]);
  return rc;
}

int cf__ptx_dec_half(struct dec *d, int *moved) {
  const char *b = d->base;
  *moved = 0;
#define IS(s) (strcmp(b, s) == 0)
  if (IS("ld") || IS("ldu") || IS("st") || IS("mov") || IS("selp")) {
    for (unsigned k = 0; k < d->m.ntypes; k++)
      if (is_half(d->m.tcls[k]))
        d->m.tcls[k] = CF__PTX_CLS_B;
    *moved = 1;
    return 0;
  }
  if (IS("cvt"))
    return d_cvt(d);
  if (IS("set"))
    return d_set(d);
  for (unsigned k = 0; k < d->m.ntypes; k++)
    if (!is_half(d->m.tcls[k]))
      return cf__ptx_dec_unsup(d);
  if (IS("setp"))
    return d_setp(d);
  if (IS("add"))
    return d_arith(d, CF__PTX_OP_H_ADD, 2);
  if (IS("sub"))
    return d_arith(d, CF__PTX_OP_H_SUB, 2);
  if (IS("mul"))
    return d_arith(d, CF__PTX_OP_H_MUL, 2);
  if (IS("fma"))
    return d_arith(d, CF__PTX_OP_H_FMA, 3);
  if (IS("min"))
    return d_arith(d, CF__PTX_OP_H_MIN, 2);
  if (IS("max"))
    return d_arith(d, CF__PTX_OP_H_MAX, 2);
  if (IS("neg"))
    return d_arith(d, CF__PTX_OP_H_NEG, 1);
  if (IS("abs"))
    return d_arith(d, CF__PTX_OP_H_ABS, 1);
  if (IS("ex2"))
    return d_arith(d, CF__PTX_OP_H_EX2, 1);
  if (IS("tanh"))
    return d_arith(d, CF__PTX_OP_H_TANH, 1);
#undef IS
  return cf__ptx_dec_unsup(d);
}
