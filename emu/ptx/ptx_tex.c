/* Texture sampling of the PTX interpreter: tex (plain, .level, .grad),
 * tld4 and txq/suq. Owns the texture model: handle resolution through
 * cf_ptx_memory.texture, texel formats, address modes, point and linear
 * filtering and mipmap selection. Texels are read only through map(), one
 * texel at a time, so a descriptor that lies about its sizes can at worst
 * make the launch fault. Surfaces (suld/sust) are in ptx_surf.c. Called by
 * the run loop; no state of its own, so any number of threads may sample.
 *
 * The model, after the CUDA Programming Guide's texture fetching appendix
 * and the PTX ISA:
 *  - Values. 8- and 16-bit integer formats read as normalised floats
 *    (unsigned v/(2^n-1), signed max(v/(2^(n-1)-1), -1), each one float
 *    division) unless CU_TRSF_READ_AS_INTEGER; 32-bit integer formats read
 *    as integers; HALF and FLOAT as floats. The register gets the 32 bits
 *    the texture unit produces, whatever .dtype says. Channels a format
 *    lacks read (0, 0, 0, 1) (1.0f for float results, 1 for integer ones),
 *    as OpenCL, OpenGL and Direct3D specify and NVIDIA hardware does; this
 *    holds for border texels too.
 *  - Coordinates. Normalised coordinates are scaled by the level's size;
 *    unnormalised ones by level size / level-0 size (mip levels > 0).
 *    Wrap and mirror apply only with normalised coordinates (CUDA treats
 *    them as clamp otherwise). Point sampling wraps and mirrors the
 *    coordinate as the guide says (frac(x); 1 - frac(x) where floor(x) is
 *    odd); linear filtering applies the modes to each texel index: clamp
 *    to [0, n-1], wrap modulo n, mirror with period 2n; border gives
 *    border_color (for integer results, the bits of the float, as
 *    cuTexObjectCreate documents). Integer coordinates (.s32, tex1Dfetch)
 *    index level 0 directly, with clamp or border.
 *  - Filtering. Point: index floor(u). Linear (float results only;
 *    integer results are always point-sampled): uB = u - 0.5, i =
 *    floor(uB), alpha = frac(uB) rounded to 9-bit fixed point with 8
 *    fractional bits (round half up), and the guide's weighted sum
 *    (1-a)(1-b)T[i,j] + a(1-b)T[i+1,j] + ... in that order, in float.
 *  - Mipmaps. LOD: tex 0, tex.level its operand, tex.grad log2 of the
 *    larger gradient length in texels of level 0 (the gradients are used,
 *    not ignored). Then + mipmap_level_bias, clamped to [min, max]_clamp
 *    and to [0, num_levels-1]. Point mipmap filter: level floor(lod+0.5);
 *    linear: levels floor(lod) and the next, blended by frac(lod) in 9-bit
 *    fixed point like alpha.
 *  - Layered: the layer is the first coordinate, an unsigned integer,
 *    clamped to the last layer. tld4 gathers component .comp of the 2x2
 *    footprint of level 0 into (T[i,j+1], T[i+1,j+1], T[i+1,j], T[i,j])
 *    ("counter-clockwise from lower left").
 *  - Not modelled: sRGB conversion (CU_TRSF_SRGB is ignored), cube maps,
 *    anisotropy, the hardware's fixed-point coordinate arithmetic (we
 *    compute in float, so a result may differ in the last bit). */
#include <math.h>
#include <string.h>

#include <cuda.h>

#include "ptx_internal.h"

static float F(uint64_t v) {
  uint32_t u = (uint32_t)v;
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static uint32_t UF(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

unsigned cf__ptx_tex_chan_bytes(uint32_t fmt) {
  switch (fmt) {
  case CU_AD_FORMAT_UNSIGNED_INT8: case CU_AD_FORMAT_SIGNED_INT8: return 1;
  case CU_AD_FORMAT_UNSIGNED_INT16: case CU_AD_FORMAT_SIGNED_INT16:
  case CU_AD_FORMAT_HALF: return 2;
  case CU_AD_FORMAT_UNSIGNED_INT32: case CU_AD_FORMAT_SIGNED_INT32:
  case CU_AD_FORMAT_FLOAT: return 4;
  default: return 0;
  }
}

int cf__ptx_tex_resolve(struct cf__ptx_block *b, const struct cf__ptx_insn *i,
                        uint64_t handle, int surface,
                        struct cf_ptx_texture *tx) {
  const struct cf_ptx_memory *m = b->l->mem;
  const char *what = surface ? "surface" : "texture";
  memset(tx, 0, sizeof *tx);
  if (m->texture == NULL || m->texture(m->user, handle, surface, tx) != 0)
    return cf__ptx_fault(b, i, 700, "illegal address: no %s object 0x%llx",
                         what, (unsigned long long)handle);
  int ok = tx->dims >= 1 && tx->dims <= 3 &&
           (tx->channels == 1 || tx->channels == 2 || tx->channels == 4) &&
           cf__ptx_tex_chan_bytes(tx->format) != 0 && tx->num_levels >= 1 &&
           tx->num_levels <= CF_PTX_TEX_MAX_LEVELS;
  for (uint32_t l = 0; ok && l < tx->num_levels; l++)
    ok = tx->level[l].width && tx->level[l].height && tx->level[l].depth;
  if (!ok)
    return cf__ptx_fault(b, i, 719, "%s object 0x%llx has a descriptor we "
                         "cannot use (format 0x%x, %u channels)", what,
                         (unsigned long long)handle, tx->format, tx->channels);
  return 0;
}

/* ---- texels ---- */

struct samp {
  struct cf__ptx_block *b;
  const struct cf__ptx_insn *i;
  const struct cf_ptx_texture *tx;
  unsigned cb, nch;        /* bytes per channel, channels */
  int as_float;            /* results are floats, else 32-bit integers */
  uint32_t layer;
  unsigned mode[3];        /* effective address modes */
};

union tv {
  float f[4];
  uint32_t u[4];
};

/* One channel at p, as float or integer. */
static void channel(const struct samp *s, const uint8_t *p, union tv *v,
                    unsigned c) {
  uint32_t fmt = s->tx->format;
  uint32_t raw = 0;
  memcpy(&raw, p, s->cb);          /* little-endian host */
  switch (fmt) {
  case CU_AD_FORMAT_UNSIGNED_INT8:
  case CU_AD_FORMAT_UNSIGNED_INT16:
    if (s->as_float)
      v->f[c] = (float)raw / (fmt == CU_AD_FORMAT_UNSIGNED_INT8 ? 255.0f
                                                               : 65535.0f);
    else
      v->u[c] = raw;
    return;
  case CU_AD_FORMAT_SIGNED_INT8:
  case CU_AD_FORMAT_SIGNED_INT16: {
    int32_t x = fmt == CU_AD_FORMAT_SIGNED_INT8 ? (int8_t)raw : (int16_t)raw;
    if (s->as_float) {
      float f = (float)x / (fmt == CU_AD_FORMAT_SIGNED_INT8 ? 127.0f : 32767.0f);
      v->f[c] = f < -1.0f ? -1.0f : f;
    } else {
      v->u[c] = (uint32_t)x;
    }
    return;
  }
  case CU_AD_FORMAT_HALF:
    v->f[c] = (float)cf__ptx_h2d(raw, CF__PTX_CLS_H);
    return;
  default:                         /* 32-bit: the bits */
    v->u[c] = raw;
    return;
  }
}

static void defaults(const struct samp *s, union tv *v) {
  for (unsigned c = s->nch; c < 4; c++) {
    if (s->as_float)
      v->f[c] = c == 3 ? 1.0f : 0.0f;
    else
      v->u[c] = c == 3 ? 1u : 0u;
  }
}

/* Texel idx[] of level l (an index < 0: the border colour). Returns 0, or
 * a fault code when the texel is outside map(). */
static int texel(struct samp *s, unsigned l, const int64_t idx[3],
                 union tv *v) {
  if (idx[0] < 0 || idx[1] < 0 || idx[2] < 0) {
    for (unsigned c = 0; c < 4; c++) {
      if (s->as_float)
        v->f[c] = s->tx->border_color[c];
      else
        v->u[c] = UF(s->tx->border_color[c]);
    }
    defaults(s, v);
    return 0;
  }
  const struct cf_ptx_tex_level *lv = &s->tx->level[l];
  uint64_t tb = (uint64_t)s->cb * s->nch;
  uint64_t a = lv->base + s->layer * lv->layer_stride +
               (uint64_t)idx[2] * lv->slice + (uint64_t)idx[1] * lv->pitch +
               (uint64_t)idx[0] * tb;
  const struct cf_ptx_memory *m = s->b->l->mem;
  const uint8_t *p = a + tb < a ? NULL : m->map(m->user, a, tb);
  if (p == NULL)
    return cf__ptx_fault(s->b, s->i, 700, "illegal address: texel (%lld,%lld,"
                         "%lld) of level %u layer %u at 0x%llx",
                         (long long)idx[0], (long long)idx[1],
                         (long long)idx[2], l, s->layer, (unsigned long long)a);
  for (unsigned c = 0; c < s->nch; c++)
    channel(s, p + c * s->cb, v, c);
  defaults(s, v);
  return 0;
}

/* Index i of a dimension of n texels under address mode m; -1: border. */
static int64_t address(int64_t i, uint32_t n, unsigned m) {
  switch (m) {
  case CU_TR_ADDRESS_MODE_WRAP:
    i %= n;
    return i < 0 ? i + n : i;
  case CU_TR_ADDRESS_MODE_MIRROR: {
    int64_t p = 2 * (int64_t)n;
    i %= p;
    if (i < 0)
      i += p;
    return i < n ? i : p - 1 - i;
  }
  case CU_TR_ADDRESS_MODE_BORDER:
    return i < 0 || i >= n ? -1 : i;
  default:
    return i < 0 ? 0 : i >= n ? n - 1 : i;
  }
}

/* floor(u) as an integer, NaN as 0 and the far range pinned (wrap and
 * mirror of a pinned index are still indices inside the texture). */
static int64_t ifloor(float u) {
  if (isnan(u))
    return 0;
  if (u < -1e12f)
    return -(1ll << 40);
  if (u > 1e12f)
    return 1ll << 40;
  return (int64_t)floorf(u);
}

/* x in [0, 1] to 9-bit fixed point with 8 fractional bits. */
static float q8(float x) { return floorf(x * 256.0f + 0.5f) / 256.0f; }

/* Sample level l at coordinates c[0..nd-1] (as the instruction gives
 * them) into *out: point or linear. */
static int sample_level(struct samp *s, unsigned l, const float *c,
                        unsigned nd, int linear, union tv *out) {
  const struct cf_ptx_tex_level *lv = &s->tx->level[l], *l0 = &s->tx->level[0];
  uint32_t n[3] = {lv->width, lv->height, lv->depth};
  uint32_t n0[3] = {l0->width, l0->height, l0->depth};
  int norm = (s->tx->flags & CU_TRSF_NORMALIZED_COORDINATES) != 0;
  float u[3] = {0, 0, 0}, a[3] = {0, 0, 0};
  int64_t i0[3] = {0, 0, 0};
  for (unsigned d = 0; d < nd; d++) {
    u[d] = norm ? c[d] * (float)n[d]
         : l == 0 ? c[d] : c[d] * (float)n[d] / (float)n0[d];
    if (linear) {
      float ub = u[d] - 0.5f;
      i0[d] = ifloor(ub);
      a[d] = isnan(ub) ? 0.0f : q8(ub - floorf(ub));
    } else {
      i0[d] = ifloor(u[d]);
    }
  }
  if (!linear) {
    int64_t idx[3] = {0, 0, 0};
    for (unsigned d = 0; d < nd; d++) {
      unsigned m = s->mode[d];
      if (m == CU_TR_ADDRESS_MODE_WRAP || m == CU_TR_ADDRESS_MODE_MIRROR) {
        /* the guide's rule on the (normalised) coordinate: frac(x), or
         * 1 - frac(x) where floor(x) is odd for mirror */
        float fl = floorf(c[d]), fr = c[d] - fl;
        if (m == CU_TR_ADDRESS_MODE_MIRROR && fmodf(fl, 2.0f) != 0.0f)
          fr = 1.0f - fr;
        i0[d] = ifloor(fr * (float)n[d]);
        m = CU_TR_ADDRESS_MODE_CLAMP;
      }
      idx[d] = address(i0[d], n[d], m);
    }
    return texel(s, l, idx, out);
  }
  float acc[4] = {0, 0, 0, 0};
  for (unsigned k = 0; k < (1u << nd); k++) {
    int64_t idx[3] = {0, 0, 0};
    float w = 1.0f;
    for (unsigned d = 0; d < nd; d++) {
      unsigned bit = (k >> d) & 1;
      idx[d] = address(i0[d] + bit, n[d], s->mode[d]);
      w *= bit ? a[d] : 1.0f - a[d];
    }
    union tv t;
    int rc = texel(s, l, idx, &t);
    if (rc)
      return rc;
    for (unsigned ch = 0; ch < 4; ch++)
      acc[ch] += w * t.f[ch];
  }
  memcpy(out->f, acc, sizeof acc);
  return 0;
}

/* ---- the instructions ---- */

static unsigned spatial_dims(unsigned geo) {
  return geo == CF__PTX_GEO_3D ? 3
       : geo == CF__PTX_GEO_1D || geo == CF__PTX_GEO_A1D ? 1 : 2;
}

/* LOD of tex.grad: log2 of the larger gradient length, in level-0
 * texels. */
static float grad_lod(const struct samp *s, const struct cf__ptx_texop *x,
                      const uint64_t *R, unsigned nd) {
  const struct cf_ptx_tex_level *l0 = &s->tx->level[0];
  float n0[3] = {(float)l0->width, (float)l0->height, (float)l0->depth};
  int norm = (s->tx->flags & CU_TRSF_NORMALIZED_COORDINATES) != 0;
  float len[2];
  for (unsigned g = 0; g < 2; g++) {
    float q = 0.0f;
    for (unsigned d = 0; d < nd; d++) {
      float v = F(R[x->grad[g * 4 + d]]) * (norm ? n0[d] : 1.0f);
      q += v * v;
    }
    len[g] = sqrtf(q);
  }
  return log2f(len[0] > len[1] ? len[0] : len[1]);
}

/* Bias and clamps of the descriptor. */
static float clamp_lod(const struct cf_ptx_texture *tx, float lod) {
  lod += tx->mipmap_level_bias;
  if (lod < tx->min_mipmap_level_clamp)
    lod = tx->min_mipmap_level_clamp;
  if (lod > tx->max_mipmap_level_clamp)
    lod = tx->max_mipmap_level_clamp;
  if (lod > (float)(tx->num_levels - 1))
    lod = (float)(tx->num_levels - 1);
  return lod >= 0.0f ? lod : 0.0f;   /* NaN too */
}

static int tex_sample(struct samp *s, const struct cf__ptx_insn *i,
                      const struct cf__ptx_texop *x, const uint64_t *R,
                      union tv *out) {
  const struct cf_ptx_texture *tx = s->tx;
  unsigned nd = spatial_dims(i->sub), first = 0;
  if (i->sub == CF__PTX_GEO_A1D || i->sub == CF__PTX_GEO_A2D) {
    uint32_t n = (uint32_t)R[x->coord[0]];
    s->layer = tx->layers == 0 ? 0 : n < tx->layers ? n : tx->layers - 1;
    first = 1;
  }
  if (i->bits2 == CF__PTX_CLS_S) {         /* integer coordinates */
    int64_t idx[3] = {0, 0, 0};
    const struct cf_ptx_tex_level *l0 = &tx->level[0];
    uint32_t n[3] = {l0->width, l0->height, l0->depth};
    for (unsigned d = 0; d < nd; d++)
      idx[d] = address((int32_t)R[x->coord[first + d]], n[d], s->mode[d]);
    return texel(s, 0, idx, out);
  }
  float c[3];
  for (unsigned d = 0; d < nd; d++)
    c[d] = F(R[x->coord[first + d]]);
  int linear = s->as_float && tx->filter_mode == CU_TR_FILTER_MODE_LINEAR;
  if (i->op == CF__PTX_OP_TLD4) {            /* gather, level 0 */
    const struct cf_ptx_tex_level *l0 = &tx->level[0];
    uint32_t n[2] = {l0->width, l0->height};
    int norm = (tx->flags & CU_TRSF_NORMALIZED_COORDINATES) != 0;
    int64_t i0[2];
    for (unsigned d = 0; d < 2; d++)
      i0[d] = ifloor((norm ? c[d] * (float)n[d] : c[d]) - 0.5f);
    static const uint8_t dx[4] = {0, 1, 1, 0}, dy[4] = {1, 1, 0, 0};
    for (unsigned k = 0; k < 4; k++) {
      int64_t idx[3] = {address(i0[0] + dx[k], n[0], s->mode[0]),
                        address(i0[1] + dy[k], n[1], s->mode[1]), 0};
      union tv t;
      int rc = texel(s, 0, idx, &t);
      if (rc)
        return rc;
      out->u[k] = t.u[i->sub2];
    }
    return 0;
  }
  if (tx->num_levels == 1)
    return sample_level(s, 0, c, nd, linear, out);
  float lod = i->sub2 == CF__PTX_TEX_LEVEL ? F(R[x->lod])
            : i->sub2 == CF__PTX_TEX_GRAD ? grad_lod(s, x, R, nd) : 0.0f;
  lod = clamp_lod(tx, lod);
  if (!s->as_float || tx->mipmap_filter_mode != CU_TR_FILTER_MODE_LINEAR)
    return sample_level(s, (unsigned)floorf(lod + 0.5f), c, nd, linear, out);
  unsigned l0 = (unsigned)floorf(lod);
  float f = q8(lod - floorf(lod));
  int rc = sample_level(s, l0, c, nd, linear, out);
  if (rc || f == 0.0f || l0 + 1 >= tx->num_levels)
    return rc;
  union tv hi;
  rc = sample_level(s, l0 + 1, c, nd, linear, &hi);
  for (unsigned ch = 0; ch < 4 && rc == 0; ch++)
    out->f[ch] = (1.0f - f) * out->f[ch] + f * hi.f[ch];
  return rc;
}

/* txq / suq: the attribute, cuda.h enums where there is one; the channel
 * order (no cuda.h enum) is the channel count; array_size is 0 when not
 * layered; memory_layout is 0 (CUDA surfaces are arrays, not linear). */
static uint32_t query(const struct cf_ptx_texture *tx,
                      const struct cf__ptx_insn *i, const uint64_t *R) {
  uint32_t l = i->sub2 ? (uint32_t)R[i->o[1]] : 0;
  if (l >= tx->num_levels)
    return 0;
  switch (i->sub) {
  case CF__PTX_Q_WIDTH: return tx->level[l].width;
  case CF__PTX_Q_HEIGHT: return tx->level[l].height;
  case CF__PTX_Q_DEPTH: return tx->level[l].depth;
  case CF__PTX_Q_DATA_TYPE: return tx->format;
  case CF__PTX_Q_ORDER: return tx->channels;
  case CF__PTX_Q_NORMALIZED:
    return (tx->flags & CU_TRSF_NORMALIZED_COORDINATES) != 0;
  case CF__PTX_Q_FILTER: return tx->filter_mode;
  case CF__PTX_Q_ADDR0: return tx->address_mode[0];
  case CF__PTX_Q_ADDR1: return tx->address_mode[1];
  case CF__PTX_Q_ADDR2: return tx->address_mode[2];
  case CF__PTX_Q_LEVELS: return tx->num_levels;
  case CF__PTX_Q_ARRAY_SIZE: return tx->layers;
  default: return 0;
  }
}

int cf__ptx_tex_exec(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                     const struct cf__ptx_insn *i) {
  uint64_t *R = t->r;
  struct cf_ptx_texture tx;
  int surface = i->op == CF__PTX_OP_SUQ;
  int rc = cf__ptx_tex_resolve(b, i, R[i->o[4]], surface, &tx);
  if (rc)
    return rc;
  if (i->op == CF__PTX_OP_TXQ || i->op == CF__PTX_OP_SUQ) {
    R[i->o[0]] = query(&tx, i, R);
    return 0;
  }
  const struct cf__ptx_texop *x = &t->fn->texops[i->imm];
  struct samp s = {.b = b, .i = i, .tx = &tx,
                   .cb = cf__ptx_tex_chan_bytes(tx.format),
                   .nch = tx.channels};
  s.as_float = tx.format == CU_AD_FORMAT_HALF ||
               tx.format == CU_AD_FORMAT_FLOAT ||
               (s.cb < 4 && !(tx.flags & CU_TRSF_READ_AS_INTEGER));
  int norm = (tx.flags & CU_TRSF_NORMALIZED_COORDINATES) != 0 &&
             i->bits2 == CF__PTX_CLS_F;
  for (unsigned d = 0; d < 3; d++) {
    unsigned m = tx.address_mode[d];
    s.mode[d] = m > CU_TR_ADDRESS_MODE_BORDER ||
                (!norm && m != CU_TR_ADDRESS_MODE_BORDER)
                    ? CU_TR_ADDRESS_MODE_CLAMP : m;
  }
  union tv v;
  rc = tex_sample(&s, i, x, R, &v);
  if (rc)
    return rc;
  for (unsigned k = 0; k < 4; k++)
    R[x->val[k]] = v.u[k];
  R[x->pred] = 1;                  /* every texel is resident */
  return 0;
}
