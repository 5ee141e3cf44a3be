/* Half-precision arithmetic of the interpreter: .f16 (IEEE binary16) and
 * .bf16 (bfloat16), scalar and packed x2, for the H_* and CVT_H ops.
 *
 * Every value widens exactly to double. Results are computed exactly or
 * rounded to odd in double (round toward zero, then set the last bit when
 * the result was inexact), and then rounded once to the half format by
 * cf__ptx_d2h: with 53 bits against the format's 11 or 8, rounding to odd
 * first and then to the format equals one correct rounding of the exact
 * result (the classic round-to-odd argument), so fma and bf16 add with a
 * wide exponent gap round once, as the hardware does. f16 add, sub and mul
 * and bf16 mul are exact in double and skip the rounding-mode change.
 * No global state; the rounding mode is restored before returning. */
#include <fenv.h>
#include <math.h>
#include <string.h>

#include "ptx_internal.h"

#define CANON_NAN 0x7fffu

struct hfmt {
  int mant;     /* fraction bits */
  int emin;     /* exponent of the smallest normal */
  int emax;     /* exponent of the largest finite */
  int bias;
};
static const struct hfmt F16 = {10, -14, 15, 15};
static const struct hfmt BF16 = {7, -126, 127, 127};

static double dbits(uint64_t v) {
  double d;
  memcpy(&d, &v, 8);
  return d;
}
static uint64_t bitsd(double d) {
  uint64_t v;
  memcpy(&v, &d, 8);
  return v;
}

double cf__ptx_h2d(uint32_t h, unsigned fmt) {
  h &= 0xffffu;
  const struct hfmt *f = fmt == CF__PTX_CLS_BF ? &BF16 : &F16;
  uint32_t sign = h >> 15;
  uint32_t e = (h >> f->mant) & ((1u << (15 - f->mant)) - 1);
  uint32_t m = h & ((1u << f->mant) - 1);
  uint32_t emask = (1u << (15 - f->mant)) - 1;
  double x;
  if (e == emask) {
    if (m == 0)
      x = INFINITY;
    else   /* keep the payload, as a widening conversion does */
      x = dbits(0x7ff0000000000000ull | ((uint64_t)m << (52 - f->mant)) |
                (1ull << 51));
  } else if (e == 0) {
    x = ldexp((double)m, f->emin - f->mant);
  } else {
    x = ldexp((double)(m | (1u << f->mant)), (int)e - f->bias - f->mant);
  }
  return sign ? -x : x;
}

uint32_t cf__ptx_d2h(double x, unsigned fmt, unsigned rnd) {
  const struct hfmt *f = fmt == CF__PTX_CLS_BF ? &BF16 : &F16;
  if (isnan(x))
    return CANON_NAN;
  uint32_t sign = signbit(x) ? 0x8000u : 0;
  uint32_t inf = ((1u << (15 - f->mant)) - 1) << f->mant;
  uint32_t maxf = inf - 1;
  double ax = fabs(x);
  if (isinf(ax))
    return sign | inf;
  if (ax == 0)
    return sign;
  int e;
  frexp(ax, &e);          /* ax in [2^(e-1), 2^e) */
  int E = e - 1;
  int qe = (E < f->emin ? f->emin : E) - f->mant;   /* quantum 2^qe */
  double n = ldexp(ax, -qe);                         /* exact */
  double fl = floor(n), fr = n - fl;
  int up;
  switch (rnd) {
  case CF__PTX_RND_RZ: up = 0; break;
  case CF__PTX_RND_RM: up = sign && fr != 0; break;
  case CF__PTX_RND_RP: up = !sign && fr != 0; break;
  default: up = fr > 0.5 || (fr == 0.5 && fmod(fl, 2.0) != 0); break;
  }
  uint64_t N = (uint64_t)fl + (uint64_t)up;
  /* N * 2^qe: subnormal when qe is the floor and N < 2^mant */
  if (E < f->emin) {
    /* N <= 2^mant: N == 2^mant encodes the smallest normal */
    return sign | (uint32_t)N;
  }
  if (N == (2ull << f->mant)) {
    N >>= 1;
    E++;
  }
  if (E > f->emax) {
    int to_inf = rnd == CF__PTX_RND_RN || (rnd == CF__PTX_RND_RM && sign) ||
                 (rnd == CF__PTX_RND_RP && !sign);
    return sign | (to_inf ? inf : maxf);
  }
  return sign | ((uint32_t)(E + f->bias) << f->mant) |
         (uint32_t)(N - (1ull << f->mant));
}

/* a op b (op: 0 add, 1 sub, 3 fma with c) rounded to odd in double. */
static double rto(int op, double a, double b, double c) {
  int old = fegetround();
  fesetround(FE_TOWARDZERO);
  feclearexcept(FE_INEXACT);
  volatile double va = a, vb = b, vc = c, r;
  switch (op) {
  case 0: r = va + vb; break;
  case 1: r = va - vb; break;
  default: r = fma(va, vb, vc); break;
  }
  double x = r;
  int inexact = fetestexcept(FE_INEXACT) != 0;
  fesetround(old);
  if (inexact && isfinite(x))
    x = dbits(bitsd(x) | 1);
  return x;
}

static int is_sub16(uint32_t h, unsigned fmt) {
  uint32_t mant = fmt == CF__PTX_CLS_BF ? 7 : 10;
  uint32_t ex = (h >> mant) & ((1u << (15 - mant)) - 1);
  return ex == 0 && (h & ((1u << mant) - 1)) != 0;
}
static uint32_t ftz16(uint32_t h, unsigned fmt) {
  return is_sub16(h, fmt) ? h & 0x8000u : h;
}
static int nan16(uint32_t h, unsigned fmt) {
  uint32_t mant = fmt == CF__PTX_CLS_BF ? 7 : 10;
  uint32_t emask = (1u << (15 - mant)) - 1;
  return ((h >> mant) & emask) == emask && (h & ((1u << mant) - 1)) != 0;
}

/* .relu / .sat on a rounded result. */
static uint32_t post(const struct cf__ptx_insn *i, uint32_t h, unsigned fmt) {
  if (i->flags & CF__PTX_F_FTZ)
    h = ftz16(h, fmt);
  if (i->xflags & CF__PTX_X_RELU) {
    if (nan16(h, fmt))
      return CANON_NAN;
    if (h & 0x8000u)
      return 0;
  }
  if (i->flags & CF__PTX_F_SAT) {
    if (nan16(h, fmt) || (h & 0x8000u))
      return 0;
    if (cf__ptx_h2d(h, fmt) > 1.0)
      return fmt == CF__PTX_CLS_BF ? 0x3f80u : 0x3c00u;
  }
  return h;
}

static uint32_t minmax16(const struct cf__ptx_insn *i, uint32_t a, uint32_t b,
                         unsigned fmt, int max) {
  int na = nan16(a, fmt), nb = nan16(b, fmt);
  if (na || nb) {
    if ((i->flags & CF__PTX_F_NAN) || (na && nb))
      return CANON_NAN;
    return na ? b : a;
  }
  double x = cf__ptx_h2d(a, fmt), y = cf__ptx_h2d(b, fmt);
  if (x == y)   /* -0 orders below +0 */
    return (((a & 0x8000u) != 0) == !max) ? a : b;
  return (max ? x > y : x < y) ? a : b;
}

static uint32_t lane(const struct cf__ptx_insn *i, uint32_t a, uint32_t b,
                     uint32_t c) {
  unsigned fmt = i->sub2;
  if (i->flags & CF__PTX_F_FTZ) {
    a = ftz16(a, fmt);
    b = ftz16(b, fmt);
    c = ftz16(c, fmt);
  }
  double x = cf__ptx_h2d(a, fmt), y = cf__ptx_h2d(b, fmt), r;
  int exact = fmt == CF__PTX_CLS_H;
  switch (i->op) {
  case CF__PTX_OP_H_ADD: r = exact ? x + y : rto(0, x, y, 0); break;
  case CF__PTX_OP_H_SUB: r = exact ? x - y : rto(1, x, y, 0); break;
  case CF__PTX_OP_H_MUL: r = x * y; break;
  case CF__PTX_OP_H_FMA: r = rto(3, x, y, cf__ptx_h2d(c, fmt)); break;
  case CF__PTX_OP_H_EX2: r = exp2(x); break;
  case CF__PTX_OP_H_TANH: r = tanh(x); break;
  case CF__PTX_OP_H_MIN: return post(i, minmax16(i, a, b, fmt, 0), fmt);
  case CF__PTX_OP_H_MAX: return post(i, minmax16(i, a, b, fmt, 1), fmt);
  case CF__PTX_OP_H_NEG: return a ^ 0x8000u;
  default: return a & 0x7fffu;   /* H_ABS */
  }
  return post(i, cf__ptx_d2h(r, fmt, i->sub), fmt);
}

uint64_t cf__ptx_harith(const struct cf__ptx_insn *i, uint64_t a, uint64_t b,
                        uint64_t c) {
  uint64_t r = lane(i, (uint32_t)a & 0xffffu, (uint32_t)b & 0xffffu,
                    (uint32_t)c & 0xffffu);
  if (i->bits == 32)
    r |= (uint64_t)lane(i, (uint32_t)(a >> 16) & 0xffffu,
                        (uint32_t)(b >> 16) & 0xffffu,
                        (uint32_t)(c >> 16) & 0xffffu) << 16;
  return r;
}

/* An integer source as a double rounded to odd (exact below 2^53). */
static double int_odd(uint64_t v, int neg) {
  double r;
  if (v < (1ull << 53)) {
    r = (double)v;
  } else {
    int len = 64 - __builtin_clzll(v), sh = len - 53;
    uint64_t hi = v >> sh;
    if (v & ((1ull << sh) - 1))
      hi |= 1;
    r = ldexp((double)hi, sh);
  }
  return neg ? -r : r;
}

static double src_value(const struct cf__ptx_insn *i, uint64_t a) {
  unsigned sb = i->bits2;
  switch (i->space) {
  case CF__PTX_CLS_U:
    return int_odd(sb >= 64 ? a : a & ((1ull << sb) - 1), 0);
  case CF__PTX_CLS_S: {
    int64_t v = sb >= 64 ? (int64_t)a : (int64_t)(a << (64 - sb)) >> (64 - sb);
    return v < 0 ? int_odd(0 - (uint64_t)v, 1) : int_odd((uint64_t)v, 0);
  }
  case CF__PTX_CLS_F:
    if (sb == 32) {
      uint32_t u = (uint32_t)a;
      float f;
      memcpy(&f, &u, 4);
      if ((i->flags & CF__PTX_F_FTZ) && fpclassify(f) == FP_SUBNORMAL)
        f = copysignf(0.0f, f);
      return f;
    }
    return dbits(a);
  default: {
    uint32_t h = (uint32_t)a & 0xffffu;
    if (i->flags & CF__PTX_F_FTZ)
      h = ftz16(h, i->space);
    return cf__ptx_h2d(h, i->space);
  }
  }
}

/* double -> half of the destination format, with cvt's modifiers. */
static uint32_t to_half(const struct cf__ptx_insn *i, double x) {
  unsigned fmt = i->sub2, rnd = i->sub;
  switch (rnd) {   /* cvt.rni.f16.f16 and kin: round to an integer */
  case CF__PTX_RND_RNI: x = nearbyint(x); rnd = CF__PTX_RND_RN; break;
  case CF__PTX_RND_RZI: x = trunc(x); rnd = CF__PTX_RND_RN; break;
  case CF__PTX_RND_RMI: x = floor(x); rnd = CF__PTX_RND_RN; break;
  case CF__PTX_RND_RPI: x = ceil(x); rnd = CF__PTX_RND_RN; break;
  case CF__PTX_RND_NONE: rnd = CF__PTX_RND_RN; break;
  default: break;
  }
  uint32_t h = cf__ptx_d2h(x, fmt, rnd);
  if ((i->xflags & CF__PTX_X_SATFIN) && !nan16(h, fmt) &&
      (h & 0x7fffu) == (fmt == CF__PTX_CLS_BF ? 0x7f80u : 0x7c00u))
    h = (h & 0x8000u) | (fmt == CF__PTX_CLS_BF ? 0x7f7fu : 0x7bffu);
  return post(i, h, fmt);
}

static uint64_t to_int(const struct cf__ptx_insn *i, double x) {
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
    double lim = ldexp(1.0, (int)db - 1);
    if (x <= -lim)
      return db == 64 ? (uint64_t)INT64_MIN : (uint64_t)(-(int64_t)lim);
    if (x >= lim)
      return db == 64 ? (uint64_t)INT64_MAX : (uint64_t)lim - 1;
    return (uint64_t)(int64_t)x;
  }
  if (x <= 0)
    return 0;
  if (x >= ldexp(1.0, (int)db))
    return db == 64 ? ~0ull : (1ull << db) - 1;
  return (uint64_t)x;
}

uint64_t cf__ptx_hcvt(const struct cf__ptx_insn *i, uint64_t a, uint64_t b) {
  double x = src_value(i, a);
  switch (i->sub2) {
  case CF__PTX_CLS_H:
  case CF__PTX_CLS_BF:
    if (i->bits == 32)   /* cvt.f16x2.f32 d, a, b: a high, b low */
      return ((uint64_t)to_half(i, x) << 16) | to_half(i, src_value(i, b));
    return to_half(i, x);
  case CF__PTX_CLS_F: {
    switch (i->sub) {   /* cvt.rni.f32.f16 and kin */
    case CF__PTX_RND_RNI: x = nearbyint(x); break;
    case CF__PTX_RND_RZI: x = trunc(x); break;
    case CF__PTX_RND_RMI: x = floor(x); break;
    case CF__PTX_RND_RPI: x = ceil(x); break;
    default: break;
    }
    if (i->bits == 64)
      return bitsd(x);      /* exact from any half */
    float f = (float)x;     /* exact from any half */
    if ((i->flags & CF__PTX_F_SAT))
      f = isnan(f) ? 0.0f : f < 0 ? 0.0f : f > 1 ? 1.0f : f;
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
  }
  default:
    return to_int(i, x);
  }
}
