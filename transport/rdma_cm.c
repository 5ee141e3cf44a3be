/* Setting up and tearing down RDMA connections with librdmacm: the client's
 * connect (resolve address and route, rdma_connect), the listener and
 * accept that the server uses, and the per-connection verbs resources (PD,
 * a CQ and completion channel each way, the RC QP, the registered buffer
 * pools, the epoll fd callers poll). The data path is rdma.c's.
 *
 * Each connection has its own CM event channel (an accepted id is migrated
 * off the listener's), so its disconnect shows on its own fd and no thread
 * ever reads another connection's events. Every CM event is acked as soon as
 * it is read, so rdma_destroy_id never waits. Every fd made here is
 * close-on-exec and non-blocking (the client lives in a user's program,
 * which may fork and exec). A listener, like a connection, is used by one
 * thread at a time. */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <rdma/rdma_cma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cf_error.h"

/* Address and route resolution each get this long when the caller set no
 * timeout (librdmacm needs one). */
#define RESOLVE_MS 5000
/* Connection requests queued on a listener before the kernel rejects. */
#define LISTEN_BACKLOG 64
/* How long close waits for sends in flight to complete before it
 * disconnects anyway (a peer that is gone flushes them sooner). */
#define CLOSE_DRAIN_MS 2000

/* Registered memory must not be shared copy-on-write with a child the
 * process forks (the adapter would keep writing the parent's old pages):
 * ibv_fork_init marks registrations MADV_DONTFORK (kernels that handle
 * fork themselves make it a no-op). It must come before any other verbs
 * call, so both entry points run it first, once. */
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_safe(void)
{
  (void)ibv_fork_init();
}

struct cf_rdma_listener {
  struct rdma_event_channel *ch;
  struct rdma_cm_id *id;
  int port;
};

int cf__rdma_fd_setup(int fd)
{
  int fl = fcntl(fd, F_GETFD);

  if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
    return -1;
  fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return -1;
  return 0;
}

/* A CM event channel with a non-blocking fd; NULL with errno on failure.
 * The first verbs work of a process starts here (fork_safe first). */
static struct rdma_event_channel *new_channel(void)
{
  struct rdma_event_channel *ch;
  int e;

  pthread_once(&fork_once, fork_safe);
  ch = rdma_create_event_channel();
  if (ch && cf__rdma_fd_setup(ch->fd) < 0) {
    e = errno;
    rdma_destroy_event_channel(ch);
    errno = e;
    return NULL;
  }
  return ch;
}

/* The error for a failed rdma_create_event_channel: no rdma_cm device
 * means this machine has no RDMA, which is "unsupported" to the caller. */
static int channel_error(int e, char *err, size_t errlen)
{
  if (e == ENODEV || e == ENOENT || e == ENXIO) {
    cf__conn_seterr(err, errlen, "rdma:// transport: no RDMA device on this machine (%s)",
                    strerror(e));
    return CF_EUNSUP;
  }
  cf__conn_seterr(err, errlen, "rdma_create_event_channel: %s", strerror(e));
  return e == ENOMEM ? CF_ENOMEM : CF_EIO;
}

/* Wait for the next event on ch until deadline_ms (< 0: never) and ack it;
 * *type and *status say what it was, *id which id it was for. Returns 0,
 * CF_ETIMEDOUT or CF_EIO. */
static int next_event(struct rdma_event_channel *ch, int64_t deadline_ms,
                      enum rdma_cm_event_type *type, int *status, struct rdma_cm_id **id)
{
  struct rdma_cm_event *ev;
  int rc;

  for (;;) {
    if (rdma_get_cm_event(ch, &ev) == 0)
      break;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return CF_EIO;
    if ((rc = cf__tcp_wait_fd(ch->fd, POLLIN, deadline_ms)) < 0)
      return rc;
  }
  *type = ev->event;
  *status = ev->status;
  if (id)
    *id = ev->id;
  rdma_ack_cm_event(ev);
  return 0;
}

/* Wait for the event `want` on ch, failing on any other. */
static int expect_event(struct rdma_event_channel *ch, int64_t deadline_ms,
                        enum rdma_cm_event_type want, char *err, size_t errlen)
{
  enum rdma_cm_event_type type;
  int status, rc = next_event(ch, deadline_ms, &type, &status, NULL);

  if (rc == CF_ETIMEDOUT) {
    cf__conn_seterr(err, errlen, "timed out waiting for %s", rdma_event_str(want));
    return rc;
  }
  if (rc < 0) {
    cf__conn_seterr(err, errlen, "rdma_get_cm_event: %s", strerror(errno));
    return rc;
  }
  if (type == want)
    return 0;
  switch (type) {
  case RDMA_CM_EVENT_REJECTED:
    cf__conn_seterr(err, errlen, "connection refused");
    return CF_EREFUSED;
  case RDMA_CM_EVENT_ADDR_ERROR:
    cf__conn_seterr(err, errlen, "no RDMA device reaches that address (%s)", strerror(-status));
    return CF_ENOTFOUND;
  case RDMA_CM_EVENT_DISCONNECTED:
    cf__conn_seterr(err, errlen, "the peer disconnected");
    return CF_ECLOSED;
  default:
    cf__conn_seterr(err, errlen, "%s (status %d) while waiting for %s", rdma_event_str(type),
                    status, rdma_event_str(want));
    return type == RDMA_CM_EVENT_UNREACHABLE ? CF_ETIMEDOUT : CF_EIO;
  }
}

static void format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
  char host[INET6_ADDRSTRLEN];

  snprintf(buf, len, "?");
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    if (inet_ntop(AF_INET, &a->sin_addr, host, sizeof host))
      snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(a->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    if (inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host))
      snprintf(buf, len, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
  }
}

/* ---- per-connection resources ---------------------------------------------- */

int cf__rdma_post_recv(struct cf__rdma_conn *c, uint32_t i)
{
  struct ibv_sge sge = {
    .addr = (uintptr_t)(c->rx_mem + (size_t)i * CF__RDMA_BUF_SIZE),
    .length = (uint32_t)CF__RDMA_BUF_SIZE,
    .lkey = c->rx_mr->lkey,
  };
  struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 }, *bad = NULL;

  return ibv_post_recv(c->id->qp, &wr, &bad) == 0 ? 0 : CF_EIO;
}

/* A completion channel with a non-blocking fd and its CQ of depth n. */
static int new_cq(struct ibv_context *verbs, int n, struct ibv_comp_channel **ch,
                  struct ibv_cq **cq)
{
  *ch = ibv_create_comp_channel(verbs);
  if (!*ch || cf__rdma_fd_setup((*ch)->fd) < 0)
    return -1;
  *cq = ibv_create_cq(verbs, n, NULL, *ch, 0);
  return *cq ? 0 : -1;
}

/* The port's data rate in bytes/s from its width and lane speed (after
 * line coding: 8b/10b up to QDR, 64b/66b from FDR on); 0 when unknown. */
static uint64_t port_rate(const struct ibv_port_attr *a)
{
  static const struct {
    uint32_t code;
    double gbps; /* per lane, data */
  } speeds[] = { { 1, 2.0 }, { 2, 4.0 }, { 4, 8.0 }, { 8, 10.0 }, { 16, 13.64 },
                 { 32, 25.0 }, { 64, 50.0 }, { 128, 100.0 } };
  static const struct {
    uint8_t code, lanes;
  } widths[] = { { 1, 1 }, { 2, 4 }, { 4, 8 }, { 8, 12 }, { 16, 2 } };
  double gbps = 0;
  unsigned lanes = 0;

  for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
    if (speeds[i].code == a->active_speed)
      gbps = speeds[i].gbps;
  for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
    if (widths[i].code == a->active_width)
      lanes = widths[i].lanes;
  return (uint64_t)(gbps * lanes * 1e9 / 8);
}

static int epoll_add(int ep, int fd)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int cf__rdma_conn_new(struct rdma_cm_id *id, struct rdma_event_channel *cm_ch,
                      struct cf__rdma_conn **out, char *err, size_t errlen)
{
  struct cf__rdma_conn *c;
  struct ibv_qp_init_attr qa;
  struct ibv_port_attr port;
  const char *phase;
  uint32_t i;

  *out = NULL;
  c = calloc(1, sizeof *c);
  if (!c) {
    cf__conn_seterr(err, errlen, "out of memory");
    return CF_ENOMEM;
  }
  c->base.ops = &cf__rdma_ops;
  c->base.fd = -1;
  (void)cf__rdma_credit_init(&c->cr, CF__RDMA_WINDOW, CF__RDMA_CREDIT_THRESHOLD,
                             CF__RDMA_RESERVE);
  if (!id->verbs) {
    phase = "no verbs device bound";
    goto fail;
  }
  phase = "ibv_alloc_pd";
  if (!(c->pd = ibv_alloc_pd(id->verbs)))
    goto fail;
  phase = "receive CQ";
  if (new_cq(id->verbs, (int)CF__RDMA_RECV_BUFS, &c->rx_ch, &c->rx_cq) < 0)
    goto fail;
  phase = "send CQ"; /* the send buffers and one RDMA READ */
  if (new_cq(id->verbs, (int)CF__RDMA_SEND_BUFS + 1, &c->tx_ch, &c->tx_cq) < 0)
    goto fail;
  memset(&qa, 0, sizeof qa);
  qa.send_cq = c->tx_cq;
  qa.recv_cq = c->rx_cq;
  qa.qp_type = IBV_QPT_RC;
  qa.sq_sig_all = 1;
  qa.cap.max_send_wr = CF__RDMA_SEND_BUFS + 1;
  qa.cap.max_recv_wr = CF__RDMA_RECV_BUFS;
  qa.cap.max_send_sge = 1;
  qa.cap.max_recv_sge = 1;
  phase = "rdma_create_qp";
  if (rdma_create_qp(id, c->pd, &qa) != 0)
    goto fail;
  c->id = id; /* from here the QP is torn down with c */
  phase = "buffer allocation";
  c->rx_mem = aligned_alloc(4096, CF__RDMA_RECV_BUFS * CF__RDMA_BUF_SIZE);
  c->tx_mem = aligned_alloc(4096, CF__RDMA_SEND_BUFS * CF__RDMA_BUF_SIZE);
  c->stage = aligned_alloc(4096, CF__RDMA_STAGE_SIZE);
  if (!c->rx_mem || !c->tx_mem || !c->stage)
    goto fail;
  phase = "ibv_reg_mr";
  c->rx_mr = ibv_reg_mr(c->pd, c->rx_mem, CF__RDMA_RECV_BUFS * CF__RDMA_BUF_SIZE,
                        IBV_ACCESS_LOCAL_WRITE);
  c->tx_mr = ibv_reg_mr(c->pd, c->tx_mem, CF__RDMA_SEND_BUFS * CF__RDMA_BUF_SIZE, 0);
  c->stage_mr = ibv_reg_mr(c->pd, c->stage, CF__RDMA_STAGE_SIZE, IBV_ACCESS_LOCAL_WRITE);
  if (!c->rx_mr || !c->tx_mr || !c->stage_mr)
    goto fail;
  phase = "registration cache";
  if (cf__rdma_direct_init(c) < 0)
    goto fail;
  phase = "ibv_query_port";
  if (ibv_query_port(id->verbs, id->port_num, &port) != 0)
    goto fail;
  c->max_msg = port.max_msg_sz ? port.max_msg_sz : (uint32_t)CF__RDMA_STAGE_SIZE;
  c->link_bps = port_rate(&port);
  for (i = 0; i < CF__RDMA_SEND_BUFS; i++)
    c->tx_free[c->tx_nfree++] = i;
  phase = "ibv_post_recv";
  for (i = 0; i < CF__RDMA_RECV_BUFS; i++)
    if (cf__rdma_post_recv(c, i) < 0)
      goto fail;
  phase = "epoll";
  c->base.fd = epoll_create1(EPOLL_CLOEXEC);
  if (c->base.fd < 0 || epoll_add(c->base.fd, c->rx_ch->fd) < 0 ||
      epoll_add(c->base.fd, cm_ch->fd) < 0)
    goto fail;
  /* Arm now: the first message must make base.fd readable. */
  phase = "ibv_req_notify_cq";
  if (ibv_req_notify_cq(c->rx_cq, 0) != 0)
    goto fail;
  c->rx_armed = 1;
  c->cm_ch = cm_ch;
  *out = c;
  return 0;

fail:
  cf__conn_seterr(err, errlen, "%s failed: %s", phase, errno ? strerror(errno) : "?");
  if (c->id)
    rdma_destroy_qp(id);
  c->id = NULL; /* the caller keeps id and cm_ch */
  cf__rdma_conn_free(c);
  return CF_EIO;
}

void cf__rdma_conn_free(struct cf__rdma_conn *c)
{
  if (!c)
    return;
  if (c->connected) {
    cf__rdma_drain_sends(c, cf_monotonic_ms() + CLOSE_DRAIN_MS);
    (void)rdma_disconnect(c->id);
  }
  if (c->id && c->id->qp)
    rdma_destroy_qp(c->id);
  cf__rdma_direct_free(c);
  if (c->stage_mr)
    ibv_dereg_mr(c->stage_mr);
  if (c->rx_mr)
    ibv_dereg_mr(c->rx_mr);
  if (c->tx_mr)
    ibv_dereg_mr(c->tx_mr);
  if (c->rx_cq)
    ibv_destroy_cq(c->rx_cq);
  if (c->tx_cq)
    ibv_destroy_cq(c->tx_cq);
  if (c->rx_ch)
    ibv_destroy_comp_channel(c->rx_ch);
  if (c->tx_ch)
    ibv_destroy_comp_channel(c->tx_ch);
  if (c->pd)
    ibv_dealloc_pd(c->pd);
  free(c->rx_mem);
  free(c->tx_mem);
  free(c->stage);
  if (c->id)
    rdma_destroy_id(c->id);
  if (c->cm_ch)
    rdma_destroy_event_channel(c->cm_ch);
  if (c->base.fd >= 0)
    close(c->base.fd);
  cf__conn_ra_free(&c->base);
  free(c);
}

static void conn_params(struct rdma_conn_param *p)
{
  memset(p, 0, sizeof *p);
  p->responder_resources = 1; /* one RDMA READ at a time (rdma_direct.c) */
  p->initiator_depth = 1;
  p->retry_count = 7;
  p->rnr_retry_count = 7; /* credits make RNR impossible; never fail on it */
}

/* ---- connecting ------------------------------------------------------------ */

/* Resolve u's host to the first address of a family librdmacm takes. */
static int resolve(const struct cf_url *u, int passive, struct sockaddr_storage *ss,
                   char *err, size_t errlen)
{
  struct addrinfo hints, *res = NULL;
  char port[8];
  int gai;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  snprintf(port, sizeof port, "%u", (unsigned)u->port);
  gai = getaddrinfo(u->host, port, &hints, &res);
  if (gai != 0) {
    cf__conn_seterr(err, errlen, "no such host");
    return gai == EAI_MEMORY ? CF_ENOMEM : CF_ENOTFOUND;
  }
  memset(ss, 0, sizeof *ss);
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return 0;
}

/* The last step of both sides, once c holds the id and its channel:
 * rdma_connect (active) or rdma_accept, then ESTABLISHED by deadline_ms.
 * Returns 0 with *out = c, or a CF_E* code with c freed (id, channel and
 * all). */
static int establish(struct cf__rdma_conn *c, int active, int64_t deadline_ms,
                     struct cf_conn **out, char *err, size_t errlen)
{
  struct rdma_conn_param param;
  int rc;

  format_addr(rdma_get_peer_addr(c->id), c->base.peer, sizeof c->base.peer);
  conn_params(&param);
  if ((active ? rdma_connect(c->id, &param) : rdma_accept(c->id, &param)) != 0) {
    cf__conn_seterr(err, errlen, "%s: %s", active ? "rdma_connect" : "rdma_accept",
                    strerror(errno));
    cf__rdma_conn_free(c);
    return CF_EIO;
  }
  if ((rc = expect_event(c->cm_ch, deadline_ms, RDMA_CM_EVENT_ESTABLISHED, err, errlen)) < 0) {
    cf__rdma_conn_free(c);
    return rc;
  }
  c->connected = 1;
  *out = &c->base;
  return 0;
}

int cf__rdma_connect(const struct cf_url *u, int timeout_ms, struct cf_conn **out,
                     char *err, size_t errlen)
{
  int64_t deadline = timeout_ms > 0 ? cf_monotonic_ms() + timeout_ms : -1;
  int resolve_ms = timeout_ms > 0 && timeout_ms < RESOLVE_MS ? timeout_ms : RESOLVE_MS;
  struct rdma_event_channel *ch;
  struct rdma_cm_id *id = NULL;
  struct cf__rdma_conn *c = NULL;
  struct sockaddr_storage ss;
  int rc;

  ch = new_channel();
  if (!ch)
    return channel_error(errno, err, errlen);
  if ((rc = resolve(u, 0, &ss, err, errlen)) < 0)
    goto fail;
  rc = CF_EIO;
  if (rdma_create_id(ch, &id, NULL, RDMA_PS_TCP) != 0) {
    cf__conn_seterr(err, errlen, "rdma_create_id: %s", strerror(errno));
    goto fail;
  }
  if (rdma_resolve_addr(id, NULL, (struct sockaddr *)&ss, resolve_ms) != 0) {
    cf__conn_seterr(err, errlen, "rdma_resolve_addr: %s", strerror(errno));
    goto fail;
  }
  if ((rc = expect_event(ch, deadline, RDMA_CM_EVENT_ADDR_RESOLVED, err, errlen)) < 0)
    goto fail;
  rc = CF_EIO;
  if (rdma_resolve_route(id, resolve_ms) != 0) {
    cf__conn_seterr(err, errlen, "rdma_resolve_route: %s", strerror(errno));
    goto fail;
  }
  if ((rc = expect_event(ch, deadline, RDMA_CM_EVENT_ROUTE_RESOLVED, err, errlen)) < 0)
    goto fail;
  if ((rc = cf__rdma_conn_new(id, ch, &c, err, errlen)) < 0)
    goto fail;
  /* c owns id and ch now. */
  return establish(c, 1, deadline, out, err, errlen);
fail:
  if (id)
    rdma_destroy_id(id);
  rdma_destroy_event_channel(ch);
  return rc;
}

/* ---- listening ------------------------------------------------------------- */

int cf_rdma_listen(const struct cf_url *u, struct cf_rdma_listener **out, char *err,
                   size_t errlen)
{
  struct cf_rdma_listener *l;
  struct sockaddr_storage ss;
  int rc;

  if (err && errlen)
    err[0] = '\0';
  if (!out || !u)
    return CF_EINVAL;
  *out = NULL;
  if (strcmp(u->scheme, "rdma") != 0) {
    cf__conn_seterr(err, errlen, "not an rdma:// address");
    return CF_EADDR;
  }
  l = calloc(1, sizeof *l);
  if (!l)
    return CF_ENOMEM;
  l->ch = new_channel();
  if (!l->ch) {
    rc = channel_error(errno, err, errlen);
    free(l);
    return rc;
  }
  if ((rc = resolve(u, 1, &ss, err, errlen)) < 0)
    goto fail;
  rc = CF_EIO;
  if (rdma_create_id(l->ch, &l->id, NULL, RDMA_PS_TCP) != 0) {
    cf__conn_seterr(err, errlen, "rdma_create_id: %s", strerror(errno));
    goto fail;
  }
  if (rdma_bind_addr(l->id, (struct sockaddr *)&ss) != 0) {
    cf__conn_seterr(err, errlen, "rdma_bind_addr: %s", strerror(errno));
    goto fail;
  }
  if (rdma_listen(l->id, LISTEN_BACKLOG) != 0) {
    cf__conn_seterr(err, errlen, "rdma_listen: %s", strerror(errno));
    goto fail;
  }
  l->port = ntohs(rdma_get_src_port(l->id));
  *out = l;
  return 0;

fail:
  cf_rdma_listener_free(l);
  return rc;
}

int cf_rdma_listener_port(const struct cf_rdma_listener *l)
{
  return l ? l->port : -1;
}

int cf_rdma_listener_fd(const struct cf_rdma_listener *l)
{
  return l ? l->ch->fd : -1;
}

int cf_rdma_accept(struct cf_rdma_listener *l, int timeout_ms, struct cf_conn **out, char *err,
                   size_t errlen)
{
  int64_t deadline = timeout_ms > 0 ? cf_monotonic_ms() + timeout_ms : -1;
  struct rdma_event_channel *ch = NULL;
  struct cf__rdma_conn *c = NULL;
  struct rdma_cm_id *id = NULL;
  enum rdma_cm_event_type type;
  int status, rc;

  if (err && errlen)
    err[0] = '\0';
  if (!l || !out)
    return CF_EINVAL;
  *out = NULL;
  /* Only connection requests matter on the listener's channel (accepted ids
   * live on their own channels). */
  do {
    rc = next_event(l->ch, deadline, &type, &status, &id);
    if (rc < 0) {
      cf__conn_seterr(err, errlen, rc == CF_ETIMEDOUT ? "no connection request"
                                                      : "rdma_get_cm_event failed");
      return rc;
    }
  } while (type != RDMA_CM_EVENT_CONNECT_REQUEST);
  ch = new_channel();
  if (!ch) {
    rc = channel_error(errno, err, errlen);
    goto reject;
  }
  if ((rc = cf__rdma_conn_new(id, ch, &c, err, errlen)) < 0)
    goto reject;
  if (rdma_migrate_id(id, ch) != 0) {
    cf__conn_seterr(err, errlen, "rdma_migrate_id: %s", strerror(errno));
    cf__rdma_conn_free(c); /* frees id and ch */
    return CF_EIO;
  }
  return establish(c, 0, deadline, out, err, errlen);
reject:
  (void)rdma_reject(id, NULL, 0);
  rdma_destroy_id(id);
  if (ch)
    rdma_destroy_event_channel(ch);
  return rc;
}

void cf_rdma_listener_free(struct cf_rdma_listener *l)
{
  if (!l)
    return;
  if (l->id)
    rdma_destroy_id(l->id);
  if (l->ch)
    rdma_destroy_event_channel(l->ch);
  free(l);
}
