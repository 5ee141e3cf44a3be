/* PTX decoder, barriers and warp collectives: bar/barrier (sync, arrive,
 * red.popc/and/or, bar.warp.sync), shfl, vote, match and redux. Checks on
 * operands are ptx_decode_opnd.c's. No global state. */
#include "ptx_decode.h"

int cf__ptx_dec_bar(struct dec *d, int barrier) {
  struct cf__ptx_insn *o = d->o;
  const struct mset *m = &d->m;
  if (HAS(m, FL_WARP)) {
    if (barrier || !HAS(m, FL_SYNC))
      return cf__ptx_dec_unsup(d);
    o->op = CF__PTX_OP_BAR_WARP;
    int rc = cf__ptx_dec_nops(d, 1, 1);
    return rc ? rc : cf__ptx_dec_src(d, 0, CF__PTX_CLS_U, 32, &o->o[1]);
  }
  if (HAS(m, FL_RED)) {
    if (m->atom == 100)
      o->sub = CF__PTX_BRED_POPC;
    else if (m->boolop == CF__PTX_COMB_AND)
      o->sub = CF__PTX_BRED_AND;
    else if (m->boolop == CF__PTX_COMB_OR)
      o->sub = CF__PTX_BRED_OR;
    else
      return cf__ptx_dec_unsup(d);
    o->op = CF__PTX_OP_BAR_RED;
    int rc = cf__ptx_dec_nops(d, 3, 4);
    if (rc)
      return rc;
    int popc = o->sub == CF__PTX_BRED_POPC;
    rc = cf__ptx_dec_dst(d, 0, popc ? CF__PTX_CLS_U : CF__PTX_CLS_PRED,
                         popc ? 32 : 1, &o->o[0]);
    if (rc == 0)
      rc = cf__ptx_dec_src(d, 1, CF__PTX_CLS_U, 32, &o->o[1]);
    o->o[2] = cf__ptx_fn_const(d->f, 0, d->r->line);
    if (rc == 0 && d->r->nop == 4)
      rc = cf__ptx_dec_src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
    if (rc == 0)
      rc = cf__ptx_dec_psrc(d, d->r->nop - 1, &o->o[3]);
    return rc;
  }
  o->op = HAS(m, FL_ARRIVE) ? CF__PTX_OP_BAR_ARRIVE : CF__PTX_OP_BAR;
  if (m->ntypes != 0 || (!HAS(m, FL_SYNC) && !HAS(m, FL_ARRIVE) && barrier))
    return cf__ptx_dec_unsup(d);
  int rc = cf__ptx_dec_nops(d, 1, 2);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 0, CF__PTX_CLS_U, 32, &o->o[1]);
  o->o[2] = cf__ptx_fn_const(d->f, 0, d->r->line);
  if (rc == 0 && d->r->nop == 2)
    rc = cf__ptx_dec_src(d, 1, CF__PTX_CLS_U, 32, &o->o[2]);
  else if (rc == 0 && o->op == CF__PTX_OP_BAR_ARRIVE)
    return cf__ptx_dec_bad(d, "bar.arrive needs a thread count");
  return rc;
}

int cf__ptx_dec_shfl(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (d->m.shfl < 0 || bits != 32 || cls != CF__PTX_CLS_B)
    return cf__ptx_dec_unsup(d);
  int sync = HAS(&d->m, FL_SYNC);
  o->op = CF__PTX_OP_SHFL;
  o->sub = (uint8_t)d->m.shfl;
  rc = cf__ptx_dec_nops(d, sync ? 5 : 4, sync ? 5 : 4);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *p0 = &d->r->op[0];
  if (p0->kind != CF__PTX_OK_SLOT || p0->dsreg)
    return cf__ptx_dec_bad(d, "bad destination");
  rc = cf__ptx_dec_writable(d, p0->slot, 0);
  o->o[0] = p0->slot;
  o->o[5] = CF__PTX_SLOT_SINK;
  if (rc == 0 && p0->slot2 != UINT32_MAX) {
    rc = cf__ptx_dec_writable(d, p0->slot2, 1);
    o->o[5] = p0->slot2;
  }
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, cls, 32, &o->o[1]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 3, CF__PTX_CLS_U, 32, &o->o[3]);
  if (rc == 0 && sync)
    rc = cf__ptx_dec_src(d, 4, CF__PTX_CLS_U, 32, &o->o[4]);
  else if (rc == 0)
    o->o[4] = cf__ptx_fn_const(d->f, 0xffffffffu, d->r->line);
  return rc;
}

int cf__ptx_dec_vote(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  const struct mset *m = &d->m;
  int mode = m->vote;
  if (mode < 0 && HAS(m, FL_UNI))
    mode = CF__PTX_VOTE_UNI;
  if (mode < 0 || m->ntypes != 1)
    return cf__ptx_dec_unsup(d);
  int ballot = mode == CF__PTX_VOTE_BALLOT;
  if (ballot != (m->tcls[0] != CF__PTX_CLS_PRED) ||
      (ballot && m->tbits[0] != 32))
    return cf__ptx_dec_bad(d, "bad type");
  int sync = HAS(m, FL_SYNC);
  o->op = CF__PTX_OP_VOTE;
  o->sub = (uint8_t)mode;
  int rc = cf__ptx_dec_nops(d, sync ? 3 : 2, sync ? 3 : 2);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, ballot ? CF__PTX_CLS_B : CF__PTX_CLS_PRED,
                         ballot ? 32 : 1, &o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_psrc(d, 1, &o->o[1]);
  if (rc == 0 && sync)
    rc = cf__ptx_dec_src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
  else if (rc == 0)
    o->o[2] = cf__ptx_fn_const(d->f, 0xffffffffu, d->r->line);
  return rc;
}

/* match.{any,all}.sync.{b32,b64} d[|p], a, membermask. */
int cf__ptx_dec_match(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  int mode = d->m.vote;
  if (!HAS(&d->m, FL_SYNC) || cls != CF__PTX_CLS_B || bits < 32 ||
      (mode != CF__PTX_VOTE_ANY && mode != CF__PTX_VOTE_ALL))
    return cf__ptx_dec_unsup(d);
  o->op = CF__PTX_OP_MATCH;
  o->sub = mode == CF__PTX_VOTE_ALL;
  rc = cf__ptx_dec_nops(d, 3, 3);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *p0 = &d->r->op[0];
  if (p0->kind != CF__PTX_OK_SLOT || p0->dsreg || p0->neg)
    return cf__ptx_dec_bad(d, "bad destination");
  rc = cf__ptx_dec_writable(d, p0->slot, 0);
  o->o[0] = p0->slot;
  o->o[5] = CF__PTX_SLOT_SINK;
  if (rc == 0 && p0->slot2 != UINT32_MAX) {
    if (!o->sub)
      return cf__ptx_dec_bad(d, "match.any has no predicate");
    rc = cf__ptx_dec_writable(d, p0->slot2, 1);
    o->o[5] = p0->slot2;
  }
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
  return rc ? rc : cf__ptx_dec_src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
}

/* redux.sync.op.type d, a, membermask: add/min/max .u32/.s32,
 * and/or/xor .b32. */
int cf__ptx_dec_redux(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  uint8_t cls, bits;
  int rc = cf__ptx_dec_one_type(d, &cls, &bits);
  if (rc)
    return rc;
  int op;
  if (d->m.atom == CF__PTX_ATOM_ADD)
    op = CF__PTX_REDUX_ADD;
  else if (d->m.atom == CF__PTX_ATOM_MIN)
    op = CF__PTX_REDUX_MIN;
  else if (d->m.atom == CF__PTX_ATOM_MAX)
    op = CF__PTX_REDUX_MAX;
  else if (d->m.boolop == CF__PTX_COMB_AND)
    op = CF__PTX_REDUX_AND;
  else if (d->m.boolop == CF__PTX_COMB_OR)
    op = CF__PTX_REDUX_OR;
  else if (d->m.boolop == CF__PTX_COMB_XOR)
    op = CF__PTX_REDUX_XOR;
  else
    return cf__ptx_dec_unsup(d);
  int arith_op = op <= CF__PTX_REDUX_MAX;
  if (!HAS(&d->m, FL_SYNC) || bits != 32 ||
      (arith_op && cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S) ||
      (!arith_op && cls != CF__PTX_CLS_B))
    return cf__ptx_dec_unsup(d);
  o->op = CF__PTX_OP_REDUX;
  o->sub = (uint8_t)op;
  if (cls == CF__PTX_CLS_S)
    o->flags |= CF__PTX_F_SIGNED;
  rc = cf__ptx_dec_nops(d, 3, 3);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, cls, bits, &o->o[0]);
  if (rc == 0)
    rc = cf__ptx_dec_src(d, 1, cls, bits, &o->o[1]);
  return rc ? rc : cf__ptx_dec_src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
}
