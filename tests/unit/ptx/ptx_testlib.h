/* Helpers for the PTX interpreter tests: a toy device memory (a few host
 * buffers behind device-like addresses, with a bounds-checked map() like
 * the driver layer's), loading PTX from strings with the error checked,
 * and one-call launches. Header-only; each test program includes it once. */
#ifndef CF_PTX_TESTLIB_H
#define CF_PTX_TESTLIB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_test.h"
#include "ptx.h"

#define TMEM_MAX 128
struct tmem {
  struct { uint64_t addr, len; uint8_t *host; } a[TMEM_MAX];
  int n;
  uint64_t next;
  struct cf_ptx_memory mem;
};

static inline void *tmem_map(void *user, uint64_t addr, uint64_t len) {
  struct tmem *m = user;
  for (int i = 0; i < m->n; i++)
    if (addr >= m->a[i].addr && addr - m->a[i].addr <= m->a[i].len &&
        len <= m->a[i].len - (addr - m->a[i].addr))
      return m->a[i].host + (addr - m->a[i].addr);
  return NULL;
}

static inline void tmem_init(struct tmem *m) {
  memset(m, 0, sizeof *m);
  m->next = 0x10000000ull;
  m->mem.user = m;
  m->mem.map = tmem_map;
}

static inline void tmem_free(struct tmem *m) {
  for (int i = 0; i < m->n; i++)
    free(m->a[i].host);
  m->n = 0;
}

/* A zeroed allocation of len bytes; returns its device address. */
static inline uint64_t tmem_alloc(struct tmem *m, uint64_t len) {
  ASSERT(m->n < TMEM_MAX);
  uint64_t addr = m->next;
  m->a[m->n].addr = addr;
  m->a[m->n].len = len;
  m->a[m->n].host = calloc(1, len ? len : 1);
  ASSERT_NOT_NULL(m->a[m->n].host);
  m->n++;
  m->next += (len + 0xffff) & ~0xffffull;
  m->next += 0x10000;   /* a gap, so overruns do not land in a neighbour */
  return addr;
}

static inline void *tmem_host(struct tmem *m, uint64_t addr) {
  void *p = tmem_map(m, addr, 1);
  ASSERT_NOT_NULL(p);
  return p;
}

static inline struct cf_ptx_module *load_ok(const char *ptx) {
  char err[256];
  struct cf_ptx_module *mod = NULL;
  int rc = cf_ptx_module_load(ptx, strlen(ptx), &mod, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "load failed: %s (%s)\n", err, cf_errname(rc));
  ASSERT_EQ(rc, 0);
  ASSERT_NOT_NULL(mod);
  return mod;
}

/* Load error code; err gets the message. */
static inline int load_err(const char *ptx, char *err, size_t errlen) {
  struct cf_ptx_module *mod = NULL;
  int rc = cf_ptx_module_load(ptx, strlen(ptx), &mod, err, errlen);
  if (rc == 0)
    cf_ptx_module_free(mod);
  else
    ASSERT_NULL(mod);
  return rc;
}

static inline int launch3(const struct cf_ptx_kernel *k, struct tmem *m,
                   const unsigned grid[3], const unsigned block[3],
                   const void *params, size_t plen, uint32_t dyn, char *err,
                   size_t errlen) {
  struct cf_ptx_launch l;
  memset(&l, 0, sizeof l);
  memcpy(l.grid, grid, sizeof l.grid);
  memcpy(l.block, block, sizeof l.block);
  l.dynamic_shared_bytes = dyn;
  l.params = params;
  l.params_len = plen;
  l.mem = &m->mem;
  return cf_ptx_launch(k, &l, err, errlen);
}

/* 1D launch that must succeed. */
static inline void launch_ok(const struct cf_ptx_kernel *k, struct tmem *m,
                      unsigned grid, unsigned block, const void *params,
                      size_t plen, uint32_t dyn) {
  char err[320];
  unsigned g[3] = {grid, 1, 1}, b[3] = {block, 1, 1};
  int rc = launch3(k, m, g, b, params, plen, dyn, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "launch failed: %d: %s\n", rc, err);
  ASSERT_EQ(rc, 0);
}

static inline const struct cf_ptx_kernel *kernel(struct cf_ptx_module *mod,
                                          const char *name) {
  const struct cf_ptx_kernel *k = cf_ptx_module_kernel(mod, name);
  if (k == NULL)
    fprintf(stderr, "no kernel %s\n", name);
  ASSERT_NOT_NULL(k);
  return k;
}

static inline float f32_of(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static inline uint32_t bits_f32(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

#endif
