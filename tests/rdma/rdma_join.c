/* The worker's half of moving a session to RDMA (server/rdma_offer.c)
 * against real verbs, in the soft-RoCE guest: an offer on rdma://ADDR:0
 * gets a port and a random secret; connections that bring the wrong
 * secret, the wrong greeting, or hang up are dropped while the worker keeps
 * waiting; the one with the secret is answered and becomes the session's
 * connection (bytes flow both ways over it); a second offer nobody joins
 * times out and frees its listener; a wildcard offer leaves the host to the
 * client. Exit 0 when all pass, 1 on a failed check, 77 without RDMA. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cf_error.h"
#include "cf_test.h"
#include "cf_frame.h"
#include "internal.h"

static struct cf_worker w;
static struct cf_rdma_offer offer;
static int join_rc = 1;

static void *join_main(void *arg)
{
  join_rc = cf__rdma_offer_join(&w, &offer, *(int *)arg);
  return NULL;
}

/* Connect to the offer's port and send magic + secret; then read the
 * worker's answer. Returns 0 with *out open when the worker said ready. */
static int knock(const char *addr, const char *magic, const uint8_t *secret, size_t secret_len,
                 struct cf_conn **out)
{
  struct cf_url u;
  char err[256], url[128];
  uint8_t answer[8];
  struct iovec v[2] = { { (void *)magic, 8 }, { (void *)secret, secret_len } };
  int rc;

  *out = NULL;
  snprintf(url, sizeof url, "rdma://%s:%u", addr, (unsigned)offer.port);
  ASSERT(cf_url_parse(url, &u) == 0);
  if ((rc = cf_conn_connect(&u, 10000, out, err, sizeof err)) != 0) {
    fprintf(stderr, "rdma_join: connect %s: %s\n", url, err);
    exit(1);
  }
  cf_conn_set_timeout(*out, 10000);
  if ((rc = cf_conn_writev(*out, v, secret_len ? 2 : 1)) == 0)
    rc = cf_conn_read_exact(*out, answer, sizeof answer);
  if (rc == 0 && memcmp(answer, CF_RDMA_READY_MAGIC, 8) != 0)
    rc = CF_EPROTO;
  if (rc != 0) {
    cf_conn_close(*out);
    *out = NULL;
  }
  return rc;
}

int main(int argc, char **argv)
{
  const char *addr = argc > 1 ? argv[1] : "10.99.0.1";
  uint8_t wrong[CF_RDMA_SECRET_LEN], good[CF_RDMA_SECRET_LEN], zero[CF_RDMA_SECRET_LEN] = { 0 };
  struct cf_conn *c;
  struct cf_url where;
  char err[256], url[128], buf[8];
  pthread_t th;
  int timeout = 20000, rc;

  snprintf(url, sizeof url, "rdma://%s:0", addr);
  ASSERT(cf_url_parse(url, &where) == 0);
  w.session_id = 1;
  snprintf(w.peer, sizeof w.peer, "tls-peer");
  rc = cf__rdma_offer_open(&w, &where, &offer, err, sizeof err);
  if (rc == CF_EUNSUP) {
    printf("rdma_join: skipped: %s\n", err);
    return 77;
  }
  ASSERT(rc == 0);
  ASSERT(offer.port != 0 && w.rdma_listener != NULL);
  ASSERT(strcmp(offer.host, addr) == 0);
  ASSERT(memcmp(offer.secret, zero, sizeof zero) != 0);
  memcpy(good, offer.secret, sizeof good);
  memcpy(wrong, good, sizeof wrong);
  wrong[CF_RDMA_SECRET_LEN - 1] ^= 1;
  ASSERT(pthread_create(&th, NULL, join_main, &timeout) == 0);

  /* Strangers first: each is dropped, and the worker keeps waiting. */
  ASSERT(knock(addr, CF_RDMA_HELLO_MAGIC, wrong, sizeof wrong, &c) != 0);
  printf("ok a wrong secret is dropped\n");
  ASSERT(knock(addr, "NOTCFRD!", good, sizeof good, &c) != 0);
  printf("ok a wrong greeting is dropped\n");
  ASSERT(knock(addr, CF_RDMA_HELLO_MAGIC, good, 0, &c) != 0); /* short, then gone */
  printf("ok a short greeting is dropped\n");

  /* The client with the secret gets in, and the session runs over it. */
  ASSERT(knock(addr, CF_RDMA_HELLO_MAGIC, good, sizeof good, &c) == 0);
  pthread_join(th, NULL);
  ASSERT(join_rc == 0);
  ASSERT(w.conn != NULL && w.rdma_listener == NULL);
  ASSERT(memcmp(offer.secret, zero, sizeof zero) == 0); /* wiped */
  ASSERT(strcmp(w.peer, "tls-peer") != 0);
  {
    struct iovec v = { "ping", 4 };
    ASSERT(cf_conn_writev(c, &v, 1) == 0);
    ASSERT(cf_conn_read_exact(w.conn, buf, 4) == 0 && memcmp(buf, "ping", 4) == 0);
    v.iov_base = "pong";
    ASSERT(cf_conn_writev(w.conn, &v, 1) == 0);
    ASSERT(cf_conn_read_exact(c, buf, 4) == 0 && memcmp(buf, "pong", 4) == 0);
  }
  printf("ok the secret's holder joins and the session runs over RDMA\n");
  /* Its listener is gone: the secret cannot be used twice. */
  {
    struct cf_url u;
    struct cf_conn *again = NULL;

    snprintf(url, sizeof url, "rdma://%s:%u", addr, (unsigned)offer.port);
    ASSERT(cf_url_parse(url, &u) == 0);
    ASSERT(cf_conn_connect(&u, 5000, &again, err, sizeof err) != 0 && again == NULL);
  }
  printf("ok the offer is closed after the join\n");
  cf_conn_close(c);
  cf_conn_close(w.conn);
  w.conn = NULL;

  /* An offer nobody takes: the join gives up and frees the listener. */
  snprintf(url, sizeof url, "rdma://0.0.0.0:0");
  ASSERT(cf_url_parse(url, &where) == 0);
  ASSERT(cf__rdma_offer_open(&w, &where, &offer, err, sizeof err) == 0);
  ASSERT(offer.host[0] == '\0'); /* wildcard: the client's own host */
  ASSERT(memcmp(offer.secret, good, sizeof good) != 0); /* a fresh secret */
  timeout = 1000;
  ASSERT(pthread_create(&th, NULL, join_main, &timeout) == 0);
  pthread_join(th, NULL);
  ASSERT(join_rc == CF_ETIMEDOUT);
  ASSERT(w.rdma_listener == NULL && w.conn == NULL);
  printf("ok an offer nobody joins times out\n");
  printf("rdma_join: all passed\n");
  return 0;
}
