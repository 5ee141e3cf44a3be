/* The RDMA transport's zero-copy bulk path. A piece of a write of at least
 * CF__RDMA_DIRECT_MIN bytes that lies in registrable memory does not go
 * through the send buffers: the writer sends a read descriptor (address,
 * rkey, length) in the stream's place, and the reader, when its reads reach
 * that point of the stream, fetches the bytes with one RDMA READ straight
 * into its destination, or through a registered staging buffer when the
 * destination is not registrable. The reader then reports the descriptor
 * read (the reads-done count in every header; a control message at once if
 * it has nothing else to send), and the writer's cf_conn_writev returns
 * only when every descriptor it sent is reported, so the caller may reuse
 * its memory as soon as the write returns, as with TCP.
 *
 * Registrable memory is what cannot be freed behind our back: the caller's
 * pinned blocks (its query says so, and it reports their end with
 * cf_conn_forget_memory: the stub's cuMemAllocHost/cuMemHostRegister
 * memory) and bulk-pool buffers (never freed; bulk_pool.c). Each is
 * registered whole, once, in the connection's registration cache
 * (rdma_mr_cache.c), which bounds what stays registered.
 *
 * Per byte that leaves pinned memory for a pool buffer: no CPU copy, one
 * READ work request per descriptor (the adapter's largest message permitting)
 * and its completion, one descriptor SEND and one report; a staged
 * destination adds one memcpy. Why READ rather than WRITE: the reader knows
 * its destination only when its reads get there (the frame header picks
 * it), so pulling needs no advertised buffers and no extra round trip.
 *
 * Only the adapter and the peer's registration limit what a descriptor may
 * name: a bad address or rkey fails the READ (the connection ends) and can
 * touch nothing but the peer's own registered memory, and the reader never
 * fetches more than it asked to read. The memory the peer may read is its
 * own session's; our registrations give REMOTE_READ only. */
#include "internal.h"

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>
#include <string.h>

#include "cf_error.h"

static void *mr_reg(void *pd, void *addr, size_t len, uint32_t *lkey, uint32_t *rkey)
{
  struct ibv_mr *mr =
      ibv_reg_mr(pd, addr, len, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ);

  if (!mr)
    return NULL;
  *lkey = mr->lkey;
  *rkey = mr->rkey;
  return mr;
}

static void mr_dereg(void *pd, void *mr)
{
  (void)pd;
  (void)ibv_dereg_mr(mr);
}

const struct cf__mr_ops cf__rdma_mr_ops_template = { .reg = mr_reg, .dereg = mr_dereg };

static void put_le32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* A registration covering [p, p+n) when that memory is registrable: the
 * whole block registered (or just the range, when the block is beyond the
 * cache's bounds). 1 with *ref, 0 when not registrable or the registration
 * failed (RLIMIT_MEMLOCK, say): the caller copies instead. */
static int lookup(struct cf__rdma_conn *c, const void *p, size_t n, struct cf__mr_ref *ref)
{
  void *base;
  size_t size;

  if (!cf__bulk_pool_owns(p, n, &base, &size) &&
      !(c->pinned && c->pinned(p, n, &base, &size)))
    return 0;
  return cf__mr_cache_get(c->mrc, base, size, ref) == 0 ||
         cf__mr_cache_get(c->mrc, p, n, ref) == 0;
}

int cf__rdma_wait_reads(struct cf__rdma_conn *c, uint32_t max_out)
{
  int rc;

  while (c->reads_posted - c->peer_done > max_out) {
    if ((rc = cf__rdma_conn_error(c)) != 0)
      return rc;
    cf__rdma_spill(c);
    if ((rc = cf__rdma_flush_control(c, 0)) < 0 ||
        (rc = cf__rdma_wait_event(c, c->tx_nfree == 0, -1)) < 0)
      return rc;
  }
  return 0;
}

int cf__rdma_direct_send(struct cf__rdma_conn *c, const void *p, size_t len)
{
  struct cf__mr_ref ref;
  uint8_t desc[CF__RDMA_READ_DESC_SIZE];
  uint64_t addr = (uintptr_t)p;
  uint32_t slot;
  int rc;

  if ((rc = cf__rdma_wait_reads(c, CF__RDMA_MAX_READS - 1)) != 0)
    return rc;
  if (!lookup(c, p, len, &ref))
    return 0;
  if ((rc = cf__rdma_wait_send_slot(c)) != 0) {
    cf__mr_cache_put(c->mrc, &ref);
    return rc;
  }
  (void)cf__rdma_credit_take(&c->cr);
  slot = c->tx_free[--c->tx_nfree];
  put_le32(desc, (uint32_t)addr);
  put_le32(desc + 4, (uint32_t)(addr >> 32));
  put_le32(desc + 8, ref.rkey);
  put_le32(desc + 12, (uint32_t)len);
  /* Held until the peer reports it read (or the connection closes). */
  c->read_refs[c->reads_posted % CF__RDMA_MAX_READS] = ref;
  c->reads_posted++;
  if ((rc = cf__rdma_post_send(c, slot, desc, sizeof desc, CF__RDMA_KIND_READ)) < 0)
    return rc;
  c->st.direct_sent += len;
  return 1;
}

int cf__rdma_direct_peer_done(struct cf__rdma_conn *c, uint32_t done)
{
  if (done - c->peer_done > c->reads_posted - c->peer_done)
    return CF_EPROTO;
  while (c->peer_done != done)
    cf__mr_cache_put(c->mrc, &c->read_refs[c->peer_done++ % CF__RDMA_MAX_READS]);
  return 0;
}

void cf__rdma_direct_release_all(struct cf__rdma_conn *c)
{
  while (c->peer_done != c->reads_posted)
    cf__mr_cache_put(c->mrc, &c->read_refs[c->peer_done++ % CF__RDMA_MAX_READS]);
}

/* RDMA READ n bytes at the peer's raddr (rkey) into dst (lkey), one work
 * request per adapter message, each waited for: the adapter writes into
 * dst until it completes, so no deadline cuts this short (a dead peer
 * fails it through the QP). */
static int read_into(struct cf__rdma_conn *c, uint8_t *dst, uint32_t lkey, uint64_t raddr,
                     uint32_t rkey, size_t n)
{
  int rc;

  while (n > 0) {
    size_t k = n < c->max_msg ? n : c->max_msg;
    struct ibv_sge sge = { .addr = (uintptr_t)dst, .length = (uint32_t)k, .lkey = lkey };
    struct ibv_send_wr wr = {
      .wr_id = CF__RDMA_READ_WRID, .sg_list = &sge, .num_sge = 1,
      .opcode = IBV_WR_RDMA_READ, .send_flags = IBV_SEND_SIGNALED,
      .wr.rdma = { .remote_addr = raddr, .rkey = rkey },
    };
    struct ibv_send_wr *bad = NULL;

    if (ibv_post_send(c->id->qp, &wr, &bad) != 0) {
      if (!c->err)
        c->err = CF_EIO;
      return CF_EIO;
    }
    c->read_busy = 1;
    while (c->read_busy && !c->err)
      if ((rc = cf__rdma_wait_event(c, 1, -1)) < 0)
        return rc;
    if (c->err)
      return c->err;
    dst += k;
    raddr += k;
    n -= k;
  }
  return 0;
}

int cf__rdma_direct_read(struct cf__rdma_conn *c, void *dst, size_t n)
{
  uint32_t i = c->rx_ring[c->rx_head];
  uint64_t raddr = c->rx_raddr[i] + c->rx_off;
  uint8_t *out = dst;
  struct cf__mr_ref ref;
  int rc;

  if (dst != c->stage && lookup(c, dst, n, &ref)) {
    rc = read_into(c, dst, ref.lkey, raddr, c->rx_rkey[i], n);
    cf__mr_cache_put(c->mrc, &ref);
    if (rc == 0)
      c->st.direct_received += n;
    return rc;
  }
  while (n > 0) {
    size_t k = n < CF__RDMA_STAGE_SIZE ? n : CF__RDMA_STAGE_SIZE;

    if ((rc = read_into(c, c->stage, c->stage_mr->lkey, raddr, c->rx_rkey[i], k)) < 0)
      return rc;
    if (out != c->stage)
      memcpy(out, c->stage, k);
    c->st.staged_received += k;
    out += k;
    raddr += k;
    n -= k;
  }
  return 0;
}

void cf__rdma_set_pinned_query(struct cf_conn *base, cf_pinned_query q)
{
  ((struct cf__rdma_conn *)base)->pinned = q;
}

void cf__rdma_forget_memory(struct cf_conn *base, const void *p, size_t len)
{
  cf__mr_cache_invalidate(((struct cf__rdma_conn *)base)->mrc, p, len);
}

void cf__rdma_stats(const struct cf_conn *base, struct cf_conn_rdma_stats *st)
{
  const struct cf__rdma_conn *c = (const struct cf__rdma_conn *)base;
  struct cf__mr_cache_stats ms;

  *st = c->st;
  cf__mr_cache_stats(c->mrc, &ms);
  st->registrations = ms.regs;
}
