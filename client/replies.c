/* Replies to the threads that wait for them. Any number of application
 * threads may wait for replies at once: one thread blocking in
 * cuStreamSynchronize must not keep another from sending and getting its
 * answer (the server runs lanes side by side, server/waits.c). So no thread
 * holds the session lock while it merely waits for data. Instead, of the
 * waiting threads one at a time takes the reader's role (leader/follower):
 * it polls the socket with the lock released, then, with the lock held,
 * reads one frame, finds the waiter by sequence number, reads the reply's
 * bulk straight into that waiter's buffer and wakes it. A thread whose own
 * reply came gives the role up; the others sleep on a condition variable.
 * A single-threaded program is its own reader and pays one poll per call.
 *
 * All connection I/O happens under the session lock, because a TLS
 * connection must not be read and written by two threads at once. A writer
 * whose socket is full keeps draining incoming bytes into the connection's
 * read-ahead (cf_conn_set_read_ahead), so a large call and a large reply
 * never wait on each other; since the reader's poll cannot see those bytes,
 * the writer then wakes it through an eventfd. */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_transport.h"

int cf__replies_init(struct cf_replies *r, pthread_mutex_t *lock)
{
  memset(r, 0, sizeof *r);
  r->lock = lock;
  r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->wake_fd < 0)
    return CF_EIO;
  if (pthread_cond_init(&r->replied, NULL) != 0) {
    close(r->wake_fd);
    r->wake_fd = -1;
    return CF_EIO;
  }
  return 0;
}

void cf__replies_free(struct cf_replies *r)
{
  if (r->wake_fd >= 0)
    close(r->wake_fd);
  r->wake_fd = -1;
}

void cf__replies_expect(struct cf_replies *r, struct cf_waiter *w, uint64_t seq, uint32_t op,
                        void *bulk_out, size_t bulk_cap)
{
  memset(w, 0, sizeof *w);
  w->seq = seq;
  w->op = op;
  w->bulk_out = bulk_out;
  w->bulk_cap = bulk_cap;
  w->next = r->waiters;
  r->waiters = w;
}

void cf__replies_forget(struct cf_replies *r, struct cf_waiter *w)
{
  for (struct cf_waiter **p = &r->waiters; *p; p = &(*p)->next)
    if (*p == w) {
      *p = w->next;
      break;
    }
  if (w->done)
    cf_frame_release(&w->f);
  w->done = 0;
}

static void wake_reader(struct cf_replies *r)
{
  if (r->wake_fd >= 0)
    (void)eventfd_write(r->wake_fd, 1);
}

void cf__replies_sent(struct cf_replies *r, struct cf_conn *conn)
{
  if (r->reading && cf_conn_buffered(conn) > 0)
    wake_reader(r);
}

void cf__replies_fail(struct cf_replies *r)
{
  r->failed = 1;
  wake_reader(r);
  pthread_cond_broadcast(&r->replied);
}

static struct cf_waiter *find(struct cf_replies *r, uint64_t seq)
{
  for (struct cf_waiter *w = r->waiters; w; w = w->next)
    if (w->seq == seq && !w->done)
      return w;
  return NULL;
}

/* Block, lock released, until the socket or the wake-up fd is readable.
 * Returns 1 when the socket is (or has hung up), 0 when only the wake-up
 * came, or CF_EIO. */
static int await_data(struct cf_replies *r, struct cf_conn *conn)
{
  struct pollfd p[2] = {
    { .fd = cf_conn_fd(conn), .events = POLLIN },
    { .fd = r->wake_fd, .events = POLLIN },
  };
  int rc;

  pthread_mutex_unlock(r->lock);
  do
    rc = poll(p, 2, -1);
  while (rc < 0 && errno == EINTR);
  pthread_mutex_lock(r->lock);
  if (rc < 0)
    return CF_EIO;
  if (p[1].revents & POLLIN) {
    eventfd_t v;
    (void)eventfd_read(r->wake_fd, &v);
  }
  return p[0].revents != 0;
}

/* Read one frame and hand it to its waiter (device output goes to stdout).
 * Lock held. Returns 0 or a CF_E* code (the connection is then unusable). */
static int route_one(struct cf_replies *r, struct cf_conn *conn, const struct cf_frame_limits *lim)
{
  struct cf_frame f;
  struct cf_waiter *w;
  int rc = cf_frame_recv_header(conn, lim, &f);

  if (rc != 0)
    return rc;
  if (f.h.type == CF_FRAME_OUTPUT) {
    if ((rc = cf_frame_recv_rest(conn, NULL, 0, &f)) != 0)
      return rc;
    fwrite(f.body, 1, f.h.body_len, stdout);
    fflush(stdout);
    cf_frame_release(&f);
    return 0;
  }
  w = f.h.type == CF_FRAME_REPLY ? find(r, f.h.seq) : NULL;
  if (!w || f.h.op != w->op)
    return CF_EPROTO; /* a reply nobody asked for */
  if ((rc = cf_frame_recv_rest(conn, w->bulk_out, w->bulk_cap, &f)) != 0)
    return rc;
  r->received_raw += f.h.bulk_len;
  r->received_wire += f.wire_bulk_len;
  if (f.h.bulk_len && f.bulk != w->bulk_out) {
    cf_frame_release(&f);
    return CF_EPROTO; /* more bulk than the caller has room for */
  }
  w->f = f;
  w->done = 1;
  return 0;
}

int cf__replies_wait(struct cf_replies *r, struct cf_conn *conn, const struct cf_frame_limits *lim,
                     struct cf_waiter *w)
{
  int rc = 0, ready;

  while (!w->done && !r->failed && rc == 0) {
    if (r->reading) {
      pthread_cond_wait(&r->replied, r->lock);
      continue;
    }
    r->reading = 1;
    /* Data may sit in the read-ahead (a writer took it while we slept),
     * which the poll cannot see: look there first, and again after. The
     * connection may have failed (or closed at exit) while we slept. */
    ready = cf_conn_buffered(conn) > 0;
    if (!ready && (rc = await_data(r, conn)) >= 0) {
      /* An RDMA wake-up may carry no reply (a report for a writer): then
       * poll again rather than block in a read holding the lock. */
      ready = !r->failed &&
              (cf_conn_buffered(conn) > 0 || (rc > 0 && cf_conn_settle(conn)));
      rc = 0;
    }
    if (ready && !r->failed)
      rc = route_one(r, conn, lim);
    r->reading = 0;
    pthread_cond_broadcast(&r->replied);
  }
  if (w->done)
    return 0;
  return rc ? rc : CF_ECLOSED;
}
