/* Cross-file declarations of the emulator's driver layer (emu/ but not emu/ptx/).
 *
 * The driver layer implements CUDA driver entry points on the CPU. It owns
 * device memory, contexts, modules, streams and events; emu/ptx/ owns PTX
 * parsing and execution. Every entry point takes the one global lock
 * (cf__emu_g.lock) for its whole body, except that a kernel launch drops it
 * while the interpreter runs and marks its stream busy instead; operations
 * that must follow that launch wait on cf__emu_g.cond. Device memory has its
 * own rwlock so the interpreter's map() callback never needs the global lock.
 *
 * Handles (CUcontext, CUmodule, CUfunction, CUstream, CUevent) are pointers
 * to the structs below. A handle is used only after it is found in the live
 * registry with the expected kind, so a stale or forged handle is rejected
 * without being dereferenced. */
#ifndef CF_EMU_INTERNAL_H
#define CF_EMU_INTERNAL_H

#include <cuda.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ptx/ptx.h"

#define CF_EMU_EXPORT __attribute__((visibility("default")))

/* ---- Device description ------------------------------------------------ */

#define CF_EMU_DEVICE_NAME       "cuferry CPU emulator"
#define CF_EMU_DRIVER_VERSION    13000
#define CF_EMU_MAX_THREADS       1024
#define CF_EMU_MAX_BLOCK_X       1024
#define CF_EMU_MAX_BLOCK_Y       1024
#define CF_EMU_MAX_BLOCK_Z       64
#define CF_EMU_MAX_GRID_X        2147483647u
#define CF_EMU_MAX_GRID_YZ       65535u
#define CF_EMU_SHARED_PER_BLOCK  (48u * 1024)
#define CF_EMU_SHARED_OPTIN      (163u * 1024)
#define CF_EMU_SHARED_PER_SM     (164u * 1024)
#define CF_EMU_CONST_BYTES       (64u * 1024)
#define CF_EMU_ALLOC_ALIGN       256u
#define CF_EMU_DEFAULT_MEMORY    (4ull << 30)
/* Device addresses live far from where Linux places host mappings, so a
 * host pointer passed as a device pointer is never mistaken for one. */
#define CF_EMU_DEVICE_BASE       0x0000100000000000ull
#define CF_EMU_MAX_MEMORY        (1ull << 42)

/* ---- Handles and the live registry (state.c) --------------------------- */

enum cf_emu_kind {
  CF_EMU_KIND_CTX = 1,
  CF_EMU_KIND_MODULE,
  CF_EMU_KIND_FUNC,
  CF_EMU_KIND_STREAM,
  CF_EMU_KIND_EVENT,
};

#define CF_EMU_MAGIC 0x63666575u /* "cfeu" */

struct cf_emu_obj {
  uint32_t magic;
  uint32_t kind;
};

/* Intrusive doubly linked list; an empty list points at itself. */
struct cf_emu_link {
  struct cf_emu_link *prev, *next;
};

#define CF_EMU_CONTAINER(ptr, type, member)                                   \
  ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define CF_EMU_NLIMITS 10

struct CUctx_st {
  struct cf_emu_obj hdr;
  int is_primary;
  unsigned flags;
  CUresult sticky;              /* first launch fault; returned from then on */
  unsigned inflight;            /* launches running with the lock dropped */
  unsigned null_busy;           /* of which on the NULL stream */
  size_t limits[CF_EMU_NLIMITS];
  struct cf_emu_link modules;   /* CUmod_st.link */
  struct cf_emu_link streams;   /* CUstream_st.link */
  struct cf_emu_link events;    /* CUevent_st.link */
  struct cf_emu_link pinned;    /* struct cf_emu_pinned.link */
};

struct CUmod_st {
  struct cf_emu_obj hdr;
  CUcontext ctx;
  struct cf_emu_link link;
  struct cf_ptx_module *ptx;
  uint64_t *var_addr;           /* device address of each module variable */
  unsigned nvars;
  uint64_t const_bytes;
  struct CUfunc_st *funcs;      /* singly linked through CUfunc_st.next */
};

struct CUfunc_st {
  struct cf_emu_obj hdr;
  CUmodule mod;
  struct CUfunc_st *next;
  const struct cf_ptx_kernel *k;
  char *name;
  int max_dynamic_shared;
  int carveout;
};

struct CUstream_st {
  struct cf_emu_obj hdr;
  CUcontext ctx;
  struct cf_emu_link link;
  unsigned flags;
  int priority;
  unsigned busy;                /* a launch on this stream is running */
  unsigned long long id;
};

struct CUevent_st {
  struct cf_emu_obj hdr;
  CUcontext ctx;
  struct cf_emu_link link;
  unsigned flags;
  int recorded;
  struct timespec when;
};

struct cf_emu_config {
  uint64_t memory_bytes;
  int cc_major, cc_minor;
  int sm_count;
};

struct cf_emu_global {
  pthread_mutex_t lock;
  pthread_cond_t cond;          /* broadcast when a launch ends */
  int initialized;
  struct cf_emu_config cfg;
  struct CUctx_st *primary;     /* created at cuInit, never freed */
  unsigned primary_refs;
  unsigned primary_flags;
  unsigned long long next_stream_id;
};

extern struct cf_emu_global cf__emu_g;

/* Registry of live handles. Call with the lock held. add returns 0 or
 * CF_ENOMEM; live returns 1 when h is a live handle of that kind. */
int cf__emu_handle_add(void *h, enum cf_emu_kind kind);
void cf__emu_handle_del(void *h);
int cf__emu_handle_live(const void *h, enum cf_emu_kind kind);

void cf__emu_list_init(struct cf_emu_link *l);
void cf__emu_list_add(struct cf_emu_link *head, struct cf_emu_link *n);
void cf__emu_list_del(struct cf_emu_link *n);

/* Entry helpers. On CUDA_SUCCESS the lock is held and the caller must end
 * with cf__emu_unlock(); on failure the lock is not held.
 *   lock_init: CUDA_ERROR_NOT_INITIALIZED before cuInit.
 *   lock_ctx:  also a usable current context in *ctx (INVALID_CONTEXT when
 *              none or destroyed), and its sticky error if it has one. */
CUresult cf__emu_lock_init(void);
CUresult cf__emu_lock_ctx(CUcontext *ctx);
/*   lock_handle: also h is a live handle of kind (INVALID_HANDLE if not). */
CUresult cf__emu_lock_handle(const void *h, enum cf_emu_kind kind);
void cf__emu_unlock(void);

/* The calling thread's current context (top of its stack) or NULL; not
 * validated. Lock not needed: the stack is thread-local. */
CUcontext cf__emu_current(void);
/* Remove ctx from the calling thread's stack wherever it appears. */
void cf__emu_stack_forget(CUcontext ctx);
/* Push (CF_ENOMEM when the stack is full), pop (NULL when empty), and
 * replace the top (NULL pops; on an empty stack ctx is pushed). */
int cf__emu_stack_push(CUcontext ctx);
CUcontext cf__emu_stack_pop(void);
void cf__emu_stack_set_top(CUcontext ctx);

/* 1 when ctx is a live context that may be used (a primary context only
 * while retained). Lock held. */
int cf__emu_ctx_usable(CUcontext ctx);

/* ---- Configuration (config.c) ------------------------------------------ */

/* Parse CUFERRY_EMU_MEMORY and CUFERRY_EMU_CC into cfg. Returns 0, or
 * CF_EINVAL after logging which variable and value were rejected. */
int cf__emu_config_load(struct cf_emu_config *cfg);
/* "2G", "512M", "4096", "1GiB" -> bytes. Returns 0 or CF_EINVAL. */
int cf__emu_parse_size(const char *s, uint64_t *out);

/* ---- Device memory (devmem.c) ------------------------------------------ */

enum cf_emu_alloc_kind { CF_EMU_ALLOC_USER = 1, CF_EMU_ALLOC_VAR };

/* Reserve the device region (idempotent). Returns 0 or CF_ENOMEM. */
int cf__emu_mem_init(uint64_t bytes);
/* All take the global lock already held; they take the memory rwlock. */
CUresult cf__emu_mem_alloc(CUcontext ctx, uint64_t size, uint64_t align,
                           enum cf_emu_alloc_kind kind, const void *owner,
                           uint64_t *addr);
/* Free a USER allocation starting exactly at addr. INVALID_VALUE otherwise. */
CUresult cf__emu_mem_free(CUcontext ctx, uint64_t addr);
/* Free every allocation owned by owner (a module) or, with owner NULL,
 * every allocation of ctx. */
void cf__emu_mem_free_owner(CUcontext ctx, const void *owner);
/* Host address of [addr, addr+len) when that lies inside one allocation of
 * ctx, else NULL. len 0 is treated as 1. Safe without the global lock. The
 * pointer stays dereferenceable for the life of the process (the region is
 * never unmapped), which is what makes a racing free harmless. */
void *cf__emu_mem_map(CUcontext ctx, uint64_t addr, uint64_t len);
CUresult cf__emu_mem_range(CUcontext ctx, uint64_t addr, uint64_t *base,
                           uint64_t *size);
void cf__emu_mem_info(uint64_t *free_bytes, uint64_t *total);

/* Pinned host memory, owned by a context. */
struct cf_emu_pinned {
  struct cf_emu_link link;
  void *p;
  size_t len;
};
void cf__emu_pinned_free_all(CUcontext ctx);

/* ---- Contexts (context.c) ---------------------------------------------- */

/* Free everything a context owns (modules, streams, events, memory) and
 * reset its sticky error and limits. Waits for its launches. Lock held. */
void cf__emu_ctx_clear(CUcontext ctx);
void cf__emu_ctx_init(CUcontext ctx, unsigned flags, int is_primary);

/* ---- Streams (stream.c) ------------------------------------------------ */

/* Resolve a stream argument against ctx: NULL, CU_STREAM_LEGACY and
 * CU_STREAM_PER_THREAD give *out NULL (the context's default stream); else
 * the stream must be live and belong to ctx (INVALID_HANDLE). */
CUresult cf__emu_stream_resolve(CUcontext ctx, CUstream s, CUstream *out);
/* Wait until work issued earlier on s (NULL: the default stream) has
 * finished, re-checking ctx and s after each wait. Lock held. */
CUresult cf__emu_stream_wait(CUcontext ctx, CUstream s);
/* Wait for every launch of ctx. Lock held. */
CUresult cf__emu_ctx_wait(CUcontext ctx);
void cf__emu_stream_free(CUstream s);
void cf__emu_event_free(CUevent e);

/* ---- Modules (module.c) ------------------------------------------------ */

void cf__emu_module_free(CUmodule m);

/* JIT options of cuModuleLoadDataEx and cuLinkCreate. Only the log buffers
 * and CU_JIT_LOG_VERBOSE mean something to an emulator without a JIT; every
 * other option is accepted and ignored. The struct points into the caller's
 * arrays and buffers, which must outlive it (for cuLinkCreate, CUDA requires
 * that they live until cuLinkDestroy). */
#define CF_EMU_MAX_JIT_OPTIONS 64
struct cf_emu_jit_opts {
  char *elog, *ilog;            /* caller's log buffers, or NULL */
  size_t elog_len, ilog_len;    /* their sizes; 0 = not given */
  void **elog_size_out;         /* the size option's value slot, or NULL */
  void **ilog_size_out;
  int verbose;
};
/* Returns CUDA_SUCCESS, or CUDA_ERROR_INVALID_VALUE when n is over
 * CF_EMU_MAX_JIT_OPTIONS or n > 0 with NULL arrays; *o is cleared first. */
CUresult cf__emu_jit_opts_parse(unsigned n, const CUjit_option *opts,
                                void **vals, struct cf_emu_jit_opts *o);
/* Copy err (NULL: nothing) and info into the log buffers, truncated and
 * NUL-terminated, and write the bytes filled (NUL included) back into the
 * size options' slots, as CUDA does. */
void cf__emu_jit_opts_report(const struct cf_emu_jit_opts *o, const char *err,
                             const char *info);

/* ---- Images (fatbin.c) ------------------------------------------------- */

/* Cap on an image, a fatbin's entries and a decompressed entry. */
#define CF_EMU_MAX_IMAGE_BYTES (256u << 20)

/* PTX text taken from an image: len bytes at text (not necessarily
 * NUL-terminated), inside the caller's image or inside owned. */
struct cf_emu_ptx_text {
  const char *text;
  size_t len;
  char *owned;                  /* decompressed copy, or NULL */
};

/* The PTX to run from an image: PTX text, a fatbin container, a fatbin
 * wrapper (in-process only: it holds a pointer) or an ELF cubin. size is
 * the number of readable bytes at image, or 0 when the caller does not know
 * (cuModuleLoadData: a container is then bounded by its own header, text by
 * its NUL). what names the image in messages ("module image"). From a
 * container, the PTX entry with the highest sm arch the emulated device
 * runs, else the lowest one. Returns
 *   CUDA_SUCCESS               *out filled; free with cf__emu_ptx_text_free;
 *   CUDA_ERROR_INVALID_IMAGE   malformed, truncated or corrupt; err says why;
 *   CUDA_ERROR_NO_BINARY_FOR_GPU  only SASS / LTO-IR; err holds the rebuild
 *                              hint, which is also logged;
 *   CUDA_ERROR_INVALID_VALUE (image NULL), CUDA_ERROR_OUT_OF_MEMORY.
 * err is always NUL-terminated. Reads cf__emu_g.cfg (call after cuInit). */
CUresult cf__emu_image_ptx(const void *image, size_t size, const char *what,
                           struct cf_emu_ptx_text *out, char *err,
                           size_t errlen);
/* The same for a fatbin container (magic already seen). */
CUresult cf__emu_fatbin_ptx(const void *image, size_t size, const char *what,
                            struct cf_emu_ptx_text *out, char *err,
                            size_t errlen);
void cf__emu_ptx_text_free(struct cf_emu_ptx_text *t);

/* ---- Entry points with no prototype in the public cuda.h --------------- */

CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx, unsigned int flags,
                                CUdevice dev);
CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx,
                                CUexecAffinityParam *paramsArray,
                                int numParams, unsigned int flags,
                                CUdevice dev);

#endif
