/* Name tables for the PTX parser: a small chained hash map from names to
 * values with LIFO scopes (registers declared inside `{ }` disappear at the
 * closing brace), used for registers, labels and symbols. Names are not
 * copied: they point into the PTX text, which outlives the parse. Entries
 * are only ever removed newest-first, which keeps removal O(1): the newest
 * entry is always at the head of its chain. Single-threaded, owned by one
 * parser. */
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "ptx_names.h"

#define NBUCKETS 4096u

static uint32_t hash(const char *s, uint32_t n, uint32_t tag) {
  uint32_t h = 2166136261u ^ tag;
  for (uint32_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h & (NBUCKETS - 1);
}

int cf__ptx_names_init(struct cf__ptx_names *t) {
  memset(t, 0, sizeof *t);
  t->bucket = malloc(NBUCKETS * sizeof *t->bucket);
  if (t->bucket == NULL)
    return CF_ENOMEM;
  for (uint32_t i = 0; i < NBUCKETS; i++)
    t->bucket[i] = UINT32_MAX;
  return 0;
}

void cf__ptx_names_free(struct cf__ptx_names *t) {
  free(t->bucket);
  free(t->e);
  memset(t, 0, sizeof *t);
}

const struct cf__ptx_name *cf__ptx_names_get(const struct cf__ptx_names *t,
                                             const char *s, uint32_t n,
                                             uint32_t tag) {
  for (uint32_t i = t->bucket[hash(s, n, tag)]; i != UINT32_MAX;
       i = t->e[i].next) {
    const struct cf__ptx_name *e = &t->e[i];
    if (e->tag == tag && e->len == n && memcmp(e->s, s, n) == 0)
      return e;
  }
  return NULL;
}

int cf__ptx_names_put(struct cf__ptx_names *t, const char *s, uint32_t n,
                      uint32_t tag, uint32_t depth, uint64_t val,
                      uint64_t val2) {
  if (t->n == t->cap) {
    uint32_t cap = t->cap ? t->cap * 2 : 64;
    if (cap > (1u << 24))
      return CF_ENOMEM;
    struct cf__ptx_name *e = realloc(t->e, cap * sizeof *e);
    if (e == NULL)
      return CF_ENOMEM;
    t->e = e;
    t->cap = cap;
  }
  uint32_t h = hash(s, n, tag);
  struct cf__ptx_name *e = &t->e[t->n];
  e->s = s;
  e->len = n;
  e->tag = tag;
  e->depth = depth;
  e->val = val;
  e->val2 = val2;
  e->next = t->bucket[h];
  t->bucket[h] = t->n++;
  return 0;
}

void cf__ptx_names_pop(struct cf__ptx_names *t, uint32_t depth) {
  while (t->n > 0 && t->e[t->n - 1].depth > depth) {
    struct cf__ptx_name *e = &t->e[t->n - 1];
    t->bucket[hash(e->s, e->len, e->tag)] = e->next;
    t->n--;
  }
}
