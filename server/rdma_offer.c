/* Moving a session to RDMA. A client whose server URL is rdma:// opens its
 * session over TLS like any other and sets CF_FEATURE_RDMA in its hello;
 * its worker then listens on the server's RDMA address (--listen
 * rdma://ADDR:0) on a port of its own, puts that port and a fresh random
 * secret in the welcome (which TLS protects), and accepts RDMA connections
 * until one presents that secret or the time runs out. That connection
 * carries the session from then on; the TLS connection is closed.
 *
 * Why the worker and not the supervisor: an RDMA connection (its queue
 * pair, registered memory) belongs to the process that made it and cannot
 * be handed to another the way a socket fd can, and the worker is the one
 * process that should hold the session. The secret is what binds the two
 * connections: anyone on the RDMA network can reach the port, but only the
 * authenticated TLS peer has read the secret. It is compared in constant
 * time, used once, and wiped; a connection with a wrong one is dropped and
 * the worker keeps waiting, so a stranger cannot make the real client fail
 * by connecting first. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>

#include "cf_error.h"
#include "cf_frame.h"
#include "cf_log.h"

/* How long a connection has to send its secret once connected. */
#define SECRET_READ_MS 5000

static int equal_in_constant_time(const uint8_t *a, const uint8_t *b, size_t n)
{
  uint8_t d = 0;

  for (size_t i = 0; i < n; i++)
    d |= (uint8_t)(a[i] ^ b[i]);
  return d == 0;
}

int cf__rdma_offer_open(struct cf_worker *w, const struct cf_url *where,
                        struct cf_rdma_offer *offer, char *err, size_t errlen)
{
  char why[256] = "";
  ssize_t got;
  int r;

  memset(offer, 0, sizeof offer[0]);
  if ((r = cf_rdma_listen(where, &w->rdma_listener, why, sizeof why)) != 0) {
    snprintf(err, errlen, "cannot offer RDMA on %s: %s", where->host, why);
    return r;
  }
  offer->port = (uint16_t)cf_rdma_listener_port(w->rdma_listener);
  /* A wildcard address: the client uses the host it reached us at. */
  if (strcmp(where->host, "0.0.0.0") != 0 && strcmp(where->host, "::") != 0)
    snprintf(offer->host, sizeof offer->host, "%s", where->host);
  got = getrandom(offer->secret, sizeof offer->secret, 0);
  if (got != (ssize_t)sizeof offer->secret) {
    snprintf(err, errlen, "cannot offer RDMA: getrandom: %s",
             got < 0 ? strerror(errno) : "short read");
    cf_rdma_listener_free(w->rdma_listener);
    w->rdma_listener = NULL;
    return CF_EIO;
  }
  return 0;
}

/* Read the first message of c and check it against the offer's secret.
 * Returns 0 when it matches. */
static int check_secret(struct cf_conn *c, const struct cf_rdma_offer *offer)
{
  uint8_t msg[8 + CF_RDMA_SECRET_LEN];
  int ok;

  cf_conn_set_timeout(c, SECRET_READ_MS);
  if (cf_conn_read_exact(c, msg, sizeof msg) != 0)
    return CF_EPERM;
  cf_conn_set_timeout(c, 0);
  ok = memcmp(msg, CF_RDMA_HELLO_MAGIC, 8) == 0 &&
       equal_in_constant_time(msg + 8, offer->secret, CF_RDMA_SECRET_LEN);
  explicit_bzero(msg, sizeof msg);
  return ok ? 0 : CF_EPERM;
}

int cf__rdma_offer_join(struct cf_worker *w, struct cf_rdma_offer *offer, int timeout_ms)
{
  int64_t deadline = cf_monotonic_ms() + timeout_ms;
  struct cf_conn *c = NULL;
  char err[256], peer[96];
  int r = CF_ETIMEDOUT;

  while (cf_monotonic_ms() < deadline) {
    int64_t left = deadline - cf_monotonic_ms();
    struct iovec ready = { (void *)CF_RDMA_READY_MAGIC, 8 };

    r = cf_rdma_accept(w->rdma_listener, left > 0 ? (int)left : 1, &c, err, sizeof err);
    if (r == CF_ETIMEDOUT)
      break;
    if (r != 0) {
      cf_warn("session %" PRIu64 ": an RDMA connection failed: %s", w->session_id, err);
      continue;
    }
    cf_conn_peer(c, peer, sizeof peer);
    if (check_secret(c, offer) != 0) {
      cf_warn("session %" PRIu64 ": RDMA connection from %s without this session's "
              "secret; dropped", w->session_id, peer);
      cf_conn_close(c);
      c = NULL;
      r = CF_EPERM;
      continue;
    }
    if ((r = cf_conn_writev(c, &ready, 1)) != 0) {
      cf_warn("session %" PRIu64 ": %s left during the RDMA join", w->session_id, peer);
      cf_conn_close(c);
      c = NULL;
      break;
    }
    break;
  }
  explicit_bzero(offer->secret, sizeof offer->secret);
  cf_rdma_listener_free(w->rdma_listener); /* one join per offer */
  w->rdma_listener = NULL;
  if (!c) {
    cf_error("session %" PRIu64 ": %s did not join over RDMA (%s); ending the session",
             w->session_id, w->peer, r == CF_ETIMEDOUT ? "timed out" : cf_strerror(r));
    return r ? r : CF_EIO;
  }
  cf_info("session %" PRIu64 ": moved to rdma://%s (was %s)", w->session_id, peer, w->peer);
  /* Bulk in and out from recycled buffers the transport registers once, so
   * bulk moves by RDMA READ without copies here: room for a call's bulk
   * and a reply's at the session's limit (64 KiB steps round each up). */
  cf_bulk_pool_enable(2 * ((size_t)w->lim.max_bulk + ((size_t)128 << 10)));
  cf_conn_close(w->conn);
  w->conn = c;
  snprintf(w->peer, sizeof w->peer, "%s", peer);
  return 0;
}
