/* The TLS API in a build without OpenSSL (meson -Dtls=disabled, or no
 * libssl-dev): every entry point says so, and the "tls" row of conn.c's
 * transport table refuses to connect, so callers link and fail with one clear
 * line instead of a missing symbol. No state, safe from any thread. */
#include "internal.h"

#include "cf_error.h"

#define NO_TLS "this build of cuferry has no TLS support (built without OpenSSL)"

int cf_tls_ctx_new_client(const struct cf_tls_config *c, struct cf_tls_ctx **out,
                          char *err, size_t errlen)
{
  (void)c;
  if (out)
    *out = NULL;
  cf__conn_seterr(err, errlen, NO_TLS);
  return CF_EUNSUP;
}

int cf_tls_ctx_new_server(const struct cf_tls_config *c, struct cf_tls_ctx **out,
                          char *err, size_t errlen)
{
  return cf_tls_ctx_new_client(c, out, err, errlen);
}

void cf_tls_ctx_free(struct cf_tls_ctx *ctx)
{
  (void)ctx; /* none can exist */
}

int cf_conn_connect_tls(const struct cf_url *u, struct cf_tls_ctx *ctx, int timeout_ms,
                        struct cf_conn **out, char *err, size_t errlen)
{
  (void)u, (void)ctx, (void)timeout_ms;
  if (out)
    *out = NULL;
  cf__conn_seterr(err, errlen, NO_TLS);
  return CF_EUNSUP;
}

int cf_conn_accept_tls(int fd, struct cf_tls_ctx *ctx, int timeout_ms, struct cf_conn **out,
                       int *plain, char *err, size_t errlen)
{
  (void)fd, (void)ctx, (void)timeout_ms;
  if (out)
    *out = NULL;
  if (plain)
    *plain = 0;
  cf__conn_seterr(err, errlen, NO_TLS);
  return CF_EUNSUP;
}

static int none_connect(const struct cf_url *u, int timeout_ms, struct cf_conn **out,
                        char *err, size_t errlen)
{
  (void)u, (void)timeout_ms, (void)out;
  cf__conn_seterr(err, errlen, "tls:// transport is not supported by this build (use tcp://)");
  return CF_EUNSUP;
}

static int none_from_fd(int fd, struct cf_conn **out)
{
  (void)fd, (void)out;
  return CF_EUNSUP;
}

/* No connection of this type can exist, so only connect and from_fd are
 * ever called; the rest stay NULL. */
const struct cf_transport_ops cf__tls_ops = {
  .scheme = "tls",
  .connect = none_connect,
  .from_fd = none_from_fd,
};
