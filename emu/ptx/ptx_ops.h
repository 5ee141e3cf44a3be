/* The decoded instruction set of the PTX interpreter: one X-macro list that
 * produces the opcode enum and the trace names (ptx_decode.c), and whose
 * rows are the cases of the dispatch switch in ptx_exec.c.
 *
 * Instruction format (struct cf__ptx_insn in ptx_internal.h), fixed size:
 *   op      one of the CF__PTX_OP_* below
 *   bits    width of the instruction type in bits (8/16/32/64; 1 for .pred)
 *   bits2   second width: cvt source, mul.wide source, ld/st element width
 *   sub     sub-operation: compare (setp), atomic op, shfl/vote mode,
 *           rounding (cvt, float ops), special register (sreg)
 *   sub2    setp/set combine op (none/and/or/xor), cvt source class
 *   flags   CF__PTX_F_* (.sat .ftz .NaN, signed load, ...)
 *   space   state space of ld/st/atom (CF__PTX_SP_*); set: source class
 *           (CF__PTX_CLS_U, _S or _F)
 *   vec     element count of ld/st (1, 2, 4)
 *   guard   slot of the guard predicate (CF__PTX_SLOT_TRUE when none),
 *   gneg    1 for @!p
 *   o[6]    operand slots: o[0] destination, o[1..] sources, in PTX order.
 *           Every operand is a slot of the thread's 64-bit register file:
 *           declared registers, special registers, and immediates and
 *           symbol addresses (constant slots filled from the kernel's
 *           template), so the loop never branches on operand kind.
 *   imm     memory offset of [base+imm] (base is o[4] for ld, st and
 *           atom), branch target pc, cvta window delta, lop3 table,
 *           call site index (call)
 *   line    PTX source line, for fault messages
 *
 * Registers hold values in their low bits; the high bits of a slot are
 * unspecified, so every reader masks or extends to the width it needs
 * (that is why one ADD_I serves .u16, .s32 and .u64 alike). Predicates are
 * always exactly 0 or 1.
 *
 * Texture and surface ops keep their vector operands in the function's
 * texops[imm] side table (struct cf__ptx_texop in ptx_internal.h).
 *
 * Ops that can fault (ld, st, atom, call, texture and surface ops; div by
 * zero is not a fault in PTX) save
 * the pc and return a CUresult from the loop; see ptx_exec.c. */
#ifndef CF_PTX_OPS_H
#define CF_PTX_OPS_H

/* X(name, "trace name"): one line each, meaning after the comma. */
#define CF__PTX_OPS(X)                                                     \
  X(NOP,        "nop")         /* membar, fence, pragma: nothing */        \
  X(EXIT,       "exit")        /* ret/exit: the thread ends */             \
  X(BRA,        "bra")         /* pc = imm */                              \
  X(CALL,       "call")        /* push a frame: callsite imm (o1: target) */ \
  X(RET,        "ret")         /* .func: pop the frame, copy return values */ \
  X(TRAP,       "trap")        /* stop the launch: 719 (launch failed) */                  \
  X(BAR,        "bar.sync")    /* block barrier o[1]=id, o[2]=count */     \
  X(BAR_ARRIVE, "bar.arrive")  /* arrive at barrier, do not wait */        \
  X(BAR_RED,    "bar.red")     /* barrier + reduce pred o[3] (sub) */      \
  X(BAR_WARP,   "bar.warp.sync") /* warp sync point, mask o[1] */          \
  X(SHFL,       "shfl.sync")   /* o0|o5 = shfl(o1, lane o2, c o3, mask o4) */ \
  X(VOTE,       "vote.sync")   /* o0 = vote(pred o1, mask o2) */           \
  X(ACTMASK,    "activemask")  /* o0 = lanes arriving together */           \
  X(MATCH,      "match.sync")  /* o0[|o5] = lanes of mask o2 with o1 equal */ \
  X(REDUX,      "redux.sync")  /* o0 = reduce sub of o1 over mask o2 */    \
  X(MOV,        "mov")         /* o0 = o1 */                               \
  X(PACK,       "mov.pack")    /* o0 = {o1,o2[,o3,o4]} of bits2 each */    \
  X(UNPACK,     "mov.unpack")  /* {o0..o[vec-1]} = o4 split in bits2 */    \
  X(SELP,       "selp")        /* o0 = o3 ? o1 : o2 */                     \
  X(SLCT,       "slct")        /* o0 = o3 >= 0 ? o1 : o2 (sub: o3 float) */ \
  X(SET,        "set")         /* o0 = cmp(o1,o2) comb o3 as all-ones/1.0 */ \
  X(TESTP,      "testp")       /* o0 = class sub of float o1 */            \
  X(MAD24,      "mad24")       /* o0 = 24x24-bit o1*o2 (.lo/.hi) + o3 */   \
  X(SREG_DYN,   "mov.sreg")    /* o0 = clock-like special register sub */  \
  X(ADD_I,      "add.int")     /* o0 = o1 + o2 */                          \
  X(SUB_I,      "sub.int")     /* o0 = o1 - o2 */                          \
  X(ADDSUB_SAT, "add.sat.s32") /* o0 = sat(o1 +/- o2), sub=1 for sub */    \
  X(MUL_LO,     "mul.lo")      /* o0 = o1 * o2 (low bits) */               \
  X(MUL_HI_U,   "mul.hi.u")    /* high half, unsigned */                   \
  X(MUL_HI_S,   "mul.hi.s")    /* high half, signed */                     \
  X(MUL_WIDE_U, "mul.wide.u")  /* 2*bits2 product of unsigned bits2 */     \
  X(MUL_WIDE_S, "mul.wide.s")  /* 2*bits2 product of signed bits2 */       \
  X(MAD_LO,     "mad.lo")      /* o0 = o1 * o2 + o3 */                     \
  X(MAD_HI_U,   "mad.hi.u")                                                \
  X(MAD_HI_S,   "mad.hi.s")                                                \
  X(MAD_WIDE_U, "mad.wide.u")                                              \
  X(MAD_WIDE_S, "mad.wide.s")                                              \
  X(DIV_U,      "div.u")       /* x/0 gives all ones, like hardware */     \
  X(DIV_S,      "div.s")                                                   \
  X(REM_U,      "rem.u")                                                   \
  X(REM_S,      "rem.s")                                                   \
  X(ABS_I,      "abs.s")                                                   \
  X(NEG_I,      "neg.s")                                                   \
  X(MIN_U,      "min.u")                                                   \
  X(MIN_S,      "min.s")                                                   \
  X(MAX_U,      "max.u")                                                   \
  X(MAX_S,      "max.s")                                                   \
  X(AND,        "and")         /* also .pred: 0/1 stay 0/1 */              \
  X(OR,         "or")                                                      \
  X(XOR,        "xor")                                                     \
  X(NOT,        "not")                                                     \
  X(NOT_PRED,   "not.pred")                                                \
  X(CNOT,       "cnot")        /* o0 = (o1 == 0) */                        \
  X(SHL,        "shl")         /* shift >= bits gives 0 */                 \
  X(SHR_U,      "shr.u")                                                   \
  X(SHR_S,      "shr.s")       /* shift >= bits gives the sign */          \
  X(POPC,       "popc")                                                    \
  X(CLZ,        "clz")                                                     \
  X(BREV,       "brev")                                                    \
  X(BFE_U,      "bfe.u")       /* o1 field at pos o2, len o3 */            \
  X(BFE_S,      "bfe.s")                                                   \
  X(BFI,        "bfi")         /* insert o1 into o2 at pos o3, len o4 */   \
  X(BFIND_U,    "bfind.u")     /* msb position (sub: .shiftamt) */         \
  X(BFIND_S,    "bfind.s")                                                 \
  X(SHF_L,      "shf.l")       /* funnel shift o2:o1 by o3 (sub: clamp) */ \
  X(SHF_R,      "shf.r")                                                   \
  X(SAD_U,      "sad.u")       /* o0 = o3 + |o1 - o2| */                   \
  X(SAD_S,      "sad.s")                                                   \
  X(ADDC,       "addc")        /* add/sub with carry flags in sub */       \
  X(MADC,       "madc")        /* mad.lo/hi with carry flags in sub */     \
  X(LOP3,       "lop3")        /* truth table imm over o1 o2 o3 */         \
  X(PRMT,       "prmt")        /* byte permute o1:o2 by selector o3 */     \
  X(ADD_F32,    "add.f32")                                                 \
  X(SUB_F32,    "sub.f32")                                                 \
  X(MUL_F32,    "mul.f32")                                                 \
  X(FMA_F32,    "fma.f32")     /* fused: o1*o2+o3 rounded once */          \
  X(DIV_F32,    "div.f32")                                                 \
  X(COPYSIGN_F32, "copysign.f32") /* |o2| with the sign of o1 */         \
  X(ABS_F32,    "abs.f32")                                                 \
  X(NEG_F32,    "neg.f32")                                                 \
  X(MIN_F32,    "min.f32")     /* NaN operand: the other one */            \
  X(MAX_F32,    "max.f32")                                                 \
  X(RCP_F32,    "rcp.f32")                                                 \
  X(SQRT_F32,   "sqrt.f32")                                                \
  X(RSQRT_F32,  "rsqrt.f32")                                               \
  X(EX2_F32,    "ex2.f32")                                                 \
  X(LG2_F32,    "lg2.f32")                                                 \
  X(SIN_F32,    "sin.f32")                                                 \
  X(COS_F32,    "cos.f32")                                                 \
  X(TANH_F32,   "tanh.f32")                                                \
  X(ADD_F64,    "add.f64")                                                 \
  X(SUB_F64,    "sub.f64")                                                 \
  X(MUL_F64,    "mul.f64")                                                 \
  X(FMA_F64,    "fma.f64")                                                 \
  X(DIV_F64,    "div.f64")                                                 \
  X(COPYSIGN_F64, "copysign.f64")                                         \
  X(ABS_F64,    "abs.f64")                                                 \
  X(NEG_F64,    "neg.f64")                                                 \
  X(MIN_F64,    "min.f64")                                                 \
  X(MAX_F64,    "max.f64")                                                 \
  X(RCP_F64,    "rcp.f64")                                                 \
  X(SQRT_F64,   "sqrt.f64")                                                \
  X(RSQRT_F64,  "rsqrt.f64")                                               \
  X(SETP_U,     "setp.u")      /* o0[|o5] = cmp(o1,o2) comb o3 */          \
  X(SETP_S,     "setp.s")                                                  \
  X(SETP_F32,   "setp.f32")                                                \
  X(SETP_F64,   "setp.f64")                                                \
  X(CVT_II,     "cvt.int.int") /* extend bits2 -> bits, .sat */            \
  X(CVT_IF,     "cvt.f.int")   /* int bits2 (signed: flags) -> float */    \
  X(CVT_FI,     "cvt.int.f")   /* float bits2 -> int, saturating */        \
  X(CVT_FF,     "cvt.f.f")     /* f32/f64 -> f32/f64, integer rounding */  \
  X(CVT_H,      "cvt.half")    /* to/from f16/bf16[x2]: sub rnd, sub2 dst */ \
                               /*   class, space src class (x2: o2 low) */ \
  X(H_ADD,      "add.half")    /* f16/bf16[x2] (sub2: CLS_H/_BF; bits 32: */ \
  X(H_SUB,      "sub.half")    /*   two lanes), computed exactly and */   \
  X(H_MUL,      "mul.half")    /*   rounded once by sub */               \
  X(H_FMA,      "fma.half")                                                \
  X(H_MIN,      "min.half")                                                \
  X(H_MAX,      "max.half")                                                \
  X(H_NEG,      "neg.half")                                                \
  X(H_ABS,      "abs.half")                                                \
  X(H_EX2,      "ex2.half")    /* ex2.approx.f16[x2] */                    \
  X(H_TANH,     "tanh.half")   /* tanh.approx.{f16,bf16}[x2] */            \
  X(H_SETP,     "setp.half")   /* as SETP_F32; x2: o0 low lane, o5 high */ \
  X(H_SET,      "set.half")    /* per lane: 1.0 (bits2 1: f16, 2: bf16) */ \
                               /*   or all ones (bits2 0) */               \
  X(CVTA,       "cvta")        /* o0 = o1 + imm (window shift) */          \
  X(LD,         "ld")          /* o0..o[vec-1] = space[o4 + imm] */        \
  X(ST,         "st")          /* space[o4 + imm] = o0..o[vec-1] */        \
  X(ATOM,       "atom")        /* o0 = atomic sub at space[o4+imm], o1 o2 */ \
  X(CP_ASYNC,   "cp.async")    /* shared[o4+imm] = bits2 bytes of global */ \
                               /*   [o2+o3], the first o1 of them (rest 0) */ \
  X(TEX,        "tex")         /* texops[imm].val = sample handle o4 at */ \
                               /*   coord: sub geometry, sub2 mode, space */ \
                               /*   dst class, bits2 coord class */        \
  X(TLD4,       "tld4")        /* gather component sub2 of 4 texels */    \
  X(TXQ,        "txq")         /* o0 = attribute sub of texture o4 */      \
                               /*   (sub2 1: .level, of level o1) */       \
  X(SUQ,        "suq")         /* o0 = attribute sub of surface o4 */      \
  X(SULD,       "suld.b")      /* val = vec x bits at coord of surface */  \
                               /*   o4: sub geometry, sub2 out of range */ \
  X(SUST,       "sust.b")      /* the store of SULD */

enum cf__ptx_op {
#define CF__PTX_OP_ENUM_(name, str) CF__PTX_OP_##name,
  CF__PTX_OPS(CF__PTX_OP_ENUM_)
#undef CF__PTX_OP_ENUM_
  CF__PTX_OP_COUNT_
};

#endif
