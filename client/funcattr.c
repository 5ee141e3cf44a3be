/* Function attributes, cached per function: frameworks ask cuFuncGetAttribute
 * for the same few attributes of the same kernels before every launch, and
 * each answer would otherwise be a round trip.
 *
 * What is cached: per CUfunction handle id, the value of each attribute
 * (0 <= attrib < CU_FUNC_ATTRIBUTE_MAX) that the server answered with
 * success; an attribute is fetched (with the forwarded row) the first time
 * it is asked for. Fetching every attribute at the first query would need a
 * wire op of its own and a server that knows it; programs ask for a handful,
 * so one round trip per (function, attribute) is close to the optimum
 * without changing the protocol. Errors (an unknown attribute, a bad or
 * dead handle, a kernel passed as a function) are never cached: such calls
 * make their round trip every time, so the server answers them as before.
 *
 * When an entry goes:
 *  - cuFuncSetAttribute and cuFuncSetCacheConfig that succeed forget the
 *    function's entry (the next query asks again: a driver may round or
 *    clamp what it stores, and one setting may move another); one that
 *    fails changes nothing on the driver, so the entry stays.
 *  - cuKernelSetAttribute changes the functions of that kernel, which the
 *    client cannot name: every entry goes.
 *  - a module or library unloaded, or a context destroyed or reset
 *    (cf__funcattr_forget_all, called by the generated stubs of `kills`
 *    rows after their call and by context.c), ends functions the client
 *    cannot list: every entry goes. Handle ids are never reused by the
 *    server, so an entry left behind would only cost memory; dropping all
 *    keeps the table bounded and is rare next to queries.
 *  - the table holds at most MAX_FUNCS functions; full, it starts again
 *    empty (as vouch.c does).
 *
 * Threads: one mutex. A fetch runs without it, so a reset or a set may
 * happen while the answer travels; every forget bumps a generation, and an
 * answer fetched under an older generation is returned but not stored. A
 * forget after its call (not before) therefore never leaves a stale entry:
 * any query the server ran before the unload stores before the forget or
 * is discarded by it, and any query after it fails. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "internal.h"

#define MAX_FUNCS 2048 /* functions kept; full: forget them all */
#define N_ATTRS ((int)CU_FUNC_ATTRIBUTE_MAX)

_Static_assert(CU_FUNC_ATTRIBUTE_MAX <= 32, "known is a 32-bit mask");

struct entry {
  uint64_t id;     /* the function's handle id; 0: free slot */
  uint32_t known;  /* bit a: values[a] holds attribute a */
  int values[CU_FUNC_ATTRIBUTE_MAX];
};

static struct {
  pthread_mutex_t lock;
  struct entry *slots; /* open addressing, linear probing */
  size_t cap, used;
  uint64_t gen;        /* bumped by every forget */
} F = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t slot_of(uint64_t id)
{
  return (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (F.cap - 1);
}

/* The entry of id, or NULL; with add, a new one (NULL when out of memory).
 * Lock held. */
static struct entry *find(uint64_t id, int add)
{
  size_t i;

  if (!F.slots) {
    if (!add)
      return NULL;
    F.cap = 2 * MAX_FUNCS; /* at most half full */
    if (!(F.slots = calloc(F.cap, sizeof *F.slots)))
      return NULL;
  }
  for (i = slot_of(id); F.slots[i].id; i = (i + 1) & (F.cap - 1))
    if (F.slots[i].id == id)
      return &F.slots[i];
  if (!add)
    return NULL;
  if (F.used >= MAX_FUNCS) {
    memset(F.slots, 0, F.cap * sizeof *F.slots);
    F.used = 0;
    i = slot_of(id);
  }
  F.used++;
  F.slots[i].id = id;
  F.slots[i].known = 0;
  return &F.slots[i];
}

void cf__funcattr_forget_all(void)
{
  pthread_mutex_lock(&F.lock);
  if (F.slots)
    memset(F.slots, 0, F.cap * sizeof *F.slots);
  F.used = 0;
  F.gen++;
  pthread_mutex_unlock(&F.lock);
}

/* Forget one function's values (the slot stays, so probing is undisturbed). */
static void forget(CUfunction f)
{
  struct entry *e;

  pthread_mutex_lock(&F.lock);
  if ((e = find((uint64_t)(uintptr_t)f, 0)))
    e->known = 0;
  F.gen++;
  pthread_mutex_unlock(&F.lock);
}

CF_EXPORT CUresult CUDAAPI cuFuncGetAttribute(int *pi, CUfunction_attribute attrib,
                                              CUfunction hfunc)
{
  uint64_t id = (uint64_t)(uintptr_t)hfunc, gen;
  int cacheable = (int)attrib >= 0 && (int)attrib < N_ATTRS && id != 0, v;
  struct entry *e;
  CUresult r;

  if (!pi)
    return CUDA_ERROR_INVALID_VALUE;
  /* Before cuInit and in a forked child the session answers, not the
   * parent's cache. */
  cacheable = cacheable && cf__session_welcome();
  pthread_mutex_lock(&F.lock);
  gen = F.gen;
  if (cacheable && (e = find(id, 0)) && (e->known >> attrib & 1)) {
    *pi = e->values[attrib];
    pthread_mutex_unlock(&F.lock);
    return CUDA_SUCCESS;
  }
  pthread_mutex_unlock(&F.lock);
  if ((r = cf__rpc_cuFuncGetAttribute(&v, attrib, hfunc)) != CUDA_SUCCESS)
    return r;
  *pi = v;
  if (cacheable) {
    pthread_mutex_lock(&F.lock);
    if (gen == F.gen && (e = find(id, 1))) {
      e->values[attrib] = v;
      e->known |= UINT32_C(1) << attrib;
    }
    pthread_mutex_unlock(&F.lock);
  }
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib,
                                              int value)
{
  CUresult r = cf__rpc_cuFuncSetAttribute(hfunc, attrib, value);

  if (r == CUDA_SUCCESS)
    forget(hfunc);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuFuncSetCacheConfig(CUfunction hfunc, CUfunc_cache config)
{
  CUresult r = cf__rpc_cuFuncSetCacheConfig(hfunc, config);

  if (r == CUDA_SUCCESS)
    forget(hfunc);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuKernelSetAttribute(CUfunction_attribute attrib, int val,
                                                CUkernel kernel, CUdevice dev)
{
  CUresult r = cf__rpc_cuKernelSetAttribute(attrib, val, kernel, dev);

  if (r == CUDA_SUCCESS)
    cf__funcattr_forget_all();
  return r;
}
