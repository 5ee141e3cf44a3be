/* cuLibraryGetKernel without a round trip per kernel. cudart looks up every
 * kernel of a library by name (its mangled name) before the first launch
 * of it, one cuLibraryGetKernel each: over a 10 ms link, a library of 500
 * kernels would cost 5 s. Instead the first lookup in a library fetches the
 * table of all its kernels with their names (cfLibraryKernelTable, one
 * round trip; the server registers each kernel's handle: server/library.c)
 * and every lookup in that library of a name in the table is then answered
 * here. A name not in the table goes to the server, which answers as the
 * driver does (NOT_FOUND, or a kernel the listing missed: the emulator
 * lists the entries it finds in PTX text); programs look up names they
 * know, so that is rare.
 *
 * A table lives until cuLibraryUnload of its library. A server that cannot
 * list kernels (a driver without cuKernelGetName, a table over the bulk
 * limit) answers NOT_SUPPORTED, and lookups in that library go to the
 * server one by one, as before. In a forked child there is no session, and
 * no table is used. One mutex guards the tables; fetching happens without
 * it (two threads may both fetch one library's table; one is kept). */
#include <endian.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "internal.h"

#define FIRST_CAPACITY (64u << 10)
#define ENTRY_HEAD 12u /* u64 id, u32 name length */

struct kernel_entry {
  const char *name; /* points into the table's bytes */
  size_t len;
  uint64_t id;
};

struct kernel_table {
  struct kernel_table *next;
  uint64_t lib;
  int unsupported; /* look kernels up one by one */
  size_t n;
  struct kernel_entry *entries; /* sorted by name */
  uint8_t *bytes;
};

static struct {
  pthread_mutex_t lock;
  struct kernel_table *head; /* most recently used first */
} T = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void table_free(struct kernel_table *t)
{
  if (t) {
    free(t->entries);
    free(t->bytes);
    free(t);
  }
}

static int entry_cmp(const void *a, const void *b)
{
  const struct kernel_entry *x = a, *y = b;
  int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Split the server's table of len bytes (taken over) into sorted entries.
 * NULL when it is malformed or memory runs out. */
static struct kernel_table *table_parse(uint64_t lib, uint8_t *b, size_t len)
{
  struct kernel_table *t = calloc(1, sizeof *t);
  size_t n = 0, cap = 0;

  if (!t)
    goto fail;
  t->lib = lib;
  t->bytes = b;
  for (size_t at = 0; at < len;) {
    uint64_t id;
    uint32_t nlen;

    if (len - at < ENTRY_HEAD)
      goto fail;
    memcpy(&id, b + at, 8);
    memcpy(&nlen, b + at + 8, 4);
    nlen = le32toh(nlen);
    if (len - at - ENTRY_HEAD < nlen || !id)
      goto fail;
    if (n == cap) {
      struct kernel_entry *e = realloc(t->entries, (cap = cap ? 2 * cap : 64) * sizeof *e);

      if (!e)
        goto fail;
      t->entries = e;
    }
    t->entries[n++] = (struct kernel_entry){ (const char *)b + at + ENTRY_HEAD, nlen,
                                             le64toh(id) };
    at += ENTRY_HEAD + nlen;
  }
  t->n = n;
  if (n)
    qsort(t->entries, n, sizeof *t->entries, entry_cmp);
  return t;
fail:
  if (!t)
    free(b);
  table_free(t);
  return NULL;
}

/* Fetch lib's table from the server: a table, one marked unsupported, or
 * NULL with *r the error to return (a bad library handle, say). */
static struct kernel_table *table_fetch(uint64_t lib, CUresult *r)
{
  size_t cap = FIRST_CAPACITY, need = 0;
  struct kernel_table *t;
  uint8_t *b = NULL;

  for (int tries = 0; tries < 3; tries++) {
    uint8_t *nb = realloc(b, cap ? cap : 1);

    if (!nb) {
      free(b);
      *r = CUDA_ERROR_OUT_OF_MEMORY;
      return NULL;
    }
    b = nb;
    *r = cf__rpc_cfLibraryKernelTable((CUlibrary)(uintptr_t)lib, &need, b, cap);
    if (*r != CUDA_SUCCESS || need <= cap)
      break;
    cap = need; /* it grew: the library's kernels are fixed, so this settles */
  }
  if (*r == CUDA_ERROR_NOT_SUPPORTED || (*r == CUDA_SUCCESS && need > cap)) {
    free(b);
    if (!(t = calloc(1, sizeof *t))) {
      *r = CUDA_ERROR_OUT_OF_MEMORY;
      return NULL;
    }
    t->lib = lib;
    t->unsupported = 1;
    *r = CUDA_SUCCESS;
    return t;
  }
  if (*r != CUDA_SUCCESS) {
    free(b);
    return NULL;
  }
  if (!(t = table_parse(lib, b, need)))
    *r = CUDA_ERROR_UNKNOWN; /* the server sent a malformed table */
  return t;
}

/* lib's table, moved to the front; NULL when none is held. Lock held. */
static struct kernel_table *table_find(uint64_t lib)
{
  for (struct kernel_table **p = &T.head; *p; p = &(*p)->next)
    if ((*p)->lib == lib) {
      struct kernel_table *t = *p;

      *p = t->next;
      t->next = T.head;
      T.head = t;
      return t;
    }
  return NULL;
}

/* Look name up in lib's table: 1 found (*id), 0 not in the table, -1 no
 * table (unsupported). Lock held. */
static int table_lookup(const struct kernel_table *t, const char *name, uint64_t *id)
{
  struct kernel_entry key = { name, strlen(name), 0 };
  const struct kernel_entry *e;

  if (t->unsupported)
    return -1;
  e = t->n ? bsearch(&key, t->entries, t->n, sizeof key, entry_cmp) : NULL;
  if (e)
    *id = e->id;
  return e != NULL;
}

CF_EXPORT CUresult CUDAAPI cuLibraryGetKernel(CUkernel *pKernel, CUlibrary library,
                                              const char *name)
{
  uint64_t lib = (uint64_t)(uintptr_t)library, id = 0;
  struct kernel_table *t, *fetched;
  CUresult r;
  int found;

  if (!pKernel || !name || !library)
    return cf__rpc_cuLibraryGetKernel(pKernel, library, name); /* the server's answer */
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  pthread_mutex_lock(&T.lock);
  t = table_find(lib);
  found = t ? table_lookup(t, name, &id) : -1;
  pthread_mutex_unlock(&T.lock);
  if (!t) {
    if (!(fetched = table_fetch(lib, &r)))
      return r;
    pthread_mutex_lock(&T.lock);
    if (!(t = table_find(lib))) {
      fetched->next = T.head;
      T.head = t = fetched;
      fetched = NULL;
    }
    found = table_lookup(t, name, &id);
    pthread_mutex_unlock(&T.lock);
    table_free(fetched);
  }
  if (found <= 0)
    return cf__rpc_cuLibraryGetKernel(pKernel, library, name);
  *pKernel = (CUkernel)(uintptr_t)id;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuLibraryUnload(CUlibrary library)
{
  CUresult r = cf__rpc_cuLibraryUnload(library);
  struct kernel_table *t = NULL;

  if (r == CUDA_SUCCESS) {
    pthread_mutex_lock(&T.lock);
    for (struct kernel_table **p = &T.head; *p; p = &(*p)->next)
      if ((*p)->lib == (uint64_t)(uintptr_t)library) {
        t = *p;
        *p = t->next;
        break;
      }
    pthread_mutex_unlock(&T.lock);
    table_free(t);
  }
  return r;
}
