/* The interpreter's one memory accessor (inline, because every ld/st/atom
 * goes through it). It turns a state-space address into a host pointer after
 * checking the whole access [addr, addr+len) against that space's bounds:
 *   .shared  offsets into the block's shared memory (static + dynamic);
 *   .local   offsets into the thread's .local stack, up to the running
 *            frame's top (callers' frames stay reachable by pointer);
 *   .param   offsets into the launch's parameter buffer (read-only);
 *   FPARAM   offsets into the running call frame's .param area;
 *   .global/.const  device addresses, checked by the driver's map();
 *   generic  the windows of ptx.h select shared/local/param, the rest is
 *            global.
 * NULL means the access is illegal (the caller faults with 700). Alignment
 * is the caller's check (716). */
#ifndef CF_PTX_MEM_H
#define CF_PTX_MEM_H

#include "ptx_internal.h"

static inline void *cf__ptx_mem(struct cf__ptx_block *b,
                                struct cf__ptx_thread *t, unsigned space,
                                uint64_t addr, uint64_t len, int write) {
  uint8_t *base;
  uint64_t size;
  if (space == CF__PTX_SP_GENERIC) {
    if (addr - CF_PTX_SHARED_WINDOW < CF__PTX_WIN_SIZE) {
      addr -= CF_PTX_SHARED_WINDOW;
      space = CF__PTX_SP_SHARED;
    } else if (addr - CF_PTX_LOCAL_WINDOW < CF__PTX_WIN_SIZE) {
      addr -= CF_PTX_LOCAL_WINDOW;
      space = CF__PTX_SP_LOCAL;
    } else if (addr - CF_PTX_PARAM_WINDOW < CF__PTX_WIN_SIZE) {
      addr -= CF_PTX_PARAM_WINDOW;
      space = CF__PTX_SP_PARAM;
    } else {
      space = CF__PTX_SP_GLOBAL;
    }
  }
  switch (space) {
  case CF__PTX_SP_SHARED:
    base = b->shared;
    size = b->shared_len;
    break;
  case CF__PTX_SP_LOCAL:
    base = t->local;
    size = t->local_len;
    break;
  case CF__PTX_SP_FPARAM:
    base = t->fparam;
    size = t->fparam_len;
    break;
  case CF__PTX_SP_PARAM:
    if (write)
      return NULL;
    base = (uint8_t *)(uintptr_t)b->params;
    size = b->params_len;
    break;
  default:
    if (len == 0 || addr + len < addr)
      return NULL;
    return b->l->mem->map(b->l->mem->user, addr, len);
  }
  if (addr > size || len > size - addr)
    return NULL;
  return base + addr;
}

#endif
