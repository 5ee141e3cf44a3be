/* Credit-based flow control for the RDMA transport, kept apart from verbs so
 * that a unit test can drive it on a machine without RDMA. The rules:
 *
 * - Each side pre-posts window + reserve receive buffers. A SEND carrying
 *   data consumes one of the peer's window buffers, so a sender holds `avail`
 *   credits (starting at window) and never posts a data SEND without one.
 * - The receiver counts each data buffer it reposts as `owed`, and returns
 *   those credits in the header of its next message: any data SEND carries
 *   them all (piggybacked), and once owed reaches `threshold` with nothing to
 *   send, a credit-only message (header, no payload) carries them.
 * - A credit-only message costs no credit and is not itself repaid (the
 *   receiver reposts its buffer at once without counting it owed), so credit
 *   messages cannot ping-pong. It lands in one of the `reserve` buffers: the
 *   credits in messages a peer has not yet processed never exceed window, and
 *   every credit-only message carries at least threshold of them, so at most
 *   window / threshold of them are ever unprocessed. cf__rdma_credit_init
 *   refuses a reserve smaller than that.
 * - The RDMA transport also sends a control message with fewer credits when
 *   it must report a read descriptor done; those are bounded apart, by the
 *   descriptors a peer may have out (CF__RDMA_MAX_READS, in internal.h),
 *   with as many more receive buffers.
 * - A peer granting more credits than could be outstanding is broken or
 *   hostile: that is a protocol error, not a larger window.
 *
 * No deadlock: a sender blocked for credits has every one of its window
 * SENDs either unread at the receiver (which the receiver's reads will
 * repost), or reposted and owed (the receiver sends a credit-only message
 * before it blocks whenever owed >= threshold; when owed < threshold, more
 * than window - threshold credits are already in flight back), or in flight
 * back. Single-threaded, like the connection that embeds it; no allocation. */
#include "internal.h"

#include "cf_error.h"

int cf__rdma_credit_init(struct cf__rdma_credit *cr, uint32_t window, uint32_t threshold,
                         uint32_t reserve)
{
  if (window == 0 || threshold == 0 || threshold > window)
    return CF_EINVAL;
  if ((uint64_t)reserve * threshold < window) /* reserve >= ceil(window / threshold) */
    return CF_EINVAL;
  cr->window = window;
  cr->avail = window;
  cr->owed = 0;
  cr->held = 0;
  cr->threshold = threshold;
  return 0;
}

int cf__rdma_credit_take(struct cf__rdma_credit *cr)
{
  if (cr->avail == 0)
    return 0;
  cr->avail--;
  return 1;
}

uint32_t cf__rdma_credit_piggyback(struct cf__rdma_credit *cr)
{
  uint32_t n = cr->owed;

  cr->owed = 0;
  return n;
}

int cf__rdma_credit_grant(struct cf__rdma_credit *cr, uint32_t n)
{
  if (n > cr->window - cr->avail)
    return CF_EPROTO;
  cr->avail += n;
  return 0;
}

int cf__rdma_credit_received(struct cf__rdma_credit *cr)
{
  /* held + owed + credits in flight back == the peer's spent credits, which
   * never exceed window: one more means the peer sent without a credit. */
  if (cr->held + cr->owed >= cr->window)
    return CF_EPROTO;
  cr->held++;
  return 0;
}

void cf__rdma_credit_reposted(struct cf__rdma_credit *cr)
{
  if (cr->held > 0) {
    cr->held--;
    cr->owed++;
  }
}

int cf__rdma_credit_update_due(const struct cf__rdma_credit *cr)
{
  return cr->owed >= cr->threshold;
}
