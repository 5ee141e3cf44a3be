/* Memory entry points: device allocation (over devmem.c), pinned host
 * memory, copies and memsets, synchronous and stream-ordered. Every copy,
 * 1D or strided (2D, 3D, peer: cf__emu_copy_strided, whose CUDA array
 * sides are turned into device sides over the arrays' storage), is one
 * operation.
 *
 * Every device range a copy or memset touches must lie inside one live
 * allocation of the current context (a peer copy's side: of the context it
 * names), else CUDA_ERROR_INVALID_VALUE, like the driver; that is checked,
 * and the ranges mapped, at the call. The work
 * itself is an operation on a stream's queue (queue.c). Synchronous forms
 * go on the legacy default stream and wait for it. "Async" forms return at
 * once, with CUDA's rules for host memory kept safe: a host-to-device copy
 * from pageable memory copies the caller's bytes into a staging buffer at
 * the call (the caller may reuse its buffer at once); a device-to-host copy
 * into pageable memory waits for its completion before returning, as CUDA
 * does; only pinned memory (cuMemAllocHost/cuMemHostAlloc of this context)
 * is read or written later by the executor.
 *
 * Freeing device or pinned memory waits for the context's queued work,
 * which may still use it. Pinned host memory is page-aligned, owned by the
 * context that allocated it, and only such pointers may be given to
 * cuMemFreeHost. All under the global lock except the operations' run. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "cf_copy.h"
#include "cf_error.h"

CF_EMU_EXPORT CUresult CUDAAPI cuMemAlloc(CUdeviceptr *dptr, size_t bytesize)
{
  CUcontext ctx;
  CUresult r;
  uint64_t a;

  if (dptr)
    *dptr = 0;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!dptr || bytesize == 0)
    r = CUDA_ERROR_INVALID_VALUE;
  else if ((r = cf__emu_mem_alloc(ctx, bytesize, CF_EMU_ALLOC_ALIGN,
                                  CF_EMU_ALLOC_USER, NULL, &a)) ==
           CUDA_SUCCESS)
    *dptr = (CUdeviceptr)a;
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemFree(CUdeviceptr dptr)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  /* cuMemFree synchronises: queued work may still use the memory. */
  if (dptr != 0 && (r = cf__emu_ctx_wait(ctx)) == CUDA_SUCCESS)
    r = cf__emu_ctx_usable(ctx) ? cf__emu_mem_free(ctx, dptr)
                                : CUDA_ERROR_INVALID_CONTEXT;
  if (r == CUDA_ERROR_INVALID_VALUE) /* or from cuMemAllocAsync */
    r = cf__emu_pool_free_now(dptr);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemGetInfo(size_t *free, size_t *total)
{
  CUcontext ctx;
  uint64_t f, t;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_mem_info(&f, &t);
  cf__emu_unlock();
  if (!free || !total)
    return CUDA_ERROR_INVALID_VALUE;
  *free = (size_t)f;
  *total = (size_t)t;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemGetAddressRange(CUdeviceptr *pbase,
                                                    size_t *psize,
                                                    CUdeviceptr dptr)
{
  CUcontext ctx;
  uint64_t b, s;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_mem_range(ctx, dptr, &b, &s);
  cf__emu_unlock();
  if (r != CUDA_SUCCESS)
    return r;
  if (pbase)
    *pbase = (CUdeviceptr)b;
  if (psize)
    *psize = (size_t)s;
  return CUDA_SUCCESS;
}

/* ---- Pinned host memory ------------------------------------------------- */

static CUresult host_alloc(void **pp, size_t bytesize, unsigned flags)
{
  CUcontext ctx;
  CUresult r;
  struct cf_emu_pinned *pin;
  void *p;

  if (pp)
    *pp = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!pp || bytesize == 0 ||
      (flags & ~(unsigned)(CU_MEMHOSTALLOC_PORTABLE |
                           CU_MEMHOSTALLOC_DEVICEMAP |
                           CU_MEMHOSTALLOC_WRITECOMBINED))) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (flags & CU_MEMHOSTALLOC_DEVICEMAP) { /* see hostmem.c */
    r = CUDA_ERROR_NOT_SUPPORTED;
    goto out;
  }
  pin = malloc(sizeof *pin);
  if (!pin || posix_memalign(&p, 4096, bytesize) != 0) {
    free(pin);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  pin->p = p;
  pin->len = bytesize;
  pin->flags = flags;
  pin->registered = 0;
  cf__emu_list_add(&ctx->pinned, &pin->link);
  *pp = p;
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemAllocHost(void **pp, size_t bytesize)
{
  return host_alloc(pp, bytesize, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemHostAlloc(void **pp, size_t bytesize,
                                              unsigned int Flags)
{
  return host_alloc(pp, bytesize, Flags);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemFreeHost(void *p)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  /* Queued copies may still use it. */
  if ((r = cf__emu_ctx_wait(ctx)) != CUDA_SUCCESS)
    goto out;
  if (!cf__emu_ctx_usable(ctx)) {
    r = CUDA_ERROR_INVALID_CONTEXT;
    goto out;
  }
  r = CUDA_ERROR_INVALID_VALUE;
  for (struct cf_emu_link *l = ctx->pinned.next; l != &ctx->pinned;
       l = l->next) {
    struct cf_emu_pinned *pin = CF_EMU_CONTAINER(l, struct cf_emu_pinned,
                                                 link);
    if (pin->p == p && !pin->registered) {
      cf__emu_list_del(&pin->link);
      free(pin->p);
      free(pin);
      r = CUDA_SUCCESS;
      break;
    }
  }
out:
  cf__emu_unlock();
  return r;
}

void cf__emu_pinned_free_all(CUcontext ctx)
{
  while (ctx->pinned.next != &ctx->pinned) {
    struct cf_emu_pinned *pin = CF_EMU_CONTAINER(ctx->pinned.next,
                                                 struct cf_emu_pinned, link);
    cf__emu_list_del(&pin->link);
    if (!pin->registered)
      free(pin->p);
    free(pin);
  }
}

/* ---- Copies and memsets ------------------------------------------------- */

/* 1 when [p, p+n) lies in one pinned allocation of ctx. */
static int is_pinned(CUcontext ctx, const void *p, size_t n)
{
  uintptr_t a = (uintptr_t)p;
  for (struct cf_emu_link *l = ctx->pinned.next; l != &ctx->pinned;
       l = l->next) {
    const struct cf_emu_pinned *pin =
        CF_EMU_CONTAINER(l, struct cf_emu_pinned, link);
    uintptr_t b = (uintptr_t)pin->p;
    if (a >= b && a - b <= pin->len && n <= pin->len - (a - b))
      return 1;
  }
  return 0;
}

struct mem_op {
  struct cf_emu_op op;
  void *to;
  const void *from;            /* NULL: a memset */
  size_t n;                    /* bytes, or elements for a memset */
  unsigned width;              /* memset element size */
  uint32_t value;
  size_t rows, pitch;          /* 2D memset: rows of n elements, pitch bytes */
  /* A copy: depth slices of rows rows of n bytes; from_pitch/pitch bytes
   * between rows and from_slice/to_slice between slices. */
  size_t depth, from_pitch, from_slice, to_slice;
  void *staging;               /* owned copy of pageable source bytes */
};

static CUresult run_mem(struct cf_emu_op *op, CUresult status)
{
  struct mem_op *m = (struct mem_op *)op;
  uint8_t *p = m->to;

  if (status != CUDA_SUCCESS)
    return status;
  if (m->from) {
    for (size_t z = 0; z < m->depth; z++)
      for (size_t y = 0; y < m->rows; y++)
        memmove(p + z * m->to_slice + y * m->pitch,
                (const uint8_t *)m->from + z * m->from_slice +
                    y * m->from_pitch,
                m->n);
  } else if (m->rows > 1) {
    struct mem_op row = *m;
    row.rows = 0;
    for (size_t y = 0; y < m->rows; y++) {
      row.to = p + y * m->pitch;
      run_mem(&row.op, CUDA_SUCCESS);
    }
  } else if (m->width == 1) {
    memset(p, (int)(m->value & 0xff), m->n);
  } else if (m->width == 2) {
    uint16_t v = (uint16_t)m->value;
    for (size_t i = 0; i < m->n; i++)
      memcpy(p + i * 2, &v, 2);
  } else {
    for (size_t i = 0; i < m->n; i++)
      memcpy(p + i * 4, &m->value, 4);
  }
  return CUDA_SUCCESS;
}

static void free_mem(struct cf_emu_op *op)
{
  struct mem_op *m = (struct mem_op *)op;
  free(m->staging);
  free(m);
}

/* Lock, check the context and find the queue. Synchronous calls (wait set)
 * may not be made from a stream callback. Lock held on success. */
static CUresult begin(CUstream hStream, int wait, CUcontext *ctx,
                      struct cf_emu_queue **q)
{
  CUresult r = cf__emu_lock_ctx(ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (wait && cf__emu_in_worker())
    r = CUDA_ERROR_NOT_PERMITTED;
  else
    r = cf__emu_queue_of(*ctx, hStream, q);
  if (r != CUDA_SUCCESS)
    cf__emu_unlock();
  return r;
}

/* Queue m on q and, when wait is set, return once it has run, with what a
 * synchronising call reports. Takes m. Lock held. */
static CUresult issue(CUcontext ctx, struct cf_emu_queue *q, struct mem_op *m,
                      int wait)
{
  CUresult r;

  m->op.run = run_mem;
  m->op.free = free_mem;
  if ((r = cf__emu_queue_submit(q, &m->op)) != CUDA_SUCCESS || !wait)
    return r;
  if ((r = cf__emu_queue_wait(q, cf__emu_queue_last(q))) != CUDA_SUCCESS)
    return r;
  if (!cf__emu_ctx_usable(ctx))
    return CUDA_ERROR_INVALID_CONTEXT;
  return cf__emu_ctx_async_error(ctx);
}

/* The bytes side s of c spans, from its first to its last. */
static uint64_t side_span(const struct cf_copy_side *s,
                          const struct cf_copy_shape *c)
{
  return ((uint64_t)(c->depth - 1) * s->height + c->height - 1) * s->pitch +
         c->width;
}

/* Side s for the executor: device memory mapped in its own context (ctx
 * when it names none), host memory as it is; NULL when a device range is
 * not inside one allocation of that context. Lock held. */
static void *side_map(CUcontext ctx, const struct cf_copy_side *s,
                      uint64_t span)
{
  if (!s->is_dev)
    return (void *)(uintptr_t)s->at;
  return cf__emu_mem_map(s->ctx ? s->ctx : ctx, s->at, span);
}

/* Pack the rows of m's source into a staging buffer the op owns. */
static CUresult stage_source(struct mem_op *m)
{
  uint8_t *p = malloc(m->n * m->rows * m->depth);

  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  for (size_t z = 0; z < m->depth; z++)
    for (size_t y = 0; y < m->rows; y++)
      memcpy(p + (z * m->rows + y) * m->n,
             (const uint8_t *)m->from + z * m->from_slice + y * m->from_pitch,
             m->n);
  m->staging = p;
  m->from = p;
  m->from_pitch = m->n;
  m->from_slice = m->n * m->rows;
  return CUDA_SUCCESS;
}

CUresult cf__emu_copy_strided(const struct cf_copy_shape *shape,
                              CUstream hStream, int async)
{
  CUcontext ctx;
  struct cf_emu_queue *q;
  struct mem_op *m;
  uint64_t sspan, dspan;
  int wait = !async;
  struct cf_copy_shape sh = *shape, *c = &sh;
  CUresult r = begin(hStream, wait, &ctx, &q);

  if (r != CUDA_SUCCESS)
    return r;
  if (c->width == 0 || c->height == 0 || c->depth == 0)
    goto out;
  /* A CUDA array side becomes the device side over its storage (array.c's
   * row-major layout), checked against the array's extent. */
  if ((c->src.array && (r = cf__emu_array_side(ctx, &c->src, c->width,
                                               c->height, c->depth)) !=
                           CUDA_SUCCESS) ||
      (c->dst.array && (r = cf__emu_array_side(ctx, &c->dst, c->width,
                                               c->height, c->depth)) !=
                           CUDA_SUCCESS))
    goto out;
  if ((c->src.ctx && !cf__emu_ctx_usable(c->src.ctx)) ||
      (c->dst.ctx && !cf__emu_ctx_usable(c->dst.ctx))) {
    r = CUDA_ERROR_INVALID_CONTEXT;
    goto out;
  }
  if (!(m = calloc(1, sizeof *m))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  sspan = side_span(&c->src, c);
  dspan = side_span(&c->dst, c);
  m->to = side_map(ctx, &c->dst, dspan);
  m->from = side_map(ctx, &c->src, sspan);
  m->n = c->width;
  m->rows = c->height;
  m->depth = c->depth;
  m->pitch = c->dst.pitch;
  m->to_slice = c->dst.pitch * c->dst.height;
  m->from_pitch = c->src.pitch;
  m->from_slice = c->src.pitch * c->src.height;
  if (!m->to || !m->from) {
    free(m);
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (async && !c->src.is_dev && !is_pinned(ctx, m->from, sspan) &&
      (r = stage_source(m)) != CUDA_SUCCESS) {
    free(m);
    goto out;
  }
  if (async && !c->dst.is_dev && !is_pinned(ctx, m->to, dspan)) {
    /* Pageable destination: complete before returning, as CUDA does. */
    if (cf__emu_in_worker()) {
      free_mem(&m->op);
      r = CUDA_ERROR_NOT_PERMITTED;
      goto out;
    }
    wait = 1;
  }
  r = issue(ctx, q, m, wait);
out:
  cf__emu_unlock();
  return r;
}

enum dir { HTOD, DTOH, DTOD };

/* A 1D copy: one row of n bytes. */
static CUresult copy(enum dir d, CUdeviceptr dst, void *hdst, CUdeviceptr src,
                     const void *hsrc, size_t n, CUstream hStream, int async)
{
  struct cf_copy_shape c = {
    .src = { d == HTOD ? (CUdeviceptr)(uintptr_t)hsrc : src, n, 1, NULL,
             d != HTOD },
    .dst = { d == DTOH ? (CUdeviceptr)(uintptr_t)hdst : dst, n, 1, NULL,
             d != DTOH },
    .width = n,
    .height = 1,
    .depth = 1,
  };
  return cf__emu_copy_strided(&c, hStream, async);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr dstDevice,
                                            const void *srcHost,
                                            size_t ByteCount)
{
  return copy(HTOD, dstDevice, NULL, 0, srcHost, ByteCount, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyDtoH(void *dstHost,
                                            CUdeviceptr srcDevice,
                                            size_t ByteCount)
{
  return copy(DTOH, 0, dstHost, srcDevice, NULL, ByteCount, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyDtoD(CUdeviceptr dstDevice,
                                            CUdeviceptr srcDevice,
                                            size_t ByteCount)
{
  return copy(DTOD, dstDevice, NULL, srcDevice, NULL, ByteCount, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dstDevice,
                                                 const void *srcHost,
                                                 size_t ByteCount,
                                                 CUstream hStream)
{
  return copy(HTOD, dstDevice, NULL, 0, srcHost, ByteCount, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyDtoHAsync(void *dstHost,
                                                 CUdeviceptr srcDevice,
                                                 size_t ByteCount,
                                                 CUstream hStream)
{
  return copy(DTOH, 0, dstHost, srcDevice, NULL, ByteCount, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr dstDevice,
                                                 CUdeviceptr srcDevice,
                                                 size_t ByteCount,
                                                 CUstream hStream)
{
  return copy(DTOD, dstDevice, NULL, srcDevice, NULL, ByteCount, hStream, 1);
}

static CUresult memset_2d(CUdeviceptr dst, size_t pitch, uint32_t value,
                          unsigned width, size_t n, size_t rows,
                          CUstream hStream, int async);

static CUresult memset_n(CUdeviceptr dst, uint32_t value, unsigned width,
                         size_t n, CUstream hStream, int async)
{
  return memset_2d(dst, 0, value, width, n, 1, hStream, async);
}

/* rows rows of n elements of width bytes, pitch bytes apart (pitch at
 * least n * width when rows > 1, and a multiple of width). */
static CUresult memset_2d(CUdeviceptr dst, size_t pitch, uint32_t value,
                          unsigned width, size_t n, size_t rows,
                          CUstream hStream, int async)
{
  uint64_t span;
  CUcontext ctx;
  struct cf_emu_queue *q;
  struct mem_op *m;
  void *p;
  CUresult r = begin(hStream, !async, &ctx, &q);

  if (r != CUDA_SUCCESS)
    return r;
  if (dst % width != 0 || n > SIZE_MAX / width ||
      (rows > 1 && (pitch == 0 || pitch < n * width || pitch % width != 0 ||
                    rows - 1 > (SIZE_MAX - n * width) / pitch))) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (n == 0 || rows == 0)
    goto out;
  span = (uint64_t)(rows - 1) * pitch + (uint64_t)n * width;
  if (!(p = cf__emu_mem_map(ctx, dst, span))) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (!(m = calloc(1, sizeof *m))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  m->to = p;
  m->n = n;
  m->width = width;
  m->value = value;
  m->rows = rows;
  m->pitch = pitch;
  r = issue(ctx, q, m, !async);
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD8(CUdeviceptr dstDevice,
                                          unsigned char uc, size_t N)
{
  return memset_n(dstDevice, uc, 1, N, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD16(CUdeviceptr dstDevice,
                                           unsigned short us, size_t N)
{
  return memset_n(dstDevice, us, 2, N, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD32(CUdeviceptr dstDevice,
                                           unsigned int ui, size_t N)
{
  return memset_n(dstDevice, ui, 4, N, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD8Async(CUdeviceptr dstDevice,
                                               unsigned char uc, size_t N,
                                               CUstream hStream)
{
  return memset_n(dstDevice, uc, 1, N, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD16Async(CUdeviceptr dstDevice,
                                                unsigned short us, size_t N,
                                                CUstream hStream)
{
  return memset_n(dstDevice, us, 2, N, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dstDevice,
                                                unsigned int ui, size_t N,
                                                CUstream hStream)
{
  return memset_n(dstDevice, ui, 4, N, hStream, 1);
}

/* 2D memsets: Height rows of Width elements, dstPitch bytes apart. */
CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD2D8(CUdeviceptr dstDevice,
                                            size_t dstPitch, unsigned char uc,
                                            size_t Width, size_t Height)
{
  return memset_2d(dstDevice, dstPitch, uc, 1, Width, Height, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD2D16(CUdeviceptr dstDevice,
                                             size_t dstPitch, unsigned short us,
                                             size_t Width, size_t Height)
{
  return memset_2d(dstDevice, dstPitch, us, 2, Width, Height, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD2D32(CUdeviceptr dstDevice,
                                             size_t dstPitch, unsigned int ui,
                                             size_t Width, size_t Height)
{
  return memset_2d(dstDevice, dstPitch, ui, 4, Width, Height, NULL, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD2D8Async(CUdeviceptr dstDevice,
                                                 size_t dstPitch,
                                                 unsigned char uc, size_t Width,
                                                 size_t Height,
                                                 CUstream hStream)
{
  return memset_2d(dstDevice, dstPitch, uc, 1, Width, Height, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD2D16Async(CUdeviceptr dstDevice,
                                                  size_t dstPitch,
                                                  unsigned short us,
                                                  size_t Width, size_t Height,
                                                  CUstream hStream)
{
  return memset_2d(dstDevice, dstPitch, us, 2, Width, Height, hStream, 1);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMemsetD2D32Async(CUdeviceptr dstDevice,
                                                  size_t dstPitch,
                                                  unsigned int ui, size_t Width,
                                                  size_t Height,
                                                  CUstream hStream)
{
  return memset_2d(dstDevice, dstPitch, ui, 4, Width, Height, hStream, 1);
}
