/* Frame encoding and the send/receive of whole frames over a cf_conn. This is
 * the only code that reads frame headers off the wire: every field is put and
 * got byte by byte in little-endian order (no struct overlays, no host-order
 * assumptions), and the header is checked against the caller's limits before
 * a single byte of body or bulk is allocated or read, so a peer cannot make
 * us allocate by claiming a length. Bodies are left to protobuf-c (see
 * cf_proto.c); this file never looks inside them. Stateless and thread-safe;
 * a cf_conn is used by one thread at a time (the caller's rule). */
#include "cf_frame.h"

#include <stdlib.h>
#include <string.h>

#include "cf_error.h"

static const struct cf_frame_limits default_limits = {
  .max_body = CF_FRAME_DEFAULT_MAX_BODY,
  .max_bulk = CF_FRAME_DEFAULT_MAX_BULK,
};

/* ---- Little-endian put/get ------------------------------------------------ */

static void put_u16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static void put_u64(uint8_t *p, uint64_t v)
{
  put_u32(p, (uint32_t)v);
  put_u32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_u16(const uint8_t *p)
{
  return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
  return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- Header --------------------------------------------------------------- */

void cf_frame_header_init(struct cf_frame_header *h, enum cf_frame_type type,
                          uint32_t op, uint64_t seq, uint32_t body_len,
                          uint64_t bulk_len)
{
  memset(h, 0, sizeof *h);
  h->magic = CF_FRAME_MAGIC;
  h->version = CF_PROTOCOL_VERSION;
  h->type = (uint8_t)type;
  h->op = op;
  h->seq = seq;
  h->body_len = body_len;
  h->bulk_len = bulk_len;
}

void cf_frame_header_encode(const struct cf_frame_header *h,
                            uint8_t out[static CF_FRAME_HEADER_SIZE])
{
  put_u32(out + 0, h->magic);
  put_u16(out + 4, h->version);
  out[6] = h->type;
  out[7] = h->flags;
  put_u32(out + 8, h->lane);
  put_u32(out + 12, h->op);
  put_u64(out + 16, h->seq);
  put_u32(out + 24, h->body_len);
  put_u32(out + 28, h->raw_len);
  put_u64(out + 32, h->bulk_len);
}

int cf_frame_header_decode(const uint8_t in[static CF_FRAME_HEADER_SIZE],
                           const struct cf_frame_limits *lim,
                           struct cf_frame_header *h)
{
  enum cf_codec codec;

  if (!lim)
    lim = &default_limits;
  h->magic = get_u32(in + 0);
  h->version = get_u16(in + 4);
  h->type = in[6];
  h->flags = in[7];
  h->lane = get_u32(in + 8);
  h->op = get_u32(in + 12);
  h->seq = get_u64(in + 16);
  h->body_len = get_u32(in + 24);
  h->raw_len = get_u32(in + 28);
  h->bulk_len = get_u64(in + 32);

  /* Magic first: if it is wrong nothing else in the header means anything. */
  if (h->magic != CF_FRAME_MAGIC)
    return CF_EMAGIC;
  if (h->version != CF_PROTOCOL_VERSION)
    return CF_EVERSION;
  if (h->type < CF_FRAME_HELLO || h->type > CF_FRAME_TYPE_MAX_)
    return CF_EPROTO;
  codec = cf_frame_codec(h);
  if ((h->flags & ~(CF_FRAME_F_NOREPLY | CF_FRAME_F_CODEC_MASK)) ||
      ((h->flags & CF_FRAME_F_NOREPLY) && h->type != CF_FRAME_CALL) ||
      codec > CF_CODEC_MAX_ ||
      (codec && h->type != CF_FRAME_CALL && h->type != CF_FRAME_REPLY) ||
      (codec ? h->raw_len == 0 || h->bulk_len == 0 : h->raw_len != 0))
    return CF_EPROTO;
  if (h->raw_len > lim->max_bulk)
    return CF_ETOOBIG;
  if (h->body_len > lim->max_body)
    return CF_ETOOBIG;
  /* The bulk is allocated as bulk_len + 1 bytes, so it must stay below
   * SIZE_MAX as well as under the limit (matters on 32-bit hosts). */
  if (h->bulk_len > lim->max_bulk || h->bulk_len >= SIZE_MAX)
    return CF_ETOOBIG;
  return 0;
}

/* ---- Send / receive ------------------------------------------------------- */

int cf_frame_send(struct cf_conn *c, enum cf_frame_type type, uint32_t lane,
                  uint32_t op, uint64_t seq, const void *body, size_t body_len,
                  const void *bulk, size_t bulk_len)
{
  struct cf_frame_header h;

  if (body_len > UINT32_MAX)
    return CF_ETOOBIG;
  cf_frame_header_init(&h, type, op, seq, (uint32_t)body_len, (uint64_t)bulk_len);
  h.lane = lane;
  return cf_frame_send_packed(c, NULL, &h, body, bulk);
}

void cf_frame_pack_bulk(struct cf_conn *c, struct cf_frame_header *h, struct cf_compressor *z,
                        const void **bulk)
{
  const void *out;
  size_t out_len;
  enum cf_codec codec;
  uint64_t rate;
  int lower;

  if (!z || !h->bulk_len || h->bulk_len > UINT32_MAX || cf_frame_codec(h))
    return;
  if (z->mode == CF_COMPRESS_AUTO && h->bulk_len >= CF_COMPRESS_MIN &&
      cf_conn_link_rate(c, &rate, &lower) == 0)
    cf_compressor_note_link(z, (double)rate, lower);
  codec = cf_compress(z, *bulk, (size_t)h->bulk_len, &out, &out_len);
  if (codec == CF_CODEC_RAW)
    return;
  h->flags |= (uint8_t)(codec << CF_FRAME_F_CODEC_SHIFT);
  h->raw_len = (uint32_t)h->bulk_len;
  h->bulk_len = out_len;
  *bulk = out;
}

int cf_frame_send_packed(struct cf_conn *c, struct cf_compressor *z,
                         const struct cf_frame_header *h, const void *body, const void *bulk)
{
  struct cf_frame_header p = *h;
  uint8_t hdr[CF_FRAME_HEADER_SIZE];
  struct iovec iov[3];
  int n, rc;

  if (!c || (p.body_len && !body) || (p.bulk_len && !bulk))
    return CF_EINVAL;
  cf_frame_pack_bulk(c, &p, z, &bulk);
  n = cf_frame_iov(&p, hdr, body, bulk, iov);
  rc = cf_conn_writev(c, iov, n);
  if (z)
    cf_compressor_release(z);
  return rc;
}

int cf_frame_iov(const struct cf_frame_header *h, uint8_t hdr[static CF_FRAME_HEADER_SIZE],
                 const void *body, const void *bulk, struct iovec iov[static 3])
{
  int n = 0;

  cf_frame_header_encode(h, hdr);
  iov[n].iov_base = hdr;
  iov[n++].iov_len = CF_FRAME_HEADER_SIZE;
  if (h->body_len) {
    iov[n].iov_base = (void *)body; /* iovec is not const-correct */
    iov[n++].iov_len = h->body_len;
  }
  if (h->bulk_len) {
    iov[n].iov_base = (void *)bulk;
    iov[n++].iov_len = (size_t)h->bulk_len;
  }
  return n;
}

/* Read the compressed bulk of f and decode it into bulk_dst (if raw_len
 * fits bulk_cap) or a NUL-padded allocation of raw_len + 1 bytes (decode
 * checked raw_len against the limit); then f->h describes the raw bulk. */
static int recv_compressed(struct cf_conn *c, void *bulk_dst, size_t bulk_cap,
                           struct cf_frame *f)
{
  size_t wire = (size_t)f->h.bulk_len, raw = f->h.raw_len;
  uint8_t *packed = malloc(wire);
  int rc;

  if (!packed)
    return CF_ENOMEM;
  if ((rc = cf_conn_read_exact(c, packed, wire)) < 0) {
    free(packed);
    return rc;
  }
  if (bulk_dst && raw <= bulk_cap) {
    f->bulk = bulk_dst;
    f->bulk_is_caller_owned = 1;
  } else if ((f->bulk = cf_bulk_alloc(raw + 1)) != NULL) {
    f->bulk[raw] = 0;
  } else {
    free(packed);
    return CF_ENOMEM;
  }
  rc = cf_decompress(cf_frame_codec(&f->h), packed, wire, f->bulk, raw);
  free(packed);
  f->h.flags &= (uint8_t)~CF_FRAME_F_CODEC_MASK;
  f->h.bulk_len = raw;
  f->h.raw_len = 0;
  return rc;
}

int cf_frame_recv_header(struct cf_conn *c, const struct cf_frame_limits *lim,
                         struct cf_frame *f)
{
  uint8_t hdr[CF_FRAME_HEADER_SIZE];
  int rc;

  if (f)
    memset(f, 0, sizeof *f);
  if (!c || !f)
    return CF_EINVAL;
  rc = cf_conn_read_exact(c, hdr, sizeof hdr);
  if (rc < 0)
    return rc;
  /* f->h keeps what was read even on error, so the caller can log the
   * peer's version or the claimed length. */
  return cf_frame_header_decode(hdr, lim, &f->h);
}

int cf_frame_recv_rest(struct cf_conn *c, void *bulk_dst, size_t bulk_cap, struct cf_frame *f)
{
  int rc = 0;

  if (!c || !f)
    return CF_EINVAL;
  if (f->h.body_len > 0) {
    /* body_len <= max_body <= UINT32_MAX, so + 1 cannot wrap a size_t. */
    f->body = malloc((size_t)f->h.body_len + 1);
    if (!f->body) {
      rc = CF_ENOMEM;
      goto fail;
    }
    rc = cf_conn_read_exact(c, f->body, f->h.body_len);
    if (rc < 0)
      goto fail;
    f->body[f->h.body_len] = 0;
  }

  f->wire_bulk_len = f->h.bulk_len;
  if (cf_frame_codec(&f->h)) {
    rc = recv_compressed(c, bulk_dst, bulk_cap, f);
    if (rc < 0)
      goto fail;
  } else if (f->h.bulk_len > 0) {
    /* decode checked bulk_len < SIZE_MAX. */
    size_t n = (size_t)f->h.bulk_len;
    if (bulk_dst && n <= bulk_cap) {
      f->bulk = bulk_dst;
      f->bulk_is_caller_owned = 1;
    } else {
      f->bulk = cf_bulk_alloc(n + 1);
      if (!f->bulk) {
        rc = CF_ENOMEM;
        goto fail;
      }
      f->bulk[n] = 0;
    }
    rc = cf_conn_read_exact(c, f->bulk, n);
    if (rc < 0)
      goto fail;
  }
  return 0;

fail:
  {
    /* f->h survives so the caller can log what the peer claimed. */
    struct cf_frame_header keep = f->h;
    cf_frame_release(f);
    f->h = keep;
  }
  return rc;
}

int cf_frame_recv(struct cf_conn *c, const struct cf_frame_limits *lim,
                  void *bulk_dst, size_t bulk_cap, struct cf_frame *f)
{
  int rc = cf_frame_recv_header(c, lim, f);

  return rc < 0 ? rc : cf_frame_recv_rest(c, bulk_dst, bulk_cap, f);
}

void cf_frame_release(struct cf_frame *f)
{
  if (!f)
    return;
  if (!f->bulk_is_caller_owned)
    cf_bulk_free(f->bulk);
  free(f->body);
  memset(f, 0, sizeof *f);
}
