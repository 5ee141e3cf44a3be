/* PTX decoder, operands: the checks every per-opcode decoder shares. The
 * operand count, destinations (writable registers of the right class and
 * width), sources (registers, literals turned into constant slots typed by
 * the operand they stand for, symbol addresses), predicate sources with
 * '!', the instruction's single type, and the float modifiers (.sat .ftz
 * rounding). Each reports a malformed operand as CF_EPROTO in the
 * function's diagnostic. No global state. */
#include <string.h>

#include "ptx_decode.h"

int cf__ptx_dec_unsup(struct dec *d) {
  return cf__ptx_fail(d->f->diag, CF_EUNSUP, d->r->line,
                      "unsupported instruction '%s'", d->r->opname);
}
int cf__ptx_dec_bad(struct dec *d, const char *what) {
  return cf__ptx_fail(d->f->diag, CF_EPROTO, d->r->line, "%s in '%s'", what,
                      d->r->opname);
}

int cf__ptx_dec_nops(struct dec *d, unsigned lo, unsigned hi) {
  if (d->r->nop < lo || d->r->nop > hi)
    return cf__ptx_dec_bad(d, "wrong number of operands");
  return 0;
}

int cf__ptx_dec_writable(struct dec *d, uint32_t slot, int want_pred) {
  const struct cf__ptx_slotty *t = &d->f->slotty[slot];
  if (slot == CF__PTX_SLOT_SINK)
    return 0;
  if (slot == CF__PTX_SLOT_TRUE || t->cls == CF__PTX_CLS_CONST)
    return cf__ptx_dec_bad(d, "destination is not a register");
  if ((t->cls == CF__PTX_CLS_PRED) != (want_pred != 0))
    return cf__ptx_dec_bad(d, want_pred ? "destination is not a predicate"
                                        : "predicate used as a value");
  return 0;
}

/* Check a register against the operand type (cls, bits). */
int cf__ptx_dec_check_reg(struct dec *d, uint32_t slot, uint8_t cls,
                          uint8_t bits) {
  const struct cf__ptx_slotty *t = &d->f->slotty[slot];
  if (t->cls == CF__PTX_CLS_CONST)
    return 0;
  if ((t->cls == CF__PTX_CLS_PRED) != (cls == CF__PTX_CLS_PRED))
    return cf__ptx_dec_bad(d, cls == CF__PTX_CLS_PRED
                                  ? "operand is not a predicate"
                                  : "predicate used as a value");
  if (cls == CF__PTX_CLS_F && t->bits != bits)
    return cf__ptx_dec_bad(d, "register width does not match the type");
  return 0;
}

int cf__ptx_dec_dst(struct dec *d, unsigned i, uint8_t cls, uint8_t bits,
                    uint32_t *out) {
  const struct cf__ptx_opnd *o = &d->r->op[i];
  if (o->kind != CF__PTX_OK_SLOT || o->neg || o->dsreg)
    return o->kind == CF__PTX_OK_LABEL
               ? cf__ptx_fail(d->f->diag, CF_EPROTO, d->r->line,
                              "unknown register '%.*s'", (int)o->namelen, o->name)
               : cf__ptx_dec_bad(d, "destination is not a register");
  if (o->slot2 != UINT32_MAX)
    return cf__ptx_dec_bad(d, "unexpected '|'");
  int rc = cf__ptx_dec_writable(d, o->slot, cls == CF__PTX_CLS_PRED);
  if (rc == 0 && o->slot != CF__PTX_SLOT_SINK)
    rc = cf__ptx_dec_check_reg(d, o->slot, cls, bits);
  *out = o->slot;
  return rc;
}

/* Literal -> constant slot typed as (cls, bits). */
static int imm_slot(struct dec *d, const struct cf__ptx_num *n, uint8_t cls,
                    uint8_t bits, uint32_t *out) {
  uint64_t v = n->bits;
  if (cls == CF__PTX_CLS_F) {
    double x;
    if (n->kind == CF__PTX_NUM_F64) {
      memcpy(&x, &n->bits, 8);
    } else if (n->kind == CF__PTX_NUM_F32) {
      uint32_t u = (uint32_t)n->bits;
      float f;
      memcpy(&f, &u, 4);
      x = f;
    } else if (n->kind == CF__PTX_NUM_DBL) {
      x = n->d;
    } else {
      x = (double)(int64_t)n->bits;
    }
    if (bits == 32) {
      if (n->kind == CF__PTX_NUM_F32) {
        v = n->bits;
      } else {
        float f = (float)x;
        uint32_t u;
        memcpy(&u, &f, 4);
        v = u;
      }
    } else {
      memcpy(&v, &x, 8);
    }
  } else if (n->kind != CF__PTX_NUM_INT) {
    /* a float literal for a bit-typed operand keeps its bits (mov.b32) */
    if (cls != CF__PTX_CLS_B || n->kind == CF__PTX_NUM_DBL)
      return cf__ptx_dec_bad(d,
                             "floating-point literal for an integer operand");
    if ((n->kind == CF__PTX_NUM_F32 && bits != 32) ||
        (n->kind == CF__PTX_NUM_F64 && bits != 64))
      return cf__ptx_dec_bad(d, "literal width does not match the type");
  } else if (cls == CF__PTX_CLS_PRED) {
    v = v != 0;
  }
  *out = cf__ptx_fn_const(d->f, v, d->r->line);
  return *out == UINT32_MAX ? d->f->diag->rc : 0;
}

int cf__ptx_dec_src(struct dec *d, unsigned i, uint8_t cls, uint8_t bits,
                    uint32_t *out) {
  const struct cf__ptx_opnd *o = &d->r->op[i];
  switch (o->kind) {
  case CF__PTX_OK_SLOT:
    if (o->dsreg || o->slot2 != UINT32_MAX)
      return cf__ptx_dec_bad(d, "bad source operand");
    if (o->neg)
      return cf__ptx_dec_bad(d, "unexpected '!'");
    *out = o->slot;
    return cf__ptx_dec_check_reg(d, o->slot, cls, bits);
  case CF__PTX_OK_IMM:
    if (o->neg)
      return cf__ptx_dec_bad(d, "unexpected '!'");
    return imm_slot(d, &o->num, cls, bits, out);
  case CF__PTX_OK_SYM:
    if (cls == CF__PTX_CLS_F || cls == CF__PTX_CLS_PRED)
      return cf__ptx_dec_bad(d, "address used as a value");
    *out = cf__ptx_fn_symaddr(d->f, o->sym, 0, 0, d->r->line);
    return *out == UINT32_MAX ? d->f->diag->rc : 0;
  case CF__PTX_OK_LABEL:
    return cf__ptx_fail(d->f->diag, CF_EPROTO, d->r->line,
                        "unknown name '%.*s'", (int)o->namelen, o->name);
  default:
    return cf__ptx_dec_bad(d, "bad operand");
  }
}

/* A predicate source that may carry '!': negation goes to flags. */
int cf__ptx_dec_psrc(struct dec *d, unsigned i, uint32_t *out) {
  const struct cf__ptx_opnd *o = &d->r->op[i];
  int neg = o->neg;
  if (o->kind == CF__PTX_OK_SLOT && neg) {
    struct cf__ptx_raw *rw = (struct cf__ptx_raw *)d->r;   /* local copy */
    rw->op[i].neg = 0;
    int rc = cf__ptx_dec_src(d, i, CF__PTX_CLS_PRED, 1, out);
    rw->op[i].neg = 1;
    if (rc == 0)
      d->o->flags |= CF__PTX_F_NEGC;
    return rc;
  }
  return cf__ptx_dec_src(d, i, CF__PTX_CLS_PRED, 1, out);
}

/* The single type of the instruction (cls, bits). */
int cf__ptx_dec_one_type(struct dec *d, uint8_t *cls, uint8_t *bits) {
  *cls = 0;
  *bits = 0;
  if (d->m.ntypes != 1)
    return cf__ptx_dec_bad(d, d->m.ntypes ? "too many types" : "missing type");
  *cls = d->m.tcls[0];
  *bits = d->m.tbits[0];
  d->o->bits = *bits;
  return 0;
}

/* d, a[, b[, c]] all of one type. */
int cf__ptx_dec_arith(struct dec *d, unsigned nsrc, uint8_t cls, uint8_t bits) {
  int rc = cf__ptx_dec_nops(d, 1 + nsrc, 1 + nsrc);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, cls, bits, &d->o->o[0]);
  for (unsigned i = 1; rc == 0 && i <= nsrc; i++)
    rc = cf__ptx_dec_src(d, i, cls, bits, &d->o->o[i]);
  return rc;
}

int cf__ptx_dec_fflags(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  if (HAS(&d->m, FL_SAT))
    o->flags |= CF__PTX_F_SAT;
  if (HAS(&d->m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  o->sub = d->m.rnd >= 0 ? (uint8_t)d->m.rnd : CF__PTX_RND_RN;
  if (o->sub > CF__PTX_RND_RP)
    return cf__ptx_dec_bad(d, "integer rounding on a float operation");
  return 0;
}

int cf__ptx_dec_drop_hint(struct dec *d) {
  if (!HAS(&d->m, FL_HINT))
    return 0;
  struct cf__ptx_raw *rw = (struct cf__ptx_raw *)d->r;   /* local copy */
  if (rw->nop < 2)
    return cf__ptx_dec_bad(d, "missing cache policy");
  uint32_t slot;
  int rc = cf__ptx_dec_src(d, rw->nop - 1, CF__PTX_CLS_B, 64, &slot);
  if (rc == 0)
    rw->nop--;
  return rc;
}
