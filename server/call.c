/* The worker's side of the dispatch contract (dispatch.h): handle lookups and
 * registration on the session's table, reply bulk buffers and reply packing.
 * A struct cf_call lives for one request on the worker's thread; what these
 * functions allocate into it is freed by cf__call_reset() after the reply is
 * sent. */
#include "internal.h"

#include <stdlib.h>

#include "cf_error.h"

CUresult cf__handle_lookup(struct cf_call *c, uint64_t id,
                           enum cf_handle_kind kind, void **real)
{
  if (kind == CF_HK_STREAM && id == CF_WIRE_STREAM_PER_THREAD)
    return cf__lanes_per_thread_stream(c, real);
  return cf__handles_lookup(c->w->handles, id, kind, real);
}

CUresult cf__handle_lookup_owned(struct cf_call *c, uint64_t id,
                                 enum cf_handle_kind kind, void **real)
{
  *real = NULL;
  if (kind == CF_HK_STREAM && (id == CF_WIRE_STREAM_LEGACY || id == CF_WIRE_STREAM_PER_THREAD))
    return CUDA_ERROR_INVALID_HANDLE;
  return cf__handles_lookup(c->w->handles, id, kind, real);
}

/* The parent of a new handle of kind: parent_id when given; else modules,
 * streams and events belong to the context current on the lane (the lane's
 * stack is installed in the driver during the call); memory pools, like
 * libraries, to none. */
static uint64_t parent_of(struct cf_call *c, enum cf_handle_kind kind, uint64_t parent_id)
{
  if (parent_id == 0 && kind != CF_HK_CONTEXT && kind != CF_HK_FUNCTION &&
      kind != CF_HK_LIBRARY && kind != CF_HK_KERNEL && kind != CF_HK_MEMPOOL &&
      c->drv->cuCtxGetCurrent) {
    CUcontext ctx = NULL;

    if (c->drv->cuCtxGetCurrent(&ctx) == CUDA_SUCCESS && ctx)
      parent_id = cf__handles_find(c->w->handles, CF_HK_CONTEXT, ctx);
  }
  return parent_id;
}

uint64_t cf__handle_register(struct cf_call *c, enum cf_handle_kind kind,
                             void *real, uint64_t parent_id)
{
  return cf__handles_register(c->w->handles, kind, real, parent_of(c, kind, parent_id));
}

uint64_t cf__handle_register_minted(struct cf_call *c, enum cf_handle_kind kind, void *real,
                                    uint64_t id)
{
  uint64_t stale = real ? cf__handles_find(c->w->handles, kind, real) : 0;

  if (stale)
    cf__handle_forget(c, stale);
  return cf__handles_register_minted(c->w->handles, kind, real, parent_of(c, kind, 0), id);
}

uint64_t cf__handle_register_new(struct cf_call *c, enum cf_handle_kind kind,
                                 void *real, uint64_t parent_id)
{
  uint64_t stale = real ? cf__handles_find(c->w->handles, kind, real) : 0;

  if (stale)
    cf__handle_forget(c, stale);
  return cf__handle_register(c, kind, real, parent_id);
}

/* An object the driver destroyed: a context takes the memory allocated in
 * it along (its quota charges go back, quota.c); an array gives its own. */
static void on_gone(void *arg, enum cf_handle_kind kind, void *real)
{
  struct cf_worker *w = arg;

  if (kind == CF_HK_CONTEXT) {
    cf__lanes_context_gone(w->lanes, real);
    cf__quota_context_gone(w, real);
    cf__latch_context_gone(w, real);
  } else if (kind == CF_HK_ARRAY || kind == CF_HK_MIPMAPPED) {
    cf__quota_release(w, CF_QUOTA_ARRAY, (uint64_t)(uintptr_t)real);
  }
}

void cf__handle_forget(struct cf_call *c, uint64_t id)
{
  cf__handles_forget(c->w->handles, id, on_gone, c->w);
}

void cf__handle_forget_children(struct cf_call *c, uint64_t id)
{
  cf__handles_forget_children(c->w->handles, id, on_gone, c->w);
}

/* The least a reply's bulk buffer holds, whatever length the client asked
 * for. Some rows let the client say how big a value is (an attribute's size,
 * cuPointerGetAttribute's data), but the driver writes what the attribute
 * needs: a lying client must not make it write past the buffer. Every such
 * value in cuda.h (CUstreamAttrValue, CUlaunchAttributeValue, pointer and
 * pool attributes) is far smaller; only len bytes travel back. */
#define BULK_OUT_FLOOR 256
/* From this length on a reply's bulk comes from the bulk pool. */
#define BULK_OUT_POOLED ((uint64_t)64 << 10)

void *cf__call_bulk_out(struct cf_call *c, uint64_t len)
{
  cf_bulk_free(c->bulk_out);
  c->bulk_out = NULL;
  c->bulk_out_len = 0;
  if (len > c->w->lim.max_bulk || len > SIZE_MAX - 1)
    return NULL;
  /* Zeroed, so a driver that fills less never leaks our memory; a large
   * one from the bulk pool (on for a session on RDMA, rdma_offer.c; an RDMA
   * READ then fetches it without a copy) is zeroed when first made and
   * later holds only this session's own bytes (a worker serves one
   * session), which saves zeroing it per call at the cost of the copy the
   * pool avoids. */
  if (len >= BULK_OUT_POOLED)
    c->bulk_out = cf_bulk_alloc((size_t)len);
  else
    c->bulk_out = calloc(1, len > BULK_OUT_FLOOR ? (size_t)len : BULK_OUT_FLOOR);
  if (c->bulk_out)
    c->bulk_out_len = len;
  return c->bulk_out;
}

int cf__call_reply(struct cf_call *c, const ProtobufCMessage *rep)
{
  size_t n = protobuf_c_message_get_packed_size(rep);

  free(c->reply_body);
  c->reply_len = 0;
  c->reply_body = malloc(n ? n : 1);
  if (!c->reply_body)
    return CF_ENOMEM;
  c->reply_len = protobuf_c_message_pack(rep, c->reply_body);
  return 0;
}

void cf__call_reset(struct cf_call *c)
{
  free(c->reply_body);
  cf_bulk_free(c->bulk_out);
  c->reply_body = NULL;
  c->reply_len = 0;
  c->bulk_out = NULL;
  c->bulk_out_len = 0;
}
