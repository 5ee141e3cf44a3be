/* The PTX run loop: executes one thread's decoded instructions until the
 * thread exits, waits at a barrier or warp collective, or faults. It never
 * sees text and trusts what the decoder validated (slot indices, branch
 * targets inside the code, operand classes); everything data-dependent
 * (addresses, alignment, shift counts, division by zero) is checked here.
 *
 * Dispatch is a switch behind FETCH/CASE/NEXT (Lua lvm.c style). Each
 * instruction first tests its guard: unguarded instructions use the slot
 * that always holds 1, so this is one load and compare. Ops that can fault
 * (ld, st, atom, trap, texture and surface ops, which run in ptx_tex.c and
 * ptx_surf.c, the hang guard on backward branches) save the pc and return
 * a CUresult; the others just fall to NEXT.
 *
 * Warp collectives (shfl, vote, bar.warp.sync) and block barriers do not
 * execute here: the thread records its operands, parks at the instruction
 * and returns; ptx_launch.c completes the collective when every live lane
 * named by the member mask has arrived (that is the .sync semantics of
 * sm_70+: shfl.sync waits for its member lanes), writes the results and
 * lets the threads go on. No -ffast-math: float ops must round like PTX.
 * Threads: a block context is used by one host thread at a time. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ptx_internal.h"
#include "ptx_mem.h"

static inline uint64_t zx(uint64_t v, unsigned bits) {
  return bits >= 64 ? v : v & ((1ull << bits) - 1);
}
static inline int64_t sx(uint64_t v, unsigned bits) {
  return bits >= 64 ? (int64_t)v
                    : (int64_t)(v << (64 - bits)) >> (64 - bits);
}
static inline float F(uint64_t v) {
  uint32_t u = (uint32_t)v;
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static inline uint64_t UF(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
static inline double D(uint64_t v) {
  double d;
  memcpy(&d, &v, 8);
  return d;
}
static inline uint64_t UD(double d) {
  uint64_t v;
  memcpy(&v, &d, 8);
  return v;
}

int cf__ptx_fault(struct cf__ptx_block *b, const struct cf__ptx_insn *i,
                  int code, const char *fmt, ...) {
  /* kernel 'k' [function 'f'] block (x,y,z) thread (x,y,z): what (line N) */
  char *m = b->msg;
  size_t cap = sizeof b->msg, n = 0;
  int w = snprintf(m, cap, "kernel '%s'", b->k->name);
  n = w > 0 ? (size_t)w : 0;
  if (n < cap && b->fn != NULL && b->fn != b->k) {
    w = snprintf(m + n, cap - n, " function '%s'", b->fn->name);
    n += w > 0 ? (size_t)w : 0;
  }
  const struct cf__ptx_thread *t = b->ft;
  if (n < cap && t != NULL) {
    const uint64_t *s = t->r + CF__PTX_SLOT_SREG0;
    w = snprintf(m + n, cap - n, " block (%u,%u,%u) thread (%u,%u,%u)",
                 (unsigned)s[CF__PTX_SR_CTAID_X], (unsigned)s[CF__PTX_SR_CTAID_Y],
                 (unsigned)s[CF__PTX_SR_CTAID_Z], (unsigned)s[CF__PTX_SR_TID_X],
                 (unsigned)s[CF__PTX_SR_TID_Y], (unsigned)s[CF__PTX_SR_TID_Z]);
    n += w > 0 ? (size_t)w : 0;
  }
  if (n < cap) {
    w = snprintf(m + n, cap - n, ": ");
    n += w > 0 ? (size_t)w : 0;
  }
  if (n < cap) {
    va_list ap;
    va_start(ap, fmt);
    w = vsnprintf(m + n, cap - n, fmt, ap);
    va_end(ap);
    n += w > 0 ? (size_t)w : 0;
  }
  if (n < cap)
    snprintf(m + n, cap - n, " (line %u)", (unsigned)i->line);
  return code;
}

static const char *space_name(unsigned sp) {
  switch (sp) {
  case CF__PTX_SP_GLOBAL: return "global ";
  case CF__PTX_SP_SHARED: return "shared ";
  case CF__PTX_SP_LOCAL: return "local ";
  case CF__PTX_SP_PARAM:
  case CF__PTX_SP_FPARAM: return "param ";
  case CF__PTX_SP_CONST: return "const ";
  default: return "";
  }
}

/* ---- float helpers: the slow paths for .ftz, .sat and directed rounding */

static const int fe_mode[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD,
                               FE_UPWARD};

static float ftz32(float x) {
  return fpclassify(x) == FP_SUBNORMAL ? copysignf(0.0f, x) : x;
}
static double ftz64(double x) {
  return fpclassify(x) == FP_SUBNORMAL ? copysign(0.0, x) : x;
}
/* .ftz on an op without a slow path: flush the input, then the result. */
#define FTZIN(i, x) ((i)->flags & CF__PTX_F_FTZ ? ftz32(x) : (x))
#define FTZOUT(i, x) ((i)->flags & CF__PTX_F_FTZ ? ftz32(x) : (x))
static float sat32(float x) {
  return isnan(x) ? 0.0f : x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
}
static double sat64(double x) {
  return isnan(x) ? 0.0 : x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
}

/* a op b (op: 0 add, 1 sub, 2 mul, 3 fma with c, 4 div, 5 sqrt, 6 rcp). */
static float f32_slow(const struct cf__ptx_insn *i, int op, float a, float b,
                      float c) {
  int ftz = (i->flags & CF__PTX_F_FTZ) != 0;
  if (ftz) {
    a = ftz32(a);
    b = ftz32(b);
    c = ftz32(c);
  }
  int old = fegetround();
  if (i->sub != CF__PTX_RND_RN)
    fesetround(fe_mode[i->sub & 3]);
  volatile float va = a, vb = b, vc = c;
  volatile float r;
  switch (op) {
  case 0: r = va + vb; break;
  case 1: r = va - vb; break;
  case 2: r = va * vb; break;
  case 3: r = fmaf(va, vb, vc); break;
  case 4: r = va / vb; break;
  case 5: r = sqrtf(va); break;
  default: r = 1.0f / va; break;
  }
  float x = r;
  if (i->sub != CF__PTX_RND_RN)
    fesetround(old);
  if (ftz)
    x = ftz32(x);
  if (i->flags & CF__PTX_F_SAT)
    x = sat32(x);
  return x;
}

static double f64_slow(const struct cf__ptx_insn *i, int op, double a,
                       double b, double c) {
  if (i->flags & CF__PTX_F_FTZ)     /* rcp/rsqrt.approx.ftz.f64 */
    a = ftz64(a);
  int old = fegetround();
  if (i->sub != CF__PTX_RND_RN)
    fesetround(fe_mode[i->sub & 3]);
  volatile double va = a, vb = b, vc = c;
  volatile double r;
  switch (op) {
  case 0: r = va + vb; break;
  case 1: r = va - vb; break;
  case 2: r = va * vb; break;
  case 3: r = fma(va, vb, vc); break;
  case 4: r = va / vb; break;
  case 5: r = sqrt(va); break;
  default: r = 1.0 / va; break;
  }
  double x = r;
  if (i->sub != CF__PTX_RND_RN)
    fesetround(old);
  if (i->flags & CF__PTX_F_FTZ)
    x = ftz64(x);
  if (i->flags & CF__PTX_F_SAT)
    x = sat64(x);
  return x;
}

/* min/max (max: 1): .ftz flushes, .NaN propagates a canonical NaN, and
 * -0 orders below +0 as PTX says. */
static float minmax32(const struct cf__ptx_insn *i, float x, float y, int max) {
  if (i->flags & CF__PTX_F_FTZ) {
    x = ftz32(x);
    y = ftz32(y);
  }
  if ((i->flags & CF__PTX_F_NAN) && (isnan(x) || isnan(y)))
    return F(0x7fffffffu);
  if (x == y && x == 0.0f)
    return (signbit(x) != 0) == !max ? x : y;
  return max ? fmaxf(x, y) : fminf(x, y);
}
static double minmax64(const struct cf__ptx_insn *i, double x, double y,
                       int max) {
  if ((i->flags & CF__PTX_F_NAN) && (isnan(x) || isnan(y)))
    return D(0x7fffffffffffffffull);
  if (x == y && x == 0.0)
    return (signbit(x) != 0) == !max ? x : y;
  return max ? fmax(x, y) : fmin(x, y);
}

static int testp(uint64_t v, unsigned bits, unsigned cls) {
  int c = bits == 32 ? fpclassify(F(v)) : fpclassify(D(v));
  switch (cls) {
  case CF__PTX_TESTP_FINITE: return c != FP_INFINITE && c != FP_NAN;
  case CF__PTX_TESTP_INFINITE: return c == FP_INFINITE;
  case CF__PTX_TESTP_NUMBER: return c != FP_NAN;
  case CF__PTX_TESTP_NAN: return c == FP_NAN;
  case CF__PTX_TESTP_NORMAL: return c == FP_NORMAL;
  default: return c == FP_SUBNORMAL;
  }
}

#define SLOW(i) ((i)->flags | (i)->sub)

static int fcmp(double a, double b, unsigned cmp) {
  int un = isnan(a) || isnan(b);
  switch (cmp) {
  case CF__PTX_CMP_EQ: return a == b;
  case CF__PTX_CMP_NE: return !un && a != b;
  case CF__PTX_CMP_LT: return a < b;
  case CF__PTX_CMP_LE: return a <= b;
  case CF__PTX_CMP_GT: return a > b;
  case CF__PTX_CMP_GE: return a >= b;
  case CF__PTX_CMP_EQU: return un || a == b;
  case CF__PTX_CMP_NEU: return a != b;
  case CF__PTX_CMP_LTU: return !(a >= b);
  case CF__PTX_CMP_LEU: return !(a > b);
  case CF__PTX_CMP_GTU: return !(a <= b);
  case CF__PTX_CMP_GEU: return !(a < b);
  case CF__PTX_CMP_NUM: return !un;
  default: return un;
  }
}

/* .ftz on the 16-bit lanes of a half register (fmt CLS_H or CLS_BF). */
static uint64_t hftz(uint64_t v, unsigned fmt, unsigned bits) {
  unsigned mant = fmt == CF__PTX_CLS_BF ? 7 : 10;
  uint64_t r = 0;
  for (unsigned k = 0; k < bits; k += 16) {
    uint32_t h = (uint32_t)(v >> k) & 0xffffu;
    if (((h >> mant) & ((1u << (15 - mant)) - 1)) == 0)
      h &= 0x8000u;
    r |= (uint64_t)h << k;
  }
  return r;
}

static int icmp_u(uint64_t a, uint64_t b, unsigned cmp) {
  switch (cmp) {
  case CF__PTX_CMP_EQ: return a == b;
  case CF__PTX_CMP_NE: return a != b;
  case CF__PTX_CMP_LT: return a < b;
  case CF__PTX_CMP_LE: return a <= b;
  case CF__PTX_CMP_GT: return a > b;
  default: return a >= b;
  }
}
static int icmp_s(int64_t a, int64_t b, unsigned cmp) {
  switch (cmp) {
  case CF__PTX_CMP_EQ: return a == b;
  case CF__PTX_CMP_NE: return a != b;
  case CF__PTX_CMP_LT: return a < b;
  case CF__PTX_CMP_LE: return a <= b;
  case CF__PTX_CMP_GT: return a > b;
  default: return a >= b;
  }
}

static uint64_t comb(unsigned op, int r, uint64_t c) {
  switch (op) {
  case CF__PTX_COMB_AND: return (uint64_t)r & c;
  case CF__PTX_COMB_OR: return (uint64_t)r | c;
  case CF__PTX_COMB_XOR: return (uint64_t)r ^ c;
  default: return (uint64_t)r;
  }
}

static uint64_t bfe(uint64_t a, unsigned bits, uint32_t pos, uint32_t len,
                    int sgn) {
  pos &= 0xff;
  len &= 0xff;
  uint64_t x = zx(a, bits), r = 0;
  unsigned l = 0;
  if (pos < bits && len > 0) {
    l = len < bits - pos ? len : bits - pos;
    r = x >> pos;
    if (l < 64)
      r &= (1ull << l) - 1;
  }
  if (sgn && len > 0) {
    unsigned top = pos + len - 1 < bits - 1 ? pos + len - 1 : bits - 1;
    if ((x >> top) & 1)
      r |= l >= 64 ? 0 : ~((1ull << l) - 1);
  }
  return r;
}

static uint64_t bfi(uint64_t a, uint64_t b, unsigned bits, uint32_t pos,
                    uint32_t len) {
  pos &= 0xff;
  len &= 0xff;
  if (pos >= bits || len == 0)
    return b;
  unsigned l = len < bits - pos ? len : bits - pos;
  uint64_t m = (l >= 64 ? ~0ull : (1ull << l) - 1) << pos;
  return (b & ~m) | ((a << pos) & m);
}

static uint64_t brev(uint64_t v, unsigned bits) {
  uint64_t r = 0;
  for (unsigned k = 0; k < bits; k++)
    r |= ((v >> k) & 1) << (bits - 1 - k);
  return r;
}

static uint32_t prmt(uint32_t a, uint32_t b, uint32_t c) {
  uint64_t t = ((uint64_t)b << 32) | a;
  uint32_t r = 0;
  for (unsigned n = 0; n < 4; n++) {
    unsigned sel = (c >> (4 * n)) & 0xf;
    uint32_t byte = (uint32_t)(t >> (8 * (sel & 7))) & 0xff;
    if (sel & 8)
      byte = (byte & 0x80) ? 0xff : 0;
    r |= byte << (8 * n);
  }
  return r;
}

static uint64_t lop3(uint64_t a, uint64_t b, uint64_t c, unsigned lut) {
  uint64_t r = 0;
  for (unsigned k = 0; k < 8; k++)
    if ((lut >> k) & 1)
      r |= ((k & 4) ? a : ~a) & ((k & 2) ? b : ~b) & ((k & 1) ? c : ~c);
  return r;
}

/* cvt float -> integer: round as sub says, saturate, NaN -> 0. */
static uint64_t cvt_fi(const struct cf__ptx_insn *i, double x) {
  if ((i->flags & CF__PTX_F_FTZ) && i->bits2 == 32 &&
      fpclassify((float)x) == FP_SUBNORMAL)
    x = 0;
  switch (i->sub) {
  case CF__PTX_RND_RNI: x = nearbyint(x); break;
  case CF__PTX_RND_RMI: x = floor(x); break;
  case CF__PTX_RND_RPI: x = ceil(x); break;
  default: x = trunc(x); break;
  }
  unsigned db = i->bits;
  if (isnan(x))
    return 0;
  if (i->sub2 == CF__PTX_CLS_S) {
    double lo = -ldexp(1.0, (int)db - 1), hi = ldexp(1.0, (int)db - 1);
    if (x <= lo)
      return (uint64_t)(int64_t)(db == 64 ? INT64_MIN : -(1ll << (db - 1)));
    if (x >= hi)
      return db == 64 ? (uint64_t)INT64_MAX : (1ull << (db - 1)) - 1;
    return (uint64_t)(int64_t)x;
  }
  if (x <= 0)
    return 0;
  if (x >= ldexp(1.0, (int)db))
    return db == 64 ? ~0ull : (1ull << db) - 1;
  return (uint64_t)x;
}

static uint64_t cvt_ii(const struct cf__ptx_insn *i, uint64_t a) {
  unsigned db = i->bits;
  int ssrc = (i->flags & CF__PTX_F_SIGNED) != 0;
  int sdst = i->sub2 == CF__PTX_CLS_S;
  if (i->flags & CF__PTX_F_SAT) {
    if (ssrc) {
      int64_t v = sx(a, i->bits2);
      int64_t hi = db == 64 ? INT64_MAX : (int64_t)((1ull << (db - 1)) - 1);
      if (sdst) {
        int64_t lo = -hi - 1;
        v = v < lo ? lo : v > hi ? hi : v;
        return (uint64_t)v;
      }
      uint64_t umax = db == 64 ? ~0ull : (1ull << db) - 1;
      return v < 0 ? 0 : (uint64_t)v > umax ? umax : (uint64_t)v;
    }
    uint64_t v = zx(a, i->bits2);
    uint64_t max = sdst ? (db == 64 ? (uint64_t)INT64_MAX : (1ull << (db - 1)) - 1)
                        : (db == 64 ? ~0ull : (1ull << db) - 1);
    return v > max ? max : v;
  }
  uint64_t v = ssrc ? (uint64_t)sx(a, i->bits2) : zx(a, i->bits2);
  return sdst ? (uint64_t)sx(v, db) : zx(v, db);
}

static double cvt_if(const struct cf__ptx_insn *i, uint64_t a, int f32) {
  int old = fegetround();
  if (i->sub != CF__PTX_RND_RN)
    fesetround(fe_mode[i->sub & 3]);
  volatile double r;
  if (i->flags & CF__PTX_F_SIGNED) {
    volatile int64_t v = sx(a, i->bits2);
    if (f32) {
      volatile float f = (float)v;
      r = f;
    } else {
      r = (double)v;
    }
  } else {
    volatile uint64_t v = zx(a, i->bits2);
    if (f32) {
      volatile float f = (float)v;
      r = f;
    } else {
      r = (double)v;
    }
  }
  double x = r;
  if (i->sub != CF__PTX_RND_RN)
    fesetround(old);
  return x;
}

static uint64_t cvt_ff(const struct cf__ptx_insn *i, uint64_t a) {
  double x = i->bits2 == 32 ? (double)F(a) : D(a);
  int ftz = (i->flags & CF__PTX_F_FTZ) != 0;
  if (ftz && i->bits2 == 32)
    x = ftz32((float)x);
  switch (i->sub) {
  case CF__PTX_RND_RNI: x = nearbyint(x); break;
  case CF__PTX_RND_RZI: x = trunc(x); break;
  case CF__PTX_RND_RMI: x = floor(x); break;
  case CF__PTX_RND_RPI: x = ceil(x); break;
  default: break;
  }
  if (i->bits == 64)
    return UD(i->flags & CF__PTX_F_SAT ? sat64(x) : x);
  float f;
  if (i->sub <= CF__PTX_RND_RP && i->sub != CF__PTX_RND_RN && i->bits2 == 64) {
    int old = fegetround();
    fesetround(fe_mode[i->sub]);
    volatile double vx = x;
    volatile float vf = (float)vx;
    f = vf;
    fesetround(old);
  } else {
    f = (float)x;
  }
  if (ftz)
    f = ftz32(f);
  if (i->flags & CF__PTX_F_SAT)
    f = sat32(f);
  return UF(f);
}

static uint64_t now_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t ld_elem(const uint8_t *p, unsigned bytes, int sgn) {
  switch (bytes) {
  case 1: { uint8_t v; memcpy(&v, p, 1); return sgn ? (uint64_t)(int8_t)v : v; }
  case 2: { uint16_t v; memcpy(&v, p, 2); return sgn ? (uint64_t)(int16_t)v : v; }
  case 4: { uint32_t v; memcpy(&v, p, 4); return sgn ? (uint64_t)(int32_t)v : v; }
  default: { uint64_t v; memcpy(&v, p, 8); return v; }
  }
}

#define FETCH()                                                              \
  i = &code[pc++];                                                          \
  ninsn++;                                                                  \
  if ((R[i->guard] & 1) == i->gneg)                                         \
    continue;                                                               \
  switch (i->op)
#define CASE(name) case CF__PTX_OP_##name:
#define NEXT() continue
#define A R[i->o[1]]
#define B R[i->o[2]]
#define C R[i->o[3]]
#define DST R[i->o[0]]
#define PARK(st, at)                                                         \
  do {                                                                      \
    b->executed += ninsn;                                                   \
    t->pc = (at);                                                           \
    t->state = (st);                                                        \
    return 0;                                                               \
  } while (0)
#define FAULT(code, ...)                                                     \
  do {                                                                      \
    b->executed += ninsn;                                                   \
    t->pc = pc - 1;                                                         \
    b->fn = t->fn;                                                          \
    return cf__ptx_fault(b, i, (code), __VA_ARGS__);                        \
  } while (0)

int cf__ptx_exec(struct cf__ptx_block *b, struct cf__ptx_thread *t) {
  const struct cf__ptx_insn *code = t->fn->code, *i;
  uint64_t *R = t->r;
  uint32_t pc = t->pc;
  uint64_t ninsn = 0;      /* added to b->executed on the way out */
  b->ft = t;
  for (;;) {
    FETCH() {
    CASE(NOP) NEXT();
    CASE(EXIT) PARK(CF__PTX_T_EXIT, pc - 1);
    CASE(BRA)
      if ((i->flags & CF__PTX_F_BACK) &&
          ++b->back_branches > CF__PTX_MAX_BACK_BRANCHES)
        FAULT(702, "too many loop iterations (hang guard)");
      pc = (uint32_t)i->imm;
      NEXT();
    CASE(TRAP) FAULT(719, "trap");
    CASE(CALL) {
      int rc = cf__ptx_call(b, t, i, pc);
      if (rc != 0) {
        b->executed += ninsn;
        t->pc = pc - 1;
        return rc;
      }
      code = t->fn->code;
      R = t->r;
      pc = t->pc;
      NEXT();
    }
    CASE(RET)
      if (t->depth == 0)
        PARK(CF__PTX_T_EXIT, pc - 1);
      cf__ptx_ret(t);
      code = t->fn->code;
      R = t->r;
      pc = t->pc;
      NEXT();
    CASE(BAR)
    CASE(BAR_RED)
      t->bar_id = (uint8_t)(zx(A, 32) & 15);
      t->bar_count = (uint32_t)B;
      t->wval = (C & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      PARK(CF__PTX_T_BAR, pc);
    CASE(BAR_ARRIVE)
      t->bar_id = (uint8_t)(zx(A, 32) & 15);
      t->bar_count = (uint32_t)B;
      PARK(CF__PTX_T_ARRIVE, pc);
    CASE(BAR_WARP)
      t->wmask = (uint32_t)A;
      PARK(CF__PTX_T_WARP, pc - 1);
    CASE(SHFL)
      t->wval = (uint32_t)A;
      t->wb = (uint32_t)B;
      t->wc = (uint32_t)C;
      t->wmask = (uint32_t)R[i->o[4]];
      PARK(CF__PTX_T_WARP, pc - 1);
    CASE(VOTE)
      t->wval = (A & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      t->wmask = (uint32_t)B;
      PARK(CF__PTX_T_WARP, pc - 1);
    CASE(MATCH)
    CASE(REDUX)
      t->wval = zx(A, i->bits);
      t->wmask = (uint32_t)B;
      PARK(CF__PTX_T_WARP, pc - 1);
    CASE(ACTMASK)     /* the lanes that reach it together: a collective */
      t->wmask = 0xffffffffu;
      PARK(CF__PTX_T_WARP, pc - 1);
    CASE(MOV) DST = A; NEXT();
    CASE(PACK) {
      uint64_t v = 0;
      for (unsigned k = 0; k < i->vec; k++)
        v |= zx(R[i->o[1 + k]], i->bits2) << (k * i->bits2);
      DST = v;
      NEXT();
    }
    CASE(UNPACK) {
      uint64_t v = R[i->o[4]];
      for (unsigned k = 0; k < i->vec; k++)
        R[i->o[k]] = zx(v >> (k * i->bits2), i->bits2);
      NEXT();
    }
    CASE(SELP) DST = (C & 1) ? A : B; NEXT();
    CASE(SREG_DYN) {
      uint64_t v;
      switch (i->sub) {
      case CF__PTX_DS_CLOCK: v = (uint32_t)now_ns(CLOCK_MONOTONIC); break;
      case CF__PTX_DS_CLOCK_HI: v = now_ns(CLOCK_MONOTONIC) >> 32; break;
      case CF__PTX_DS_CLOCK64: v = now_ns(CLOCK_MONOTONIC); break;
      case CF__PTX_DS_GLOBALTIMER_LO: v = (uint32_t)now_ns(CLOCK_REALTIME); break;
      case CF__PTX_DS_GLOBALTIMER_HI: v = now_ns(CLOCK_REALTIME) >> 32; break;
      default: v = now_ns(CLOCK_REALTIME); break;
      }
      DST = v;
      NEXT();
    }
    CASE(ADD_I) DST = A + B; NEXT();
    CASE(SUB_I) DST = A - B; NEXT();
    CASE(ADDSUB_SAT) {
      int64_t v = i->sub ? sx(A, 32) - sx(B, 32) : sx(A, 32) + sx(B, 32);
      v = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
      DST = (uint64_t)v;
      NEXT();
    }
    CASE(MUL_LO) DST = A * B; NEXT();
    CASE(MUL_HI_U)
    CASE(MAD_HI_U) {
      uint64_t v;
      if (i->bits == 64)
        v = (uint64_t)(((unsigned __int128)A * B) >> 64);
      else
        v = (zx(A, i->bits) * zx(B, i->bits)) >> i->bits;
      DST = i->op == CF__PTX_OP_MAD_HI_U ? v + C : v;
      NEXT();
    }
    CASE(MUL_HI_S)
    CASE(MAD_HI_S) {
      uint64_t v;
      if (i->bits == 64)
        v = (uint64_t)(((__int128)(int64_t)A * (int64_t)B) >> 64);
      else
        v = (uint64_t)((sx(A, i->bits) * sx(B, i->bits)) >> i->bits);
      DST = i->op == CF__PTX_OP_MAD_HI_S ? v + C : v;
      NEXT();
    }
    CASE(MUL_WIDE_U) DST = zx(A, i->bits2) * zx(B, i->bits2); NEXT();
    CASE(MUL_WIDE_S)
      DST = (uint64_t)(sx(A, i->bits2) * sx(B, i->bits2));
      NEXT();
    CASE(MAD_LO) DST = A * B + C; NEXT();
    CASE(MAD_WIDE_U) DST = zx(A, i->bits2) * zx(B, i->bits2) + C; NEXT();
    CASE(MAD_WIDE_S)
      DST = (uint64_t)(sx(A, i->bits2) * sx(B, i->bits2)) + C;
      NEXT();
    CASE(DIV_U) {
      uint64_t d = zx(B, i->bits);
      DST = d ? zx(A, i->bits) / d : ~0ull;
      NEXT();
    }
    CASE(REM_U) {
      uint64_t d = zx(B, i->bits);
      DST = d ? zx(A, i->bits) % d : A;
      NEXT();
    }
    CASE(DIV_S) {
      int64_t n = sx(A, i->bits), d = sx(B, i->bits);
      DST = d == 0 ? ~0ull : d == -1 ? 0 - (uint64_t)n : (uint64_t)(n / d);
      NEXT();
    }
    CASE(REM_S) {
      int64_t n = sx(A, i->bits), d = sx(B, i->bits);
      DST = d == 0 ? (uint64_t)n : d == -1 ? 0 : (uint64_t)(n % d);
      NEXT();
    }
    CASE(ABS_I) {
      int64_t v = sx(A, i->bits);
      DST = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
      NEXT();
    }
    CASE(NEG_I) DST = 0 - A; NEXT();
    CASE(MIN_U) DST = zx(A, i->bits) < zx(B, i->bits) ? A : B; NEXT();
    CASE(MAX_U) DST = zx(A, i->bits) > zx(B, i->bits) ? A : B; NEXT();
    CASE(MIN_S) DST = sx(A, i->bits) < sx(B, i->bits) ? A : B; NEXT();
    CASE(MAX_S) DST = sx(A, i->bits) > sx(B, i->bits) ? A : B; NEXT();
    CASE(AND) DST = A & B; NEXT();
    CASE(OR) DST = A | B; NEXT();
    CASE(XOR) DST = A ^ B; NEXT();
    CASE(NOT) DST = ~A; NEXT();
    CASE(NOT_PRED) DST = (A & 1) ^ 1; NEXT();
    CASE(CNOT) DST = zx(A, i->bits) == 0; NEXT();
    CASE(SHL) {
      uint32_t n = (uint32_t)B;
      DST = n >= i->bits ? 0 : A << n;
      NEXT();
    }
    CASE(SHR_U) {
      uint32_t n = (uint32_t)B;
      DST = n >= i->bits ? 0 : zx(A, i->bits) >> n;
      NEXT();
    }
    CASE(SHR_S) {
      uint32_t n = (uint32_t)B;
      DST = (uint64_t)(sx(A, i->bits) >> (n > 63 ? 63 : n));
      NEXT();
    }
    CASE(POPC) DST = (uint64_t)__builtin_popcountll(zx(A, i->bits)); NEXT();
    CASE(CLZ) {
      uint64_t v = zx(A, i->bits);
      DST = v == 0 ? i->bits : (uint64_t)__builtin_clzll(v) - (64 - i->bits);
      NEXT();
    }
    CASE(BREV) DST = brev(A, i->bits); NEXT();
    CASE(BFE_U) DST = bfe(A, i->bits, (uint32_t)B, (uint32_t)C, 0); NEXT();
    CASE(BFE_S) DST = bfe(A, i->bits, (uint32_t)B, (uint32_t)C, 1); NEXT();
    CASE(BFI)
      DST = bfi(A, B, i->bits, (uint32_t)C, (uint32_t)R[i->o[4]]);
      NEXT();
    CASE(BFIND_U)
    CASE(BFIND_S) {
      uint64_t v = zx(A, i->bits);
      if (i->op == CF__PTX_OP_BFIND_S && ((v >> (i->bits - 1)) & 1))
        v = zx(~v, i->bits);
      uint64_t pos = v == 0 ? 0xffffffffu : 63u - (unsigned)__builtin_clzll(v);
      DST = (i->sub && v != 0) ? i->bits - 1 - pos : pos;
      NEXT();
    }
    CASE(SHF_L)
    CASE(SHF_R) {
      uint32_t n = (uint32_t)C;
      n = i->sub ? (n > 32 ? 32 : n) : n & 31;
      uint64_t x = ((uint64_t)(uint32_t)B << 32) | (uint32_t)A;
      DST = i->op == CF__PTX_OP_SHF_L ? (uint32_t)((x << n) >> 32)
                                       : (uint32_t)(x >> n);
      NEXT();
    }
    CASE(SAD_U) {
      uint64_t x = zx(A, i->bits), y = zx(B, i->bits);
      DST = C + (x > y ? x - y : y - x);
      NEXT();
    }
    CASE(SAD_S) {
      int64_t x = sx(A, i->bits), y = sx(B, i->bits);
      DST = C + (x > y ? (uint64_t)x - (uint64_t)y : (uint64_t)y - (uint64_t)x);
      NEXT();
    }
    CASE(ADDC) {
      uint64_t x = zx(A, i->bits), y = zx(B, i->bits);
      uint64_t cin = (i->sub & CF__PTX_C_IN) ? (R[CF__PTX_SLOT_CC] & 1) : 0;
      unsigned __int128 r;
      uint64_t cout;
      if (i->sub & CF__PTX_C_SUB) {
        r = (unsigned __int128)x - y - cin;
        cout = (unsigned __int128)y + cin > x;          /* borrow */
      } else {
        r = (unsigned __int128)x + y + cin;
        cout = (uint64_t)(r >> i->bits) & 1;
      }
      DST = (uint64_t)r;
      if (i->sub & CF__PTX_C_OUT)
        R[CF__PTX_SLOT_CC] = cout;
      NEXT();
    }
    CASE(MADC) {
      unsigned __int128 p;
      if (i->flags & CF__PTX_F_SIGNED)
        p = (unsigned __int128)((__int128)sx(A, i->bits) * sx(B, i->bits));
      else
        p = (unsigned __int128)zx(A, i->bits) * zx(B, i->bits);
      uint64_t part = zx((uint64_t)((i->sub & CF__PTX_C_HI) ? p >> i->bits : p),
                         i->bits);
      uint64_t cin = (i->sub & CF__PTX_C_IN) ? (R[CF__PTX_SLOT_CC] & 1) : 0;
      unsigned __int128 r = (unsigned __int128)part + zx(C, i->bits) + cin;
      DST = (uint64_t)r;
      if (i->sub & CF__PTX_C_OUT)
        R[CF__PTX_SLOT_CC] = (uint64_t)(r >> i->bits) & 1;
      NEXT();
    }
    CASE(COPYSIGN_F32)
      DST = (B & 0x7fffffffu) | (A & 0x80000000u);
      NEXT();
    CASE(COPYSIGN_F64)
      DST = (B & 0x7fffffffffffffffull) | (A & 0x8000000000000000ull);
      NEXT();
    CASE(LOP3) DST = lop3(A, B, C, (unsigned)i->imm); NEXT();
    CASE(PRMT) DST = prmt((uint32_t)A, (uint32_t)B, (uint32_t)C); NEXT();
    CASE(ADD_F32)
      DST = UF(SLOW(i) ? f32_slow(i, 0, F(A), F(B), 0) : F(A) + F(B));
      NEXT();
    CASE(SUB_F32)
      DST = UF(SLOW(i) ? f32_slow(i, 1, F(A), F(B), 0) : F(A) - F(B));
      NEXT();
    CASE(MUL_F32)
      DST = UF(SLOW(i) ? f32_slow(i, 2, F(A), F(B), 0) : F(A) * F(B));
      NEXT();
    CASE(FMA_F32)
      DST = UF(SLOW(i) ? f32_slow(i, 3, F(A), F(B), F(C)) : fmaf(F(A), F(B), F(C)));
      NEXT();
    CASE(DIV_F32)
      DST = UF(SLOW(i) ? f32_slow(i, 4, F(A), F(B), 0) : F(A) / F(B));
      NEXT();
    CASE(SQRT_F32)
      DST = UF(SLOW(i) ? f32_slow(i, 5, F(A), 0, 0) : sqrtf(F(A)));
      NEXT();
    CASE(RCP_F32)
      DST = UF(SLOW(i) ? f32_slow(i, 6, F(A), 0, 0) : 1.0f / F(A));
      NEXT();
    CASE(ABS_F32) DST = UF(FTZIN(i, F(A))) & 0x7fffffffu; NEXT();
    CASE(NEG_F32) DST = (UF(FTZIN(i, F(A))) ^ 0x80000000u) & 0xffffffffu; NEXT();
    CASE(MIN_F32) DST = UF(minmax32(i, F(A), F(B), 0)); NEXT();
    CASE(MAX_F32) DST = UF(minmax32(i, F(A), F(B), 1)); NEXT();
    CASE(RSQRT_F32) DST = UF(FTZOUT(i, 1.0f / sqrtf(FTZIN(i, F(A))))); NEXT();
    CASE(EX2_F32) DST = UF(FTZOUT(i, exp2f(FTZIN(i, F(A))))); NEXT();
    CASE(LG2_F32) DST = UF(FTZOUT(i, log2f(FTZIN(i, F(A))))); NEXT();
    CASE(SIN_F32) DST = UF(FTZOUT(i, sinf(FTZIN(i, F(A))))); NEXT();
    CASE(COS_F32) DST = UF(FTZOUT(i, cosf(FTZIN(i, F(A))))); NEXT();
    CASE(TANH_F32) DST = UF(FTZOUT(i, tanhf(FTZIN(i, F(A))))); NEXT();
    CASE(ADD_F64)
      DST = UD(SLOW(i) ? f64_slow(i, 0, D(A), D(B), 0) : D(A) + D(B));
      NEXT();
    CASE(SUB_F64)
      DST = UD(SLOW(i) ? f64_slow(i, 1, D(A), D(B), 0) : D(A) - D(B));
      NEXT();
    CASE(MUL_F64)
      DST = UD(SLOW(i) ? f64_slow(i, 2, D(A), D(B), 0) : D(A) * D(B));
      NEXT();
    CASE(FMA_F64)
      DST = UD(SLOW(i) ? f64_slow(i, 3, D(A), D(B), D(C)) : fma(D(A), D(B), D(C)));
      NEXT();
    CASE(DIV_F64)
      DST = UD(SLOW(i) ? f64_slow(i, 4, D(A), D(B), 0) : D(A) / D(B));
      NEXT();
    CASE(SQRT_F64)
      DST = UD(SLOW(i) ? f64_slow(i, 5, D(A), 0, 0) : sqrt(D(A)));
      NEXT();
    CASE(RCP_F64)
      DST = UD(SLOW(i) ? f64_slow(i, 6, D(A), 0, 0) : 1.0 / D(A));
      NEXT();
    CASE(ABS_F64) DST = A & 0x7fffffffffffffffull; NEXT();
    CASE(NEG_F64) DST = A ^ 0x8000000000000000ull; NEXT();
    CASE(MIN_F64) DST = UD(minmax64(i, D(A), D(B), 0)); NEXT();
    CASE(MAX_F64) DST = UD(minmax64(i, D(A), D(B), 1)); NEXT();
    CASE(RSQRT_F64) {
      double x = i->flags & CF__PTX_F_FTZ ? ftz64(D(A)) : D(A);
      x = 1.0 / sqrt(x);
      DST = UD(i->flags & CF__PTX_F_FTZ ? ftz64(x) : x);
      NEXT();
    }
    CASE(SET) {
      int r;
      if (i->space == CF__PTX_CLS_U)
        r = icmp_u(zx(A, i->bits), zx(B, i->bits), i->sub);
      else if (i->space == CF__PTX_CLS_S)
        r = icmp_s(sx(A, i->bits), sx(B, i->bits), i->sub);
      else if (i->bits == 32)
        r = fcmp(FTZIN(i, F(A)), FTZIN(i, F(B)), i->sub);
      else
        r = fcmp(D(A), D(B), i->sub);
      uint64_t c = (C & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      r = (int)(comb(i->sub2, r, c) & 1);
      DST = i->bits2 ? (r ? 0x3f800000u : 0) : (r ? 0xffffffffu : 0);
      NEXT();
    }
    CASE(SLCT) {
      int ge = i->sub ? FTZIN(i, F(C)) >= 0.0f : (int32_t)C >= 0;
      DST = ge ? A : B;
      NEXT();
    }
    CASE(TESTP)
      DST = (uint64_t)testp(A, i->bits, i->sub);
      NEXT();
    CASE(MAD24) {
      int64_t p;
      if (i->flags & CF__PTX_F_SIGNED)
        p = sx(A, 24) * sx(B, 24);
      else
        p = (int64_t)(zx(A, 24) * zx(B, 24));
      uint32_t part = i->sub ? (uint32_t)((uint64_t)p >> 16) : (uint32_t)p;
      DST = (uint32_t)(part + (uint32_t)C);
      NEXT();
    }
    CASE(SETP_U) {
      int r = icmp_u(zx(A, i->bits), zx(B, i->bits), i->sub);
      uint64_t c = (C & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      DST = comb(i->sub2, r, c);
      R[i->o[5]] = comb(i->sub2, !r, c);
      NEXT();
    }
    CASE(SETP_S) {
      int r = icmp_s(sx(A, i->bits), sx(B, i->bits), i->sub);
      uint64_t c = (C & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      DST = comb(i->sub2, r, c);
      R[i->o[5]] = comb(i->sub2, !r, c);
      NEXT();
    }
    CASE(SETP_F32) {
      float x = F(A), y = F(B);
      if (i->flags & CF__PTX_F_FTZ) {
        x = ftz32(x);
        y = ftz32(y);
      }
      int r = fcmp(x, y, i->sub);
      uint64_t c = (C & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      DST = comb(i->sub2, r, c);
      R[i->o[5]] = comb(i->sub2, !r, c);
      NEXT();
    }
    CASE(SETP_F64) {
      int r = fcmp(D(A), D(B), i->sub);
      uint64_t c = (C & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      DST = comb(i->sub2, r, c);
      R[i->o[5]] = comb(i->sub2, !r, c);
      NEXT();
    }
    CASE(CVT_II) DST = cvt_ii(i, A); NEXT();
    CASE(CVT_IF) {
      double x = cvt_if(i, A, i->bits == 32);
      if (i->bits == 32) {
        float f = (float)x;
        if (i->flags & CF__PTX_F_SAT)
          f = sat32(f);
        DST = UF(f);
      } else {
        DST = UD(i->flags & CF__PTX_F_SAT ? sat64(x) : x);
      }
      NEXT();
    }
    CASE(CVT_FI)
      DST = cvt_fi(i, i->bits2 == 32 ? (double)F(A) : D(A));
      NEXT();
    CASE(CVT_FF) DST = cvt_ff(i, A); NEXT();
    CASE(CVT_H) DST = cf__ptx_hcvt(i, A, B); NEXT();
    CASE(H_ADD)
    CASE(H_SUB)
    CASE(H_MUL)
    CASE(H_FMA)
    CASE(H_MIN)
    CASE(H_MAX)
    CASE(H_NEG)
    CASE(H_ABS)
    CASE(H_EX2)
    CASE(H_TANH) DST = cf__ptx_harith(i, A, B, C); NEXT();
    CASE(H_SETP) {
      uint64_t x = A, y = B;
      if (i->flags & CF__PTX_F_FTZ) {
        x = hftz(x, i->space, i->bits);
        y = hftz(y, i->space, i->bits);
      }
      int r = fcmp(cf__ptx_h2d((uint32_t)x, i->space),
                   cf__ptx_h2d((uint32_t)y, i->space), i->sub);
      uint64_t c = (C & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      if (i->bits == 32) {
        int r1 = fcmp(cf__ptx_h2d((uint32_t)(x >> 16), i->space),
                      cf__ptx_h2d((uint32_t)(y >> 16), i->space), i->sub);
        DST = comb(i->sub2, r, c);
        R[i->o[5]] = comb(i->sub2, r1, c);
      } else {
        DST = comb(i->sub2, r, c);
        R[i->o[5]] = comb(i->sub2, !r, c);
      }
      NEXT();
    }
    CASE(H_SET) {
      uint64_t x = A, y = B, v = 0;
      if (i->flags & CF__PTX_F_FTZ) {
        x = hftz(x, i->space, i->bits);
        y = hftz(y, i->space, i->bits);
      }
      uint64_t c = (C & 1) ^ ((i->flags & CF__PTX_F_NEGC) != 0);
      uint64_t one = i->bits2 == 1 ? 0x3c00u : i->bits2 == 2 ? 0x3f80u
                   : i->bits == 16 ? 0xffffffffu : 0xffffu;
      for (unsigned k = 0; k < i->bits; k += 16) {
        int r = fcmp(cf__ptx_h2d((uint32_t)(x >> k), i->space),
                     cf__ptx_h2d((uint32_t)(y >> k), i->space), i->sub);
        if (comb(i->sub2, r, c) & 1)
          v |= one << k;
      }
      DST = v;
      NEXT();
    }
    CASE(CVTA) DST = A + (uint64_t)i->imm; NEXT();
    CASE(LD) {
      uint64_t addr = R[i->o[4]] + (uint64_t)i->imm;
      unsigned esz = i->bits / 8, n = i->vec, tot = esz * n;
      if (addr & (tot - 1))
        FAULT(716, "misaligned %u-byte %sload at 0x%llx", tot,
              space_name(i->space), (unsigned long long)addr);
      const uint8_t *p = cf__ptx_mem(b, t, i->space, addr, tot, 0);
      if (p == NULL)
        FAULT(700, "illegal address: %u-byte %sload at 0x%llx", tot,
              space_name(i->space), (unsigned long long)addr);
      int sgn = (i->flags & CF__PTX_F_SIGNED) != 0;
      if (n == 1) {
        DST = ld_elem(p, esz, sgn);
      } else {
        uint64_t v[4];
        for (unsigned k = 0; k < n; k++)
          v[k] = ld_elem(p + k * esz, esz, sgn);
        for (unsigned k = 0; k < n; k++)
          R[i->o[k]] = v[k];
      }
      NEXT();
    }
    CASE(ST) {
      uint64_t addr = R[i->o[4]] + (uint64_t)i->imm;
      unsigned esz = i->bits / 8, n = i->vec, tot = esz * n;
      if (addr & (tot - 1))
        FAULT(716, "misaligned %u-byte %sstore at 0x%llx", tot,
              space_name(i->space), (unsigned long long)addr);
      uint8_t *p = cf__ptx_mem(b, t, i->space, addr, tot, 1);
      if (p == NULL)
        FAULT(700, "illegal address: %u-byte %sstore at 0x%llx", tot,
              space_name(i->space), (unsigned long long)addr);
      for (unsigned k = 0; k < n; k++) {
        uint64_t v = R[i->o[k]];
        memcpy(p + k * esz, &v, esz);   /* little-endian host */
      }
      NEXT();
    }
    CASE(ATOM) {
      uint64_t addr = R[i->o[4]] + (uint64_t)i->imm;
      unsigned sz = i->bits / 8;
      if (addr & (sz - 1))
        FAULT(716, "misaligned %u-byte %satomic at 0x%llx", sz,
              space_name(i->space), (unsigned long long)addr);
      uint8_t *p = cf__ptx_mem(b, t, i->space, addr, sz, 1);
      if (p == NULL)
        FAULT(700, "illegal address: %u-byte %satomic at 0x%llx", sz,
              space_name(i->space), (unsigned long long)addr);
      if ((uintptr_t)p & (sz - 1))
        FAULT(716, "misaligned %u-byte %satomic at 0x%llx (host memory)", sz,
              space_name(i->space), (unsigned long long)addr);
      uint64_t old = cf__ptx_atomic(p, i, A, B);
      DST = (i->flags & CF__PTX_F_SIGNED) && i->bits == 32
                ? (uint64_t)sx(old, 32) : old;
      NEXT();
    }
    CASE(CP_ASYNC) {
      uint64_t dst = R[i->o[4]] + (uint64_t)i->imm;
      uint64_t src = R[i->o[2]] + R[i->o[3]];
      unsigned n = i->bits2;
      uint64_t ss = (uint32_t)R[i->o[1]];
      if (ss > n)
        ss = n;
      if ((dst | src) & (n - 1))
        FAULT(716, "misaligned %u-byte cp.async from 0x%llx to shared 0x%llx",
              n, (unsigned long long)src, (unsigned long long)dst);
      uint8_t *pd = cf__ptx_mem(b, t, CF__PTX_SP_SHARED, dst, n, 1);
      const uint8_t *ps = ss ? cf__ptx_mem(b, t, CF__PTX_SP_GLOBAL, src, ss, 0)
                             : pd;
      if (pd == NULL || ps == NULL)
        FAULT(700, "illegal address: %u-byte cp.async from 0x%llx to shared "
              "0x%llx", n, (unsigned long long)src, (unsigned long long)dst);
      memmove(pd, ps, (size_t)ss);
      memset(pd + ss, 0, n - (size_t)ss);
      NEXT();
    }
    CASE(TEX)
    CASE(TLD4)
    CASE(TXQ)
    CASE(SUQ)
    CASE(SULD)
    CASE(SUST) {
      b->fn = t->fn;
      int rc = i->op >= CF__PTX_OP_SULD ? cf__ptx_surf_exec(b, t, i)
                                        : cf__ptx_tex_exec(b, t, i);
      if (rc != 0) {
        b->executed += ninsn;
        t->pc = pc - 1;
        return rc;
      }
      NEXT();
    }
    default:
      FAULT(719, "bad opcode %u", (unsigned)i->op);
    }
  }
}
