/* Moving the session to RDMA, the client's half (server/rdma_offer.c has
 * the worker's and says why it works this way). With an rdma://HOST:PORT
 * server URL the session opens over TLS at HOST:PORT; the welcome then
 * holds the worker's RDMA port and a one-time secret. Here we connect
 * there, send the secret, and wait for the worker's go-ahead; the caller
 * then uses the RDMA connection for everything and closes the TLS one. */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "cf_error.h"
#include "cf_frame.h"
#include "internal.h"

int cf__rdma_join(const struct cf_url *control, CfWelcome *wel, int timeout_ms,
                  struct cf_conn **out, char *err, size_t errlen)
{
  uint8_t magic[8];
  struct cf_url u;
  struct iovec v[2];
  int rc;

  *out = NULL;
  if (!wel->rdma_port || wel->rdma_secret.len != CF_RDMA_SECRET_LEN || !wel->rdma_host) {
    snprintf(err, errlen, "the server offered no RDMA endpoint");
    return CF_EPROTO;
  }
  if (wel->rdma_port > 65535) {
    snprintf(err, errlen, "the server offered RDMA port %u", (unsigned)wel->rdma_port);
    return CF_EPROTO;
  }
  memset(&u, 0, sizeof u);
  snprintf(u.scheme, sizeof u.scheme, "rdma");
  snprintf(u.host, sizeof u.host, "%s", *wel->rdma_host ? wel->rdma_host : control->host);
  u.port = (uint16_t)wel->rdma_port;
  if ((rc = cf_conn_connect(&u, timeout_ms, out, err, errlen)) != 0)
    goto out;
  v[0] = (struct iovec){ (void *)CF_RDMA_HELLO_MAGIC, 8 };
  v[1] = (struct iovec){ wel->rdma_secret.data, CF_RDMA_SECRET_LEN };
  cf_conn_set_timeout(*out, timeout_ms);
  if ((rc = cf_conn_writev(*out, v, 2)) != 0 ||
      (rc = cf_conn_read_exact(*out, magic, sizeof magic)) != 0) {
    snprintf(err, errlen, "rdma://%s:%u: the server did not accept the session's secret (%s)",
             u.host, (unsigned)u.port, cf_strerror(rc));
    goto out;
  }
  if (memcmp(magic, CF_RDMA_READY_MAGIC, sizeof magic) != 0) {
    snprintf(err, errlen, "rdma://%s:%u: not a cuferry worker's answer", u.host,
             (unsigned)u.port);
    rc = CF_EPROTO;
    goto out;
  }
  cf_conn_set_timeout(*out, 0);
out:
  /* Used once: wipe it whatever happened. */
  explicit_bzero(wel->rdma_secret.data, wel->rdma_secret.len);
  if (rc && *out) {
    cf_conn_close(*out);
    *out = NULL;
  }
  return rc;
}
