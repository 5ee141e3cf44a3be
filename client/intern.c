/* Interned strings: names the driver owns and hands out as const char *
 * (cuFuncGetName, cuKernelGetName) must stay valid after the reply that
 * carried them is freed. Each distinct string is copied once and kept until
 * the stub is unloaded; a program has a bounded set of kernel names, so the
 * set stays small. One mutex guards it; a linear probe table that doubles
 * past half full. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **slots;   /* NULL or an owned copy */
static size_t n_slots; /* a power of two, or 0 */
static size_t n_used;

static uint64_t hash(const char *s)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* The slot holding s, or the empty slot where it belongs. */
static char **probe(char **t, size_t n, const char *s)
{
  size_t i = (size_t)hash(s) & (n - 1);
  while (t[i] && strcmp(t[i], s) != 0)
    i = (i + 1) & (n - 1);
  return &t[i];
}

static int grow(void)
{
  size_t n = n_slots ? 2 * n_slots : 64;
  char **t = calloc(n, sizeof *t);
  if (!t)
    return -1;
  for (size_t i = 0; i < n_slots; i++)
    if (slots[i])
      *probe(t, n, slots[i]) = slots[i];
  free(slots);
  slots = t;
  n_slots = n;
  return 0;
}

const char *cf__intern_string(const char *s)
{
  char **slot, *copy = NULL;
  if (!s)
    return NULL;
  pthread_mutex_lock(&lock);
  if (2 * (n_used + 1) > n_slots && grow() != 0)
    goto out;
  slot = probe(slots, n_slots, s);
  if (!*slot && (*slot = strdup(s)))
    n_used++;
  copy = *slot;
out:
  pthread_mutex_unlock(&lock);
  return copy;
}

__attribute__((destructor)) static void intern_free(void)
{
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < n_slots; i++)
    free(slots[i]);
  free(slots);
  slots = NULL;
  n_slots = n_used = 0;
  pthread_mutex_unlock(&lock);
}
