/* The RDMA transport's data path: the cf_transport_ops for "rdma" over one
 * connection that rdma_cm.c set up (a reliable-connected QP, registered
 * receive and send buffers, one CQ and completion channel each way).
 *
 * The byte stream travels in SEND messages of up to 64 KiB. writev copies
 * the caller's bytes into free registered send buffers (gathering small
 * iovecs into one message) and posts them, each spending a credit
 * (rdma_credit.c); read_exact copies out of the received buffers in arrival
 * order and reposts each one it empties, owing the peer a credit that goes
 * back in the next header, or in a control message once enough are owed.
 * A large iovec in registered memory goes instead as a read descriptor that
 * the reader fetches with RDMA READ (rdma_direct.c); writev returns once the
 * peer reported all of its descriptors read, and a reader reports each one
 * it finishes at once (in a control message if it has nothing to send).
 *
 * Completions: poll both CQs for a bounded spin, then arm the CQ and block in
 * poll(2) on the completion channels and the CM channel (a disconnect), got
 * events acked at once. Before any call returns, the receive CQ is armed and
 * empty, so that base.fd (an epoll fd over the receive channel and the CM
 * channel) turns readable when the next message or a disconnect arrives;
 * pending() reports bytes received and not read, which the poll cannot see.
 *
 * A write blocked for credits with read-ahead on moves received data into
 * the read-ahead buffer (conn.c) and reposts those buffers, so two peers
 * that both write large frames before reading cannot deadlock, as for TCP.
 * One thread at a time per connection; conn.c has checked the arguments. */
#include "internal.h"

#include <infiniband/verbs.h>
#include <poll.h>
#include <rdma/rdma_cma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"

/* Busy-poll the CQs this long before sleeping on the channel: a reply that
 * is microseconds away costs no system calls and no wake-up, while an idle
 * connection burns at most this much CPU per wait. */
#define SPIN_NS 20000u
/* Completions taken per ibv_poll_cq call. */
#define POLL_BATCH 16

static struct cf__rdma_conn *rc_of(struct cf_conn *c)
{
  return (struct cf__rdma_conn *)c;
}

/* The connection failed with err (the first error sticks). Unless the QP
 * already failed (a flush: CF_ECLOSED), move it to the error state: the
 * adapter then flushes our work in flight, and the peer can no longer
 * reach the memory our registrations expose. */
void cf__rdma_fail(struct cf__rdma_conn *c, int err)
{
  struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };

  if (c->err)
    return;
  c->err = err;
  if (err != CF_ECLOSED && c->id && c->id->qp)
    (void)ibv_modify_qp(c->id->qp, &attr, IBV_QP_STATE);
}

/* ---- completions ----------------------------------------------------------- */

/* Take one received message: check its header, take the credits and the
 * reads-done count it carries, and queue its payload (stream bytes or a
 * read descriptor), or repost at once (a control message). */
static void take_recv(struct cf__rdma_conn *c, uint32_t i, uint32_t byte_len)
{
  const uint8_t *p = c->rx_mem + (size_t)i * CF__RDMA_BUF_SIZE;
  uint32_t payload, kind, rkey = 0, len = 0;
  uint64_t raddr = 0;

  if (byte_len < CF__RDMA_HDR_SIZE || byte_len > CF__RDMA_BUF_SIZE ||
      cf__get_le32(p + 4) != CF__RDMA_MAGIC ||
      cf__rdma_credit_grant(&c->cr, cf__get_le32(p)) < 0 ||
      cf__rdma_direct_peer_done(c, cf__get_le32(p + 8)) < 0) {
    cf__rdma_fail(c, CF_EPROTO);
    return;
  }
  payload = byte_len - CF__RDMA_HDR_SIZE;
  kind = cf__get_le32(p + 12);
  if (kind == CF__RDMA_KIND_BYTES && payload == 0) {
    if (cf__rdma_post_recv(c, i) < 0)
      cf__rdma_fail(c, CF_EIO);
    return;
  }
  if (kind == CF__RDMA_KIND_READ) {
    if (cf__rdma_desc_parse(p + CF__RDMA_HDR_SIZE, payload, &raddr, &rkey, &len) < 0 ||
        c->rx_reads_queued == CF__RDMA_MAX_READS) {
      cf__rdma_fail(c, CF_EPROTO);
      return;
    }
  } else if (kind != CF__RDMA_KIND_BYTES) {
    cf__rdma_fail(c, CF_EPROTO);
    return;
  }
  if (cf__rdma_credit_received(&c->cr) < 0) {
    cf__rdma_fail(c, CF_EPROTO);
    return;
  }
  c->rx_ring[(c->rx_head + c->rx_count) % CF__RDMA_RECV_BUFS] = i;
  c->rx_kind[i] = (uint8_t)kind;
  if (kind == CF__RDMA_KIND_READ) {
    c->rx_raddr[i] = raddr;
    c->rx_rkey[i] = rkey;
    c->rx_reads_queued++;
    payload = len;
  }
  c->rx_len[i] = payload;
  c->rx_count++;
  c->rx_bytes += payload;
}

/* A failed work completion: flushed means the QP went to the error state
 * (a disconnect, ours or the peer's); anything else is an I/O error. */
static void wc_failed(struct cf__rdma_conn *c, const struct ibv_wc *wc)
{
  cf__rdma_fail(c, wc->status == IBV_WC_WR_FLUSH_ERR ? CF_ECLOSED : CF_EIO);
}

/* Poll both CQs empty; returns how many completions were taken. */
static int poll_cqs(struct cf__rdma_conn *c)
{
  struct ibv_wc wc[POLL_BATCH];
  int n, i, total = 0;

  while ((n = ibv_poll_cq(c->rx_cq, POLL_BATCH, wc)) > 0) {
    for (i = 0; i < n; i++) {
      if (wc[i].status != IBV_WC_SUCCESS || wc[i].wr_id >= CF__RDMA_RECV_BUFS)
        wc_failed(c, &wc[i]);
      else
        take_recv(c, (uint32_t)wc[i].wr_id, wc[i].byte_len);
    }
    total += n;
  }
  if (n < 0)
    cf__rdma_fail(c, CF_EIO);
  while ((n = ibv_poll_cq(c->tx_cq, POLL_BATCH, wc)) > 0) {
    for (i = 0; i < n; i++) {
      if (wc[i].status != IBV_WC_SUCCESS)
        wc_failed(c, &wc[i]);
      if (wc[i].wr_id == CF__RDMA_READ_WRID)
        c->read_busy = 0;
      else if (wc[i].wr_id < CF__RDMA_SEND_BUFS && c->tx_nfree < CF__RDMA_SEND_BUFS)
        c->tx_free[c->tx_nfree++] = (uint32_t)wc[i].wr_id;
    }
    total += n;
  }
  if (n < 0)
    cf__rdma_fail(c, CF_EIO);
  return total;
}

/* Take the CM events waiting (never blocks: cm_ch's fd is non-blocking). A
 * disconnect answers with our own, which flushes the QP. */
static void poll_cm(struct cf__rdma_conn *c)
{
  struct rdma_cm_event *ev;
  enum rdma_cm_event_type type;

  while (rdma_get_cm_event(c->cm_ch, &ev) == 0) {
    type = ev->event;
    rdma_ack_cm_event(ev);
    if (type == RDMA_CM_EVENT_DISCONNECTED || type == RDMA_CM_EVENT_DEVICE_REMOVAL) {
      c->peer_gone = 1;
      if (c->connected) {
        (void)rdma_disconnect(c->id);
        c->connected = 0;
      }
    }
  }
}

int cf__rdma_progress(struct cf__rdma_conn *c)
{
  poll_cm(c);
  return poll_cqs(c);
}

/* Get and ack the events a completion channel holds; clears *armed when one
 * came. */
static void drain_channel(struct ibv_comp_channel *ch, int *armed)
{
  struct ibv_cq *cq;
  void *ctx;

  while (ibv_get_cq_event(ch, &cq, &ctx) == 0) {
    ibv_ack_cq_events(cq, 1);
    *armed = 0;
  }
}

static int arm(struct ibv_cq *cq, int *armed)
{
  if (*armed)
    return 0;
  if (ibv_req_notify_cq(cq, 0) != 0)
    return CF_EIO;
  *armed = 1;
  return 0;
}

/* Wait for something to happen: a completion (a send one too when want_tx),
 * a CM event, or deadline_ms (monotonic; < 0: never). Spins first, then
 * arms and sleeps. Returns 0 (look again: it may have been spurious),
 * CF_ETIMEDOUT or CF_EIO. */
int cf__rdma_wait_event(struct cf__rdma_conn *c, int want_tx, int64_t deadline_ms)
{
  uint64_t start = cf_monotonic_ns();
  struct pollfd p[3];
  int n = 2, rc;

  do {
    if (cf__rdma_progress(c) > 0 || c->err || c->peer_gone)
      return 0;
  } while (cf_monotonic_ns() - start < SPIN_NS);
  if (arm(c->rx_cq, &c->rx_armed) < 0 || (want_tx && arm(c->tx_cq, &c->tx_armed) < 0))
    return CF_EIO;
  /* What completed before the arming raises no event: look once more. */
  if (cf__rdma_progress(c) > 0 || c->err || c->peer_gone)
    return 0;
  p[0] = (struct pollfd){ .fd = c->rx_ch->fd, .events = POLLIN };
  p[1] = (struct pollfd){ .fd = c->cm_ch->fd, .events = POLLIN };
  if (want_tx)
    p[n++] = (struct pollfd){ .fd = c->tx_ch->fd, .events = POLLIN };
  if ((rc = cf__poll_until(p, (nfds_t)n, deadline_ms)) != 0)
    return rc;
  drain_channel(c->rx_ch, &c->rx_armed);
  if (want_tx)
    drain_channel(c->tx_ch, &c->tx_armed);
  return 0;
}

/* Leave the receive CQ armed and empty, so that base.fd turns readable on
 * the next message: called before every return to the caller. */
static void finish(struct cf__rdma_conn *c)
{
  /* An event whose completion a spin already took would leave base.fd
   * readable for nothing, and a waiting thread spinning on it: ack it. */
  drain_channel(c->rx_ch, &c->rx_armed);
  if (arm(c->rx_cq, &c->rx_armed) < 0)
    cf__rdma_fail(c, CF_EIO);
  (void)cf__rdma_progress(c);
}

/* ---- sending --------------------------------------------------------------- */

/* Post send buffer slot holding len payload bytes (copied from payload
 * first unless it is NULL: already in place) as a message of kind, with
 * the credits owed and our reads-done count in its header. */
int cf__rdma_post_send(struct cf__rdma_conn *c, uint32_t slot, const void *payload,
                       size_t len, uint32_t kind)
{
  uint8_t *buf = c->tx_mem + (size_t)slot * CF__RDMA_BUF_SIZE;
  struct ibv_sge sge = {
    .addr = (uintptr_t)buf,
    .length = (uint32_t)(CF__RDMA_HDR_SIZE + len),
    .lkey = c->tx_mr->lkey,
  };
  struct ibv_send_wr wr = {
    .wr_id = slot, .sg_list = &sge, .num_sge = 1,
    .opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
  };
  struct ibv_send_wr *bad = NULL;

  if (payload)
    memcpy(buf + CF__RDMA_HDR_SIZE, payload, len);
  cf__put_le32(buf, cf__rdma_credit_piggyback(&c->cr));
  cf__put_le32(buf + 4, CF__RDMA_MAGIC);
  cf__put_le32(buf + 8, c->reads_done);
  cf__put_le32(buf + 12, kind);
  c->done_sent = c->reads_done;
  if (ibv_post_send(c->id->qp, &wr, &bad) != 0) {
    c->tx_free[c->tx_nfree++] = slot;
    cf__rdma_fail(c, CF_EIO);
    return CF_EIO;
  }
  return 0;
}

/* The error a failed connection reports to writes and, once the received
 * bytes are read, to reads. */
int cf__rdma_conn_error(const struct cf__rdma_conn *c)
{
  if (c->err)
    return c->err;
  return c->peer_gone ? CF_ECLOSED : 0;
}

/* A control message is due: enough credits are owed, or a read descriptor
 * of the peer's was finished and not yet reported (the peer's write is
 * waiting for that). */
static int control_due(const struct cf__rdma_conn *c)
{
  return cf__rdma_credit_update_due(&c->cr) || c->reads_done != c->done_sent;
}

/* Send a control message when one is due; with block, wait for a send
 * buffer if none is free (send completions need nothing from the peer's
 * program, so this wait ends). */
static int flush_control(struct cf__rdma_conn *c, int block)
{
  int rc;

  while (control_due(c) && !cf__rdma_conn_error(c)) {
    if (c->tx_nfree > 0)
      return cf__rdma_post_send(c, c->tx_free[--c->tx_nfree], NULL, 0, CF__RDMA_KIND_BYTES);
    if (!block)
      return 0;
    if ((rc = cf__rdma_wait_event(c, 1, -1)) < 0)
      return rc;
  }
  return 0;
}

/* Pop the head receive buffer (all read) and repost it; a finished read
 * descriptor counts as read, to report. */
static void repost_head(struct cf__rdma_conn *c)
{
  uint32_t i = c->rx_ring[c->rx_head];

  if (c->rx_kind[i] == CF__RDMA_KIND_READ) {
    c->reads_done++;
    c->rx_reads_queued--;
  }
  c->rx_head = (c->rx_head + 1) % CF__RDMA_RECV_BUFS;
  c->rx_count--;
  c->rx_off = 0;
  if (cf__rdma_post_recv(c, i) < 0) {
    cf__rdma_fail(c, CF_EIO);
    return;
  }
  cf__rdma_credit_reposted(&c->cr);
}

/* Take n bytes of the head buffer into dst (its stream bytes, or through
 * its read descriptor), reposting it once all are taken. */
static int take_head(struct cf__rdma_conn *c, void *dst, size_t n)
{
  uint32_t i = c->rx_ring[c->rx_head];
  int rc = 0;

  if (c->rx_kind[i] == CF__RDMA_KIND_READ)
    rc = c->err ? c->err : cf__rdma_direct_read(c, dst, n); /* no READ on a failed QP */
  else
    memcpy(dst, c->rx_mem + (size_t)i * CF__RDMA_BUF_SIZE + CF__RDMA_HDR_SIZE + c->rx_off, n);
  if (rc < 0)
    return rc;
  c->rx_off += n;
  c->rx_bytes -= n;
  if (c->rx_off == c->rx_len[i])
    repost_head(c);
  return 0;
}

/* A write waiting on the peer (credits, reads done): with read-ahead on,
 * move what was received into it, fetching what read descriptors stand for
 * through the staging buffer, and repost those buffers, so the peer,
 * perhaps blocked writing to us, gets credits and reports back (the
 * read-ahead cap bounds the memory). */
static void spill_to_read_ahead(struct cf__rdma_conn *c)
{
  while (c->rx_count > 0 && !c->err) {
    uint32_t i = c->rx_ring[c->rx_head];
    size_t n = c->rx_len[i] - c->rx_off, room = cf__conn_ra_room(&c->base);
    int rc;

    if (c->rx_kind[i] == CF__RDMA_KIND_READ) {
      /* Piece by piece, as the staging buffer and the room allow. */
      n = n < CF__RDMA_STAGE_SIZE ? n : CF__RDMA_STAGE_SIZE;
      n = n < room ? n : room;
    }
    if (n == 0 || n > room)
      return;
    if (c->rx_kind[i] == CF__RDMA_KIND_READ) {
      rc = cf__rdma_direct_read(c, c->stage, n);
      if (rc == 0)
        rc = cf__conn_ra_put(&c->base, c->stage, n);
    } else {
      rc = cf__conn_ra_put(&c->base, c->rx_mem + (size_t)i * CF__RDMA_BUF_SIZE +
                                         CF__RDMA_HDR_SIZE + c->rx_off, n);
    }
    if (rc < 0) {
      cf__rdma_fail(c, rc);
      return;
    }
    c->rx_off += n;
    c->rx_bytes -= n;
    if (c->rx_off == c->rx_len[i])
      repost_head(c);
  }
}

/* One wait on the peer (for credits, a send buffer or reads done): with
 * spill, first move what it sent into the read-ahead (spill_to_read_ahead),
 * and report what is due, so a peer waiting on us meanwhile goes on.
 * Returns 0 (look again) or the connection's error. */
int cf__rdma_wait_peer(struct cf__rdma_conn *c, int spill)
{
  int rc;

  if ((rc = cf__rdma_conn_error(c)) != 0)
    return rc;
  if (spill)
    spill_to_read_ahead(c);
  if ((rc = flush_control(c, 0)) < 0)
    return rc;
  return cf__rdma_wait_event(c, c->tx_nfree == 0, -1);
}

/* Wait until a data SEND may go: a credit and a send buffer, for as long as
 * it takes (as a TCP write blocks on a full socket). Returns 0 or the
 * connection's error. */
int cf__rdma_wait_send_slot(struct cf__rdma_conn *c)
{
  int rc;

  while (c->cr.avail == 0 || c->tx_nfree == 0 || cf__rdma_conn_error(c))
    if ((rc = cf__rdma_wait_peer(c, c->cr.avail == 0)) < 0)
      return rc;
  return 0;
}

/* Copy from iov[*i] at *off on into one send buffer, gathering entries
 * until it is full or the next entry may go as a read descriptor, and post
 * it. */
static int send_copied(struct cf__rdma_conn *c, const struct iovec *iov, int iovcnt, int *i,
                       size_t *off)
{
  const size_t room = CF__RDMA_BUF_SIZE - CF__RDMA_HDR_SIZE;
  size_t fill = 0, n;
  uint32_t slot;
  uint8_t *dst;
  int rc;

  if ((rc = cf__rdma_wait_send_slot(c)) != 0)
    return rc;
  (void)cf__rdma_credit_take(&c->cr);
  slot = c->tx_free[--c->tx_nfree];
  dst = c->tx_mem + (size_t)slot * CF__RDMA_BUF_SIZE + CF__RDMA_HDR_SIZE;
  while (fill < room && *i < iovcnt) {
    if (*off == 0 && fill > 0 && iov[*i].iov_len >= CF__RDMA_DIRECT_MIN)
      break;
    n = iov[*i].iov_len - *off;
    if (n > room - fill)
      n = room - fill;
    memcpy(dst + fill, (const uint8_t *)iov[*i].iov_base + *off, n);
    fill += n;
    *off += n;
    if (*off == iov[*i].iov_len) {
      (*i)++;
      *off = 0;
    }
  }
  return cf__rdma_post_send(c, slot, NULL, fill, CF__RDMA_KIND_BYTES);
}

static int rdma_writev(struct cf_conn *base, const struct iovec *iov, int iovcnt)
{
  struct cf__rdma_conn *c = rc_of(base);
  size_t off = 0, left, k;
  int i = 0, rc = 0, copy = 0; /* copy: iov[i] proved not registrable */

  while (i < iovcnt && rc >= 0) {
    left = iov[i].iov_len - off;
    if (left == 0) {
      i++;
      off = 0;
      copy = 0;
    } else if (!copy && left >= CF__RDMA_DIRECT_MIN) {
      /* As read descriptors while the memory is registrable (it may stop
       * being so past a 64 MiB piece: a registration limit); the rest by
       * copy. */
      k = left < CF__RDMA_DIRECT_MAX ? left : CF__RDMA_DIRECT_MAX;
      rc = cf__rdma_direct_send(c, (const uint8_t *)iov[i].iov_base + off, k);
      if (rc > 0)
        off += k;
      copy = rc == 0;
    } else {
      rc = send_copied(c, iov, iovcnt, &i, &off);
      copy = copy && off != 0;
    }
  }
  /* The caller may change its memory once we return: wait for the peer to
   * have read every descriptor. */
  if (rc >= 0)
    rc = cf__rdma_wait_reads(c, 0);
  if (rc >= 0)
    rc = flush_control(c, 1);
  finish(c);
  return rc;
}

/* ---- receiving ------------------------------------------------------------- */

static int rdma_read_exact(struct cf_conn *base, void *buf, size_t len)
{
  struct cf__rdma_conn *c = rc_of(base);
  int64_t deadline = base->timeout_ms > 0 ? cf_monotonic_ms() + base->timeout_ms : -1;
  uint8_t *p = buf;
  size_t got, n;
  int rc = 0;

  got = cf__conn_ra_take(base, p, len);
  p += got;
  len -= got;
  while (len > 0) {
    if (c->rx_count > 0) {
      uint32_t i = c->rx_ring[c->rx_head];
      n = c->rx_len[i] - c->rx_off;
      if (n > len)
        n = len;
      if ((rc = take_head(c, p, n)) < 0)
        break;
      p += n;
      len -= n;
      (void)flush_control(c, 0);
      continue;
    }
    (void)cf__rdma_progress(c);
    if (c->rx_count > 0)
      continue;
    if ((rc = cf__rdma_conn_error(c)) != 0)
      break; /* everything received before the end has been read */
    if ((rc = flush_control(c, 1)) < 0 ||
        (rc = cf__rdma_wait_event(c, 0, deadline)) < 0)
      break;
  }
  if (rc == 0 || rc == CF_ETIMEDOUT) {
    int frc = flush_control(c, 1);
    if (rc == 0)
      rc = frc;
  }
  finish(c);
  return rc;
}

void cf__rdma_drain_sends(struct cf__rdma_conn *c, int64_t deadline_ms)
{
  while ((c->tx_nfree < CF__RDMA_SEND_BUFS || c->read_busy) && !cf__rdma_conn_error(c))
    if (cf__rdma_wait_event(c, 1, deadline_ms) < 0)
      return;
}

/* ---- the rest of the ops table --------------------------------------------- */

static int rdma_from_fd(int fd, struct cf_conn **out)
{
  (void)fd, (void)out;
  return CF_EUNSUP; /* RDMA connections come from cf_rdma_accept */
}

static void rdma_close(struct cf_conn *c)
{
  cf__rdma_conn_free(rc_of(c));
}

/* Take in what arrived (messages stay queued for reads) and re-arm, so the
 * fd turns readable again only on something new. */
static int rdma_hung_up(struct cf_conn *base)
{
  struct cf__rdma_conn *c = rc_of(base);

  finish(c);
  return cf__rdma_conn_error(c) != 0;
}

/* The port's rate (rdma_cm.c), a property of the link rather than a
 * measurement, hence not a lower bound. */
static int rdma_link_rate(const struct cf_conn *base, uint64_t *bytes_per_s, int *lower_bound)
{
  const struct cf__rdma_conn *c = (const struct cf__rdma_conn *)base;

  if (!c->link_bps)
    return -1;
  *bytes_per_s = c->link_bps;
  *lower_bound = 0;
  return 0;
}

static int rdma_settle(struct cf_conn *base)
{
  struct cf__rdma_conn *c = rc_of(base);

  finish(c);
  return c->rx_bytes > 0 || base->ra.len > base->ra.off || base->ra.err ||
         cf__rdma_conn_error(c) != 0;
}

static size_t rdma_pending(const struct cf_conn *c)
{
  return ((const struct cf__rdma_conn *)c)->rx_bytes;
}

const struct cf_transport_ops cf__rdma_ops = {
  .scheme = "rdma",
  .connect = cf__rdma_connect,
  .from_fd = rdma_from_fd,
  .writev = rdma_writev,
  .read_exact = rdma_read_exact,
  .close = rdma_close,
  .pending = rdma_pending,
  .set_pinned_query = cf__rdma_set_pinned_query,
  .forget_memory = cf__rdma_forget_memory,
  .rdma_stats = cf__rdma_stats,
  .hung_up = rdma_hung_up,
  .settle = rdma_settle,
  .link_rate = rdma_link_rate,
};
