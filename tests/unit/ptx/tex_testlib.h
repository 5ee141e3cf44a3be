/* Helpers for the texture and surface tests of the PTX interpreter: a fake
 * driver-layer resolver (cf_ptx_memory.texture) over a small table of
 * texture and surface objects whose texels live in the toy device memory
 * of ptx_testlib.h, builders for those objects, and a one-call launch that
 * gives each thread 16 bytes in and 16 bytes out. Header-only; each test
 * program includes it once. */
#ifndef CF_TEX_TESTLIB_H
#define CF_TEX_TESTLIB_H

#include <cuda.h>

#include "ptx_testlib.h"

#define TOBJ_MAX 64
#define TOBJ_BASE 0x7e00000000001000ull   /* handle of object 0 */
static struct tmem M;
static struct cf_ptx_texture TOBJ[TOBJ_MAX];
static int TOBJ_SURF[TOBJ_MAX], TOBJ_LIVE[TOBJ_MAX], NTOBJ;

static inline int tobj_resolve(void *user, uint64_t h, int surface,
                        struct cf_ptx_texture *out) {
  (void)user;
  if (h < TOBJ_BASE || h - TOBJ_BASE >= (uint64_t)NTOBJ)
    return 1;
  unsigned k = (unsigned)(h - TOBJ_BASE);
  if (!TOBJ_LIVE[k] || TOBJ_SURF[k] != surface)
    return 1;
  *out = TOBJ[k];
  return 0;
}

#define RUN_MAX 64                         /* threads of one run_k */
static uint64_t DIN, DOUT;

static inline void tex_init(void) {
  tmem_init(&M);
  M.mem.texture = tobj_resolve;
  NTOBJ = 0;
  DIN = tmem_alloc(&M, 16 * RUN_MAX);
  DOUT = tmem_alloc(&M, 16 * RUN_MAX);
}

static inline unsigned fmt_bytes(uint32_t fmt) {
  switch (fmt) {
  case CU_AD_FORMAT_UNSIGNED_INT8: case CU_AD_FORMAT_SIGNED_INT8: return 1;
  case CU_AD_FORMAT_UNSIGNED_INT16: case CU_AD_FORMAT_SIGNED_INT16:
  case CU_AD_FORMAT_HALF: return 2;
  default: return 4;
  }
}

/* A texture (surface: 1) of w x h x d texels (d, h 1 when absent),
 * layers (0: not layered), levels mip levels each half the previous;
 * tightly packed, level after level, in one allocation, filled from
 * data when not NULL (all levels, in that layout). Point filtering,
 * clamp, unnormalised, max LOD clamp at the last level. Returns the
 * index k; the handle is TOBJ_BASE + k. */
static inline unsigned tobj_new(int surface, unsigned dims, uint32_t fmt,
                         unsigned ch, unsigned w, unsigned h, unsigned d,
                         unsigned layers, unsigned levels, const void *data) {
  ASSERT(NTOBJ < TOBJ_MAX);
  unsigned k = (unsigned)NTOBJ++;
  struct cf_ptx_texture *t = &TOBJ[k];
  memset(t, 0, sizeof *t);
  t->dims = dims;
  t->layers = layers;
  t->format = fmt;
  t->channels = ch;
  t->num_levels = levels;
  t->address_mode[0] = t->address_mode[1] = t->address_mode[2] =
      CU_TR_ADDRESS_MODE_CLAMP;
  t->max_mipmap_level_clamp = (float)(levels - 1);
  uint64_t tb = (uint64_t)fmt_bytes(fmt) * ch, off = 0;
  uint64_t nl = layers ? layers : 1;
  for (unsigned l = 0; l < levels; l++) {
    struct cf_ptx_tex_level *lv = &t->level[l];
    lv->width = w >> l ? w >> l : 1;
    lv->height = h >> l ? h >> l : 1;
    lv->depth = d >> l ? d >> l : 1;
    lv->pitch = lv->width * tb;
    lv->slice = lv->pitch * lv->height;
    lv->layer_stride = lv->slice * lv->depth;
    lv->base = off;               /* relative until allocated */
    off += lv->layer_stride * nl;
  }
  uint64_t a = tmem_alloc(&M, off);
  for (unsigned l = 0; l < levels; l++)
    t->level[l].base += a;
  if (data)
    memcpy(tmem_host(&M, a), data, off);
  TOBJ_SURF[k] = surface;
  TOBJ_LIVE[k] = 1;
  return k;
}

static inline uint64_t H(unsigned k) { return TOBJ_BASE + k; }
static inline void *tobj_host(unsigned k) { return tmem_host(&M, TOBJ[k].level[0].base); }

/* Launch kernel name of mod on n threads with params (h, in, out), where
 * thread i reads in[16 i .. 16 i + 15] and writes out likewise. Returns
 * the CUresult; err gets the fault line. */
static inline int run_k(struct cf_ptx_module *mod, const char *name, uint64_t h,
                 const void *in, unsigned n, void *out, char *err,
                 size_t errlen) {
  const struct cf_ptx_kernel *k = kernel(mod, name);
  ASSERT(n >= 1 && n <= RUN_MAX);
  memcpy(tmem_host(&M, DIN), in, 16ull * n);
  memset(tmem_host(&M, DOUT), 0, 16ull * n);
  uint64_t p[3] = {h, DIN, DOUT};
  ASSERT_EQ(cf_ptx_kernel_param_bytes(k), sizeof p);
  unsigned g[3] = {1, 1, 1}, b[3] = {n, 1, 1};
  err[0] = '\0';
  int rc = launch3(k, &M, g, b, p, sizeof p, 0, err, errlen);
  memcpy(out, tmem_host(&M, DOUT), 16ull * n);
  return rc;
}

static inline void run_ok(struct cf_ptx_module *mod, const char *name, uint64_t h,
                   const void *in, unsigned n, void *out) {
  char err[320];
  int rc = run_k(mod, name, h, in, n, out, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "%s: %d %s\n", name, rc, err);
  ASSERT_EQ(rc, 0);
}

#endif
