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
 * Trust: a descriptor can name only memory its sender registered; a bad
 * address or rkey fails the READ (the connection ends, its QP in the error
 * state), and a reader never fetches more than it asked to read. Sources
 * are registered REMOTE_READ only, destinations LOCAL_WRITE only (two
 * caches), so nothing we read into is ever readable by the peer. A source
 * stays registered while cached, so the peer (and only it: an rkey works
 * only on this connection's QP) can read a registered block as a whole
 * until it is evicted or forgotten. For the server's pool buffers that is
 * the session's own bytes or zeros (bulk_pool.c). For the client it means
 * the server it authenticated can read the program's pinned blocks that
 * took part in a copy; memory windows bound per descriptor would close
 * that, at a cost per copy. */
#include "internal.h"

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>
#include <string.h>

#include "cf_error.h"

/* The caches' verbs callbacks: ctx is the cache's struct cf__rdma_reg_ctx. */
static void *mr_reg(void *ctx, void *addr, size_t len, uint32_t *lkey, uint32_t *rkey)
{
  struct cf__rdma_reg_ctx *r = ctx;
  struct ibv_mr *mr = ibv_reg_mr(r->pd, addr, len, r->access);

  if (!mr)
    return NULL;
  *lkey = mr->lkey;
  *rkey = mr->rkey;
  return mr;
}

static void mr_dereg(void *ctx, void *mr)
{
  (void)ctx;
  (void)ibv_dereg_mr(mr);
}

int cf__rdma_direct_init(struct cf__rdma_conn *c)
{
  struct cf__mr_ops ops = { .reg = mr_reg, .dereg = mr_dereg };
  int rc;

  c->reg_src = (struct cf__rdma_reg_ctx){ c->pd, IBV_ACCESS_REMOTE_READ };
  c->reg_dst = (struct cf__rdma_reg_ctx){ c->pd, IBV_ACCESS_LOCAL_WRITE };
  ops.ctx = &c->reg_src;
  if ((rc = cf__mr_cache_new(&ops, CF__RDMA_MR_CACHE_BYTES, CF__RDMA_MR_CACHE_ENTRIES,
                             &c->mrc_src)) < 0)
    return rc;
  ops.ctx = &c->reg_dst;
  return cf__mr_cache_new(&ops, CF__RDMA_MR_CACHE_BYTES, CF__RDMA_MR_CACHE_ENTRIES, &c->mrc_dst);
}

/* A registration in cache covering [p, p+n) when that memory is
 * registrable: the whole block registered (or just the range, when the
 * block is beyond the cache's bounds or its registration failed before).
 * 1 with *ref, 0 when not registrable or the registration failed
 * (RLIMIT_MEMLOCK, say): the caller copies instead. */
static int lookup(struct cf__rdma_conn *c, struct cf__mr_cache *cache, const void *p, size_t n,
                  struct cf__mr_ref *ref)
{
  void *base;
  size_t size;

  if (!cf__bulk_pool_owns(p, n, &base, &size) &&
      !(c->pinned && c->pinned(p, n, &base, &size)))
    return 0;
  if (c->whole_failed != (uintptr_t)base) {
    if (cf__mr_cache_get(cache, base, size, ref) == 0)
      return 1;
    c->whole_failed = (uintptr_t)base;
  }
  return cf__mr_cache_get(cache, p, n, ref) == 0;
}

int cf__rdma_wait_reads(struct cf__rdma_conn *c, uint32_t max_out)
{
  int rc;

  while (c->reads_posted - c->peer_done > max_out)
    if ((rc = cf__rdma_wait_peer(c, 1)) < 0)
      return rc;
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
  if (!lookup(c, c->mrc_src, p, len, &ref))
    return 0;
  if ((rc = cf__rdma_wait_send_slot(c)) != 0) {
    cf__mr_cache_put(c->mrc_src, &ref);
    return rc;
  }
  (void)cf__rdma_credit_take(&c->cr);
  slot = c->tx_free[--c->tx_nfree];
  cf__put_le32(desc, (uint32_t)addr);
  cf__put_le32(desc + 4, (uint32_t)(addr >> 32));
  cf__put_le32(desc + 8, ref.rkey);
  cf__put_le32(desc + 12, (uint32_t)len);
  /* Held until the peer reports it read (or the connection closes). */
  c->read_refs[c->reads_posted % CF__RDMA_MAX_READS] = ref;
  c->read_lens[c->reads_posted % CF__RDMA_MAX_READS] = (uint32_t)len;
  c->reads_posted++;
  if ((rc = cf__rdma_post_send(c, slot, desc, sizeof desc, CF__RDMA_KIND_READ)) < 0)
    return rc;
  return 1;
}

int cf__rdma_desc_parse(const uint8_t *d, uint32_t size, uint64_t *addr, uint32_t *rkey,
                        uint32_t *len)
{
  if (size != CF__RDMA_READ_DESC_SIZE)
    return CF_EPROTO;
  *addr = (uint64_t)cf__get_le32(d) | (uint64_t)cf__get_le32(d + 4) << 32;
  *rkey = cf__get_le32(d + 8);
  *len = cf__get_le32(d + 12);
  return *len == 0 || *len > CF__RDMA_DIRECT_MAX ? CF_EPROTO : 0;
}

int cf__rdma_direct_peer_done(struct cf__rdma_conn *c, uint32_t done)
{
  if (done - c->peer_done > c->reads_posted - c->peer_done)
    return CF_EPROTO;
  for (; c->peer_done != done; c->peer_done++) {
    c->st.direct_sent += c->read_lens[c->peer_done % CF__RDMA_MAX_READS];
    cf__mr_cache_put(c->mrc_src, &c->read_refs[c->peer_done % CF__RDMA_MAX_READS]);
  }
  return 0;
}

void cf__rdma_direct_free(struct cf__rdma_conn *c)
{
  if (c->mrc_src)
    for (; c->peer_done != c->reads_posted; c->peer_done++)
      cf__mr_cache_put(c->mrc_src, &c->read_refs[c->peer_done % CF__RDMA_MAX_READS]);
  cf__mr_cache_free(c->mrc_src);
  cf__mr_cache_free(c->mrc_dst);
  c->mrc_src = c->mrc_dst = NULL;
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
      cf__rdma_fail(c, CF_EIO);
      return CF_EIO;
    }
    /* Until the adapter is done with dst, whatever else failed meanwhile:
     * a failed connection's QP is in the error state, which flushes it. */
    c->read_busy = 1;
    while (c->read_busy)
      if ((rc = cf__rdma_wait_event(c, 1, -1)) < 0 && c->read_busy) {
        cf__rdma_fail(c, rc);
        while (c->read_busy)
          (void)cf__rdma_progress(c);
        return rc;
      }
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

  if (dst != c->stage && lookup(c, c->mrc_dst, dst, n, &ref)) {
    rc = read_into(c, dst, ref.lkey, raddr, c->rx_rkey[i], n);
    cf__mr_cache_put(c->mrc_dst, &ref);
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
  struct cf__rdma_conn *c = (struct cf__rdma_conn *)base;

  cf__mr_cache_invalidate(c->mrc_src, p, len);
  cf__mr_cache_invalidate(c->mrc_dst, p, len);
  if (c->whole_failed - (uintptr_t)p < len)
    c->whole_failed = 0;
}

void cf__rdma_stats(const struct cf_conn *base, struct cf_conn_rdma_stats *st)
{
  const struct cf__rdma_conn *c = (const struct cf__rdma_conn *)base;
  struct cf__mr_cache_stats ms;

  *st = c->st;
  cf__mr_cache_stats(c->mrc_src, &ms);
  st->registrations = ms.regs;
  cf__mr_cache_stats(c->mrc_dst, &ms);
  st->registrations += ms.regs;
}
