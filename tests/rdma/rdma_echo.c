/* The RDMA transport (transport/rdma*.c) against real verbs: run inside the
 * soft-RoCE guest (tests/rdma/vm.sh) by the rdma suite. One process, a
 * listener and a client thread, over rdma://ADDR:0 (ADDR: argv[1], the
 * guest's rxe address):
 *   - small echoes, one byte and a few hundred, with the connection's fd
 *     turning readable for poll(2) when a reply arrives;
 *   - a 16 MiB stream each way, many times the credit window, checked byte
 *     for byte, written in odd-sized gathered pieces;
 *   - both sides writing 8 MiB before reading, with read-ahead on (the
 *     writes must not deadlock, as over TCP);
 *   - a receive timeout (CF_ETIMEDOUT, the connection still usable);
 *   - the peer closing: its last bytes are read, then CF_ECLOSED;
 *   - connecting to a port nobody listens on fails cleanly.
 * Exit 0 when all pass; a failed check prints where and exits 1. Outside
 * the guest (no RDMA device) it exits 77, skipped. */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cf_error.h"
#include "cf_test.h"
#include "cf_transport.h"

#define BIG ((size_t)16 << 20)
#define BOTH ((size_t)8 << 20)

static struct cf_rdma_listener *listener;

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
  size_t i;

  for (i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (uint8_t)(seed >> 16);
  }
}

static int write_all(struct cf_conn *c, const void *p, size_t n)
{
  struct iovec v = { (void *)p, n };

  return cf_conn_writev(c, &v, 1);
}

/* Write buf in gathered pieces of odd sizes (7 bytes to 200 KiB). */
static void write_pieces(struct cf_conn *c, const uint8_t *buf, size_t n)
{
  size_t off = 0, k = 1;

  while (off < n) {
    struct iovec v[3];
    size_t i, len;
    int cnt = 0;

    for (i = 0; i < 3 && off < n; i++) {
      len = (k * 7919) % (200 << 10) + 7;
      k++;
      if (len > n - off)
        len = n - off;
      v[cnt++] = (struct iovec){ (void *)(buf + off), len };
      off += len;
    }
    ASSERT_EQ(cf_conn_writev(c, v, cnt), 0);
  }
}

/* The accepting side: echoes, the big streams, then what the client
 * thread's checks ask of it, in the same order. */
static void *server_main(void *arg)
{
  struct cf_conn *c = NULL;
  char err[256];
  uint8_t small[512];
  uint8_t *big = malloc(BIG), *want = malloc(BIG);
  int rc;

  (void)arg;
  ASSERT(big && want);
  rc = cf_rdma_accept(listener, 20000, &c, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "rdma_echo: accept: %s\n", err);
    exit(1);
  }
  /* 1. echoes */
  ASSERT_EQ(cf_conn_read_exact(c, small, 1), 0);
  ASSERT_EQ(write_all(c, small, 1), 0);
  ASSERT_EQ(cf_conn_read_exact(c, small, 300), 0);
  ASSERT_EQ(write_all(c, small, 300), 0);
  /* 2. 16 MiB in, checked, then 16 MiB out */
  ASSERT_EQ(cf_conn_read_exact(c, big, BIG), 0);
  fill(want, BIG, 1);
  ASSERT(memcmp(big, want, BIG) == 0);
  fill(big, BIG, 2);
  write_pieces(c, big, BIG);
  /* 3. both write before reading */
  ASSERT_EQ(cf_conn_set_read_ahead(c, BOTH + (1 << 20)), 0);
  fill(big, BOTH, 3);
  ASSERT_EQ(write_all(c, big, BOTH), 0);
  ASSERT_EQ(cf_conn_read_exact(c, want, BOTH), 0);
  fill(big, BOTH, 4);
  ASSERT(memcmp(big, want, BOTH) == 0);
  /* 4. the client times out waiting, then gets this */
  ASSERT_EQ(cf_conn_read_exact(c, small, 1), 0);
  ASSERT_EQ(write_all(c, "late", 4), 0);
  /* 5. last words, then close */
  ASSERT_EQ(write_all(c, "bye", 3), 0);
  cf_conn_close(c);
  free(big);
  free(want);
  return NULL;
}

int main(int argc, char **argv)
{
  struct cf_url u;
  struct cf_conn *c = NULL;
  char err[256], url[128];
  uint8_t small[512], *big, *want;
  pthread_t th;
  struct pollfd p;
  int rc, port;

  snprintf(url, sizeof url, "rdma://%s:0", argc > 1 ? argv[1] : "10.99.0.1");
  ASSERT_EQ(cf_url_parse(url, &u), 0);
  rc = cf_rdma_listen(&u, &listener, err, sizeof err);
  if (rc == CF_EUNSUP) {
    printf("rdma_echo: skipped: %s\n", err);
    return 77;
  }
  if (rc != 0) {
    fprintf(stderr, "rdma_echo: listen on %s: %s\n", url, err);
    return 1;
  }
  port = cf_rdma_listener_port(listener);
  ASSERT(port > 0);
  ASSERT(pthread_create(&th, NULL, server_main, NULL) == 0);
  u.port = (uint16_t)port;
  rc = cf_conn_connect(&u, 20000, &c, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "rdma_echo: connect: %s\n", err);
    return 1;
  }
  big = malloc(BIG);
  want = malloc(BIG);
  ASSERT(big && want);

  /* 1. echoes; the reply makes the fd readable */
  ASSERT_EQ(write_all(c, "x", 1), 0);
  p = (struct pollfd){ .fd = cf_conn_fd(c), .events = POLLIN };
  ASSERT(cf_conn_buffered(c) > 0 || poll(&p, 1, 10000) == 1);
  ASSERT_EQ(cf_conn_read_exact(c, small, 1), 0);
  ASSERT(small[0] == 'x');
  fill(want, 300, 9);
  ASSERT_EQ(write_all(c, want, 300), 0);
  ASSERT_EQ(cf_conn_read_exact(c, small, 300), 0);
  ASSERT(memcmp(small, want, 300) == 0);
  printf("ok echoes\n");

  /* 2. big streams */
  fill(big, BIG, 1);
  write_pieces(c, big, BIG);
  ASSERT_EQ(cf_conn_read_exact(c, big, BIG), 0);
  fill(want, BIG, 2);
  ASSERT(memcmp(big, want, BIG) == 0);
  printf("ok 16 MiB each way\n");

  /* 3. both write first */
  ASSERT_EQ(cf_conn_set_read_ahead(c, BOTH + (1 << 20)), 0);
  fill(big, BOTH, 4);
  ASSERT_EQ(write_all(c, big, BOTH), 0);
  ASSERT_EQ(cf_conn_read_exact(c, want, BOTH), 0);
  fill(big, BOTH, 3);
  ASSERT(memcmp(big, want, BOTH) == 0);
  printf("ok both sides write 8 MiB before reading\n");

  /* 4. timeout, then the connection still works */
  ASSERT_EQ(cf_conn_set_timeout(c, 200), 0);
  ASSERT_EQ(cf_conn_read_exact(c, small, 1), CF_ETIMEDOUT);
  ASSERT_EQ(cf_conn_set_timeout(c, 10000), 0);
  ASSERT_EQ(write_all(c, "?", 1), 0);
  ASSERT_EQ(cf_conn_read_exact(c, small, 4), 0);
  ASSERT(memcmp(small, "late", 4) == 0);
  printf("ok receive timeout\n");

  /* 5. the peer's last bytes, then the end */
  ASSERT_EQ(cf_conn_read_exact(c, small, 3), 0);
  ASSERT(memcmp(small, "bye", 3) == 0);
  ASSERT_EQ(cf_conn_read_exact(c, small, 1), CF_ECLOSED);
  ASSERT_EQ(write_all(c, "z", 1), CF_ECLOSED);
  printf("ok peer close\n");
  pthread_join(th, NULL);
  cf_conn_close(c);

  /* 6. nobody listening */
  cf_rdma_listener_free(listener);
  rc = cf_conn_connect(&u, 5000, &c, err, sizeof err);
  ASSERT(rc != 0 && c == NULL);
  printf("ok refused (%s: %s)\n", cf_strerror(rc), err);
  free(big);
  free(want);
  printf("rdma_echo: all passed\n");
  return 0;
}
