/* PTX decoder, comparison and selection: setp (with .and/.or/.xor
 * combining and the two-predicate p|q form), set, selp, slct and testp,
 * including the unsigned comparisons spelled lo ls hi hs. Checks on
 * operands are ptx_decode_opnd.c's. No global state. */
#include "ptx_decode.h"

static int d_setp(struct dec *d) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  int cmp = d->m.cmp;
  if (cmp < 0 || cls == CF__PTX_CLS_PRED)
    return cf__ptx_dec_bad(d, "missing comparison");
  if (cls == CF__PTX_CLS_F) {
    if (cmp >= 32)
      return cf__ptx_dec_bad(d, "unsigned comparison on floats");
    o->op = bits == 32 ? CF__PTX_OP_SETP_F32 : CF__PTX_OP_SETP_F64;
  } else {
    if (cmp >= CF__PTX_CMP_EQU && cmp < 32)
      return cf__ptx_dec_bad(d, "unordered comparison on integers");
    if (cmp >= 32) {              /* lo ls hi hs: unsigned */
      cmp -= 32;
      cls = CF__PTX_CLS_U;
    }
    if (cls == CF__PTX_CLS_B && cmp != CF__PTX_CMP_EQ && cmp != CF__PTX_CMP_NE)
      return cf__ptx_dec_bad(d, "ordered comparison on bit type");
    o->op = cls == CF__PTX_CLS_S ? CF__PTX_OP_SETP_S : CF__PTX_OP_SETP_U;
  }
  /* "lo" and "hi" parse as sizes: map them to comparisons */
  if (d->m.size == SZ_LO || d->m.size == SZ_HI) {
    if (d->m.cmp >= 0 || cls == CF__PTX_CLS_F)
      return cf__ptx_dec_bad(d, "conflicting modifiers");
  }
  o->sub = (uint8_t)cmp;
  o->sub2 = d->m.boolop >= 0 ? (uint8_t)d->m.boolop : CF__PTX_COMB_NONE;
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

int cf__ptx_dec_setp_lohi(struct dec *d) {
  /* setp.lo.u32 / setp.hi.u32: the size table took lo and hi */
  if (d->m.size == SZ_LO)
    d->m.cmp = CF__PTX_CMP_LT + 32;
  else if (d->m.size == SZ_HI)
    d->m.cmp = CF__PTX_CMP_GT + 32;
  else if (d->m.size >= 0)
    return cf__ptx_dec_bad(d, "bad modifier");
  d->m.size = -1;
  return d_setp(d);
}

int cf__ptx_dec_selp(struct dec *d) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_PRED)
    return cf__ptx_dec_bad(d, "bad type");
  d->o->op = CF__PTX_OP_SELP;
  rc = cf__ptx_dec_nops(d, 4, 4);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, cls, bits, &d->o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, cls, bits, &d->o->o[1]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 2, cls, bits, &d->o->o[2]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 3, CF__PTX_CLS_PRED, 1, &d->o->o[3]);
  return rc;
}

/* set.cmp[.bool][.ftz].dtype.stype d, a, b[, {!}c]: a predicate as a
 * value, all ones (.u32/.s32) or 1.0 (.f32). */
int cf__ptx_dec_set(struct dec *d) {
  struct mset *m = &d->m;
  struct cf__ptx_insn *o = d->o;
  if (m->ntypes != 2)
    return cf__ptx_dec_bad(d, "set needs two types");
  uint8_t dc = m->tcls[0], sc = m->tcls[1], sb = m->tbits[1];
  if (m->tbits[0] != 32 || dc == CF__PTX_CLS_B || dc == CF__PTX_CLS_PRED ||
      sc == CF__PTX_CLS_PRED)
    return cf__ptx_dec_bad(d, "bad type");
  int cmp = m->cmp;
  if (m->size == SZ_LO || m->size == SZ_HI) {
    if (cmp >= 0)
      return cf__ptx_dec_bad(d, "conflicting modifiers");
    cmp = m->size == SZ_LO ? CF__PTX_CMP_LT + 32 : CF__PTX_CMP_GT + 32;
  } else if (m->size >= 0) {
    return cf__ptx_dec_bad(d, "bad modifier");
  }
  if (cmp < 0)
    return cf__ptx_dec_bad(d, "missing comparison");
  if (sc == CF__PTX_CLS_F) {
    if (cmp >= 32)
      return cf__ptx_dec_bad(d, "unsigned comparison on floats");
  } else {
    if (cmp >= CF__PTX_CMP_EQU && cmp < 32)
      return cf__ptx_dec_bad(d, "unordered comparison on integers");
    if (cmp >= 32) {
      cmp -= 32;
      sc = CF__PTX_CLS_U;
    }
    if (sc == CF__PTX_CLS_B && cmp != CF__PTX_CMP_EQ && cmp != CF__PTX_CMP_NE)
      return cf__ptx_dec_bad(d, "ordered comparison on bit type");
  }
  o->op = CF__PTX_OP_SET;
  o->sub = (uint8_t)cmp;
  o->sub2 = m->boolop >= 0 ? (uint8_t)m->boolop : CF__PTX_COMB_NONE;
  o->space = sc == CF__PTX_CLS_S ? CF__PTX_CLS_S
           : sc == CF__PTX_CLS_F ? CF__PTX_CLS_F : CF__PTX_CLS_U;
  o->bits = sb;
  o->bits2 = dc == CF__PTX_CLS_F;
  if (HAS(m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  int rc = cf__ptx_dec_nops(d, o->sub2 ? 4 : 3, o->sub2 ? 4 : 3);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, dc, 32, &o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, m->tcls[1], sb, &o->o[1]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 2, m->tcls[1], sb, &o->o[2]);
  o->o[3] = CF__PTX_SLOT_TRUE;
  if (rc == 0 && o->sub2)
    rc = cf__ptx_dec_psrc(d, 3, &o->o[3]);
  return rc;
}

/* slct[.ftz].dtype.{s32,f32} d, a, b, c: c >= 0 ? a : b. */
int cf__ptx_dec_slct(struct dec *d) {
  struct mset *m = &d->m;
  struct cf__ptx_insn *o = d->o;
  if (m->ntypes != 2)
    return cf__ptx_dec_bad(d, "slct needs two types");
  uint8_t dc = m->tcls[0], db = m->tbits[0], cc = m->tcls[1];
  if (dc == CF__PTX_CLS_PRED || m->tbits[1] != 32 ||
      (cc != CF__PTX_CLS_S && cc != CF__PTX_CLS_F))
    return cf__ptx_dec_bad(d, "bad type");
  o->op = CF__PTX_OP_SLCT;
  o->bits = db;
  o->sub = cc == CF__PTX_CLS_F;
  if (HAS(m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  int rc = cf__ptx_dec_nops(d, 4, 4);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, dc, db, &o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, dc, db, &o->o[1]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 2, dc, db, &o->o[2]);
  return rc ? rc : cf__ptx_dec_src(d, 3, cc, 32, &o->o[3]);
}

/* testp.class.{f32,f64} p, a. */
int cf__ptx_dec_testp(struct dec *d) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls != CF__PTX_CLS_F || d->m.testp < 0)
    return cf__ptx_dec_bad(d, "bad testp");
  d->o->op = CF__PTX_OP_TESTP;
  d->o->sub = (uint8_t)d->m.testp;
  rc = cf__ptx_dec_nops(d, 2, 2);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, CF__PTX_CLS_PRED, 1, &d->o->o[0]);
  return rc ? rc : cf__ptx_dec_src(d, 1, cls, bits, &d->o->o[1]);
}
