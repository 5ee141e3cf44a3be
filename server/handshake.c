/* The supervisor's half of the handshake: read one CF_FRAME_HELLO from a new
 * connection without blocking the loop, check it, and either hand the
 * connection to a worker (cf__srv_session_start) or refuse/close it. Reads
 * are bounded: libuv is given a buffer of exactly the bytes still missing
 * (header, then body), so nothing beyond the hello is consumed from the
 * socket before the worker takes it over, and the body is capped at
 * CF_SRV_MAX_HELLO_BODY. A timer closes connections that do not finish in
 * time.
 *
 * Each pending connection owns two handles (tcp, timer) and is freed when
 * both have closed. Everything runs on the supervisor's loop thread; the
 * pending list is file-static because the supervisor has exactly one loop. */
#include "internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"
#include "cf_proto.h"
#include "cf_session.pb-c.h"

enum hs_state { HS_HEADER, HS_BODY, HS_REFUSING, HS_CLOSING };

struct handshake {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_write_t wreq;
  struct cf_supervisor *sv;
  enum hs_state state;
  int open_handles;
  uint8_t hdr[CF_FRAME_HEADER_SIZE];
  struct cf_frame_header h;
  uint8_t *body;
  size_t have;        /* bytes of the current part received */
  uint8_t *out;       /* a refuse frame being written */
  char peer[96];
  struct handshake *prev, *next;
};

static struct handshake *pending;
static size_t n_pending;

static void on_handle_closed(uv_handle_t *h)
{
  struct handshake *hs = h->data;

  if (--hs->open_handles > 0)
    return;
  free(hs->body);
  free(hs->out);
  free(hs);
}

static void hs_close(struct handshake *hs)
{
  if (hs->state == HS_CLOSING)
    return;
  hs->state = HS_CLOSING;
  if (hs->prev)
    hs->prev->next = hs->next;
  else
    pending = hs->next;
  if (hs->next)
    hs->next->prev = hs->prev;
  n_pending--;
  uv_close((uv_handle_t *)&hs->tcp, on_handle_closed);
  uv_close((uv_handle_t *)&hs->timer, on_handle_closed);
}

void cf__srv_handshake_close_all(void)
{
  while (pending)
    hs_close(pending);
}

static void peer_name(uv_tcp_t *tcp, char *buf, size_t len)
{
  struct sockaddr_storage ss;
  int n = sizeof ss;
  char ip[64] = "?";

  snprintf(buf, len, "unknown peer");
  if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &n) != 0)
    return;
  if (ss.ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

    uv_ip4_name(a, ip, sizeof ip);
    snprintf(buf, len, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

    uv_ip6_name(a, ip, sizeof ip);
    snprintf(buf, len, "[%s]:%u", ip, (unsigned)ntohs(a->sin6_port));
  }
}

int cf__srv_refuse_pack(const char *reason, uint8_t **out, size_t *len)
{
  CfRefuse msg = CF_REFUSE__INIT;

  msg.protocol_version = CF_PROTOCOL_VERSION;
  msg.reason = (char *)reason;
  *len = cf_refuse__get_packed_size(&msg);
  *out = malloc(*len ? *len : 1);
  if (!*out) {
    *len = 0;
    return CF_ENOMEM;
  }
  cf_refuse__pack(&msg, *out);
  return 0;
}

static void on_refuse_written(uv_write_t *req, int status)
{
  (void)status;
  hs_close(req->data);
}

/* Send a refuse frame with reason, then close. */
static void refuse(struct handshake *hs, const char *reason)
{
  struct cf_frame_header h;
  uint8_t *body = NULL;
  size_t len = 0;
  uv_buf_t buf;

  uv_read_stop((uv_stream_t *)&hs->tcp);
  if (cf__srv_refuse_pack(reason, &body, &len) != 0 ||
      !(hs->out = malloc(CF_FRAME_HEADER_SIZE + len))) {
    free(body);
    hs_close(hs);
    return;
  }
  cf_frame_header_init(&h, CF_FRAME_REFUSE, 0, 0, (uint32_t)len, 0);
  cf_frame_header_encode(&h, hs->out);
  memcpy(hs->out + CF_FRAME_HEADER_SIZE, body, len);
  free(body);
  hs->state = HS_REFUSING;
  hs->wreq.data = hs;
  buf = uv_buf_init((char *)hs->out, (unsigned)(CF_FRAME_HEADER_SIZE + len));
  if (uv_write(&hs->wreq, (uv_stream_t *)&hs->tcp, &buf, 1,
               on_refuse_written) != 0)
    hs_close(hs);
}

/* Tell a client that speaks another protocol version so, then close. */
static void refuse_version(struct handshake *hs, unsigned client_version)
{
  char reason[128];

  snprintf(reason, sizeof reason,
           "protocol version mismatch: client speaks %u, server speaks %u",
           client_version, (unsigned)CF_PROTOCOL_VERSION);
  cf_warn("%s: %s", hs->peer, reason);
  refuse(hs, reason);
}

static void sanitise(char *dst, size_t dlen, const char *src)
{
  size_t i = 0;

  for (; src && src[i] && i + 1 < dlen; i++)
    dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
  dst[i] = '\0';
}

/* The whole hello is in: check it and hand the connection over. */
static void hello_done(struct handshake *hs)
{
  struct cf_srv_hello_info info;
  CfHello *hello;
  uv_os_fd_t fd;

  uv_read_stop((uv_stream_t *)&hs->tcp);
  hello = cf_hello__unpack(cf_proto_allocator(), hs->h.body_len, hs->body);
  if (!hello) {
    cf_warn("%s: malformed hello; closing", hs->peer);
    hs_close(hs);
    return;
  }
  if (hello->protocol_version != CF_PROTOCOL_VERSION) {
    unsigned v = hello->protocol_version;

    cf_hello__free_unpacked(hello, cf_proto_allocator());
    refuse_version(hs, v);
    return;
  }
  memset(&info, 0, sizeof info);
  snprintf(info.peer, sizeof info.peer, "%s", hs->peer);
  sanitise(info.client_name, sizeof info.client_name, hello->client_name);
  info.client_pid = hello->client_pid;
  cf_hello__free_unpacked(hello, cf_proto_allocator());

  if (uv_fileno((uv_handle_t *)&hs->tcp, &fd) != 0 ||
      cf__srv_session_start(hs->sv, fd, &info) != 0) {
    refuse(hs, "cuferryd could not start a session (see the server's log)");
    return;
  }
  hs_close(hs); /* the worker has its own copy of the socket */
}

static void header_done(struct handshake *hs)
{
  const struct cf_frame_limits lim = { CF_SRV_MAX_HELLO_BODY, 0 };
  int r = cf_frame_header_decode(hs->hdr, &lim, &hs->h);

  if (r == CF_EVERSION) {
    refuse_version(hs, hs->h.version);
    return;
  }
  if (r || hs->h.type != CF_FRAME_HELLO) {
    cf_warn("%s: not a cuferry hello (%s); closing", hs->peer,
            r ? cf_strerror(r) : "wrong frame type");
    hs_close(hs);
    return;
  }
  hs->state = HS_BODY;
  hs->have = 0;
  hs->body = malloc((size_t)hs->h.body_len + 1);
  if (!hs->body) {
    hs_close(hs);
    return;
  }
  if (hs->h.body_len == 0)
    hello_done(hs);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
  struct handshake *hs = h->data;

  (void)suggested;
  /* Exactly what is still missing, so the worker gets the rest. */
  if (hs->state == HS_HEADER)
    *buf = uv_buf_init((char *)hs->hdr + hs->have,
                       (unsigned)(CF_FRAME_HEADER_SIZE - hs->have));
  else if (hs->state == HS_BODY)
    *buf = uv_buf_init((char *)hs->body + hs->have,
                       (unsigned)(hs->h.body_len - hs->have));
  else
    *buf = uv_buf_init(NULL, 0);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
  struct handshake *hs = s->data;

  (void)buf;
  if (hs->state != HS_HEADER && hs->state != HS_BODY)
    return;
  if (n < 0) {
    if (n == UV_EOF)
      cf_info("%s closed the connection during the handshake", hs->peer);
    else
      cf_warn("%s: read failed during the handshake: %s", hs->peer,
              uv_strerror((int)n));
    hs_close(hs);
    return;
  }
  hs->have += (size_t)n;
  if (hs->state == HS_HEADER && hs->have == CF_FRAME_HEADER_SIZE)
    header_done(hs);
  else if (hs->state == HS_BODY && hs->have == hs->h.body_len)
    hello_done(hs);
}

static void on_timeout(uv_timer_t *t)
{
  struct handshake *hs = t->data;

  cf_warn("%s: no hello within %d s; closing", hs->peer,
          CF_SRV_HELLO_TIMEOUT_MS / 1000);
  hs_close(hs);
}

void cf__srv_handshake_accept(struct cf_supervisor *sv, uv_stream_t *server)
{
  struct handshake *hs = calloc(1, sizeof *hs);
  uv_loop_t *loop = server->loop;

  if (!hs) {
    cf_error("out of memory accepting a connection");
    return;
  }
  hs->sv = sv;
  uv_tcp_init(loop, &hs->tcp);
  uv_timer_init(loop, &hs->timer);
  hs->tcp.data = hs;
  hs->timer.data = hs;
  hs->open_handles = 2;
  hs->next = pending;
  if (pending)
    pending->prev = hs;
  pending = hs;
  n_pending++;

  if (uv_accept(server, (uv_stream_t *)&hs->tcp) != 0) {
    hs_close(hs);
    return;
  }
  peer_name(&hs->tcp, hs->peer, sizeof hs->peer);
  if (n_pending > CF_SRV_MAX_PENDING) {
    cf_warn("%s: more than %d connections in their handshake; closing",
            hs->peer, CF_SRV_MAX_PENDING);
    hs_close(hs);
    return;
  }
  /* Socket options stay with the socket into the worker: no Nagle delay
   * for small calls, and keepalive so that a worker whose client vanished
   * without a FIN does not block forever. */
  uv_tcp_nodelay(&hs->tcp, 1);
  uv_tcp_keepalive(&hs->tcp, 1, 60);
  uv_timer_start(&hs->timer, on_timeout, CF_SRV_HELLO_TIMEOUT_MS, 0);
  if (uv_read_start((uv_stream_t *)&hs->tcp, on_alloc, on_read) != 0)
    hs_close(hs);
}
