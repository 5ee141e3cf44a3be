/* Scoped name tables of the PTX parser (ptx_names.c). */
#ifndef CF_PTX_NAMES_H
#define CF_PTX_NAMES_H

#include <stdint.h>

struct cf__ptx_name {
  const char *s;      /* points into the PTX text */
  uint32_t len, tag, depth, next;
  uint64_t val, val2;
};
struct cf__ptx_names {
  uint32_t *bucket;
  struct cf__ptx_name *e;
  uint32_t n, cap;
};

/* 0 or CF_ENOMEM. */
int cf__ptx_names_init(struct cf__ptx_names *t);
void cf__ptx_names_free(struct cf__ptx_names *t);
/* The newest entry with this name and tag, or NULL. Valid until the next
 * put or pop. */
const struct cf__ptx_name *cf__ptx_names_get(const struct cf__ptx_names *t,
                                             const char *s, uint32_t n,
                                             uint32_t tag);
/* Add an entry (shadowing older ones). 0 or CF_ENOMEM. */
int cf__ptx_names_put(struct cf__ptx_names *t, const char *s, uint32_t n,
                      uint32_t tag, uint32_t depth, uint64_t val,
                      uint64_t val2);
/* Remove every entry declared deeper than depth. */
void cf__ptx_names_pop(struct cf__ptx_names *t, uint32_t depth);

#endif
