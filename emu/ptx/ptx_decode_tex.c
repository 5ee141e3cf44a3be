/* PTX decoder, textures and surfaces: tex (plain, .level, .grad), tld4,
 * txq, suq, suld.b and sust.b, in the unified texture mode only (the
 * handle is a 64-bit register: a CUtexObject or CUsurfObject parameter).
 * The whole opcode name is read here, since its words (.2d, .a2d, .r,
 * .width, .trap...) mean nothing to other instructions. Vector operands
 * go to the function's texops[] side table (struct cf__ptx_texop in
 * ptx_internal.h), indexed by the instruction's imm.
 *
 * Accepted (everything else is CF_EUNSUP naming the instruction):
 *   tex{.level,.grad}.{1d,2d,3d,a1d,a2d}.v4.{f32,s32,u32}.{f32,s32}
 *       d[|p], [h, c]{, lod | , dPdx, dPdy}   (.s32 coordinates: plain
 *       tex only, not layered; .level/.grad: .f32 coordinates)
 *   tld4.{r,g,b,a}.{2d,a2d}.v4.{f32,s32,u32}.f32  d[|p], [h, c]
 *   txq{.level}.<query>.b32  d, [h]{, lod}      suq.<query>.b32  d, [h]
 *   suld.b.{1d,2d,3d,a1d,a2d}{.cache}{.v2,.v4}.{b8,b16,b32,b64}
 *       {.trap,.clamp,.zero}  d, [h, c]          sust.b likewise: [h, c], d
 * Cube maps, .texref/.surfref names, the independent mode's sampler
 * operand, offsets and depth compare, and sust.p (which nvcc does not
 * emit for surf*write) are refused. Coordinate counts follow the PTX ISA:
 * 1d 1, 2d 2, 3d 4 (the last ignored), a1d 2 and a2d 4 (the layer, an
 * integer register, first). No global state. */
#include <stdlib.h>
#include <string.h>

#include "ptx_decode.h"

/* ---- opcode words ---- */

struct texw {
  int geo, mode, comp, query, oob, vec, level, bfmt;
  uint8_t ntypes, tcls[2], tbits[2];
};

static int word_is(const char *p, size_t n, const char *w) {
  return strlen(w) == n && memcmp(p, w, n) == 0;
}

static int find(const char *p, size_t n, const char *const *tab, size_t cnt) {
  for (size_t k = 0; k < cnt; k++)
    if (word_is(p, n, tab[k]))
      return (int)k;
  return -1;
}

static const char *const geo_names[] = {"1d", "2d", "3d", "a1d", "a2d",
                                        "cube", "acube"};
static const char *const query_names[] = {
  "width", "height", "depth", "channel_data_type", "channel_order",
  "normalized_coords", "filter_mode", "addr_mode_0", "addr_mode_1",
  "addr_mode_2", "num_mipmap_levels", "array_size", "memory_layout"};
static const char *const comp_names[] = {"r", "g", "b", "a"};
static const char *const oob_names[] = {"trap", "clamp", "zero"};
/* cache operators of suld/sust: no effect here */
static const char *const cache_names[] = {"ca", "cg", "cs", "cv", "wb", "wt"};
#define N_(t) (sizeof t / sizeof *t)

/* Split the words after the base name; base is "tex", "tld4", ... */
static int parse_words(struct dec *d, size_t bl, struct texw *w) {
  memset(w, 0, sizeof *w);
  w->geo = w->mode = w->comp = w->query = w->oob = w->bfmt = -1;
  w->vec = 1;
  const char *s = d->r->opname + bl;
  int is_tld4 = strcmp(d->base, "tld4") == 0;
  int is_su = d->base[0] == 's';
  while (*s == '.') {
    const char *p = s + 1;
    const char *e = strchr(p, '.');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    s = p + n;
    uint8_t cls, bits;
    int k, t = cf__ptx_type_from(p, (uint32_t)n, &cls, &bits);
    if (t > 0) {
      if (w->ntypes >= 2)
        return cf__ptx_dec_bad(d, "too many types");
      w->tcls[w->ntypes] = cls;
      w->tbits[w->ntypes++] = bits;
    } else if ((k = find(p, n, geo_names, N_(geo_names))) >= 0 &&
               w->geo < 0) {
      w->geo = k;
    } else if ((k = find(p, n, query_names, N_(query_names))) >= 0 &&
               w->query < 0) {
      w->query = k;
    } else if (is_tld4 && w->comp < 0 &&
               (k = find(p, n, comp_names, N_(comp_names))) >= 0) {
      w->comp = k;
    } else if (is_su && (k = find(p, n, oob_names, N_(oob_names))) >= 0 &&
               w->oob < 0) {
      w->oob = k;
    } else if (is_su && find(p, n, cache_names, N_(cache_names)) >= 0) {
      continue;
    } else if (is_su && w->bfmt < 0 && (word_is(p, n, "b") ||
                                        word_is(p, n, "p"))) {
      w->bfmt = p[0] == 'b';
    } else if (word_is(p, n, "v2") || word_is(p, n, "v4")) {
      if (w->vec != 1)
        return cf__ptx_dec_bad(d, "conflicting modifiers");
      w->vec = p[1] - '0';
    } else if (word_is(p, n, "level") && w->mode < 0) {
      w->mode = CF__PTX_TEX_LEVEL;
      w->level = 1;
    } else if (word_is(p, n, "grad") && w->mode < 0) {
      w->mode = CF__PTX_TEX_GRAD;
    } else {
      return cf__ptx_dec_unsup(d);
    }
  }
  return 0;
}

/* ---- operands ---- */

/* A fresh texops[] entry for this instruction (imm), every slot SINK. */
static int new_texop(struct dec *d, struct cf__ptx_texop **out) {
  struct cf__ptx_fn *f = d->f;
  struct cf_ptx_kernel *k = f->k;
  if (k->ntexops == f->captexops) {
    if (k->ntexops >= CF__PTX_MAX_INSNS)
      return cf__ptx_dec_bad(d, "too many texture instructions");
    uint32_t cap = f->captexops ? f->captexops * 2 : 16;
    struct cf__ptx_texop *g = realloc(k->texops, cap * sizeof *g);
    if (g == NULL)
      return cf__ptx_fail(f->diag, CF_ENOMEM, d->r->line, "out of memory");
    k->texops = g;
    f->captexops = cap;
  }
  struct cf__ptx_texop *x = &k->texops[k->ntexops];
  for (unsigned j = 0; j < 4; j++)
    x->val[j] = x->coord[j] = CF__PTX_SLOT_SINK;
  for (unsigned j = 0; j < 8; j++)
    x->grad[j] = CF__PTX_SLOT_SINK;
  x->lod = x->pred = CF__PTX_SLOT_SINK;
  d->o->imm = k->ntexops++;
  *out = x;
  return 0;
}

/* slot holds an integer (not a predicate, not a float register). */
static int int_reg(struct dec *d, uint32_t slot) {
  const struct cf__ptx_slotty *t = &d->f->slotty[slot];
  if (t->cls == CF__PTX_CLS_PRED || t->cls == CF__PTX_CLS_F ||
      t->cls == CF__PTX_CLS_H || t->cls == CF__PTX_CLS_BF)
    return cf__ptx_dec_bad(d, "coordinate is not an integer register");
  return 0;
}

/* The handle of operand i ([h] or [h, c]): a 64-bit integer register, no
 * offset, into o[4]. want_coords: the operand must carry coordinates. */
static int handle(struct dec *d, unsigned i, int want_coords) {
  const struct cf__ptx_opnd *a = &d->r->op[i];
  int kind = want_coords ? CF__PTX_OK_TEX : CF__PTX_OK_ADDR;
  if (a->kind != kind)
    return cf__ptx_dec_bad(d, want_coords ? "expected [handle, coordinates]"
                                          : "expected [handle]");
  if (a->base_kind != CF__PTX_OK_SLOT)
    return cf__ptx_dec_unsup(d);   /* .texref / .surfref names */
  if (a->off != 0)
    return cf__ptx_dec_bad(d, "offset on a texture handle");
  const struct cf__ptx_slotty *t = &d->f->slotty[a->slot];
  if (t->cls != CF__PTX_CLS_CONST &&
      (t->cls == CF__PTX_CLS_PRED || t->cls == CF__PTX_CLS_F ||
       t->cls == CF__PTX_CLS_H || t->cls == CF__PTX_CLS_BF || t->bits != 64))
    return cf__ptx_dec_bad(d, "handle is not a 64-bit integer register");
  d->o->o[4] = a->slot;
  return 0;
}

/* Coordinates per geometry, as the PTX ISA gives them. */
static unsigned ncoords(int geo) {
  static const unsigned n[] = {1, 2, 4, 2, 4, 4, 4};
  return n[geo];
}
static int layered(int geo) {
  return geo == CF__PTX_GEO_A1D || geo == CF__PTX_GEO_A2D;
}

/* Coordinates of the [h, c] operand i into x->coord: the layer of a1d/a2d
 * an integer, the rest of class cls (F: .f32 registers, else integers). */
static int coords(struct dec *d, unsigned i, int geo, uint8_t cls,
                  struct cf__ptx_texop *x) {
  const struct cf__ptx_opnd *a = &d->r->op[i];
  if (a->nvec != ncoords(geo))
    return cf__ptx_dec_bad(d, "wrong number of coordinates");
  for (unsigned k = 0; k < a->nvec; k++) {
    uint32_t s = a->vslot[k];
    int rc = (cls == CF__PTX_CLS_F && !(k == 0 && layered(geo)))
                 ? cf__ptx_dec_check_reg(d, s, CF__PTX_CLS_F, 32)
                 : int_reg(d, s);
    if (rc)
      return rc;
    x->coord[k] = s;
  }
  return 0;
}

/* Operand i: n values ({a, b..}, or a register when n is 1) into val[];
 * dst: writable destinations of class cls (F: f32 registers). */
static int values(struct dec *d, unsigned i, unsigned n, int dst, uint8_t cls,
                  uint8_t bits, struct cf__ptx_texop *x) {
  const struct cf__ptx_opnd *v = &d->r->op[i];
  if (v->kind != CF__PTX_OK_VEC) {
    if (n != 1)
      return cf__ptx_dec_bad(d, "vector operand does not match .v");
    return dst ? cf__ptx_dec_dst(d, i, cls, bits, &x->val[0])
               : cf__ptx_dec_src(d, i, cls, bits, &x->val[0]);
  }
  if (v->nvec != n)
    return cf__ptx_dec_bad(d, "vector operand does not match .v");
  for (unsigned k = 0; k < n; k++) {
    int rc = dst ? cf__ptx_dec_writable(d, v->vslot[k], 0) : 0;
    if (rc == 0)
      rc = cf__ptx_dec_check_reg(d, v->vslot[k], cls, bits);
    if (rc)
      return rc;
    x->val[k] = v->vslot[k];
  }
  if (v->slot2 != UINT32_MAX) {
    if (!dst || d->o->op == CF__PTX_OP_SULD)
      return cf__ptx_dec_bad(d, "unexpected '|'");
    int rc = cf__ptx_dec_writable(d, v->slot2, 1);
    if (rc)
      return rc;
    x->pred = v->slot2;
  }
  return 0;
}

/* ---- the instructions ---- */

/* tex and tld4 */
static int dec_sample(struct dec *d, const struct texw *w, int tld4) {
  struct cf__ptx_insn *o = d->o;
  if (w->geo < 0 || w->vec != 4 || w->ntypes != 2 || w->query >= 0 ||
      w->geo == CF__PTX_GEO_CUBE || w->geo == CF__PTX_GEO_ACUBE)
    return cf__ptx_dec_unsup(d);
  uint8_t dc = w->tcls[0], cc = w->tcls[1];
  if (w->tbits[0] != 32 || w->tbits[1] != 32 ||
      (dc != CF__PTX_CLS_F && dc != CF__PTX_CLS_S && dc != CF__PTX_CLS_U) ||
      (cc != CF__PTX_CLS_F && cc != CF__PTX_CLS_S))
    return cf__ptx_dec_unsup(d);
  int mode = w->mode < 0 ? CF__PTX_TEX_PLAIN : w->mode;
  if (cc == CF__PTX_CLS_S && (mode != CF__PTX_TEX_PLAIN || layered(w->geo)))
    return cf__ptx_dec_unsup(d);
  if (tld4 && (w->comp < 0 || mode != CF__PTX_TEX_PLAIN ||
               cc != CF__PTX_CLS_F ||
               (w->geo != CF__PTX_GEO_2D && w->geo != CF__PTX_GEO_A2D)))
    return cf__ptx_dec_unsup(d);
  o->op = tld4 ? CF__PTX_OP_TLD4 : CF__PTX_OP_TEX;
  o->sub = (uint8_t)w->geo;
  o->sub2 = (uint8_t)(tld4 ? w->comp : mode);
  o->space = dc;
  o->bits = 32;
  o->bits2 = cc;
  o->vec = 4;
  unsigned nop = mode == CF__PTX_TEX_PLAIN ? 2 : mode == CF__PTX_TEX_LEVEL ? 3 : 4;
  struct cf__ptx_texop *x;
  int rc = cf__ptx_dec_nops(d, nop, nop);
  if (rc == 0)
    rc = new_texop(d, &x);
  if (rc == 0)
    rc = values(d, 0, 4, 1, dc == CF__PTX_CLS_F ? CF__PTX_CLS_F : CF__PTX_CLS_B,
                32, x);
  if (rc == 0)
    rc = handle(d, 1, 1);
  if (rc == 0)
    rc = coords(d, 1, w->geo, cc, x);
  if (rc || mode == CF__PTX_TEX_PLAIN)
    return rc;
  if (mode == CF__PTX_TEX_LEVEL)
    return cf__ptx_dec_src(d, 2, CF__PTX_CLS_F, 32, &x->lod);
  /* gradients: 1d/a1d one element, 2d/a2d two, 3d four (last ignored) */
  unsigned ng = w->geo == CF__PTX_GEO_3D ? 4
              : w->geo == CF__PTX_GEO_1D || w->geo == CF__PTX_GEO_A1D ? 1 : 2;
  for (unsigned g = 0; g < 2; g++) {
    const struct cf__ptx_opnd *v = &d->r->op[2 + g];
    uint32_t one[1];
    const uint32_t *sl = v->vslot;
    unsigned n = v->nvec;
    if (v->kind != CF__PTX_OK_VEC) {   /* 1d: a plain register */
      rc = cf__ptx_dec_src(d, 2 + g, CF__PTX_CLS_F, 32, &one[0]);
      if (rc)
        return rc;
      sl = one;
      n = 1;
    } else if (v->slot2 != UINT32_MAX) {
      return cf__ptx_dec_bad(d, "unexpected '|'");
    }
    if (n != ng)
      return cf__ptx_dec_bad(d, "wrong number of gradient elements");
    for (unsigned k = 0; k < n; k++) {
      rc = cf__ptx_dec_check_reg(d, sl[k], CF__PTX_CLS_F, 32);
      if (rc)
        return rc;
      x->grad[g * 4 + k] = sl[k];
    }
  }
  return 0;
}

/* txq and suq */
static int dec_query(struct dec *d, const struct texw *w, int surface) {
  struct cf__ptx_insn *o = d->o;
  static const uint32_t tex_ok = 0x7ffu | 1u << CF__PTX_Q_ARRAY_SIZE |
                                 1u << CF__PTX_Q_LEVELS;
  static const uint32_t surf_ok = 0x1fu | 1u << CF__PTX_Q_ARRAY_SIZE |
                                  1u << CF__PTX_Q_LAYOUT;
  if (w->query < 0 || w->ntypes != 1 || w->tbits[0] != 32 ||
      w->tcls[0] != CF__PTX_CLS_B || w->geo >= 0 || w->vec != 1 ||
      w->mode == CF__PTX_TEX_GRAD || w->comp >= 0 || w->oob >= 0 ||
      w->bfmt >= 0 || !(((surface ? surf_ok : tex_ok) >> w->query) & 1) ||
      (w->level && w->query > CF__PTX_Q_DEPTH))
    return cf__ptx_dec_unsup(d);
  o->op = surface ? CF__PTX_OP_SUQ : CF__PTX_OP_TXQ;
  o->sub = (uint8_t)w->query;
  o->sub2 = (uint8_t)w->level;
  o->bits = 32;
  unsigned n = w->level ? 3 : 2;
  int rc = cf__ptx_dec_nops(d, n, n);
  if (rc == 0)
    rc = cf__ptx_dec_dst(d, 0, CF__PTX_CLS_B, 32, &o->o[0]);
  if (rc == 0)
    rc = handle(d, 1, 0);
  o->o[1] = CF__PTX_SLOT_TRUE;
  if (rc == 0 && w->level)
    rc = cf__ptx_dec_src(d, 2, CF__PTX_CLS_U, 32, &o->o[1]);
  return rc;
}

/* suld.b and sust.b */
static int dec_surface(struct dec *d, const struct texw *w, int st) {
  struct cf__ptx_insn *o = d->o;
  if (w->bfmt != 1 || w->geo < 0 || w->geo > CF__PTX_GEO_A2D ||
      w->ntypes != 1 || w->tcls[0] != CF__PTX_CLS_B || w->query >= 0 ||
      w->mode >= 0 || (w->vec == 4 && w->tbits[0] == 64))
    return cf__ptx_dec_unsup(d);   /* sust.p, cube surfaces, .v4.b64 */
  o->op = st ? CF__PTX_OP_SUST : CF__PTX_OP_SULD;
  o->sub = (uint8_t)w->geo;
  o->sub2 = (uint8_t)(w->oob < 0 ? CF__PTX_SU_TRAP : w->oob);
  o->bits = w->tbits[0];
  o->vec = (uint8_t)w->vec;
  struct cf__ptx_texop *x;
  int rc = cf__ptx_dec_nops(d, 2, 2);
  if (rc == 0)
    rc = new_texop(d, &x);
  if (rc == 0)
    rc = values(d, st ? 1 : 0, o->vec, !st, CF__PTX_CLS_B, o->bits, x);
  if (rc == 0)
    rc = handle(d, st ? 0 : 1, 1);
  return rc ? rc : coords(d, st ? 0 : 1, w->geo, CF__PTX_CLS_B, x);
}

int cf__ptx_dec_tex(struct dec *d) {
  const char *s = d->r->opname;
  const char *dot = strchr(s, '.');
  size_t bl = dot ? (size_t)(dot - s) : strlen(s);
  if (bl >= sizeof d->base)
    return cf__ptx_dec_unsup(d);
  memcpy(d->base, s, bl);
  d->base[bl] = '\0';
  struct texw w;
  int rc = parse_words(d, bl, &w);
  if (rc)
    return rc;
  const char *b = d->base;
  if (strcmp(b, "tex") == 0 || strcmp(b, "tld4") == 0) {
    if (w.comp >= 0 && b[1] == 'e')
      return cf__ptx_dec_unsup(d);
    return dec_sample(d, &w, b[1] == 'l');
  }
  if (strcmp(b, "txq") == 0 || strcmp(b, "suq") == 0)
    return dec_query(d, &w, b[0] == 's');
  if (strcmp(b, "suld") == 0 || strcmp(b, "sust") == 0)
    return dec_surface(d, &w, b[2] == 's');
  return cf__ptx_dec_unsup(d);
}
