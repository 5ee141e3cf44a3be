/* A worker process: one client session. The supervisor spawned it with the
 * client's socket as fd 3 and the control channel as fd 4; the worker
 * greets the client (worker_hello.c: TLS, hello, authentication,
 * admission; the control channel then carries shared module images,
 * image_share.c), loads the driver, answers with a welcome, then serves
 * CF_FRAME_CALLs one at a time on its one thread until the client says bye
 * or goes away.
 *
 * Threads: every call runs on the worker's thread, in arrival order, except
 * the blocking wait of a synchronising call that would block (waits.c): its
 * frame parks while a waiter thread sits in the driver, the worker goes on
 * with other lanes' frames, and when the wait ends the worker runs the
 * frame as usual (the handler's own sync then returns at once) and replies.
 * A frame on a lane whose call is parked waits for that call first, so
 * calls stay in order within a lane. With nothing parked, the loop blocks
 * in the read as before (no system call added); with calls parked it polls
 * the socket and the waits' eventfd, one poll per frame.
 *
 * Ownership: the worker owns every driver object the session creates; it
 * does not destroy them one by one at the end, because process exit releases
 * all of a session's driver resources (that is the clean-up guarantee, and
 * it also holds when a handler crashes). A malformed frame ends this
 * process only; the supervisor and other sessions go on. PR_SET_PDEATHSIG
 * makes sure no worker outlives the supervisor. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cf_api_ops.h"
#include "cf_error.h"
#include "cf_log.h"
#include "config.h"

#define WORKER_FD 3
#define CONTROL_FD 4

static char log_tag[64];

static const char *cu_name(const struct cf_driver *d, CUresult r)
{
  const char *s = NULL;

  if (d->cuGetErrorName && d->cuGetErrorName(r, &s) == CUDA_SUCCESS && s)
    return s;
  return "unknown CUresult";
}

/* Load and initialise the driver, then send the welcome. */
static int open_session(struct cf_worker *w, const struct cf_srv_options *o)
{
  char err[512], name[512];
  struct cf_rdma_offer rdma;
  uint8_t *body = NULL;
  size_t len = 0;
  CUresult cr;
  int r;

  memset(&rdma, 0, sizeof rdma);
  if ((r = cf__driver_load(o->driver, &w->drv, err, sizeof err)) != 0) {
    cf__worker_refuse(w, err);
    return r;
  }
  if ((cr = w->drv.cuInit(0)) != CUDA_SUCCESS) {
    snprintf(err, sizeof err, "driver %s: cuInit failed: %s (%d)",
             cf__srv_driver_label(o->driver), cu_name(&w->drv, cr), (int)cr);
    cf__worker_refuse(w, err);
    return CF_EIO;
  }
  snprintf(name, sizeof name, "cuferryd %s (driver: %s)", CF_VERSION,
           cf__srv_driver_label(o->driver));
  if (w->wants_rdma && !o->have_rdma) {
    cf__worker_refuse(w, "this server does not serve RDMA (it needs --listen rdma://ADDR:0); "
                         "use tls://");
    return CF_EUNSUP;
  }
  if (w->wants_rdma && (r = cf__rdma_offer_open(w, &o->rdma_listen, &rdma, err, sizeof err))) {
    cf__worker_refuse(w, err);
    return r;
  }
  r = cf__welcome_pack(&w->drv, w->session_id, name, &w->lim, w->identity, w->quota,
                       o->image_cache ? CF_FEATURE_SHARED_IMAGES : 0,
                       w->wants_rdma ? &rdma : NULL, &body, &len, err, sizeof err);
  if (r != 0) {
    explicit_bzero(rdma.secret, sizeof rdma.secret);
    if (r == CF_ENOMEM)
      snprintf(err, sizeof err, "out of memory");
    cf__worker_refuse(w, err);
    return r;
  }
  r = cf_frame_send(w->conn, CF_FRAME_WELCOME, 0, 0, 0, body, len, NULL, 0);
  explicit_bzero(body, len);
  free(body);
  if (r)
    cf_error("session %" PRIu64 ": %s: sending the welcome failed: %s",
             w->session_id, w->peer, cf_strerror(r));
  if (w->wants_rdma)
    r = r ? r : cf__rdma_offer_join(w, &rdma, CF_SRV_RDMA_JOIN_TIMEOUT_MS);
  explicit_bzero(rdma.secret, sizeof rdma.secret);
  return r;
}

/* Log an unknown op once per op (the first 64 of them). */
static void note_unknown_op(struct cf_worker *w, uint32_t op)
{
  size_t n = sizeof w->logged_ops / sizeof w->logged_ops[0];

  for (size_t i = 0; i < w->n_logged_ops; i++)
    if (w->logged_ops[i] == op)
      return;
  if (w->n_logged_ops == n)
    return;
  w->logged_ops[w->n_logged_ops++] = op;
  cf_warn("session %" PRIu64 ": op %u is not known to this server; answering "
          "CUDA_ERROR_NOT_SUPPORTED", w->session_id, op);
}

static int reply_status(struct cf_call *c, CUresult result)
{
  CfStatus st = CF_STATUS__INIT;

  st.result = (int32_t)result;
  return cf__call_reply(c, &st.base);
}

/* The context current for the call now (NULL for none), the key of its
 * latched errors. */
static void *current_context(struct cf_worker *w)
{
  CUcontext ctx = NULL;

  if (w->drv.cuCtxGetCurrent && w->drv.cuCtxGetCurrent(&ctx) != CUDA_SUCCESS)
    ctx = NULL;
  return ctx;
}

/* Whether the reply to e must follow everything the driver has printed:
 * synchronising calls, and those that end a context or module (which wait
 * for its work). */
static int drains_output(const struct cf_op_entry *e)
{
  if (!e)
    return 0;
  switch (e->op) {
  case CF_OP_cuCtxDestroy_v2:
  case CF_OP_cuDevicePrimaryCtxRelease_v2:
  case CF_OP_cuDevicePrimaryCtxReset_v2:
  case CF_OP_cuModuleUnload:
  case CF_OP_cuLibraryUnload:
    return 1;
  default:
    return (e->flags & CF_OPF_SYNCS) != 0;
  }
}

/* Run one call and send its reply; a NOREPLY call sends none, and its error
 * is latched for the context's next synchronising call, which answers with
 * it (latch.c). Returns 0, or a CF_E* code that ends the session (already
 * logged). */
/* The reply to the call of frame f, its bulk compressed as the client asked. */
static int send_reply(struct cf_worker *w, const struct cf_frame *f, const struct cf_call *c)
{
  struct cf_frame_header h;

  if (c->reply_len > UINT32_MAX)
    return CF_ETOOBIG;
  cf_frame_header_init(&h, CF_FRAME_REPLY, f->h.op, f->h.seq, (uint32_t)c->reply_len,
                       c->bulk_out_len);
  h.lane = f->h.lane;
  return cf_frame_send_packed(w->conn, &w->z, &h, c->reply_body, c->bulk_out);
}

int cf__worker_set_compression(struct cf_worker *w, const char *s, char *why, size_t whylen)
{
  enum cf_compress_mode mode;
  int level;

  if (cf_compress_parse(*s ? s : "auto", &mode, &level, why, whylen) != 0)
    return CF_EINVAL;
  if (mode == CF_COMPRESS_ZSTD && level > CF_SRV_MAX_ZSTD_LEVEL)
    level = CF_SRV_MAX_ZSTD_LEVEL;
  cf_compressor_set(&w->z, mode, level);
  return 0;
}

CUresult cf__srv_cfSetCompression(struct cf_call *c, const CfSetCompressionReq *req,
                                  CfSetCompressionRep *rep)
{
  char why[160];

  (void)rep;
  return cf__worker_set_compression(c->w, req->mode ? req->mode : "", why, sizeof why) == 0
             ? CUDA_SUCCESS
             : CUDA_ERROR_INVALID_VALUE;
}

/* Run the call of frame f and send its reply; waited is what the driver's
 * wait for it returned when it was parked (waits.c), else CUDA_SUCCESS. */
static int serve_call(struct cf_worker *w, const struct cf_frame *f, CUresult waited)
{
  const struct cf_op_entry *e = cf__dispatch_find(f->h.op);
  struct cf_call c = {
    .w = w, .drv = &w->drv, .lane = f->h.lane,
    .bulk_in = f->bulk, .bulk_in_len = f->h.bulk_len,
  };
  int noreply = (f->h.flags & CF_FRAME_F_NOREPLY) != 0;
  int r;

  if ((r = cf__lanes_switch(w->lanes, f->h.lane)) != 0) {
    cf_error("session %" PRIu64 ": %s: too many lanes (more than %d client "
             "threads)", w->session_id, w->peer, CF_LANES_MAX);
    return r;
  }
  if (!e) {
    note_unknown_op(w, f->h.op);
    r = reply_status(&c, CUDA_ERROR_NOT_SUPPORTED);
    c.result = CUDA_ERROR_NOT_SUPPORTED;
  } else {
    r = e->handler(&c, f->body, f->h.body_len);
    if (r == CF_ENOMEM) {
      cf__call_reset(&c);
      r = reply_status(&c, CUDA_ERROR_OUT_OF_MEMORY);
      c.result = CUDA_ERROR_OUT_OF_MEMORY;
    } else if (r) {
      cf_error("session %" PRIu64 ": %s: %s request (op %u, seq %" PRIu64
               "): %s; ending the session", w->session_id, w->peer, e->name,
               f->h.op, f->h.seq, cf_strerror(r));
      cf__call_reset(&c);
      return r;
    }
  }
  /* A parked wait reported an error the handler's second sync no longer
   * sees (a sync clears a non-sticky asynchronous error): answer with it,
   * as the one sync would have. */
  if (r == 0 && waited != CUDA_SUCCESS && c.result == CUDA_SUCCESS) {
    cf__call_reset(&c);
    r = reply_status(&c, waited);
    c.result = waited;
  }
  if (r == 0 && noreply) {
    if (c.result != CUDA_SUCCESS)
      cf__latch_set(w, current_context(w), c.result);
    cf__call_reset(&c);
    return 0;
  }
  if (r == 0 && e && (e->flags & CF_OPF_SYNCS) && c.result == CUDA_SUCCESS && w->n_latched) {
    CUresult latched = cf__latch_take(w, current_context(w));

    if (latched != CUDA_SUCCESS) {
      cf__call_reset(&c);
      r = reply_status(&c, latched);
    }
  }
  if (r == 0)
    r = cf__output_flush(w->output, w->conn, w->lim.max_body, drains_output(e));
  if (r == 0)
    r = send_reply(w, f, &c);
  if (r)
    cf_error("session %" PRIu64 ": %s: sending the reply to op %u failed: %s",
             w->session_id, w->peer, f->h.op, cf_strerror(r));
  cf__call_reset(&c);
  return r;
}

/* Serve the parked calls whose waits have ended, in the order they ended.
 * Returns 0, or a CF_E* code that ends the session (logged). */
static int serve_waited(struct cf_worker *w)
{
  struct cf_frame f;
  CUresult waited;
  int r = 0;

  cf__waits_ack(w->waits);
  while (r == 0 && cf__waits_take(w->waits, &f, &waited)) {
    r = serve_call(w, &f, waited);
    cf_frame_release(&f);
  }
  return r;
}

/* One poll of the client's socket (for conn_events) and the waits'
 * eventfd, serving the waits that ended. *conn_revents is the socket's
 * answer, left 0 when the eventfd woke us (the caller looks again).
 * Returns 0, or a CF_E* code that ends the session. */
static int poll_session(struct cf_worker *w, short conn_events, short *conn_revents)
{
  struct pollfd p[2] = {
    { .fd = cf_conn_fd(w->conn), .events = conn_events },
    { .fd = cf__waits_fd(w->waits), .events = POLLIN },
  };

  *conn_revents = 0;
  if (poll(p, 2, -1) < 0) {
    if (errno == EINTR)
      return 0;
    cf_error("session %" PRIu64 ": poll: %s", w->session_id, strerror(errno));
    return CF_EIO;
  }
  if (p[1].revents & POLLIN)
    return serve_waited(w);
  *conn_revents = p[0].revents;
  return 0;
}

/* Return once the client's next frame can be read (or its connection has
 * ended: the read says which), serving ended waits meanwhile. With nothing
 * parked no wait can end, and the read itself blocks: no system call is
 * added to a session that never parks. Data the transport holds already
 * (decrypted TLS, read-ahead) is read without a poll; otherwise one poll of
 * the socket and the eventfd per frame while calls are parked. Once a frame
 * has begun it is read to its end (its sender is sending it): waits that
 * end meanwhile are answered after it. Returns 0, or a CF_E* code that ends
 * the session. */
static int await_frame(struct cf_worker *w)
{
  for (;;) {
    short revents = 0;
    int r;

    if (cf__waits_any_done(w->waits) && (r = serve_waited(w)) != 0)
      return r;
    if (cf__waits_parked(w->waits) == 0 || cf_conn_buffered(w->conn) > 0)
      return 0;
    if ((r = poll_session(w, POLLIN, &revents)) != 0)
      return r;
    if (revents && cf_conn_settle(w->conn))
      return 0;
  }
}

/* Before a frame on lane runs: wait until lane's parked call has been
 * served, serving other ended waits meanwhile, but reading no frame (they
 * keep their arrival order). Only a client that sends on a lane whose
 * thread is waiting gets here. Returns 0, CF_ECLOSED when the client hangs
 * up meanwhile (its socket is watched for that alone), or a CF_E* code that
 * ends the session. */
static int await_lane(struct cf_worker *w, uint32_t lane)
{
  while (cf__waits_lane_parked(w->waits, lane)) {
    short revents = 0;
    int r;

    if (cf__waits_any_done(w->waits)) {
      if ((r = serve_waited(w)) != 0)
        return r;
      continue;
    }
    if ((r = poll_session(w, cf_conn_hangup_events(w->conn), &revents)) != 0)
      return r;
    if (revents && cf_conn_hung_up(w->conn, revents))
      return CF_ECLOSED;
  }
  return 0;
}

/* Serve frames until bye or disconnect. Returns the exit status. */
static int serve(struct cf_worker *w)
{
  for (;;) {
    struct cf_frame f;
    int r;

    if (await_frame(w) != 0)
      return 1;
    r = cf_frame_recv(w->conn, &w->lim, NULL, 0, &f);

    if (r == CF_ECLOSED) {
      cf_debug("session %" PRIu64 ": %s closed the connection", w->session_id,
               w->peer);
      return 0;
    }
    if (r) {
      cf_error("session %" PRIu64 ": %s: bad frame: %s; ending the session",
               w->session_id, w->peer, cf_strerror(r));
      return 1;
    }
    switch (f.h.type) {
    case CF_FRAME_CALL:
      if ((r = await_lane(w, f.h.lane)) != 0) {
        cf_frame_release(&f);
        if (r != CF_ECLOSED)
          return 1;
        cf_debug("session %" PRIu64 ": %s closed the connection while lane %" PRIu32
                 " waited", w->session_id, w->peer, f.h.lane);
        return 0;
      }
      if (cf__waits_park(w, &f))
        break; /* f now belongs to w->waits */
      r = serve_call(w, &f, CUDA_SUCCESS);
      cf_frame_release(&f);
      if (r)
        return 1;
      break;
    case CF_FRAME_BYE:
      cf_frame_release(&f);
      cf_debug("session %" PRIu64 ": %s said bye", w->session_id, w->peer);
      return 0;
    default:
      cf_error("session %" PRIu64 ": %s: unexpected frame type %u after the "
               "handshake; ending the session", w->session_id, w->peer,
               (unsigned)f.h.type);
      cf_frame_release(&f);
      return 1;
    }
  }
}

int cf__worker_run(const struct cf_srv_options *o)
{
  struct cf_worker w;
  int flags, status = 1;

  memset(&w, 0, sizeof w);
  w.session_id = o->session_id;
  w.lim = o->lim;
  cf_compressor_init(&w.z, CF_COMPRESS_AUTO, 1);
  snprintf(w.peer, sizeof w.peer, "client");
  snprintf(log_tag, sizeof log_tag, "cuferryd[session %" PRIu64 "]",
           o->session_id);
  cf_log_init(log_tag);

  /* Die with the supervisor; if it is already gone, do not start. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != o->parent_pid) {
    cf_error("the supervisor (pid %ld) is gone", o->parent_pid);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  /* Nothing inherited beyond the client's socket and the control channel. */
  close_range(CONTROL_FD + 1, ~0u, 0);
  /* The socket came from libuv, non-blocking; the worker blocks. */
  flags = fcntl(WORKER_FD, F_GETFL);
  if (flags < 0 || fcntl(WORKER_FD, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
      fcntl(WORKER_FD, F_SETFD, FD_CLOEXEC) < 0 ||
      fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC) < 0) {
    cf_error("fds %d and %d are not the client's connection and the control channel",
             WORKER_FD, CONTROL_FD);
    return 1;
  }
  cf__image_cache_configure(o->image_cache);
  if (cf__worker_greet(&w, o, WORKER_FD) != 0)
    goto out;

  /* Before the driver loads: whatever it prints goes to the client. */
  if (cf__output_capture(&w.output) != 0)
    cf_warn("session %" PRIu64 ": device output stays on the server's stdout",
            w.session_id);
  if (cf__handles_new(o->max_handles ? (size_t)o->max_handles : CF_HANDLES_DEFAULT_CAP,
                      &w.handles) != 0 ||
      cf__lanes_new(&w.drv, &w.lanes) != 0 || cf__waits_new(&w.drv, &w.waits) != 0) {
    cf__worker_refuse(&w, "out of memory");
    goto out;
  }
  if (open_session(&w, o) != 0)
    goto out;
  status = serve(&w);
out:
  /* Waiter threads first: they use the driver table (in w) until joined;
   * parked frames nobody will answer now are freed with them. */
  cf__waits_free(w.waits);
  cf_rdma_listener_free(w.rdma_listener);
  cf__lanes_free(w.lanes);
  cf__handles_free(w.handles);
  cf_conn_close(w.conn);
  cf_tls_ctx_free(w.tls);
  cf__quota_free(&w);
  cf_compressor_free(&w.z);
  /* The driver stays loaded: exit releases it, and unloading a real driver
   * with live contexts is not safe. */
  return status;
}
