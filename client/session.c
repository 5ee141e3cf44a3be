/* The client's one session: configuration (config.c: the config file and
 * the environment), the connection made at cuInit (TLS unless the URL says
 * tcp://), the handshake with the client's token, and the synchronous call
 * path that every forwarded CUDA function goes through.
 *
 * Threads: any number of application threads call in; a mutex lets one call
 * at a time use the connection (the asynchronous, multi-lane pipeline comes
 * with the speed work). Each thread has a lane id, minted on its first call.
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
#include <unistd.h>

#include "cf_api_ops.h"
#include "cf_error.h"
#include "config.h"
#include "cf_frame.h"
#include "cf_log.h"
#include "cf_proto.h"
#include "cf_transport.h"
#include "internal.h"

#define CONNECT_TIMEOUT_MS 5000
#define HANDSHAKE_TIMEOUT_MS 30000
#define SMALL_BODY 512

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
} S = {
  .lock = PTHREAD_MUTEX_INITIALIZER,
  .limits = { CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK },
};

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
  if (S.welcome->max_body)
    S.limits.max_body = S.welcome->max_body;
  if (S.welcome->max_bulk)
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

static CUresult connect_server(void)
{
  struct cf_url u;
  char err[512] = "";
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
  S.owner = getpid();
  timeout = S.cfg.connect_timeout_ms > 0 ? S.cfg.connect_timeout_ms : CONNECT_TIMEOUT_MS;
  if (strcmp(u.scheme, "tls") == 0) {
    if ((rc = make_tls(err, sizeof err)) == 0)
      rc = cf_conn_connect_tls(&u, S.tls, timeout, &S.conn, err, sizeof err);
  } else {
    rc = cf_conn_connect(&u, timeout, &S.conn, err, sizeof err);
  }
  if (rc != 0) {
    cf_error("cannot reach %s: %s", S.server, *err ? err : cf_strerror(rc));
    return CUDA_ERROR_NO_DEVICE;
  }
  return handshake();
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
  } else if (S.init_result == CUDA_SUCCESS && getpid() != S.owner) {
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
  return w && getpid() == S.owner ? w : NULL;
}

size_t cf__session_max_bulk(void)
{
  return (size_t)S.limits.max_bulk;
}

/* Send one call and read its reply; called with S.lock held. */
static int exchange(uint32_t op, const uint8_t *body, size_t body_len,
                    const void *bulk_in, size_t bulk_in_len, void *bulk_out,
                    size_t bulk_out_cap, struct cf_frame *f)
{
  uint64_t seq = ++S.seq;
  int rc = cf_frame_send(S.conn, CF_FRAME_CALL, lane(), op, seq, body, body_len,
                         bulk_in, bulk_in_len);
  if (rc != 0) {
    set_broken("sending", rc);
    return rc;
  }
  /* Device output (printf in kernels) comes before the reply, as frames of
   * its own; it goes to this program's stdout, where a local GPU's would. */
  while ((rc = cf_frame_recv(S.conn, &S.limits, bulk_out, bulk_out_cap, f)) == 0 &&
         f->h.type == CF_FRAME_OUTPUT) {
    fwrite(f->body, 1, f->h.body_len, stdout);
    fflush(stdout);
    cf_frame_release(f);
  }
  if (rc != 0) {
    set_broken("receiving", rc);
    return rc;
  }
  if (f->h.type != CF_FRAME_REPLY || f->h.seq != seq || f->h.op != op ||
      (f->h.bulk_len && f->bulk != bulk_out)) {
    cf_frame_release(f);
    set_broken("reply out of order or oversized", CF_EPROTO);
    return CF_EPROTO;
  }
  return 0;
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
  uint8_t small[SMALL_BODY], *body = small;
  size_t body_len = protobuf_c_message_get_packed_size(req);
  struct cf_frame f;
  CUresult r = CUDA_SUCCESS;

  *rep = NULL;
  if (body_len > S.limits.max_body || bulk_in_len > S.limits.max_bulk ||
      bulk_out_cap > S.limits.max_bulk)
    return CUDA_ERROR_INVALID_VALUE;
  if (body_len > sizeof small && !(body = malloc(body_len)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  protobuf_c_message_pack(req, body);

  pthread_mutex_lock(&S.lock);
  if (!S.init_done || S.init_result != CUDA_SUCCESS || getpid() != S.owner)
    r = CUDA_ERROR_NOT_INITIALIZED;
  else if (S.broken)
    r = CUDA_ERROR_DEVICE_UNAVAILABLE;
  else if (exchange(op, body, body_len, bulk_in, bulk_in_len, bulk_out,
                    bulk_out_cap, &f) != 0)
    r = CUDA_ERROR_DEVICE_UNAVAILABLE;
  else {
    uint64_t got_bulk = f.h.bulk_len; /* cf_frame_release clears f */
    *rep = protobuf_c_message_unpack(rep_desc, cf_proto_allocator(), f.h.body_len, f.body);
    cf_frame_release(&f);
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
  pthread_mutex_unlock(&S.lock);
  if (body != small)
    free(body);
  switch (op) { /* calls that may change the thread's current context */
  case CF_OP_cuCtxCreate_v2:
  case CF_OP_cuCtxDestroy_v2:
  case CF_OP_cuCtxSetCurrent:
  case CF_OP_cuCtxPushCurrent_v2:
  case CF_OP_cuCtxPopCurrent_v2:
  case CF_OP_cuDevicePrimaryCtxRelease_v2:
  case CF_OP_cuDevicePrimaryCtxReset_v2:
    cf__ctx_current_forget();
    break;
  default:
    break;
  }
  return r;
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
  if (S.conn && getpid() == S.owner) {
    if (!S.broken)
      cf_frame_send(S.conn, CF_FRAME_BYE, 0, 0, ++S.seq, NULL, 0, NULL, 0);
    cf_conn_close(S.conn);
    S.conn = NULL;
  }
  pthread_mutex_unlock(&S.lock);
}

/* Lets cuferryd recognise this library and refuse to use it as its driver. */
CF_EXPORT const char cuferry_client_stub[] = "cuferry client stub " CF_VERSION;
