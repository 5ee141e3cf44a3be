/* PTX decoder: turns one parsed instruction (opcode name with its dotted
 * modifiers, operands already resolved to slots, symbols and labels) into a
 * fixed-size decoded instruction (ptx_ops.h). This is where the ISA
 * coverage lives: each base opcode has a decoder that checks its modifiers,
 * operand count, operand kinds and register classes, and picks the decoded
 * op. Anything we do not implement is CF_EUNSUP naming the instruction;
 * anything malformed is CF_EPROTO. Immediates become constant slots, typed
 * by the operand they stand for. Branch targets are left as label indices
 * in imm for the parser to patch. No global state. */
#include <math.h>
#include <string.h>

#include "cf_error.h"
#include "ptx_internal.h"

const char *cf__ptx_op_name(unsigned op) {
  static const char *const names[] = {
#define CF__PTX_OP_NAME_(n, s) s,
    CF__PTX_OPS(CF__PTX_OP_NAME_)
#undef CF__PTX_OP_NAME_
  };
  return op < CF__PTX_OP_COUNT_ ? names[op] : "?";
}

int cf__ptx_type_from(const char *s, uint32_t n, uint8_t *cls, uint8_t *bits) {
  static const struct { const char *s; uint8_t cls, bits; } tys[] = {
    {"b8", CF__PTX_CLS_B, 8},   {"b16", CF__PTX_CLS_B, 16},
    {"b32", CF__PTX_CLS_B, 32}, {"b64", CF__PTX_CLS_B, 64},
    {"u8", CF__PTX_CLS_U, 8},   {"u16", CF__PTX_CLS_U, 16},
    {"u32", CF__PTX_CLS_U, 32}, {"u64", CF__PTX_CLS_U, 64},
    {"s8", CF__PTX_CLS_S, 8},   {"s16", CF__PTX_CLS_S, 16},
    {"s32", CF__PTX_CLS_S, 32}, {"s64", CF__PTX_CLS_S, 64},
    {"f32", CF__PTX_CLS_F, 32}, {"f64", CF__PTX_CLS_F, 64},
    {"pred", CF__PTX_CLS_PRED, 1},
  };
  static const char *const unsup[] = {
    "f16", "f16x2", "bf16", "bf16x2", "tf32", "e4m3", "e5m2", "e4m3x2",
    "e5m2x2", "b128", "u16x2", "s16x2", "f8", "e2m1", "e3m2", "e2m3",
  };
  for (size_t i = 0; i < sizeof tys / sizeof *tys; i++)
    if (strlen(tys[i].s) == n && memcmp(tys[i].s, s, n) == 0) {
      *cls = tys[i].cls;
      *bits = tys[i].bits;
      return 1;
    }
  for (size_t i = 0; i < sizeof unsup / sizeof *unsup; i++)
    if (strlen(unsup[i]) == n && memcmp(unsup[i], s, n) == 0)
      return -1;
  return 0;
}

/* ---- modifiers ---- */

enum mcat { M_NONE, M_CMP, M_RND, M_BOOL, M_ATOM, M_SIZE, M_FLAG, M_SPACE,
            M_VEC, M_SHFL, M_VOTE, M_TESTP, M_IGNORE };
enum { SZ_LO = 1, SZ_HI, SZ_WIDE };
enum { FL_SAT = 1, FL_FTZ, FL_APPROX, FL_FULL, FL_UNI, FL_SYNC, FL_TO,
       FL_ARRIVE, FL_RED, FL_NC, FL_WARP, FL_CTA, FL_ALIGNED, FL_CC,
       FL_SHIFTAMT, FL_WRAP, FL_CLAMP, FL_L, FL_R, FL_NAN };

static const struct mod { const char *s; uint8_t cat, val; } mods[] = {
  {"eq", M_CMP, CF__PTX_CMP_EQ}, {"ne", M_CMP, CF__PTX_CMP_NE},
  {"lt", M_CMP, CF__PTX_CMP_LT}, {"le", M_CMP, CF__PTX_CMP_LE},
  {"gt", M_CMP, CF__PTX_CMP_GT}, {"ge", M_CMP, CF__PTX_CMP_GE},
  {"lo", M_SIZE, SZ_LO}, {"hi", M_SIZE, SZ_HI}, {"wide", M_SIZE, SZ_WIDE},
  {"ls", M_CMP, CF__PTX_CMP_LE + 32}, {"hs", M_CMP, CF__PTX_CMP_GE + 32},
  {"equ", M_CMP, CF__PTX_CMP_EQU}, {"neu", M_CMP, CF__PTX_CMP_NEU},
  {"ltu", M_CMP, CF__PTX_CMP_LTU}, {"leu", M_CMP, CF__PTX_CMP_LEU},
  {"gtu", M_CMP, CF__PTX_CMP_GTU}, {"geu", M_CMP, CF__PTX_CMP_GEU},
  {"num", M_CMP, CF__PTX_CMP_NUM}, {"nan", M_CMP, CF__PTX_CMP_NAN},
  {"rn", M_RND, CF__PTX_RND_RN}, {"rz", M_RND, CF__PTX_RND_RZ},
  {"rm", M_RND, CF__PTX_RND_RM}, {"rp", M_RND, CF__PTX_RND_RP},
  {"rni", M_RND, CF__PTX_RND_RNI}, {"rzi", M_RND, CF__PTX_RND_RZI},
  {"rmi", M_RND, CF__PTX_RND_RMI}, {"rpi", M_RND, CF__PTX_RND_RPI},
  {"and", M_BOOL, CF__PTX_COMB_AND}, {"or", M_BOOL, CF__PTX_COMB_OR},
  {"xor", M_BOOL, CF__PTX_COMB_XOR},
  {"add", M_ATOM, CF__PTX_ATOM_ADD}, {"min", M_ATOM, CF__PTX_ATOM_MIN},
  {"max", M_ATOM, CF__PTX_ATOM_MAX}, {"exch", M_ATOM, CF__PTX_ATOM_EXCH},
  {"cas", M_ATOM, CF__PTX_ATOM_CAS}, {"inc", M_ATOM, CF__PTX_ATOM_INC},
  {"dec", M_ATOM, CF__PTX_ATOM_DEC},
  {"popc", M_ATOM, 100},
  {"sat", M_FLAG, FL_SAT}, {"ftz", M_FLAG, FL_FTZ},
  {"approx", M_FLAG, FL_APPROX}, {"full", M_FLAG, FL_FULL},
  {"uni", M_FLAG, FL_UNI}, {"sync", M_FLAG, FL_SYNC}, {"to", M_FLAG, FL_TO},
  {"arrive", M_FLAG, FL_ARRIVE}, {"red", M_FLAG, FL_RED},
  {"nc", M_FLAG, FL_NC}, {"warp", M_FLAG, FL_WARP}, {"cta", M_FLAG, FL_CTA},
  {"aligned", M_FLAG, FL_ALIGNED}, {"cc", M_FLAG, FL_CC},
  {"shiftamt", M_FLAG, FL_SHIFTAMT}, {"wrap", M_FLAG, FL_WRAP},
  {"clamp", M_FLAG, FL_CLAMP}, {"l", M_FLAG, FL_L}, {"r", M_FLAG, FL_R},
  {"NaN", M_FLAG, FL_NAN},
  {"finite", M_TESTP, CF__PTX_TESTP_FINITE},
  {"infinite", M_TESTP, CF__PTX_TESTP_INFINITE},
  {"number", M_TESTP, CF__PTX_TESTP_NUMBER},
  {"notanumber", M_TESTP, CF__PTX_TESTP_NAN},
  {"normal", M_TESTP, CF__PTX_TESTP_NORMAL},
  {"subnormal", M_TESTP, CF__PTX_TESTP_SUBNORMAL},
  {"global", M_SPACE, CF__PTX_SP_GLOBAL}, {"shared", M_SPACE, CF__PTX_SP_SHARED},
  {"shared::cta", M_SPACE, CF__PTX_SP_SHARED},
  {"local", M_SPACE, CF__PTX_SP_LOCAL}, {"param", M_SPACE, CF__PTX_SP_PARAM},
  {"const", M_SPACE, CF__PTX_SP_CONST},
  {"v2", M_VEC, 2}, {"v4", M_VEC, 4},
  {"up", M_SHFL, CF__PTX_SHFL_UP}, {"down", M_SHFL, CF__PTX_SHFL_DOWN},
  {"bfly", M_SHFL, CF__PTX_SHFL_BFLY}, {"idx", M_SHFL, CF__PTX_SHFL_IDX},
  {"all", M_VOTE, CF__PTX_VOTE_ALL}, {"any", M_VOTE, CF__PTX_VOTE_ANY},
  {"ballot", M_VOTE, CF__PTX_VOTE_BALLOT},
  /* cache, ordering and scope qualifiers: no effect on a CPU */
  {"ca", M_IGNORE, 0}, {"cg", M_IGNORE, 0}, {"cs", M_IGNORE, 0},
  {"lu", M_IGNORE, 0}, {"cv", M_IGNORE, 0}, {"wb", M_IGNORE, 0},
  {"wt", M_IGNORE, 0}, {"volatile", M_IGNORE, 0}, {"relaxed", M_IGNORE, 0},
  {"acquire", M_IGNORE, 0}, {"release", M_IGNORE, 0},
  {"acq_rel", M_IGNORE, 0}, {"weak", M_IGNORE, 0}, {"gpu", M_IGNORE, 0},
  {"sys", M_IGNORE, 0}, {"noftz", M_IGNORE, 0}, {"L1::evict_normal", M_IGNORE, 0},
  {"L1::evict_last", M_IGNORE, 0}, {"L1::evict_first", M_IGNORE, 0},
  {"L1::no_allocate", M_IGNORE, 0}, {"L1::evict_unchanged", M_IGNORE, 0},
  {"L2::64B", M_IGNORE, 0}, {"L2::128B", M_IGNORE, 0},
  {"L2::256B", M_IGNORE, 0}, {"L2::evict_normal", M_IGNORE, 0},
  {"L2::evict_last", M_IGNORE, 0}, {"L2::evict_first", M_IGNORE, 0},
};

struct mset {
  uint8_t ntypes;
  uint8_t tcls[2], tbits[2];
  int cmp, rnd, boolop, atom, size, space, vec, shfl, vote, testp;
  uint32_t flags;        /* 1 << FL_* */
};
#define HAS(ms, f) (((ms)->flags >> (f)) & 1u)

struct dec {
  struct cf__ptx_fn *f;
  const struct cf__ptx_raw *r;
  struct cf__ptx_insn *o;
  struct mset m;
  char base[24];
};

static int unsup(struct dec *d) {
  return cf__ptx_fail(d->f->diag, CF_EUNSUP, d->r->line,
                      "unsupported instruction '%s'", d->r->opname);
}
static int bad(struct dec *d, const char *what) {
  return cf__ptx_fail(d->f->diag, CF_EPROTO, d->r->line, "%s in '%s'", what,
                      d->r->opname);
}

static int parse_mods(struct dec *d) {
  const char *s = d->r->opname;
  const char *dot = strchr(s, '.');
  size_t bl = dot ? (size_t)(dot - s) : strlen(s);
  if (bl >= sizeof d->base)
    return unsup(d);
  memcpy(d->base, s, bl);
  d->base[bl] = '\0';
  struct mset *m = &d->m;
  memset(m, 0, sizeof *m);
  m->cmp = m->rnd = m->boolop = m->atom = m->size = m->space = -1;
  m->vec = 1;
  m->shfl = m->vote = m->testp = -1;
  while (dot != NULL) {
    const char *p = dot + 1;
    dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    uint8_t cls, bits;
    int t = cf__ptx_type_from(p, (uint32_t)n, &cls, &bits);
    if (t < 0)
      return unsup(d);
    if (t > 0) {
      if (m->ntypes >= 2)
        return bad(d, "too many types");
      m->tcls[m->ntypes] = cls;
      m->tbits[m->ntypes++] = bits;
      continue;
    }
    const struct mod *hit = NULL;
    for (size_t i = 0; i < sizeof mods / sizeof *mods; i++)
      if (strlen(mods[i].s) == n && memcmp(mods[i].s, p, n) == 0) {
        hit = &mods[i];
        break;
      }
    if (hit == NULL) {
      /* scopes and memory-model words only matter to membar/fence */
      if (strcmp(d->base, "membar") == 0 || strcmp(d->base, "fence") == 0)
        continue;
      return unsup(d);
    }
    int *slot = NULL;
    switch (hit->cat) {
    case M_CMP: slot = &m->cmp; break;
    case M_RND: slot = &m->rnd; break;
    case M_BOOL: slot = &m->boolop; break;
    case M_ATOM: slot = &m->atom; break;
    case M_SIZE: slot = &m->size; break;
    case M_SPACE: slot = &m->space; break;
    case M_VEC: m->vec = hit->val; continue;
    case M_SHFL: slot = &m->shfl; break;
    case M_VOTE: slot = &m->vote; break;
    case M_TESTP: slot = &m->testp; break;
    case M_FLAG: m->flags |= 1u << hit->val; continue;
    default: continue;
    }
    if (*slot >= 0)
      return bad(d, "conflicting modifiers");
    *slot = hit->val;
  }
  return 0;
}

/* ---- operands ---- */

static int nops(struct dec *d, unsigned lo, unsigned hi) {
  if (d->r->nop < lo || d->r->nop > hi)
    return bad(d, "wrong number of operands");
  return 0;
}

static int writable(struct dec *d, uint32_t slot, int want_pred) {
  const struct cf__ptx_slotty *t = &d->f->slotty[slot];
  if (slot == CF__PTX_SLOT_SINK)
    return 0;
  if (slot == CF__PTX_SLOT_TRUE || t->cls == CF__PTX_CLS_CONST)
    return bad(d, "destination is not a register");
  if ((t->cls == CF__PTX_CLS_PRED) != (want_pred != 0))
    return bad(d, want_pred ? "destination is not a predicate"
                            : "predicate used as a value");
  return 0;
}

/* Check a register against the operand type (cls, bits). */
static int check_reg(struct dec *d, uint32_t slot, uint8_t cls, uint8_t bits) {
  const struct cf__ptx_slotty *t = &d->f->slotty[slot];
  if (t->cls == CF__PTX_CLS_CONST)
    return 0;
  if ((t->cls == CF__PTX_CLS_PRED) != (cls == CF__PTX_CLS_PRED))
    return bad(d, cls == CF__PTX_CLS_PRED ? "operand is not a predicate"
                                          : "predicate used as a value");
  if (cls == CF__PTX_CLS_F && t->bits != bits)
    return bad(d, "register width does not match the type");
  return 0;
}

static int dst(struct dec *d, unsigned i, uint8_t cls, uint8_t bits,
               uint32_t *out) {
  const struct cf__ptx_opnd *o = &d->r->op[i];
  if (o->kind != CF__PTX_OK_SLOT || o->neg || o->dsreg)
    return o->kind == CF__PTX_OK_LABEL
               ? cf__ptx_fail(d->f->diag, CF_EPROTO, d->r->line,
                              "unknown register '%.*s'", (int)o->namelen, o->name)
               : bad(d, "destination is not a register");
  if (o->slot2 != UINT32_MAX)
    return bad(d, "unexpected '|'");
  int rc = writable(d, o->slot, cls == CF__PTX_CLS_PRED);
  if (rc == 0 && o->slot != CF__PTX_SLOT_SINK)
    rc = check_reg(d, o->slot, cls, bits);
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
      return bad(d, "floating-point literal for an integer operand");
    if ((n->kind == CF__PTX_NUM_F32 && bits != 32) ||
        (n->kind == CF__PTX_NUM_F64 && bits != 64))
      return bad(d, "literal width does not match the type");
  } else if (cls == CF__PTX_CLS_PRED) {
    v = v != 0;
  }
  *out = cf__ptx_fn_const(d->f, v, d->r->line);
  return *out == UINT32_MAX ? d->f->diag->rc : 0;
}

static int src(struct dec *d, unsigned i, uint8_t cls, uint8_t bits,
               uint32_t *out) {
  const struct cf__ptx_opnd *o = &d->r->op[i];
  switch (o->kind) {
  case CF__PTX_OK_SLOT:
    if (o->dsreg || o->slot2 != UINT32_MAX)
      return bad(d, "bad source operand");
    if (o->neg)
      return bad(d, "unexpected '!'");
    *out = o->slot;
    return check_reg(d, o->slot, cls, bits);
  case CF__PTX_OK_IMM:
    if (o->neg)
      return bad(d, "unexpected '!'");
    return imm_slot(d, &o->num, cls, bits, out);
  case CF__PTX_OK_SYM:
    if (cls == CF__PTX_CLS_F || cls == CF__PTX_CLS_PRED)
      return bad(d, "address used as a value");
    *out = cf__ptx_fn_symaddr(d->f, o->sym, 0, 0, d->r->line);
    return *out == UINT32_MAX ? d->f->diag->rc : 0;
  case CF__PTX_OK_LABEL:
    return cf__ptx_fail(d->f->diag, CF_EPROTO, d->r->line,
                        "unknown name '%.*s'", (int)o->namelen, o->name);
  default:
    return bad(d, "bad operand");
  }
}

/* A predicate source that may carry '!': negation goes to flags. */
static int psrc(struct dec *d, unsigned i, uint32_t *out) {
  const struct cf__ptx_opnd *o = &d->r->op[i];
  int neg = o->neg;
  if (o->kind == CF__PTX_OK_SLOT && neg) {
    struct cf__ptx_raw *rw = (struct cf__ptx_raw *)d->r;   /* local copy */
    rw->op[i].neg = 0;
    int rc = src(d, i, CF__PTX_CLS_PRED, 1, out);
    rw->op[i].neg = 1;
    if (rc == 0)
      d->o->flags |= CF__PTX_F_NEGC;
    return rc;
  }
  return src(d, i, CF__PTX_CLS_PRED, 1, out);
}

/* The single type of the instruction (cls, bits). */
static int one_type(struct dec *d, uint8_t *cls, uint8_t *bits) {
  *cls = 0;
  *bits = 0;
  if (d->m.ntypes != 1)
    return bad(d, d->m.ntypes ? "too many types" : "missing type");
  *cls = d->m.tcls[0];
  *bits = d->m.tbits[0];
  d->o->bits = *bits;
  return 0;
}

/* d, a[, b[, c]] all of one type. */
static int arith(struct dec *d, unsigned nsrc, uint8_t cls, uint8_t bits) {
  int rc = nops(d, 1 + nsrc, 1 + nsrc);
  if (rc == 0)
    rc = dst(d, 0, cls, bits, &d->o->o[0]);
  for (unsigned i = 1; rc == 0 && i <= nsrc; i++)
    rc = src(d, i, cls, bits, &d->o->o[i]);
  return rc;
}

static int fflags(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  if (HAS(&d->m, FL_SAT))
    o->flags |= CF__PTX_F_SAT;
  if (HAS(&d->m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  o->sub = d->m.rnd >= 0 ? (uint8_t)d->m.rnd : CF__PTX_RND_RN;
  if (o->sub > CF__PTX_RND_RP)
    return bad(d, "integer rounding on a float operation");
  return 0;
}

/* ---- per-opcode decoders ---- */

/* add.cc addc sub.cc subc: integer add/sub through the carry flag. */
static int d_carry(struct dec *d, int sub, int cin) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if ((cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S) || bits < 32)
    return bad(d, "bad type");
  d->o->op = CF__PTX_OP_ADDC;
  d->o->sub = (uint8_t)((sub ? CF__PTX_C_SUB : 0) | (cin ? CF__PTX_C_IN : 0) |
                        (HAS(&d->m, FL_CC) ? CF__PTX_C_OUT : 0));
  return arith(d, 2, cls, bits);
}

static int d_int_or_float(struct dec *d, int op_i, int op_f32, int op_f64,
                          unsigned nsrc) {
  uint8_t cls, bits;
  if (HAS(&d->m, FL_CC))
    return d_carry(d, op_i == CF__PTX_OP_SUB_I, 0);
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F) {
    d->o->op = (uint16_t)(bits == 32 ? op_f32 : op_f64);
    rc = fflags(d);
  } else {
    if (cls == CF__PTX_CLS_PRED || op_i < 0)
      return bad(d, "bad type");
    d->o->op = (uint16_t)op_i;
    if (HAS(&d->m, FL_SAT)) {
      if (cls != CF__PTX_CLS_S || bits != 32 ||
          (op_i != CF__PTX_OP_ADD_I && op_i != CF__PTX_OP_SUB_I))
        return unsup(d);
      d->o->sub = op_i == CF__PTX_OP_SUB_I;
      d->o->op = CF__PTX_OP_ADDSUB_SAT;
    }
  }
  return rc ? rc : arith(d, nsrc, cls, bits);
}

static int d_signed(struct dec *d, int op_u, int op_s, int op_f32,
                    int op_f64, unsigned nsrc) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F) {
    if (op_f32 < 0)
      return bad(d, "bad type");
    d->o->op = (uint16_t)(bits == 32 ? op_f32 : op_f64);
    rc = fflags(d);
  } else if (cls == CF__PTX_CLS_PRED || (cls == CF__PTX_CLS_B && op_u != op_s)) {
    return bad(d, "bad type");
  } else {
    int op = cls == CF__PTX_CLS_S ? op_s : op_u;
    if (op < 0)
      return bad(d, "bad type");
    d->o->op = (uint16_t)op;
  }
  return rc ? rc : arith(d, nsrc, cls, bits);
}

static int d_mul_mad(struct dec *d, int mad) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  if (cls == CF__PTX_CLS_F) {
    o->op = (uint16_t)(mad ? (bits == 32 ? CF__PTX_OP_FMA_F32 : CF__PTX_OP_FMA_F64)
                           : (bits == 32 ? CF__PTX_OP_MUL_F32 : CF__PTX_OP_MUL_F64));
    rc = fflags(d);
    return rc ? rc : arith(d, mad ? 3 : 2, cls, bits);
  }
  if (cls == CF__PTX_CLS_PRED || cls == CF__PTX_CLS_B)
    return bad(d, "bad type");
  int s = cls == CF__PTX_CLS_S;
  if (HAS(&d->m, FL_SAT))
    return unsup(d);
  if (mad && HAS(&d->m, FL_CC)) {
    if ((d->m.size != SZ_LO && d->m.size != SZ_HI) || bits < 32)
      return unsup(d);
    o->op = CF__PTX_OP_MADC;
    o->sub = (uint8_t)(CF__PTX_C_OUT | (d->m.size == SZ_HI ? CF__PTX_C_HI : 0));
    return arith(d, 3, cls, bits);
  }
  switch (d->m.size) {
  case SZ_LO:
    o->op = mad ? CF__PTX_OP_MAD_LO : CF__PTX_OP_MUL_LO;
    return arith(d, mad ? 3 : 2, cls, bits);
  case SZ_HI:
    o->op = mad ? (s ? CF__PTX_OP_MAD_HI_S : CF__PTX_OP_MAD_HI_U)
                : (s ? CF__PTX_OP_MUL_HI_S : CF__PTX_OP_MUL_HI_U);
    return arith(d, mad ? 3 : 2, cls, bits);
  case SZ_WIDE:
    if (bits == 64 || bits == 8)
      return bad(d, "bad type for .wide");
    o->op = mad ? (s ? CF__PTX_OP_MAD_WIDE_S : CF__PTX_OP_MAD_WIDE_U)
                : (s ? CF__PTX_OP_MUL_WIDE_S : CF__PTX_OP_MUL_WIDE_U);
    o->bits2 = bits;
    o->bits = (uint8_t)(2 * bits);
    rc = nops(d, mad ? 4 : 3, mad ? 4 : 3);
    if (rc == 0)
      rc = dst(d, 0, cls, (uint8_t)(2 * bits), &o->o[0]);
    if (rc == 0)
      rc = src(d, 1, cls, bits, &o->o[1]);
    if (rc == 0)
      rc = src(d, 2, cls, bits, &o->o[2]);
    if (rc == 0 && mad)
      rc = src(d, 3, cls, (uint8_t)(2 * bits), &o->o[3]);
    return rc;
  default:
    return bad(d, "missing .lo/.hi/.wide");
  }
}

static int d_logic(struct dec *d, int op, unsigned nsrc) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F)
    return bad(d, "bad type");
  d->o->op = (uint16_t)op;
  if (cls == CF__PTX_CLS_PRED && op == CF__PTX_OP_NOT)
    d->o->op = CF__PTX_OP_NOT_PRED;
  if (cls == CF__PTX_CLS_PRED && op == CF__PTX_OP_CNOT)
    return bad(d, "bad type");
  return arith(d, nsrc, cls, bits);
}

static int d_shift(struct dec *d, int left) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F || cls == CF__PTX_CLS_PRED)
    return bad(d, "bad type");
  d->o->op = left ? CF__PTX_OP_SHL
           : cls == CF__PTX_CLS_S ? CF__PTX_OP_SHR_S : CF__PTX_OP_SHR_U;
  rc = nops(d, 3, 3);
  if (rc == 0)
    rc = dst(d, 0, cls, bits, &d->o->o[0]);
  if (rc == 0)
    rc = src(d, 1, cls, bits, &d->o->o[1]);
  if (rc == 0)
    rc = src(d, 2, CF__PTX_CLS_U, 32, &d->o->o[2]);
  return rc;
}

static int d_setp(struct dec *d) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  int cmp = d->m.cmp;
  if (cmp < 0 || cls == CF__PTX_CLS_PRED)
    return bad(d, "missing comparison");
  if (cls == CF__PTX_CLS_F) {
    if (cmp >= 32)
      return bad(d, "unsigned comparison on floats");
    o->op = bits == 32 ? CF__PTX_OP_SETP_F32 : CF__PTX_OP_SETP_F64;
  } else {
    if (cmp >= CF__PTX_CMP_EQU && cmp < 32)
      return bad(d, "unordered comparison on integers");
    if (cmp >= 32) {              /* lo ls hi hs: unsigned */
      cmp -= 32;
      cls = CF__PTX_CLS_U;
    }
    if (cls == CF__PTX_CLS_B && cmp != CF__PTX_CMP_EQ && cmp != CF__PTX_CMP_NE)
      return bad(d, "ordered comparison on bit type");
    o->op = cls == CF__PTX_CLS_S ? CF__PTX_OP_SETP_S : CF__PTX_OP_SETP_U;
  }
  /* "lo" and "hi" parse as sizes: map them to comparisons */
  if (d->m.size == SZ_LO || d->m.size == SZ_HI) {
    if (d->m.cmp >= 0 || cls == CF__PTX_CLS_F)
      return bad(d, "conflicting modifiers");
  }
  o->sub = (uint8_t)cmp;
  o->sub2 = d->m.boolop >= 0 ? (uint8_t)d->m.boolop : CF__PTX_COMB_NONE;
  rc = nops(d, o->sub2 ? 4 : 3, o->sub2 ? 4 : 3);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *p0 = &d->r->op[0];
  if (p0->kind != CF__PTX_OK_SLOT || p0->dsreg || p0->neg)
    return bad(d, "destination is not a predicate");
  rc = writable(d, p0->slot, 1);
  o->o[0] = p0->slot;
  o->o[5] = CF__PTX_SLOT_SINK;
  if (rc == 0 && p0->slot2 != UINT32_MAX) {
    rc = writable(d, p0->slot2, 1);
    o->o[5] = p0->slot2;
  }
  if (rc == 0)
    rc = src(d, 1, cls, bits, &o->o[1]);
  if (rc == 0)
    rc = src(d, 2, cls, bits, &o->o[2]);
  o->o[3] = CF__PTX_SLOT_TRUE;
  if (rc == 0 && o->sub2)
    rc = psrc(d, 3, &o->o[3]);
  return rc;
}

static int d_setp_lohi(struct dec *d) {
  /* setp.lo.u32 / setp.hi.u32: the size table took lo and hi */
  if (d->m.size == SZ_LO)
    d->m.cmp = CF__PTX_CMP_LT + 32;
  else if (d->m.size == SZ_HI)
    d->m.cmp = CF__PTX_CMP_GT + 32;
  else if (d->m.size >= 0)
    return bad(d, "bad modifier");
  d->m.size = -1;
  return d_setp(d);
}

static int d_selp(struct dec *d) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_PRED)
    return bad(d, "bad type");
  d->o->op = CF__PTX_OP_SELP;
  rc = nops(d, 4, 4);
  if (rc == 0)
    rc = dst(d, 0, cls, bits, &d->o->o[0]);
  if (rc == 0)
    rc = src(d, 1, cls, bits, &d->o->o[1]);
  if (rc == 0)
    rc = src(d, 2, cls, bits, &d->o->o[2]);
  if (rc == 0)
    rc = src(d, 3, CF__PTX_CLS_PRED, 1, &d->o->o[3]);
  return rc;
}

static int d_mov(struct dec *d) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc == 0)
    rc = nops(d, 2, 2);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  const struct cf__ptx_opnd *a = &d->r->op[0], *b = &d->r->op[1];
  if (a->kind == CF__PTX_OK_VEC || b->kind == CF__PTX_OK_VEC) {
    const struct cf__ptx_opnd *v = a->kind == CF__PTX_OK_VEC ? a : b;
    if (cls == CF__PTX_CLS_PRED || cls == CF__PTX_CLS_F || v->nvec < 2 ||
        (v->nvec != 2 && v->nvec != 4) || bits / v->nvec < 8 ||
        (a->kind == CF__PTX_OK_VEC && b->kind == CF__PTX_OK_VEC))
      return bad(d, "bad vector move");
    o->vec = (uint8_t)v->nvec;
    o->bits2 = (uint8_t)(bits / v->nvec);
    if (a->kind == CF__PTX_OK_VEC) {
      o->op = CF__PTX_OP_UNPACK;
      for (unsigned i = 0; i < v->nvec; i++) {
        rc = writable(d, v->vslot[i], 0);
        if (rc)
          return rc;
        o->o[i] = v->vslot[i];
      }
      return src(d, 1, cls, bits, &o->o[4]);
    }
    o->op = CF__PTX_OP_PACK;
    rc = dst(d, 0, cls, bits, &o->o[0]);
    for (unsigned i = 0; rc == 0 && i < v->nvec; i++) {
      rc = check_reg(d, v->vslot[i], CF__PTX_CLS_B, o->bits2);
      o->o[1 + i] = v->vslot[i];
    }
    return rc;
  }
  rc = dst(d, 0, cls, bits, &o->o[0]);
  if (rc)
    return rc;
  if (b->kind == CF__PTX_OK_SLOT && b->dsreg) {
    o->op = CF__PTX_OP_SREG_DYN;
    o->sub = (uint8_t)(b->dsreg - 1);
    return 0;
  }
  o->op = CF__PTX_OP_MOV;
  return src(d, 1, cls, bits, &o->o[1]);
}

static int d_cvt(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  const struct mset *m = &d->m;
  if (m->ntypes != 2)
    return bad(d, "cvt needs two types");
  uint8_t dc = m->tcls[0], db = m->tbits[0], sc = m->tcls[1], sb = m->tbits[1];
  if (dc == CF__PTX_CLS_PRED || sc == CF__PTX_CLS_PRED)
    return bad(d, "bad type");
  if (dc == CF__PTX_CLS_B || sc == CF__PTX_CLS_B)
    return bad(d, "cvt takes no .b types");
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
      return bad(d, "rounding on an integer conversion");
  } else if (dc == CF__PTX_CLS_F && sc != CF__PTX_CLS_F) {
    o->op = CF__PTX_OP_CVT_IF;
    if (rnd > CF__PTX_RND_RP)
      return bad(d, "bad rounding");
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_RN;
  } else if (dc != CF__PTX_CLS_F) {
    o->op = CF__PTX_OP_CVT_FI;
    if (rnd >= 0 && rnd <= CF__PTX_RND_RP)
      return bad(d, "float-to-integer needs integer rounding");
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_RZI;
  } else {
    o->op = CF__PTX_OP_CVT_FF;
    o->sub = rnd >= 0 ? (uint8_t)rnd : CF__PTX_RND_NONE;
  }
  int rc = nops(d, 2, 2);
  if (rc == 0)
    rc = dst(d, 0, dc, db, &o->o[0]);
  if (rc == 0)
    rc = src(d, 1, sc, sb, &o->o[1]);
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

static int d_cvta(struct dec *d) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc == 0)
    rc = nops(d, 2, 2);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  if (d->m.space < 0 || (cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_B) ||
      (bits != 32 && bits != 64))
    return bad(d, "bad cvta");
  rc = dst(d, 0, cls, bits, &o->o[0]);
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
  return src(d, 1, cls, bits, &o->o[1]);
}

/* [base+off] of a memory instruction: base slot into o[4], offset imm. */
static int addr(struct dec *d, unsigned i, int space) {
  const struct cf__ptx_opnd *a = &d->r->op[i];
  struct cf__ptx_insn *o = d->o;
  if (a->kind != CF__PTX_OK_ADDR)
    return bad(d, "expected an address");
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
      return bad(d, "address register is not an integer");
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

static int d_ldst(struct dec *d, int st) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc == 0)
    rc = nops(d, 2, 2);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  if (cls == CF__PTX_CLS_PRED)
    return bad(d, "bad type");
  o->op = st ? CF__PTX_OP_ST : CF__PTX_OP_LD;
  o->space = d->m.space >= 0 ? (uint8_t)d->m.space : CF__PTX_SP_GENERIC;
  if (st && o->space == CF__PTX_SP_CONST)
    return unsup(d);
  if (cls == CF__PTX_CLS_S)
    o->flags |= CF__PTX_F_SIGNED;
  o->vec = (uint8_t)d->m.vec;
  unsigned vi = st ? 1 : 0;
  const struct cf__ptx_opnd *v = &d->r->op[vi];
  if (o->vec > 1) {
    if (v->kind != CF__PTX_OK_VEC || v->nvec != o->vec)
      return bad(d, "vector operand does not match .v");
    for (unsigned i = 0; i < o->vec; i++) {
      rc = st ? check_reg(d, v->vslot[i], cls, bits)
              : (writable(d, v->vslot[i], 0) ? d->f->diag->rc
                                             : check_reg(d, v->vslot[i], cls, bits));
      if (rc)
        return rc;
      o->o[i] = v->vslot[i];
    }
  } else if (st) {
    rc = src(d, 1, cls, bits, &o->o[0]);
  } else {
    rc = dst(d, 0, cls, bits, &o->o[0]);
  }
  if (rc == 0)
    rc = addr(d, st ? 0 : 1, o->space);
  if (rc == 0 && st && o->space == CF__PTX_SP_PARAM)
    return unsup(d);
  return rc;
}

static int d_atom(struct dec *d, int red) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  struct cf__ptx_insn *o = d->o;
  int op = d->m.atom >= 0 ? d->m.atom : -1;
  if (d->m.boolop >= 0) {
    if (op >= 0)
      return bad(d, "conflicting modifiers");
    op = d->m.boolop == CF__PTX_COMB_AND ? CF__PTX_ATOM_AND
       : d->m.boolop == CF__PTX_COMB_OR ? CF__PTX_ATOM_OR : CF__PTX_ATOM_XOR;
  }
  if (op < 0 || op == 100 || (bits != 32 && bits != 64) ||
      cls == CF__PTX_CLS_PRED || d->m.vec != 1)
    return unsup(d);
  o->op = CF__PTX_OP_ATOM;
  o->sub = (uint8_t)op;
  o->space = d->m.space >= 0 ? (uint8_t)d->m.space : CF__PTX_SP_GENERIC;
  if (o->space != CF__PTX_SP_GLOBAL && o->space != CF__PTX_SP_SHARED &&
      o->space != CF__PTX_SP_GENERIC)
    return bad(d, "bad state space");
  if (cls == CF__PTX_CLS_F) {
    if (op != CF__PTX_ATOM_ADD && op != CF__PTX_ATOM_EXCH)
      return unsup(d);
    o->flags |= CF__PTX_F_FLOAT;
  }
  if (cls == CF__PTX_CLS_S)
    o->flags |= CF__PTX_F_SIGNED;
  if ((op == CF__PTX_ATOM_INC || op == CF__PTX_ATOM_DEC) &&
      (cls != CF__PTX_CLS_U || bits != 32))
    return bad(d, "inc/dec need .u32");
  unsigned n = op == CF__PTX_ATOM_CAS ? 2 : 1;
  unsigned a0 = red ? 0 : 1;
  rc = nops(d, a0 + 1 + n, a0 + 1 + n);
  if (rc)
    return rc;
  if (red) {
    o->o[0] = CF__PTX_SLOT_SINK;
    o->flags |= CF__PTX_F_NODST;
  } else {
    rc = dst(d, 0, cls, bits, &o->o[0]);
  }
  if (rc == 0)
    rc = src(d, a0 + 1, cls, bits, &o->o[1]);
  o->o[2] = o->o[1];
  if (rc == 0 && n == 2)
    rc = src(d, a0 + 2, cls, bits, &o->o[2]);
  return rc ? rc : addr(d, a0, o->space);
}

static int d_bar(struct dec *d, int barrier) {
  struct cf__ptx_insn *o = d->o;
  const struct mset *m = &d->m;
  if (HAS(m, FL_WARP)) {
    if (barrier || !HAS(m, FL_SYNC))
      return unsup(d);
    o->op = CF__PTX_OP_BAR_WARP;
    int rc = nops(d, 1, 1);
    return rc ? rc : src(d, 0, CF__PTX_CLS_U, 32, &o->o[1]);
  }
  if (HAS(m, FL_RED)) {
    if (m->atom == 100)
      o->sub = CF__PTX_BRED_POPC;
    else if (m->boolop == CF__PTX_COMB_AND)
      o->sub = CF__PTX_BRED_AND;
    else if (m->boolop == CF__PTX_COMB_OR)
      o->sub = CF__PTX_BRED_OR;
    else
      return unsup(d);
    o->op = CF__PTX_OP_BAR_RED;
    int rc = nops(d, 3, 4);
    if (rc)
      return rc;
    int popc = o->sub == CF__PTX_BRED_POPC;
    rc = dst(d, 0, popc ? CF__PTX_CLS_U : CF__PTX_CLS_PRED, popc ? 32 : 1,
             &o->o[0]);
    if (rc == 0)
      rc = src(d, 1, CF__PTX_CLS_U, 32, &o->o[1]);
    o->o[2] = cf__ptx_fn_const(d->f, 0, d->r->line);
    if (rc == 0 && d->r->nop == 4)
      rc = src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
    if (rc == 0)
      rc = psrc(d, d->r->nop - 1, &o->o[3]);
    return rc;
  }
  o->op = HAS(m, FL_ARRIVE) ? CF__PTX_OP_BAR_ARRIVE : CF__PTX_OP_BAR;
  if (m->ntypes != 0 || (!HAS(m, FL_SYNC) && !HAS(m, FL_ARRIVE) && barrier))
    return unsup(d);
  int rc = nops(d, 1, 2);
  if (rc == 0)
    rc = src(d, 0, CF__PTX_CLS_U, 32, &o->o[1]);
  o->o[2] = cf__ptx_fn_const(d->f, 0, d->r->line);
  if (rc == 0 && d->r->nop == 2)
    rc = src(d, 1, CF__PTX_CLS_U, 32, &o->o[2]);
  else if (rc == 0 && o->op == CF__PTX_OP_BAR_ARRIVE)
    return bad(d, "bar.arrive needs a thread count");
  return rc;
}

static int d_shfl(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (d->m.shfl < 0 || bits != 32 || cls != CF__PTX_CLS_B)
    return unsup(d);
  int sync = HAS(&d->m, FL_SYNC);
  o->op = CF__PTX_OP_SHFL;
  o->sub = (uint8_t)d->m.shfl;
  rc = nops(d, sync ? 5 : 4, sync ? 5 : 4);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *p0 = &d->r->op[0];
  if (p0->kind != CF__PTX_OK_SLOT || p0->dsreg)
    return bad(d, "bad destination");
  rc = writable(d, p0->slot, 0);
  o->o[0] = p0->slot;
  o->o[5] = CF__PTX_SLOT_SINK;
  if (rc == 0 && p0->slot2 != UINT32_MAX) {
    rc = writable(d, p0->slot2, 1);
    o->o[5] = p0->slot2;
  }
  if (rc == 0)
    rc = src(d, 1, cls, 32, &o->o[1]);
  if (rc == 0)
    rc = src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
  if (rc == 0)
    rc = src(d, 3, CF__PTX_CLS_U, 32, &o->o[3]);
  if (rc == 0 && sync)
    rc = src(d, 4, CF__PTX_CLS_U, 32, &o->o[4]);
  else if (rc == 0)
    o->o[4] = cf__ptx_fn_const(d->f, 0xffffffffu, d->r->line);
  return rc;
}

static int d_vote(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  const struct mset *m = &d->m;
  int mode = m->vote;
  if (mode < 0 && HAS(m, FL_UNI))
    mode = CF__PTX_VOTE_UNI;
  if (mode < 0 || m->ntypes != 1)
    return unsup(d);
  int ballot = mode == CF__PTX_VOTE_BALLOT;
  if (ballot != (m->tcls[0] != CF__PTX_CLS_PRED) ||
      (ballot && m->tbits[0] != 32))
    return bad(d, "bad type");
  int sync = HAS(m, FL_SYNC);
  o->op = CF__PTX_OP_VOTE;
  o->sub = (uint8_t)mode;
  int rc = nops(d, sync ? 3 : 2, sync ? 3 : 2);
  if (rc == 0)
    rc = dst(d, 0, ballot ? CF__PTX_CLS_B : CF__PTX_CLS_PRED, ballot ? 32 : 1,
             &o->o[0]);
  if (rc == 0)
    rc = psrc(d, 1, &o->o[1]);
  if (rc == 0 && sync)
    rc = src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
  else if (rc == 0)
    o->o[2] = cf__ptx_fn_const(d->f, 0xffffffffu, d->r->line);
  return rc;
}

static int d_bits(struct dec *d, int op) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls == CF__PTX_CLS_F || cls == CF__PTX_CLS_PRED || bits < 32)
    return bad(d, "bad type");
  struct cf__ptx_insn *o = d->o;
  o->op = (uint16_t)op;
  switch (op) {
  case CF__PTX_OP_POPC:
  case CF__PTX_OP_CLZ:
    rc = nops(d, 2, 2);
    if (rc == 0)
      rc = dst(d, 0, CF__PTX_CLS_U, 32, &o->o[0]);
    return rc ? rc : src(d, 1, cls, bits, &o->o[1]);
  case CF__PTX_OP_BREV:
    return arith(d, 1, cls, bits);
  case CF__PTX_OP_BFE_U:
    if (cls == CF__PTX_CLS_B)
      return bad(d, "bad type");
    if (cls == CF__PTX_CLS_S)
      o->op = CF__PTX_OP_BFE_S;
    rc = nops(d, 4, 4);
    if (rc == 0)
      rc = dst(d, 0, cls, bits, &o->o[0]);
    if (rc == 0)
      rc = src(d, 1, cls, bits, &o->o[1]);
    if (rc == 0)
      rc = src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
    return rc ? rc : src(d, 3, CF__PTX_CLS_U, 32, &o->o[3]);
  case CF__PTX_OP_BFI:
    rc = nops(d, 5, 5);
    if (rc == 0)
      rc = dst(d, 0, cls, bits, &o->o[0]);
    if (rc == 0)
      rc = src(d, 1, cls, bits, &o->o[1]);
    if (rc == 0)
      rc = src(d, 2, cls, bits, &o->o[2]);
    if (rc == 0)
      rc = src(d, 3, CF__PTX_CLS_U, 32, &o->o[3]);
    return rc ? rc : src(d, 4, CF__PTX_CLS_U, 32, &o->o[4]);
  case CF__PTX_OP_PRMT:
    if (bits != 32 || cls != CF__PTX_CLS_B || d->m.rnd >= 0)
      return unsup(d);
    return arith(d, 3, cls, bits);
  }
  return unsup(d);
}

/* set.cmp[.bool][.ftz].dtype.stype d, a, b[, {!}c]: a predicate as a
 * value, all ones (.u32/.s32) or 1.0 (.f32). */
static int d_set(struct dec *d) {
  struct mset *m = &d->m;
  struct cf__ptx_insn *o = d->o;
  if (m->ntypes != 2)
    return bad(d, "set needs two types");
  uint8_t dc = m->tcls[0], sc = m->tcls[1], sb = m->tbits[1];
  if (m->tbits[0] != 32 || dc == CF__PTX_CLS_B || dc == CF__PTX_CLS_PRED ||
      sc == CF__PTX_CLS_PRED)
    return bad(d, "bad type");
  int cmp = m->cmp;
  if (m->size == SZ_LO || m->size == SZ_HI) {
    if (cmp >= 0)
      return bad(d, "conflicting modifiers");
    cmp = m->size == SZ_LO ? CF__PTX_CMP_LT + 32 : CF__PTX_CMP_GT + 32;
  } else if (m->size >= 0) {
    return bad(d, "bad modifier");
  }
  if (cmp < 0)
    return bad(d, "missing comparison");
  if (sc == CF__PTX_CLS_F) {
    if (cmp >= 32)
      return bad(d, "unsigned comparison on floats");
  } else {
    if (cmp >= CF__PTX_CMP_EQU && cmp < 32)
      return bad(d, "unordered comparison on integers");
    if (cmp >= 32) {
      cmp -= 32;
      sc = CF__PTX_CLS_U;
    }
    if (sc == CF__PTX_CLS_B && cmp != CF__PTX_CMP_EQ && cmp != CF__PTX_CMP_NE)
      return bad(d, "ordered comparison on bit type");
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
  int rc = nops(d, o->sub2 ? 4 : 3, o->sub2 ? 4 : 3);
  if (rc == 0)
    rc = dst(d, 0, dc, 32, &o->o[0]);
  if (rc == 0)
    rc = src(d, 1, m->tcls[1], sb, &o->o[1]);
  if (rc == 0)
    rc = src(d, 2, m->tcls[1], sb, &o->o[2]);
  o->o[3] = CF__PTX_SLOT_TRUE;
  if (rc == 0 && o->sub2)
    rc = psrc(d, 3, &o->o[3]);
  return rc;
}

/* slct[.ftz].dtype.{s32,f32} d, a, b, c: c >= 0 ? a : b. */
static int d_slct(struct dec *d) {
  struct mset *m = &d->m;
  struct cf__ptx_insn *o = d->o;
  if (m->ntypes != 2)
    return bad(d, "slct needs two types");
  uint8_t dc = m->tcls[0], db = m->tbits[0], cc = m->tcls[1];
  if (dc == CF__PTX_CLS_PRED || m->tbits[1] != 32 ||
      (cc != CF__PTX_CLS_S && cc != CF__PTX_CLS_F))
    return bad(d, "bad type");
  o->op = CF__PTX_OP_SLCT;
  o->bits = db;
  o->sub = cc == CF__PTX_CLS_F;
  if (HAS(m, FL_FTZ))
    o->flags |= CF__PTX_F_FTZ;
  int rc = nops(d, 4, 4);
  if (rc == 0)
    rc = dst(d, 0, dc, db, &o->o[0]);
  if (rc == 0)
    rc = src(d, 1, dc, db, &o->o[1]);
  if (rc == 0)
    rc = src(d, 2, dc, db, &o->o[2]);
  return rc ? rc : src(d, 3, cc, 32, &o->o[3]);
}

/* testp.class.{f32,f64} p, a. */
static int d_testp(struct dec *d) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls != CF__PTX_CLS_F || d->m.testp < 0)
    return bad(d, "bad testp");
  d->o->op = CF__PTX_OP_TESTP;
  d->o->sub = (uint8_t)d->m.testp;
  rc = nops(d, 2, 2);
  if (rc == 0)
    rc = dst(d, 0, CF__PTX_CLS_PRED, 1, &d->o->o[0]);
  return rc ? rc : src(d, 1, cls, bits, &d->o->o[1]);
}

/* mul24/mad24.{lo,hi}.{u32,s32}: 24-bit operands, 48-bit product. */
static int d_mad24(struct dec *d, int mad) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (bits != 32 || (cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S) ||
      (d->m.size != SZ_LO && d->m.size != SZ_HI))
    return bad(d, "bad type");
  if (HAS(&d->m, FL_SAT))
    return unsup(d);
  d->o->op = CF__PTX_OP_MAD24;
  d->o->sub = d->m.size == SZ_HI;
  if (cls == CF__PTX_CLS_S)
    d->o->flags |= CF__PTX_F_SIGNED;
  if (mad)
    return arith(d, 3, cls, bits);
  rc = arith(d, 2, cls, bits);
  d->o->o[3] = cf__ptx_fn_const(d->f, 0, d->r->line);
  return rc ? rc : d->o->o[3] == UINT32_MAX ? d->f->diag->rc : 0;
}

/* match.{any,all}.sync.{b32,b64} d[|p], a, membermask. */
static int d_match(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  int mode = d->m.vote;
  if (!HAS(&d->m, FL_SYNC) || cls != CF__PTX_CLS_B || bits < 32 ||
      (mode != CF__PTX_VOTE_ANY && mode != CF__PTX_VOTE_ALL))
    return unsup(d);
  o->op = CF__PTX_OP_MATCH;
  o->sub = mode == CF__PTX_VOTE_ALL;
  rc = nops(d, 3, 3);
  if (rc)
    return rc;
  const struct cf__ptx_opnd *p0 = &d->r->op[0];
  if (p0->kind != CF__PTX_OK_SLOT || p0->dsreg || p0->neg)
    return bad(d, "bad destination");
  rc = writable(d, p0->slot, 0);
  o->o[0] = p0->slot;
  o->o[5] = CF__PTX_SLOT_SINK;
  if (rc == 0 && p0->slot2 != UINT32_MAX) {
    if (!o->sub)
      return bad(d, "match.any has no predicate");
    rc = writable(d, p0->slot2, 1);
    o->o[5] = p0->slot2;
  }
  if (rc == 0)
    rc = src(d, 1, cls, bits, &o->o[1]);
  return rc ? rc : src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
}

/* redux.sync.op.type d, a, membermask: add/min/max .u32/.s32,
 * and/or/xor .b32. */
static int d_redux(struct dec *d) {
  struct cf__ptx_insn *o = d->o;
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
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
    return unsup(d);
  int arith_op = op <= CF__PTX_REDUX_MAX;
  if (!HAS(&d->m, FL_SYNC) || bits != 32 ||
      (arith_op && cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S) ||
      (!arith_op && cls != CF__PTX_CLS_B))
    return unsup(d);
  o->op = CF__PTX_OP_REDUX;
  o->sub = (uint8_t)op;
  if (cls == CF__PTX_CLS_S)
    o->flags |= CF__PTX_F_SIGNED;
  rc = nops(d, 3, 3);
  if (rc == 0)
    rc = dst(d, 0, cls, bits, &o->o[0]);
  if (rc == 0)
    rc = src(d, 1, cls, bits, &o->o[1]);
  return rc ? rc : src(d, 2, CF__PTX_CLS_U, 32, &o->o[2]);
}

static int d_fmath(struct dec *d, int op32, int op64) {
  uint8_t cls, bits;
  int rc = one_type(d, &cls, &bits);
  if (rc)
    return rc;
  if (cls != CF__PTX_CLS_F || (bits == 64 && op64 < 0))
    return unsup(d);
  d->o->op = (uint16_t)(bits == 32 ? op32 : op64);
  rc = fflags(d);
  return rc ? rc : arith(d, 1, cls, bits);
}

static int d_lop3_args(struct dec *d) {
  /* lop3 has 4 sources but arith() checks 1+3: drop the table operand */
  struct cf__ptx_raw *rw = (struct cf__ptx_raw *)d->r;
  rw->nop = 4;
  return 0;
}

int cf__ptx_decode(struct cf__ptx_fn *f, const struct cf__ptx_raw *r,
                   struct cf__ptx_insn *out) {
  struct cf__ptx_raw copy = *r;   /* decoders may adjust operands */
  struct dec d = {.f = f, .r = &copy, .o = out};
  memset(out, 0, sizeof *out);
  out->guard = r->guard;
  out->gneg = (uint8_t)(r->gneg != 0);
  out->line = r->line;
  out->vec = 1;
  int rc = parse_mods(&d);
  if (rc)
    return rc;
  const char *b = d.base;
#define IS(s) (strcmp(b, s) == 0)
  if (IS("add"))
    return d_int_or_float(&d, CF__PTX_OP_ADD_I, CF__PTX_OP_ADD_F32,
                          CF__PTX_OP_ADD_F64, 2);
  if (IS("sub"))
    return d_int_or_float(&d, CF__PTX_OP_SUB_I, CF__PTX_OP_SUB_F32,
                          CF__PTX_OP_SUB_F64, 2);
  if (IS("mul"))
    return d_mul_mad(&d, 0);
  if (IS("mad"))
    return d_mul_mad(&d, 1);
  if (IS("fma")) {
    if (d.m.ntypes != 1 || d.m.tcls[0] != CF__PTX_CLS_F)
      return bad(&d, "bad type");
    return d_mul_mad(&d, 1);
  }
  if (IS("div"))
    return d_signed(&d, CF__PTX_OP_DIV_U, CF__PTX_OP_DIV_S, CF__PTX_OP_DIV_F32,
                    CF__PTX_OP_DIV_F64, 2);
  if (IS("rem"))
    return d_signed(&d, CF__PTX_OP_REM_U, CF__PTX_OP_REM_S, -1, -1, 2);
  if (IS("min") || IS("max")) {
    int mx = IS("max");
    rc = mx ? d_signed(&d, CF__PTX_OP_MAX_U, CF__PTX_OP_MAX_S,
                       CF__PTX_OP_MAX_F32, CF__PTX_OP_MAX_F64, 2)
            : d_signed(&d, CF__PTX_OP_MIN_U, CF__PTX_OP_MIN_S,
                       CF__PTX_OP_MIN_F32, CF__PTX_OP_MIN_F64, 2);
    if (rc == 0 && HAS(&d.m, FL_NAN)) {
      if (d.m.tcls[0] != CF__PTX_CLS_F)
        return bad(&d, ".NaN on an integer type");
      out->flags |= CF__PTX_F_NAN;
    }
    return rc;
  }
  if (IS("set"))
    return d_set(&d);
  if (IS("slct"))
    return d_slct(&d);
  if (IS("testp"))
    return d_testp(&d);
  if (IS("mul24") || IS("mad24"))
    return d_mad24(&d, IS("mad24"));
  if (IS("match"))
    return d_match(&d);
  if (IS("redux"))
    return d_redux(&d);
  if (IS("abs"))
    return d_signed(&d, -1, CF__PTX_OP_ABS_I, CF__PTX_OP_ABS_F32,
                    CF__PTX_OP_ABS_F64, 1);
  if (IS("neg"))
    return d_signed(&d, -1, CF__PTX_OP_NEG_I, CF__PTX_OP_NEG_F32,
                    CF__PTX_OP_NEG_F64, 1);
  if (IS("and"))
    return d_logic(&d, CF__PTX_OP_AND, 2);
  if (IS("or"))
    return d_logic(&d, CF__PTX_OP_OR, 2);
  if (IS("xor"))
    return d_logic(&d, CF__PTX_OP_XOR, 2);
  if (IS("not"))
    return d_logic(&d, CF__PTX_OP_NOT, 1);
  if (IS("cnot"))
    return d_logic(&d, CF__PTX_OP_CNOT, 1);
  if (IS("shl"))
    return d_shift(&d, 1);
  if (IS("shr"))
    return d_shift(&d, 0);
  if (IS("setp"))
    return d_setp_lohi(&d);
  if (IS("selp"))
    return d_selp(&d);
  if (IS("mov"))
    return d_mov(&d);
  if (IS("cvt"))
    return d_cvt(&d);
  if (IS("cvta"))
    return d_cvta(&d);
  if (IS("ld"))
    return d_ldst(&d, 0);
  if (IS("ldu"))
    return d_ldst(&d, 0);
  if (IS("st"))
    return d_ldst(&d, 1);
  if (IS("atom"))
    return d_atom(&d, 0);
  if (IS("red"))
    return d_atom(&d, 1);
  if (IS("bra")) {
    rc = nops(&d, 1, 1);
    if (rc)
      return rc;
    if (d.m.ntypes || d.m.flags & ~(1u << FL_UNI))
      return unsup(&d);
    if (copy.op[0].kind != CF__PTX_OK_LABEL)
      return bad(&d, "branch target is not a label");
    out->op = CF__PTX_OP_BRA;
    out->imm = copy.op[0].label;
    return 0;
  }
  if (IS("ret") || IS("exit")) {
    out->op = IS("ret") && !f->k->is_entry ? CF__PTX_OP_RET : CF__PTX_OP_EXIT;
    return nops(&d, 0, 0);
  }
  if (IS("trap")) {
    out->op = CF__PTX_OP_TRAP;
    return nops(&d, 0, 0);
  }
  if (IS("membar") || IS("fence") || IS("nanosleep")) {
    out->op = CF__PTX_OP_NOP;
    return 0;
  }
  if (IS("bar"))
    return d_bar(&d, 0);
  if (IS("barrier"))
    return d_bar(&d, 1);
  if (IS("shfl"))
    return d_shfl(&d);
  if (IS("vote"))
    return d_vote(&d);
  if (IS("activemask")) {
    out->op = CF__PTX_OP_ACTMASK;
    rc = nops(&d, 1, 1);
    return rc ? rc : dst(&d, 0, CF__PTX_CLS_B, 32, &out->o[0]);
  }
  if (IS("popc"))
    return d_bits(&d, CF__PTX_OP_POPC);
  if (IS("clz"))
    return d_bits(&d, CF__PTX_OP_CLZ);
  if (IS("brev"))
    return d_bits(&d, CF__PTX_OP_BREV);
  if (IS("bfe"))
    return d_bits(&d, CF__PTX_OP_BFE_U);
  if (IS("bfi"))
    return d_bits(&d, CF__PTX_OP_BFI);
  if (IS("lop3")) {
    rc = nops(&d, 5, 5);
    if (rc)
      return rc;
    const struct cf__ptx_opnd *t = &copy.op[4];
    if (t->kind != CF__PTX_OK_IMM || t->num.kind != CF__PTX_NUM_INT ||
        t->num.bits > 255)
      return bad(&d, "lop3 needs an 8-bit immediate");
    uint64_t lut = t->num.bits;
    d_lop3_args(&d);
    uint8_t cls, bits;
    rc = one_type(&d, &cls, &bits);
    if (rc == 0 && (bits != 32 || cls != CF__PTX_CLS_B))
      return bad(&d, "bad type");
    out->op = CF__PTX_OP_LOP3;
    out->imm = (int64_t)lut;
    return rc ? rc : arith(&d, 3, cls, bits);
  }
  if (IS("prmt"))
    return d_bits(&d, CF__PTX_OP_PRMT);
  if (IS("addc") || IS("subc"))
    return d_carry(&d, IS("subc"), 1);
  if (IS("madc")) {
    uint8_t cls, bits;
    rc = one_type(&d, &cls, &bits);
    if (rc)
      return rc;
    if ((d.m.size != SZ_LO && d.m.size != SZ_HI) || bits < 32 ||
        (cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S))
      return unsup(&d);
    out->op = CF__PTX_OP_MADC;
    out->sub = (uint8_t)(CF__PTX_C_IN | (HAS(&d.m, FL_CC) ? CF__PTX_C_OUT : 0) |
                         (d.m.size == SZ_HI ? CF__PTX_C_HI : 0));
    if (cls == CF__PTX_CLS_S)
      out->flags |= CF__PTX_F_SIGNED;
    return arith(&d, 3, cls, bits);
  }
  if (IS("bfind")) {
    uint8_t cls, bits;
    rc = one_type(&d, &cls, &bits);
    if (rc)
      return rc;
    if ((cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S) || bits < 32)
      return bad(&d, "bad type");
    out->op = cls == CF__PTX_CLS_S ? CF__PTX_OP_BFIND_S : CF__PTX_OP_BFIND_U;
    out->sub = (uint8_t)HAS(&d.m, FL_SHIFTAMT);
    rc = nops(&d, 2, 2);
    if (rc == 0)
      rc = dst(&d, 0, CF__PTX_CLS_U, 32, &out->o[0]);
    return rc ? rc : src(&d, 1, cls, bits, &out->o[1]);
  }
  if (IS("shf")) {
    uint8_t cls, bits;
    rc = one_type(&d, &cls, &bits);
    if (rc)
      return rc;
    if (bits != 32 || cls != CF__PTX_CLS_B ||
        HAS(&d.m, FL_L) == HAS(&d.m, FL_R) ||
        HAS(&d.m, FL_WRAP) == HAS(&d.m, FL_CLAMP))
      return unsup(&d);
    out->op = HAS(&d.m, FL_L) ? CF__PTX_OP_SHF_L : CF__PTX_OP_SHF_R;
    out->sub = (uint8_t)HAS(&d.m, FL_CLAMP);
    rc = nops(&d, 4, 4);
    if (rc == 0)
      rc = dst(&d, 0, cls, 32, &out->o[0]);
    if (rc == 0)
      rc = src(&d, 1, cls, 32, &out->o[1]);
    if (rc == 0)
      rc = src(&d, 2, cls, 32, &out->o[2]);
    return rc ? rc : src(&d, 3, CF__PTX_CLS_U, 32, &out->o[3]);
  }
  if (IS("sad")) {
    uint8_t cls, bits;
    rc = one_type(&d, &cls, &bits);
    if (rc)
      return rc;
    if (cls != CF__PTX_CLS_U && cls != CF__PTX_CLS_S)
      return bad(&d, "bad type");
    out->op = cls == CF__PTX_CLS_S ? CF__PTX_OP_SAD_S : CF__PTX_OP_SAD_U;
    return arith(&d, 3, cls, bits);
  }
  if (IS("copysign")) {
    uint8_t cls, bits;
    rc = one_type(&d, &cls, &bits);
    if (rc)
      return rc;
    if (cls != CF__PTX_CLS_F)
      return bad(&d, "bad type");
    out->op = bits == 32 ? CF__PTX_OP_COPYSIGN_F32 : CF__PTX_OP_COPYSIGN_F64;
    return arith(&d, 2, cls, bits);
  }
  if (IS("rcp"))
    return d_fmath(&d, CF__PTX_OP_RCP_F32, CF__PTX_OP_RCP_F64);
  if (IS("sqrt"))
    return d_fmath(&d, CF__PTX_OP_SQRT_F32, CF__PTX_OP_SQRT_F64);
  if (IS("rsqrt"))
    return d_fmath(&d, CF__PTX_OP_RSQRT_F32, CF__PTX_OP_RSQRT_F64);
  if (IS("ex2"))
    return d_fmath(&d, CF__PTX_OP_EX2_F32, -1);
  if (IS("lg2"))
    return d_fmath(&d, CF__PTX_OP_LG2_F32, -1);
  if (IS("sin"))
    return d_fmath(&d, CF__PTX_OP_SIN_F32, -1);
  if (IS("cos"))
    return d_fmath(&d, CF__PTX_OP_COS_F32, -1);
  if (IS("tanh"))
    return d_fmath(&d, CF__PTX_OP_TANH_F32, -1);
#undef IS
  return unsup(&d);
}
