/* PTX decoder, logic and bits: and/or/xor/not/cnot (also on predicates),
 * shl/shr, lop3, shf, popc, clz, brev, bfe, bfi, bfind and prmt. Checks on
 * operands are ptx_decode_opnd.c's. No global state. */
#include "ptx_decode.h"

int cf__ptx_dec_logic(struct dec *d, int op, unsigned nsrc) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F)
    return cf__ptx_dec_bad(d, "bad type");
  d->o->op = (uint16_t)op;
  if (cls == CF__PTX_CLS_PRED && op == CF__PTX_OP_NOT)
    d->o->op = CF__PTX_OP_NOT_PRED;
  if (cls == CF__PTX_CLS_PRED && op == CF__PTX_OP_CNOT)
    return cf__ptx_dec_bad(d, "bad type");
  return cf__ptx_dec_arith(d, nsrc, cls, bits);
}

int cf__ptx_dec_shift(struct dec *d, int left) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F || cls == CF__PTX_CLS_PRED)
    return cf__ptx_dec_bad(d, "bad type");
  d->o->op = left ? CF__PTX_OP_SHL
           : cls == CF__PTX_CLS_S ? CF__PTX_OP_SHR_S : CF__PTX_OP_SHR_U;
  rc = cf__ptx_dec_nops(d, 3, 3);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, cls, bits, &d->o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, cls, bits, &d->o->o[1]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 2, CF__PTX_CLS_U, 32, &d->o->o[2]);
  return rc;
}

int cf__ptx_dec_bits(struct dec *d, int op) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F || cls == CF__PTX_CLS_PRED || bits < 32)
    return cf__ptx_dec_bad(d, "bad type");
  struct cf__ptx_insn *o = d->o;
  o->op = (uint16_t)op;
  switch (op) {
  case CF__PTX_OP_POPC:
  case CF__PTX_OP_CLZ:
    rc = cf__ptx_dec_nops(d, 2, 2);
    if (rc == 0)
      rc = cf__ptx_dec_dst(d, 0, CF__PTX_CLS_U, 32, &o->o[0]);
    return rc ? rc : cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
  case CF__PTX_OP_BREV:
    return cf__ptx_dec_arith(d, 1, cls, bits);
  case CF__PTX_OP_BFE_U:
    if (cls == CF__PTX_CLS_B)
      return cf__ptx_dec_bad(d, "bad type");
    if (cls == CF__PTX_CLS_S)
      o->op = CF__PTX_OP_BFE_S;
    rc = cf__ptx_dec_nops(d, 4, 4);
    if (rc == 0)
      rc = cf__ptx_dec_dst(d, 0, cls, bits, &o->o[0]);
    if (rc == 0)
      rc = cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
    if (rc == 0)
      rc = cf__ptx_dec_src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
    return rc ? rc : cf__ptx_dec_src(d, 3, CF__PTX_CLS_U, 32, &o->o[3]);
  case CF__PTX_OP_BFI:
    rc = cf__ptx_dec_nops(d, 5, 5);
    if (rc == 0)
      rc = cf__ptx_dec_dst(d, 0, cls, bits, &o->o[0]);
    if (rc == 0)
      rc = cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
    if (rc == 0)
      rc = cf__ptx_dec_src(d, 2, cls, bits, &o->o[2]);
    if (rc == 0)
      rc = cf__ptx_dec_src(d, 3, CF__PTX_CLS_U, 32, &o->o[3]);
    return rc ? rc : cf__ptx_dec_src(d, 4, CF__PTX_CLS_U, 32, &o->o[4]);
  case CF__PTX_OP_PRMT:
    if (bits != 32 || cls != CF__PTX_CLS_B || d->m.rnd >= 0)
      return cf__ptx_dec_unsup(d);
    return cf__ptx_dec_arith(d, 3, cls, bits);
  }
  return cf__ptx_dec_unsup(d);
}

static int d_lop3_args(struct dec *d) {
  /* lop3 has 4 sources but cf__ptx_dec_arith checks 1+3: drop the table
   * operand */
  struct cf__ptx_raw *rw = (struct cf__ptx_raw *)d->r;
  rw->nop = 4;
  return 0;
}

/* lop3.b32 d, a, b, c, lut: any logic function of three inputs. */
int cf__ptx_dec_lop3(struct dec *d) {
  struct cf__ptx_insn *out = d->o;
  int rc = cf__ptx_dec_nops(d, 5, 5);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *t = &d->r->op[4];
  if (t->kind != CF__PTX_OK_IMM || t->num.kind != CF__PTX_NUM_INT ||
      t->num.bits > 255)
    return cf__ptx_dec_bad(d, "lop3 needs an 8-bit immediate");
  uint64_t lut = t->num.bits;
  d_lop3_args(d);
  uint8_t cls, bits;
  rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc == 0 && (bits != 32 || cls != CF__PTX_CLS_B))
    return cf__ptx_dec_bad(d, "bad type");
  out->op = CF__PTX_OP_LOP3;
  out->imm = (int64_t)lut;
  return rc ? rc : cf__ptx_dec_arith(d, 3, cls, bits);
}

/* bfind[.shiftamt].{u,s}{32,64} d, a: the most significant non-sign bit. */
int cf__ptx_dec_bfind(struct dec *d) {
  struct cf__ptx_insn *out = d->o;
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if ((cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S) || bits < 32)
    return cf__ptx_dec_bad(d, "bad type");
  out->op = cls == CF__PTX_CLS_S ? CF__PTX_OP_BFIND_S : CF__PTX_OP_BFIND_U;
  out->sub = (uint8_t)HAS(&d->m, FL_SHIFTAMT);
  rc = cf__ptx_dec_nops(d, 2, 2);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, CF__PTX_CLS_U, 32, &out->o[0]);
  return rc ? rc : cf__ptx_dec_src(d, 1, cls, bits, &out->o[1]);
}

/* shf.{l,r}.{wrap,clamp}.b32 d, a, b, c: funnel shift. */
int cf__ptx_dec_shf(struct dec *d) {
  struct cf__ptx_insn *out = d->o;
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (bits != 32 || cls != CF__PTX_CLS_B ||
      HAS(&d->m, FL_L) == HAS(&d->m, FL_R) ||
      HAS(&d->m, FL_WRAP) == HAS(&d->m, FL_CLAMP))
    return cf__ptx_dec_unsup(d);
  out->op = HAS(&d->m, FL_L) ? CF__PTX_OP_SHF_L : CF__PTX_OP_SHF_R;
  out->sub = (uint8_t)HAS(&d->m, FL_CLAMP);
  rc = cf__ptx_dec_nops(d, 4, 4);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, cls, 32, &out->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, cls, 32, &out->o[1]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 2, cls, 32, &out->o[2]);
  return rc ? rc : cf__ptx_dec_src(d, 3, CF__PTX_CLS_U, 32, &out->o[3]);
}
