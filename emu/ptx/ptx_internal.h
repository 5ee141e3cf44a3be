/* Cross-file declarations of the PTX front end and interpreter, grouped by
 * subsystem: limits, decoded form (the instruction format is described in
 * ptx_ops.h), lexer, parser/decoder, memory, execution. Nothing here is seen
 * outside emu/ptx/; the driver layer uses ptx.h only. */
#ifndef CF_PTX_INTERNAL_H
#define CF_PTX_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ptx.h"
#include "ptx_ops.h"

/* ---- Limits: every count the PTX text controls is capped before use. --- */
#define CF__PTX_MAX_TEXT      (256u << 20) /* bytes of PTX text */
#define CF__PTX_MAX_INSNS     (1u << 20)   /* instructions per function */
#define CF__PTX_MAX_SLOTS     (1u << 20)   /* register-file slots per kernel */
#define CF__PTX_MAX_PARAMS    4096u
#define CF__PTX_MAX_PARAM_BYTES 32764u     /* CUDA's kernel parameter limit */
#define CF__PTX_MAX_SHARED    (1u << 20)   /* static .shared per kernel */
#define CF__PTX_MAX_LOCAL     (512u << 10) /* .local per thread */
#define CF__PTX_MAX_VAR       (1ull << 32) /* one module .global/.const */
#define CF__PTX_MAX_DEPTH     64           /* nesting of { } and init lists */
#define CF__PTX_MAX_NAME      1024         /* identifier length */
#define CF__PTX_MAX_BLOCK_THREADS 1024u
#define CF__PTX_MAX_REGFILE   (512ull << 20) /* bytes of registers per block */
#define CF__PTX_MAX_BACK_BRANCHES (1ull << 34) /* per block: a hang guard;
                                                  calls count too */
#define CF__PTX_MAX_CALL_DEPTH 1024u       /* frames per thread above the kernel */
#define CF__PTX_MAX_STACK     (64ull << 20) /* call frames per block context */
#define CF__PTX_MAX_FUNCS     65536u
#define CF__PTX_MAX_CARGS     4096u        /* arguments of one call or function */
/* "Addresses" of functions (mov.u64 %rd, fname), for indirect calls: never
 * mapped memory, so a load or store through one faults like any wild
 * pointer. */
#define CF__PTX_FUNC_WINDOW   0xFF00000300000000ull

/* ---- Decoded form ---- */
/* PARAM is the kernel's parameter buffer (read-only); FPARAM is the .param
 * area of the running call frame (function parameters and return values,
 * and the param0/retval0 of call sequences): per thread, read-write. */
enum cf__ptx_space {
  CF__PTX_SP_GENERIC = 0, CF__PTX_SP_GLOBAL, CF__PTX_SP_SHARED,
  CF__PTX_SP_LOCAL, CF__PTX_SP_PARAM, CF__PTX_SP_CONST, CF__PTX_SP_FPARAM
};

/* Generic-address windows (also in ptx.h for the driver layer): a generic
 * address in [WIN, WIN + CF__PTX_WIN_SIZE) is space-relative offset
 * (address - WIN) in that space; anything else is global. */
#define CF__PTX_WIN_SIZE   CF_PTX_WINDOW_SIZE

enum cf__ptx_cmp {
  CF__PTX_CMP_EQ, CF__PTX_CMP_NE, CF__PTX_CMP_LT, CF__PTX_CMP_LE,
  CF__PTX_CMP_GT, CF__PTX_CMP_GE,
  CF__PTX_CMP_EQU, CF__PTX_CMP_NEU, CF__PTX_CMP_LTU, CF__PTX_CMP_LEU,
  CF__PTX_CMP_GTU, CF__PTX_CMP_GEU, CF__PTX_CMP_NUM, CF__PTX_CMP_NAN
};
enum cf__ptx_comb { CF__PTX_COMB_NONE, CF__PTX_COMB_AND, CF__PTX_COMB_OR,
                    CF__PTX_COMB_XOR };

/* Rounding: float ops use RN..RP; cvt to integer and cvt.f.f to integral
 * values use RNI..RPI. */
enum cf__ptx_rnd {
  CF__PTX_RND_RN = 0, CF__PTX_RND_RZ, CF__PTX_RND_RM, CF__PTX_RND_RP,
  CF__PTX_RND_RNI, CF__PTX_RND_RZI, CF__PTX_RND_RMI, CF__PTX_RND_RPI,
  CF__PTX_RND_NONE
};

enum cf__ptx_atom {
  CF__PTX_ATOM_ADD, CF__PTX_ATOM_MIN, CF__PTX_ATOM_MAX, CF__PTX_ATOM_EXCH,
  CF__PTX_ATOM_CAS, CF__PTX_ATOM_AND, CF__PTX_ATOM_OR, CF__PTX_ATOM_XOR,
  CF__PTX_ATOM_INC, CF__PTX_ATOM_DEC
};
enum cf__ptx_shfl { CF__PTX_SHFL_UP, CF__PTX_SHFL_DOWN, CF__PTX_SHFL_BFLY,
                    CF__PTX_SHFL_IDX };
enum cf__ptx_vote { CF__PTX_VOTE_ALL, CF__PTX_VOTE_ANY, CF__PTX_VOTE_UNI,
                    CF__PTX_VOTE_BALLOT };
enum cf__ptx_bred { CF__PTX_BRED_POPC, CF__PTX_BRED_AND, CF__PTX_BRED_OR };
enum cf__ptx_testp { CF__PTX_TESTP_FINITE, CF__PTX_TESTP_INFINITE,
                     CF__PTX_TESTP_NUMBER, CF__PTX_TESTP_NAN,
                     CF__PTX_TESTP_NORMAL, CF__PTX_TESTP_SUBNORMAL };
/* redux.sync operations (sub of REDUX). */
enum cf__ptx_redux { CF__PTX_REDUX_ADD, CF__PTX_REDUX_MIN, CF__PTX_REDUX_MAX,
                     CF__PTX_REDUX_AND, CF__PTX_REDUX_OR, CF__PTX_REDUX_XOR };

/* Number classes (for cvt's source and destination). */
enum cf__ptx_cls { CF__PTX_CLS_U, CF__PTX_CLS_S, CF__PTX_CLS_F,
                   CF__PTX_CLS_B, CF__PTX_CLS_PRED,
                   CF__PTX_CLS_CONST, /* slot only: read-only */
                   CF__PTX_CLS_H,     /* .f16 (16 bits), .f16x2 (32) */
                   CF__PTX_CLS_BF };  /* .bf16 (16 bits), .bf16x2 (32) */

#define CF__PTX_F_SAT     0x01u
#define CF__PTX_F_FTZ     0x02u
#define CF__PTX_F_SIGNED  0x04u  /* ld: sign-extend; cvt: signed source */
#define CF__PTX_F_FLOAT   0x08u  /* atom: float operation */
#define CF__PTX_F_BACK    0x10u  /* bra: target <= pc (hang guard counts) */
#define CF__PTX_F_NODST   0x20u  /* red: no destination */
#define CF__PTX_F_NEGC    0x40u  /* setp/bar.red/vote: negate the pred source */
#define CF__PTX_F_NAN     0x80u  /* min/max.NaN: a NaN operand gives NaN */
/* xflags, for half-precision ops (H_*, CVT_H): */
#define CF__PTX_X_RELU    0x01u  /* .relu: negative -> +0, NaN -> canonical */
#define CF__PTX_X_SATFIN  0x02u  /* .satfinite: clamp to the largest finite */
/* carry ops (ADDC, MADC) in sub: */
#define CF__PTX_C_SUB     0x01u  /* subtract (borrow) */
#define CF__PTX_C_IN      0x02u  /* add the carry in (addc, subc, madc) */
#define CF__PTX_C_OUT     0x04u  /* write the carry out (.cc) */
#define CF__PTX_C_HI      0x08u  /* madc: high half of the product */

/* Slots of the per-thread register file: fixed slots, then the special
 * registers (filled per thread at launch), then constants (immediates and
 * symbol addresses, from the kernel's template), then declared registers
 * (zero at thread start). */
#define CF__PTX_SLOT_TRUE 0u  /* always 1: the guard of unguarded insns */
#define CF__PTX_SLOT_SINK 1u  /* written by red and the `_` operand */
#define CF__PTX_SLOT_CC   2u  /* carry flag of add.cc/addc and kin */
#define CF__PTX_SREGS(X)                                                     \
  X(TID_X, "%tid.x") X(TID_Y, "%tid.y") X(TID_Z, "%tid.z")                   \
  X(NTID_X, "%ntid.x") X(NTID_Y, "%ntid.y") X(NTID_Z, "%ntid.z")             \
  X(CTAID_X, "%ctaid.x") X(CTAID_Y, "%ctaid.y") X(CTAID_Z, "%ctaid.z")       \
  X(NCTAID_X, "%nctaid.x") X(NCTAID_Y, "%nctaid.y") X(NCTAID_Z, "%nctaid.z") \
  X(LANEID, "%laneid") X(WARPID, "%warpid") X(NWARPID, "%nwarpid")           \
  X(SMID, "%smid") X(NSMID, "%nsmid") X(GRIDID, "%gridid")                   \
  X(LANEMASK_EQ, "%lanemask_eq") X(LANEMASK_LT, "%lanemask_lt")              \
  X(LANEMASK_LE, "%lanemask_le") X(LANEMASK_GT, "%lanemask_gt")              \
  X(LANEMASK_GE, "%lanemask_ge")                                             \
  X(DYN_SMEM, "%dynamic_smem_size") X(TOTAL_SMEM, "%total_smem_size")        \
  X(CL_CTAID_X, "%cluster_ctaid.x") X(CL_CTAID_Y, "%cluster_ctaid.y")        \
  X(CL_CTAID_Z, "%cluster_ctaid.z") X(CL_NCTAID_X, "%cluster_nctaid.x")      \
  X(CL_NCTAID_Y, "%cluster_nctaid.y") X(CL_NCTAID_Z, "%cluster_nctaid.z")    \
  X(CL_CTARANK, "%cluster_ctarank") X(CL_NCTARANK, "%cluster_nctarank")      \
  X(CLUSTERID_X, "%clusterid.x") X(CLUSTERID_Y, "%clusterid.y")              \
  X(CLUSTERID_Z, "%clusterid.z") X(NCLUSTERID_X, "%nclusterid.x")            \
  X(NCLUSTERID_Y, "%nclusterid.y") X(NCLUSTERID_Z, "%nclusterid.z")          \
  X(IS_EXPL_CLUSTER, "%is_explicit_cluster")
enum cf__ptx_sreg {
#define CF__PTX_SREG_ENUM_(n, s) CF__PTX_SR_##n,
  CF__PTX_SREGS(CF__PTX_SREG_ENUM_)
#undef CF__PTX_SREG_ENUM_
  CF__PTX_SR_COUNT_
};
#define CF__PTX_SLOT_SREG0 3u
#define CF__PTX_SLOT_CONST0 (CF__PTX_SLOT_SREG0 + CF__PTX_SR_COUNT_)

/* Dynamic special registers (SREG_DYN sub). */
enum cf__ptx_dsreg { CF__PTX_DS_CLOCK, CF__PTX_DS_CLOCK_HI,
                     CF__PTX_DS_CLOCK64, CF__PTX_DS_GLOBALTIMER,
                     CF__PTX_DS_GLOBALTIMER_LO, CF__PTX_DS_GLOBALTIMER_HI };

struct cf__ptx_insn {
  uint16_t op;
  uint8_t bits, bits2, sub, sub2, flags, space;
  uint8_t vec, gneg;
  uint16_t xflags;         /* CF__PTX_X_*: half-precision extras */
  uint32_t guard;
  uint32_t o[6];
  int64_t imm;
  uint32_t line;
};

/* A constant slot whose value is a module variable's bound address. */
struct cf__ptx_fixup {
  uint32_t slot;
  uint32_t var;
  uint64_t offset;
};

struct cf__ptx_param {
  uint64_t offset, size;
};

/* One argument or return value of a .func, or of a call site: a .param
 * variable (bytes at an offset of the frame's .param area) or, for the
 * .reg calling form, a register slot. */
struct cf__ptx_parg {
  uint32_t is_reg;
  uint32_t where;          /* byte offset, or slot */
  uint32_t size;           /* bytes (.reg: 8, the whole slot is copied) */
};

/* A call instruction's operands (CALL's imm indexes the caller's calls[]):
 * nret return values then narg arguments, at cargs[first...]. */
struct cf__ptx_callsite {
  uint32_t callee;         /* function index; UINT32_MAX: through o[1] */
  uint32_t nret, narg;
  uint32_t first;
  uint32_t line;
};

/* Texture and surface instructions (ptx_decode_tex.c, ptx_tex.c,
 * ptx_surf.c). Their operands are PTX vectors, up to 4 destinations or
 * sources, 4 coordinates, a LOD or two gradient vectors, a residency
 * predicate, and each vector may name any registers, so they do not fit
 * the 6 slots of o[]. The instruction keeps the handle in o[4] (like the
 * base of [addr]) and imm indexes the function's texops[], a side table
 * filled at decode time; the run loop reads the slots from there. */
enum cf__ptx_geo { CF__PTX_GEO_1D, CF__PTX_GEO_2D, CF__PTX_GEO_3D,
                   CF__PTX_GEO_A1D, CF__PTX_GEO_A2D, CF__PTX_GEO_CUBE,
                   CF__PTX_GEO_ACUBE };
/* tex (sub2): plain, .level, .grad */
enum cf__ptx_texmode { CF__PTX_TEX_PLAIN, CF__PTX_TEX_LEVEL, CF__PTX_TEX_GRAD };
/* suld/sust (sub2): what an out-of-range access does */
enum cf__ptx_suoob { CF__PTX_SU_TRAP, CF__PTX_SU_CLAMP, CF__PTX_SU_ZERO };
/* txq/suq (sub): the attribute */
enum cf__ptx_txq {
  CF__PTX_Q_WIDTH, CF__PTX_Q_HEIGHT, CF__PTX_Q_DEPTH, CF__PTX_Q_DATA_TYPE,
  CF__PTX_Q_ORDER, CF__PTX_Q_NORMALIZED, CF__PTX_Q_FILTER, CF__PTX_Q_ADDR0,
  CF__PTX_Q_ADDR1, CF__PTX_Q_ADDR2, CF__PTX_Q_LEVELS, CF__PTX_Q_ARRAY_SIZE,
  CF__PTX_Q_LAYOUT
};
struct cf__ptx_texop {
  uint32_t val[4];         /* tex tld4 suld: destinations; sust: sources */
  uint32_t coord[4];       /* in PTX order (a1d/a2d: the layer first) */
  uint32_t lod;            /* tex.level: the LOD */
  uint32_t grad[8];        /* tex.grad: dPdx[0..3], then dPdy[0..3] */
  uint32_t pred;           /* {d}|p: the residency predicate, or SINK */
};

/* Extern functions the interpreter provides itself. */
enum cf__ptx_builtin { CF__PTX_BI_NONE, CF__PTX_BI_VPRINTF,
                       CF__PTX_BI_ASSERTFAIL };

struct cf_ptx_kernel {
  char *name;
  struct cf_ptx_module *mod;
  int is_entry;
  struct cf__ptx_insn *code;   /* ncode entries; the last one is EXIT */
  uint32_t ncode;
  uint32_t nslots;             /* register-file size */
  uint32_t nregs;              /* declared registers */
  uint64_t *tmpl;              /* nslots initial values */
  struct cf__ptx_fixup *fix;
  uint32_t nfix;
  struct cf__ptx_param *params;
  uint32_t nparams;
  uint64_t param_bytes;
  uint32_t shared_bytes;       /* static, including module .shared used */
  uint32_t dyn_shared_offset;  /* where .extern .shared starts */
  uint32_t local_bytes;
  uint32_t maxntid, reqntid[3];
  /* .func: signature, nsret return values then nsarg arguments */
  int has_body;
  uint8_t builtin;             /* enum cf__ptx_builtin (extern, no body) */
  uint32_t index;              /* in the module's function table */
  struct cf__ptx_parg *sig;
  uint32_t nsret, nsarg;
  /* call sites of this function's CALL instructions */
  struct cf__ptx_callsite *calls;
  uint32_t ncalls;
  struct cf__ptx_parg *cargs;
  uint32_t ncargs;
  struct cf__ptx_texop *texops; /* operands of texture instructions */
  uint32_t ntexops;
  uint32_t fparam_bytes;       /* .param area of one frame */
  uint32_t local_align;        /* of the frame's .local area */
  uint32_t *lpatch;            /* .func: slots holding .local addresses, */
  uint32_t nlpatch;            /*   offset by the frame's base per call */
  uint32_t *dpatch;            /* .func: slots offset by the launched */
  uint32_t ndpatch;            /*   kernel's dynamic shared base */
  uint32_t decl_line;
};

/* Module-scope .shared declarations (each kernel lays out the ones it uses). */
struct cf__ptx_mshared {
  char *name;
  uint64_t size;
  uint32_t align;
  int is_extern;
};

struct cf__ptx_mvar {
  struct cf_ptx_var pub;       /* pub.name and pub.init point into here */
  uint64_t addr;
  int bound;
};

struct cf_ptx_module {
  struct cf_ptx_kernel *kernels;   /* .entry and .func (declared or defined) */
  uint32_t nkernels;
  struct cf__ptx_mvar *vars;
  uint32_t nvars;
  struct cf__ptx_mshared *mshared;
  uint32_t nmshared;
  uint32_t ptx_version, target_sm;
};

const char *cf__ptx_op_name(unsigned op);

/* ---- Lexer (ptx_lex.c) ---- */
enum cf__ptx_tk {
  CF__PTX_TK_EOF = 0,
  CF__PTX_TK_IDENT,     /* %r1, $L__BB0_1, ld.global.f32, %tid.x, name */
  CF__PTX_TK_DIR,       /* .reg, .entry, .b32 */
  CF__PTX_TK_NUM,       /* 12, 0x1f, 0f3F800000, 1.5 */
  CF__PTX_TK_STRING,    /* "..." */
  CF__PTX_TK_PUNCT      /* one of , ; : [ ] { } ( ) < > + - @ ! = | */
};
struct cf__ptx_tok {
  int kind;
  const char *s;
  uint32_t len;
  uint32_t line;
};
struct cf__ptx_lex {
  const char *p, *end;
  uint32_t line;
};
/* Next token into *t. Returns 0, or CF_EPROTO for a bad character, an
 * unterminated comment or string, or an over-long token (*t->line says
 * where). */
int cf__ptx_lex_next(struct cf__ptx_lex *lx, struct cf__ptx_tok *t);

/* A numeric literal, as written: integer (with the U suffix, or too large
 * for int64, meaning unsigned) or floating (hex-exact f32/f64 bits or a
 * decimal double). */
enum cf__ptx_numk { CF__PTX_NUM_INT, CF__PTX_NUM_F32, CF__PTX_NUM_F64,
                    CF__PTX_NUM_DBL };
struct cf__ptx_num {
  int kind;
  uint64_t bits;   /* INT: two's complement value; F32/F64: bit pattern */
  double d;        /* DBL */
};
/* Parse the whole token as a literal; negate applies a leading '-'.
 * Returns 0 or CF_EPROTO. */
int cf__ptx_num_parse(const struct cf__ptx_tok *t, int negate,
                      struct cf__ptx_num *out);

/* ---- Parser and decoder (ptx_parse*.c, ptx_decode*.c) ----
 * What the two halves share; each keeps the rest in its own private header
 * (ptx_parse.h, ptx_decode.h). */

/* The parser's error state: the first error wins. */
struct cf__ptx_diag {
  int rc;
  char *err;
  size_t errlen;
};
int cf__ptx_fail(struct cf__ptx_diag *d, int rc, uint32_t line,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Raw operand, as the parser reads it: names are resolved by the
 * function builder (struct cf__ptx_fn) into slots as they are parsed, so
 * scoped register names are handled where the scope is known. */
enum cf__ptx_ok {
  CF__PTX_OK_SLOT,     /* register, special register or sink: slot */
  CF__PTX_OK_IMM,      /* literal: num */
  CF__PTX_OK_SYM,      /* variable or parameter: sym index */
  CF__PTX_OK_LABEL,    /* label: label index */
  CF__PTX_OK_ADDR,     /* [base + off]: base is SLOT, SYM or none */
  CF__PTX_OK_VEC,      /* {a, b, ...}: vslot[]; {..}|%p: slot2 */
  CF__PTX_OK_TEX       /* [handle, {c...}]: base as ADDR, vslot[] coords */
};
struct cf__ptx_sym;
struct cf__ptx_opnd {
  int kind;
  int neg;                 /* !%p */
  uint32_t slot;           /* SLOT; ADDR with base_kind SLOT */
  uint32_t slot2;          /* %r|%p, {..}|%p: the predicate, or UINT32_MAX */
  int base_kind;           /* ADDR: CF__PTX_OK_SLOT, _SYM or _IMM (none) */
  uint32_t sym;            /* SYM; ADDR base */
  uint32_t label;
  int64_t off;             /* ADDR offset */
  struct cf__ptx_num num;
  uint32_t nvec;
  uint32_t vslot[4];
  int dsreg;               /* SLOT: 1 + CF__PTX_DS_* for %clock and kin */
  const char *name;        /* the identifier as written, for messages */
  uint32_t namelen;
};

#define CF__PTX_MAX_OPNDS 8
struct cf__ptx_raw {
  char opname[96];
  uint32_t line;
  uint32_t guard;          /* slot, or CF__PTX_SLOT_TRUE */
  int gneg;
  unsigned nop;
  struct cf__ptx_opnd op[CF__PTX_MAX_OPNDS];
};

/* Symbols a function can name: kernel params, module .global/.const,
 * .shared (kernel or module scope), .local. */
enum cf__ptx_symk { CF__PTX_SYM_PARAM, CF__PTX_SYM_VAR, CF__PTX_SYM_SHARED,
                    CF__PTX_SYM_LOCAL, CF__PTX_SYM_FPARAM, CF__PTX_SYM_FUNC };
struct cf__ptx_sym {
  int kind;
  int is_extern;           /* SHARED: dynamic .extern .shared */
  uint32_t index;          /* VAR: module var index; FUNC: function index */
  uint64_t offset;         /* PARAM/SHARED/LOCAL/FPARAM: space offset */
  uint64_t size;
};

/* Slot typing, for operand checks at decode time. */
struct cf__ptx_slotty {
  uint8_t cls;             /* CF__PTX_CLS_* of the declaration */
  uint8_t bits;
};

/* What the decoder needs from the function being built. */
struct cf__ptx_fn {
  struct cf__ptx_diag *diag;
  struct cf_ptx_kernel *k;
  struct cf__ptx_slotty *slotty;   /* per slot; consts have cls B */
  uint32_t nslots, capslots;
  uint64_t *vals;                  /* per slot initial value */
  struct cf__ptx_sym *syms;
  uint32_t nsyms;
  uint32_t *label_pc;              /* UINT32_MAX until defined */
  uint32_t nlabels;
  uint64_t *chash_v;               /* constant dedup: value -> slot */
  uint32_t *chash_s;
  uint32_t chash_cap, chash_n;
  uint32_t *dynpatch;              /* slots offset by the dynamic base */
  uint32_t ndyn, capdyn;
  uint32_t captexops;              /* room in k->texops */
};
/* A type name (".f32" without the dot): 1 and cls/bits when supported, 0
 * when not a type name, -1 for a type we do not implement (tf32, fp8...). */
int cf__ptx_type_from(const char *s, uint32_t n, uint8_t *cls, uint8_t *bits);
/* Constant slot holding value (deduplicated). Returns the slot or
 * UINT32_MAX with the diagnostic set (too many slots, no memory). */
uint32_t cf__ptx_fn_const(struct cf__ptx_fn *f, uint64_t value, uint32_t line);
/* Constant slot for a symbol's address in its own space (generic: the
 * generic address). Records a fixup for module variables. */
uint32_t cf__ptx_fn_symaddr(struct cf__ptx_fn *f, uint32_t sym, int64_t off,
                            int generic, uint32_t line);

/* Decode one parsed instruction into *out. Returns 0, CF_EPROTO or
 * CF_EUNSUP (diag set). */
int cf__ptx_decode(struct cf__ptx_fn *f, const struct cf__ptx_raw *r,
                   struct cf__ptx_insn *out);

int cf__ptx_parse_module(const char *text, size_t len,
                         struct cf_ptx_module *m, struct cf__ptx_diag *d);
void cf__ptx_kernel_clear(struct cf_ptx_kernel *k);

/* ---- Execution (ptx_exec.c, ptx_launch.c, ptx_mem.h) ---- */

enum cf__ptx_tstate { CF__PTX_T_RUN, CF__PTX_T_BAR, CF__PTX_T_ARRIVE,
                      CF__PTX_T_WARP, CF__PTX_T_EXIT };

/* A suspended caller (ptx_call.c): what ret restores. Register files and
 * .param areas of frames live in the thread's stack arena (stk), found by
 * word offsets because the arena may move when it grows. */
struct cf__ptx_frame {
  const struct cf_ptx_kernel *fn;  /* the caller */
  uint32_t pc;                     /* return address in fn */
  uint32_t site;                   /* fn->calls[site] */
  uint64_t reg_off;                /* caller registers; UINT64_MAX: r0 */
  uint64_t fparam_off;             /* caller .param area (words) */
  uint64_t stk_top;                /* arena words in use by the caller */
  uint64_t local_len;              /* caller's .local top (bytes) */
};

struct cf__ptx_thread {
  uint64_t *r;             /* register file of the running frame */
  uint8_t *local;          /* .local stack: local_len bytes in use */
  uint32_t pc;
  uint8_t state;
  uint8_t bar_id;
  uint16_t lane;
  uint32_t warp;
  uint32_t bar_count;      /* bar.sync b operand (0: all threads) */
  uint64_t wval;           /* collective: this thread's value or pred */
  uint32_t wb, wc;         /* shfl: lane/offset and clamp operands */
  uint32_t wmask;          /* warp collective: membermask */
  /* calls (ptx_call.c) */
  const struct cf_ptx_kernel *fn;  /* function running now */
  uint64_t *r0;            /* the kernel frame's registers */
  uint8_t *fparam;         /* .param area of the running frame */
  uint64_t fparam_len;
  uint64_t local_len, local_cap;
  uint64_t *stk;           /* arena: kernel .param area, then frames */
  uint64_t stk_cap, stk_top;       /* words */
  struct cf__ptx_frame *frames;
  uint32_t depth, cap_frames;
};

/* One worker's block context: what a running block sees. Owned by one
 * host thread at a time (ptx_launch.c). */
struct cf__ptx_block {
  const struct cf_ptx_kernel *k;
  const struct cf_ptx_launch *l;
  const uint8_t *params;
  uint64_t params_len;
  uint8_t *shared;
  uint64_t shared_len;     /* static + dynamic */
  uint64_t stack_bytes;    /* call-frame memory held by the threads */
  struct cf__ptx_thread *threads;
  uint32_t nthreads, nwarps;
  uint32_t *warp_live;     /* lanes not exited, per warp */
  uint32_t *warp_wait;     /* lanes waiting at a warp collective */
  uint64_t back_branches;
  uint64_t executed;       /* thread-instructions, over all its blocks */
  const struct cf_ptx_kernel *fn;  /* function of the faulting thread */
  struct cf__ptx_thread *ft;       /* the thread running (fault messages) */
  char msg[320];           /* fault message */
};

/* Run t until it exits, waits (barrier or warp collective) or faults.
 * Returns 0 (see t->state) or a CUresult fault code with b->msg set. */
int cf__ptx_exec(struct cf__ptx_block *b, struct cf__ptx_thread *t);

/* Fill b->msg for a fault of the running thread (b->ft, in function b->fn)
 * at instruction i: "kernel 'k' block (x,y,z) thread (x,y,z): <fmt> (line
 * N)"; returns code. */
int cf__ptx_fault(struct cf__ptx_block *b, const struct cf__ptx_insn *i,
                  int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* call / ret of thread t at instruction i (ptx_call.c): switch t to the
 * callee's frame (or run a builtin such as vprintf in place), or back to the
 * caller's. On return t->fn, t->r and t->pc say where to go on. Returns 0
 * or a CUresult fault code with b->msg set (call depth, stack memory, bad
 * indirect target, builtin faults). */
int cf__ptx_call(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                 const struct cf__ptx_insn *i, uint32_t ret_pc);
void cf__ptx_ret(struct cf__ptx_thread *t);
/* Reset t to the start of the kernel frame (each block): pops all frames,
 * zeroes the kernel's .local and .param areas. */
void cf__ptx_thread_reset(struct cf__ptx_block *b, struct cf__ptx_thread *t);
/* Allocate t's kernel frame (local and .param areas); 0 or -1. */
int cf__ptx_thread_init(struct cf__ptx_block *b, struct cf__ptx_thread *t);
void cf__ptx_thread_free(struct cf__ptx_thread *t);

/* vprintf(fmt, args) as CUDA's device printf (ptx_printf.c): formats into a
 * bounded buffer and writes it to stdout with one fwrite and fflush. Returns
 * 0 and *ret (the number of arguments consumed, as CUDA documents; -1 for a
 * NULL format), or 700 with b->msg set when fmt or args is unreadable. */
int cf__ptx_vprintf(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                    const struct cf__ptx_insn *i, uint64_t fmt, uint64_t args,
                    int32_t *ret);
/* __assertfail(msg, file, line, function, charsize): prints CUDA's
 * assertion line to stderr and returns 710 with b->msg set. */
int cf__ptx_assertfail(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                       const struct cf__ptx_insn *i, const uint64_t a[5]);

/* Half precision (ptx_half.c): .f16 and .bf16 values in the low 16 bits
 * of a register (two of them, low lane first, for .f16x2/.bf16x2). fmt is
 * CF__PTX_CLS_H or CF__PTX_CLS_BF. h2d is exact (NaN payloads kept);
 * d2h rounds x once, by rnd (CF__PTX_RND_RN..RP), to the nearest value of
 * fmt, with IEEE overflow and subnormals; NaN gives the canonical 0x7fff. */
double cf__ptx_h2d(uint32_t h, unsigned fmt);
uint32_t cf__ptx_d2h(double x, unsigned fmt, unsigned rnd);
/* H_ADD H_SUB H_MUL H_FMA H_MIN H_MAX H_NEG H_ABS H_EX2 H_TANH on every
 * lane of a, b, c, with the instruction's .ftz .sat .relu .NaN. */
uint64_t cf__ptx_harith(const struct cf__ptx_insn *i, uint64_t a, uint64_t b,
                        uint64_t c);
/* CVT_H: a conversion with a half-precision source or destination (or
 * both); b is the second source of cvt.f16x2.f32 (the low lane). */
uint64_t cf__ptx_hcvt(const struct cf__ptx_insn *i, uint64_t a, uint64_t b);

/* Texture and surface instructions of thread t (TEX TLD4 TXQ SUQ in
 * ptx_tex.c, SULD SUST in ptx_surf.c): resolve the handle in R[o[4]]
 * through mem->texture, then read or write texels through mem->map only.
 * Return 0, or a CUresult fault code with b->msg set: 700 for a dead or
 * forged handle, a texel outside map(), or a .trap surface access out of
 * range; 716 for a misaligned surface x; 719 for a descriptor we cannot
 * sample (bad format or sizes). b->fn must be t->fn (fault messages). */
int cf__ptx_tex_exec(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                     const struct cf__ptx_insn *i);
int cf__ptx_surf_exec(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                      const struct cf__ptx_insn *i);
/* Resolve R[o[4]] of i to *tx and check what sampling relies on (ptx_tex.c,
 * shared with ptx_surf.c). 0 or a fault code with b->msg set. */
int cf__ptx_tex_resolve(struct cf__ptx_block *b, const struct cf__ptx_insn *i,
                        uint64_t handle, int surface,
                        struct cf_ptx_texture *tx);
/* Bytes of one channel of CUarray_format fmt, or 0 when not supported. */
unsigned cf__ptx_tex_chan_bytes(uint32_t fmt);

/* Atomic read-modify-write of a 4- or 8-byte value at host address p (the
 * caller checked bounds and alignment): returns the old value. */
uint64_t cf__ptx_atomic(void *p, const struct cf__ptx_insn *i, uint64_t v,
                        uint64_t c);

#endif
