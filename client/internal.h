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

#include <cuda.h>
#include <protobuf-c/protobuf-c.h>

#include "cf_session.pb-c.h"

/* Exported CUDA entry points; everything else is hidden. */
#define CF_EXPORT __attribute__((visibility("default")))

/* --- session.c: the connection and the call path ----------------------- */

/* Connect and handshake, once per process. Returns CUDA_SUCCESS, or the
 * error every later call to cuInit will also return (logged once). */
CUresult cf__session_init(void);

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

/* Largest bulk payload one call may carry (the server's limit). */
size_t cf__session_max_bulk(void);

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

#endif
