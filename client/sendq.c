/* The queue of asynchronous calls not yet written. An asynchronous call
 * (launches, async copies and memsets, event records, stream waits) is
 * encoded as a NOREPLY frame and appended here, its bulk bytes copied, so
 * the caller's buffer may change the moment the call returns (the bytes are
 * captured at the call, as CUDA requires of a host-to-device async copy).
 * The queue goes out in one write together with the next frame that must be
 * sent now (a synchronous call, a large bulk), when it passes
 * CF_SENDQ_FLUSH_BYTES, or when the session's flusher finds its oldest frame
 * older than the delay bound (session.c). The caller holds the session lock
 * for every function here. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cf_error.h"
#include "cf_frame.h"
#include "cf_transport.h"

int cf__sendq_add(struct cf_sendq *q, const struct cf_frame_header *h, const void *body,
                  size_t body_len, const void *bulk, size_t bulk_len)
{
  size_t need = CF_FRAME_HEADER_SIZE + body_len + bulk_len;

  if (need > q->cap - q->len) {
    size_t cap = q->cap ? q->cap : 4096;
    uint8_t *b;

    while (cap - q->len < need)
      cap *= 2;
    if (!(b = realloc(q->buf, cap)))
      return CF_ENOMEM;
    q->buf = b;
    q->cap = cap;
  }
  cf_frame_header_encode(h, q->buf + q->len);
  q->len += CF_FRAME_HEADER_SIZE;
  if (body_len)
    memcpy(q->buf + q->len, body, body_len);
  q->len += body_len;
  if (bulk_len)
    memcpy(q->buf + q->len, bulk, bulk_len);
  q->len += bulk_len;
  if (q->frames++ == 0)
    q->oldest_ns = cf_monotonic_ns();
  return 0;
}

int cf__sendq_send(struct cf_sendq *q, struct cf_conn *c, const struct cf_frame_header *h,
                   const void *body, const void *bulk)
{
  uint8_t hdr[CF_FRAME_HEADER_SIZE];
  struct iovec iov[4];
  int n = 0, rc;

  if (q->len) {
    iov[n].iov_base = q->buf;
    iov[n++].iov_len = q->len;
  }
  if (h)
    n += cf_frame_iov(h, hdr, body, bulk, iov + n);
  rc = n ? cf_conn_writev(c, iov, n) : 0;
  q->len = 0;
  q->frames = 0;
  /* Keep a grown buffer for the next burst, but not a huge one. */
  if (q->cap > CF_SENDQ_KEEP_BYTES) {
    free(q->buf);
    q->buf = NULL;
    q->cap = 0;
  }
  return rc;
}

uint64_t cf__sendq_due_ns(const struct cf_sendq *q, uint64_t delay_ns)
{
  return q->frames ? q->oldest_ns + delay_ns : 0;
}

void cf__sendq_free(struct cf_sendq *q)
{
  free(q->buf);
  memset(q, 0, sizeof *q);
}
