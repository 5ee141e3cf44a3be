/* Unit tests for the RDMA transport's credit flow control
 * (transport/rdma_credit.c), on any machine: argument checks, the protocol
 * errors a broken peer provokes, and a randomised model of two peers that
 * send, deliver, read and return credits in every interleaving, checking
 * that a message always finds a posted receive buffer (the property that
 * keeps a real RC queue pair out of "receiver not ready"), that credits are
 * conserved, and that every message gets through (no deadlock). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_test.h"
#include "internal.h"

#define WINDOW 32u
#define THRESHOLD 8u
#define RESERVE (WINDOW / THRESHOLD)
#define MAXQ 4096

struct msg {
  uint32_t credits;
  int data;
};

/* One peer: its credit state, its posted receive buffers, and the messages
 * in flight towards it (FIFO, as on an RC queue pair). */
struct peer {
  struct cf__rdma_credit cr;
  uint32_t posted;   /* receive buffers posted */
  struct msg q[MAXQ];
  uint32_t qh, qn;   /* in flight to this peer */
  uint32_t to_send;  /* data messages the program still wants to send */
  uint32_t got;      /* data messages it has read */
};

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng % n);
}

static void push(struct peer *to, uint32_t credits, int data)
{
  ASSERT_LT(to->qn, MAXQ);
  to->q[(to->qh + to->qn) % MAXQ] = (struct msg){ credits, data };
  to->qn++;
}

static void send_data(struct peer *me, struct peer *other)
{
  ASSERT_EQ(cf__rdma_credit_take(&me->cr), 1);
  push(other, cf__rdma_credit_piggyback(&me->cr), 1);
  me->to_send--;
}

static void maybe_send_credits(struct peer *me, struct peer *other)
{
  if (cf__rdma_credit_update_due(&me->cr))
    push(other, cf__rdma_credit_piggyback(&me->cr), 0);
}

/* The head message towards me lands in one of my posted buffers. */
static void deliver(struct peer *me)
{
  struct msg m = me->q[me->qh];

  me->qh = (me->qh + 1) % MAXQ;
  me->qn--;
  /* The safety property: a message always finds a posted buffer. */
  ASSERT_GT(me->posted, 0);
  me->posted--;
  ASSERT_EQ(cf__rdma_credit_grant(&me->cr, m.credits), 0);
  if (!m.data) {
    me->posted++; /* credit-only: reposted at once, not owed */
    return;
  }
  ASSERT_EQ(cf__rdma_credit_received(&me->cr), 0);
}

static void read_one(struct peer *me, struct peer *other)
{
  me->posted++;
  cf__rdma_credit_reposted(&me->cr);
  me->got++;
  maybe_send_credits(me, other);
}

static uint32_t credits_in_flight(const struct peer *to)
{
  uint32_t i, n = 0;

  for (i = 0; i < to->qn; i++)
    n += to->q[(to->qh + i) % MAXQ].credits;
  return n;
}

static uint32_t data_in_flight(const struct peer *to)
{
  uint32_t i, n = 0;

  for (i = 0; i < to->qn; i++)
    n += (uint32_t)to->q[(to->qh + i) % MAXQ].data;
  return n;
}

/* Every credit of a's window is in exactly one place, and every message in
 * flight to a has a posted buffer even if all land before a processes any
 * (the hardware does not wait for the program). */
static void check_conserved(const struct peer *a, const struct peer *b)
{
  ASSERT_GE(a->posted, a->qn);
  ASSERT_EQ(a->cr.avail + data_in_flight(b) + b->cr.held + b->cr.owed + credits_in_flight(a),
            WINDOW);
}

static void run_model(uint32_t msgs_a, uint32_t msgs_b, uint32_t seed)
{
  static struct peer a, b;
  struct peer *p[2] = { &a, &b };
  uint32_t steps = 0;

  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  rng = 0x9e3779b97f4a7c15u ^ seed;
  ASSERT_EQ(cf__rdma_credit_init(&a.cr, WINDOW, THRESHOLD, RESERVE), 0);
  ASSERT_EQ(cf__rdma_credit_init(&b.cr, WINDOW, THRESHOLD, RESERVE), 0);
  a.posted = b.posted = WINDOW + RESERVE;
  a.to_send = msgs_a;
  b.to_send = msgs_b;
  while (a.got < msgs_b || b.got < msgs_a) {
    int did = 0, tries;

    /* Pick random enabled actions; the loop proves one is always enabled. */
    for (tries = 0; tries < 16 && !did; tries++) {
      int w = (int)rnd(2);
      struct peer *me = p[w], *other = p[!w];

      switch (rnd(3)) {
      case 0:
        if (me->to_send > 0 && me->cr.avail > 0) {
          send_data(me, other);
          did = 1;
        }
        break;
      case 1:
        if (me->qn > 0) {
          deliver(me);
          did = 1;
        }
        break;
      default:
        if (me->cr.held > 0) {
          read_one(me, other);
          did = 1;
        }
        break;
      }
    }
    if (!did) { /* random picks missed: take the first enabled action */
      int w;
      for (w = 0; w < 2 && !did; w++) {
        struct peer *me = p[w], *other = p[!w];
        if (me->qn > 0) {
          deliver(me);
          did = 1;
        } else if (me->cr.held > 0) {
          read_one(me, other);
          did = 1;
        } else if (me->to_send > 0 && me->cr.avail > 0) {
          send_data(me, other);
          did = 1;
        }
      }
    }
    if (!did)
      CF_FAIL_("deadlock after %u steps: a avail %u owed %u, b avail %u owed %u", steps,
               a.cr.avail, a.cr.owed, b.cr.avail, b.cr.owed);
    check_conserved(&a, &b);
    check_conserved(&b, &a);
    ASSERT_LE(a.posted, WINDOW + RESERVE);
    ASSERT_LE(b.posted, WINDOW + RESERVE);
    steps++;
  }
}

/* The worst case the reserve is sized for: a's window full of b's unread
 * data while b returns a's whole window in credit-only messages. */
static void test_reserve_bound(void)
{
  static struct peer a, b;
  uint32_t i;

  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  ASSERT_EQ(cf__rdma_credit_init(&a.cr, WINDOW, THRESHOLD, RESERVE), 0);
  ASSERT_EQ(cf__rdma_credit_init(&b.cr, WINDOW, THRESHOLD, RESERVE), 0);
  a.posted = b.posted = WINDOW + RESERVE;
  a.to_send = b.to_send = WINDOW;
  for (i = 0; i < WINDOW; i++) {
    send_data(&b, &a);
    deliver(&a); /* a does not read them */
    send_data(&a, &b);
  }
  ASSERT_EQ(cf__rdma_credit_take(&a.cr), 0);
  for (i = 0; i < WINDOW; i++) {
    deliver(&b);
    read_one(&b, &a);
  }
  ASSERT_EQ(a.qn, WINDOW / THRESHOLD); /* credit-only messages */
  check_conserved(&a, &b);
  while (a.qn > 0)
    deliver(&a); /* each needs a reserve buffer */
  ASSERT_EQ(a.posted, RESERVE);
  ASSERT_EQ(a.cr.avail, WINDOW);
  check_conserved(&a, &b);
}

static void test_init(void)
{
  struct cf__rdma_credit cr;

  ASSERT_EQ(cf__rdma_credit_init(&cr, 0, 1, 1), CF_EINVAL);
  ASSERT_EQ(cf__rdma_credit_init(&cr, 8, 0, 8), CF_EINVAL);
  ASSERT_EQ(cf__rdma_credit_init(&cr, 8, 9, 1), CF_EINVAL);
  ASSERT_EQ(cf__rdma_credit_init(&cr, 32, 8, 3), CF_EINVAL); /* needs 4 */
  ASSERT_EQ(cf__rdma_credit_init(&cr, 30, 8, 3), CF_EINVAL); /* needs ceil = 4 */
  ASSERT_EQ(cf__rdma_credit_init(&cr, 30, 8, 4), 0);
  ASSERT_EQ(cr.avail, 30);
  ASSERT_EQ(cf__rdma_credit_init(&cr, 32, 8, 4), 0);
}

static void test_take_and_grant(void)
{
  struct cf__rdma_credit cr;
  uint32_t i;

  ASSERT_EQ(cf__rdma_credit_init(&cr, 4, 2, 2), 0);
  for (i = 0; i < 4; i++)
    ASSERT_EQ(cf__rdma_credit_take(&cr), 1);
  ASSERT_EQ(cf__rdma_credit_take(&cr), 0);
  ASSERT_EQ(cf__rdma_credit_grant(&cr, 5), CF_EPROTO); /* more than spent */
  ASSERT_EQ(cr.avail, 0);
  ASSERT_EQ(cf__rdma_credit_grant(&cr, 3), 0);
  ASSERT_EQ(cf__rdma_credit_grant(&cr, 2), CF_EPROTO);
  ASSERT_EQ(cf__rdma_credit_grant(&cr, 1), 0);
  ASSERT_EQ(cf__rdma_credit_grant(&cr, 0), 0);
  ASSERT_EQ(cr.avail, 4);
}

static void test_receive_side(void)
{
  struct cf__rdma_credit cr;
  uint32_t i;

  ASSERT_EQ(cf__rdma_credit_init(&cr, 4, 2, 2), 0);
  for (i = 0; i < 4; i++)
    ASSERT_EQ(cf__rdma_credit_received(&cr), 0);
  /* A fifth data message came without a credit: the peer is broken. */
  ASSERT_EQ(cf__rdma_credit_received(&cr), CF_EPROTO);
  ASSERT_EQ(cr.held, 4);
  ASSERT(!cf__rdma_credit_update_due(&cr));
  cf__rdma_credit_reposted(&cr);
  ASSERT(!cf__rdma_credit_update_due(&cr));
  cf__rdma_credit_reposted(&cr);
  ASSERT(cf__rdma_credit_update_due(&cr));
  /* Owed credits are still the peer's: nothing more may arrive yet. */
  ASSERT_EQ(cf__rdma_credit_received(&cr), CF_EPROTO);
  ASSERT_EQ(cf__rdma_credit_piggyback(&cr), 2);
  ASSERT_EQ(cf__rdma_credit_piggyback(&cr), 0);
  ASSERT(!cf__rdma_credit_update_due(&cr));
  ASSERT_EQ(cf__rdma_credit_received(&cr), 0);
  /* A repost with nothing held changes nothing. */
  ASSERT_EQ(cf__rdma_credit_init(&cr, 4, 2, 2), 0);
  cf__rdma_credit_reposted(&cr);
  ASSERT_EQ(cr.owed, 0);
}

int main(void)
{
  uint32_t seed;

  test_init();
  test_take_and_grant();
  test_receive_side();
  test_reserve_bound();
  run_model(1, 0, 1);
  run_model(0, 1000, 2);
  for (seed = 0; seed < 200; seed++)
    run_model(rnd(600), rnd(600), seed);
  return 0;
}
