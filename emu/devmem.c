/* Device memory of the emulated GPU: one region of host memory reserved at
 * cuInit (mmap MAP_NORESERVE, so pages are committed only when touched) and
 * handed out at device-like addresses CF_EMU_DEVICE_BASE + offset.
 *
 * Free space is a sorted array of extents (first fit, coalesced on free);
 * live allocations are a sorted array searched by address, each tagged with
 * its context and owner (user allocation or a module's variable). map()
 * answers for the interpreter: a range is accessible only inside one live
 * allocation of the launching context, which also keeps contexts (and so the
 * server's clients) from reading each other's memory. Memory-pool blocks
 * (mempool.c) have no context: a POOL block is device memory any context
 * may use, a POOL_IDLE block is pool memory nobody may touch (freed by the
 * program but kept reserved), so use after free is caught as for any
 * freed allocation.
 *
 * Locking: the tables are changed under the global lock and, in addition,
 * the write side of mem_lock; map() takes only the read side, so worker
 * threads of a running launch never touch the global lock. The region is
 * never unmapped, so a host pointer from map() stays safe to dereference even
 * if the allocation is freed meanwhile. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cf_error.h"

/* The interpreter reserves generic addresses from CF_PTX_SHARED_WINDOW up
 * for .shared, .local and .param data; device memory must stay below. */
#ifdef CF_PTX_SHARED_WINDOW
_Static_assert(CF_EMU_DEVICE_BASE + CF_EMU_MAX_MEMORY <= CF_PTX_SHARED_WINDOW,
               "device addresses overlap the interpreter's generic windows");
#endif

struct extent {
  uint64_t off, len;
};

struct alloc {
  uint64_t addr;      /* device address */
  uint64_t size;      /* bytes requested: the accessible range */
  uint64_t span;      /* bytes taken from the region (aligned) */
  CUcontext ctx;
  const void *owner;  /* NULL for user allocations, else the module */
  enum cf_emu_alloc_kind kind;
};

static pthread_rwlock_t mem_lock = PTHREAD_RWLOCK_INITIALIZER;
static uint8_t *region;
static uint64_t region_size;
static uint64_t free_bytes;

static struct extent *fre;
static size_t nfre, capfre;
static struct alloc *live;
static size_t nlive, caplive;

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap)
    return 0;
  size_t ncap = *cap ? *cap * 2 : 64;
  while (ncap < need)
    ncap *= 2;
  void *n = realloc(*arr, ncap * elem);
  if (!n)
    return CF_ENOMEM;
  *arr = n;
  *cap = ncap;
  return 0;
}

int cf__emu_mem_init(uint64_t bytes)
{
  if (region)
    return 0;
  bytes = (bytes + 0xfffff) & ~0xfffffull;
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return CF_ENOMEM;
  if (grow((void **)&fre, &capfre, 1, sizeof *fre) != 0) {
    munmap(p, bytes);
    return CF_ENOMEM;
  }
  region = p;
  region_size = bytes;
  free_bytes = bytes;
  fre[0] = (struct extent){ 0, bytes };
  nfre = 1;
  return 0;
}

/* Index of the first live allocation with addr > a. */
static size_t live_upper(uint64_t a)
{
  size_t lo = 0, hi = nlive;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (live[mid].addr <= a)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* 1 when ctx may use allocation x: its own, or a pool block in use. */
static int visible(const struct alloc *x, CUcontext ctx)
{
  if (x->kind == CF_EMU_ALLOC_POOL)
    return 1;
  return x->ctx == ctx && x->kind != CF_EMU_ALLOC_POOL_IDLE;
}

/* The live allocation containing address a, or NULL. */
static struct alloc *live_find(uint64_t a)
{
  size_t i = live_upper(a);
  if (i == 0)
    return NULL;
  struct alloc *x = &live[i - 1];
  return a - x->addr < x->size ? x : NULL;
}

CUresult cf__emu_mem_alloc(CUcontext ctx, uint64_t size, uint64_t align,
                           enum cf_emu_alloc_kind kind, const void *owner,
                           uint64_t *addr)
{
  uint64_t span;
  size_t i;

  *addr = 0;
  if (!region || size == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (align < CF_EMU_ALLOC_ALIGN)
    align = CF_EMU_ALLOC_ALIGN;
  if (size > region_size)
    return CUDA_ERROR_OUT_OF_MEMORY;
  span = (size + CF_EMU_ALLOC_ALIGN - 1) & ~(uint64_t)(CF_EMU_ALLOC_ALIGN - 1);

  /* First fit. Extents start 256-aligned; larger alignments (module
   * variables declared .align 512 and up) may need a lead-in gap. */
  for (i = 0; i < nfre; i++) {
    uint64_t start = (fre[i].off + align - 1) & ~(align - 1);
    uint64_t lead = start - fre[i].off;
    if (lead <= fre[i].len && span <= fre[i].len - lead)
      break;
  }
  if (i == nfre)
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (grow((void **)&live, &caplive, nlive + 1, sizeof *live) != 0 ||
      grow((void **)&fre, &capfre, nlive + 2, sizeof *fre) != 0)
    return CUDA_ERROR_OUT_OF_MEMORY;

  struct extent e = fre[i];
  uint64_t start = (e.off + align - 1) & ~(align - 1);
  uint64_t lead = start - e.off, tail = e.len - lead - span;

  pthread_rwlock_wrlock(&mem_lock);
  if (lead && tail) {
    memmove(&fre[i + 2], &fre[i + 1], (nfre - i - 1) * sizeof *fre);
    fre[i] = (struct extent){ e.off, lead };
    fre[i + 1] = (struct extent){ start + span, tail };
    nfre++;
  } else if (lead) {
    fre[i].len = lead;
  } else if (tail) {
    fre[i] = (struct extent){ start + span, tail };
  } else {
    memmove(&fre[i], &fre[i + 1], (nfre - i - 1) * sizeof *fre);
    nfre--;
  }
  uint64_t a = CF_EMU_DEVICE_BASE + start;
  size_t j = live_upper(a);
  memmove(&live[j + 1], &live[j], (nlive - j) * sizeof *live);
  live[j] = (struct alloc){ a, size, span, ctx, owner, kind };
  nlive++;
  free_bytes -= span;
  pthread_rwlock_unlock(&mem_lock);
  *addr = a;
  return CUDA_SUCCESS;
}

/* Return live[j]'s span to the free list and drop it. Write lock held.
 * Cannot fail: free extents are separated by live allocations, so there are
 * never more than nlive + 1 of them, and every allocation grows capfre to at
 * least the new nlive + 1. */
static void release(size_t j)
{
  uint64_t off = live[j].addr - CF_EMU_DEVICE_BASE, len = live[j].span;
  size_t lo = 0, hi = nfre;

  /* Give big frees back to the kernel; small ones are not worth a syscall. */
  if (len >= (1u << 20)) {
    uint64_t b = (off + 4095) & ~4095ull, e = (off + len) & ~4095ull;
    if (e > b)
      madvise(region + b, e - b, MADV_DONTNEED);
  }
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (fre[mid].off < off)
      lo = mid + 1;
    else
      hi = mid;
  }
  int join_prev = lo > 0 && fre[lo - 1].off + fre[lo - 1].len == off;
  int join_next = lo < nfre && off + len == fre[lo].off;
  if (join_prev && join_next) {
    fre[lo - 1].len += len + fre[lo].len;
    memmove(&fre[lo], &fre[lo + 1], (nfre - lo - 1) * sizeof *fre);
    nfre--;
  } else if (join_prev) {
    fre[lo - 1].len += len;
  } else if (join_next) {
    fre[lo].off = off;
    fre[lo].len += len;
  } else {
    memmove(&fre[lo + 1], &fre[lo], (nfre - lo) * sizeof *fre);
    fre[lo] = (struct extent){ off, len };
    nfre++;
  }
  free_bytes += len;
  memmove(&live[j], &live[j + 1], (nlive - j - 1) * sizeof *live);
  nlive--;
}

CUresult cf__emu_mem_free(CUcontext ctx, uint64_t addr)
{
  size_t i = live_upper(addr);
  if (i == 0)
    return CUDA_ERROR_INVALID_VALUE;
  struct alloc *x = &live[i - 1];
  if (x->addr != addr || x->ctx != ctx || x->kind != CF_EMU_ALLOC_USER)
    return CUDA_ERROR_INVALID_VALUE;
  pthread_rwlock_wrlock(&mem_lock);
  release(i - 1);
  pthread_rwlock_unlock(&mem_lock);
  return CUDA_SUCCESS;
}

CUresult cf__emu_mem_lookup(uint64_t addr, enum cf_emu_alloc_kind *kind,
                            const void **owner)
{
  struct alloc *x = live_find(addr);
  if (!x || x->addr != addr)
    return CUDA_ERROR_INVALID_VALUE;
  *kind = x->kind;
  *owner = x->owner;
  return CUDA_SUCCESS;
}

void cf__emu_mem_set_kind(uint64_t addr, enum cf_emu_alloc_kind kind,
                          uint64_t size)
{
  struct alloc *x = live_find(addr);
  if (!x || x->addr != addr || size == 0 || size > x->span)
    return;
  pthread_rwlock_wrlock(&mem_lock);
  x->kind = kind;
  x->size = size;
  pthread_rwlock_unlock(&mem_lock);
}

void cf__emu_mem_release(uint64_t addr)
{
  size_t i = live_upper(addr);
  if (i == 0 || live[i - 1].addr != addr)
    return;
  pthread_rwlock_wrlock(&mem_lock);
  release(i - 1);
  pthread_rwlock_unlock(&mem_lock);
}

void cf__emu_mem_free_owner(CUcontext ctx, const void *owner)
{
  pthread_rwlock_wrlock(&mem_lock);
  for (size_t j = nlive; j-- > 0;)
    if (live[j].ctx == ctx && (!owner || live[j].owner == owner))
      release(j);
  pthread_rwlock_unlock(&mem_lock);
}

void *cf__emu_mem_map(CUcontext ctx, uint64_t addr, uint64_t len)
{
  void *p = NULL;
  if (len == 0)
    len = 1;
  pthread_rwlock_rdlock(&mem_lock);
  struct alloc *x = live_find(addr);
  if (x && visible(x, ctx) && len <= x->size - (addr - x->addr))
    p = region + (addr - CF_EMU_DEVICE_BASE);
  pthread_rwlock_unlock(&mem_lock);
  return p;
}

CUresult cf__emu_mem_range(CUcontext ctx, uint64_t addr, uint64_t *base,
                           uint64_t *size)
{
  struct alloc *x = live_find(addr);
  if (!x || !visible(x, ctx))
    return CUDA_ERROR_NOT_FOUND;
  *base = x->addr;
  *size = x->size;
  return CUDA_SUCCESS;
}

void cf__emu_mem_info(uint64_t *free_out, uint64_t *total)
{
  *free_out = free_bytes;
  *total = region_size;
}
