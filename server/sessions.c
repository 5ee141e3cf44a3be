/* The supervisor's sessions: a worker process per connection, from accept to
 * exit. The supervisor reads nothing a client sends. It accepts the
 * connection and at once spawns a worker (this binary with --worker) with
 * the client's socket as fd 3 and one end of a control socketpair as fd 4;
 * the worker runs the TLS handshake, reads the hello and authenticates the
 * client (worker.c, auth.c), holding no driver yet, and then asks on the
 * control channel to be admitted (admission.c). The supervisor, which
 * alone sees every session, admits it if the limits allow (sessions in
 * total and per identity) and answers with its memory quota; only then
 * does the worker load the driver. This is OpenSSH's privilege separation
 * applied to us: bytes from the network are parsed in a process that holds
 * nothing of anyone else's.
 *
 * A worker not admitted within CF_SRV_ADMIT_TIMEOUT_MS is killed; at most
 * CF_SRV_MAX_PENDING wait at once. After admission the control channel
 * carries the images the identity's sessions share (image_store.c): each
 * record is one request, answered at once, and a worker that sends
 * anything else, or does not read its answers, is killed. Each session
 * owns three handles (the process, the control channel's poll, the
 * admission timer) and is freed when all three have closed. Everything
 * runs on the supervisor's loop thread. */
#include "internal.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_log.h"

struct cf_session {
  uv_process_t proc;
  uv_poll_t ctl;
  int ctl_fd;
  uv_timer_t timer;
  int open_handles;
  int exited, admitted;
  struct cf_supervisor *sv;
  uint64_t id;
  uint64_t started_ms;
  char peer[96];
  struct cf_admit_request who; /* once admitted */
  struct cf_session *prev, *next;
};

static void on_handle_closed(uv_handle_t *h)
{
  struct cf_session *s = h->data;

  if (--s->open_handles == 0)
    free(s);
}

static void on_control_closed(uv_handle_t *h)
{
  struct cf_session *s = h->data;

  close(s->ctl_fd);
  on_handle_closed(h);
}

/* Stop listening to the worker (it is gone). */
static void close_control(struct cf_session *s)
{
  if (!uv_is_closing((uv_handle_t *)&s->ctl))
    uv_close((uv_handle_t *)&s->ctl, on_control_closed);
  if (!uv_is_closing((uv_handle_t *)&s->timer))
    uv_close((uv_handle_t *)&s->timer, on_handle_closed);
}

static void on_worker_exit(uv_process_t *p, int64_t status, int sig)
{
  struct cf_session *s = p->data;
  struct cf_supervisor *sv = s->sv;
  const char *who = s->admitted ? s->who.identity : "(not admitted)";
  double secs = (double)(uv_now(sv->loop) - s->started_ms) / 1000.0;

  if (sig && sv->stopping && (sig == SIGTERM || sig == SIGKILL))
    cf_info("session %" PRIu64 " ended: %s, %s, %.1f s: stopped by the shutdown", s->id,
            s->peer, who, secs);
  else if (sig)
    cf_warn("session %" PRIu64 " ended: %s, %s, %.1f s: worker killed by signal %d (%s)",
            s->id, s->peer, who, secs, sig, strsignal(sig));
  else if (status)
    cf_info("session %" PRIu64 " ended: %s, %s, %.1f s: exit status %" PRId64, s->id,
            s->peer, who, secs, status);
  else
    cf_info("session %" PRIu64 " ended: %s, %s, %.1f s: the client left", s->id, s->peer,
            who, secs);
  if (!s->admitted)
    sv->n_pending--;
  if (s->prev)
    s->prev->next = s->next;
  else
    sv->sessions = s->next;
  if (s->next)
    s->next->prev = s->prev;
  sv->n_sessions--;
  s->exited = 1;
  close_control(s);
  uv_close((uv_handle_t *)p, on_handle_closed);
  if (sv->stopping && sv->n_sessions == 0)
    cf__srv_supervisor_finish(sv);
}

/* Admitted sessions of identity, and in all. */
static size_t count_admitted(const struct cf_supervisor *sv, const char *identity,
                             size_t *total)
{
  size_t same = 0;

  *total = 0;
  for (const struct cf_session *t = sv->sessions; t; t = t->next)
    if (t->admitted) {
      (*total)++;
      same += strcmp(t->who.identity, identity) == 0;
    }
  return same;
}

/* Decide on the worker's request; the answer line into reply. */
static void decide(struct cf_session *s, const struct cf_admit_request *rq, char *reply,
                   size_t len)
{
  const struct cf_srv_options *o = s->sv->o;
  size_t total, same = count_admitted(s->sv, rq->identity, &total);

  if (o->max_sessions && total >= o->max_sessions) {
    cf_warn("session %" PRIu64 ": %s, %s: refused: %zu sessions already (--max-sessions)",
            s->id, s->peer, rq->identity, total);
    snprintf(reply, len, "no the server has as many sessions as it allows");
    return;
  }
  if (o->max_sessions_per_identity && same >= o->max_sessions_per_identity) {
    cf_warn("session %" PRIu64 ": %s, %s: refused: %zu sessions of this identity already",
            s->id, s->peer, rq->identity, same);
    snprintf(reply, len, "no %s has as many sessions as the server allows", rq->identity);
    return;
  }
  s->admitted = 1;
  s->who = *rq;
  s->sv->n_pending--;
  snprintf(reply, len, "ok %" PRIu64, cf__srv_options_quota(o, rq->identity));
  cf_info("session %" PRIu64 " started: %s, identity %s, client \"%s\" pid %" PRIu32
          ", worker pid %d",
          s->id, s->peer, rq->identity, rq->client, rq->pid, s->proc.pid);
}

/* Answer the worker: one record, with fd unless it is -1. A worker that
 * does not read its answers is killed. */
static void answer(struct cf_session *s, const char *line, int fd)
{
  if (cf__ctl_send(s->ctl_fd, line, fd, 1) != 0) {
    cf_error("session %" PRIu64 ": its worker does not take answers; killing it", s->id);
    uv_process_kill(&s->proc, SIGKILL);
  }
}

/* An admitted worker's request about shared images; fd came with it. */
static int on_image_request(struct cf_session *s, const char *line, int fd)
{
  char hex[CF_IMAGE_HASH_HEX + 1], reply[CF_ADMIT_LINE_MAX];
  unsigned long long len;
  int used = 0, kept;

  if (sscanf(line, "image-put %65s %llu%n", hex, &len, &used) == 2 && !line[used] && fd >= 0) {
    int r = s->sv->images
                ? cf__image_store_put(s->sv->images, s->who.identity, hex, fd, len)
                : (close(fd), CF_ETOOBIG);

    if (r != 0)
      cf_debug("session %" PRIu64 ": image %.16s... not stored: %s", s->id, hex,
               cf_strerror(r));
    return r == CF_EINVAL ? r : 0; /* a bad file is a worker that lies */
  }
  if (sscanf(line, "image-get %65s%n", hex, &used) == 1 && !line[used] && fd < 0) {
    uint64_t got = 0;

    kept = s->sv->images ? cf__image_store_get(s->sv->images, s->who.identity, hex, &got) : -1;
    if (kept >= 0)
      snprintf(reply, sizeof reply, "image %" PRIu64, got);
    else
      snprintf(reply, sizeof reply, "none");
    answer(s, reply, kept);
    return 0;
  }
  if (fd >= 0)
    close(fd);
  return CF_EPROTO;
}

/* One record from the worker. */
static void on_record(struct cf_session *s, const char *line, int fd)
{
  struct cf_admit_request rq;
  char reply[CF_ADMIT_LINE_MAX];

  if (s->admitted) {
    if (on_image_request(s, line, fd) != 0) {
      cf_error("session %" PRIu64 ": its worker sent a malformed request; killing it", s->id);
      uv_process_kill(&s->proc, SIGKILL);
    }
    return;
  }
  if (fd >= 0)
    close(fd);
  if (cf__admit_parse(line, &rq) != 0) {
    cf_error("session %" PRIu64 ": its worker sent a malformed request; killing it", s->id);
    uv_process_kill(&s->proc, SIGKILL);
    return;
  }
  decide(s, &rq, reply, sizeof reply);
  uv_timer_stop(&s->timer);
  answer(s, reply, -1);
}

static void on_control(uv_poll_t *h, int status, int events)
{
  struct cf_session *s = h->data;
  char line[CF_ADMIT_LINE_MAX];
  int fd, r;

  (void)events;
  if (status != 0) {
    uv_poll_stop(h); /* its exit tells the rest */
    return;
  }
  /* A few records per wake-up, so that one busy worker cannot hold the
   * loop; the poll is level-triggered and comes back for the rest. */
  for (int i = 0; i < 8 && !s->exited; i++) {
    if ((r = cf__ctl_recv(s->ctl_fd, line, sizeof line, &fd, -1)) == CF_ETIMEDOUT)
      return;
    if (r == 0) {
      on_record(s, line, fd);
      continue;
    }
    if (r == CF_EPROTO) {
      cf_error("session %" PRIu64 ": its worker sent an overlong request; killing it", s->id);
      uv_process_kill(&s->proc, SIGKILL);
    }
    uv_poll_stop(h); /* the worker closed its end; its exit tells the rest */
    return;
  }
}

static void on_admit_timeout(uv_timer_t *t)
{
  struct cf_session *s = t->data;

  cf_warn("session %" PRIu64 ": %s: not authenticated within %d s; closing", s->id, s->peer,
          CF_SRV_ADMIT_TIMEOUT_MS / 1000);
  uv_process_kill(&s->proc, SIGKILL);
}

/* Spawn the worker for a connection (fd) with control channel ctl_fd. Both
 * stay owned by the caller (the worker gets copies). */
static int spawn(struct cf_supervisor *sv, struct cf_session *s, int fd, int ctl_fd)
{
  char id[24], parent[24];
  char *args[CF_SRV_WORKER_ARGS_MAX];
  uv_stdio_container_t stdio[5];
  uv_process_options_t po;
  int n = 0;

  snprintf(id, sizeof id, "%" PRIu64, s->id);
  snprintf(parent, sizeof parent, "%ld", (long)getpid());
  args[n++] = "cuferryd";
  args[n++] = "--worker";
  args[n++] = "--session";
  args[n++] = id;
  args[n++] = "--parent";
  args[n++] = parent;
  n += cf__srv_options_worker_args(sv->o, args + n, CF_SRV_WORKER_ARGS_MAX - n - 1);
  args[n] = NULL;

  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = 1;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = fd;
  stdio[4].flags = UV_INHERIT_FD;
  stdio[4].data.fd = ctl_fd;
  memset(&po, 0, sizeof po);
  /* /proc/self/exe in the child is this very binary, even if the file on
   * disk was replaced since, so workers always match the supervisor. */
  po.file = "/proc/self/exe";
  po.args = args;
  po.stdio = stdio;
  po.stdio_count = 5;
  po.exit_cb = on_worker_exit;
  s->proc.data = s;
  return uv_spawn(sv->loop, &s->proc, &po);
}

/* Start the session of the accepted connection fd. */
static void start(struct cf_supervisor *sv, int fd, const char *peer)
{
  struct cf_session *s = calloc(1, sizeof *s);
  int pair[2], r;

  if (!s) {
    cf_error("%s: out of memory starting a session", peer);
    return;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    cf_error("%s: cannot make a control channel: %s", peer, strerror(errno));
    free(s);
    return;
  }
  s->sv = sv;
  s->id = ++sv->next_session;
  s->started_ms = uv_now(sv->loop);
  snprintf(s->peer, sizeof s->peer, "%s", peer);
  if (uv_poll_init(sv->loop, &s->ctl, pair[0]) != 0) {
    cf_error("%s: cannot watch a control channel", peer);
    close(pair[0]);
    close(pair[1]);
    free(s);
    return;
  }
  s->ctl_fd = pair[0];
  s->ctl.data = s;
  if ((r = spawn(sv, s, fd, pair[1])) != 0) {
    cf_error("session %" PRIu64 ": %s: cannot start a worker: %s", s->id, peer,
             uv_strerror(r));
    close(pair[1]);
    s->open_handles = 2; /* a failed uv_spawn still initialised the handle */
    uv_close((uv_handle_t *)&s->proc, on_handle_closed);
    uv_close((uv_handle_t *)&s->ctl, on_control_closed);
    return;
  }
  close(pair[1]);
  s->open_handles = 3;
  uv_timer_init(sv->loop, &s->timer);
  s->timer.data = s;
  s->next = sv->sessions;
  if (sv->sessions)
    sv->sessions->prev = s;
  sv->sessions = s;
  sv->n_sessions++;
  sv->n_pending++;
  if (uv_poll_start(&s->ctl, UV_READABLE, on_control) != 0) {
    cf_error("session %" PRIu64 ": cannot read its control channel", s->id);
    uv_process_kill(&s->proc, SIGKILL);
  }
  uv_timer_start(&s->timer, on_admit_timeout, CF_SRV_ADMIT_TIMEOUT_MS, 0);
  cf_debug("session %" PRIu64 ": %s connected, worker pid %d", s->id, peer, s->proc.pid);
}

static void on_tcp_closed(uv_handle_t *h)
{
  free(h);
}

void cf__srv_session_accept(struct cf_supervisor *sv, uv_stream_t *server)
{
  uv_tcp_t *tcp = malloc(sizeof *tcp);
  char peer[96];
  uv_os_fd_t fd;

  if (!tcp) {
    cf_error("out of memory accepting a connection");
    return;
  }
  uv_tcp_init(sv->loop, tcp);
  if (uv_accept(server, (uv_stream_t *)tcp) != 0) {
    uv_close((uv_handle_t *)tcp, on_tcp_closed);
    return;
  }
  {
    uv_os_fd_t fd;

    if (uv_fileno((uv_handle_t *)tcp, &fd) == 0)
      cf_socket_peer(fd, peer, sizeof peer);
    else
      snprintf(peer, sizeof peer, "?");
  }
  if (sv->n_pending >= CF_SRV_MAX_PENDING) {
    cf_warn("%s: %d connections are already waiting to authenticate; closing", peer,
            CF_SRV_MAX_PENDING);
  } else if (uv_fileno((uv_handle_t *)tcp, &fd) == 0) {
    /* Socket options stay with the socket into the worker: no Nagle delay
     * for small calls, keepalive so that a vanished client is noticed. */
    uv_tcp_nodelay(tcp, 1);
    uv_tcp_keepalive(tcp, 1, 60);
    start(sv, fd, peer);
  }
  uv_close((uv_handle_t *)tcp, on_tcp_closed); /* the worker has its own copy */
}

void cf__srv_sessions_signal(struct cf_supervisor *sv, int sig)
{
  for (struct cf_session *s = sv->sessions; s; s = s->next)
    uv_process_kill(&s->proc, sig);
}
