/* PTX decoder, arithmetic: add/sub (with .sat and the carry chain:
 * add.cc addc sub.cc subc), mul/mad/fma in their .lo .hi .wide forms,
 * madc, mul24/mad24, div, rem, abs, neg, min/max, sad, copysign and the
 * float math functions (rcp sqrt rsqrt ex2 lg2 sin cos tanh). Checks on
 * operands are ptx_decode_opnd.c's. No global state. */
#include "ptx_decode.h"

/* add.cc addc sub.cc subc: integer add/sub through the carry flag. */
int cf__ptx_dec_carry(struct dec *d, int sub, int cin) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if ((cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S) || bits < 32)
    return cf__ptx_dec_bad(d, "bad type");
  d->o->op = CF__PTX_OP_ADDC;
  d->o->sub = (uint8_t)((sub ? CF__PTX_C_SUB : 0) | (cin ? CF__PTX_C_IN : 0) |
                        (HAS(&d->m, FL_CC) ? CF__PTX_C_OUT : 0));
  return cf__ptx_dec_arith(d, 2, cls, bits);
}

int cf__ptx_dec_int_or_float(struct dec *d, int op_i, int op_f32, int op_f64,
                             unsigned nsrc) {
  uint8_t cls, bits;
  if (HAS(&d->m, FL_CC))
    return cf__ptx_dec_carry(d, op_i == CF__PTX_OP_SUB_I, 0);
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F) {
    d->o->op = (uint16_t)(bits == 32 ? op_f32 : op_f64);
    rc = cf__ptx_dec_fflags(d);
  } else {
    if (cls == CF__PTX_CLS_PRED || op_i < 0)
      return cf__ptx_dec_bad(d, "bad type");
    d->o->op = (uint16_t)op_i;
    if (HAS(&d->m, FL_SAT)) {
      if (cls != CF__PTX_CLS_S || bits != 32 ||
          (op_i != CF__PTX_OP_ADD_I && op_i != CF__PTX_OP_SUB_I))
        return cf__ptx_dec_unsup(d);
      d->o->sub = op_i == CF__PTX_OP_SUB_I;
      d->o->op = CF__PTX_OP_ADDSUB_SAT;
    }
  }
  return rc ? rc : cf__ptx_dec_arith(d, nsrc, cls, bits);
}

int cf__ptx_dec_signed(struct dec *d, int op_u, int op_s, int op_f32,
                       int op_f64, unsigned nsrc) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F) {
    if (op_f32 < 0)
      return cf__ptx_dec_bad(d, "bad type");
    d->o->op = (uint16_t)(bits == 32 ? op_f32 : op_f64);
    rc = cf__ptx_dec_fflags(d);
  } else if (cls == CF__PTX_CLS_PRED || (cls == CF__PTX_CLS_B && op_u != op_s)) {
    return cf__ptx_dec_bad(d, "bad type");
  } else {
    int op = cls == CF__PTX_CLS_S ? op_s : op_u;
    if (op < 0)
      return cf__ptx_dec_bad(d, "bad type");
    d->o->op = (uint16_t)op;
  }
  return rc ? rc : cf__ptx_dec_arith(d, nsrc, cls, bits);
}

/* min/max[.NaN]: .NaN makes a NaN operand win (floats only). */
int cf__ptx_dec_minmax(struct dec *d, int mx) {
  struct cf__ptx_insn *out = d->o;
  int rc = mx ? cf__ptx_dec_signed(d, CF__PTX_OP_MAX_U, CF__PTX_OP_MAX_S,
                                   CF__PTX_OP_MAX_F32, CF__PTX_OP_MAX_F64, 2)
              : cf__ptx_dec_signed(d, CF__PTX_OP_MIN_U, CF__PTX_OP_MIN_S,
                                   CF__PTX_OP_MIN_F32, CF__PTX_OP_MIN_F64, 2);
  if (rc == 0 && HAS(&d->m, FL_NAN)) {
    if (d->m.tcls[0] != CF__PTX_CLS_F)
      return cf__ptx_dec_bad(d, ".NaN on an integer type");
    out->flags |= CF__PTX_F_NAN;
  }
  return rc;
}

int cf__ptx_dec_mul_mad(struct dec *d, int mad) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  if (cls == CF__PTX_CLS_F) {
    o->op = (uint16_t)(mad ? (bits == 32 ? CF__PTX_OP_FMA_F32 : CF__PTX_OP_FMA_F64)
                           : (bits == 32 ? CF__PTX_OP_MUL_F32 : CF__PTX_OP_MUL_F64));
    rc = cf__ptx_dec_fflags(d);
    return rc ? rc : cf__ptx_dec_arith(d, mad ? 3 : 2, cls, bits);
  }
  if (cls == CF__PTX_CLS_PRED || cls == CF__PTX_CLS_B)
    return cf__ptx_dec_bad(d, "bad type");
  int s = cls == CF__PTX_CLS_S;
  if (HAS(&d->m, FL_SAT))
    return cf__ptx_dec_unsup(d);
  if (mad && HAS(&d->m, FL_CC)) {
    if ((d->m.size != SZ_LO && d->m.size != SZ_HI) || bits < 32)
      return cf__ptx_dec_unsup(d);
    o->op = CF__PTX_OP_MADC;
    o->sub = (uint8_t)(CF__PTX_C_OUT | (d->m.size == SZ_HI ? CF__PTX_C_HI : 0));
    return cf__ptx_dec_arith(d, 3, cls, bits);
  }
  switch (d->m.size) {
  case SZ_LO:
    o->op = mad ? CF__PTX_OP_MAD_LO : CF__PTX_OP_MUL_LO;
    return cf__ptx_dec_arith(d, mad ? 3 : 2, cls, bits);
  case SZ_HI:
    o->op = mad ? (s ? CF__PTX_OP_MAD_HI_S : CF__PTX_OP_MAD_HI_U)
                : (s ? CF__PTX_OP_MUL_HI_S : CF__PTX_OP_MUL_HI_U);
    return cf__ptx_dec_arith(d, mad ? 3 : 2, cls, bits);
  case SZ_WIDE:
    if (bits == 64 || bits == 8)
      return cf__ptx_dec_bad(d, "bad type for .wide");
    o->op = mad ? (s ? CF__PTX_OP_MAD_WIDE_S : CF__PTX_OP_MAD_WIDE_U)
                : (s ? CF__PTX_OP_MUL_WIDE_S : CF__PTX_OP_MUL_WIDE_U);
    o->bits2 = bits;
    o->bits = (uint8_t)(2 * bits);
    rc = cf__ptx_dec_nops(d, mad ? 4 : 3, mad ? 4 : 3);
    if (rc == 0)
      rc = cf__ptx_dec_dst(d, 0, cls, (uint8_t)(2 * bits), &o->o[0]);
    if (rc == 0)
      rc = cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
    if (rc == 0)
      rc = cf__ptx_dec_src(d, 2, cls, bits, &o->o[2]);
    if (rc == 0 && mad)
      rc = cf__ptx_dec_src(d, 3, cls, (uint8_t)(2 * bits), &o->o[3]);
    return rc;
  default:
    return cf__ptx_dec_bad(d, "missing .lo/.hi/.wide");
  }
}

/* madc.{lo,hi}[.cc].{u,s}{32,64}: multiply-add with the carry in. */
int cf__ptx_dec_madc(struct dec *d) {
  struct cf__ptx_insn *out = d->o;
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if ((d->m.size != SZ_LO && d->m.size != SZ_HI) || bits < 32 ||
      (cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S))
    return cf__ptx_dec_unsup(d);
  out->op = CF__PTX_OP_MADC;
  out->sub = (uint8_t)(CF__PTX_C_IN | (HAS(&d->m, FL_CC) ? CF__PTX_C_OUT : 0) |
                       (d->m.size == SZ_HI ? CF__PTX_C_HI : 0));
  if (cls == CF__PTX_CLS_S)
    out->flags |= CF__PTX_F_SIGNED;
  return cf__ptx_dec_arith(d, 3, cls, bits);
}

/* mul24/mad24.{lo,hi}.{u32,s32}: 24-bit operands, 48-bit product. */
int cf__ptx_dec_mad24(struct dec *d, int mad) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (bits != 32 || (cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S) ||
      (d->m.size != SZ_LO && d->m.size != SZ_HI))
    return cf__ptx_dec_bad(d, "bad type");
  if (HAS(&d->m, FL_SAT))
    return cf__ptx_dec_unsup(d);
  d->o->op = CF__PTX_OP_MAD24;
  d->o->sub = d->m.size == SZ_HI;
  if (cls == CF__PTX_CLS_S)
    d->o->flags |= CF__PTX_F_SIGNED;
  if (mad)
    return cf__ptx_dec_arith(d, 3, cls, bits);
  rc = cf__ptx_dec_arith(d, 2, cls, bits);
  d->o->o[3] = cf__ptx_fn_const(d->f, 0, d->r->line);
  return rc ? rc : d->o->o[3] == UINT32_MAX ? d->f->diag->rc : 0;
}

/* sad.{u,s}* d, a, b, c: |a - b| + c. */
int cf__ptx_dec_sad(struct dec *d) {
  struct cf__ptx_insn *out = d->o;
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S)
    return cf__ptx_dec_bad(d, "bad type");
  out->op = cls == CF__PTX_CLS_S ? CF__PTX_OP_SAD_S : CF__PTX_OP_SAD_U;
  return cf__ptx_dec_arith(d, 3, cls, bits);
}

/* copysign.{f32,f64} d, a, b. */
int cf__ptx_dec_copysign(struct dec *d) {
  struct cf__ptx_insn *out = d->o;
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls != CF__PTX_CLS_F)
    return cf__ptx_dec_bad(d, "bad type");
  out->op = bits == 32 ? CF__PTX_OP_COPYSIGN_F32 : CF__PTX_OP_COPYSIGN_F64;
  return cf__ptx_dec_arith(d, 2, cls, bits);
}

int cf__ptx_dec_fmath(struct dec *d, int op32, int op64) {
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls != CF__PTX_CLS_F || (bits == 64 && op64 < 0))
    return cf__ptx_dec_unsup(d);
  d->o->op = (uint16_t)(bits == 32 ? op32 : op64);
  rc = cf__ptx_dec_fflags(d);
  return rc ? rc : cf__ptx_dec_arith(d, 1, cls, bits);
}
