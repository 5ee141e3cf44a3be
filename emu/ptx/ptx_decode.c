/* PTX decoder: turns one parsed instruction (opcode name with its dotted
 * modifiers, operands already resolved to slots, symbols and labels) into a
 * fixed-size decoded instruction (ptx_ops.h). This file owns the type and
 * modifier names and the dispatch from base opcode to its decoder, with the
 * few opcodes that need no decoder of their own (bra, ret, exit, trap,
 * brkpt, membar, fence, prefetch, activemask); texture and surface
 * instructions go whole to ptx_decode_tex.c; the operand checks every decoder shares are in
 * ptx_decode_opnd.c and the per-family decoders in ptx_decode_*.c
 * (overview in ptx_decode.h). Anything we do not implement is CF_EUNSUP
 * naming the instruction; anything malformed is CF_EPROTO. Branch targets
 * are left as label indices in imm for the parser to patch. No global
 * state. */
#include <string.h>

#include "ptx_decode.h"

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
    {"f16", CF__PTX_CLS_H, 16}, {"f16x2", CF__PTX_CLS_H, 32},
    {"bf16", CF__PTX_CLS_BF, 16}, {"bf16x2", CF__PTX_CLS_BF, 32},
  };
  static const char *const unsup[] = {
    "tf32", "e4m3", "e5m2", "e4m3x2",
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
  {"NaN", M_FLAG, FL_NAN}, {"relu", M_FLAG, FL_RELU},
  {"satfinite", M_FLAG, FL_SATFIN},
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
  {"L2::evict_unchanged", M_IGNORE, 0}, {"cluster", M_IGNORE, 0},
  {"mmio", M_IGNORE, 0},
  /* takes a trailing cache-policy operand (ld, st, atom, red) */
  {"L2::cache_hint", M_FLAG, FL_HINT},
};

static int parse_mods(struct dec *d) {
  const char *s = d->r->opname;
  const char *dot = strchr(s, '.');
  size_t bl = dot ? (size_t)(dot - s) : strlen(s);
  if (bl >= sizeof d->base)
    return cf__ptx_dec_unsup(d);
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
      return cf__ptx_dec_unsup(d);
    if (t > 0) {
      if (m->ntypes >= 2)
        return cf__ptx_dec_bad(d, "too many types");
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
      if (strcmp(d->base, "membar") == 0 || strcmp(d->base, "fence") == 0 ||
          strcmp(d->base, "prefetch") == 0 || strcmp(d->base, "prefetchu") == 0 ||
          strcmp(d->base, "createpolicy") == 0)
        continue;
      return cf__ptx_dec_unsup(d);
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
      return cf__ptx_dec_bad(d, "conflicting modifiers");
    *slot = hit->val;
  }
  return 0;
}

/* ---- dispatch ---- */

int cf__ptx_decode(struct cf__ptx_fn *f, const struct cf__ptx_raw *r,
                   struct cf__ptx_insn *out) {
  struct cf__ptx_raw copy = *r;   /* decoders may adjust operands */
  struct dec d = {.f = f, .r = &copy, .o = out};
  memset(out, 0, sizeof *out);
  out->guard = r->guard;
  out->gneg = (uint8_t)(r->gneg != 0);
  out->line = r->line;
  out->vec = 1;
  if (strncmp(r->opname, "cp.", 3) == 0)
    return cf__ptx_dec_cpasync(&d);
  static const char *const texops[] = {"tex", "tld4", "txq", "suq", "suld",
                                       "sust"};
  for (size_t k = 0; k < sizeof texops / sizeof *texops; k++) {
    size_t n = strlen(texops[k]);
    if (strncmp(r->opname, texops[k], n) == 0 &&
        (r->opname[n] == '\0' || r->opname[n] == '.'))
      return cf__ptx_dec_tex(&d);
  }
  for (unsigned k = 0; k < r->nop; k++)   /* {..}|%p is tex's alone */
    if ((r->op[k].kind == CF__PTX_OK_VEC && r->op[k].slot2 != UINT32_MAX) ||
        r->op[k].kind == CF__PTX_OK_TEX)
      return cf__ptx_dec_bad(&d, "unexpected texture operand");
  int rc = parse_mods(&d);
  if (rc)
    return rc;
  const char *b = d.base;
  int half = 0;
  for (unsigned k = 0; k < d.m.ntypes; k++)
    half |= d.m.tcls[k] == CF__PTX_CLS_H || d.m.tcls[k] == CF__PTX_CLS_BF;
  if (half) {
    int moved;
    rc = cf__ptx_dec_half(&d, &moved);
    if (rc || !moved)
      return rc;
  } else if (HAS(&d.m, FL_RELU) || HAS(&d.m, FL_SATFIN)) {
    return cf__ptx_dec_unsup(&d);   /* max.relu.s32 and kin */
  }
#define IS(s) (strcmp(b, s) == 0)
  if (IS("add"))
    return cf__ptx_dec_int_or_float(&d, CF__PTX_OP_ADD_I, CF__PTX_OP_ADD_F32,
                                    CF__PTX_OP_ADD_F64, 2);
  if (IS("sub"))
    return cf__ptx_dec_int_or_float(&d, CF__PTX_OP_SUB_I, CF__PTX_OP_SUB_F32,
                                    CF__PTX_OP_SUB_F64, 2);
  if (IS("mul"))
    return cf__ptx_dec_mul_mad(&d, 0);
  if (IS("mad"))
    return cf__ptx_dec_mul_mad(&d, 1);
  if (IS("fma")) {
    if (d.m.ntypes != 1 || d.m.tcls[0] != CF__PTX_CLS_F)
      return cf__ptx_dec_bad(&d, "bad type");
    return cf__ptx_dec_mul_mad(&d, 1);
  }
  if (IS("div"))
    return cf__ptx_dec_signed(&d, CF__PTX_OP_DIV_U, CF__PTX_OP_DIV_S,
                              CF__PTX_OP_DIV_F32, CF__PTX_OP_DIV_F64, 2);
  if (IS("rem"))
    return cf__ptx_dec_signed(&d, CF__PTX_OP_REM_U, CF__PTX_OP_REM_S, -1, -1,
                              2);
  if (IS("min") || IS("max"))
    return cf__ptx_dec_minmax(&d, IS("max"));
  if (IS("set"))
    return cf__ptx_dec_set(&d);
  if (IS("slct"))
    return cf__ptx_dec_slct(&d);
  if (IS("testp"))
    return cf__ptx_dec_testp(&d);
  if (IS("mul24") || IS("mad24"))
    return cf__ptx_dec_mad24(&d, IS("mad24"));
  if (IS("match"))
    return cf__ptx_dec_match(&d);
  if (IS("redux"))
    return cf__ptx_dec_redux(&d);
  if (IS("abs"))
    return cf__ptx_dec_signed(&d, -1, CF__PTX_OP_ABS_I, CF__PTX_OP_ABS_F32,
                              CF__PTX_OP_ABS_F64, 1);
  if (IS("neg"))
    return cf__ptx_dec_signed(&d, -1, CF__PTX_OP_NEG_I, CF__PTX_OP_NEG_F32,
                              CF__PTX_OP_NEG_F64, 1);
  if (IS("and"))
    return cf__ptx_dec_logic(&d, CF__PTX_OP_AND, 2);
  if (IS("or"))
    return cf__ptx_dec_logic(&d, CF__PTX_OP_OR, 2);
  if (IS("xor"))
    return cf__ptx_dec_logic(&d, CF__PTX_OP_XOR, 2);
  if (IS("not"))
    return cf__ptx_dec_logic(&d, CF__PTX_OP_NOT, 1);
  if (IS("cnot"))
    return cf__ptx_dec_logic(&d, CF__PTX_OP_CNOT, 1);
  if (IS("shl"))
    return cf__ptx_dec_shift(&d, 1);
  if (IS("shr"))
    return cf__ptx_dec_shift(&d, 0);
  if (IS("setp"))
    return cf__ptx_dec_setp_lohi(&d);
  if (IS("selp"))
    return cf__ptx_dec_selp(&d);
  if (IS("mov"))
    return cf__ptx_dec_mov(&d);
  if (IS("cvt"))
    return cf__ptx_dec_cvt(&d);
  if (IS("cvta"))
    return cf__ptx_dec_cvta(&d);
  if (IS("ld"))
    return cf__ptx_dec_ldst(&d, 0);
  if (IS("ldu"))
    return cf__ptx_dec_ldst(&d, 0);
  if (IS("st"))
    return cf__ptx_dec_ldst(&d, 1);
  if (IS("atom"))
    return cf__ptx_dec_atom(&d, 0);
  if (IS("red"))
    return cf__ptx_dec_atom(&d, 1);
  if (IS("bra")) {
    rc = cf__ptx_dec_nops(&d, 1, 1);
    if (rc)
      return rc;
    if (d.m.ntypes || d.m.flags & ~(1u << FL_UNI))
      return cf__ptx_dec_unsup(&d);
    if (copy.op[0].kind != CF__PTX_OK_LABEL)
      return cf__ptx_dec_bad(&d, "branch target is not a label");
    out->op = CF__PTX_OP_BRA;
    out->imm = copy.op[0].label;
    return 0;
  }
  if (IS("ret") || IS("exit")) {
    out->op = IS("ret") && !f->k->is_entry ? CF__PTX_OP_RET : CF__PTX_OP_EXIT;
    return cf__ptx_dec_nops(&d, 0, 0);
  }
  if (IS("trap")) {
    out->op = CF__PTX_OP_TRAP;
    return cf__ptx_dec_nops(&d, 0, 0);
  }
  if (IS("membar") || IS("fence") || IS("nanosleep")) {
    out->op = CF__PTX_OP_NOP;
    return 0;
  }
  if (IS("createpolicy")) {   /* a cache policy no cache here reads: 0 */
    rc = cf__ptx_dec_nops(&d, 2, 3);
    if (rc == 0)
      rc = cf__ptx_dec_dst(&d, 0, CF__PTX_CLS_B, 64, &out->o[0]);
    out->op = CF__PTX_OP_MOV;
    out->bits = 64;
    out->o[1] = cf__ptx_fn_const(f, 0, r->line);
    return rc ? rc : out->o[1] == UINT32_MAX ? f->diag->rc : 0;
  }
  if (IS("brkpt")) {        /* no debugger: a no-op, as without one */
    out->op = CF__PTX_OP_NOP;
    return cf__ptx_dec_nops(&d, 0, 0);
  }
  if (IS("prefetch") || IS("prefetchu")) {   /* a cache hint: nothing */
    out->op = CF__PTX_OP_NOP;
    rc = cf__ptx_dec_nops(&d, 1, 1);
    if (rc == 0 && copy.op[0].kind != CF__PTX_OK_ADDR)
      return cf__ptx_dec_bad(&d, "expected an address");
    return rc;
  }
  if (IS("bar"))
    return cf__ptx_dec_bar(&d, 0);
  if (IS("barrier"))
    return cf__ptx_dec_bar(&d, 1);
  if (IS("shfl"))
    return cf__ptx_dec_shfl(&d);
  if (IS("vote"))
    return cf__ptx_dec_vote(&d);
  if (IS("activemask")) {
    out->op = CF__PTX_OP_ACTMASK;
    rc = cf__ptx_dec_nops(&d, 1, 1);
    return rc ? rc : cf__ptx_dec_dst(&d, 0, CF__PTX_CLS_B, 32, &out->o[0]);
  }
  if (IS("popc"))
    return cf__ptx_dec_bits(&d, CF__PTX_OP_POPC);
  if (IS("clz"))
    return cf__ptx_dec_bits(&d, CF__PTX_OP_CLZ);
  if (IS("brev"))
    return cf__ptx_dec_bits(&d, CF__PTX_OP_BREV);
  if (IS("bfe"))
    return cf__ptx_dec_bits(&d, CF__PTX_OP_BFE_U);
  if (IS("bfi"))
    return cf__ptx_dec_bits(&d, CF__PTX_OP_BFI);
  if (IS("lop3"))
    return cf__ptx_dec_lop3(&d);
  if (IS("prmt"))
    return cf__ptx_dec_bits(&d, CF__PTX_OP_PRMT);
  if (IS("addc") || IS("subc"))
    return cf__ptx_dec_carry(&d, IS("subc"), 1);
  if (IS("madc"))
    return cf__ptx_dec_madc(&d);
  if (IS("bfind"))
    return cf__ptx_dec_bfind(&d);
  if (IS("shf"))
    return cf__ptx_dec_shf(&d);
  if (IS("sad"))
    return cf__ptx_dec_sad(&d);
  if (IS("copysign"))
    return cf__ptx_dec_copysign(&d);
  if (IS("rcp"))
    return cf__ptx_dec_fmath(&d, CF__PTX_OP_RCP_F32, CF__PTX_OP_RCP_F64);
  if (IS("sqrt"))
    return cf__ptx_dec_fmath(&d, CF__PTX_OP_SQRT_F32, CF__PTX_OP_SQRT_F64);
  if (IS("rsqrt"))
    return cf__ptx_dec_fmath(&d, CF__PTX_OP_RSQRT_F32, CF__PTX_OP_RSQRT_F64);
  if (IS("ex2"))
    return cf__ptx_dec_fmath(&d, CF__PTX_OP_EX2_F32, -1);
  if (IS("lg2"))
    return cf__ptx_dec_fmath(&d, CF__PTX_OP_LG2_F32, -1);
  if (IS("sin"))
    return cf__ptx_dec_fmath(&d, CF__PTX_OP_SIN_F32, -1);
  if (IS("cos"))
    return cf__ptx_dec_fmath(&d, CF__PTX_OP_COS_F32, -1);
  if (IS("tanh"))
    return cf__ptx_dec_fmath(&d, CF__PTX_OP_TANH_F32, -1);
#undef IS
  return cf__ptx_dec_unsup(&d);
}
