/* Kernels and functions found by name without a round trip per name.
 * cudart looks up every kernel of a library by name (its mangled name)
 * before the first launch of it, one cuLibraryGetKernel each, and
 * driver-API programs look up a module's functions the same way with
 * cuModuleGetFunction: over a 10 ms link, 5 s for 500 kernels. Instead the
 * first lookup in a library or module fetches the table of all its kernels
 * or functions with their names (cfLibraryKernelTable, cfModuleFunctionTable:
 * one round trip; the server registers each one's handle: server/
 * library.c), and every later lookup of a name in the table is answered
 * here. A name not in the table goes to the server, which answers as the
 * driver does (NOT_FOUND, or one the listing missed: the emulator lists the
 * entries it finds in PTX text); programs look up names they know, so that
 * is rare. cuModuleGetFunctionCount and cuModuleEnumerateFunctions are
 * answered from the table too.
 *
 * A table goes when its library or module is unloaded, and a module's when
 * its context ends (cf__kernel_table_forget*, called by the generated
 * stubs and context.c). A server that cannot list names (a driver without
 * them, a table over the bulk limit) answers NOT_SUPPORTED, and lookups in
 * that container go to the server one by one. In a forked child there is
 * no session, and no table is used. One mutex guards the tables; fetching
 * happens without it (two threads may both fetch a table; one is kept). */
#include <endian.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "internal.h"

#define FIRST_CAPACITY (64u << 10)
#define ENTRY_HEAD 12u /* u64 id, u32 name length */

enum container_kind { LIBRARY, MODULE };

struct member {
  const char *name; /* points into the table's bytes */
  size_t len;
  uint64_t id;
};

struct name_table {
  struct name_table *next;
  uint64_t handle;
  enum container_kind kind;
  int unsupported;         /* look names up one by one */
  size_t n;
  struct member *members;  /* in the driver's order */
  struct member **by_name; /* the same, sorted by name */
  uint8_t *bytes;
};

static struct {
  pthread_mutex_t lock;
  struct name_table *head; /* most recently used first */
} T = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void table_free(struct name_table *t)
{
  if (t) {
    free(t->members);
    free(t->by_name);
    free(t->bytes);
    free(t);
  }
}

static int member_cmp(const struct member *x, const struct member *y)
{
  int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

  return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int by_name_cmp(const void *a, const void *b)
{
  return member_cmp(*(struct member *const *)a, *(struct member *const *)b);
}

/* Split the server's table of len bytes at b into t's members. Returns 0,
 * or -1 when it is malformed or memory runs out. */
static int table_parse(struct name_table *t, const uint8_t *b, size_t len)
{
  size_t n = 0, cap = 0;

  for (size_t at = 0; at < len;) {
    uint64_t id;
    uint32_t nlen;

    if (len - at < ENTRY_HEAD)
      return -1;
    memcpy(&id, b + at, 8);
    memcpy(&nlen, b + at + 8, 4);
    nlen = le32toh(nlen);
    if (len - at - ENTRY_HEAD < nlen || !id)
      return -1;
    if (n == cap) {
      struct member *m = realloc(t->members, (cap = cap ? 2 * cap : 64) * sizeof *m);

      if (!m)
        return -1;
      t->members = m;
    }
    t->members[n++] = (struct member){ (const char *)b + at + ENTRY_HEAD, nlen, le64toh(id) };
    at += ENTRY_HEAD + nlen;
  }
  if (n && !(t->by_name = malloc(n * sizeof *t->by_name)))
    return -1;
  for (size_t i = 0; i < n; i++)
    t->by_name[i] = &t->members[i];
  if (n)
    qsort(t->by_name, n, sizeof *t->by_name, by_name_cmp);
  t->n = n;
  return 0;
}

static CUresult fetch_rpc(enum container_kind kind, uint64_t handle, size_t *need, void *b,
                          size_t cap)
{
  if (kind == LIBRARY)
    return cf__rpc_cfLibraryKernelTable((CUlibrary)(uintptr_t)handle, need, b, cap);
  return cf__rpc_cfModuleFunctionTable((CUmodule)(uintptr_t)handle, need, b, cap);
}

/* Fetch a container's table from the server: a table, possibly marked
 * unsupported, or NULL with *r the error to return (a bad handle, say). */
static struct name_table *table_fetch(enum container_kind kind, uint64_t handle, CUresult *r)
{
  size_t cap = FIRST_CAPACITY, need = 0;
  struct name_table *t = calloc(1, sizeof *t);

  if (!t) {
    *r = CUDA_ERROR_OUT_OF_MEMORY;
    return NULL;
  }
  t->handle = handle;
  t->kind = kind;
  for (int tries = 0; tries < 3; tries++) {
    uint8_t *nb = realloc(t->bytes, cap ? cap : 1);

    if (!nb) {
      *r = CUDA_ERROR_OUT_OF_MEMORY;
      break;
    }
    t->bytes = nb;
    *r = fetch_rpc(kind, handle, &need, t->bytes, cap);
    if (*r != CUDA_SUCCESS || need <= cap)
      break;
    cap = need; /* it grew: the members are fixed, so this settles */
  }
  if (*r == CUDA_ERROR_NOT_SUPPORTED || (*r == CUDA_SUCCESS && need > cap)) {
    t->unsupported = 1;
    *r = CUDA_SUCCESS;
    return t;
  }
  if (*r == CUDA_SUCCESS && table_parse(t, t->bytes, need) != 0)
    *r = CUDA_ERROR_UNKNOWN; /* the server sent a malformed table */
  if (*r != CUDA_SUCCESS) {
    table_free(t);
    return NULL;
  }
  return t;
}

/* handle's table, moved to the front; NULL when none is held. Lock held. */
static struct name_table *table_find(uint64_t handle)
{
  for (struct name_table **p = &T.head; *p; p = &(*p)->next)
    if ((*p)->handle == handle) {
      struct name_table *t = *p;

      *p = t->next;
      t->next = T.head;
      T.head = t;
      return t;
    }
  return NULL;
}

/* handle's table, fetched when none is held; with the lock held on
 * success. NULL with *r when it could not be had. */
static struct name_table *table_get(enum container_kind kind, uint64_t handle, CUresult *r)
{
  struct name_table *t, *fetched;

  pthread_mutex_lock(&T.lock);
  if ((t = table_find(handle)))
    return t;
  pthread_mutex_unlock(&T.lock);
  if (!(fetched = table_fetch(kind, handle, r)))
    return NULL;
  pthread_mutex_lock(&T.lock);
  if (!(t = table_find(handle))) {
    fetched->next = T.head;
    T.head = t = fetched;
    fetched = NULL;
  }
  table_free(fetched);
  return t;
}

/* Look name up in a table: 1 found (*id), 0 not there, -1 no table. */
static int table_lookup(const struct name_table *t, const char *name, uint64_t *id)
{
  struct member key = { name, strlen(name), 0 }, *kp = &key, **e;

  if (t->unsupported)
    return -1;
  e = t->n ? bsearch(&kp, t->by_name, t->n, sizeof kp, by_name_cmp) : NULL;
  if (e)
    *id = (*e)->id;
  return e != NULL;
}

/* Look name up in the container: 1 found (*id), 0 ask the server, or -1
 * with *r the error. */
static int lookup(enum container_kind kind, uint64_t handle, const char *name, uint64_t *id,
                  CUresult *r)
{
  struct name_table *t;
  int found;

  if (!cf__session_welcome()) {
    *r = CUDA_ERROR_NOT_INITIALIZED;
    return -1;
  }
  if (!(t = table_get(kind, handle, r)))
    return -1;
  found = table_lookup(t, name, id) > 0;
  pthread_mutex_unlock(&T.lock);
  return found;
}

CF_EXPORT CUresult CUDAAPI cuLibraryGetKernel(CUkernel *pKernel, CUlibrary library,
                                              const char *name)
{
  uint64_t id = 0;
  CUresult r;
  int found;

  if (!pKernel || !name || !library)
    return cf__rpc_cuLibraryGetKernel(pKernel, library, name); /* the server's answer */
  if ((found = lookup(LIBRARY, (uint64_t)(uintptr_t)library, name, &id, &r)) < 0)
    return r;
  if (!found)
    return cf__rpc_cuLibraryGetKernel(pKernel, library, name);
  *pKernel = (CUkernel)(uintptr_t)id;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod,
                                               const char *name)
{
  uint64_t id = 0;
  CUresult r;
  int found;

  if (!hfunc || !name || !hmod)
    return cf__rpc_cuModuleGetFunction(hfunc, hmod, name);
  if ((found = lookup(MODULE, (uint64_t)(uintptr_t)hmod, name, &id, &r)) < 0)
    return r;
  if (!found)
    return cf__rpc_cuModuleGetFunction(hfunc, hmod, name);
  *hfunc = (CUfunction)(uintptr_t)id;
  return CUDA_SUCCESS;
}

/* The module's table with the lock held, or NULL with *r (NOT_SUPPORTED
 * when the server cannot list functions). */
static struct name_table *module_table(CUmodule mod, CUresult *r)
{
  struct name_table *t;

  if (!cf__session_welcome()) {
    *r = CUDA_ERROR_NOT_INITIALIZED;
    return NULL;
  }
  if (!mod) {
    *r = CUDA_ERROR_INVALID_HANDLE;
    return NULL;
  }
  if (!(t = table_get(MODULE, (uint64_t)(uintptr_t)mod, r)))
    return NULL;
  if (t->unsupported) {
    pthread_mutex_unlock(&T.lock);
    *r = CUDA_ERROR_NOT_SUPPORTED;
    return NULL;
  }
  return t;
}

CF_EXPORT CUresult CUDAAPI cuModuleGetFunctionCount(unsigned int *count, CUmodule mod)
{
  struct name_table *t;
  CUresult r;

  if (!(t = module_table(mod, &r)))
    return r;
  if (count)
    *count = (unsigned)t->n;
  pthread_mutex_unlock(&T.lock);
  return count ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CF_EXPORT CUresult CUDAAPI cuModuleEnumerateFunctions(CUfunction *functions,
                                                      unsigned int numFunctions, CUmodule mod)
{
  struct name_table *t;
  CUresult r;

  if (!(t = module_table(mod, &r)))
    return r;
  for (size_t i = 0; functions && i < numFunctions && i < t->n; i++)
    functions[i] = (CUfunction)(uintptr_t)t->members[i].id;
  pthread_mutex_unlock(&T.lock);
  return functions && numFunctions ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

/* Drop the tables for which drop(t, handle) says so. */
static void forget_if(int (*drop)(const struct name_table *t, uint64_t handle), uint64_t handle)
{
  struct name_table *gone = NULL;

  pthread_mutex_lock(&T.lock);
  for (struct name_table **p = &T.head; *p;) {
    struct name_table *t = *p;

    if (drop(t, handle)) {
      *p = t->next;
      t->next = gone;
      gone = t;
    } else {
      p = &t->next;
    }
  }
  pthread_mutex_unlock(&T.lock);
  while (gone) {
    struct name_table *next = gone->next;

    table_free(gone);
    gone = next;
  }
}

static int is_handle(const struct name_table *t, uint64_t handle)
{
  return t->handle == handle;
}

static int is_module(const struct name_table *t, uint64_t handle)
{
  (void)handle;
  return t->kind == MODULE;
}

void cf__kernel_table_forget(uint64_t handle)
{
  forget_if(is_handle, handle);
}

void cf__kernel_table_forget_modules(void)
{
  forget_if(is_module, 0);
}
