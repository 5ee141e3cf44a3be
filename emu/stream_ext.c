/* The rest of the stream entry points: a stream's device, the capture
 * queries, stream attributes and the stream memory operations (wait on and
 * write a 32/64-bit word, and batches of them).
 *
 * Capture: the emulator has no graphs, so nothing ever captures. The
 * queries report CU_STREAM_CAPTURE_STATUS_NONE (id 0, no graph or
 * dependencies) after checking the stream; the capture mode is a
 * thread-local value that cuThreadExchangeStreamCaptureMode swaps.
 *
 * Attributes live in CUstream_st (priority, synchronization policy, access
 * policy window, memory sync domain and map); all of them are hints the
 * emulator validates, stores and reports back without acting on them. The
 * default streams report the defaults, and setting one of theirs (or
 * copying into one) is validated and accepted but not kept.
 *
 * Memory operations are queued stream work (queue.c) on device memory of
 * the current context: the word is checked (inside one allocation, aligned
 * to its size) and mapped at the call, and the mapping stays readable for
 * the life of the process (devmem.c), so a racing free is harmless. A write
 * is one atomic store. A wait polls the word with atomic loads on the
 * stream's executor, without the global lock, sleeping between polls for
 * a time that grows from 1 us to 1 ms, so other streams (and the host) can
 * release it; like CUDA, a wait nobody releases blocks its stream forever.
 * A batch is checked whole before any of it is queued. Lock rules as in
 * stream.c: every entry point holds the global lock for its body except
 * the operations' run functions. */
#include "cf_capture_info.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Operations in one cuStreamBatchMemOp, as CUDA documents. */
#define CF_EMU_BATCH_MAX 256
#define POLL_MIN_NS 1000L
#define POLL_MAX_NS 1000000L
/* What cuDeviceGetAttribute says for MAX_ACCESS_POLICY_WINDOW_SIZE. */
#define APW_MAX_BYTES 134213632u

static _Thread_local CUstreamCaptureMode capture_mode =
    CU_STREAM_CAPTURE_MODE_GLOBAL;

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetDevice(CUstream hStream,
                                                 CUdevice *device)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = cf__emu_stream_query(hStream, device, &ctx, &s);
  if (r == CUDA_SUCCESS) {
    *device = 0;  /* the emulator's only device */
    cf__emu_unlock();
  }
  return r;
}

/* ---- Capture state -------------------------------------------------------- */

CF_EMU_EXPORT CUresult CUDAAPI cuStreamIsCapturing(
    CUstream hStream, CUstreamCaptureStatus *captureStatus)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = cf__emu_stream_query(hStream, captureStatus, &ctx, &s);
  if (r == CUDA_SUCCESS) {
    *captureStatus = CU_STREAM_CAPTURE_STATUS_NONE;
    cf__emu_unlock();
  }
  return r;
}

/* Every version of cuStreamGetCaptureInfo; outs other than status may be
 * NULL. */
static CUresult capture_info(CUstream hStream, CUstreamCaptureStatus *status,
                             cuuint64_t *id, CUgraph *graph,
                             const CUgraphNode **deps,
                             const CUgraphEdgeData **edges, size_t *ndeps)
{
  CUresult r = cuStreamIsCapturing(hStream, status);
  if (r == CUDA_SUCCESS)
    cf_capture_info_clear(id, graph, deps, edges, ndeps);
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo_v3(
    CUstream hStream, CUstreamCaptureStatus *captureStatus_out,
    cuuint64_t *id_out, CUgraph *graph_out,
    const CUgraphNode **dependencies_out, const CUgraphEdgeData **edgeData_out,
    size_t *numDependencies_out)
{
  return capture_info(hStream, captureStatus_out, id_out, graph_out,
                      dependencies_out, edgeData_out, numDependencies_out);
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo_v2(
    CUstream hStream, CUstreamCaptureStatus *status, cuuint64_t *id,
    CUgraph *graph, const CUgraphNode **deps, size_t *ndeps)
{
  return capture_info(hStream, status, id, graph, deps, NULL, ndeps);
}

/* Version 1 has its own ABI under the name cuda.h maps to _v3, so it and
 * its per-thread form are defined here, after undoing that macro. */
#undef cuStreamGetCaptureInfo
CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo(
    CUstream hStream, CUstreamCaptureStatus *status, cuuint64_t *id);
CUresult CUDAAPI cuStreamGetCaptureInfo(CUstream hStream,
                                        CUstreamCaptureStatus *status,
                                        cuuint64_t *id)
{
  return capture_info(hStream, status, id, NULL, NULL, NULL, NULL);
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetCaptureInfo_ptsz(
    CUstream hStream, CUstreamCaptureStatus *status, cuuint64_t *id);
CUresult CUDAAPI cuStreamGetCaptureInfo_ptsz(CUstream hStream,
                                             CUstreamCaptureStatus *status,
                                             cuuint64_t *id)
{
  return capture_info(hStream ? hStream : CU_STREAM_PER_THREAD, status, id,
                      NULL, NULL, NULL, NULL);
}

CF_EMU_EXPORT CUresult CUDAAPI cuThreadExchangeStreamCaptureMode(
    CUstreamCaptureMode *mode)
{
  CUstreamCaptureMode old = capture_mode;
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!mode || (*mode != CU_STREAM_CAPTURE_MODE_GLOBAL &&
                *mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
                *mode != CU_STREAM_CAPTURE_MODE_RELAXED))
    return CUDA_ERROR_INVALID_VALUE;
  capture_mode = *mode;
  *mode = old;
  return CUDA_SUCCESS;
}

/* ---- Attributes ------------------------------------------------------------ */

/* s's attribute (the defaults for a default stream, s NULL) into *v. */
static CUresult attr_get(CUstream s, CUstreamAttrID attr, CUstreamAttrValue *v)
{
  memset(v, 0, sizeof *v);
  switch (attr) {
  case CU_STREAM_ATTRIBUTE_ACCESS_POLICY_WINDOW:
    if (s)
      v->accessPolicyWindow = s->apw;
    return CUDA_SUCCESS;
  case CU_STREAM_ATTRIBUTE_SYNCHRONIZATION_POLICY:
    v->syncPolicy = s && s->sync_policy ? s->sync_policy : CU_SYNC_POLICY_AUTO;
    return CUDA_SUCCESS;
  case CU_STREAM_ATTRIBUTE_PRIORITY:
    v->priority = s ? s->priority : 0;
    return CUDA_SUCCESS;
  case CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN_MAP:
    if (s)
      v->memSyncDomainMap = s->domain_map;
    return CUDA_SUCCESS;
  case CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN:
    v->memSyncDomain = s ? s->domain : CU_LAUNCH_MEM_SYNC_DOMAIN_DEFAULT;
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

/* Check v for attr and, when s is a created stream, keep it. */
static CUresult attr_set(CUstream s, CUstreamAttrID attr,
                         const CUstreamAttrValue *v)
{
  const CUaccessPolicyWindow *w = &v->accessPolicyWindow;

  switch (attr) {
  case CU_STREAM_ATTRIBUTE_ACCESS_POLICY_WINDOW:
    if (!(w->hitRatio >= 0.0f && w->hitRatio <= 1.0f) ||
        w->num_bytes > APW_MAX_BYTES ||
        (unsigned)w->hitProp > CU_ACCESS_PROPERTY_PERSISTING ||
        (unsigned)w->missProp > CU_ACCESS_PROPERTY_STREAMING)
      return CUDA_ERROR_INVALID_VALUE;
    if (s)
      s->apw = *w;
    return CUDA_SUCCESS;
  case CU_STREAM_ATTRIBUTE_SYNCHRONIZATION_POLICY:
    if (v->syncPolicy < CU_SYNC_POLICY_AUTO ||
        v->syncPolicy > CU_SYNC_POLICY_BLOCKING_SYNC)
      return CUDA_ERROR_INVALID_VALUE;
    if (s)
      s->sync_policy = v->syncPolicy;
    return CUDA_SUCCESS;
  case CU_STREAM_ATTRIBUTE_PRIORITY:
    /* Clamped to [-5, 0] as at creation (stream.c). */
    if (s)
      s->priority = v->priority > 0 ? 0 : v->priority < -5 ? -5 : v->priority;
    return CUDA_SUCCESS;
  case CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN_MAP:
    if (s)
      s->domain_map = v->memSyncDomainMap;
    return CUDA_SUCCESS;
  case CU_STREAM_ATTRIBUTE_MEM_SYNC_DOMAIN:
    if ((unsigned)v->memSyncDomain > CU_LAUNCH_MEM_SYNC_DOMAIN_REMOTE)
      return CUDA_ERROR_INVALID_VALUE;
    if (s)
      s->domain = v->memSyncDomain;
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamGetAttribute(CUstream hStream,
                                                    CUstreamAttrID attr,
                                                    CUstreamAttrValue *value_out)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = cf__emu_stream_query(hStream, value_out, &ctx, &s);
  if (r == CUDA_SUCCESS) {
    r = attr_get(s, attr, value_out);
    cf__emu_unlock();
  }
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamSetAttribute(
    CUstream hStream, CUstreamAttrID attr, const CUstreamAttrValue *value)
{
  CUcontext ctx;
  CUstream s;
  CUresult r = cf__emu_stream_query(hStream, value, &ctx, &s);
  if (r == CUDA_SUCCESS) {
    r = attr_set(s, attr, value);
    cf__emu_unlock();
  }
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamCopyAttributes(CUstream dst,
                                                      CUstream src)
{
  CUcontext ctx;
  CUstream d = NULL, s;
  CUresult r = cf__emu_stream_query(dst, &d, &ctx, &d); /* no output to check */
  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_stream_resolve(ctx, src, &s)) == CUDA_SUCCESS && d) {
    d->priority = s ? s->priority : 0;
    d->sync_policy = s ? s->sync_policy : 0;
    memset(&d->apw, 0, sizeof d->apw);
    memset(&d->domain_map, 0, sizeof d->domain_map);
    d->domain = CU_LAUNCH_MEM_SYNC_DOMAIN_DEFAULT;
    if (s) {
      d->apw = s->apw;
      d->domain_map = s->domain_map;
      d->domain = s->domain;
    }
  }
  cf__emu_unlock();
  return r;
}

/* ---- Memory operations ----------------------------------------------------- */

enum value_kind { V_WAIT, V_WRITE, V_BARRIER };

struct value_op {
  struct cf_emu_op op;
  enum value_kind kind;
  int wide;                     /* 64-bit word */
  void *word;                   /* mapped device word */
  uint64_t value;
  unsigned cmp;                 /* waits: CU_STREAM_WAIT_VALUE_GEQ.. NOR */
};

static int wait_met(const struct value_op *v)
{
  uint64_t x = v->wide ? __atomic_load_n((uint64_t *)v->word, __ATOMIC_ACQUIRE)
                       : __atomic_load_n((uint32_t *)v->word, __ATOMIC_ACQUIRE);
  uint64_t mask = v->wide ? UINT64_MAX : UINT32_MAX;

  switch (v->cmp) {
  case CU_STREAM_WAIT_VALUE_GEQ:  /* cyclic: ignores wraparound */
    return v->wide ? (int64_t)(x - v->value) >= 0
                   : (int32_t)(uint32_t)(x - v->value) >= 0;
  case CU_STREAM_WAIT_VALUE_EQ:
    return x == v->value;
  case CU_STREAM_WAIT_VALUE_AND:
    return (x & v->value) != 0;
  default:  /* CU_STREAM_WAIT_VALUE_NOR */
    return (~(x | v->value) & mask) != 0;
  }
}

static CUresult run_value(struct cf_emu_op *op, CUresult status)
{
  struct value_op *v = (struct value_op *)op;
  long ns = POLL_MIN_NS;

  if (status != CUDA_SUCCESS)
    return CUDA_SUCCESS;  /* a failed context's stream work does not run */
  switch (v->kind) {
  case V_WRITE:
    if (v->wide)
      __atomic_store_n((uint64_t *)v->word, v->value, __ATOMIC_SEQ_CST);
    else
      __atomic_store_n((uint32_t *)v->word, (uint32_t)v->value,
                       __ATOMIC_SEQ_CST);
    break;
  case V_WAIT:
    while (!wait_met(v)) {
      struct timespec t = { 0, ns };
      nanosleep(&t, NULL);
      if (ns < POLL_MAX_NS)
        ns *= 2;
    }
    break;
  case V_BARRIER:
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    break;
  }
  return CUDA_SUCCESS;
}

/* Check one operation and map its word; *out is a new op for the caller.
 * Lock held. */
static CUresult value_new(CUcontext ctx, enum value_kind kind, int wide,
                          CUdeviceptr addr, uint64_t value, unsigned flags,
                          struct value_op **out)
{
  unsigned size = wide ? 8 : 4;
  struct value_op *v;
  void *word = NULL;

  *out = NULL;
  if (kind == V_WAIT) {
    if (flags & CU_STREAM_WAIT_VALUE_FLUSH)
      return CUDA_ERROR_NOT_SUPPORTED;  /* CAN_FLUSH_REMOTE_WRITES is 0 */
    if (flags > CU_STREAM_WAIT_VALUE_NOR)
      return CUDA_ERROR_INVALID_VALUE;
  } else if (kind == V_WRITE) {
    /* NO_MEMORY_BARRIER: v1's hint; every write here is a full fence. */
    if (flags & ~(unsigned)CU_STREAM_WRITE_VALUE_NO_MEMORY_BARRIER)
      return CUDA_ERROR_INVALID_VALUE;
  } else if (flags > CU_STREAM_MEMORY_BARRIER_TYPE_GPU) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (kind != V_BARRIER &&
      (addr % size != 0 || !(word = cf__emu_mem_map(ctx, addr, size))))
    return CUDA_ERROR_INVALID_VALUE;
  if (!(v = calloc(1, sizeof *v)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  v->op.run = run_value;
  v->kind = kind;
  v->wide = wide;
  v->word = word;
  v->value = wide ? value : (uint32_t)value;
  v->cmp = kind == V_WAIT ? flags : 0;
  *out = v;
  return CUDA_SUCCESS;
}

static CUresult value_op(CUstream stream, enum value_kind kind, int wide,
                         CUdeviceptr addr, uint64_t value, unsigned flags)
{
  CUcontext ctx;
  struct cf_emu_queue *q;
  struct value_op *v;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_queue_of(ctx, stream, &q)) == CUDA_SUCCESS &&
      (r = value_new(ctx, kind, wide, addr, value, flags, &v)) == CUDA_SUCCESS)
    r = cf__emu_queue_submit(q, &v->op);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamWaitValue32_v2(CUstream stream,
                                                      CUdeviceptr addr,
                                                      cuuint32_t value,
                                                      unsigned int flags)
{
  return value_op(stream, V_WAIT, 0, addr, value, flags);
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamWaitValue64_v2(CUstream stream,
                                                      CUdeviceptr addr,
                                                      cuuint64_t value,
                                                      unsigned int flags)
{
  return value_op(stream, V_WAIT, 1, addr, value, flags);
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamWriteValue32_v2(CUstream stream,
                                                       CUdeviceptr addr,
                                                       cuuint32_t value,
                                                       unsigned int flags)
{
  return value_op(stream, V_WRITE, 0, addr, value, flags);
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamWriteValue64_v2(CUstream stream,
                                                       CUdeviceptr addr,
                                                       cuuint64_t value,
                                                       unsigned int flags)
{
  return value_op(stream, V_WRITE, 1, addr, value, flags);
}

/* One batch entry as a new op. Lock held. */
static CUresult batch_entry(CUcontext ctx, const CUstreamBatchMemOpParams *p,
                            struct value_op **out)
{
  const struct CUstreamMemOpWaitValueParams_st *w = &p->waitValue;
  const struct CUstreamMemOpWriteValueParams_st *x = &p->writeValue;

  switch (p->operation) {
  case CU_STREAM_MEM_OP_WAIT_VALUE_32:
    return value_new(ctx, V_WAIT, 0, w->address, w->value, w->flags, out);
  case CU_STREAM_MEM_OP_WAIT_VALUE_64:
    return value_new(ctx, V_WAIT, 1, w->address, w->value64, w->flags, out);
  case CU_STREAM_MEM_OP_WRITE_VALUE_32:
    return value_new(ctx, V_WRITE, 0, x->address, x->value, x->flags, out);
  case CU_STREAM_MEM_OP_WRITE_VALUE_64:
    return value_new(ctx, V_WRITE, 1, x->address, x->value64, x->flags, out);
  case CU_STREAM_MEM_OP_BARRIER:
    return value_new(ctx, V_BARRIER, 0, 0, 0, p->memoryBarrier.flags, out);
  case CU_STREAM_MEM_OP_FLUSH_REMOTE_WRITES:
    return CUDA_ERROR_NOT_SUPPORTED;  /* CAN_FLUSH_REMOTE_WRITES is 0 */
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CF_EMU_EXPORT CUresult CUDAAPI cuStreamBatchMemOp_v2(
    CUstream stream, unsigned int count, CUstreamBatchMemOpParams *paramArray,
    unsigned int flags)
{
  struct value_op *ops[CF_EMU_BATCH_MAX];
  struct cf_emu_queue *q;
  CUcontext ctx;
  unsigned n = 0;
  CUresult r;

  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_queue_of(ctx, stream, &q)) != CUDA_SUCCESS)
    goto out;
  if (flags != 0 || count > CF_EMU_BATCH_MAX || (count && !paramArray)) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  /* All checked and made first, so a bad entry queues nothing. */
  for (; n < count; n++)
    if ((r = batch_entry(ctx, &paramArray[n], &ops[n])) != CUDA_SUCCESS)
      goto out;
  for (unsigned i = 0; i < count; i++) {
    /* Consumed either way; a retired queue refuses the first already. */
    if (r == CUDA_SUCCESS)
      r = cf__emu_queue_submit(q, &ops[i]->op);
    else
      free(ops[i]);
  }
  n = 0;
out:
  while (n > 0)
    free(ops[--n]);
  cf__emu_unlock();
  return r;
}
