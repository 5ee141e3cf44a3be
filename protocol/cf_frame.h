/* Frames: the unit of everything cuferry sends. A frame is a fixed 40-byte
 * little-endian header, a protobuf-c body of body_len bytes and a bulk payload
 * of bulk_len bytes (memcpy data, module images), in that order.
 *
 *   off size field
 *    0   4  magic     CF_FRAME_MAGIC ("CFRY" read as bytes)
 *    4   2  version   CF_PROTOCOL_VERSION
 *    6   1  type      enum cf_frame_type
 *    7   1  flags     CF_FRAME_F_*; 0 on every frame type but CALL
 *    8   4  lane      the client thread's lane
 *   12   4  op        wire id of the call (CF_FRAME_CALL/REPLY), else 0
 *   16   8  seq       sequence number, per connection and direction
 *   24   4  body_len  protobuf body length
 *   28   4  raw_len   the bulk's decoded length when it is compressed, else 0
 *   32   8  bulk_len  bulk payload length, as sent
 *
 * A CALL or REPLY may carry its bulk compressed (cf_codec.h): the codec is in
 * flags bits 1-2 and raw_len says how long the bulk is once decoded. The
 * receiver checks raw_len against the bulk limit before it allocates, decodes
 * into a buffer of exactly raw_len bytes and refuses anything that does not
 * come out that long; above the frame layer every bulk is raw.
 *
 * Every length is checked against struct cf_frame_limits before anything is
 * allocated or read. */
#ifndef CF_FRAME_H
#define CF_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "cf_codec.h"
#include "cf_transport.h"

#define CF_FRAME_MAGIC 0x59524643u /* bytes 'C' 'F' 'R' 'Y' */
#define CF_PROTOCOL_VERSION 1

/* CfWelcome.features bits. SHARED_IMAGES: a module image that another
 * session of the same identity sent may be held already, so the client may
 * name an image by its hash before sending it (client/image.c). */
#define CF_FEATURE_SHARED_IMAGES ((uint64_t)1 << 0)
/* CfHello.features bits. RDMA: the client wants the session moved to RDMA
 * (an rdma:// server URL); the worker answers with an endpoint and a
 * one-time secret in the welcome (CfWelcome.rdma_*) or refuses. */
#define CF_FEATURE_RDMA ((uint64_t)1 << 0)
/* The one-time secret's length, and the first message on the RDMA
 * connection: CF_RDMA_HELLO_MAGIC then the secret; the worker answers
 * CF_RDMA_READY_MAGIC (8 bytes each) once it matches. */
#define CF_RDMA_SECRET_LEN 32
#define CF_RDMA_HELLO_MAGIC "CFRDMA1\0"
#define CF_RDMA_READY_MAGIC "CFRDMAOK"

#define CF_FRAME_HEADER_SIZE 40

/* Frame flags. NOREPLY: the server runs the call and sends no reply; an
 * error it meets is latched for the next synchronising call (the client's
 * asynchronous calls). */
#define CF_FRAME_F_NOREPLY 0x01u
/* Frame flags bits 1-2: the bulk's enum cf_codec (CALL and REPLY only). */
#define CF_FRAME_F_CODEC_SHIFT 1
#define CF_FRAME_F_CODEC_MASK 0x06u

/* Default caps; the server may lower them per session. */
#define CF_FRAME_DEFAULT_MAX_BODY (1u << 20)           /* 1 MiB */
#define CF_FRAME_DEFAULT_MAX_BULK ((uint64_t)64 << 20)  /* 64 MiB */

enum cf_frame_type {
  CF_FRAME_HELLO = 1,   /* client -> server, body CfHello */
  CF_FRAME_WELCOME = 2, /* server -> client, body CfWelcome */
  CF_FRAME_REFUSE = 3,  /* server -> client, body CfRefuse; then close */
  CF_FRAME_CALL = 4,    /* client -> server, body the op's request */
  CF_FRAME_REPLY = 5,   /* server -> client, body the op's reply */
  CF_FRAME_BYE = 6,     /* client -> server, orderly end of session */
  CF_FRAME_OUTPUT = 7,  /* server -> client, body: bytes the driver wrote to
                           stdout (device printf), sent before a reply */
  CF_FRAME_TYPE_MAX_ = 7
};

struct cf_frame_header {
  uint32_t magic;
  uint16_t version;
  uint8_t type;
  uint8_t flags;
  uint32_t lane;
  uint32_t op;
  uint64_t seq;
  uint32_t body_len;
  uint32_t raw_len;
  uint64_t bulk_len;
};

static inline enum cf_codec cf_frame_codec(const struct cf_frame_header *h)
{
  return (enum cf_codec)((h->flags & CF_FRAME_F_CODEC_MASK) >> CF_FRAME_F_CODEC_SHIFT);
}

struct cf_frame_limits {
  uint32_t max_body;
  uint64_t max_bulk;
};

/* Fill a header for a frame of the given type with the magic and version set. */
void cf_frame_header_init(struct cf_frame_header *h, enum cf_frame_type type,
                          uint32_t op, uint64_t seq, uint32_t body_len,
                          uint64_t bulk_len);

/* Serialise h into out (little-endian, layout above). */
void cf_frame_header_encode(const struct cf_frame_header *h,
                            uint8_t out[static CF_FRAME_HEADER_SIZE]);

/* Parse and check a header: magic (CF_EMAGIC), version (CF_EVERSION; h->version
 * then holds the peer's version so the caller can name both), type, flags and
 * raw_len's presence (CF_EPROTO), body, bulk and raw lengths against lim
 * (CF_ETOOBIG).
 * *h is always filled with what was read. Returns 0 or the code above. */
int cf_frame_header_decode(const uint8_t in[static CF_FRAME_HEADER_SIZE],
                           const struct cf_frame_limits *lim,
                           struct cf_frame_header *h);

/* A received frame. body is NUL-padded by one byte beyond body_len. */
struct cf_frame {
  struct cf_frame_header h;
  uint8_t *body;   /* owned, or NULL when body_len == 0 */
  uint8_t *bulk;   /* owned, or the caller's bulk_dst, or NULL when empty */
  int bulk_is_caller_owned;
  uint64_t wire_bulk_len; /* the bulk's length as sent */
};

/* Send one frame: header (built from h; body_len and bulk_len taken from the
 * arguments), body, bulk, in one writev. Returns 0 or a cf_conn_writev error. */
int cf_frame_send(struct cf_conn *c, enum cf_frame_type type, uint32_t lane,
                  uint32_t op, uint64_t seq, const void *body, size_t body_len,
                  const void *bulk, size_t bulk_len);

/* Send the frame h (its lengths say which parts there are), its bulk
 * compressed as z decides (z NULL: raw), in one writev. Returns 0 or a
 * cf_conn_writev error. */
int cf_frame_send_packed(struct cf_conn *c, struct cf_compressor *z,
                         const struct cf_frame_header *h, const void *body, const void *bulk);

/* Compress the bulk of the frame h, to go over c, as z decides (auto first
 * learns c's link rate): on a codec, sets its flag, raw_len and the new
 * bulk_len in h and points *bulk at the encoded bytes (valid until z's next
 * use). Payloads over UINT32_MAX bytes stay raw. */
void cf_frame_pack_bulk(struct cf_conn *c, struct cf_frame_header *h, struct cf_compressor *z,
                        const void **bulk);

/* The iovec of the frame h (its lengths say which parts there are): the
 * header encoded into hdr, then body and bulk. Returns the count (1 to 3). */
struct iovec;
int cf_frame_iov(const struct cf_frame_header *h, uint8_t hdr[static CF_FRAME_HEADER_SIZE],
                 const void *body, const void *bulk, struct iovec iov[static 3]);

/* Receive one frame. The header is checked against lim before any
 * allocation. If bulk_dst is given and the bulk fits in bulk_cap, the bulk is
 * read (or decoded) straight into it (f->bulk == bulk_dst); otherwise it is
 * allocated. A compressed bulk is decoded here: f->h then describes the raw
 * bulk (bulk_len its decoded length, no codec flag) and f->wire_bulk_len
 * says what travelled; corrupt data is CF_EPROTO.
 * Returns 0, a cf_frame_header_decode error (the stream is then unusable) or a
 * cf_conn_read_exact error. On error *f holds no allocations, and f->h still
 * holds the header if one was read (to log the peer's version). Free with
 * cf_frame_release(). */
int cf_frame_recv(struct cf_conn *c, const struct cf_frame_limits *lim,
                  void *bulk_dst, size_t bulk_cap, struct cf_frame *f);

/* cf_frame_recv in two steps, for a reader that picks the bulk's
 * destination by the header (the client routes each reply to the thread
 * that waits for it): read and check the header into f (cleared first),
 * then read the body and bulk of that frame as cf_frame_recv does. Errors
 * as cf_frame_recv's; after an error of either step *f holds no
 * allocations. */
int cf_frame_recv_header(struct cf_conn *c, const struct cf_frame_limits *lim,
                         struct cf_frame *f);
int cf_frame_recv_rest(struct cf_conn *c, void *bulk_dst, size_t bulk_cap, struct cf_frame *f);

/* Free what cf_frame_recv allocated (not a caller-owned bulk); f is cleared. */
void cf_frame_release(struct cf_frame *f);

#endif
