/* The supervisor: cuferryd's long-lived process. It owns the libuv loop, the
 * listening socket, the signal handlers and the table of live sessions; the
 * handshake on each new connection is handshake.c's. For every accepted
 * hello it spawns a new worker process (this same binary with --worker) and
 * passes the client's socket as the worker's fd 3, then forgets the socket.
 * It never loads or initialises the driver, so it holds no CUDA state and
 * spawning stays safe; a worker that crashes ends only its own session.
 *
 * Shutdown (SIGTERM/SIGINT): stop accepting, close handshakes, SIGTERM every
 * worker, SIGKILL the ones still alive after CF_SRV_KILL_GRACE_MS, and
 * return 0 once all have been reaped. Single-threaded: the loop's thread. */
#include "internal.h"

#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_log.h"
#include "config.h"

#define CF_SRV_KILL_GRACE_MS 5000
#define LISTEN_BACKLOG 128

struct session {
  uv_process_t proc;
  struct cf_supervisor *sv;
  uint64_t id;
  char peer[96];
  struct session *prev, *next;
};

struct cf_supervisor {
  uv_loop_t *loop;
  uv_tcp_t listener;
  uv_signal_t sigterm, sigint;
  uv_timer_t kill_timer;
  const struct cf_srv_options *o;
  uint64_t next_session;
  struct session *sessions;
  size_t n_sessions;
  int stopping;
};

static char log_tag[64];

static void on_closed_nop(uv_handle_t *h)
{
  (void)h;
}

/* Everything is stopped and reaped: close the last handles so that
 * uv_run() returns. */
static void finish(struct cf_supervisor *sv)
{
  uv_close((uv_handle_t *)&sv->sigterm, on_closed_nop);
  uv_close((uv_handle_t *)&sv->sigint, on_closed_nop);
  uv_close((uv_handle_t *)&sv->kill_timer, on_closed_nop);
  cf_info("stopped");
}

static void on_session_closed(uv_handle_t *h)
{
  free(h->data);
}

static void on_worker_exit(uv_process_t *p, int64_t status, int sig)
{
  struct session *s = p->data;
  struct cf_supervisor *sv = s->sv;

  if (sig && sv->stopping && (sig == SIGTERM || sig == SIGKILL))
    cf_info("session %" PRIu64 " ended: stopped by the shutdown", s->id);
  else if (sig)
    cf_warn("session %" PRIu64 " ended: worker killed by signal %d (%s)",
            s->id, sig, strsignal(sig));
  else if (status)
    cf_info("session %" PRIu64 " ended: exit status %" PRId64, s->id, status);
  else
    cf_info("session %" PRIu64 " ended", s->id);
  if (s->prev)
    s->prev->next = s->next;
  else
    sv->sessions = s->next;
  if (s->next)
    s->next->prev = s->prev;
  sv->n_sessions--;
  uv_close((uv_handle_t *)p, on_session_closed);
  if (sv->stopping && sv->n_sessions == 0)
    finish(sv);
}

int cf__srv_session_start(struct cf_supervisor *sv, int fd,
                          const struct cf_srv_hello_info *hi)
{
  const struct cf_srv_options *o = sv->o;
  char id[24], parent[24], body[24], bulk[24];
  char *args[16];
  uv_stdio_container_t stdio[4];
  uv_process_options_t po;
  struct session *s;
  int n = 0, r;

  if (sv->stopping)
    return CF_ESTATE;
  s = calloc(1, sizeof *s);
  if (!s) {
    cf_error("%s: out of memory starting a session", hi->peer);
    return CF_ENOMEM;
  }
  s->sv = sv;
  s->id = ++sv->next_session;
  snprintf(s->peer, sizeof s->peer, "%s", hi->peer);
  snprintf(id, sizeof id, "%" PRIu64, s->id);
  snprintf(parent, sizeof parent, "%ld", (long)getpid());
  snprintf(body, sizeof body, "%" PRIu32, o->lim.max_body);
  snprintf(bulk, sizeof bulk, "%" PRIu64, o->lim.max_bulk);
  args[n++] = "cuferryd";
  args[n++] = "--worker";
  args[n++] = "--session";
  args[n++] = id;
  args[n++] = "--parent";
  args[n++] = parent;
  args[n++] = "--max-body";
  args[n++] = body;
  args[n++] = "--max-bulk";
  args[n++] = bulk;
  if (o->driver) {
    args[n++] = "--driver";
    args[n++] = (char *)o->driver;
  }
  args[n] = NULL;

  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = 1;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = fd;
  memset(&po, 0, sizeof po);
  /* /proc/self/exe in the child is this very binary, even if the file on
   * disk was replaced since, so workers always match the supervisor. */
  po.file = "/proc/self/exe";
  po.args = args;
  po.stdio = stdio;
  po.stdio_count = 4;
  po.exit_cb = on_worker_exit;
  s->proc.data = s;
  r = uv_spawn(sv->loop, &s->proc, &po);
  if (r != 0) {
    cf_error("session %" PRIu64 ": %s: cannot start a worker: %s", s->id,
             hi->peer, uv_strerror(r));
    /* A failed uv_spawn still initialised the handle; close it. */
    uv_close((uv_handle_t *)&s->proc, on_session_closed);
    return CF_EIO;
  }
  s->next = sv->sessions;
  if (sv->sessions)
    sv->sessions->prev = s;
  sv->sessions = s;
  sv->n_sessions++;
  cf_info("session %" PRIu64 " started: %s, client \"%s\" pid %" PRIu32
          ", worker pid %d", s->id, hi->peer, hi->client_name,
          hi->client_pid, s->proc.pid);
  return 0;
}

static void on_kill_timer(uv_timer_t *t)
{
  struct cf_supervisor *sv = t->data;

  for (struct session *s = sv->sessions; s; s = s->next) {
    cf_warn("session %" PRIu64 ": worker did not stop in %d s; killing it",
            s->id, CF_SRV_KILL_GRACE_MS / 1000);
    uv_process_kill(&s->proc, SIGKILL);
  }
}

static void on_signal(uv_signal_t *h, int signum)
{
  struct cf_supervisor *sv = h->data;

  if (sv->stopping) {
    /* A second signal: do not wait for the grace period. */
    on_kill_timer(&sv->kill_timer);
    return;
  }
  sv->stopping = 1;
  cf_info("%s: stopping (%zu session%s)", strsignal(signum), sv->n_sessions,
          sv->n_sessions == 1 ? "" : "s");
  uv_close((uv_handle_t *)&sv->listener, on_closed_nop);
  cf__srv_handshake_close_all();
  if (sv->n_sessions == 0) {
    finish(sv);
    return;
  }
  for (struct session *s = sv->sessions; s; s = s->next)
    uv_process_kill(&s->proc, SIGTERM);
  uv_timer_start(&sv->kill_timer, on_kill_timer, CF_SRV_KILL_GRACE_MS, 0);
}

static void on_connection(uv_stream_t *server, int status)
{
  struct cf_supervisor *sv = server->data;

  if (status < 0) {
    cf_warn("accept failed: %s", uv_strerror(status));
    return;
  }
  if (sv->stopping)
    return;
  cf__srv_handshake_accept(sv, server);
}

/* Bind and listen on the --listen address; prints the real address. */
static int start_listening(struct cf_supervisor *sv)
{
  const struct cf_url *u = &sv->o->listen;
  struct addrinfo hints, *res = NULL, *ai;
  struct sockaddr_storage ss;
  char port[8], host[80] = "?";
  int r, n = sizeof ss;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  snprintf(port, sizeof port, "%u", (unsigned)u->port);
  r = getaddrinfo(u->host, port, &hints, &res);
  if (r != 0) {
    cf_error("--listen: cannot resolve \"%s\": %s", u->host, gai_strerror(r));
    return CF_EADDR;
  }
  r = UV_EINVAL;
  for (ai = res; ai; ai = ai->ai_next) {
    uv_tcp_init(sv->loop, &sv->listener);
    sv->listener.data = sv;
    r = uv_tcp_bind(&sv->listener, ai->ai_addr, 0);
    if (r == 0)
      r = uv_listen((uv_stream_t *)&sv->listener, LISTEN_BACKLOG,
                    on_connection);
    if (r == 0)
      break;
    /* Try the next address with a fresh handle. */
    uv_close((uv_handle_t *)&sv->listener, NULL);
    uv_run(sv->loop, UV_RUN_NOWAIT);
  }
  freeaddrinfo(res);
  if (r != 0) {
    cf_error("--listen: cannot listen on %s:%u: %s", u->host,
             (unsigned)u->port, uv_strerror(r));
    return CF_EADDR;
  }
  uv_tcp_getsockname(&sv->listener, (struct sockaddr *)&ss, &n);
  if (ss.ss_family == AF_INET6) {
    uv_ip6_name((const struct sockaddr_in6 *)&ss, host + 1, sizeof host - 2);
    host[0] = '[';
    strcat(host, "]");
    printf("listening tcp://%s:%u\n", host,
           (unsigned)ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port));
  } else {
    uv_ip4_name((const struct sockaddr_in *)&ss, host, sizeof host);
    printf("listening tcp://%s:%u\n", host,
           (unsigned)ntohs(((const struct sockaddr_in *)&ss)->sin_port));
  }
  fflush(stdout);
  return 0;
}

int cf__srv_supervisor_run(const struct cf_srv_options *o)
{
  struct cf_supervisor sv;
  char path[PATH_MAX], err[512];

  snprintf(log_tag, sizeof log_tag, "cuferryd[%ld]", (long)getpid());
  cf_log_init(log_tag);
  signal(SIGPIPE, SIG_IGN);

  /* Check the driver exists now (without loading it: the supervisor holds no
   * CUDA state), so that a typo fails here rather than in every session. */
  if (cf__driver_find(o->driver, path, sizeof path, err, sizeof err) != 0) {
    cf_error("%s", err);
    return 1;
  }

  memset(&sv, 0, sizeof sv);
  sv.o = o;
  sv.loop = uv_default_loop();
  if (start_listening(&sv) != 0)
    return 1;
  if (o->insecure)
    cf_warn("--insecure: plain TCP, traffic is neither encrypted nor "
            "authenticated; anyone who can reach this port can use the "
            "driver");
  if (strcmp(path, cf__srv_driver_label(o->driver)) != 0)
    cf_info("cuferryd %s, driver %s (%s)", CF_VERSION,
            cf__srv_driver_label(o->driver), path);
  else
    cf_info("cuferryd %s, driver %s", CF_VERSION, path);

  uv_signal_init(sv.loop, &sv.sigterm);
  uv_signal_init(sv.loop, &sv.sigint);
  uv_timer_init(sv.loop, &sv.kill_timer);
  sv.sigterm.data = sv.sigint.data = sv.kill_timer.data = &sv;
  uv_signal_start(&sv.sigterm, on_signal, SIGTERM);
  uv_signal_start(&sv.sigint, on_signal, SIGINT);

  uv_run(sv.loop, UV_RUN_DEFAULT);
  uv_loop_close(sv.loop);
  return 0;
}
