/* A worker's first steps, before it loads the driver: it drops privileges,
 * runs the TLS handshake on the client's socket (plain TCP only on an
 * --insecure server), reads the hello, decides who the client is (auth.c)
 * and asks the supervisor to admit the session (admission.c). Until then
 * the process holds no driver and nothing of another session, so bytes
 * from the network are parsed where they can reach nothing worth having.
 * The whole greeting must finish within CF_SRV_HELLO_TIMEOUT_MS.
 *
 * Every refusal is one line in the server's log (with the peer) and, where
 * the client can read it, a CfRefuse frame: the client prints its reason.
 * An authentication failure says only that, never which part failed. */
#include "internal.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_log.h"
#include "cf_proto.h"
#include "cf_session.pb-c.h"
#include "cf_token.h"

#define CONTROL_FD 4

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

void cf__worker_refuse(struct cf_worker *w, const char *reason)
{
  uint8_t *body = NULL;
  size_t len = 0;

  cf_error("session %" PRIu64 ": refusing %s: %s", w->session_id, w->peer, reason);
  if (w->conn && cf__srv_refuse_pack(reason, &body, &len) == 0)
    (void)cf_frame_send(w->conn, CF_FRAME_REFUSE, 0, 0, 0, body, len, NULL, 0);
  free(body);
}

/* A refuse frame written straight to a socket that is not TLS (a plain
 * client that reached a TLS port). */
static void refuse_plain(int fd, const char *reason)
{
  struct cf_conn *plain = NULL;
  uint8_t *body = NULL;
  size_t len = 0;
  int copy = dup(fd);

  if (copy < 0 || cf_conn_from_fd("tcp", copy, &plain) != 0) {
    if (copy >= 0)
      close(copy);
    return;
  }
  if (cf__srv_refuse_pack(reason, &body, &len) == 0)
    (void)cf_frame_send(plain, CF_FRAME_REFUSE, 0, 0, 0, body, len, NULL, 0);
  free(body);
  cf_conn_close(plain);
}

/* "host:port" of the socket's peer, for logs. */
/* Become o->user (when running as root): no way back, no supplementary
 * groups. Anything the worker needs from root (the TLS key, the tokens
 * file) is read before. */
static int drop_privileges(const char *user)
{
  struct passwd *pw;

  if (!user || !*user)
    return 0;
  if (geteuid() != 0) {
    cf_debug("--user %s: not running as root; keeping uid %ld", user, (long)geteuid());
    return 0;
  }
  if (!(pw = getpwnam(user))) {
    cf_error("--user %s: no such user", user);
    return CF_ENOTFOUND;
  }
  if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
      setuid(0) == 0) {
    cf_error("--user %s: cannot drop privileges: %s", user, strerror(errno));
    return CF_EPERM;
  }
  return 0;
}

/* The connection on fd: TLS (the default) or plain TCP (--insecure). */
static int open_conn(struct cf_worker *w, int fd, struct cf_tls_ctx *tls, int timeout_ms)
{
  char err[256] = "";
  int plain = 0, r;

  if (!tls) {
    if ((r = cf_conn_from_fd("tcp", fd, &w->conn)) != 0)
      cf_error("session %" PRIu64 ": cannot use the client's connection: %s", w->session_id,
               cf_strerror(r));
    return r;
  }
  if ((r = cf_conn_accept_tls(fd, tls, timeout_ms, &w->conn, &plain, err, sizeof err)) == 0)
    return 0;
  cf_warn("session %" PRIu64 ": %s: %s", w->session_id, w->peer, *err ? err : cf_strerror(r));
  if (plain)
    refuse_plain(fd, "this server speaks TLS only: connect to it with tls://HOST:PORT");
  close(fd);
  return r;
}

/* Read and check the hello (cf__srv_hello_parse, hello.c); *out is the
 * unpacked message. */
static int read_hello(struct cf_worker *w, int64_t deadline, CfHello **out)
{
  const struct cf_frame_limits lim = { CF_SRV_MAX_HELLO_BODY, 0 };
  int64_t left = deadline - cf_monotonic_ms();
  struct cf_frame f;
  char why[128];
  int rc, r;

  *out = NULL;
  cf_conn_set_timeout(w->conn, left > 0 ? (int)left : 1);
  rc = cf_frame_recv(w->conn, &lim, NULL, 0, &f);
  cf_conn_set_timeout(w->conn, 0);
  r = cf__srv_hello_parse(rc, &f, out, why, sizeof why);
  cf_frame_release(&f);
  if (r == CF_EVERSION) {
    cf__worker_refuse(w, why);
    return r;
  }
  if (r && rc) {
    cf_warn("session %" PRIu64 ": %s: no hello (%s); closing", w->session_id, w->peer,
            rc == CF_ETIMEDOUT ? "timed out" : cf_strerror(rc));
    return r;
  }
  if (r) {
    cf_warn("session %" PRIu64 ": %s: not a cuferry hello; closing", w->session_id, w->peer);
    return r;
  }
  return 0;
}

int cf__worker_greet(struct cf_worker *w, const struct cf_srv_options *o, int fd)
{
  int64_t deadline = cf_monotonic_ms() + CF_SRV_HELLO_TIMEOUT_MS;
  struct cf_tls_ctx *tls = NULL;
  struct cf_tokens *tokens = NULL;
  struct cf_srv_auth auth = { 0 };
  char err[512], why[256];
  CfHello *hello = NULL;
  int r = CF_EINVAL;

  cf_socket_peer(fd, w->peer, sizeof w->peer);
  /* What needs the supervisor's rights comes first: the key and tokens. */
  if (strcmp(o->listen.scheme, "tls") == 0) {
    struct cf_tls_config tc = { o->tls_client_ca, o->tls_cert, o->tls_key };

    if (cf_tls_ctx_new_server(&tc, &tls, err, sizeof err) != 0) {
      cf_error("session %" PRIu64 ": %s", w->session_id, err);
      close(fd);
      return CF_EIO;
    }
  }
  if (o->tokens && cf_tokens_load(o->tokens, &tokens, err, sizeof err) != 0) {
    cf_error("session %" PRIu64 ": %s", w->session_id, err);
    goto out_fd;
  }
  if (drop_privileges(o->user) != 0)
    goto out_fd;
  if ((r = open_conn(w, fd, tls, CF_SRV_HELLO_TIMEOUT_MS)) != 0)
    goto out; /* fd is closed */
  if ((r = read_hello(w, deadline, &hello)) != 0)
    goto out;
  cf__admit_sanitise(w->client, sizeof w->client, hello->client_name);
  w->wants_rdma = (hello->features & CF_FEATURE_RDMA) != 0;
  if (cf__worker_set_compression(w, hello->compression, why, sizeof why) != 0) {
    cf__worker_refuse(w, why);
    r = CF_EINVAL;
    goto out;
  }
  auth.tokens = tokens;
  auth.client_certs = tls && o->tls_client_ca;
  auth.anonymous = o->insecure && !tokens && !auth.client_certs;
  if (cf__srv_identify(&auth, w->conn, hello->token, w->identity, sizeof w->identity) != 0) {
    cf__worker_refuse(w, "authentication failed");
    r = CF_EPERM;
    goto out;
  }
  if ((r = cf__admit_ask(CONTROL_FD, w->identity, hello->client_pid, w->client,
                         CF_SRV_ADMIT_TIMEOUT_MS, &w->quota, why, sizeof why)) != 0) {
    cf__worker_refuse(w, why);
    goto out;
  }
  r = 0;
  goto out;
out_fd:
  close(fd);
  r = CF_EIO;
out:
  if (hello)
    cf_hello__free_unpacked(hello, cf_proto_allocator());
  cf_tokens_free(tokens);
  w->tls = tls; /* its connection uses it until the end */
  if (r == 0)
    cf__image_share_init(CONTROL_FD, o->image_cache); /* it carries images now */
  else
    close(CONTROL_FD);
  return r;
}
