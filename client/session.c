/* The client's one session: configuration (config.c: the config file and
 * the environment), the connection made at cuInit (TLS unless the URL says
 * tcp://; an rdma:// session opens over TLS and then moves to RDMA,
 * rdma_join.c), the handshake with the client's token, and the synchronous call
 * path that every forwarded CUDA function goes through.
 *
 * Threads: any number of application threads call in. The session lock
 * guards the connection and this state; a thread holds it to write its
 * call, but not while it waits for the reply (replies.c routes replies by
 * sequence number), so one thread waiting in cuStreamSynchronize does not
 * hold up another's calls. Each thread has a lane id, minted on its first
 * call; the server runs a waiting lane's wait beside the others. Asynchronous calls (`async` rows) are queued without waiting
 * for a reply (sendq.c) and written with the next synchronous call, when the
 * queue grows past CF_SENDQ_FLUSH_BYTES, or by the flusher thread once the
 * oldest has waited FLUSH_DELAY_NS, so a lone launch is never held back
 * long; the server latches their errors for the next synchronising call.
 * A call's bulk (a copy's piece, a module image) is compressed as the
 * `compression` setting says (cf_codec.h); the server compresses its replies'
 * bulk as the handshake asked.
 * The session lives until the process exits; a destructor says goodbye to
 * the server so it can release the session at once. A child forked after
 * cuInit does not touch the parent's connection: its CUDA calls answer
 * CUDA_ERROR_NOT_INITIALIZED, as with NVIDIA's driver. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cf_api_ops.h"
#include "cf_client_rpc.h"
#include "cf_error.h"
#include "config.h"
#include "cuferry.h"
#include "cf_frame.h"
#include "cf_log.h"
#include "cf_proto.h"
#include "cf_transport.h"
#include "internal.h"

#define CONNECT_TIMEOUT_MS 5000
#define HANDSHAKE_TIMEOUT_MS 30000
#define SMALL_BODY 512
#define FLUSH_DELAY_NS 200000 /* 0.2 ms: the longest a queued call waits */
/* Replies held in memory while this process writes a call the server is
 * not reading yet (replies.c); past it, writing only waits. */
#define READ_AHEAD_MAX ((size_t)256 << 20)

static struct {
  pthread_mutex_t lock;
  int init_done;          /* cuInit ran (successfully or not) */
  CUresult init_result;
  int broken;             /* the connection failed; every call fails */
  struct cf_conn *conn;
  struct cf_frame_limits limits;
  uint64_t seq;
  CfWelcome *welcome;
  pid_t owner;            /* the process that connected; a forked child
                             must not use (or close) the parent's session */
  char server[sizeof ((struct cf_client_config *)0)->server];
  struct cf_client_config cfg;
  struct cf_tls_ctx *tls;
  int over_rdma;          /* rdma:// URL: open over TLS, then move to RDMA */
  struct cf_sendq queue;  /* asynchronous calls not yet written (sendq.c) */
  struct cf_compressor z; /* compresses the bulk of calls (cf_codec.h) */
  struct cf_replies replies; /* threads waiting for replies (replies.c) */
  pthread_cond_t queued;  /* signalled when the queue becomes non-empty */
  int flusher_started;    /* 1: running, -1: failed or stopped at exit */
  int flusher_stop;
  pthread_t flusher;
} S = {
  .lock = PTHREAD_MUTEX_INITIALIZER,
  .limits = { CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK },
  .replies = { .wake_fd = -1 },
};

/* The process id, kept rather than asked for on every call (getpid is a
 * system call); a fork handler renews it in the child. */
static pid_t cached_pid;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void pid_refresh(void)
{
  cached_pid = getpid();
}

static void pid_init(void)
{
  cached_pid = getpid();
  pthread_atfork(NULL, NULL, pid_refresh);
}

pid_t cf__pid(void)
{
  pthread_once(&pid_once, pid_init);
  return cached_pid;
}

/* Lane ids: minted on a thread's first call and handed back when the thread
 * exits (a key destructor), so a program that starts threads over and over
 * keeps using a few lanes rather than an ever-growing number. */
#define MAX_FREE_LANES 4096

static pthread_once_t lane_once = PTHREAD_ONCE_INIT;
static pthread_key_t lane_key;
static pthread_mutex_t lane_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t free_lanes[MAX_FREE_LANES], n_free_lanes, next_lane;
static _Thread_local uint32_t my_lane;

static void lane_release(void *v)
{
  uint32_t id = (uint32_t)(uintptr_t)v;
  pthread_mutex_lock(&lane_lock);
  if (n_free_lanes < MAX_FREE_LANES)
    free_lanes[n_free_lanes++] = id;
  pthread_mutex_unlock(&lane_lock);
}

static void lane_key_make(void)
{
  pthread_key_create(&lane_key, lane_release);
}

static uint32_t lane(void)
{
  if (!my_lane) {
    pthread_once(&lane_once, lane_key_make);
    pthread_mutex_lock(&lane_lock);
    my_lane = n_free_lanes ? free_lanes[--n_free_lanes] : ++next_lane;
    pthread_mutex_unlock(&lane_lock);
    pthread_setspecific(lane_key, (void *)(uintptr_t)my_lane);
  }
  return my_lane;
}

/* Set once, when cuInit succeeds, and never changed: device queries read it
 * without waiting for a call in flight on another thread. */
static _Atomic(const CfWelcome *) published;

static void set_broken(const char *what, int err)
{
  if (!S.broken)
    cf_error("lost the connection to %s (%s: %s); CUDA calls now fail",
             S.server, what, cf_strerror(err));
  S.broken = 1;
  cf__replies_fail(&S.replies);
}

/* Write the queued calls and then h (if not NULL) with body and bulk; lock
 * held. Returns 0, or the error with the session marked broken. */
static int write_out(const struct cf_frame_header *h, const void *body, const void *bulk)
{
  int rc = cf__sendq_send(&S.queue, S.conn, h, body, bulk);

  if (rc)
    set_broken("sending", rc);
  else
    cf__replies_sent(&S.replies, S.conn);
  return rc;
}

static CUresult handshake(void)
{
  CfHello hello = CF_HELLO__INIT;
  CfRefuse *no = NULL;
  struct cf_frame f;
  uint8_t *body = NULL;
  size_t body_len = 0;
  int rc;

  hello.protocol_version = CF_PROTOCOL_VERSION;
  hello.client_name = program_invocation_short_name;
  hello.client_pid = (uint32_t)getpid();
  hello.token = S.cfg.token;
  hello.compression = S.cfg.compression;
  hello.features = S.over_rdma ? CF_FEATURE_RDMA : 0;
  if ((rc = cf_proto_pack(&hello.base, &body, &body_len)) != 0 ||
      (rc = cf_frame_send(S.conn, CF_FRAME_HELLO, 0, 0, 0, body, body_len, NULL, 0)) != 0) {
    free(body);
    cf_error("cannot reach %s: sending the handshake: %s", S.server, cf_strerror(rc));
    return CUDA_ERROR_NO_DEVICE;
  }
  free(body);
  cf_conn_set_timeout(S.conn, HANDSHAKE_TIMEOUT_MS);
  rc = cf_frame_recv(S.conn, &S.limits, NULL, 0, &f);
  cf_conn_set_timeout(S.conn, 0);
  if (rc != 0) {
    cf_error("cannot use %s: no handshake answer (%s)", S.server,
             rc == CF_EMAGIC ? "the server does not speak cuferry" : cf_strerror(rc));
    return CUDA_ERROR_NO_DEVICE;
  }
  rc = cf__session_answer_parse(&f, &S.welcome, &no);
  cf_frame_release(&f);
  if (rc == CF_EPERM) {
    cf_error("%s refused the session: %s", S.server,
             no && no->reason ? no->reason : "(no reason given)");
    if (no)
      cf_refuse__free_unpacked(no, cf_proto_allocator());
    return CUDA_ERROR_NO_DEVICE;
  }
  if (rc) {
    cf_error("cannot use %s: malformed handshake answer", S.server);
    return CUDA_ERROR_NO_DEVICE;
  }
  /* The token has done its work: do not keep it in memory. */
  explicit_bzero(S.cfg.token, sizeof S.cfg.token);
  /* The server may lower the frame limits, not raise them: they also bound
   * what this process allocates for a reply, so a server cannot make it
   * take bodies or bulks past the defaults. */
  if (S.welcome->max_body && S.welcome->max_body < S.limits.max_body)
    S.limits.max_body = S.welcome->max_body;
  if (S.welcome->max_bulk && S.welcome->max_bulk < S.limits.max_bulk)
    S.limits.max_bulk = S.welcome->max_bulk;
  cf_debug("session %llu on %s: %s, %zu device(s)",
           (unsigned long long)S.welcome->session_id, S.server,
           S.welcome->server_name, S.welcome->n_devices);
  return CUDA_SUCCESS;
}

/* The TLS context the configuration asks for. */
static int make_tls(char *err, size_t errlen)
{
  struct cf_tls_config tc = {
    .ca_file = *S.cfg.ca_file ? S.cfg.ca_file : NULL,
    .cert_file = *S.cfg.cert_file ? S.cfg.cert_file : NULL,
    .key_file = *S.cfg.key_file ? S.cfg.key_file : NULL,
  };

  return cf_tls_ctx_new_client(&tc, &S.tls, err, errlen);
}

/* After the welcome of an rdma:// session: join the worker over RDMA and
 * make that connection the session's (the TLS one is closed). */
static CUresult move_to_rdma(const struct cf_url *u, int timeout)
{
  struct cf_conn *c = NULL;
  char err[512] = "";
  int rc;

  if ((rc = cf__rdma_join(u, S.welcome, timeout, &c, err, sizeof err)) != 0) {
    cf_error("cannot move the session with %s to RDMA: %s", S.server, err);
    return CUDA_ERROR_NO_DEVICE;
  }
  if (cf_conn_set_read_ahead(c, READ_AHEAD_MAX) != 0) {
    cf_error("cannot set up the connection to %s: out of resources", S.server);
    cf_conn_close(c);
    return CUDA_ERROR_NO_DEVICE;
  }
  cf_conn_set_pinned_query(c, cf__pinned_block);
  cf_conn_close(S.conn);
  S.conn = c;
  cf_debug("session %llu on %s: moved to RDMA", (unsigned long long)S.welcome->session_id,
           S.server);
  return CUDA_SUCCESS;
}

static CUresult connect_server(void)
{
  struct cf_url u;
  char err[512] = "";
  CUresult cr;
  int rc, timeout;

  if (cf__client_config_load(&S.cfg, err, sizeof err) != 0) {
    cf_error("%s", err);
    return CUDA_ERROR_NO_DEVICE;
  }
  if (!*S.cfg.server) {
    cf_error("no server configured: set CUFERRY_SERVER=tls://HOST:PORT or write "
             "~/.config/cuferry/client.conf (server = tls://HOST:PORT)");
    return CUDA_ERROR_NO_DEVICE;
  }
  snprintf(S.server, sizeof S.server, "%s", S.cfg.server);
  if (cf_url_parse_err(S.cfg.server, &u, err, sizeof err) != 0) {
    cf_error("%s%s%s", *S.cfg.source ? S.cfg.source : "CUFERRY_SERVER",
             *S.cfg.source ? ": server: " : ": ", err);
    return CUDA_ERROR_NO_DEVICE;
  }
  {
    enum cf_compress_mode mode;
    int level;

    if (cf_compress_parse(S.cfg.compression, &mode, &level, err, sizeof err) != 0)
      mode = CF_COMPRESS_AUTO, level = 1; /* config load checked it */
    cf_compressor_init(&S.z, mode, level);
  }
  S.owner = cf__pid();
  timeout = S.cfg.connect_timeout_ms > 0 ? S.cfg.connect_timeout_ms : CONNECT_TIMEOUT_MS;
  /* rdma://HOST:PORT: the session opens over TLS at HOST:PORT first. */
  S.over_rdma = strcmp(u.scheme, "rdma") == 0;
  if (S.over_rdma || strcmp(u.scheme, "tls") == 0) {
    struct cf_url tls_url = u;

    snprintf(tls_url.scheme, sizeof tls_url.scheme, "tls");
    if ((rc = make_tls(err, sizeof err)) == 0)
      rc = cf_conn_connect_tls(&tls_url, S.tls, timeout, &S.conn, err, sizeof err);
  } else {
    rc = cf_conn_connect(&u, timeout, &S.conn, err, sizeof err);
  }
  if (rc != 0) {
    cf_error("cannot reach %s: %s", S.server, *err ? err : cf_strerror(rc));
    return CUDA_ERROR_NO_DEVICE;
  }
  if (cf__replies_init(&S.replies, &S.lock) != 0 ||
      cf_conn_set_read_ahead(S.conn, READ_AHEAD_MAX) != 0) {
    cf_error("cannot set up the connection to %s: out of resources", S.server);
    return CUDA_ERROR_NO_DEVICE;
  }
  if ((cr = handshake()) != CUDA_SUCCESS || !S.over_rdma)
    return cr;
  return move_to_rdma(&u, timeout);
}

CUresult cf__session_init(void)
{
  pthread_mutex_lock(&S.lock);
  if (!S.init_done) {
    cf_log_init("cuferry");
    S.init_result = connect_server();
    if (S.init_result != CUDA_SUCCESS && S.conn) {
      cf_conn_close(S.conn);
      S.conn = NULL;
    }
    if (S.init_result == CUDA_SUCCESS)
      atomic_store_explicit(&published, S.welcome, memory_order_release);
    S.init_done = 1;
  } else if (S.init_result == CUDA_SUCCESS && cf__pid() != S.owner) {
    /* As with a real driver, CUDA is not usable in a child after fork. */
    pthread_mutex_unlock(&S.lock);
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  pthread_mutex_unlock(&S.lock);
  return S.init_result;
}

const CfWelcome *cf__session_welcome(void)
{
  const CfWelcome *w = atomic_load_explicit(&published, memory_order_acquire);
  return w && cf__pid() == S.owner ? w : NULL;
}

size_t cf__session_max_bulk(void)
{
  return (size_t)S.limits.max_bulk;
}

/* req packed into small, or into *body from malloc when it does not fit;
 * CUDA_ERROR_INVALID_VALUE when it or a bulk of bulk_len is over the
 * server's limits. The caller frees *body when it is not small. */
static CUresult pack_request(const ProtobufCMessage *req, size_t bulk_len,
                             uint8_t small[static SMALL_BODY], uint8_t **body, size_t *len)
{
  *len = protobuf_c_message_get_packed_size(req);
  *body = small;
  if (*len > S.limits.max_body || bulk_len > S.limits.max_bulk)
    return CUDA_ERROR_INVALID_VALUE;
  if (*len > SMALL_BODY && !(*body = malloc(*len)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  protobuf_c_message_pack(req, *body);
  return CUDA_SUCCESS;
}

/* Whether calls may use the session now; with the lock held. */
static CUresult session_usable(void)
{
  if (!S.init_done || S.init_result != CUDA_SUCCESS || cf__pid() != S.owner)
    return CUDA_ERROR_NOT_INITIALIZED;
  return S.broken ? CUDA_ERROR_DEVICE_UNAVAILABLE : CUDA_SUCCESS;
}

/* Send one call and wait for its reply in w (cf__replies_forget it);
 * called with S.lock held, which the wait releases while nothing arrives.
 * Returns 0, or the error with the session marked broken. */
static int exchange(uint32_t op, const uint8_t *body, size_t body_len,
                    const void *bulk_in, size_t bulk_in_len, void *bulk_out,
                    size_t bulk_out_cap, struct cf_waiter *w)
{
  uint64_t seq = ++S.seq;
  struct cf_frame_header h;
  int rc;

  cf_frame_header_init(&h, CF_FRAME_CALL, op, seq, (uint32_t)body_len, bulk_in_len);
  h.lane = lane();
  cf_frame_pack_bulk(S.conn, &h, &S.z, &bulk_in);
  cf__replies_expect(&S.replies, w, seq, op, bulk_out, bulk_out_cap);
  /* The queued asynchronous calls go first, in the same write. */
  rc = write_out(&h, body, bulk_in);
  cf_compressor_release(&S.z);
  if (rc == 0 && (rc = cf__replies_wait(&S.replies, S.conn, &S.limits, w)) != 0)
    set_broken("receiving", rc);
  return rc;
}

/* Every reply message starts with sint32 result = 1 (tools/gen/gen_api.py),
 * which protobuf-c lays out right after the message base. */
struct reply_head {
  ProtobufCMessage base;
  int32_t result;
};

CUresult cf__client_call(uint32_t op, const ProtobufCMessage *req,
                         const void *bulk_in, size_t bulk_in_len,
                         const ProtobufCMessageDescriptor *rep_desc,
                         ProtobufCMessage **rep, void *bulk_out,
                         size_t bulk_out_cap)
{
  uint8_t small[SMALL_BODY], *body;
  size_t body_len;
  struct cf_waiter w = { 0 };
  CUresult r;

  *rep = NULL;
  if (bulk_out_cap > S.limits.max_bulk)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = pack_request(req, bulk_in_len, small, &body, &body_len)) != CUDA_SUCCESS)
    return r;

  pthread_mutex_lock(&S.lock);
  if ((r = session_usable()) == CUDA_SUCCESS &&
      exchange(op, body, body_len, bulk_in, bulk_in_len, bulk_out, bulk_out_cap, &w) != 0)
    r = CUDA_ERROR_DEVICE_UNAVAILABLE;
  else if (r == CUDA_SUCCESS) {
    uint64_t got_bulk = w.f.h.bulk_len;
    *rep = protobuf_c_message_unpack(rep_desc, cf_proto_allocator(), w.f.h.body_len, w.f.body);
    /* A successful reply whose bulk is shorter than the room given (a row
     * whose answer can be shorter, or a server in error) leaves the rest
     * zeroed, never stale; a failed call leaves the caller's buffer alone,
     * as the driver does. */
    if (*rep && ((const struct reply_head *)*rep)->result == CUDA_SUCCESS && bulk_out &&
        got_bulk < bulk_out_cap)
      memset((uint8_t *)bulk_out + got_bulk, 0, bulk_out_cap - (size_t)got_bulk);
    if (!*rep) {
      set_broken("malformed reply", CF_EPROTO);
      r = CUDA_ERROR_DEVICE_UNAVAILABLE;
    }
  }
  cf__replies_forget(&S.replies, &w);
  pthread_mutex_unlock(&S.lock);
  if (body != small)
    free(body);
  switch (op) { /* calls that may change the thread's current context */
  case CF_OP_cuCtxDestroy_v2:
  case CF_OP_cuDevicePrimaryCtxRelease_v2:
  case CF_OP_cuDevicePrimaryCtxReset_v2:
    cf__vouch_reset(); /* and may end a context with everything in it */
    /* fall through */
  case CF_OP_cuCtxCreate_v2:
  case CF_OP_cuCtxSetCurrent:
  case CF_OP_cuCtxPushCurrent_v2:
  case CF_OP_cuCtxPopCurrent_v2:
    cf__ctx_current_forget();
    break;
  default:
    break;
  }
  if (*rep)
    cf__vouch_note_result((CUresult)((const struct reply_head *)*rep)->result);
  return r;
}

CUresult cf__client_call_pipelined(uint32_t op, const ProtobufCMessageDescriptor *rep_desc,
                                   const struct cf_pipelined_call *calls, size_t n,
                                   size_t window)
{
  struct cf_waiter *ws;
  size_t sent = 0, got = 0;
  CUresult r, first_err = CUDA_SUCCESS;
  int rc = 0;

  if (window == 0 || window > n)
    window = n ? n : 1;
  if (!(ws = calloc(window, sizeof *ws)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  pthread_mutex_lock(&S.lock);
  if ((r = session_usable()) != CUDA_SUCCESS) {
    pthread_mutex_unlock(&S.lock);
    free(ws);
    return r;
  }
  while (got < n && rc == 0) {
    /* Keep up to window requests in flight; none after a failure. */
    while (sent < n && sent - got < window && first_err == CUDA_SUCCESS && rc == 0) {
      const struct cf_pipelined_call *c = &calls[sent];
      uint8_t small[SMALL_BODY], *body;
      size_t len;
      struct cf_frame_header h;

      if ((r = pack_request(c->req, 0, small, &body, &len)) != CUDA_SUCCESS) {
        first_err = r;
        break;
      }
      cf_frame_header_init(&h, CF_FRAME_CALL, op, ++S.seq, (uint32_t)len, 0);
      h.lane = lane();
      cf__replies_expect(&S.replies, &ws[sent % window], h.seq, op, c->bulk_out, c->bulk_out_cap);
      rc = write_out(&h, body, NULL);
      if (body != small)
        free(body);
      sent++;
    }
    if (got == sent || rc)
      break;
    {
      const struct cf_pipelined_call *c = &calls[got];
      struct cf_waiter *w = &ws[got % window];
      ProtobufCMessage *rep;

      if ((rc = cf__replies_wait(&S.replies, S.conn, &S.limits, w)) != 0) {
        set_broken("receiving", rc);
        break;
      }
      if (!(rep = protobuf_c_message_unpack(rep_desc, cf_proto_allocator(), w->f.h.body_len,
                                            w->f.body))) {
        set_broken("malformed reply", CF_EPROTO);
        rc = CF_EPROTO;
        break;
      }
      r = (CUresult)((const struct reply_head *)rep)->result;
      if (r == CUDA_SUCCESS && w->f.h.bulk_len != c->bulk_out_cap)
        r = CUDA_ERROR_UNKNOWN; /* a short answer to a copy */
      if (r != CUDA_SUCCESS && first_err == CUDA_SUCCESS)
        first_err = r;
      protobuf_c_message_free_unpacked(rep, cf_proto_allocator());
      cf__replies_forget(&S.replies, w);
      got++;
    }
  }
  /* After a failure, calls in flight are not waited for any more. */
  for (; got < sent; got++)
    cf__replies_forget(&S.replies, &ws[got % window]);
  if (rc)
    first_err = CUDA_ERROR_DEVICE_UNAVAILABLE;
  pthread_mutex_unlock(&S.lock);
  free(ws);
  cf__vouch_note_result(first_err);
  return first_err;
}

/* The flusher: writes the queue once its oldest call has waited
 * FLUSH_DELAY_NS, so that an asynchronous call followed by no other call
 * still reaches the server. Runs until the process exits (flusher_stop);
 * holds the session lock except while it sleeps. */
static void *flusher_main(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&S.lock);
  while (S.conn && !S.flusher_stop) {
    uint64_t due = cf__sendq_due_ns(&S.queue, FLUSH_DELAY_NS);

    if (!due) {
      pthread_cond_wait(&S.queued, &S.lock);
    } else if (cf_monotonic_ns() >= due) {
      write_out(NULL, NULL, NULL);
    } else {
      struct timespec ts = { (time_t)(due / 1000000000u), (long)(due % 1000000000u) };

      pthread_cond_timedwait(&S.queued, &S.lock, &ts);
    }
  }
  pthread_mutex_unlock(&S.lock);
  return NULL;
}

/* At exit, before OpenSSL's own exit handler (registered earlier, so run
 * later) tears down its per-thread state: write what is queued and end the
 * flusher, whose exit then frees what OpenSSL keeps for it. Later
 * asynchronous calls (from other exit handlers) are written at once. */
static void flusher_stop(void)
{
  int join = 0;

  pthread_mutex_lock(&S.lock);
  if (S.flusher_started > 0 && cf__pid() == S.owner) {
    if (S.conn && !S.broken)
      write_out(NULL, NULL, NULL);
    S.flusher_stop = 1;
    S.flusher_started = -1;
    pthread_cond_signal(&S.queued);
    join = 1;
  }
  pthread_mutex_unlock(&S.lock);
  if (join)
    pthread_join(S.flusher, NULL);
}

/* Start the flusher on the first asynchronous call; with the lock held. 0 or
 * -1 (no thread: the caller writes its call at once instead). */
static int flusher_start(void)
{
  pthread_condattr_t a;

  if (S.flusher_started)
    return S.flusher_started > 0 ? 0 : -1;
  S.flusher_started = -1;
  if (pthread_condattr_init(&a) || pthread_condattr_setclock(&a, CLOCK_MONOTONIC) ||
      pthread_cond_init(&S.queued, &a))
    return -1;
  pthread_condattr_destroy(&a);
  if (pthread_create(&S.flusher, NULL, flusher_main, NULL) != 0) {
    pthread_cond_destroy(&S.queued);
    return -1;
  }
  S.flusher_started = 1;
  atexit(flusher_stop);
  return 0;
}

CUresult cf__client_call_async(uint32_t op, const ProtobufCMessage *req,
                               const void *bulk_in, size_t bulk_in_len)
{
  uint8_t small[SMALL_BODY], *body;
  size_t body_len;
  struct cf_frame_header h;
  CUresult r;
  int rc;

  if ((r = pack_request(req, bulk_in_len, small, &body, &body_len)) != CUDA_SUCCESS)
    return r;

  pthread_mutex_lock(&S.lock);
  if ((r = session_usable()) == CUDA_SUCCESS) {
    int was_empty = S.queue.frames == 0;

    cf_frame_header_init(&h, CF_FRAME_CALL, op, ++S.seq, (uint32_t)body_len, bulk_in_len);
    h.lane = lane();
    h.flags = CF_FRAME_F_NOREPLY;
    cf_frame_pack_bulk(S.conn, &h, &S.z, &bulk_in);
    if (h.bulk_len > CF_SENDQ_INLINE_BULK || flusher_start() != 0) {
      rc = write_out(&h, body, bulk_in);
    } else if ((rc = cf__sendq_add(&S.queue, &h, body, body_len, bulk_in,
                                   (size_t)h.bulk_len)) == CF_ENOMEM) {
      rc = write_out(&h, body, bulk_in);
    } else if (S.queue.len >= CF_SENDQ_FLUSH_BYTES) {
      rc = write_out(NULL, NULL, NULL);
    } else if (was_empty) {
      pthread_cond_signal(&S.queued);
    }
    cf_compressor_release(&S.z);
    if (rc)
      r = CUDA_ERROR_DEVICE_UNAVAILABLE;
  }
  pthread_mutex_unlock(&S.lock);
  if (body != small)
    free(body);
  return r;
}

CF_EXPORT CUresult cuferry_set_compression(const char *mode)
{
  enum cf_compress_mode m;
  int level;
  char why[160];
  CUresult r;

  if (!mode || cf_compress_parse(mode, &m, &level, why, sizeof why) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  pthread_mutex_lock(&S.lock);
  r = session_usable();
  pthread_mutex_unlock(&S.lock);
  if (r == CUDA_SUCCESS && (r = cf__rpc_cfSetCompression(mode)) == CUDA_SUCCESS) {
    pthread_mutex_lock(&S.lock);
    cf_compressor_set(&S.z, m, level);
    pthread_mutex_unlock(&S.lock);
  }
  return r;
}

CF_EXPORT void cuferry_get_compression_stats(struct cuferry_compression_stats *out)
{
  pthread_mutex_lock(&S.lock);
  out->sent_raw = S.z.stats.raw_bytes;
  out->sent_wire = S.z.stats.wire_bytes;
  out->received_raw = S.replies.received_raw;
  out->received_wire = S.replies.received_wire;
  pthread_mutex_unlock(&S.lock);
}

CF_EXPORT void cuferry_get_rdma_stats(struct cuferry_rdma_stats *out)
{
  struct cf_conn_rdma_stats st;

  pthread_mutex_lock(&S.lock);
  cf_conn_rdma_stats(S.conn, &st);
  pthread_mutex_unlock(&S.lock);
  out->direct_sent = st.direct_sent;
  out->direct_received = st.direct_received;
  out->staged_received = st.staged_received;
  out->registrations = st.registrations;
}

void cf__session_forget_memory(const void *p, size_t len)
{
  pthread_mutex_lock(&S.lock);
  if (S.conn && cf__pid() == S.owner)
    cf_conn_forget_memory(S.conn, p, len);
  pthread_mutex_unlock(&S.lock);
}

void cf__client_free_reply(ProtobufCMessage *rep)
{
  if (rep)
    protobuf_c_message_free_unpacked(rep, cf_proto_allocator());
}

/* Say goodbye so the server ends the session at once rather than on EOF. */
__attribute__((destructor)) static void session_end(void)
{
  pthread_mutex_lock(&S.lock);
  if (S.conn && cf__pid() == S.owner) {
    if (!S.broken) {
      struct cf_frame_header h;

      cf_frame_header_init(&h, CF_FRAME_BYE, 0, ++S.seq, 0, 0);
      cf__sendq_send(&S.queue, S.conn, &h, NULL, NULL); /* queued calls first */
    }
    /* A thread still waiting for a reply wakes, finds the session failed
     * and leaves the connection alone. */
    cf__replies_fail(&S.replies);
    cf_conn_close(S.conn);
    S.conn = NULL;
    cf__sendq_free(&S.queue);
    cf_compressor_free(&S.z);
  }
  pthread_mutex_unlock(&S.lock);
}

/* Lets cuferryd recognise this library and refuse to use it as its driver. */
CF_EXPORT const char cuferry_client_stub[] = "cuferry client stub " CF_VERSION;
