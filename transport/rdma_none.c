/* The RDMA listener API in a build without libibverbs and librdmacm: every
 * entry point says so (CF_EUNSUP), so callers need no #if of their own.
 * Connecting to rdma:// in such a build is refused by conn.c's scheme
 * table. */
#include "internal.h"

#include "cf_error.h"

static int no_rdma(char *err, size_t errlen)
{
  cf__conn_seterr(err, errlen,
                  "rdma:// transport: this build has no RDMA (libibverbs, librdmacm)");
  return CF_EUNSUP;
}

int cf_rdma_listen(const struct cf_url *u, struct cf_rdma_listener **out, char *err,
                   size_t errlen)
{
  (void)u;
  if (out)
    *out = NULL;
  return no_rdma(err, errlen);
}

int cf_rdma_listener_port(const struct cf_rdma_listener *l)
{
  (void)l;
  return -1;
}

int cf_rdma_listener_fd(const struct cf_rdma_listener *l)
{
  (void)l;
  return -1;
}

int cf_rdma_accept(struct cf_rdma_listener *l, int timeout_ms, struct cf_conn **out, char *err,
                   size_t errlen)
{
  (void)l, (void)timeout_ms;
  if (out)
    *out = NULL;
  return no_rdma(err, errlen);
}

void cf_rdma_listener_free(struct cf_rdma_listener *l)
{
  (void)l;
}
