/* Private to the PTX decoder (ptx_decode*.c); nothing else includes it,
 * which is why its tags and modifier constants go without the cf__ptx_
 * prefix. cf__ptx_decode (ptx_decode.c) splits the opcode name into its
 * base and dotted modifiers (struct mset), then hands the instruction to
 * the decoder of its family:
 *   ptx_decode_arith.c  add sub mul mad fma div rem min max abs neg, carry
 *                       chains, mul24/mad24, sad, copysign, float math
 *   ptx_decode_bits.c   logic, shifts, lop3, shf, bit counts and fields
 *   ptx_decode_cmp.c    setp set selp slct testp
 *   ptx_decode_cvt.c    mov cvt cvta
 *   ptx_decode_mem.c    addresses, ld ldu st, atom red
 *   ptx_decode_sync.c   barriers, shfl vote match redux
 *   ptx_decode_half.c   everything typed .f16 .f16x2 .bf16 .bf16x2
 *   ptx_decode_tex.c    tex tld4 txq suq suld sust
 * all of which check operands through ptx_decode_opnd.c.
 *
 * Every function here fills d->o and returns 0, or CF_EPROTO (malformed)
 * or CF_EUNSUP (not implemented) with the function's diagnostic set by
 * cf__ptx_fail; constants they need are slots of the function being built
 * (cf__ptx_fn_const), so CF_ENOMEM is possible too. */
#ifndef CF_PTX_DECODE_H
#define CF_PTX_DECODE_H

#include <stdint.h>

#include "cf_error.h"
#include "ptx_internal.h"

/* Modifier values: .lo .hi .wide, and flag bits (1 << FL_*). */
enum { SZ_LO = 1, SZ_HI, SZ_WIDE };
enum { FL_SAT = 1, FL_FTZ, FL_APPROX, FL_FULL, FL_UNI, FL_SYNC, FL_TO,
       FL_ARRIVE, FL_RED, FL_NC, FL_WARP, FL_CTA, FL_ALIGNED, FL_CC,
       FL_SHIFTAMT, FL_WRAP, FL_CLAMP, FL_L, FL_R, FL_NAN, FL_RELU,
       FL_SATFIN, FL_HINT };

/* The modifiers of one instruction: -1 where a kind is absent. Comparisons
 * ls/hs (and setp's lo/hi) are CF__PTX_CMP_* + 32 (unsigned); atom 100 is
 * .popc (bar.red). */
struct mset {
  uint8_t ntypes;
  uint8_t tcls[2], tbits[2];
  int cmp, rnd, boolop, atom, size, space, vec, shfl, vote, testp;
  uint32_t flags;        /* 1 << FL_* */
};
#define HAS(ms, f) (((ms)->flags >> (f)) & 1u)

/* One instruction being decoded: r is a copy the decoders may adjust. */
struct dec {
  struct cf__ptx_fn *f;
  const struct cf__ptx_raw *r;
  struct cf__ptx_insn *o;
  struct mset m;
  char base[24];
};

/* ---- Operands (ptx_decode_opnd.c) ---- */

/* .L2::cache_hint: check and drop the trailing 64-bit cache-policy operand
 * (the hint means nothing here). */
int cf__ptx_dec_drop_hint(struct dec *d);

/* Fail: the instruction is not implemented / is malformed (what says why). */
int cf__ptx_dec_unsup(struct dec *d);
int cf__ptx_dec_bad(struct dec *d, const char *what);
/* The operand count is in [lo, hi]. */
int cf__ptx_dec_nops(struct dec *d, unsigned lo, unsigned hi);
/* slot can be written (the sink always can), as a predicate or a value. */
int cf__ptx_dec_writable(struct dec *d, uint32_t slot, int want_pred);
/* A register matches the operand type (cls, bits); constants always do. */
int cf__ptx_dec_check_reg(struct dec *d, uint32_t slot, uint8_t cls,
                          uint8_t bits);
/* Operand i as a destination / source of type (cls, bits): its slot into
 * *out (a literal or symbol address becomes a constant slot). */
int cf__ptx_dec_dst(struct dec *d, unsigned i, uint8_t cls, uint8_t bits,
                    uint32_t *out);
int cf__ptx_dec_src(struct dec *d, unsigned i, uint8_t cls, uint8_t bits,
                    uint32_t *out);
/* Predicate source i; a '!' on it sets CF__PTX_F_NEGC. */
int cf__ptx_dec_psrc(struct dec *d, unsigned i, uint32_t *out);
/* The instruction's single type into *cls, *bits (and d->o->bits). */
int cf__ptx_dec_one_type(struct dec *d, uint8_t *cls, uint8_t *bits);
/* d, a[, b[, c]]: nsrc sources, all of one type, into o[0..nsrc]. */
int cf__ptx_dec_arith(struct dec *d, unsigned nsrc, uint8_t cls,
                      uint8_t bits);
/* .sat, .ftz and the float rounding (default .rn) into d->o. */
int cf__ptx_dec_fflags(struct dec *d);

/* ---- Arithmetic (ptx_decode_arith.c) ---- */

/* add.cc addc sub.cc subc (cin: the carry in). */
int cf__ptx_dec_carry(struct dec *d, int sub, int cin);
/* An op with integer and float forms; op_i < 0: float only. */
int cf__ptx_dec_int_or_float(struct dec *d, int op_i, int op_f32, int op_f64,
                             unsigned nsrc);
/* An op whose integer form depends on signedness; -1: no such form. */
int cf__ptx_dec_signed(struct dec *d, int op_u, int op_s, int op_f32,
                       int op_f64, unsigned nsrc);
int cf__ptx_dec_minmax(struct dec *d, int mx);
int cf__ptx_dec_mul_mad(struct dec *d, int mad);
int cf__ptx_dec_madc(struct dec *d);
int cf__ptx_dec_mad24(struct dec *d, int mad);
int cf__ptx_dec_sad(struct dec *d);
int cf__ptx_dec_copysign(struct dec *d);
/* A float function with an f32 form and, when op64 >= 0, an f64 form. */
int cf__ptx_dec_fmath(struct dec *d, int op32, int op64);

/* ---- Logic and bits (ptx_decode_bits.c) ---- */

int cf__ptx_dec_logic(struct dec *d, int op, unsigned nsrc);
int cf__ptx_dec_shift(struct dec *d, int left);
int cf__ptx_dec_lop3(struct dec *d);
int cf__ptx_dec_shf(struct dec *d);
/* popc clz brev bfe bfi prmt, by decoded op. */
int cf__ptx_dec_bits(struct dec *d, int op);
int cf__ptx_dec_bfind(struct dec *d);

/* ---- Comparison and selection (ptx_decode_cmp.c) ---- */

/* setp, with its lo/hi spellings. */
int cf__ptx_dec_setp_lohi(struct dec *d);
int cf__ptx_dec_set(struct dec *d);
int cf__ptx_dec_selp(struct dec *d);
int cf__ptx_dec_slct(struct dec *d);
int cf__ptx_dec_testp(struct dec *d);

/* ---- Moves and conversions (ptx_decode_cvt.c) ---- */

int cf__ptx_dec_mov(struct dec *d);
int cf__ptx_dec_cvt(struct dec *d);
int cf__ptx_dec_cvta(struct dec *d);

/* ---- Memory (ptx_decode_mem.c) ---- */

int cf__ptx_dec_ldst(struct dec *d, int st);
/* atom, or red (no destination). */
int cf__ptx_dec_atom(struct dec *d, int red);
/* cp.async and its group waits (the whole opcode name is read here). */
int cf__ptx_dec_cpasync(struct dec *d);

/* ---- Half precision (ptx_decode_half.c) ---- */

/* An instruction with a half type. ld/ldu/st/mov/selp: the half types
 * become .b of the same width in d->m and *moved is 1 (decode it as
 * usual); the rest is decoded here. */
int cf__ptx_dec_half(struct dec *d, int *moved);

/* ---- Textures and surfaces (ptx_decode_tex.c) ---- */

/* tex tld4 txq suq suld sust: the whole opcode name is read there. */
int cf__ptx_dec_tex(struct dec *d);

/* ---- Barriers and warp collectives (ptx_decode_sync.c) ---- */

/* bar (barrier: the barrier spelling, which needs .sync or .arrive). */
int cf__ptx_dec_bar(struct dec *d, int barrier);
int cf__ptx_dec_shfl(struct dec *d);
int cf__ptx_dec_vote(struct dec *d);
int cf__ptx_dec_match(struct dec *d);
int cf__ptx_dec_redux(struct dec *d);

#endif
