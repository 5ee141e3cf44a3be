/* Cross-file declarations of the emulator's driver layer (emu/ but not emu/ptx/).
 *
 * The driver layer implements CUDA driver entry points on the CPU. It owns
 * device memory, contexts, modules, streams and events; emu/ptx/ owns PTX
 * parsing and execution. Every entry point takes the one global lock
 * (cf__emu_g.lock) for its whole body. Stream work (launches, async copies
 * and memsets, event records, waits, host functions) is queued and run by
 * each stream's executor thread (queue.c), which drops the lock while the
 * work runs; waiting for it means sleeping on cf__emu_g.cond. Device memory
 * has its own rwlock so the interpreter's map() callback never needs the
 * global lock.
 *
 * Handles (CUcontext, CUmodule, CUfunction, CUstream, CUevent, CUlibrary,
 * CUkernel, CUmemoryPool, CUarray, CUmipmappedArray) are pointers
 * to the structs below (the arrays' are array.c's). A handle is used only after it is found in the live
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
  CF_EMU_KIND_LINK,             /* CUlinkState (link.c) */
  CF_EMU_KIND_LIBRARY,          /* CUlibrary (library.c) */
  CF_EMU_KIND_KERNEL,           /* CUkernel (library.c) */
  CF_EMU_KIND_MEMPOOL,          /* CUmemoryPool (mempool.c) */
  CF_EMU_KIND_ARRAY,            /* CUarray (array.c) */
  CF_EMU_KIND_MIPMAP,           /* CUmipmappedArray (array.c) */
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
  CUresult deferred;            /* async non-fault error, for the next sync */
  unsigned pending;             /* queued operations not yet finished */
  struct cf_emu_queue *legacy;  /* the legacy default stream, made lazily */
  struct cf_emu_link queues;    /* every queue of this context (queue.c) */
  size_t limits[CF_EMU_NLIMITS];
  struct cf_emu_link modules;   /* CUmod_st.link */
  struct cf_emu_link streams;   /* CUstream_st.link */
  struct cf_emu_link events;    /* CUevent_st.link */
  struct cf_emu_link pinned;    /* struct cf_emu_pinned.link */
  struct cf_emu_link arrays;    /* CUarray_st.link (not mipmap levels) */
  struct cf_emu_link mipmaps;   /* CUmipmappedArray_st.link */
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
  struct CUlib_st *lib;         /* the library it instantiates, or NULL */
  struct cf_emu_link lib_link;  /* in lib->insts while lib is set */
  int ptx_shared;               /* ptx is lib's decoded copy: not freed here */
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
  struct cf_emu_queue *q;       /* its work; outlives the handle if busy */
  unsigned long long id;
  /* Stream attributes (stream_ext.c), zero until set: hints the emulator
   * keeps and reports back (priority is the field above). */
  CUsynchronizationPolicy sync_policy; /* 0: CU_SYNC_POLICY_AUTO */
  CUaccessPolicyWindow apw;
  CUlaunchMemSyncDomainMap domain_map;
  CUlaunchMemSyncDomain domain;
};

struct CUevent_st {
  struct cf_emu_obj hdr;
  CUcontext ctx;
  struct cf_emu_link link;
  unsigned flags;
  int recorded;
  struct cf_emu_queue *q;       /* where last recorded (holds a reference) */
  uint64_t seq;                 /* ... and at which point of q */
  uint64_t gen;                 /* which record call that was */
  struct timespec when;         /* set when the point is reached */
};

struct cf_emu_config {
  uint64_t memory_bytes;
  int cc_major, cc_minor;
  int sm_count;
};

struct cf_emu_global {
  pthread_mutex_t lock;
  pthread_cond_t cond;          /* broadcast when queued work finishes */
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

/* POOL and POOL_IDLE are memory-pool blocks (mempool.c): allocated with
 * ctx NULL and the block as owner; a POOL block is usable from every
 * context, a POOL_IDLE one (freed, still reserved) from none. ARRAY is the
 * storage of a CUDA array or mipmapped array (array.c), owned by it: its
 * context maps it like any allocation, but cuMemFree refuses it. */
enum cf_emu_alloc_kind {
  CF_EMU_ALLOC_USER = 1,
  CF_EMU_ALLOC_VAR,
  CF_EMU_ALLOC_POOL,
  CF_EMU_ALLOC_POOL_IDLE,
  CF_EMU_ALLOC_ARRAY,
};

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
/* The kind and owner of the allocation starting exactly at addr (any
 * context). CUDA_SUCCESS or INVALID_VALUE. */
CUresult cf__emu_mem_lookup(uint64_t addr, enum cf_emu_alloc_kind *kind,
                            const void **owner);
/* Change the kind and accessible size (at most the span taken) of the
 * allocation starting at addr; nothing happens for an unknown addr. */
void cf__emu_mem_set_kind(uint64_t addr, enum cf_emu_alloc_kind kind,
                          uint64_t size);
/* Free the allocation starting at addr whatever its kind or context. */
void cf__emu_mem_release(uint64_t addr);

/* Pinned host memory, owned by a context. */
struct cf_emu_pinned {
  struct cf_emu_link link;
  void *p;
  size_t len;
  unsigned flags;   /* CU_MEMHOSTALLOC_* or, registered, CU_MEMHOSTREGISTER_* */
  int registered;   /* the caller's memory (hostmem.c): never freed here */
};
void cf__emu_pinned_free_all(CUcontext ctx);

/* ---- Strided copies (memory.c) and peer access (peer.c) ---------------- */

/* One copy operation for shape c (checked as cf_copy.h promises; see
 * there): device sides are mapped in their context (the current one when
 * they name none, INVALID_CONTEXT when the one named is not usable) at the
 * call, INVALID_VALUE when a range is not inside one allocation. Queued on
 * hStream of the current context, with the 1D copies' rules for pageable
 * host memory; the synchronous form (async 0) waits. Takes the lock. */
struct cf_copy_shape;
CUresult cf__emu_copy_strided(const struct cf_copy_shape *c, CUstream hStream,
                              int async);

/* ---- CUDA arrays (array.c) and texture objects (texobj.c) -------------- */

/* The value of a device attribute as cuDeviceGetAttribute reports it (0
 * for one the emulator lacks). Lock held (reads cf__emu_g.cfg). */
int cf__emu_device_attr(CUdevice_attribute a);

/* What texobj.c needs to know of an array or a mipmapped array: its
 * context, its descriptor as created (a mipmapped array's: level 0), and
 * its storage as the interpreter sees it (geom: dims, layers, cubemap,
 * format, channels, num_levels and level[]; the sampling fields zero). */
struct cf_emu_array_info {
  CUcontext ctx;
  CUDA_ARRAY3D_DESCRIPTOR desc;
  struct cf_ptx_texture geom;
};
/* A CUarray (CF_EMU_KIND_ARRAY) or CUmipmappedArray (CF_EMU_KIND_MIPMAP)
 * of ctx, over one ARRAY allocation of device memory (array.c describes the
 * layout). A mipmapped array's levels are arrays with parent set, made with
 * it and freed with it; they are in no list. Lock held for every access. */
struct CUarray_st {
  struct cf_emu_obj hdr;
  CUcontext ctx;
  struct cf_emu_link link;      /* in ctx->arrays (not for a level) */
  struct CUmipmappedArray_st *parent; /* a level's mipmapped array, or NULL */
  CUDA_ARRAY3D_DESCRIPTOR desc; /* as created; a level: its own extent */
  uint64_t addr;                /* device address of element 0 */
  uint64_t bytes;               /* pitch * rows * slices */
  size_t elem, pitch, rows, slices; /* bytes, bytes, rows, slices */
};

struct CUmipmappedArray_st {
  struct cf_emu_obj hdr;
  CUcontext ctx;
  struct cf_emu_link link;      /* in ctx->mipmaps */
  CUDA_ARRAY3D_DESCRIPTOR desc; /* level 0, as created */
  uint64_t addr, bytes;         /* the allocation holding every level */
  unsigned num_levels;
  struct CUarray_st *level[CF_PTX_TEX_MAX_LEVELS];
};

/* Check a descriptor as cuArray3DCreate (mipmapped 0) or
 * cuMipmappedArrayCreate (1) does: CUDA_SUCCESS, INVALID_VALUE or
 * NOT_SUPPORTED (see array.c). Lock held (reads the device limits). */
CUresult cf__emu_array_check_desc(const CUDA_ARRAY3D_DESCRIPTOR *d,
                                  int mipmapped);
/* A format and channel count the emulator stores: CUDA_SUCCESS;
 * NOT_SUPPORTED for a format cuda.h defines that it does not store;
 * INVALID_VALUE for anything else. */
CUresult cf__emu_array_format_check(CUarray_format f, unsigned channels);
/* Set a's elem, pitch, rows, slices and bytes from a->desc (checked). */
void cf__emu_array_layout(struct CUarray_st *a);
/* Level 0 of the storage of a (addr set) as the interpreter sees it, and
 * the shape fields of t (dims, layers, cubemap, format, channels). */
void cf__emu_array_geom(const struct CUarray_st *a, struct cf_ptx_texture *t);

/* Fill *out for a live array (a mipmap level included) or mipmapped
 * array; INVALID_HANDLE otherwise. Lock held. */
CUresult cf__emu_array_info(CUarray a, struct cf_emu_array_info *out);
CUresult cf__emu_mipmap_info(CUmipmappedArray m, struct cf_emu_array_info *out);
/* cf_copy_ops.array_extent for array a (see cf_copy.h). Takes the lock. */
CUresult cf__emu_array_extent(CUarray a, size_t *row_bytes, size_t *rows,
                              size_t *slices, size_t *elem_bytes);
/* Turn the array side s of a width x height x depth copy (bytes, rows,
 * slices) into the device side over the array's storage, in the array's
 * context. The array must be live (INVALID_HANDLE) and belong to s->ctx,
 * or to ctx when s names none (INVALID_HANDLE); the box must lie inside it
 * and start on a whole element (INVALID_VALUE; cf_copy.c has checked that
 * already, this guards the storage). Lock held. */
struct cf_copy_side;
CUresult cf__emu_array_side(CUcontext ctx, struct cf_copy_side *s, size_t width,
                            size_t height, size_t depth);
/* Free mipmapped array m, its levels and its storage (array_mipmap.c).
 * Lock held; nothing queued may use it. */
void cf__emu_mipmap_free(struct CUmipmappedArray_st *m);
/* Free every array and mipmapped array of ctx, and their storage. Lock
 * held; ctx's queued work already drained. */
void cf__emu_array_free_all(CUcontext ctx);

/* Texture and surface objects refer to arrays: destroying resource (a
 * CUarray or CUmipmappedArray) makes every object over it dead, so later
 * launches that name them fault instead of reading reused memory. Lock
 * held. */
void cf__emu_texobj_orphan(const void *resource);
/* Free every texture and surface object of ctx. Lock held. */
void cf__emu_texobj_free_all(CUcontext ctx);
/* cf_ptx_memory.texture for a launch in context user: fill *out for a live
 * texture (surface 0) or surface (1) object of that context and return 0,
 * else nonzero. Safe without the global lock (objects have their own
 * rwlock), so stream executors call it while API calls run. */
int cf__emu_texobj_resolve(void *user, uint64_t handle, int surface,
                           struct cf_ptx_texture *out);

/* ---- Memory pools (mempool.c, mempool_api.c) --------------------------- */

/* A CUmemoryPool (CF_EMU_KIND_MEMPOOL): settings and accounting; its blocks
 * are mempool.c's. Lock held for every access. */
struct CUmemPoolHandle_st {
  struct cf_emu_obj hdr;
  struct cf_emu_link all;       /* in pools */
  int is_default;
  int destroyed;                /* handle gone; freed with its last block */
  uint64_t max_size;            /* 0: the device's memory */
  int reuse_follow, reuse_opportunistic, reuse_internal;
  uint64_t threshold;
  uint64_t reserved, reserved_high, used, used_high;
  struct cf_emu_link busy, idle;
};

/* The default pool (made on first use, never destroyed) and the current
 * one. CUDA_SUCCESS or OUT_OF_MEMORY. */
CUresult cf__emu_pool_default(CUmemoryPool *out);
CUresult cf__emu_pool_current(CUmemoryPool *out);
/* Make p the current pool (the default when p is it). p live. */
void cf__emu_pool_set_current(CUmemoryPool p);
/* NULL: INVALID_VALUE; anything but a live pool: INVALID_HANDLE. */
CUresult cf__emu_pool_check(CUmemoryPool p);
/* A new empty pool with a registered handle; max_size 0: no cap.
 * CUDA_SUCCESS or OUT_OF_MEMORY (*out NULL). */
CUresult cf__emu_pool_new(uint64_t max_size, CUmemoryPool *out);
/* Drop p's handle (and its place as current pool) and release its idle
 * memory; p itself goes when its last allocation is freed. */
void cf__emu_pool_destroy(CUmemoryPool p);
/* Release idle blocks while more than keep bytes are reserved; with exact
 * set, only blocks whose release leaves at least keep (cuMemPoolTrimTo). */
void cf__emu_pool_release_idle(CUmemoryPool p, uint64_t keep, int exact);

/* cuMemFree of a pointer from cuMemAllocAsync: the block goes back to its
 * pool at once (CUDA does not synchronise for it). CUDA_SUCCESS, or
 * INVALID_VALUE when addr does not start a pool allocation in use. Lock
 * held. */
CUresult cf__emu_pool_free_now(uint64_t addr);

/* ---- Contexts (context.c) ---------------------------------------------- */

/* Free everything a context owns (modules, streams, events, memory) and
 * reset its sticky error and limits, after waiting for all its queued work
 * and joining its executor threads. Lock held (dropped while waiting).
 * Returns CF_EMU_DRAIN_OK; CF_EMU_DRAIN_GONE when another thread destroyed
 * ctx meanwhile (nothing done); CF_EMU_DRAIN_REFUSED on an executor
 * thread (a stream callback), which may not wait for stream work. */
int cf__emu_ctx_clear(CUcontext ctx);
void cf__emu_ctx_init(CUcontext ctx, unsigned flags, int is_primary);

/* ---- Stream queues (queue.c) ------------------------------------------- */

/* Every stream's work is a FIFO of operations run in order by that queue's
 * executor thread. All functions here: lock held. */
struct cf_emu_queue;
struct cf_emu_dep;

enum cf_emu_queue_kind {
  CF_EMU_QUEUE_LEGACY = 1,      /* NULL / CU_STREAM_LEGACY */
  CF_EMU_QUEUE_BLOCKING,        /* synchronises with the legacy stream */
  CF_EMU_QUEUE_NON_BLOCKING,
  CF_EMU_QUEUE_PER_THREAD,      /* CU_STREAM_PER_THREAD: blocking, per thread */
};

/* One unit of stream work, embedded first in an issuer-defined struct. The
 * issuer sets run (and free if the struct owns more than itself); the rest
 * belongs to queue.c. run() is called on the executor without the lock,
 * with status the context's sticky error at that moment (work should be
 * skipped unless it is CUDA_SUCCESS); it returns CUDA_SUCCESS or an error,
 * which becomes the context's sticky error if it is a kernel fault and
 * otherwise is reported once by the next synchronising call. free (NULL:
 * free(op)) runs afterwards, with the lock held; it must not take it. */
struct cf_emu_op {
  CUresult (*run)(struct cf_emu_op *op, CUresult status);
  void (*free)(struct cf_emu_op *op);
  struct cf_emu_op *next;
  uint64_t seq;
  struct cf_emu_dep *deps;
  unsigned ndeps, capdeps;
};

/* A new queue of ctx with one (owner) reference and no thread yet. Returns
 * CUDA_SUCCESS or OUT_OF_MEMORY. */
CUresult cf__emu_queue_create(CUcontext ctx, enum cf_emu_queue_kind kind,
                              struct cf_emu_queue **out);
/* References: get returns q; put frees q once unreferenced and idle. */
struct cf_emu_queue *cf__emu_queue_get(struct cf_emu_queue *q);
void cf__emu_queue_put(struct cf_emu_queue *q);
/* Drop the owner's reference: q accepts no more work, finishes what it has,
 * then goes away (a destroyed stream). Idempotent. */
void cf__emu_queue_retire(struct cf_emu_queue *q);
/* The queue for a stream argument of ctx: NULL and CU_STREAM_LEGACY give
 * the legacy default stream, CU_STREAM_PER_THREAD the calling thread's own,
 * else s must be a live stream of ctx (INVALID_HANDLE). OUT_OF_MEMORY when
 * a default queue cannot be made. The pointer is valid while the lock is
 * held. */
CUresult cf__emu_queue_of(CUcontext ctx, CUstream s, struct cf_emu_queue **out);
/* Make op wait for point seq of q (no-op when reached). CUDA_SUCCESS or
 * OUT_OF_MEMORY; the op keeps what it already had either way. */
CUresult cf__emu_op_depend(struct cf_emu_op *op, struct cf_emu_queue *q,
                           uint64_t seq);
/* Append op (adding the legacy stream's implicit dependencies) and start
 * the executor if needed. Always consumes op: on failure (OUT_OF_MEMORY,
 * INVALID_HANDLE for a retired queue) it is freed without running. On
 * success cf__emu_queue_last(q) is op's point. */
CUresult cf__emu_queue_submit(struct cf_emu_queue *q, struct cf_emu_op *op);
/* The point of the last submitted op (0 when none); 1 when q has reached
 * point seq. */
uint64_t cf__emu_queue_last(const struct cf_emu_queue *q);
int cf__emu_queue_reached(const struct cf_emu_queue *q, uint64_t seq);
/* 1 when no work is pending on q (the legacy stream: nor on any blocking
 * queue of its context, which it implicitly waits for). */
int cf__emu_queue_idle(const struct cf_emu_queue *q);
/* Wait until q reaches seq; the lock is dropped meanwhile, so callers
 * re-check their handles afterwards. NOT_PERMITTED on an executor thread. */
CUresult cf__emu_queue_wait(struct cf_emu_queue *q, uint64_t seq);
/* Wait for all work submitted to q so far (the legacy stream: and to the
 * blocking queues of its context). Errors as cf__emu_queue_wait, plus
 * OUT_OF_MEMORY. */
CUresult cf__emu_queue_sync(struct cf_emu_queue *q);
/* Wait for all work submitted to any queue of ctx so far. Same errors. */
CUresult cf__emu_ctx_wait(CUcontext ctx);
/* What a synchronising call reports once its wait is over: the sticky error,
 * else the deferred one (which this clears), else CUDA_SUCCESS. */
CUresult cf__emu_ctx_async_error(CUcontext ctx);
/* 1 on an executor thread (in a stream callback). */
int cf__emu_in_worker(void);
/* Teardown, for cf__emu_ctx_clear: drain waits until ctx has no queued
 * work; queues_release then stops and joins the executors and drops the
 * context's references to its queues (streams' ones go with the streams). */
enum { CF_EMU_DRAIN_OK, CF_EMU_DRAIN_GONE, CF_EMU_DRAIN_REFUSED };
int cf__emu_ctx_drain(CUcontext ctx);
void cf__emu_ctx_queues_release(CUcontext ctx);

/* ---- Streams (stream.c) ------------------------------------------------ */

/* Resolve a stream argument against ctx: NULL, CU_STREAM_LEGACY and
 * CU_STREAM_PER_THREAD give *out NULL (a default stream); else the stream
 * must be live and belong to ctx (INVALID_HANDLE). */
CUresult cf__emu_stream_resolve(CUcontext ctx, CUstream s, CUstream *out);
/* The common start of the stream calls (stream.c, stream_ext.c): lock,
 * resolve hStream in the current context (*s is NULL for the default
 * streams) and check that out is not NULL. On CUDA_SUCCESS the lock is held
 * and the caller unlocks. */
CUresult cf__emu_stream_query(CUstream hStream, const void *out, CUcontext *ctx,
                              CUstream *s);
void cf__emu_stream_free(CUstream s);
void cf__emu_event_free(CUevent e);

/* ---- Modules (module.c) ------------------------------------------------ */

/* Free m, its functions and its variables; a library instance is unlinked
 * from its library first. Lock held. */
void cf__emu_module_free(CUmodule m);

/* Decode an image (see cf__emu_image_ptx for image, size, what and err)
 * into a parsed module *out, owned by the caller (cf_ptx_module_free).
 * When text is not NULL it also gets a malloc'd copy of the PTX text
 * (*text_len bytes, not NUL-terminated), for decoding it again. Returns
 * cf__emu_image_ptx's errors, CUDA_ERROR_INVALID_PTX (logged, reason in
 * err) or OUT_OF_MEMORY; on failure *out and *text are NULL. */
CUresult cf__emu_image_decode(const void *image, size_t size, const char *what,
                              struct cf_ptx_module **out, char **text,
                              size_t *text_len, char *err, size_t errlen);
/* A module of ctx over decoded ptx, its variables allocated, initialised
 * and bound in ptx. shared 0: the module owns ptx (freed on failure too);
 * 1: ptx stays the caller's. Returns CUDA_SUCCESS, OUT_OF_MEMORY or
 * INVALID_PTX (err says why). Lock held; ctx usable. */
CUresult cf__emu_module_new(CUcontext ctx, struct cf_ptx_module *ptx,
                            int shared, CUmodule *out, char *err,
                            size_t errlen);
/* m's function for the .entry name, made on first use (*created 1 then;
 * created may be NULL). CUDA_SUCCESS, NOT_FOUND or OUT_OF_MEMORY. Lock
 * held; the handle lives as long as m. */
CUresult cf__emu_module_function(CUmodule m, const char *name, CUfunction *out,
                                 int *created);
/* Address and size of m's variable name (either out may be NULL).
 * CUDA_SUCCESS or NOT_FOUND. Lock held. */
CUresult cf__emu_module_global(CUmodule m, const char *name, CUdeviceptr *dptr,
                               size_t *bytes);
/* Function attributes of kernel k with the given settable values: get
 * writes *out (INVALID_VALUE for an unknown attribute or out NULL); set
 * checks value and updates *max_dynamic_shared or *carveout (INVALID_VALUE
 * for a bad value or a read-only attribute). No lock needed beyond what
 * keeps k alive; reads cf__emu_g.cfg. */
CUresult cf__emu_func_attr_get(const struct cf_ptx_kernel *k,
                               uint64_t const_bytes, int max_dynamic_shared,
                               int carveout, CUfunction_attribute attrib,
                               int *out);
CUresult cf__emu_func_attr_set(const struct cf_ptx_kernel *k,
                               int *max_dynamic_shared, int *carveout,
                               CUfunction_attribute attrib, int value);
/* CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES before anyone sets it. */
int cf__emu_default_max_dynamic_shared(const struct cf_ptx_kernel *k);
/* Read a whole image file into *out (malloc'd, *len bytes plus four zero
 * bytes of padding). CUDA_SUCCESS, FILE_NOT_FOUND, INVALID_IMAGE (empty or
 * over CF_EMU_MAX_IMAGE_BYTES) or OUT_OF_MEMORY. No lock needed. */
CUresult cf__emu_read_file(const char *fname, char **out, size_t *len);

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

/* ---- JIT linking (link.c) ---------------------------------------------- */

/* A CUlinkState is a registered handle of kind CF_EMU_KIND_LINK, defined
 * in link.c; it belongs to no context and lives until cuLinkDestroy. */

/* ---- Libraries and kernels (library.c) --------------------------------- */

/* A CUlibrary (CF_EMU_KIND_LIBRARY) belongs to no context: its PTX is
 * decoded once at load, and each context that uses it gets its own module
 * (an "instance": CUmod_st with lib set, in that context's module list), made
 * on first use, which holds that context's copy of the module variables. A
 * CUkernel (CF_EMU_KIND_KERNEL) names one .entry of a library and resolves
 * to that kernel's CUfunction in a given context. Both are defined in
 * library.c and live until cuLibraryUnload. */

/* Kernel k's function in ctx, making ctx's instance of k's library and the
 * function on first use. CUDA_SUCCESS, INVALID_HANDLE (library being
 * unloaded), NOT_FOUND, OUT_OF_MEMORY or INVALID_PTX. Lock held; k live,
 * ctx usable. The function lives until the library is unloaded or ctx is
 * cleared. */
CUresult cf__emu_kernel_function(CUcontext ctx, CUkernel k, CUfunction *out);
/* For cf__emu_module_free: unlink instance m from its library. Lock held. */
void cf__emu_library_forget(CUmodule m);

/* ---- Entry points with no prototype in the public cuda.h --------------- */

/* cuda.h maps cuStreamGetCaptureInfo to _v3 and hides the older versions
 * (stream_ext.c; the _ptsz forms are in ptds.c). */
CUresult CUDAAPI cuStreamGetCaptureInfo_v2(CUstream hStream,
                                           CUstreamCaptureStatus *status,
                                           cuuint64_t *id, CUgraph *graph,
                                           const CUgraphNode **deps,
                                           size_t *ndeps);

CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx, unsigned int flags,
                                CUdevice dev);
CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx,
                                CUexecAffinityParam *paramsArray,
                                int numParams, unsigned int flags,
                                CUdevice dev);

#endif
