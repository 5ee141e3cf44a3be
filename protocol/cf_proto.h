/* protobuf-c glue: a bounded allocator for unpacking bodies that came off the
 * network, and pack/unpack helpers that use it. A frame's length is checked
 * against cf_frame_limits before it gets here; the bound below stops the
 * second way a small body can cost much memory: protobuf-c turns every
 * 2-byte empty sub-message or 1-byte packed element into a whole struct or
 * array slot, so 1 MiB of body can ask for tens of MiB. */
#ifndef CF_PROTO_H
#define CF_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "cf_frame.h"

/* No single allocation made through cf_proto_allocator() may exceed this. */
#define CF_PROTO_MAX_ALLOC ((size_t)CF_FRAME_DEFAULT_MAX_BODY * 4)

/* All allocations of one cf_proto_unpack() together may not exceed this. */
#define CF_PROTO_MAX_UNPACK ((size_t)8 << 20)

/* Bytes one thread may hold live (allocated, not yet freed) through
 * cf_proto_allocator(), whether or not it unpacks via cf_proto_unpack(). A
 * thread that keeps many unpacked messages alive at once must free some
 * first; the server and client hold one call's message at a time. */
#define CF_PROTO_MAX_LIVE ((size_t)8 << 20)

/* The allocator to pass to protobuf_c_message_unpack() and
 * protobuf_c_message_free_unpacked() (and the generated *__unpack and
 * *__free_unpacked). It returns NULL, so the unpack fails cleanly, for any
 * single request over CF_PROTO_MAX_ALLOC, once the calling thread's live bytes
 * would pass CF_PROTO_MAX_LIVE and, inside cf_proto_unpack(), once that
 * unpack's total would pass CF_PROTO_MAX_UNPACK. Blocks carry a header: what
 * it allocated must be freed through it, never with free() or a NULL
 * (default) allocator. A message unpacked on one thread may be freed on
 * another. The pointer is to a static object, valid forever; it is not const
 * because protobuf-c's API takes a non-const allocator, and nobody may write
 * through it. Thread-safe. */
ProtobufCAllocator *cf_proto_allocator(void);

/* Bytes the calling thread now holds through cf_proto_allocator() (for
 * tests and leak checks). */
size_t cf_proto_live_bytes(void);

/* Unpack len bytes of data as a message of descriptor d with
 * cf_proto_allocator() and the per-unpack cap. Returns 0 with *out owned by
 * the caller (free with cf_proto_free()), or CF_EPROTO if the bytes are not a
 * valid message (field number 0 included, which protobuf-c alone would keep
 * as an unknown field) or the caps refused memory; *out is NULL on error.
 * The caller still checks handles, sizes and enum ranges of what it got. */
int cf_proto_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                    size_t len, ProtobufCMessage **out);

/* Free a message from cf_proto_unpack() (or unpacked with
 * cf_proto_allocator()); NULL is ignored. */
void cf_proto_free(ProtobufCMessage *m);

/* Pack m into a malloc'd buffer: *out (caller frees with free()) of *len
 * bytes; *out is non-NULL even for an empty message. Returns 0, CF_EINVAL or
 * CF_ENOMEM; *out is NULL and *len 0 on error. */
int cf_proto_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len);

#endif
