/* Surface loads and stores of the PTX interpreter: suld.b and sust.b
 * (unformatted: raw bytes, x in bytes) on 1d, 2d, 3d, a1d and a2d
 * surfaces. The handle is resolved through cf_ptx_memory.texture
 * (ptx_tex.c) and the bytes go through map() only. Out-of-range accesses
 * follow the instruction: .trap stops the launch (700), .clamp moves each
 * coordinate to the nearest valid one (x to the last whole access in the
 * row, aligned down), .zero loads zeros and drops stores. A layer index
 * is unsigned and checked against the layer count like y and z. An x that
 * is not a multiple of the access size is 716, as for ld/st (the PTX ISA
 * leaves it undefined). No state of its own; threads as ptx_tex.c. */
#include <string.h>

#include "ptx_internal.h"

int cf__ptx_surf_exec(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                      const struct cf__ptx_insn *i) {
  uint64_t *R = t->r;
  const struct cf__ptx_texop *x = &t->fn->texops[i->imm];
  struct cf_ptx_texture tx;
  int rc = cf__ptx_tex_resolve(b, i, R[i->o[4]], 1, &tx);
  if (rc)
    return rc;
  int st = i->op == CF__PTX_OP_SUST;
  const char *what = st ? "store" : "load";
  unsigned esz = i->bits / 8, n = i->vec, acc = esz * n;
  const struct cf_ptx_tex_level *lv = &tx.level[0];
  /* coordinates: (x, y, z) and the layer, as signed / unsigned */
  int64_t c[3] = {0, 0, 0};
  uint32_t layer = 0;
  unsigned first = 0, nd = i->sub == CF__PTX_GEO_3D ? 3
                        : i->sub == CF__PTX_GEO_1D || i->sub == CF__PTX_GEO_A1D
                            ? 1 : 2;
  if (i->sub == CF__PTX_GEO_A1D || i->sub == CF__PTX_GEO_A2D) {
    layer = (uint32_t)R[x->coord[0]];
    first = 1;
  }
  for (unsigned d = 0; d < nd; d++)
    c[d] = (int32_t)R[x->coord[first + d]];
  if (c[0] & (acc - 1))
    return cf__ptx_fault(b, i, 716, "misaligned %u-byte surface %s at x=%lld",
                         acc, what, (long long)c[0]);
  uint64_t row = (uint64_t)lv->width * tx.channels *
                 cf__ptx_tex_chan_bytes(tx.format);
  int64_t lim[3] = {(int64_t)row - acc, (int64_t)lv->height - 1,
                    (int64_t)lv->depth - 1};
  uint32_t nl = tx.layers ? tx.layers : 1;
  int out = layer >= nl || row < acc;
  for (unsigned d = 0; d < 3; d++)
    out |= c[d] < 0 || c[d] > lim[d];
  if (out) {
    if (i->sub2 == CF__PTX_SU_TRAP)
      return cf__ptx_fault(b, i, 700, "illegal address: %u-byte surface %s "
                           "out of range at x=%lld y=%lld z=%lld layer %u",
                           acc, what, (long long)c[0], (long long)c[1],
                           (long long)c[2], layer);
    if (i->sub2 == CF__PTX_SU_ZERO || row < acc) {
      for (unsigned k = 0; k < n && !st; k++)
        R[x->val[k]] = 0;
      return 0;
    }
    for (unsigned d = 0; d < 3; d++)
      c[d] = c[d] < 0 ? 0 : c[d] > lim[d] ? lim[d] : c[d];
    c[0] &= ~(int64_t)(acc - 1);
    if (layer >= nl)
      layer = nl - 1;
  }
  uint64_t a = lv->base + layer * lv->layer_stride +
               (uint64_t)c[2] * lv->slice + (uint64_t)c[1] * lv->pitch +
               (uint64_t)c[0];
  const struct cf_ptx_memory *m = b->l->mem;
  uint8_t *p = a + acc < a ? NULL : m->map(m->user, a, acc);
  if (p == NULL)
    return cf__ptx_fault(b, i, 700, "illegal address: %u-byte surface %s at "
                         "0x%llx", acc, what, (unsigned long long)a);
  for (unsigned k = 0; k < n; k++) {
    if (st) {
      uint64_t v = R[x->val[k]];
      memcpy(p + k * esz, &v, esz);   /* little-endian host */
    } else {
      uint64_t v = 0;
      memcpy(&v, p + k * esz, esz);
      R[x->val[k]] = v;
    }
  }
  return 0;
}
