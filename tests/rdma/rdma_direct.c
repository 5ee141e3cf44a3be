/* The RDMA transport's zero-copy bulk path (transport/rdma_direct.c) against
 * real verbs, in the soft-RoCE guest like rdma_echo. One process: a
 * listener thread (the "server": its destinations and sources are bulk-pool
 * buffers, as cuferryd's) and the main thread (the "client": its pinned
 * blocks are what the test's pinned query names). Checked, each byte for
 * byte and with the connections' counters showing which path moved it:
 *   - a frame-like write (header, 24 MiB + 3 of pinned memory, trailer)
 *     read into a pool buffer: the bulk went by RDMA READ, no copy;
 *   - the reverse, into pinned memory (direct) and into malloc'd memory
 *     (through the staging buffer);
 *   - cf_conn_writev returns only once the peer has read the memory: the
 *     writer overwrites it at once, the reader, late on purpose, must see
 *     the old bytes;
 *   - both sides writing 16 MiB of registered memory before reading, with
 *     read-ahead on (no deadlock);
 *   - cf_conn_forget_memory: a forgotten block is registered anew when it is
 *     pinned again, and memory the query no longer names goes by copy;
 *   - pageable memory always goes by copy.
 * Exit 0 when all pass; a failed check prints where and exits 1. Outside
 * the guest (no RDMA device) it exits 77, skipped. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_test.h"
#include "cf_transport.h"

#define BULK (((size_t)24 << 20) + 3)
#define BOTH ((size_t)16 << 20)
#define MIB ((size_t)1 << 20)

static struct cf_rdma_listener *listener;

/* The client's pinned blocks, as the stub's cuMemAllocHost table. */
static struct {
  void *p;
  size_t size;
} pins[4];

static int pinned(const void *p, size_t len, void **base, size_t *size)
{
  uintptr_t a = (uintptr_t)p;

  for (int i = 0; i < 4; i++) {
    uintptr_t b = (uintptr_t)pins[i].p;
    if (pins[i].p && a >= b && a - b < pins[i].size && len <= pins[i].size - (a - b)) {
      *base = pins[i].p;
      *size = pins[i].size;
      return 1;
    }
  }
  return 0;
}

static void *pin(int i, size_t size)
{
  ASSERT(posix_memalign(&pins[i].p, 4096, size) == 0);
  pins[i].size = size;
  return pins[i].p;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (uint8_t)(seed >> 16);
  }
}

static int same(const uint8_t *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    if (p[i] != (uint8_t)(seed >> 16))
      return 0;
  }
  return 1;
}

static int write_all(struct cf_conn *c, const void *p, size_t n)
{
  struct iovec v = { (void *)p, n };

  return cf_conn_writev(c, &v, 1);
}

static struct cf_conn_rdma_stats stats(struct cf_conn *c)
{
  struct cf_conn_rdma_stats st;

  cf_conn_rdma_stats(c, &st);
  return st;
}

/* The accepting side: what the client's checks ask of it, in order. */
static void *server_main(void *arg)
{
  struct cf_conn *c = NULL;
  struct cf_conn_rdma_stats st;
  char err[256], small[64];
  uint8_t *pool = cf_bulk_alloc(BULK + 1), *pool2 = cf_bulk_alloc(BOTH);
  int rc;

  (void)arg;
  ASSERT(pool && pool2);
  rc = cf_rdma_accept(listener, 20000, &c, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "rdma_direct: accept: %s\n", err);
    exit(1);
  }
  /* 1. header, bulk into a pool buffer, trailer */
  ASSERT_EQ(cf_conn_read_exact(c, small, 40), 0);
  ASSERT(same((uint8_t *)small, 40, 10));
  ASSERT_EQ(cf_conn_read_exact(c, pool, BULK), 0);
  ASSERT(same(pool, BULK, 11));
  ASSERT_EQ(cf_conn_read_exact(c, small, 5), 0);
  ASSERT(same((uint8_t *)small, 5, 12));
  st = stats(c);
  ASSERT(st.direct_received >= BULK && st.staged_received == 0);
  /* 2. 24 MiB + 3 out of a pool buffer, twice */
  fill(pool, BULK, 13);
  ASSERT_EQ(write_all(c, pool, BULK), 0);
  ASSERT_EQ(write_all(c, pool, BULK), 0);
  st = stats(c);
  ASSERT(st.direct_sent >= 2 * BULK);
  /* 3. read late: the writer must still be waiting */
  usleep(300 * 1000);
  ASSERT_EQ(cf_conn_read_exact(c, pool, 8 * MIB), 0);
  ASSERT(same(pool, 8 * MIB, 14));
  /* 4. both write first */
  ASSERT_EQ(cf_conn_set_read_ahead(c, BOTH + MIB), 0);
  fill(pool2, BOTH, 15);
  ASSERT_EQ(write_all(c, pool2, BOTH), 0);
  ASSERT_EQ(cf_conn_read_exact(c, pool, BOTH), 0);
  ASSERT(same(pool, BOTH, 16));
  /* 5. forgotten, re-pinned, unpinned, pageable: four 4 MiB pieces */
  for (uint32_t k = 0; k < 4; k++) {
    ASSERT_EQ(cf_conn_read_exact(c, pool, 4 * MIB), 0);
    ASSERT(same(pool, 4 * MIB, 17 + k));
  }
  ASSERT_EQ(write_all(c, "bye", 3), 0);
  cf_conn_close(c);
  cf_bulk_free(pool);
  cf_bulk_free(pool2);
  return NULL;
}

int main(int argc, char **argv)
{
  struct cf_url u;
  struct cf_conn *c = NULL;
  struct cf_conn_rdma_stats st, before;
  char err[256], url[128], small[64];
  uint8_t *a, *b, *plain;
  pthread_t th;
  int rc;

  snprintf(url, sizeof url, "rdma://%s:0", argc > 1 ? argv[1] : "10.99.0.1");
  ASSERT_EQ(cf_url_parse(url, &u), 0);
  rc = cf_rdma_listen(&u, &listener, err, sizeof err);
  if (rc == CF_EUNSUP) {
    printf("rdma_direct: skipped: %s\n", err);
    return 77;
  }
  if (rc != 0) {
    fprintf(stderr, "rdma_direct: listen on %s: %s\n", url, err);
    return 1;
  }
  cf_bulk_pool_enable((size_t)128 << 20);
  ASSERT(pthread_create(&th, NULL, server_main, NULL) == 0);
  u.port = (uint16_t)cf_rdma_listener_port(listener);
  rc = cf_conn_connect(&u, 20000, &c, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "rdma_direct: connect: %s\n", err);
    return 1;
  }
  cf_conn_set_pinned_query(c, pinned);
  {
    uint64_t bps = 0;
    int lower = -1;

    if (cf_conn_link_rate(c, &bps, &lower) == 0)
      printf("link: the port says %.2f Gbit/s\n", (double)bps * 8 / 1e9);
    else
      printf("link: the port gives no rate\n");
    ASSERT(lower == -1 || (lower == 0 && bps > 0));
  }
  a = pin(0, BULK + 4096);
  b = pin(1, BOTH);
  plain = malloc(BULK);
  ASSERT(plain != NULL);

  /* 1. a frame-like write whose bulk is pinned */
  {
    uint8_t hdr[40], trailer[5];
    struct iovec v[3] = { { hdr, 40 }, { a + 1, BULK }, { trailer, 5 } };

    fill(hdr, 40, 10);
    fill(a + 1, BULK, 11);
    fill(trailer, 5, 12);
    ASSERT_EQ(cf_conn_writev(c, v, 3), 0);
    st = stats(c);
    ASSERT(st.direct_sent == BULK && st.registrations == 1);
    printf("ok pinned bulk read by the peer (%llu bytes, %llu registration)\n",
           (unsigned long long)st.direct_sent, (unsigned long long)st.registrations);
  }

  /* 2. into pinned memory, then into pageable memory */
  ASSERT_EQ(cf_conn_read_exact(c, a, BULK), 0);
  ASSERT(same(a, BULK, 13));
  ASSERT_EQ(cf_conn_read_exact(c, plain, BULK), 0);
  ASSERT(same(plain, BULK, 13));
  st = stats(c);
  ASSERT(st.direct_received == BULK && st.staged_received == BULK);
  printf("ok read into pinned memory directly, into pageable through staging\n");

  /* 3. the write waits for the peer's read */
  fill(a, 8 * MIB, 14);
  ASSERT_EQ(write_all(c, a, 8 * MIB), 0);
  memset(a, 0, 8 * MIB);
  printf("ok write returned only after the peer read (checked there)\n");

  /* 4. both write first */
  ASSERT_EQ(cf_conn_set_read_ahead(c, BOTH + MIB), 0);
  fill(b, BOTH, 16);
  ASSERT_EQ(write_all(c, b, BOTH), 0);
  ASSERT_EQ(cf_conn_read_exact(c, b, BOTH), 0);
  ASSERT(same(b, BOTH, 15));
  printf("ok both sides write 16 MiB of registered memory before reading\n");

  /* 5. forget: registered anew when pinned again; copied when not pinned */
  before = stats(c);
  cf_conn_forget_memory(c, b, BOTH);
  fill(b, 4 * MIB, 17);
  ASSERT_EQ(write_all(c, b, 4 * MIB), 0);
  st = stats(c);
  ASSERT(st.registrations == before.registrations + 1 &&
         st.direct_sent == before.direct_sent + 4 * MIB);
  cf_conn_forget_memory(c, b, BOTH);
  pins[1].p = NULL;
  fill(b, 4 * MIB, 18);
  ASSERT_EQ(write_all(c, b, 4 * MIB), 0);
  fill(plain, 4 * MIB, 19);
  ASSERT_EQ(write_all(c, plain, 4 * MIB), 0);
  st = stats(c);
  ASSERT(st.direct_sent == before.direct_sent + 4 * MIB);
  pins[1].p = b;
  fill(b, 4 * MIB, 20);
  ASSERT_EQ(write_all(c, b, 4 * MIB), 0);
  st = stats(c);
  ASSERT(st.registrations == before.registrations + 2);
  printf("ok forgotten memory re-registered; unpinned and pageable memory copied\n");

  ASSERT_EQ(cf_conn_read_exact(c, small, 3), 0);
  ASSERT(memcmp(small, "bye", 3) == 0);
  ASSERT_EQ(cf_conn_read_exact(c, small, 1), CF_ECLOSED);
  pthread_join(th, NULL);
  cf_conn_close(c);
  cf_rdma_listener_free(listener);
  free(pins[0].p);
  free(pins[1].p);
  free(plain);
  printf("rdma_direct: all passed\n");
  return 0;
}
