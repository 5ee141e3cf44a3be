/* The supervisor: cuferryd's long-lived process. It owns the libuv loop, the
 * listening socket and the signal handlers; the sessions, one worker
 * process per connection from accept on, are sessions.c's. It never loads
 * or initialises the driver and never parses what a client sends, so it
 * holds no CUDA state, spawning stays safe, and a worker that crashes ends
 * only its own session.
 *
 * Shutdown (SIGTERM/SIGINT): stop accepting, SIGTERM every
 * worker, SIGKILL the ones still alive after CF_SRV_KILL_GRACE_MS, and
 * return 0 once all have been reaped. Single-threaded: the loop's thread. */
#include "internal.h"

#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_log.h"
#include "config.h"

#define CF_SRV_KILL_GRACE_MS 5000
#define LISTEN_BACKLOG 128
#define MAX_STORE_FILES 4096

static char log_tag[64];

static void on_closed_nop(uv_handle_t *h)
{
  (void)h;
}

void cf__srv_supervisor_finish(struct cf_supervisor *sv)
{
  uv_close((uv_handle_t *)&sv->sigterm, on_closed_nop);
  uv_close((uv_handle_t *)&sv->sigint, on_closed_nop);
  uv_close((uv_handle_t *)&sv->kill_timer, on_closed_nop);
  cf_info("stopped");
}

static void on_kill_timer(uv_timer_t *t)
{
  struct cf_supervisor *sv = t->data;

  cf_warn("%zu worker(s) did not stop in %d s; killing them", sv->n_sessions,
          CF_SRV_KILL_GRACE_MS / 1000);
  cf__srv_sessions_signal(sv, SIGKILL);
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
  if (sv->n_sessions == 0) {
    cf__srv_supervisor_finish(sv);
    return;
  }
  cf__srv_sessions_signal(sv, SIGTERM);
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
  cf__srv_session_accept(sv, server);
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
    printf("listening %s://%s:%u\n", u->scheme, host,
           (unsigned)ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port));
  } else {
    uv_ip4_name((const struct sockaddr_in *)&ss, host, sizeof host);
    printf("listening %s://%s:%u\n", u->scheme, host,
           (unsigned)ntohs(((const struct sockaddr_in *)&ss)->sin_port));
  }
  fflush(stdout);
  return 0;
}

/* How many image files the store may hold: a quarter of the descriptors
 * this process may open, at most MAX_STORE_FILES; the rest are for
 * sessions. */
static size_t store_files(void)
{
  struct rlimit r;

  if (getrlimit(RLIMIT_NOFILE, &r) != 0)
    return 0;
  return r.rlim_cur / 4 < MAX_STORE_FILES ? (size_t)(r.rlim_cur / 4) : MAX_STORE_FILES;
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
  if (o->image_cache && !(sv.images = cf__image_store_new(o->image_cache, store_files())))
    cf_warn("out of memory: images are not shared between sessions");
  if (start_listening(&sv) != 0) {
    cf__image_store_free(sv.images);
    return 1;
  }
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
  cf__image_store_free(sv.images);
  return 0;
}
