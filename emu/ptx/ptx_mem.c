/* Atomic memory operations of the interpreter (atom, red). Blocks may run
 * on several host threads at once, so every global atomic is a real atomic
 * operation on the mapped host memory (__atomic builtins; compare-and-swap
 * loops for the ones with no builtin: float add, min/max, inc/dec). Shared
 * memory belongs to one block and one host thread, but goes through the
 * same code. Bounds and alignment were checked by the caller through
 * cf__ptx_mem (ptx_mem.h). Plain loads and stores to global memory are
 * memcpy's: a race between blocks is the program's own data race, as on a
 * GPU. */
#include <string.h>

#include "ptx_internal.h"

#define RLX __ATOMIC_RELAXED

static uint64_t apply(const struct cf__ptx_insn *i, uint64_t old, uint64_t v,
                      int *store) {
  unsigned bits = i->bits;
  uint64_t mask = bits == 64 ? ~0ull : 0xffffffffull;
  int sgn = (i->flags & CF__PTX_F_SIGNED) != 0;
  *store = 1;
  switch (i->sub) {
  case CF__PTX_ATOM_ADD:
    if (i->flags & CF__PTX_F_FLOAT) {
      if (bits == 32) {
        float a, b;
        uint32_t ua = (uint32_t)old, ub = (uint32_t)v;
        memcpy(&a, &ua, 4);
        memcpy(&b, &ub, 4);
        a += b;
        memcpy(&ua, &a, 4);
        return ua;
      }
      double a, b;
      memcpy(&a, &old, 8);
      memcpy(&b, &v, 8);
      a += b;
      memcpy(&old, &a, 8);
      return old;
    }
    return (old + v) & mask;
  case CF__PTX_ATOM_MIN:
  case CF__PTX_ATOM_MAX: {
    int lt;
    if (sgn)
      lt = bits == 64 ? (int64_t)v < (int64_t)old
                      : (int32_t)(uint32_t)v < (int32_t)(uint32_t)old;
    else
      lt = (v & mask) < (old & mask);
    int take = i->sub == CF__PTX_ATOM_MIN ? lt : !lt && (v & mask) != (old & mask);
    if (!take) {
      *store = 0;
      return old;
    }
    return v & mask;
  }
  case CF__PTX_ATOM_INC:
    return (uint32_t)old >= (uint32_t)v ? 0 : (uint32_t)old + 1;
  case CF__PTX_ATOM_DEC:
    return ((uint32_t)old == 0 || (uint32_t)old > (uint32_t)v)
               ? (uint32_t)v : (uint32_t)old - 1;
  default:
    return v & mask;
  }
}

uint64_t cf__ptx_atomic(void *p, const struct cf__ptx_insn *i, uint64_t v,
                        uint64_t c) {
  if (i->bits == 32) {
    uint32_t *q = p, x = (uint32_t)v;
    switch (i->sub) {
    case CF__PTX_ATOM_ADD:
      if (!(i->flags & CF__PTX_F_FLOAT))
        return __atomic_fetch_add(q, x, RLX);
      break;
    case CF__PTX_ATOM_AND: return __atomic_fetch_and(q, x, RLX);
    case CF__PTX_ATOM_OR:  return __atomic_fetch_or(q, x, RLX);
    case CF__PTX_ATOM_XOR: return __atomic_fetch_xor(q, x, RLX);
    case CF__PTX_ATOM_EXCH: return __atomic_exchange_n(q, x, RLX);
    case CF__PTX_ATOM_CAS: {
      uint32_t exp = x;
      __atomic_compare_exchange_n(q, &exp, (uint32_t)c, 0, RLX, RLX);
      return exp;
    }
    default: break;
    }
    uint32_t old = __atomic_load_n(q, RLX);
    for (;;) {
      int store;
      uint32_t nv = (uint32_t)apply(i, old, v, &store);
      if (!store ||
          __atomic_compare_exchange_n(q, &old, nv, 1, RLX, RLX))
        return old;
    }
  }
  uint64_t *q = p;
  switch (i->sub) {
  case CF__PTX_ATOM_ADD:
    if (!(i->flags & CF__PTX_F_FLOAT))
      return __atomic_fetch_add(q, v, RLX);
    break;
  case CF__PTX_ATOM_AND: return __atomic_fetch_and(q, v, RLX);
  case CF__PTX_ATOM_OR:  return __atomic_fetch_or(q, v, RLX);
  case CF__PTX_ATOM_XOR: return __atomic_fetch_xor(q, v, RLX);
  case CF__PTX_ATOM_EXCH: return __atomic_exchange_n(q, v, RLX);
  case CF__PTX_ATOM_CAS: {
    uint64_t exp = v;
    __atomic_compare_exchange_n(q, &exp, c, 0, RLX, RLX);
    return exp;
  }
  default: break;
  }
  uint64_t old = __atomic_load_n(q, RLX);
  for (;;) {
    int store;
    uint64_t nv = apply(i, old, v, &store);
    if (!store || __atomic_compare_exchange_n(q, &old, nv, 1, RLX, RLX))
      return old;
  }
}
