/* Cross-file declarations of the client stub (libcuda.so.1).
 *
 * The stub keeps one session per process: a connection to the server made
 * at cuInit, the handshake's device table, and a lock that lets one call at
 * a time use the connection. Every calling thread gets its own lane id, so
 * the server keeps each thread's current context apart. */
#ifndef CF_CLIENT_INTERNAL_H
#define CF_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cuda.h>
#include <protobuf-c/protobuf-c.h>

#include "cf_session.pb-c.h"

/* Exported CUDA entry points; everything else is hidden. */
#define CF_EXPORT __attribute__((visibility("default")))

/* --- session.c: the connection and the call path ----------------------- */

/* Connect and handshake, once per process. Returns CUDA_SUCCESS, or the
 * error every later call to cuInit will also return (logged once). */
CUresult cf__session_init(void);

/* This process's id, cached (renewed in a forked child). */
pid_t cf__pid(void);

/* The handshake's answer, or NULL before a successful cuInit. Valid until
 * the process ends. */
const CfWelcome *cf__session_welcome(void);

/* What the client makes of the server's answer to its hello (handshake.c),
 * without I/O: f is the frame cf_frame_recv read. Returns 0 with *welcome
 * the CfWelcome; CF_EPERM when the server refused, with *refuse its CfRefuse
 * (NULL when that did not unpack); CF_EPROTO when f is neither. Both
 * messages come from cf_proto_allocator() and are freed with it by the
 * caller; the other out-parameter is NULL. f is left to the caller. */
struct cf_frame;
int cf__session_answer_parse(const struct cf_frame *f, CfWelcome **welcome, CfRefuse **refuse);

/* Join the session the welcome wel answered over RDMA (rdma_join.c):
 * connect to the worker's endpoint (wel's host, or control's when wel
 * names none), present the one-time secret and wait for the go-ahead, each
 * step within timeout_ms. The secret in wel is wiped. Returns 0 with *out
 * the session's connection from now on, or a CF_E* code with the reason in
 * err (and *out NULL). */
struct cf_url;
struct cf_conn;
int cf__rdma_join(const struct cf_url *control, CfWelcome *wel, int timeout_ms,
                  struct cf_conn **out, char *err, size_t errlen);

/* Largest bulk payload one call may carry (the server's limit). */
size_t cf__session_max_bulk(void);

/* Pinned memory [p, p+len) is about to be freed or unregistered: the
 * session's connection drops its RDMA registration of it. Takes the
 * session lock; call it with no lock of memory.c held. */
void cf__session_forget_memory(const void *p, size_t len);

/* Forward one call: pack req, send it with bulk_in as its bulk payload,
 * wait for the reply, unpack it with rep_desc into *rep (free with
 * cf__client_free_reply) and receive its bulk into bulk_out (at most
 * bulk_out_cap bytes). Returns CUDA_SUCCESS when a reply arrived (its own
 * result is in (*rep)->result), CUDA_ERROR_NOT_INITIALIZED before cuInit,
 * CUDA_ERROR_DEVICE_UNAVAILABLE once the connection is lost (logged once),
 * CUDA_ERROR_INVALID_VALUE if a payload is over the server's limits. */
CUresult cf__client_call(uint32_t op, const ProtobufCMessage *req,
                         const void *bulk_in, size_t bulk_in_len,
                         const ProtobufCMessageDescriptor *rep_desc,
                         ProtobufCMessage **rep, void *bulk_out,
                         size_t bulk_out_cap);
void cf__client_free_reply(ProtobufCMessage *rep);

/* Forward an asynchronous call (an `async` row): send req and bulk_in as a
 * NOREPLY frame, queued behind the session's other asynchronous calls, and
 * return without waiting. An error the server meets in it is returned by
 * the context's next synchronising call. The bulk is copied or written
 * before this returns. Returns CUDA_SUCCESS when queued, or the errors of
 * cf__client_call that can be known at once. */
CUresult cf__client_call_async(uint32_t op, const ProtobufCMessage *req,
                               const void *bulk_in, size_t bulk_in_len);

/* Calls of one op whose replies carry bulk (the pieces of a large
 * device-to-host copy), pipelined: up to window requests in flight, the
 * replies read in order straight into each call's bulk_out, which must come
 * back whole. After a failed reply no more requests go, but those in
 * flight are drained. Returns CUDA_SUCCESS, the first failed call's result,
 * or the errors of cf__client_call. */
struct cf_pipelined_call {
  const ProtobufCMessage *req;
  void *bulk_out;
  size_t bulk_out_cap;
};
CUresult cf__client_call_pipelined(uint32_t op, const ProtobufCMessageDescriptor *rep_desc,
                                   const struct cf_pipelined_call *calls, size_t n,
                                   size_t window);

/* --- vouch.c: when an asynchronous call may skip its round trip -------- */

/* 1 with *ctx the calling thread's current context when asynchronous calls
 * may go in it (there is one, and it has not faulted); else 0. */
int cf__vouch_context(CUcontext *ctx);
/* 1 when handle id has been used successfully in ctx and not destroyed. */
int cf__vouch_handle(CUcontext ctx, uint64_t id);
/* height rows of width elements of elem bytes from ptr, pitch apart, lie
 * inside one allocation the client knows (or touch nothing). */
int cf__vouch_span(uint64_t ptr, uint64_t pitch, uint64_t width, uint64_t height, uint64_t elem);
/* What synchronous calls teach: a handle that worked in ctx, an allocation
 * made or looked up, one freed, a handle destroyed, and the result of any
 * call (a sticky error marks the current context as faulted). */
void cf__vouch_note_handle(CUcontext ctx, uint64_t id);
void cf__vouch_note_alloc(uint64_t base, uint64_t size);
void cf__vouch_forget_alloc(uint64_t base);
void cf__vouch_forget_handle(uint64_t id);
void cf__vouch_note_result(CUresult r);
/* A module, library or context ended: forget every handle and allocation. */
void cf__vouch_reset(void);

/* --- sendq.c: asynchronous calls not yet written ---------------------- */

/* Queued bytes past which the queue is written at once, and the buffer size
 * kept between bursts. A bulk over CF_SENDQ_INLINE_BULK is not copied but
 * written (after the queue) before the call returns. */
#define CF_SENDQ_FLUSH_BYTES ((size_t)256 << 10)
#define CF_SENDQ_KEEP_BYTES ((size_t)1 << 20)
#define CF_SENDQ_INLINE_BULK ((size_t)64 << 10)

struct cf_sendq {
  uint8_t *buf;        /* encoded frames, back to back */
  size_t len, cap;
  unsigned frames;     /* frames in buf */
  uint64_t oldest_ns;  /* when the first of them was queued (monotonic) */
};

struct cf_frame_header;
struct cf_conn;

/* Append the frame h (its body_len and bulk_len must match) with copies of
 * body and bulk. Returns 0 or CF_ENOMEM (nothing appended). */
int cf__sendq_add(struct cf_sendq *q, const struct cf_frame_header *h, const void *body,
                  size_t body_len, const void *bulk, size_t bulk_len);

/* Write the queue and then, if h is not NULL, the frame h with body and
 * bulk (h's lengths), in one writev; the queue is empty afterwards whatever happens.
 * Returns 0 or the transport's error. */
int cf__sendq_send(struct cf_sendq *q, struct cf_conn *c, const struct cf_frame_header *h,
                   const void *body, const void *bulk);

/* When the oldest queued frame has waited delay_ns (cf_monotonic_ns), or 0
 * when the queue is empty. */
uint64_t cf__sendq_due_ns(const struct cf_sendq *q, uint64_t delay_ns);

void cf__sendq_free(struct cf_sendq *q);

/* --- replies.c: routing replies to the threads that wait for them ------- */

#include <pthread.h>

#include "cf_frame.h"

/* A call whose reply a thread waits for. Its frame is filled by whichever
 * waiting thread reads the reply off the connection; the bulk goes straight
 * into bulk_out when it fits. */
struct cf_waiter {
  uint64_t seq;
  uint32_t op;
  void *bulk_out;
  size_t bulk_cap;
  int done;               /* f holds the reply */
  struct cf_frame f;
  struct cf_waiter *next;
};

struct cf_replies {
  pthread_mutex_t *lock;  /* the session lock: guards all of this and the
                             connection */
  pthread_cond_t replied; /* a waiter is done, or the reader's role is free */
  struct cf_waiter *waiters;
  int reading;            /* a thread holds the reader's role */
  int failed;             /* the connection is broken: every wait fails */
  int wake_fd;            /* eventfd the reader polls beside the socket */
  uint64_t received_raw, received_wire; /* replies' bulk */
};

/* Returns 0 or CF_EIO (no eventfd). */
int cf__replies_init(struct cf_replies *r, pthread_mutex_t *lock);
void cf__replies_free(struct cf_replies *r);

/* Expect the reply to call seq of op; with the lock held, before the call
 * is written. */
void cf__replies_expect(struct cf_replies *r, struct cf_waiter *w, uint64_t seq, uint32_t op,
                        void *bulk_out, size_t bulk_cap);

/* Wait, with the lock held (released while nothing arrives), until w's reply
 * is in w->f; meanwhile route other threads' replies and print device
 * output. w stays expected: cf__replies_forget it. Returns 0, or a CF_E*
 * code once the connection failed (the caller marks the session broken). */
int cf__replies_wait(struct cf_replies *r, struct cf_conn *conn, const struct cf_frame_limits *lim,
                     struct cf_waiter *w);

/* Stop expecting w (its reply, if it came, is released). Lock held. */
void cf__replies_forget(struct cf_replies *r, struct cf_waiter *w);

/* After writing on conn: wake the reader when the write left incoming bytes
 * in the connection's read-ahead, which its poll cannot see. Lock held. */
void cf__replies_sent(struct cf_replies *r, struct cf_conn *conn);

/* The connection is broken: every waiter wakes and fails. Lock held. */
void cf__replies_fail(struct cf_replies *r);

/* --- device.c ------------------------------------------------------------ */

/* The device's attribute from the handshake table into *value. */
CUresult cf__device_attribute(CUdevice dev, int attrib, int *value);

/* CUDA_VISIBLE_DEVICES: the server's ordinal of visible device dev, and the
 * visible ordinal of server device dev. Negative ordinals (CU_DEVICE_CPU)
 * and every ordinal before the handshake pass unchanged; a visible ordinal
 * out of range becomes INT_MAX (the server answers INVALID_DEVICE), a server
 * device the program cannot see CU_DEVICE_INVALID. Called by the generated
 * stubs for every CUdevice parameter. */
CUdevice cf__device_to_server(CUdevice dev);
CUdevice cf__device_from_server(CUdevice dev);

/* --- module.c ------------------------------------------------------------ */

/* Read a whole file (at most the server's bulk limit) into *out, NUL-
 * terminated; *len counts the NUL. The caller frees *out. Returns
 * CUDA_SUCCESS, CUDA_ERROR_FILE_NOT_FOUND, CUDA_ERROR_INVALID_IMAGE (empty
 * or too large), CUDA_ERROR_INVALID_VALUE or CUDA_ERROR_OUT_OF_MEMORY. */
CUresult cf__client_read_file(const char *path, uint8_t **out, size_t *len);

/* --- memory.c, memory_ext.c: pinned host memory ----------------------- */

/* 1 when p lies inside a pinned block (cuMemAllocHost/cuMemHostAlloc or
 * cuMemHostRegister), with the block's start, size and flags (each
 * optional). Safe from any thread. */
int cf__pinned_find(const void *p, void **base, size_t *size, unsigned *flags);

/* The session connection's pinned query (cf_pinned_query): 1 when
 * [p, p+len) lies inside one pinned block, with the block's start and size,
 * so that RDMA registers the block once and copies move without a copy.
 * Every pinned block is reported with cf__session_forget_memory before it
 * goes. */
int cf__pinned_block(const void *p, size_t len, void **base, size_t *size);

/* --- memory_ext.c, copy3d.c: copies ---------------------------------- */

/* How the stub copies (common/cf_copy.h): ownership by pinned blocks and
 * the server, the forwarded 1D copies, and the strided copy below. */
struct cf_copy_ops;
struct cf_copy_shape;
extern const struct cf_copy_ops cf__copy_ops;

/* One checked strided copy (cf_copy.h): device to device in one forwarded
 * op, else host side packed in pieces of at most the bulk limit, one op
 * each. Returns the first piece's error; earlier pieces stay copied. */
CUresult cf__client_copy_strided(const struct cf_copy_shape *c, CUstream s, int async);
/* The extent of a CUDA array as struct cf_copy_ops.array_extent gives it
 * (array.c). */
CUresult cf__client_array_extent(CUarray a, size_t *row_bytes, size_t *rows, size_t *slices,
                                 size_t *elem_bytes);

/* --- config.c: client.conf and the environment ------------------------ */

/* The stub's settings; "" or 0 where not set. */
struct cf_client_config {
  char server[512], ca_file[4096], cert_file[4096], key_file[4096],
      token[256], compression[32]; /* compression: auto, none, lz4, zstd */
  int connect_timeout_ms, call_timeout_ms; /* 0: no limit */
  char source[4096]; /* the file read, "" for none */
};

/* Load from the first existing file of CUFERRY_CONFIG / ~/.config/cuferry/
 * client.conf ($XDG_CONFIG_HOME/cuferry/client.conf when set) /
 * /etc/cuferry/client.conf, then apply the environment overrides
 * (CUFERRY_SERVER, CUFERRY_CA, CUFERRY_CERT, CUFERRY_KEY, CUFERRY_TOKEN;
 * empty ones are ignored). A file named by CUFERRY_CONFIG that is missing is
 * an error, as is a token (token key or token_file) that other users could
 * read. Defaults: compression auto, connect_timeout 5 s, call_timeout none.
 * Returns 0 or CF_EINVAL with "FILE:LINE: ..." (or "VARIABLE: ...") in err;
 * on error *c is cleared but for source. Never quotes a token. */
int cf__client_config_load(struct cf_client_config *c, char *err, size_t errlen);

/* --- unsupported.c ------------------------------------------------------- */

/* Log "cuferry: NAME is not supported yet" once per index and return
 * CUDA_ERROR_NOT_SUPPORTED. index < cf__unsupported_count. */
int cf__unsupported(unsigned index, const char *name);
extern const unsigned cf__unsupported_count; /* generated */

/* --- export_tables.c, ctx_local.c, integrity.c: cuGetExportTable ------ */

/* The private tables cudart asks for by UUID. Each is a static array that
 * lives as long as the process (cudart keeps the pointers); a function slot
 * is a function pointer, a size word the table's size in bytes. The
 * integrity check hashes the addresses of the first two. */
extern const void *cf__export_cudart_interface[];
extern const void *cf__export_integrity[];
extern const void *cf__export_ctx_local[];

/* Define a table slot cudart is not known to call: it logs
 * "cuferry: export table TABLE slot N is not supported yet" the first time
 * and returns CUDA_ERROR_NOT_SUPPORTED. Taking no parameters is safe for
 * any caller's argument list in the SysV x86-64 and AArch64 ABIs (the
 * caller owns its arguments), and the real prototypes are unknown. The
 * using file includes <stdatomic.h> and cf_log.h. */
#define CF_EXPORT_SLOT_UNSUPPORTED(table, n)                                  \
  static CUresult table##_slot_##n(void)                                    \
  {                                                                         \
    static atomic_uchar logged_;                                            \
    if (!atomic_exchange(&logged_, 1))                                      \
      cf_warn("export table %s slot %d is not supported yet", #table, n);   \
    return CUDA_ERROR_NOT_SUPPORTED;                                        \
  }

/* Run and forget every context-local-storage entry of ctx: each entry's
 * destructor (if any) is called with (ctx, key, value) after the entry is
 * removed and without any lock held, so it may use the storage again.
 * Call when ctx is destroyed (cuCtxDestroy, primary-context reset or last
 * release). Safe from any thread; a ctx without entries is a no-op. */
void cf__cls_context_destroyed(CUcontext ctx);

/* The calling thread's current context (NULL for none), from a per-thread
 * cache filled by one forwarded cuCtxGetCurrent when empty; an error is the
 * call's. cf__ctx_current_forget empties the calling thread's cache: call it
 * after anything that may change the current context (context.c). */
CUresult cf__ctx_current(CUcontext *out);
void cf__ctx_current_forget(void);
/* The cached current context without asking the server: 1 with *out set, 0
 * when the cache is empty. */
int cf__ctx_current_cached(CUcontext *out);

/* --- stream_ext.c ---------------------------------------------------------- */

/* cuda.h maps cuStreamGetCaptureInfo to _v3 and hides this version, whose
 * generated _ptsz form (cf_client_aliases.c) calls it. */
CUresult CUDAAPI cuStreamGetCaptureInfo_v2(CUstream hStream,
                                           CUstreamCaptureStatus *captureStatus_out,
                                           cuuint64_t *id_out, CUgraph *graph_out,
                                           const CUgraphNode **dependencies_out,
                                           size_t *numDependencies_out);

/* --- interned strings (intern.c) ------------------------------------------ */

/* A copy of s that stays valid until the stub is unloaded; the same pointer
 * for equal strings. NULL when s is NULL or memory ran out. Thread-safe. */
const char *cf__intern_string(const char *s);

/* --- funcattr.c: cached function attributes ---------------------------- */

/* Forget every cached function attribute: a module, library or context
 * ended (functions the client cannot list ended with it). Call after the
 * call that ended them. Thread-safe. */
void cf__funcattr_forget_all(void);

/* Drop the table of names of the module or library with this id, or of
 * every module (their context ended): kernel_table.c. */
void cf__kernel_table_forget(uint64_t handle);
void cf__kernel_table_forget_modules(void);

/* --- image.c: module images sent once per session ------------------------ */

/* Load the image b of len bytes as cuModuleLoadData (library NULL) or
 * cuLibraryLoadData (module NULL) does: by its SHA-256 when this process
 * has sent it to the server before, else (or when the server no longer
 * holds it) with its bytes. Returns the call's CUresult. */
CUresult cf__image_load(CUmodule *module, CUlibrary *library, const uint8_t *b, size_t len);

#endif
