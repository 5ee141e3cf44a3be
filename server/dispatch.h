/* The contract between the generated call dispatch (cf_server_dispatch.c and
 * cf_driver_table.[ch], expanded from protocol/api/cuda_api.def by
 * tools/gen/gen_api.py) and the hand-written worker.
 *
 * The worker receives a CF_FRAME_CALL, looks its op up with
 * cf__dispatch_find(), fills a struct cf_call and runs the entry's handler.
 * A generated handler unpacks the request (protobuf-c, with
 * cf_proto_allocator()), translates handle ids to the driver's handles,
 * calls the driver through struct cf_driver, registers handles the call
 * created, and packs the reply with cf__call_reply(). Rows marked
 * server=custom call a hand-written cf__srv_<name>() instead of the driver.
 * Everything runs on the worker's thread for that lane. */
#ifndef CF_SERVER_DISPATCH_H
#define CF_SERVER_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include <cuda.h>
#include <protobuf-c/protobuf-c.h>

#include "cf_driver_table.h" /* generated: struct cf_driver */

enum cf_handle_kind {
  CF_HK_CONTEXT = 1,
  CF_HK_MODULE,
  CF_HK_FUNCTION,
  CF_HK_STREAM,
  CF_HK_EVENT,
  CF_HK_LINK,
  CF_HK_LIBRARY,
  CF_HK_KERNEL,
  CF_HK_MEMPOOL,  /* belongs to no context (server/mempool.c) */
  CF_HK_ARRAY,    /* a level of a mipmapped array is under it */
  CF_HK_MIPMAPPED,
  CF_HK_TEXOBJ,   /* texture and surface objects: the driver's value as */
  CF_HK_SURFOBJ,  /* real; the wire carries the value (server/texobj.c) */
  CF_HK_MAX_
};

struct cf_worker; /* one session; worker.c */

struct cf_call {
  struct cf_worker *w;
  const struct cf_driver *drv;
  uint32_t lane;
  const uint8_t *bulk_in; /* the request's bulk payload (NUL-padded) */
  uint64_t bulk_in_len;
  uint8_t *bulk_out;      /* the reply's bulk, from cf__call_bulk_out() */
  uint64_t bulk_out_len;
  uint8_t *reply_body;    /* the packed reply, from cf__call_reply() */
  size_t reply_len;
  CUresult result;        /* the reply's result, set by the handler */
};

/* The stream ids the client sends for CUDA's special stream handles. */
#define CF_WIRE_STREAM_LEGACY 1     /* CU_STREAM_LEGACY */
#define CF_WIRE_STREAM_PER_THREAD 2 /* CU_STREAM_PER_THREAD */

/* Translate a wire handle id to the driver's handle. Id 0 is NULL; for
 * streams CF_WIRE_STREAM_LEGACY is CU_STREAM_LEGACY and
 * CF_WIRE_STREAM_PER_THREAD the calling lane's own default stream of the
 * current context (server/lanes.c). An id this session does not hold, or
 * one of another kind, gives CUDA_ERROR_INVALID_CONTEXT for contexts and
 * CUDA_ERROR_INVALID_HANDLE for the rest; *real is then NULL. */
CUresult cf__handle_lookup(struct cf_call *c, uint64_t id,
                           enum cf_handle_kind kind, void **real);

/* As cf__handle_lookup, for a handle the call destroys (`kills`): the
 * special streams are no object of the caller's and give
 * CUDA_ERROR_INVALID_HANDLE. */
CUresult cf__handle_lookup_owned(struct cf_call *c, uint64_t id,
                                 enum cf_handle_kind kind, void **real);

/* Give a driver handle a wire id and return it: the same id as before if
 * real is already registered with this kind, a new one otherwise; NULL gives
 * 0. parent_id names the object whose destruction also ends this one (a
 * function's module); 0 means "the lane's current context" for modules,
 * streams, events and link states, and none for contexts, functions,
 * libraries, kernels and memory pools (a library or a pool belongs to no
 * context). Returns 0 also when the table
 * is full (the session's handle limit); the caller then answers
 * CUDA_ERROR_OUT_OF_MEMORY. */
uint64_t cf__handle_register(struct cf_call *c, enum cf_handle_kind kind,
                             void *real, uint64_t parent_id);

/* As cf__handle_register, for an object the call has just created (rows
 * whose out handle is marked `new`). If real is still registered, the driver
 * freed that object without the session being told (a primary context
 * reset, say) and reused its address: the stale entry and its descendants
 * are forgotten and a fresh id is minted, so an old id can never reach the
 * new object. */
uint64_t cf__handle_register_new(struct cf_call *c, enum cf_handle_kind kind,
                                 void *real, uint64_t parent_id);

/* As cf__handle_register_new for an object the driver just created, under
 * the id the client minted for it (CF_HANDLE_CLIENT_BIT, checked free with
 * cf__handles_minted_free before the driver was called), in the current
 * context. 0 when the table is full. */
uint64_t cf__handle_register_minted(struct cf_call *c, enum cf_handle_kind kind, void *real,
                                    uint64_t id);

/* Forget id and every handle whose parent chain leads to it (after the
 * driver destroyed the object). Unknown ids are ignored. */
void cf__handle_forget(struct cf_call *c, uint64_t id);

/* Forget every descendant of id but keep id itself (a primary context whose
 * contents the driver destroyed). Unknown ids are ignored. */
void cf__handle_forget_children(struct cf_call *c, uint64_t id);

/* Device spans (span.c). CUDA_SUCCESS when [at, at+len) lies inside one
 * allocation the driver knows in ctx (NULL: the current context), or len is
 * 0; CUDA_ERROR_INVALID_VALUE otherwise. */
CUresult cf__srv_range_check(struct cf_call *c, CUcontext ctx, uint64_t at, uint64_t len);
/* As cf__srv_range_check for height rows of width elements of elem (>= 1)
 * bytes from ptr, pitch bytes apart (pitch unused when height is 1); the
 * generated dispatch calls it for the rows' span= and span2d= attributes
 * (protocol/api/cuda_api.def). */
CUresult cf__srv_span_check(struct cf_call *c, CUcontext ctx, uint64_t ptr, uint64_t pitch,
                            uint64_t width, uint64_t height, uint64_t elem);

/* A reply bulk buffer of len bytes, owned by the call (freed by the worker
 * after the reply is sent). NULL when len is over the session's bulk limit or
 * memory is short: the handler then answers CUDA_ERROR_INVALID_VALUE or
 * CUDA_ERROR_OUT_OF_MEMORY without calling the driver. */
void *cf__call_bulk_out(struct cf_call *c, uint64_t len);

/* Pack rep as the call's reply body. Returns 0 or CF_ENOMEM. */
int cf__call_reply(struct cf_call *c, const ProtobufCMessage *rep);

/* One row of the generated dispatch table. handler returns 0 when a reply
 * was packed, CF_EPROTO when the request was malformed (the worker then ends
 * the session), or another CF_E* code. */
struct cf_op_entry {
  uint32_t op;
  const char *name;
  int (*handler)(struct cf_call *c, const uint8_t *body, size_t len);
  unsigned flags; /* CF_OPF_* from cf_api_ops.h */
};

/* The row for a wire op, or NULL for an op this server does not know
 * (the worker answers CUDA_ERROR_NOT_SUPPORTED). Binary search; generated. */
const struct cf_op_entry *cf__dispatch_find(uint32_t op);

#endif
